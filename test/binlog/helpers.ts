/** Shared helpers of the binlog tests: sessions, table state snapshots, job files, archive contents. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import mysql from 'mysql2/promise';
import winston from 'winston';
import type { PrivateMariadb } from '../harness/mariadb.js';

/** A long-lived session (transactions and temporary tables that outlive one statement). */
export function session(db: PrivateMariadb): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port: db.port, user: 'root', multipleStatements: true });
}

export interface TableState {
  checksum: string;
  rows: string;
  create: string;
}

/** CHECKSUM TABLE, a hash of every row in key order, and SHOW CREATE TABLE, for each table of `database`. */
export function databaseState(db: PrivateMariadb, database: string): Record<string, TableState> {
  const tables = db.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema='${database}' AND table_type='BASE TABLE' ORDER BY 1`).split('\n').filter(Boolean);
  const out: Record<string, TableState> = {};
  for (const t of tables) {
    const q = `\`${database}\`.\`${t}\``;
    out[t] = {
      checksum: db.sql(`CHECKSUM TABLE ${q} EXTENDED`).trim().split('\t')[1]!,
      rows: createHash('sha256').update(db.sql(`SELECT * FROM ${q} ORDER BY 1`)).digest('hex'),
      create: db.sql(`SHOW CREATE TABLE ${q}`).replace(/ AUTO_INCREMENT=\d+/, ''),
    };
  }
  return out;
}

/** YAML of a dump job of `db`'s database `app` and a files-mode binlog job extending it, both to storage `arch`. */
export function pairJobs(a: { store: string; db: PrivateMariadb; dump: string; binlog: string; extra?: string }): string {
  return `
storages:
  arch: { type: local, path: ${a.store} }
jobs:
  - name: ${a.dump}
    type: dump
    database: { driver: mysql, dsn: "${a.db.dsn('app')}" }
    to: [arch]
  - name: ${a.binlog}
    type: binlog
    mode: files
    dir: ${a.db.binlogDir}
    to: [arch]
    dump_job: ${a.dump}
${a.extra ?? ''}`;
}

export function writeJobs(dir: string, yaml: string): string {
  const file = join(dir, 'jobs.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Archived objects (decompressed) and manifests under a local storage's prefix directory. */
export function archived(dir: string): { files: Map<string, Buffer>; manifests: Map<string, Record<string, unknown>>; names: string[] } {
  const names = readdirSync(dir).sort();
  const files = new Map<string, Buffer>();
  const manifests = new Map<string, Record<string, unknown>>();
  for (const n of names) {
    const buf = readFileSync(join(dir, n));
    if (n.endsWith('.manifest.json')) manifests.set(n.replace(/\.manifest\.json$/, ''), JSON.parse(buf.toString('utf8')));
    else files.set(n, n.endsWith('.gz') ? gunzipSync(buf) : buf);
  }
  return { files, manifests, names };
}

/** Waits until the wall clock is in a second later than now, and returns that second (epoch s). */
export async function nextSecond(): Promise<number> {
  const s = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, s * 1000 - Date.now() + 20));
  return s;
}

/** A logger that prints nothing (domain calls in tests). */
export function quietLog(): winston.Logger {
  return winston.createLogger({ silent: true });
}
