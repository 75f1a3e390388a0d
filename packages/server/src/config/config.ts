/**
 * The YAML configuration file (`--config.file`). Prometheus-shaped where
 * Prometheus has the same concept; one typed section per block, named
 * defaults next to the type, validation here and nowhere else.
 *
 * ```yaml
 * global:
 *   scrape_interval: 1m
 *   scrape_timeout: 10s
 *   evaluation_interval: 1m
 *   external_labels: { region: eu }
 * storage:
 *   tsdb:
 *     path: ./data                   # relative to the config file's directory
 *     retention: { time: 15d, size: 10GB }
 *     out_of_order_time_window: 1h
 *     wal_fsync: 1s                  # or "commit"
 * ```
 *
 * Storage keys are named after the flags (`--storage.tsdb.retention.time` is
 * `storage.tsdb.retention.time`); flags override the file, the file overrides
 * the defaults. Unknown keys and bad values are errors naming the file, the
 * line and the key.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { isLegacyLabelName } from '../model/labels.js';
import { exemplarsHandler, pendingHandlers, type PendingSections } from './pending.js';
import { parseScrapeConfigs, SCRAPE_GLOBAL_DEFAULTS, scrapeGlobalHandlers, type ScrapeGlobals, type ScrapeSection } from './scrape.js';
import { parseBytes, parseDuration } from './units.js';

/** When the WAL is fsynced: on every commit, or every `n` milliseconds. */
export type WalFsync = 'commit' | number;

export interface GlobalConfig {
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  evaluationIntervalMs: number;
  externalLabels: Record<string, string>;
}

export const GLOBAL_DEFAULTS: Readonly<GlobalConfig> = Object.freeze({
  scrapeIntervalMs: 60_000,
  scrapeTimeoutMs: 10_000,
  evaluationIntervalMs: 60_000,
  externalLabels: Object.freeze({}) as Record<string, string>,
});

export interface StorageConfig {
  path: string;
  /** 0 = no time-based retention. */
  retentionTimeMs: number;
  /** 0 = no size-based retention. */
  retentionBytes: number;
  outOfOrderTimeWindowMs: number;
  walFsync: WalFsync;
}

export const STORAGE_DEFAULTS: Readonly<StorageConfig> = Object.freeze({
  path: './data',
  retentionTimeMs: 15 * 24 * 3600_000,
  retentionBytes: 0,
  outOfOrderTimeWindowMs: 3600_000,
  walFsync: 1000,
});

/** Basic and/or bearer credentials for the push protocols' write endpoints (either is accepted). */
export interface IngestAuth {
  basic?: { username: string; password: string };
  bearerToken?: string;
}

/** What every push protocol shares (`ingest:` in the file, `--ingest.*` flags). */
export interface IngestOptions {
  /** Unset: the write endpoints are open. */
  auth?: IngestAuth;
  /** Writers (requests, connections, flushes) appending at once. */
  maxConcurrentWrites: number;
  /** Writers waiting for a slot; more are refused at once (429/503). */
  maxQueuedWrites: number;
  /** How long a writer waits for a slot before it is refused. */
  maxWriteWaitMs: number;
  /** A writer commits every this many samples (bounds what is pending). */
  batchSamples: number;
  /** Worker threads parsing remote write and Influx line protocol; 0 parses on the main thread. */
  parseWorkers: number;
  /** Run the ingest warm-up before reporting ready (see ingest/common/warmup.ts). */
  warmup: boolean;
}

/** The default number of parse workers: one per core beyond the first, at least one, at most four. */
export function defaultParseWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export const INGEST_DEFAULTS: Readonly<IngestOptions> = Object.freeze({
  maxConcurrentWrites: 8,
  maxQueuedWrites: 256,
  maxWriteWaitMs: 5_000,
  batchSamples: 20_000,
  parseWorkers: defaultParseWorkers(),
  warmup: true,
});

/** What a config file sets: only the keys present in it. */
export interface ConfigFile {
  global: GlobalConfig;
  storage: Partial<StorageConfig>;
  ingest: Partial<IngestOptions>;
  /** `scrape_configs` and the scrape settings of `global` (config/scrape.ts). */
  scrape: ScrapeSection;
  /** Prometheus sections Vigil reads but does not act on yet (config/pending.ts). */
  pending: PendingSections;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export async function loadConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return parseConfig(text, file);
}

/** Parses and validates config text; `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0].line ?? 1;
    throw new ConfigError(`cannot load config file ${file}: line ${line}: ${e.message.split('\n')[0]}`);
  }
  const ctx = new Ctx(file, lineCounter);
  const scrapeGlobals: ScrapeGlobals = { ...SCRAPE_GLOBAL_DEFAULTS, scrapeProtocols: [...SCRAPE_GLOBAL_DEFAULTS.scrapeProtocols] };
  const out: ConfigFile = {
    global: { ...GLOBAL_DEFAULTS, externalLabels: {} },
    storage: {},
    ingest: {},
    scrape: { globals: scrapeGlobals, configs: undefined },
    pending: {},
  };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === undefined))) return out;

  let scrapeNode: [Node, string] | undefined;
  ctx.map(root, '', {
    global: (n, key) => {
      out.global = parseGlobal(ctx, n, key, scrapeGlobals);
    },
    scrape_configs: (n, key) => {
      scrapeNode = [n, key];
    },
    storage: (n, key) =>
      ctx.map(n, key, {
        tsdb: (n, key) => parseTsdb(ctx, n, key, out.storage),
        exemplars: exemplarsHandler(ctx, out.pending),
      }),
    ingest: (n, key) => parseIngest(ctx, n, key, out.ingest),
    ...pendingHandlers(ctx, out.pending),
  });
  // After the walk: jobs inherit from `global` wherever it sits in the file.
  if (scrapeNode) out.scrape.configs = parseScrapeConfigs(ctx, scrapeNode[0], scrapeNode[1], out.global, scrapeGlobals);
  return out;
}

function parseGlobal(ctx: Ctx, node: Node, path: string, scrape: ScrapeGlobals): GlobalConfig {
  const g: GlobalConfig = { ...GLOBAL_DEFAULTS, externalLabels: {} };
  let timeoutSet = false;
  ctx.map(node, path, {
    scrape_interval: (n, key) => {
      g.scrapeIntervalMs = ctx.positiveDuration(n, key);
    },
    scrape_timeout: (n, key) => {
      g.scrapeTimeoutMs = ctx.positiveDuration(n, key);
      timeoutSet = true;
    },
    evaluation_interval: (n, key) => {
      g.evaluationIntervalMs = ctx.positiveDuration(n, key);
    },
    external_labels: (n, key) => {
      ctx.map(n, key, (name, v, k) => {
        if (!isLegacyLabelName(name) || name.startsWith('__')) throw ctx.error(v, k, `invalid label name ${JSON.stringify(name)}`);
        g.externalLabels[name] = ctx.string(v, k);
      });
    },
    ...scrapeGlobalHandlers(ctx, scrape),
  });
  // As in Prometheus: the default timeout shrinks to the interval, an explicit one may not exceed it.
  if (!timeoutSet) g.scrapeTimeoutMs = Math.min(g.scrapeTimeoutMs, g.scrapeIntervalMs);
  else if (g.scrapeTimeoutMs > g.scrapeIntervalMs) {
    throw ctx.error(node, `${path}.scrape_timeout`, 'must not be greater than global.scrape_interval');
  }
  return g;
}

function parseTsdb(ctx: Ctx, node: Node, path: string, s: Partial<StorageConfig>): void {
  ctx.map(node, path, {
    path: (n, key) => {
      const p = ctx.string(n, key);
      if (p === '') throw ctx.error(n, key, 'must not be empty');
      s.path = resolve(dirname(ctx.file), p);
    },
    retention: (n, key) =>
      ctx.map(n, key, {
        time: (n, key) => {
          s.retentionTimeMs = ctx.parsed(n, key, parseDuration);
        },
        size: (n, key) => {
          s.retentionBytes = ctx.parsed(n, key, parseBytes);
        },
      }),
    out_of_order_time_window: (n, key) => {
      s.outOfOrderTimeWindowMs = ctx.parsed(n, key, parseDuration);
    },
    wal_fsync: (n, key) => {
      s.walFsync = ctx.parsed(n, key, parseWalFsync);
    },
  });
}

/**
 * ```yaml
 * ingest:
 *   auth:
 *     basic: { username: vigil, password_file: /etc/vigil/password }   # or password: …
 *     bearer_token_file: /etc/vigil/token                              # or bearer_token: …
 *   max_concurrent_writes: 8
 *   max_queued_writes: 256
 *   max_write_wait: 5s
 *   batch_samples: 20000
 *   parse_workers: 1        # default: cores - 1, between 1 and 4; 0 parses on the main thread
 * ```
 */
function parseIngest(ctx: Ctx, node: Node, path: string, s: Partial<IngestOptions>): void {
  const count = (n: Node, key: string, min: number) => {
    const v = Number(ctx.string(n, key));
    if (!Number.isInteger(v) || v < min) throw ctx.error(n, key, `must be an integer >= ${min}`);
    return v;
  };
  const secretFile = (n: Node, key: string) => {
    const f = resolve(dirname(ctx.file), ctx.string(n, key));
    try {
      return readFileSync(f, 'utf8').trim();
    } catch (err) {
      throw ctx.error(n, key, `cannot read ${f}: ${(err as Error).message}`);
    }
  };
  ctx.map(node, path, {
    auth: (n, key) => {
      const auth: IngestAuth = {};
      ctx.map(n, key, {
        basic: (n, key) => {
          let username: string | undefined;
          let password: string | undefined;
          ctx.map(n, key, {
            username: (n, key) => {
              username = ctx.string(n, key);
            },
            password: (n, key) => {
              password = ctx.string(n, key);
            },
            password_file: (n, key) => {
              password = secretFile(n, key);
            },
          });
          if (!username || password === undefined) throw ctx.error(n, key, 'needs username and password (or password_file)');
          auth.basic = { username, password };
        },
        bearer_token: (n, key) => {
          auth.bearerToken = ctx.string(n, key);
          if (auth.bearerToken === '') throw ctx.error(n, key, 'must not be empty');
        },
        bearer_token_file: (n, key) => {
          auth.bearerToken = secretFile(n, key);
          if (auth.bearerToken === '') throw ctx.error(n, key, 'the file is empty');
        },
      });
      if (auth.basic !== undefined || auth.bearerToken !== undefined) s.auth = auth;
    },
    max_concurrent_writes: (n, key) => {
      s.maxConcurrentWrites = count(n, key, 1);
    },
    max_queued_writes: (n, key) => {
      s.maxQueuedWrites = count(n, key, 0);
    },
    max_write_wait: (n, key) => {
      s.maxWriteWaitMs = ctx.parsed(n, key, parseDuration);
    },
    batch_samples: (n, key) => {
      s.batchSamples = count(n, key, 1);
    },
    parse_workers: (n, key) => {
      s.parseWorkers = count(n, key, 0);
    },
    warmup: (n, key) => {
      s.warmup = ctx.bool(n, key);
    },
  });
}

/** `commit` or a positive duration. */
export function parseWalFsync(s: string): WalFsync {
  if (s === 'commit') return 'commit';
  const ms = parseDuration(s);
  if (ms <= 0) throw new Error(`must be "commit" or a positive duration, got ${JSON.stringify(s)}`);
  return ms;
}

export type KeyHandler = (node: Node, key: string) => void;

const REFUSED = new WeakSet<KeyHandler>();

/**
 * Marks a handler that refuses its key with a reason of its own (a
 * Prometheus key Vigil does not support): such keys are left out of the
 * "expected one of" list of an unknown key.
 */
export function refused(h: KeyHandler): KeyHandler {
  REFUSED.add(h);
  return h;
}

/** Walks nodes, knowing the file and line of each for error messages. */
export class Ctx {
  constructor(
    readonly file: string,
    readonly lines: LineCounter,
  ) {}

  error(node: Node | null | undefined, key: string, problem: string): ConfigError {
    const offset = node?.range?.[0] ?? 0;
    const line = this.lines.linePos(offset).line;
    return new ConfigError(`cannot load config file ${this.file}: line ${line}: ${key === '' ? '' : `${key}: `}${problem}`);
  }

  /**
   * Visits a mapping. With a table, each key must be in it; with a function,
   * any string key is passed to it.
   */
  map(node: unknown, path: string, handlers: Record<string, KeyHandler> | ((name: string, v: Node, key: string) => void)): void {
    if (isScalar(node) && node.value === null) return; // `key:` with nothing after it: an empty section
    if (!isMap(node)) throw this.error(node as Node, path, 'expected a mapping');
    const seen = new Set<string>();
    for (const pair of node.items) {
      const k = pair.key as Node;
      if (!isScalar(k) || typeof k.value !== 'string') throw this.error(k, path, 'keys must be strings');
      const name = k.value;
      const key = path === '' ? name : `${path}.${name}`;
      // Checked here rather than by the YAML parser, which reports the line of the mapping, not of the key.
      if (seen.has(name)) throw this.error(k, key, 'duplicate key');
      seen.add(name);
      const v = (pair.value ?? k) as Node;
      if (typeof handlers === 'function') {
        handlers(name, v, key);
        continue;
      }
      const h = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
      if (h === undefined) {
        const known = Object.keys(handlers).filter((n) => !REFUSED.has(handlers[n]));
        throw this.error(k, key, `unknown key (expected one of: ${known.join(', ')})`);
      }
      h(v, key);
    }
  }

  bool(node: Node, key: string): boolean {
    if (!isScalar(node) || typeof node.value !== 'boolean') throw this.error(node, key, 'expected true or false');
    return node.value;
  }

  string(node: Node, key: string): string {
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') throw this.error(node, key, 'expected a string');
    return String(node.value);
  }

  parsed<T>(node: Node, key: string, parse: (s: string) => T): T {
    const s = this.string(node, key);
    try {
      return parse(s);
    } catch (err) {
      throw this.error(node, key, (err as Error).message);
    }
  }

  positiveDuration(node: Node, key: string): number {
    const ms = this.parsed(node, key, parseDuration);
    if (ms <= 0) throw this.error(node, key, 'must be greater than 0');
    return ms;
  }
}
