/**
 * PostgreSQL server logs (stderr/`logging_collector` text format) with `log_min_duration_statement`:
 *
 *   2024-05-01 12:00:00.123 UTC [4242] app@shop LOG:  duration: 12.345 ms  statement: SELECT …
 *   2024-05-01 12:00:00.200 UTC [4242] app@shop LOG:  duration: 0.456 ms  execute S_1: SELECT … $1
 *
 * A statement continues on the following lines that start with a tab. `statement:` and `execute …:`
 * lines are entries; `parse …:`/`bind …:` lines (the extended protocol's other phases) are skipped, as
 * are all other log lines. A statement that `log_statement` already logged (`LOG:  statement: …` when it
 * started) gets a bare `duration:` line when it ends: that line is the entry, with the text its process
 * (`[%p]` in the prefix) logged last. From the line prefix (`log_line_prefix`) the time (`%m`/`%t`),
 * `%u@%d` or `user=…,db=…` and `host=`/`client=` are read. A csvlog file (told by its first line) is
 * read record by record as the same lines (see postgres-csv.ts).
 */
import { parseIsoTime } from './time.js';
import { MAX_STATEMENT } from './mysql-parser.js';
import { CSV_RECORD, CsvRecords, csvAsLogLines } from './postgres-csv.js';
import type { EntrySink, LogParser } from './types.js';

const DURATION = /^(.*?)(?:LOG|INFO|NOTICE|WARNING):  duration: ([^ ]*) ms(?:  (statement|execute|parse|bind)[^:]*: ?(.*))?$/;
const MILLISECONDS = /^[0-9]+(?:\.[0-9]+)?$/;
const TIME = /(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)(?: ?([A-Z][A-Za-z]{0,4}|[+-]\d\d(?::?\d\d)?))?/;
/** `%u@%d` anywhere in the prefix (Debian's `%m [%p] %q%u@%d `, RDS's `%t:%r:%u@%d:[%p]:`). */
const USER_AT_DB = /(?:^|[\s\]:])([^\s@[\]:,=()]+)@([^\s@[\]:,=()]+)(?=[\s:[]|$)/;
/** `%r`: the client as `host(port)`. */
const HOST_PORT = /(?:^|[\s:])((?:[0-9a-fA-F]*:){2,}[0-9a-fA-F.]*|[^\s()[\]:]+)\(\d+\)(?=[\s:]|$)/;
const USER = /\b(?:user|usr)=([^,\s]+)/;
const DB = /\b(?:db|database|dbname)=([^,\s]+)/;
const HOST = /\b(?:host|client|remote)=([^,\s(]+)/;
/** A `log_statement` line: the text of a statement as it starts, its duration logged later. */
const LOGGED = /^(.*?)LOG:  (?:statement|execute [^:]*): ?(.*)$/;
const PID = /\[(\d+)\]/;
const ERROR = /(?:ERROR|FATAL|PANIC):  /;
/** Processes whose `log_statement` text is kept until its duration line (the oldest is dropped beyond). */
const MAX_WAITING = 10_000;

interface Statement {
  line: number;
  prefix: string;
  /** Undefined for a `log_statement` line (the duration comes on a later line). */
  ms?: string;
  text: string[];
  length: number;
}

export class PostgresLogParser implements LogParser {
  private current?: Statement;
  /** `log_statement` texts waiting for their bare `duration:` line, by process. */
  private readonly waiting = new Map<string, Statement>();

  /** Set on the first line: csvlog records, or `null` for the stderr text format. */
  private csv?: CsvRecords | null;

  constructor(private readonly sink: EntrySink) {}

  line(text: string, no: number): void {
    if (this.csv === undefined) this.csv = CSV_RECORD.test(text) ? new CsvRecords((r, at) => this.record(r, at), (at) => this.tooLong(at)) : null;
    if (this.csv) this.csv.line(text, no);
    else this.textLine(text, no);
  }

  end(): void {
    this.csv?.end();
    this.flush();
  }

  private record(text: string, no: number): void {
    const lines = csvAsLogLines(text);
    if (!lines) return this.sink.malformed({ line: no, reason: 'not a csvlog record' });
    for (const line of lines) this.textLine(line, no);
  }

  private tooLong(no: number): void {
    this.sink.malformed({ line: no, reason: `csvlog record longer than ${MAX_STATEMENT} characters (or a quote not closed)` });
  }

  private textLine(text: string, no: number): void {
    if (text.charCodeAt(0) === 9 /* tab */) {
      const s = this.current;
      if (s && s.length < MAX_STATEMENT) {
        s.text.push(text.slice(1));
        s.length += text.length;
      }
      return;
    }
    this.flush();
    if (!text.includes('duration: ')) return this.otherLine(text, no);
    const m = DURATION.exec(text);
    if (!m) return;
    const [, prefix, ms, kind, statement] = m;
    const logged = this.waiting.get(processOf(prefix!));
    if (kind === undefined) this.waiting.delete(processOf(prefix!));
    if (!MILLISECONDS.test(ms!)) {
      this.sink.malformed({ line: no, reason: `duration "${ms}" is not a number` });
      return;
    }
    if (kind === 'statement' || kind === 'execute') this.current = { line: no, prefix: prefix!, ms: ms!, text: [statement ?? ''], length: 0 };
    else if (kind === undefined && logged) this.emit({ ...logged, prefix: prefix! }, ms!);
  }

  /** A line without `duration:`: a `log_statement` text is kept for its process; an error drops it. */
  private otherLine(text: string, no: number): void {
    const m = text.includes('LOG:  ') ? LOGGED.exec(text) : null;
    if (m) {
      this.current = { line: no, prefix: m[1]!, text: [m[2]!], length: 0 };
      return;
    }
    const error = ERROR.exec(text);
    if (error) this.waiting.delete(processOf(text.slice(0, error.index)));
  }

  private flush(): void {
    const s = this.current;
    if (!s) return;
    this.current = undefined;
    if (s.ms !== undefined) return this.emit(s, s.ms);
    const process = processOf(s.prefix);
    this.waiting.delete(process);
    this.waiting.set(process, s);
    if (this.waiting.size > MAX_WAITING) this.waiting.delete(this.waiting.keys().next().value!);
  }

  /** An entry: the statement `s` (its prefix names the time, user, database) that took `ms`. */
  private emit(s: Statement, ms: string): void {
    const query = s.text.length === 1 ? s.text[0]! : s.text.join('\n');
    if (query.trim() === '') {
      this.sink.malformed({ line: s.line, reason: 'duration line without a statement' });
      return;
    }
    const who = prefixFields(s.prefix);
    this.sink.entry({ query, admin: false, queryTime: Math.round(Number(ms) * 1000), line: s.line, ...who });
  }
}

/** The process a line is from: `[%p]` in its prefix, else the prefix without its time. */
function processOf(prefix: string): string {
  return PID.exec(prefix)?.[1] ?? prefix.replace(TIME, '');
}

function prefixFields(prefix: string): { time?: number; user?: string; db?: string; host?: string } {
  const out: { time?: number; user?: string; db?: string; host?: string } = {};
  const t = TIME.exec(prefix);
  if (t) {
    const time = parseIsoTime(t[2] ? `${t[1]} ${t[2]}` : t[1]!);
    if (!Number.isNaN(time)) out.time = time;
  }
  const pair = USER_AT_DB.exec(prefix);
  out.user = USER.exec(prefix)?.[1] ?? pair?.[1];
  out.db = DB.exec(prefix)?.[1] ?? pair?.[2];
  out.host = HOST.exec(prefix)?.[1] ?? HOST_PORT.exec(prefix)?.[1];
  for (const k of ['user', 'db', 'host'] as const) if (out[k] === undefined || out[k] === '[unknown]') delete out[k];
  return out;
}
