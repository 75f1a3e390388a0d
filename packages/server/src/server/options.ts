/**
 * The server's resolved options: defaults < config file < flags.
 */
import { resolve } from 'node:path';
import {
  ConfigError,
  GLOBAL_DEFAULTS,
  INGEST_DEFAULTS,
  loadConfigFile,
  STORAGE_DEFAULTS,
  type GlobalConfig,
  type IngestOptions,
  type StorageConfig,
} from '../config/config.js';
import { SCRAPE_GLOBAL_DEFAULTS, type ScrapeSection } from '../config/scrape.js';
import type { PendingSections } from '../config/pending.js';
import { FLAGS, LOG_DEFAULTS, QUERY_DEFAULTS, WEB_DEFAULTS, type FlagValues, type LogOptions, type QueryOptions, type WebOptions } from './flags.js';
import { resolvePushOptions, type PushOptions } from '../ingest/net/options.js';

export interface ServerOptions {
  configFile: string | undefined;
  web: WebOptions;
  log: LogOptions;
  storage: StorageConfig;
  global: GlobalConfig;
  ingest: IngestOptions;
  /** `scrape_configs` and global scrape settings; `configs` undefined means "scrape yourself". */
  scrape: ScrapeSection;
  /** Prometheus sections read from the file but not acted on yet (rule_files, alerting, remote_write, remote_read, storage.exemplars). */
  pending: PendingSections;
  /** Socket push listeners and the Pushgateway endpoint. */
  push: PushOptions;
  /** PromQL engine limits (`--query.*`). */
  query: QueryOptions;
  /** Every flag's effective value as text: as given, else its default (empty when it has none). */
  flagValues: Readonly<Record<string, string>>;
}

export async function resolveOptions(flags: FlagValues): Promise<ServerOptions> {
  const file = flags.configFile === undefined ? undefined : await loadConfigFile(flags.configFile);
  const storage: StorageConfig = { ...STORAGE_DEFAULTS, ...file?.storage, ...flags.storage };
  storage.path = resolve(storage.path);
  return {
    configFile: flags.configFile,
    web: { ...WEB_DEFAULTS, ...flags.web },
    log: { ...LOG_DEFAULTS, ...flags.log },
    storage,
    global: file?.global ?? { ...GLOBAL_DEFAULTS, externalLabels: {} },
    ingest: resolveIngest(file?.ingest, flags.ingest),
    scrape: file?.scrape ?? { globals: { ...SCRAPE_GLOBAL_DEFAULTS }, configs: undefined },
    pending: file?.pending ?? {},
    push: resolvePushOptions(flags.push),
    query: { ...QUERY_DEFAULTS, ...flags.query },
    flagValues: Object.fromEntries(FLAGS.map((f) => [f.name, flags.given[f.name] ?? f.defaultText ?? ''])),
  };
}

/** Flags override the file key by key; basic credentials from flags need both halves. */
function resolveIngest(file: Partial<IngestOptions> | undefined, flags: Partial<IngestOptions>): IngestOptions {
  const out: IngestOptions = { ...INGEST_DEFAULTS, ...file, ...flags };
  if (file?.auth !== undefined || flags.auth !== undefined) out.auth = { ...file?.auth, ...flags.auth };
  const basic = flags.auth?.basic;
  if (basic !== undefined && (basic.username === '' || basic.password === '')) {
    throw new ConfigError('flags --ingest.auth.username and --ingest.auth.password-file must be given together');
  }
  return out;
}
