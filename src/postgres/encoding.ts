/**
 * The client encoding a dump declares (`SET client_encoding = 'LATIN1'`): statements are decoded from
 * it to text (node-postgres sends UTF-8), while COPY data is passed on as bytes with the server told
 * the dump's encoding for the duration of the COPY.
 */
import { UsageError } from '../errors.js';

const LABELS: Record<string, string> = {
  UTF8: 'utf-8', UNICODE: 'utf-8', SQL_ASCII: 'utf-8',
  LATIN2: 'iso-8859-2', LATIN3: 'iso-8859-3', LATIN4: 'iso-8859-4', LATIN5: 'iso-8859-9', LATIN6: 'iso-8859-10',
  LATIN7: 'iso-8859-13', LATIN8: 'iso-8859-14', LATIN9: 'iso-8859-15', LATIN10: 'iso-8859-16',
  ISO_8859_5: 'iso-8859-5', ISO_8859_6: 'iso-8859-6', ISO_8859_7: 'iso-8859-7', ISO_8859_8: 'iso-8859-8',
  WIN866: 'ibm866', WIN874: 'windows-874', WIN1250: 'windows-1250', WIN1251: 'windows-1251', WIN1252: 'windows-1252',
  WIN1253: 'windows-1253', WIN1254: 'windows-1254', WIN1255: 'windows-1255', WIN1256: 'windows-1256',
  WIN1257: 'windows-1257', WIN1258: 'windows-1258', KOI8R: 'koi8-r', KOI8U: 'koi8-u', EUC_JP: 'euc-jp',
  SJIS: 'shift_jis', BIG5: 'big5', GBK: 'gbk', GB18030: 'gb18030', EUC_KR: 'euc-kr', UHC: 'euc-kr',
};

export class DumpEncoding {
  /** PostgreSQL's name, upper-case without dashes (`UTF8`, `LATIN1`). */
  name = 'UTF8';
  private decoder = new TextDecoder('utf-8', { fatal: true });

  get isUtf8(): boolean {
    return LABELS[this.name] === 'utf-8';
  }

  /** Switches encoding; throws a usage error naming the line for encodings this restore cannot read. */
  set(value: string, line: number): void {
    const name = value.toUpperCase().replace(/[-\s]/g, '').replace(/^ISO8859(\d)$/, 'ISO_8859_$1');
    if (name === 'LATIN1') {
      this.name = name;
      return;
    }
    const label = LABELS[name];
    if (!label) throw new UsageError(`line ${line}: the dump's client_encoding ${value} is not supported by the native restore; use psql`);
    this.name = name;
    this.decoder = new TextDecoder(label, { fatal: true });
  }

  decode(bytes: Buffer, line: number): string {
    if (this.name === 'LATIN1') return bytes.toString('latin1');
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw new UsageError(`line ${line}: statement is not valid ${this.name} text`);
    }
  }
}

/** The value of `SET client_encoding = 'x'` / `SET client_encoding TO x`, if that is the statement. */
export function clientEncodingOf(sql: string): string | undefined {
  return /^\s*SET\s+(?:SESSION\s+)?client_encoding\s*(?:=|TO)\s*'?([\w-]+)'?\s*$/i.exec(sql)?.[1];
}
