/**
 * Logging through winston. Every line passes through `redact`, so secrets never reach a log.
 * Format: `pretty` for terminals, `json` otherwise (default: json when stdout is not a TTY).
 */
import winston from 'winston';
import { redact, redactValue } from './redact.js';

export type LogFormat = 'pretty' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Logger = winston.Logger;

const redactFormat = winston.format((info) => {
  const out = redactValue({ ...info }) as winston.Logform.TransformableInfo;
  if (typeof info.message === 'string') out.message = redact(info.message);
  for (const sym of Object.getOwnPropertySymbols(info)) {
    (out as Record<symbol, unknown>)[sym] = (info as Record<symbol, unknown>)[sym];
  }
  return out;
});

const pretty = winston.format.printf((info) => {
  const { level, message, timestamp, ...rest } = info as Record<string, unknown>;
  const meta = Object.entries(rest)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${String(level).padEnd(5)} ${String(message)}${meta ? ' ' + meta : ''}`;
});

function build(format: LogFormat, level: LogLevel): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      redactFormat(),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : pretty,
    ),
    // all log output goes to stderr: stdout is reserved for command output (reports, JSON)
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}

let current: Logger = build(process.stdout.isTTY ? 'pretty' : 'json', 'info');

/** Reconfigures the process logger (called once by the CLI from `--log-format` / `--log-level`). */
export function configureLogger(opts: { format?: LogFormat; level?: LogLevel }): Logger {
  current = build(opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json'), opts.level ?? 'info');
  return current;
}

/** The process logger; `child({job})` for per-job context. */
export function logger(): Logger {
  return current;
}
