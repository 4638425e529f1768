# onedump as a container: by default the scheduler (`onedump daemon`) on /etc/onedump/jobs.yaml.
#
#   docker build -t onedump .
#   docker run -d --name onedump \
#     -v "$PWD/jobs.yaml:/etc/onedump/jobs.yaml:ro" -v "$PWD/backups:/var/lib/onedump" onedump
#   docker run --rm -v "$PWD/jobs.yaml:/etc/onedump/jobs.yaml:ro" onedump onedump validate /etc/onedump/jobs.yaml
#
# Secrets: pass them as environment variables (`-e DB_PASS=...`, `--env-file`) and write ${DB_PASS}
# in the job file; a .env file beside the job file works too. `docker stop` sends SIGTERM: running jobs
# get `shutdown_grace` to finish (give `docker stop -t` at least as long).

# ---- build: compile TypeScript, keep only production dependencies ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
# native modules (better-sqlite3, ssh2's optional cpu-features) build from source when no prebuilt binary fits
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:22-bookworm-slim
# mariadb-client (mysqldump/mariadb-dump) and postgresql-client (pg_dump/psql) for the wrapper drivers;
# openssh-client for SSH tunnels; tini forwards signals and reaps those child processes.
# postgresql-client comes from the PostgreSQL project's own repository (PGDG): its newest pg_dump dumps
# every older server, while Debian's (15) refuses servers newer than itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends mariadb-client postgresql-client openssh-client tini \
 && apt-get purge -y curl && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# a smaller V8 young generation: peak RSS of a PostgreSQL dump job 158 → 119 MB and of a MySQL restore
# 181 → 157 MB for ~2 % more time (docs/benchmarks.md, "V8 young generation")
ENV NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /opt/onedump
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
COPY examples ./examples
RUN chmod 0755 dist/cli/main.js \
 && ln -s /opt/onedump/dist/cli/main.js /usr/local/bin/onedump \
 && mkdir -p /etc/onedump /var/lib/onedump \
 && chown node:node /var/lib/onedump
# the node image's unprivileged user (uid 1000)
USER node
WORKDIR /var/lib/onedump
VOLUME ["/var/lib/onedump"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["onedump", "daemon", "/etc/onedump/jobs.yaml"]
