// Runs s3rver (an S3 server on loopback) in its own process, for the s3 storage tests.
// Usage: node --openssl-legacy-provider s3rver-main.cjs DIR → prints "LISTENING <port>" when ready.
//
// s3rver 3.7 answers AbortMultipartUpload (DELETE ?uploadId=) with MethodNotAllowed and keeps the parts;
// real S3 discards them. The middleware below implements that one call, so tests can check that a
// failed upload leaves nothing behind.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const S3rver = require('s3rver');

const directory = process.argv[2];
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
server.middleware.unshift(async (ctx, next) => {
  const m = /^\/([^/]+)\/.+/.exec(ctx.path);
  if (ctx.method !== 'DELETE' || !m || typeof ctx.query.uploadId !== 'string') return next();
  const dir = path.join(server.store.getResourcePath(m[1], undefined, 'uploads'), path.basename(ctx.query.uploadId));
  if (!fs.existsSync(dir)) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  ctx.status = 204;
});
server.run().then(({ port }) => process.stdout.write(`LISTENING ${port}\n`), (err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
