/**
 * The server's resolved options: defaults < config file < flags.
 */
import { resolve } from 'node:path';
import { GLOBAL_DEFAULTS, loadConfigFile, STORAGE_DEFAULTS, type GlobalConfig, type StorageConfig } from '../config/config.js';
import { LOG_DEFAULTS, WEB_DEFAULTS, type FlagValues, type LogOptions, type WebOptions } from './flags.js';

export interface ServerOptions {
  configFile: string | undefined;
  web: WebOptions;
  log: LogOptions;
  storage: StorageConfig;
  global: GlobalConfig;
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
  };
}
