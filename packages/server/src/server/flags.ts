/**
 * Command-line flags, named as Prometheus names them. `--flag=value` and
 * `--flag value` both work; `--help` lists every flag with its default. Flags
 * are read here, in the server's entry point, and nowhere else: components get
 * options objects.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { INGEST_DEFAULTS, parseWalFsync, STORAGE_DEFAULTS, type IngestOptions, type StorageConfig } from '../config/config.js';
import { formatBytes, formatDuration, parseBytes, parseDuration } from '../config/units.js';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';
import { emptyPushFlags, pushFlags, type PushFlagValues } from '../ingest/net/options.js';

export interface WebOptions {
  /** `host:port`; port 0 picks a free port (the chosen one is logged). */
  listenAddress: string;
  /** Largest accepted request body, before and after decompression, in bytes. */
  maxBodyBytes: number;
  /** Serve /api/v1/admin/tsdb/* (delete series, clean tombstones, snapshot). */
  enableAdminApi: boolean;
}

export const WEB_DEFAULTS: Readonly<WebOptions> = Object.freeze({
  listenAddress: '0.0.0.0:9090',
  maxBodyBytes: 64 * 2 ** 20,
  enableAdminApi: false,
});

export interface LogOptions {
  level: LogLevel;
  format: LogFormat;
}

export const LOG_DEFAULTS: Readonly<LogOptions> = Object.freeze({ level: 'info', format: 'logfmt' });

/** The PromQL engine's limits (`--query.*`, as Prometheus's flags). */
export interface QueryOptions {
  lookbackDeltaMs: number;
  maxSamples: number;
  timeoutMs: number;
  maxConcurrency: number;
}

export const QUERY_DEFAULTS: Readonly<QueryOptions> = Object.freeze({
  lookbackDeltaMs: 5 * 60_000,
  maxSamples: 50_000_000,
  timeoutMs: 2 * 60_000,
  maxConcurrency: 20,
});

/** What the command line set; absent keys fall back to the config file, then the defaults. */
export interface FlagValues {
  help: boolean;
  configFile?: string;
  web: Partial<WebOptions>;
  log: Partial<LogOptions>;
  storage: Partial<StorageConfig>;
  ingest: Partial<IngestOptions>;
  /** Socket push listeners (Influx, Graphite, StatsD, OpenTSDB) and the Pushgateway endpoint. */
  push: PushFlagValues;
  query: Partial<QueryOptions>;
  /** Each flag given, by name, with its text as written (for /api/v1/status/flags). */
  given: Record<string, string>;
}

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

interface FlagSpec {
  name: string;
  placeholder: string;
  help: string;
  /** The default as shown in `--help`. */
  defaultText?: string;
  /** A switch: `--name` alone means true; `--name=false` turns it off. */
  boolean?: boolean;
  apply(value: string, into: FlagValues): void;
}

function parseBool(s: string): boolean {
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new Error(`must be true or false, got ${JSON.stringify(s)}`);
}

function oneOf<T extends string>(allowed: readonly T[]): (s: string) => T {
  return (s) => {
    if (!(allowed as readonly string[]).includes(s)) throw new Error(`must be one of ${allowed.join(', ')}, got ${JSON.stringify(s)}`);
    return s as T;
  };
}

/** `host:port` with a port in 0..65535; `[v6]:port` for IPv6; an empty host means all interfaces. */
export function parseListenAddress(s: string): { host: string; port: number } {
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`not a valid listen address ${JSON.stringify(s)} (expected host:port, e.g. 0.0.0.0:9090)`);
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return { host, port };
}

const validListenAddress = (s: string): string => {
  parseListenAddress(s);
  return s;
};

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'config.file',
    placeholder: 'path',
    help: 'Vigil configuration file (YAML). Optional.',
    apply: (v, f) => {
      f.configFile = v;
    },
  },
  {
    name: 'web.listen-address',
    placeholder: 'host:port',
    help: 'Address to listen on for the UI, API and telemetry. Port 0 picks a free port.',
    defaultText: WEB_DEFAULTS.listenAddress,
    apply: (v, f) => {
      f.web.listenAddress = validListenAddress(v);
    },
  },
  {
    name: 'web.max-body-size',
    placeholder: 'size',
    help: 'Largest accepted request body (compressed and decompressed); larger ones get 413.',
    defaultText: formatBytes(WEB_DEFAULTS.maxBodyBytes),
    apply: (v, f) => {
      const n = parseBytes(v);
      if (n <= 0) throw new Error('must be greater than 0');
      f.web.maxBodyBytes = n;
    },
  },
  {
    name: 'web.enable-admin-api',
    placeholder: 'bool',
    boolean: true,
    help: 'Enable the admin endpoints: /api/v1/admin/tsdb/{delete_series,clean_tombstones,snapshot}.',
    defaultText: 'false',
    apply: (v, f) => {
      f.web.enableAdminApi = parseBool(v);
    },
  },
  {
    name: 'storage.tsdb.path',
    placeholder: 'path',
    help: 'Base path for metrics storage.',
    defaultText: STORAGE_DEFAULTS.path,
    apply: (v, f) => {
      if (v === '') throw new Error('must not be empty');
      f.storage.path = resolve(v);
    },
  },
  {
    name: 'storage.tsdb.retention.time',
    placeholder: 'duration',
    help: 'How long to retain samples in storage (Prometheus duration, e.g. 15d, 1y; 0 = no time limit).',
    defaultText: formatDuration(STORAGE_DEFAULTS.retentionTimeMs),
    apply: (v, f) => {
      f.storage.retentionTimeMs = parseDuration(v);
    },
  },
  {
    name: 'storage.tsdb.retention.size',
    placeholder: 'size',
    help: 'Maximum number of bytes of blocks to retain (base 2: 512MB, 10GB; 0 = no size limit).',
    defaultText: '0',
    apply: (v, f) => {
      f.storage.retentionBytes = parseBytes(v);
    },
  },
  {
    name: 'storage.tsdb.out-of-order-time-window',
    placeholder: 'duration',
    help: 'How far behind the newest sample a sample may be and still be appended (import backfills older ones).',
    defaultText: formatDuration(STORAGE_DEFAULTS.outOfOrderTimeWindowMs),
    apply: (v, f) => {
      f.storage.outOfOrderTimeWindowMs = parseDuration(v);
    },
  },
  {
    name: 'storage.tsdb.wal-fsync',
    placeholder: 'commit|duration',
    help: 'When to fsync the write-ahead log: on every commit, or every given duration (e.g. 1s).',
    defaultText: formatDuration(STORAGE_DEFAULTS.walFsync as number),
    apply: (v, f) => {
      f.storage.walFsync = parseWalFsync(v);
    },
  },
  {
    name: 'ingest.auth.username',
    placeholder: 'name',
    help: 'Require HTTP basic authentication with this user name on the push write endpoints (with --ingest.auth.password-file).',
    apply: (v, f) => {
      f.ingest.auth = { ...f.ingest.auth, basic: { username: v, password: f.ingest.auth?.basic?.password ?? '' } };
    },
  },
  {
    name: 'ingest.auth.password-file',
    placeholder: 'path',
    help: 'File holding the password for --ingest.auth.username.',
    apply: (v, f) => {
      f.ingest.auth = { ...f.ingest.auth, basic: { username: f.ingest.auth?.basic?.username ?? '', password: readSecret(v) } };
    },
  },
  {
    name: 'ingest.auth.bearer-token-file',
    placeholder: 'path',
    help: 'Require this bearer token (Authorization: Bearer or Token) on the push write endpoints; basic credentials, if set, are accepted too.',
    apply: (v, f) => {
      f.ingest.auth = { ...f.ingest.auth, bearerToken: readSecret(v) };
    },
  },
  {
    name: 'ingest.max-concurrent-writes',
    placeholder: 'n',
    help: 'Push writers (requests, connections, flushes) appending at once; more wait, then get 429/503 with Retry-After.',
    defaultText: String(INGEST_DEFAULTS.maxConcurrentWrites),
    apply: (v, f) => {
      f.ingest.maxConcurrentWrites = positiveInt(v, 1);
    },
  },
  {
    name: 'ingest.parse-workers',
    placeholder: 'n',
    help: 'Worker threads that decompress and parse remote write and Influx line protocol while the main thread appends; 0 parses on the main thread.',
    defaultText: 'cores - 1, between 1 and 4',
    apply: (v, f) => {
      f.ingest.parseWorkers = positiveInt(v, 0);
    },
  },
  {
    name: 'ingest.warmup',
    placeholder: 'bool',
    boolean: true,
    help: 'Before reporting ready, send made-up remote-write and line-protocol data through the parse and append path into a throwaway storage, so the first real requests run at full speed; --ingest.warmup=false starts faster.',
    defaultText: 'true',
    apply: (v, f) => {
      f.ingest.warmup = parseBool(v);
    },
  },
  {
    name: 'ingest.max-queued-writes',
    placeholder: 'n',
    help: 'Push writers that may wait for a slot; beyond this they are refused at once.',
    defaultText: String(INGEST_DEFAULTS.maxQueuedWrites),
    apply: (v, f) => {
      f.ingest.maxQueuedWrites = positiveInt(v, 0);
    },
  },
  {
    name: 'ingest.max-write-wait',
    placeholder: 'duration',
    help: 'How long a push writer waits for a slot before it is refused.',
    defaultText: formatDuration(INGEST_DEFAULTS.maxWriteWaitMs),
    apply: (v, f) => {
      f.ingest.maxWriteWaitMs = parseDuration(v);
    },
  },
  // Socket push listeners and the Pushgateway endpoint (ingest/net/options.ts).
  ...pushFlags((s) => parseListenAddress(s)),
  {
    name: 'query.lookback-delta',
    placeholder: 'duration',
    help: 'How far back an instant vector selector looks for a sample.',
    defaultText: formatDuration(QUERY_DEFAULTS.lookbackDeltaMs),
    apply: (v, f) => {
      const ms = parseDuration(v);
      if (ms <= 0) throw new Error('must be greater than 0');
      f.query.lookbackDeltaMs = ms;
    },
  },
  {
    name: 'query.max-samples',
    placeholder: 'n',
    help: 'Most samples a single query may hold in memory at once; a query needing more fails.',
    defaultText: String(QUERY_DEFAULTS.maxSamples),
    apply: (v, f) => {
      f.query.maxSamples = positiveInt(v, 1);
    },
  },
  {
    name: 'query.timeout',
    placeholder: 'duration',
    help: 'Longest a query may take (queue time included) before it is aborted.',
    defaultText: formatDuration(QUERY_DEFAULTS.timeoutMs),
    apply: (v, f) => {
      const ms = parseDuration(v);
      if (ms <= 0) throw new Error('must be greater than 0');
      f.query.timeoutMs = ms;
    },
  },
  {
    name: 'query.max-concurrency',
    placeholder: 'n',
    help: 'Queries evaluating at once; more wait in a queue.',
    defaultText: String(QUERY_DEFAULTS.maxConcurrency),
    apply: (v, f) => {
      f.query.maxConcurrency = positiveInt(v, 1);
    },
  },
  {
    name: 'log.level',
    placeholder: 'level',
    help: `Only log messages with the given severity or above: ${LOG_LEVELS.join(', ')}.`,
    defaultText: LOG_DEFAULTS.level,
    apply: (v, f) => {
      f.log.level = oneOf(LOG_LEVELS)(v);
    },
  },
  {
    name: 'log.format',
    placeholder: 'format',
    help: `Output format of log messages: ${LOG_FORMATS.join(', ')}.`,
    defaultText: LOG_DEFAULTS.format,
    apply: (v, f) => {
      f.log.format = oneOf(LOG_FORMATS)(v);
    },
  },
];

function positiveInt(s: string, min: number): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n < min) throw new Error(`must be an integer >= ${min}, got ${JSON.stringify(s)}`);
  return n;
}

function readSecret(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (text === '') throw new Error(`${path} is empty`);
  return text;
}

const BY_NAME = new Map(FLAGS.map((f) => [f.name, f]));

/** Parses argv (without the node and script paths). Throws `FlagError` on unknown flags and bad values. */
export function parseFlags(argv: readonly string[]): FlagValues {
  const out: FlagValues = { help: false, web: {}, log: {}, storage: {}, ingest: {}, push: emptyPushFlags(), query: {}, given: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      out.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new FlagError(`unexpected argument ${JSON.stringify(arg)} (flags look like --name=value; see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = BY_NAME.get(name);
    if (spec === undefined) throw new FlagError(`unknown flag --${name} (see --help for the list)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (spec.boolean) value = 'true';
    else {
      if (i + 1 >= argv.length) throw new FlagError(`flag --${name} needs a value (--${name}=<${spec.placeholder}>)`);
      value = argv[++i];
    }
    try {
      spec.apply(value, out);
      out.given[name] = value;
    } catch (err) {
      throw new FlagError(`invalid value for flag --${name}: ${(err as Error).message}`);
    }
  }
  return out;
}

export function helpText(): string {
  const lines = ['usage: vigil [<flags>]', '', 'The Vigil monitoring server.', '', 'Flags:', '  -h, --help  Show this help.'];
  for (const f of FLAGS) {
    lines.push(f.boolean ? `  --${f.name}` : `  --${f.name}=<${f.placeholder}>`);
    lines.push(`      ${f.help}${f.defaultText === undefined ? '' : ` Default: ${f.defaultText}`}`);
  }
  return lines.join('\n') + '\n';
}
