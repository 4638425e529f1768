/**
 * PostgreSQL's csvlog (`log_destination = csvlog`): one CSV record per message — `log_time,
 * user_name, database_name, process_id, connection_from, …, error_severity, sql_state_code, message,
 * …` — with `"` quoting (doubled inside); a quoted field may span lines. Each record is turned into the
 * line(s) the stderr log would hold for it, so that one parser reads both formats (see
 * postgres-parser.ts).
 */
import { MAX_STATEMENT } from './mysql-parser.js';

/** The first line of a csvlog record: time, user, database, process id. */
export const CSV_RECORD = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [^,]*)?,(?:"(?:[^"]|"")*"|),(?:"(?:[^"]|"")*"|),\d*,/;

const FIELD = { time: 0, user: 1, db: 2, pid: 3, client: 4, severity: 11, message: 13 } as const;

/** Gathers the lines of one record until its quotes are balanced. */
export class CsvRecords {
  private lines: string[] = [];
  private length = 0;
  private quoted = false;
  private start = 0;

  /** `record(text, lineNo)` gets each whole record (its lines joined with `\n`) and the line it starts on. */
  constructor(private readonly record: (text: string, line: number) => void, private readonly tooLong: (line: number) => void) {}

  line(text: string, no: number): void {
    if (!this.lines.length) this.start = no;
    if (this.length <= MAX_STATEMENT) this.lines.push(text);
    this.length += text.length + 1;
    for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) this.quoted = !this.quoted;
    if (!this.quoted) this.flush();
  }

  end(): void {
    if (this.lines.length) this.flush();
  }

  private flush(): void {
    const text = this.lines.join('\n');
    const cut = this.length > MAX_STATEMENT + 1;
    this.lines = [];
    this.length = 0;
    this.quoted = false;
    if (cut) this.tooLong(this.start);
    else this.record(text, this.start);
  }
}

/**
 * A csvlog record as stderr-log lines: `TIME [PID] user=U,db=D,client=HOST SEVERITY:  message`,
 * further message lines as tab continuations. `undefined` when it is not a csvlog record.
 */
export function csvAsLogLines(record: string): string[] | undefined {
  const f = csvFields(record);
  if (f.length <= FIELD.message) return undefined;
  const client = f[FIELD.client]!.replace(/:\d+$/, '');
  const prefix = `${f[FIELD.time]} [${f[FIELD.pid]}] user=${f[FIELD.user]},db=${f[FIELD.db]},client=${client} `;
  const [first, ...rest] = f[FIELD.message]!.split('\n');
  return [`${prefix}${f[FIELD.severity]}:  ${first}`, ...rest.map((l) => `\t${l}`)];
}

/** The fields of one CSV record (RFC 4180 quoting). */
function csvFields(record: string): string[] {
  const fields: string[] = [];
  let at = 0;
  while (at <= record.length) {
    if (record.charCodeAt(at) === 34 /* " */) {
      let value = '';
      let from = at + 1;
      for (;;) {
        const q = record.indexOf('"', from);
        if (q < 0) return fields;
        value += record.slice(from, q);
        if (record.charCodeAt(q + 1) !== 34) {
          at = q + 1;
          break;
        }
        value += '"';
        from = q + 2;
      }
      fields.push(value);
    } else {
      const comma = record.indexOf(',', at);
      fields.push(record.slice(at, comma < 0 ? undefined : comma));
      at = comma < 0 ? record.length : comma;
    }
    at++; // the comma
  }
  return fields;
}
