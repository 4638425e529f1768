/** Which log format a source is in, told from its first non-empty line, and its parser. */
import { MysqlSlowParser } from './mysql-parser.js';
import { PostgresLogParser } from './postgres-parser.js';
import type { EntrySink, LogFormat, LogParser } from './types.js';

const POSTGRES_LINE = /\b(?:LOG|ERROR|WARNING|NOTICE|INFO|DEBUG[1-5]?|FATAL|PANIC|STATEMENT|DETAIL|HINT|CONTEXT):  /;

/** `auto` picks by content: PostgreSQL when the line has a `LOG:  `-style severity tag, else MySQL. */
export function detectFormat(firstLine: string): LogFormat {
  if (firstLine.startsWith('#')) return 'mysql';
  return POSTGRES_LINE.test(firstLine) ? 'postgres' : 'mysql';
}

export function createParser(format: LogFormat, sink: EntrySink): LogParser {
  return format === 'postgres' ? new PostgresLogParser(sink) : new MysqlSlowParser(sink);
}
