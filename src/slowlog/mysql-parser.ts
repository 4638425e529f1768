/**
 * The MySQL / MariaDB / Percona Server slow-query log, read line by line.
 *
 * An entry is a header — `# Time:`, `# User@Host:`, `# Query_time: …` and the other `# Key: value`
 * lines (MariaDB's `# Thread_id:`, `# Rows_affected:`, `# Full_scan:`, `log_slow_verbosity` lines and
 * `# explain:`/`# Warnings` comments are read or skipped) — then `use db;` and `SET timestamp=…;`
 * lines, then the statement up to the `;` that ends a line followed by the next header. A statement
 * may span lines and contain `;` or `#` anywhere; only a line that starts like a header (a well-formed
 * `# Time:` or `# User@Host:` line, or `# Query_time:` after a line ending in `;`) ends it.
 * `# administrator command: X;` is an entry of its own. Server banners (`… Version: … started with:`,
 * `Tcp port:`, `Time Id Command`) are skipped. Anything else that does not fit is reported as
 * malformed, never merged into a neighbour. See docs/slowlog.md.
 */
import { parseLogTime } from './time.js';
import type { EntrySink, LogParser, SlowEntry } from './types.js';

/** Statements longer than this are cut (the fingerprint is taken from the first MAX_STATEMENT characters). */
export const MAX_STATEMENT = 16 * 1024 * 1024;

const USER_HOST = /^# User@Host: ([^[]+|\[[^[]+\]).*?@ ([^\t\n\v\f\r ]*) \[(.*)\]/;
const QUERY_TIME = /^[0-9]+(?:\.[0-9]+)?$/;
const SET_META = /^SET (?:timestamp|insert_id|last_insert_id)=/;
const TIMESTAMP = /timestamp=([0-9]+(?:\.[0-9]+)?)/;
const TIME_LINE = /^# Time: +(?:\d{6} +\d{1,2}:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)/;
const BANNER_TIME = /^Time[\t ]+Id[\t ]+Command/;

const enum State { Idle, Header, Body }

/** The entry being read. */
interface Draft {
  line: number;
  /** The text after `# Time:`, parsed only when the entry has no `SET timestamp`. */
  logTime?: string;
  setTime?: number;
  user?: string;
  host?: string;
  schema?: string;
  useDb?: string;
  queryTime?: string;
  lockTime?: string;
  rowsSent?: string;
  rowsExamined?: string;
  sawSet: boolean;
  body: string[];
  bodyLength: number;
  /** The last statement line ends with `;`. */
  ended: boolean;
  admin?: string;
}

export class MysqlSlowParser implements LogParser {
  private state = State.Idle;
  private draft: Draft = newDraft(0);
  private lastDb?: string;
  private lastTime?: number;

  constructor(private readonly sink: EntrySink) {}

  line(text: string, no: number): void {
    if (this.state === State.Body) this.bodyLine(text, no);
    else if (this.state === State.Header) this.headerLine(text, no);
    else this.idleLine(text, no);
  }

  end(): void {
    if (this.state === State.Body && !this.draft.ended) this.unterminated('at end of file (truncated log?)');
    else if (this.state !== State.Idle) this.finish();
  }

  private idleLine(text: string, no: number): void {
    if (text === '' || isBanner(text)) return;
    this.draft = newDraft(no);
    this.state = State.Header;
    this.headerLine(text, no);
  }

  private headerLine(text: string, no: number): void {
    const d = this.draft;
    if (text.charCodeAt(0) === 35 /* # */ && !(d.sawSet && isStatementComment(text))) {
      this.commentLine(text, no);
    } else if (text.startsWith('use ') && d.useDb === undefined && !d.sawSet) {
      const semicolon = text.indexOf(';');
      d.useDb = unquote(text.slice(4, semicolon < 0 ? undefined : semicolon));
    } else if (!d.sawSet && SET_META.test(text)) {
      d.sawSet = true;
      const ts = TIMESTAMP.exec(text);
      if (ts) d.setTime = Math.round(Number(ts[1]) * 1000);
    } else if (isBanner(text)) {
      this.finish();
    } else {
      this.state = State.Body;
      this.addBody(text);
    }
  }

  /** A `#` line while reading a header (dispatched on its third character: this runs for most lines). */
  private commentLine(text: string, no: number): void {
    const d = this.draft;
    const c = text.charCodeAt(2);
    if (c === 85 /* U */ && text.startsWith('# User@Host:')) {
      if (d.user !== undefined || d.queryTime !== undefined || d.sawSet) this.restart(no);
      this.readUserHost(text);
    } else if (c === 81 /* Q */ && text.startsWith('# Query_time: ')) {
      if (d.queryTime !== undefined || d.sawSet) this.restart(no);
      this.readQueryTime(text);
    } else if (c === 84 /* T */ && text.startsWith('# Time:')) {
      if (d.logTime !== undefined || d.user !== undefined || d.queryTime !== undefined || d.sawSet) this.restart(no);
      this.draft.logTime = text.slice(7);
    } else if (c === 97 /* a */ && text.startsWith('# administrator command:')) {
      d.admin = text.slice(2).replace(/;[\t\n\v\f\r ]*$/, '');
      this.finish();
    } else if ((c === 84 /* T */ && text.startsWith('# Thread_id: ')) || (c === 83 /* S */ && text.startsWith('# Schema: '))) {
      this.readSchema(text);
    }
    // other lines: `# Rows_affected:`, `# Full_scan:`, `# Pages_accessed:`, `#`, `# explain: …`,
    // `# Warnings`, … — nothing onedump reports on
  }

  private bodyLine(text: string, no: number): void {
    const d = this.draft;
    if (text.charCodeAt(0) === 35 /* # */ ? startsEntry(text, d.ended) : d.ended && isBanner(text)) {
      if (d.ended) this.finish();
      else this.unterminated('before the next entry');
      this.idleLine(text, no);
      return;
    }
    this.addBody(text);
  }

  private addBody(text: string): void {
    const d = this.draft;
    if (d.bodyLength < MAX_STATEMENT) {
      const room = MAX_STATEMENT - d.bodyLength;
      d.body.push(text.length > room ? text.slice(0, room) : text);
      d.bodyLength += Math.min(text.length, room) + 1;
    }
    // a blank line neither ends nor continues the statement: `BEGIN;` + blank + `END;` is one statement
    if (text !== '') d.ended = text.charCodeAt(text.length - 1) === 59 /* ; */;
  }

  private readUserHost(text: string): void {
    const m = USER_HOST.exec(text);
    if (!m) {
      this.draft.user = '';
      return;
    }
    this.draft.user = m[1]!.trimEnd();
    this.draft.host = m[2] || m[3] || undefined;
  }

  /** `# Query_time: 1.5  Lock_time: 0.1  Rows_sent: 1  Rows_examined: 5 …` (MySQL 8 adds more keys). */
  private readQueryTime(text: string): void {
    const d = this.draft;
    d.queryTime = property(text, ' Query_time:');
    d.lockTime = property(text, ' Lock_time:');
    d.rowsSent = property(text, ' Rows_sent:');
    d.rowsExamined = property(text, ' Rows_examined:');
  }

  /** `Schema: db` on MariaDB's `# Thread_id:` line or Percona's `# Schema:` line. */
  private readSchema(text: string): void {
    const schema = property(text, ' Schema:');
    // `Schema:   QC_hit: No` is an empty schema (what follows is the next key)
    if (schema && !schema.endsWith(':')) this.draft.schema = unquote(schema);
  }

  /** The current entry ended without its statement; start a new one at this line. */
  private restart(no: number): void {
    this.finish();
    this.draft = newDraft(no);
    this.state = State.Header;
  }

  /** Emits the current entry (or reports why it cannot) and returns to idle. */
  private finish(): void {
    const d = this.draft;
    this.state = State.Idle;
    if (d.admin === undefined && d.body.length === 0) return this.malformed(d.queryTime === undefined ? 'header without Query_time or statement' : 'header without a statement');
    if (d.queryTime === undefined) return this.malformed(d.user === undefined ? 'statement without a header' : 'header without "# Query_time:"');
    if (!QUERY_TIME.test(d.queryTime)) return this.malformed(`Query_time "${d.queryTime}" is not a number`);
    const logTime = d.setTime === undefined && d.logTime !== undefined ? parseLogTime(d.logTime.trim()) : NaN;
    const time = d.setTime ?? (Number.isNaN(logTime) ? this.lastTime : logTime);
    const db = d.useDb || d.schema || this.lastDb;
    if (time !== undefined) this.lastTime = time;
    if (db) this.lastDb = db;
    this.sink.entry(entryOf(d, time, db));
  }

  /** A statement without its final `;`: cut short — or text that was never a slow-log entry. */
  private unterminated(where: string): void {
    const d = this.draft;
    this.malformed(d.user === undefined && d.queryTime === undefined ? 'statement without a header' : `statement not terminated by ";" ${where}`);
  }

  private malformed(reason: string): void {
    this.state = State.Idle;
    this.sink.malformed({ line: this.draft.line, reason });
  }
}

function entryOf(d: Draft, time: number | undefined, db: string | undefined): SlowEntry {
  const admin = d.admin !== undefined;
  while (d.body.length > 1 && d.body[d.body.length - 1] === '') d.body.pop();
  let query = admin ? d.admin! : d.body.length === 1 ? d.body[0]! : d.body.join('\n');
  if (!admin && query.charCodeAt(query.length - 1) === 59) query = query.slice(0, -1);
  return {
    query,
    admin,
    db,
    user: d.user || undefined,
    host: d.host,
    time,
    queryTime: Math.round(Number(d.queryTime) * 1e6),
    lockTime: microseconds(d.lockTime),
    rowsSent: admin ? 0 : integer(d.rowsSent),
    rowsExamined: admin ? 0 : integer(d.rowsExamined),
    line: d.line,
  };
}

function newDraft(line: number): Draft {
  return { line, sawSet: false, body: [], bodyLength: 0, ended: false };
}

/** The value after `marker` (` Key:`) and blanks, up to the next space; `undefined` when absent. */
function property(text: string, marker: string): string | undefined {
  let at = text.indexOf(marker);
  if (at < 0) return undefined;
  at += marker.length;
  while (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9) at++;
  const end = text.indexOf(' ', at);
  return text.slice(at, end < 0 ? undefined : end);
}

function microseconds(v: string | undefined): number | undefined {
  if (v === undefined || !QUERY_TIME.test(v)) return undefined;
  return Math.round(Number(v) * 1e6);
}

function integer(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `db`, `` `db` `` → `db` (pt-query-digest strips the backticks too). */
function unquote(name: string): string {
  const n = name.trim();
  return n.length > 1 && n.startsWith('`') && n.endsWith('`') ? n.slice(1, -1) : n;
}

/**
 * Whether a `#` line met inside a statement starts the next entry: a well-formed `# Time:` or
 * `# User@Host:` line always does (MySQL ends every statement with `;`, so the statement before it is
 * cut short); a `# Query_time:` line does after a line ending in `;`. Any other `#` line is part of
 * the statement (a comment, or text inside a multi-line string).
 */
function startsEntry(text: string, ended: boolean): boolean {
  if (text.startsWith('# Time: ')) return TIME_LINE.test(text);
  if (text.startsWith('# User@Host: ')) return text.indexOf(' @ ', 13) > 0;
  return ended && text.startsWith('# Query_time: ') && QUERY_TIME.test(property(text, ' Query_time:') ?? '');
}

/**
 * After `SET timestamp=…;` only the statement follows, so a `#` line there that is not an entry's
 * header line is the statement itself (e.g. a statement that is only a comment: `# note;`).
 */
function isStatementComment(text: string): boolean {
  return !(text.startsWith('# Time: ') || text.startsWith('# User@Host: ') || text.startsWith('# Query_time: ') || text.startsWith('# administrator command:'));
}

function isBanner(text: string): boolean {
  if (text.charCodeAt(0) === 84 /* T */) return text.startsWith('Tcp port: ') || BANNER_TIME.test(text);
  return (text.endsWith('started with:') || text.endsWith('embedded library')) && text.includes(', Version: ');
}
