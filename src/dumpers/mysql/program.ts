/** Finding `mariadb-dump`/`mysqldump`, reading its version, and checking it suits the server. */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { DatabaseError } from '../../errors.js';

const CANDIDATES = ['mariadb-dump', 'mysqldump'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The configured program (a path or a name on PATH), else mariadb-dump, else mysqldump. */
export function findProgram(configured?: string): string {
  const names = configured ? [configured] : CANDIDATES;
  for (const name of names) {
    if (name.includes('/')) {
      if (executable(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && isAbsolute(dir) && executable(join(dir, name))) return join(dir, name);
    }
  }
  throw new DatabaseError('mysqldump', `program ${names.map((n) => `"${n}"`).join(' or ')} not found${configured ? '' : ' on PATH'} (install the MariaDB or MySQL client, or set database.binary)`);
}

export interface ProgramVersion {
  mariadb: boolean;
  /** e.g. `10.11.6` (MariaDB's "Distrib"/"from" version, MySQL's "Ver"). */
  version: string;
  raw: string;
}

/** Runs `program --version`. */
export function programVersion(program: string): Promise<ProgramVersion> {
  return new Promise((resolve, reject) => {
    execFile(program, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) return reject(new DatabaseError('mysqldump', `cannot run ${program} --version: ${err.message}`, { cause: err }));
      resolve(parseProgramVersion(stdout));
    });
  });
}

export function parseProgramVersion(text: string): ProgramVersion {
  const raw = text.trim();
  const m = /Distrib\s+(\d+\.\d+\.\d+)/i.exec(raw) ?? /\bfrom\s+(\d+\.\d+\.\d+)/i.exec(raw) ?? /Ver\s+(\d+\.\d+\.\d+)/i.exec(raw);
  return { mariadb: /mariadb/i.test(raw), version: m?.[1] ?? '0.0.0', raw };
}

const majorMinor = (v: string) => v.split('.').slice(0, 2).map(Number) as [number, number];

/** The program must be of the server's flavour and not older than the server's major.minor. */
export function checkVersions(program: string, tool: ProgramVersion, server: { version: string; mariadb: boolean }): void {
  const flavour = (m: boolean) => (m ? 'MariaDB' : 'MySQL');
  const serverVersion = /^(\d+\.\d+\.\d+)/.exec(server.version)?.[1] ?? '0.0.0';
  if (tool.mariadb !== server.mariadb) {
    throw new DatabaseError('mysqldump', `${program} is the ${flavour(tool.mariadb)} ${tool.version} client but the server is ${flavour(server.mariadb)} ${serverVersion}; use the matching client (set database.binary) or driver mysql`);
  }
  const [tMaj, tMin] = majorMinor(tool.version);
  const [sMaj, sMin] = majorMinor(serverVersion);
  if (tMaj < sMaj || (tMaj === sMaj && tMin < sMin)) {
    throw new DatabaseError('mysqldump', `${program} ${tool.version} is older than the server (${flavour(server.mariadb)} ${serverVersion}); install a client at least as new, or use driver mysql`);
  }
}
