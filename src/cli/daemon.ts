/** `onedump daemon FILE [--http HOST:PORT]`: run jobs on their schedules until SIGTERM/SIGINT. */
import { createServer } from 'node:http';
import type { CommandModule } from 'yargs';
import { Daemon } from '../runner/daemon.js';
import { logger } from '../util/log.js';
import { UsageError } from '../errors.js';

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
    const daemon = new Daemon(args.file, { log });
    daemon.start();
    const server = args.http ? await serveHealth(daemon, args.http) : undefined;
    log.info(`daemon started (pid ${process.pid})`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${sig} received: stopping`);
        void daemon.stop().then(resolve);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => {
        log.info('SIGHUP received: reloading');
        daemon.reload();
      });
    });
    server?.close();
    log.info('daemon stopped');
    process.exitCode = 0;
  },
};

async function serveHealth(daemon: Daemon, hostPort: string) {
  const m = /^(.*):(\d+)$/.exec(hostPort);
  if (!m) throw new UsageError(`--http wants HOST:PORT, got "${hostPort}"`);
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    const jobs = Object.fromEntries(daemon.states);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', jobs }));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(m[2]), m[1]!.replace(/^\[|\]$/g, ''), resolve));
  return server;
}
