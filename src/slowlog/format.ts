/**
 * Which log format a source is in, told by its first telling line, and its parser. MySQL-family logs
 * show `# Time:`/`# User@Host:`/`# Query_time:` headers, `SET timestamp=` or a server banner;
 * PostgreSQL logs a severity tag (`LOG:  `, `ERROR:  `, …) on every line but continuations, or is a
 * csvlog (its records start with time, user, database, process id).
 */
import { MysqlSlowParser } from './mysql-parser.js';
import { CSV_RECORD } from './postgres-csv.js';
import { PostgresLogParser } from './postgres-parser.js';
import type { EntrySink, LogFormat, LogParser } from './types.js';

const POSTGRES_LINE = /\b(?:LOG|ERROR|WARNING|NOTICE|INFO|DEBUG[1-5]?|FATAL|PANIC|STATEMENT|DETAIL|HINT|CONTEXT|LOCATION):  /;
const MYSQL_LINE = /^(?:# (?:Time|User@Host|Query_time): |SET (?:timestamp|insert_id|last_insert_id)=|Tcp port: )|, Version: .*(?:started with:|embedded library)$/;
/** Lines (and characters) held back at most while the format is unknown; then MySQL is assumed. */
const DETECT_LINES = 1000;
const DETECT_CHARS = 1024 * 1024;

/** The format this line shows, or `undefined` when it could be either. */
export function formatOf(line: string): LogFormat | undefined {
  if (MYSQL_LINE.test(line)) return 'mysql';
  return POSTGRES_LINE.test(line) || CSV_RECORD.test(line) ? 'postgres' : undefined;
}

export function createParser(format: LogFormat, sink: EntrySink): LogParser {
  return format === 'postgres' ? new PostgresLogParser(sink) : new MysqlSlowParser(sink);
}

/** Holds the first lines until one tells the format, then replays them into the parser `open` returns. */
export class DetectingParser implements LogParser {
  private held: [string, number][] = [];
  private chars = 0;
  private parser?: LogParser;

  constructor(private readonly open: (format: LogFormat) => LogParser) {}

  line(text: string, lineNo: number): void {
    if (this.parser) return this.parser.line(text, lineNo);
    this.held.push([text, lineNo]);
    this.chars += text.length;
    const format = formatOf(text);
    if (format || this.held.length >= DETECT_LINES || this.chars >= DETECT_CHARS) this.start(format ?? 'mysql');
  }

  end(): void {
    if (!this.parser) this.start('mysql');
    this.parser!.end();
  }

  private start(format: LogFormat): void {
    const parser = this.open(format);
    for (const [text, lineNo] of this.held) parser.line(text, lineNo);
    this.held = [];
    this.parser = parser;
  }
}
