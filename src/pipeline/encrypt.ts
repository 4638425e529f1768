/**
 * Encryption at rest in the age format (https://age-encryption.org/v1), through `age-encryption`
 * (typage, by age's author): a stage of the delivery pipeline after compression, so stored backups
 * decrypt with the standard tool: `age -d -i key.txt backup.sql.gz.age | gunzip`. Recipients are
 * X25519 public keys (`age1…`, from `age-keygen`); decryption takes identity files as `age -i` does.
 */
import { readFile } from 'node:fs/promises';
import { Duplex, Readable } from 'node:stream';
import type { ReadableStream as WebReadable } from 'node:stream/web';
import { UsageError, VerifyError } from '../errors.js';

/** The first line of every age file. */
export const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');
/** An X25519 recipient as age-keygen prints it (bech32, 62 characters). */
export const AGE_RECIPIENT_PATTERN = '^age1[02-9ac-hj-np-z]{58}$';
/** Added to the stored file name of an encrypted backup. */
export const AGE_EXTENSION = '.age';

export const encryptSchema = {
  type: 'object',
  description: 'Encrypt backups at rest in the age format (decrypt with `age -d -i KEY_FILE` or `onedump restore/download --identity KEY_FILE`). The file name gets `.age` appended.',
  properties: {
    age_recipients: {
      type: 'array', minItems: 1, uniqueItems: true,
      items: { type: 'string', pattern: AGE_RECIPIENT_PATTERN },
      description: 'age public keys (`age1…`, from `age-keygen`); any one of the matching identities can decrypt.',
    },
  },
  required: ['age_recipients'],
  additionalProperties: false,
};

/** A Duplex that turns plaintext into an age file for `recipients`. */
export async function ageEncryptStream(recipients: string[]): Promise<Duplex> {
  const { Encrypter } = await import('age-encryption');
  const enc = new Encrypter();
  for (const r of recipients) enc.addRecipient(r);
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const output = await enc.encrypt(input.readable);
  return Duplex.fromWeb({ readable: output as unknown as WebReadable, writable: input.writable as never }, { highWaterMark: 1 << 20 } as never);
}

/** The `AGE-SECRET-KEY-1…` lines of age identity files (comments and blank lines ignored). */
export async function readIdentities(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read identity file ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    const keys = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
    if (!keys.length) throw new UsageError(`identity file ${file} holds no age identity (AGE-SECRET-KEY-1…)`);
    out.push(...keys);
  }
  return out;
}

/** Reads the first `n` bytes of `input` (or fewer at its end) and returns them with the whole stream. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    held.push(r.value);
    size += r.value.length;
  }
  async function* all() {
    yield* held;
    if (!ended) for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(held).subarray(0, n), stream: Readable.from(all(), { objectMode: false, highWaterMark: 1 << 20 }) };
}

export function isAgeHeader(head: Buffer): boolean {
  return head.length >= AGE_MAGIC.length && head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC);
}

/**
 * Passes a plaintext stream through; decrypts an age file with `identities` (`encrypted` says which it
 * was). `what` names the file in errors: an encrypted file without identities, or none that match.
 */
export async function openPlaintext(input: Readable, identities: string[] | undefined, what: string): Promise<{ stream: Readable; encrypted: boolean }> {
  const { head, stream } = await peek(input, AGE_MAGIC.length);
  if (!isAgeHeader(head)) return { stream, encrypted: false };
  if (!identities?.length) throw new UsageError(`${what} is encrypted (age); pass --identity KEY_FILE`);
  const { Decrypter } = await import('age-encryption');
  const dec = new Decrypter();
  for (const id of identities) dec.addIdentity(id);
  try {
    const plain = await dec.decrypt(Readable.toWeb(stream) as never);
    return { stream: Readable.fromWeb(plain as never, { highWaterMark: 1 << 20 }), encrypted: true };
  } catch (err) {
    throw new VerifyError(`${what}: cannot decrypt: ${(err as Error).message}`, { cause: err });
  }
}

/** `openPlaintext`, for callers that only want the bytes. */
export async function maybeDecrypt(input: Readable, identities: string[] | undefined, what: string): Promise<Readable> {
  return (await openPlaintext(input, identities, what)).stream;
}
