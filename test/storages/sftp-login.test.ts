/** sftp beyond the shared suite: host-key verification, authentication errors, resume after a dropped connection. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StorageError, isTransient } from '../../src/errors.js';
import { sftpStorage, type SftpStorageConfig } from '../../src/storages/sftp.js';
import type { Logger } from '../../src/util/log.js';
import { digest, generate } from '../conformance/storage/data.js';
import { tempFilesUnder } from '../conformance/storage/fixtures.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { startTcpProxy } from '../harness/tcp-proxy.js';

let sshd: Sshd;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => sshd?.stop());

/** A context whose log lines the test can read. */
const ctx = () => {
  const lines: string[] = [];
  const keep = (m: string) => void lines.push(m);
  const log = { debug: keep, info: keep, warn: keep, error: keep, child: () => log } as unknown as Logger;
  return { baseDir: sshd.dir, log, lines };
};

function config(over: Partial<SftpStorageConfig> = {}): SftpStorageConfig {
  return { type: 'sftp', host: sshd.host, port: sshd.port, user: sshd.user, key_file: sshd.keyFile, known_hosts: sshd.knownHosts, path: join(sshd.dir, 'files'), ...over };
}

async function roundTrip(cfg: SftpStorageConfig): Promise<string> {
  const s = await sftpStorage.create('box', cfg, ctx());
  try {
    await s.put('hello.txt', Readable.from([Buffer.from('hi')]));
    return (await digest(await s.get('hello.txt'))).sha256;
  } finally {
    await s.close();
  }
}

describe('host key verification', () => {
  test('a known_hosts entry or the fingerprint lets the connection through', async () => {
    await expect(roundTrip(config())).resolves.toMatch(/^[0-9a-f]{64}$/);
    await expect(roundTrip(config({ known_hosts: undefined, host_key_fingerprint: sshd.fingerprint }))).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  test('hashed known_hosts entries (ssh-keygen -H) are understood', async () => {
    const hashed = join(sshd.dir, 'known_hosts_hashed');
    writeFileSync(hashed, readFileSync(sshd.knownHosts));
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    await expect(roundTrip(config({ known_hosts: hashed }))).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  test('a different key in known_hosts is refused, naming the storage and the mismatch', async () => {
    const err = await sftpStorage.create('box', config({ known_hosts: sshd.wrongKnownHosts }), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/^storage box: connect "": .*the host key of \[127\.0\.0\.1\]:\d+ \(SHA256:\S+\) does not match known_hosts — possible man-in-the-middle attack \(.*known_hosts_wrong\)$/);
  });

  test('a host missing from known_hosts, a wrong fingerprint, an unreadable known_hosts are refused', async () => {
    const empty = join(sshd.dir, 'known_hosts_empty');
    writeFileSync(empty, '# nothing\n');
    await expect(sftpStorage.create('box', config({ known_hosts: empty }), ctx())).rejects.toThrow(/is not in known_hosts .*known_hosts_empty/);
    await expect(sftpStorage.create('box', config({ known_hosts: undefined, host_key_fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), ctx()))
      .rejects.toThrow(/does not match host_key_fingerprint/);
    await expect(sftpStorage.create('box', config({ known_hosts: join(sshd.dir, 'nope') }), ctx())).rejects.toThrow(/cannot read known_hosts .*nope \(ENOENT\)/);
  });

  test('insecure_ignore_host_key skips the check only when asked', async () => {
    await expect(roundTrip(config({ known_hosts: undefined, insecure_ignore_host_key: true }))).resolves.toMatch(/^[0-9a-f]{64}$/);
  });
});

test('the SSH agent authenticates when asked to (agent: SOCKET)', async () => {
  const { spawn, execFileSync } = await import('node:child_process');
  const sock = join(sshd.dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', [sshd.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
    await expect(roundTrip(config({ key_file: undefined, agent: sock }))).resolves.toMatch(/^[0-9a-f]{64}$/);
  } finally {
    agent.kill();
  }
});

test('a wrong key is an authentication error, not a retryable one', async () => {
  const err = await sftpStorage.create('box', config({ key_file: join(sshd.dir, 'otherkey') }), ctx()).catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/^storage box: connect "": .*authentication/i);
});

test('an upload survives a dropped connection: it resumes at the acknowledged offset and is read back', async () => {
  const proxy = await startTcpProxy(sshd.port);
  const c = ctx();
  // known_hosts lists the key for [127.0.0.1]:sshd.port; through the proxy, pin the fingerprint instead
  const s = await sftpStorage.create('box', config({ port: proxy.port, known_hosts: undefined, host_key_fingerprint: sshd.fingerprint, path: join(sshd.dir, 'resume') }), c);
  try {
    const size = 40 * 1024 * 1024;
    const src = generate(size);
    proxy.cutAfter(15 * 1024 * 1024);
    const info = await s.put('big.bin', src.stream);
    expect(proxy.connections()).toBe(2);
    expect(info).toMatchObject({ size, checksum: { algo: 'sha256', value: src.checksum('sha256') } });
    expect(await digest(await s.get('big.bin'))).toEqual({ size, sha256: src.checksum('sha256') });
    expect(c.lines.some((l) => /connection lost while writing .*big\.bin.* at byte \d+.*reconnecting to resume/.test(l))).toBe(true);
    expect(tempFilesUnder(join(sshd.dir, 'resume'))).toEqual([]);
  } finally {
    await s.close();
    await proxy.stop();
  }
}, 60_000);

test('when the server stays unreachable, the upload fails with a transient error and no object', async () => {
  const proxy = await startTcpProxy(sshd.port);
  const s = await sftpStorage.create('box', config({ port: proxy.port, known_hosts: undefined, host_key_fingerprint: sshd.fingerprint, path: join(sshd.dir, 'gone') }), ctx());
  try {
    const src = generate(20 * 1024 * 1024);
    proxy.cutAfter(5 * 1024 * 1024);
    proxy.refuse(true);
    const err = await s.put('lost.bin', src.stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/^storage box: put "lost.bin": /);
    expect(isTransient(err)).toBe(true);
    proxy.refuse(false);
    expect(await s.stat('lost.bin')).toBeUndefined();
  } finally {
    await s.close();
    await proxy.stop();
  }
}, 90_000);
