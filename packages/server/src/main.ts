/**
 * The `vigil` command: parses flags (see `--help`), loads the optional config
 * file, starts the server, and on SIGINT/SIGTERM stops it cleanly (in-flight
 * requests finish, the storage flushes and unlocks) and exits 0.
 *
 * Exit codes: 0 clean stop or `--help`; 2 bad command line; 1 anything else
 * (bad config file, storage cannot be opened — e.g. locked by another server).
 */
import { ConfigError } from './config/config.js';
import { FlagError, helpText, parseFlags } from './server/flags.js';
import { resolveOptions } from './server/options.js';
import { VigilServer, type OpenStorage } from './server/server.js';
import { TSDB } from './tsdb/db.js';

const openTSDB: OpenStorage = (cfg, { logger, registry }) =>
  TSDB.open({
    dir: cfg.path,
    retentionMs: cfg.retentionTimeMs,
    retentionBytes: cfg.retentionBytes,
    oooWindowMs: cfg.outOfOrderTimeWindowMs,
    walFsync: cfg.walFsync,
    logger,
    registry,
  });

function fail(message: string, code: number): never {
  process.stderr.write(`vigil: error: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    if (err instanceof FlagError) fail(`${err.message}`, 2);
    throw err;
  }
  if (flags.help) {
    process.stdout.write(helpText());
    return;
  }
  let opts;
  try {
    opts = await resolveOptions(flags);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 1);
    throw err;
  }

  let server: VigilServer;
  try {
    server = await VigilServer.start(opts, { openStorage: openTSDB, loadOptions: () => resolveOptions(flags) });
  } catch (err) {
    fail((err as Error).message, 1);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      server.logger.warn('Received a second signal, exiting now', { signal });
      process.exit(1);
    }
    server.logger.info('Received signal, exiting gracefully...', { signal });
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.logger.error('cannot stop cleanly', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // As Prometheus: SIGHUP re-reads the config file; a bad file keeps the running configuration.
  process.on('SIGHUP', () => void server.reloadConfig().catch(() => {}));
}

main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1));
