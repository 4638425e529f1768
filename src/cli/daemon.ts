/**
 * `onedump daemon FILE [--http HOST:PORT]`: run jobs on their schedules until SIGTERM/SIGINT.
 * SIGHUP reloads the file. The first SIGTERM/SIGINT lets running jobs finish within `shutdown_grace`;
 * a second one aborts them at once. Exits 0 after a clean shutdown.
 */
import { createServer, type Server } from 'node:http';
import type { CommandModule } from 'yargs';
import { Daemon } from '../runner/daemon.js';
import { logger } from '../util/log.js';
import { redact } from '../util/redact.js';
import { UsageError, describeError } from '../errors.js';

interface Args {
  file: string;
  http?: string;
}

export const daemonCommand: CommandModule<object, Args> = {
  command: 'daemon <file>',
  describe: 'Run jobs on their schedules until SIGTERM/SIGINT (SIGHUP reloads the file)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'Job file' })
      .option('http', { type: 'string', describe: 'Serve GET /healthz (job states as JSON) on HOST:PORT' })
      .example('$0 daemon /etc/onedump/jobs.yaml', 'run scheduled jobs')
      .example('$0 daemon jobs.yaml --http 127.0.0.1:8080', 'with a health endpoint') as never,
  handler: async (args) => {
    const log = logger();
    const listen = args.http ? parseHostPort(args.http) : undefined;
    const daemon = new Daemon(args.file, { log });
    daemon.start(); // an invalid file throws ConfigError: exit 2
    let server: Server | undefined;
    try {
      server = listen ? await serveHealth(daemon, listen.host, listen.port) : undefined;
    } catch (err) {
      await daemon.stop();
      throw new UsageError(`--http ${args.http}: ${describeError(err)}`);
    }
    if (server) log.info(`health endpoint on http://${args.http}/healthz`);
    log.info(`daemon started (pid ${process.pid})`);
    const onUnhandled = (err: unknown) => log.error(`unexpected error (the daemon keeps running): ${redact(describeError(err))}`);
    process.on('unhandledRejection', onUnhandled);
    await untilStopped(daemon);
    process.off('unhandledRejection', onUnhandled);
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    log.info('daemon stopped');
    process.exitCode = 0;
  },
};

/** Resolves once a first signal has stopped the daemon; a second signal aborts running jobs at once. */
function untilStopped(daemon: Daemon): Promise<void> {
  const log = logger();
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        daemon.abortNow(`second ${sig}`);
        return;
      }
      stopping = true;
      log.info(`${sig} received: stopping (send it again to abort running jobs now)`);
      void daemon.stop().then(() => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        process.off('SIGHUP', onHup);
        resolve();
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => {
      log.info('SIGHUP received: reloading');
      daemon.reload();
    };
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    process.on('SIGHUP', onHup);
  });
}

function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || port < 0 || port > 65535) throw new UsageError(`--http wants HOST:PORT (e.g. 127.0.0.1:8080), got "${value}"`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

async function serveHealth(daemon: Daemon, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const jobs = Object.fromEntries(daemon.states);
    res.writeHead(200, { 'content-type': 'application/json' }).end(redact(JSON.stringify({ status: 'ok', pid: process.pid, jobs })));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
