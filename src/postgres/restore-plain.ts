/**
 * The native restore of a plain SQL dump into one database, in one transaction:
 * - the target database is created (from template0) if it does not exist, and dropped again on failure;
 * - into a non-empty target, the dump is read once first; the relations (and types) it creates that
 *   already exist are saved to a safety backup and dropped inside the transaction;
 * - statements run one by one, COPY data streams through COPY FROM STDIN with backpressure;
 * - BEGIN/COMMIT in the script are ignored, statements that cannot run in a transaction block either run
 *   after COMMIT (VACUUM, … CONCURRENTLY) or make the restore fail before anything changes
 *   (CREATE DATABASE, \connect, ROLLBACK, …);
 * - a script that ends early (no completion footer, open COPY) rolls back.
 */
import { rm } from 'node:fs/promises';
import { AbortError, DatabaseError, UsageError } from '../errors.js';
import type { RestoreOptions, RestoreResult } from '../dumpers/types.js';
import { Selection } from './catalog/filter.js';
import { CopySink } from './copy-in.js';
import { DUMP_FOOTER, DUMP_HEADER } from './dumper.js';
import type { PgTarget } from './dsn.js';
import { DumpEncoding, clientEncodingOf } from './encoding.js';
import { addedConstraint, nameKey, scanDump, type DumpContents } from './prescan.js';
import {
  dropCreated, dropExisting, dropForeignKeys, dropFunctions, findCompanions, findExisting, hasUserObjects, lockExisting, openTarget, safetyBackup,
  suspendDefaultAcls, type Companions, type Existing,
} from './restore-target.js';
import { dropSigned } from './restore-signed.js';
import { closePg, type PgClient } from './session.js';
import { readSql, type SqlEvent } from './sql-reader.js';
import { describeStatement, type StatementInfo } from './statement-info.js';

/** Remembers the start and the end of the input, to tell a complete dump from a truncated one. */
class Ends {
  head = '';
  private tail: Buffer = Buffer.alloc(0);

  async *watch(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
      if (this.head.length < 200) this.head += c.subarray(0, 200).toString('latin1');
      this.tail = c.length >= 300 ? c.subarray(c.length - 300) : Buffer.concat([this.tail, c]).subarray(-300);
      yield c;
    }
  }

  /** Throws when the script announces a completion footer it does not end with. */
  check(): void {
    const tail = this.tail.toString('latin1');
    const ours = this.head.includes(DUMP_HEADER) && !tail.includes(DUMP_FOOTER);
    const pgdump = this.head.includes('-- PostgreSQL database dump') && !tail.includes('PostgreSQL database dump complete');
    if (ours || pgdump) throw new DatabaseError('postgres', 'the dump ends before its completion footer (truncated file?); nothing was restored');
  }
}

export function failure(err: unknown, line: number, sql: string): DatabaseError {
  if (err instanceof DatabaseError || err instanceof AbortError || err instanceof UsageError) return err as DatabaseError;
  const e = err as { message?: string; detail?: string; hint?: string; where?: string };
  const head = sql.replace(/\s+/g, ' ').trim().slice(0, 80);
  const extra = [e.detail, e.where, e.hint].filter(Boolean).join('; ').replace(/\n/g, ' ');
  return new DatabaseError('postgres', `restore failed at line ${line} (${head}${sql.length > 80 ? '…' : ''}): ${e.message ?? String(err)}${extra ? ` (${extra})` : ''}; nothing was restored`, { cause: err });
}

export class PlainRestore {
  private client?: PgClient;
  private readonly encoding = new DumpEncoding();
  private readonly sel?: Selection;
  private contents?: DumpContents;
  private copy?: CopySink | 'skip';
  private readonly deferred: { sql: string; line: number }[] = [];
  private statements = 0;
  private readonly tables = new Set<string>();
  private safetyFile?: string;
  private readonly extraRelations = new Set<string>();
  private companionFks: Companions['foreignKeys'] = [];
  private companionFunctions: Companions['functions'] = [];

  constructor(private readonly t: PgTarget, private readonly opts: RestoreOptions) {
    if (opts.tables?.length) this.sel = new Selection({ tables: opts.tables });
  }

  async run(chunks: AsyncIterable<Buffer>): Promise<RestoreResult> {
    if (this.opts.dryRun) return this.dryRun(chunks);
    const opened = await openTarget(this.t, false);
    const client = (this.client = opened.client!);
    client.on('notice', (n) => this.opts.log.debug(`postgres: ${n.message}`));
    try {
      await client.query('BEGIN');
      const existing = await this.prepare(opened.created);
      if (existing && (existing.relations.length || existing.types.length || existing.named.length || existing.signed.length)) await this.replace(existing);
      const resumeAcls = opened.created ? undefined : await suspendDefaultAcls(client);
      const ends = new Ends();
      for await (const ev of readSql(ends.watch(chunks))) await this.event(ev);
      ends.check();
      await resumeAcls?.();
      await client.query('COMMIT');
    } catch (err) {
      if (this.copy instanceof CopySink) await this.copy.abort();
      await Promise.race([client.query('ROLLBACK').catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
      await closePg(client);
      if (opened.created) await dropCreated(this.t).catch(() => undefined);
      // nothing was replaced: the safety backup would only mislead
      if (this.safetyFile) await rm(this.safetyFile, { force: true });
      throw err;
    }
    try {
      await this.runDeferred();
    } finally {
      await closePg(client);
    }
    return { statements: this.statements, tables: [...this.tables] };
  }

  /** Reads the dump once first when the target has objects or only some tables are wanted. */
  private async prepare(created: boolean): Promise<Existing | undefined> {
    const nonEmpty = !created && (await hasUserObjects(this.client!));
    if (!nonEmpty && !this.sel) return undefined;
    if (!this.opts.reopen) throw new UsageError('postgres: restoring into a non-empty database or with --tables needs to read the dump twice; restore through `onedump restore`');
    this.contents = await scanDump(await this.opts.reopen());
    if (!nonEmpty) return undefined;
    const wanted: DumpContents = {
      ...this.contents,
      relations: this.contents.relations.filter((r) => this.wantedTable(r.name.schema, r.name.name)),
      types: this.sel ? [] : this.contents.types,
      named: this.sel ? [] : this.contents.named,
      signed: this.sel ? [] : this.contents.signed,
    };
    const existing = await findExisting(this.client!, wanted, !this.sel);
    const companions = await findCompanions(this.client!, existing, this.contents, !this.sel);
    for (const v of companions.views) {
      existing.relations.push(v);
      this.extraRelations.add(`${v.schema}.${v.name}`);
    }
    this.companionFks = companions.foreignKeys;
    this.companionFunctions = companions.functions;
    return existing;
  }

  /** Saves (unless disabled) and drops what the dump replaces. */
  private async replace(existing: Existing): Promise<void> {
    const names = existing.relations.map((r) => `${r.schema}.${r.name}`);
    if (names.length) {
      await lockExisting(this.client!, existing);
      if (this.opts.safetyBackup !== false) {
        this.safetyFile = await safetyBackup(this.client!, this.t, existing, this.opts.baseDir ?? process.cwd(), this.opts.log, this.opts.signal);
        this.opts.log.info(`postgres: safety backup of ${names.length} relation(s) about to be replaced: ${this.safetyFile}`);
      }
    }
    await dropSigned(this.client!, existing.signed, ['EVENT TRIGGER']);
    await dropForeignKeys(this.client!, this.companionFks);
    await dropFunctions(this.client!, this.companionFunctions, existing.relations);
    await dropExisting(this.client!, existing, this.contents!);
    this.opts.log.info(`postgres: replacing ${replacedNames(existing).join(', ')}`);
  }

  private wantedTable(schema: string | undefined, name: string): boolean {
    if (!this.sel || this.extraRelations.has(nameKey({ schema, name }))) return true;
    const owner = this.contents?.owner.get(nameKey({ schema, name }));
    const t = owner ?? { schema, name };
    return this.sel.relation(t.schema ?? 'public', t.name);
  }

  private wanted(info: StatementInfo, sql: string): boolean {
    if (!this.sel || info.handling === 'session') return true;
    if (!info.table) return false;
    if (this.wantedTable(info.table.schema, info.table.name)) return true;
    // a foreign key of a kept table that had to go while the table it references was replaced
    const fk = info.verb === 'ALTER TABLE' && this.companionFks.length ? addedConstraint(sql) : undefined;
    const table = nameKey(info.table);
    return !!fk && this.companionFks.some((f) => `${f.schema}.${f.table}` === table && f.name === fk.name);
  }

  private async event(ev: SqlEvent): Promise<void> {
    if (this.opts.signal.aborted) throw new AbortError('aborted', { cause: this.opts.signal.reason });
    if (ev.kind === 'statement') return this.statement(ev.sql, ev.line, ev.copyFromStdin);
    if (ev.kind === 'meta') return this.meta(ev.text, ev.line);
    if (this.copy === 'skip') {
      if (ev.kind === 'copy-end') this.copy = undefined;
      return;
    }
    if (ev.kind === 'copy-data') return this.copy!.write(ev.data);
    await this.copy!.end();
    this.copy = undefined;
    if (!this.encoding.isUtf8) await this.client!.query("SET client_encoding = 'UTF8'");
  }

  private meta(text: string, line: number): void {
    const cmd = text.split(/\s/)[0]!;
    if (['\\restrict', '\\unrestrict', '\\set', '\\unset', '\\echo', '\\qecho'].includes(cmd)) return;
    throw new DatabaseError('postgres', `line ${line}: psql command ${cmd} is not supported by the native restore${cmd === '\\connect' || cmd === '\\c' ? ' (a dump made with --create switches databases; dump without it)' : ''}; nothing was restored`);
  }

  private async statement(bytes: Buffer, line: number, copyFromStdin: boolean): Promise<void> {
    let sql = this.encoding.decode(bytes, line);
    const enc = clientEncodingOf(sql);
    if (enc) return this.encoding.set(enc, line);
    const info = describeStatement(sql);
    if (info.handling === 'ignore') return;
    if (info.handling === 'refuse') {
      throw new DatabaseError('postgres', `line ${line}: ${info.verb} cannot be part of a restore into one database in one transaction; nothing was restored`);
    }
    if (!this.wanted(info, sql)) {
      if (copyFromStdin) this.copy = 'skip';
      return;
    }
    if (info.handling === 'defer') {
      this.deferred.push({ sql, line });
      return;
    }
    sql = rewrite(sql, info);
    if (info.verb === 'CREATE TABLE' && info.object) this.tables.add(nameKey(info.object));
    this.statements++;
    if (copyFromStdin) {
      if (info.table) this.tables.add(nameKey(info.table));
      if (!this.encoding.isUtf8) await this.client!.query(`SET client_encoding = '${this.encoding.name}'`);
      this.copy = await CopySink.start(this.client!, sql, (err) => failure(err, line, sql));
      return;
    }
    try {
      await this.client!.query(sql);
    } catch (err) {
      throw failure(err, line, sql);
    }
  }

  /** Statements that cannot run in a transaction block, after COMMIT. */
  private async runDeferred(): Promise<void> {
    for (const d of this.deferred) {
      try {
        await this.client!.query(d.sql);
        this.statements++;
      } catch (err) {
        const f = failure(err, d.line, d.sql);
        throw new DatabaseError('postgres', `the restore was committed, but ${f.message.replace(/^postgres: /, '').replace(/; nothing was restored$/, '')}`, { cause: err });
      }
    }
  }

  /** Lists what would be replaced and what would run, changing nothing. */
  private async dryRun(chunks: AsyncIterable<Buffer>): Promise<RestoreResult> {
    const out = this.opts.out;
    const opened = await openTarget(this.t, true);
    this.client = opened.client;
    try {
      if (opened.created) out?.write(`would create database ${this.t.database}\n`);
      const existing = opened.created ? undefined : await this.prepare(false);
      const replaced = existing ? replacedNames(existing) : [];
      if (replaced.length) out?.write(`would replace ${replaced.join(', ')}${this.opts.safetyBackup === false ? '' : ' (saved first to onedump-safety/)'}\n`);
      for (const f of this.companionFks) out?.write(`would drop and re-add foreign key ${f.name} of ${f.schema}.${f.table}\n`);
      for (const f of this.companionFunctions) out?.write(`would drop and recreate ${f.schema}.${f.name}(${f.args})\n`);
      if (this.sel && !this.contents && this.opts.reopen) this.contents = await scanDump(await this.opts.reopen());
      await this.listStatements(chunks);
      return { statements: this.statements, tables: [...this.tables] };
    } finally {
      await closePg(opened.client);
    }
  }

  /** Dry run: one line per statement that would run (with its line), COPY blocks with their row counts. */
  private async listStatements(chunks: AsyncIterable<Buffer>): Promise<void> {
    const out = this.opts.out;
    let copyRows = -1;
    for await (const ev of readSql(chunks)) {
      if (ev.kind === 'copy-data') {
        if (copyRows >= 0) for (let i = ev.data.indexOf(10); i >= 0; i = ev.data.indexOf(10, i + 1)) copyRows++;
        continue;
      }
      if (ev.kind === 'copy-end') {
        if (copyRows >= 0) out?.write(`  ${copyRows} rows\n`);
        copyRows = -1;
        continue;
      }
      if (ev.kind !== 'statement') continue;
      const sql = ev.sql.toString('utf8');
      const info = describeStatement(sql);
      if (info.handling === 'session' || info.handling === 'ignore' || !this.wanted(info, sql)) continue;
      this.statements++;
      const what = info.object ?? info.table;
      const note = info.handling === 'defer' ? ' (after commit)' : info.handling === 'refuse' ? ' (refused)' : '';
      out?.write(`line ${ev.line}: ${info.verb}${what ? ` ${nameKey(what)}` : ''}${note}\n`);
      if (ev.copyFromStdin) {
        copyRows = 0;
        if (info.table) this.tables.add(nameKey(info.table));
      }
    }
  }

}

function replacedNames(e: Existing): string[] {
  return [...[...e.relations, ...e.types, ...e.named].map((o) => `${o.schema}.${o.name}`), ...e.signed.map((g) => `${g.kind.toLowerCase()} ${g.label}`)];
}

/** CREATE FUNCTION → CREATE OR REPLACE; CREATE SCHEMA/EXTENSION tolerate an existing one. */
function rewrite(sql: string, info: StatementInfo): string {
  if (/^CREATE (FUNCTION|PROCEDURE|AGGREGATE)$/.test(info.verb)) return sql.replace(/^(\s*CREATE\s+)(?!OR\s)/i, '$1OR REPLACE ');
  if (info.verb === 'CREATE SCHEMA' || info.verb === 'CREATE EXTENSION') {
    if (/^\s*CREATE\s+(SCHEMA|EXTENSION)\s+IF\s+NOT\s+EXISTS\b/i.test(sql)) return sql;
    if (info.verb === 'CREATE SCHEMA' && !/^\s*CREATE\s+SCHEMA\s+("(?:[^"]|"")+"|[\w$]+)(\s+AUTHORIZATION\s+("(?:[^"]|"")+"|[\w$]+))?\s*$/i.test(sql)) return sql;
    return sql.replace(/^(\s*CREATE\s+(?:SCHEMA|EXTENSION)\s+)/i, '$1IF NOT EXISTS ');
  }
  return sql;
}
