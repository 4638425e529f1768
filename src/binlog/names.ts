/**
 * Binlog file names: `<basename>.<sequence>` with a zero-padded sequence of at least six digits
 * (`mysql-bin.000042`), and coordinates (`file:position`) compared in log order.
 */
import { UsageError } from '../errors.js';

export interface BinlogName {
  name: string;
  base: string;
  seq: number;
}

const NAME = /^(.+)\.(\d{6,})$/;

/** Parses a binlog file name; undefined for anything else (the `.index` file, temp files). */
export function parseBinlogName(name: string): BinlogName | undefined {
  const m = NAME.exec(name);
  if (!m || m[1]!.includes('/')) return undefined;
  return { name, base: m[1]!, seq: Number(m[2]) };
}

/** The name of the file `n` places after `name` (same base and padding). */
export function nextBinlogName(name: string, n = 1): string {
  const m = NAME.exec(name);
  if (!m) throw new Error(`not a binlog file name: ${name}`);
  return `${m[1]}.${String(Number(m[2]) + n).padStart(m[2]!.length, '0')}`;
}

/** A point in the binlog: the position of an event boundary in a file. */
export interface Coordinate {
  file: string;
  position: number;
}

/** Orders coordinates by file sequence, then position (same basename assumed). */
export function compareCoordinates(a: Coordinate, b: Coordinate): number {
  const sa = parseBinlogName(a.file)?.seq ?? 0;
  const sb = parseBinlogName(b.file)?.seq ?? 0;
  return sa - sb || a.position - b.position;
}

export function formatCoordinate(c: Coordinate): string {
  return `${c.file}:${c.position}`;
}

/** `mysql-bin.000042:1234` → coordinate; UsageError otherwise. */
export function parseCoordinate(text: string): Coordinate {
  const i = text.lastIndexOf(':');
  const file = text.slice(0, i);
  const pos = text.slice(i + 1);
  if (i < 0 || !parseBinlogName(file) || !/^\d+$/.test(pos)) {
    throw new UsageError(`--stop-position wants FILE:POS such as mysql-bin.000042:1234, got "${text}"`);
  }
  return { file, position: Number(pos) };
}
