/**
 * A small structured logger. Components receive a `Logger` in their options
 * object; only the server builds one. Output is one line per record, in
 * logfmt (the default, as Prometheus's) or JSON:
 *
 * ```
 * time=2024-05-01T10:00:00.000Z level=info msg="Server is ready to receive web requests." address=127.0.0.1:9090
 * {"time":"2024-05-01T10:00:00.000Z","level":"info","msg":"Server is ready to receive web requests.","address":"127.0.0.1:9090"}
 * ```
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['logfmt', 'json'];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that adds `fields` to every record of `logger` (e.g. `{ component: 'tsdb' }`). */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => logger.debug(m, { ...fields, ...f }),
    info: (m, f) => logger.info(m, { ...fields, ...f }),
    warn: (m, f) => logger.warn(m, { ...fields, ...f }),
    error: (m, f) => logger.error(m, { ...fields, ...f }),
  };
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; defaults to stdout (the startup line with the listen address is read from there). */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? 'logfmt';
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  const now = opts.now ?? (() => new Date());

  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < min) return;
    const rec: Record<string, unknown> = { time: now().toISOString(), level, msg, ...fields };
    write((format === 'json' ? JSON.stringify(rec, jsonReplacer) : formatLogfmt(rec)) + '\n');
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

/** A logger that drops everything (for tests and library use). */
export const nopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

function jsonReplacer(_key: string, v: unknown): unknown {
  if (v instanceof Error) return v.message;
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export function formatLogfmt(rec: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    parts.push(`${k}=${logfmtValue(v)}`);
  }
  return parts.join(' ');
}

function logfmtValue(v: unknown): string {
  let s: string;
  if (v instanceof Error) s = v.message;
  else if (typeof v === 'string') s = v;
  else if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else s = JSON.stringify(v) ?? String(v);
  return s === '' || /[\s"=\\]/.test(s) || /[\x00-\x1f]/.test(s) ? JSON.stringify(s) : s;
}
