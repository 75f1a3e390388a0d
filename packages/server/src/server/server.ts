/**
 * Builds the components from resolved options, wires them and starts/stops
 * them. Start order: HTTP listener first (so /-/healthy answers and /-/ready
 * says 503 while the storage replays its WAL and the components start), then
 * the storage, then the components; /-/ready says 200 after the last one. Stop order:
 * stop accepting and finish in-flight requests, then close the storage (which
 * flushes its WAL and releases the data-directory lock).
 *
 * Startup logs, on stdout:
 *
 * ```
 * level=info msg="Listening on address" address=127.0.0.1:9090
 * level=info msg="Server is ready to receive web requests." address=127.0.0.1:9090
 * ```
 *
 * The second line is the one to wait for: the `address` field is the actual
 * address, so `--web.listen-address=127.0.0.1:0` can be used and read back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry, type Gauge } from '../metrics/registry.js';
import type { StorageConfig } from '../config/config.js';
import type { Storage } from '../storage/interface.js';
import type { Component, ComponentFactory, ScratchStorage } from './component.js';
import { COMPONENTS } from './components.js';
import { HttpServer } from './http.js';
import { createLogger, nopLogger, withFields, type Logger } from './logger.js';
import type { ServerOptions } from './options.js';

export type OpenStorage = (cfg: StorageConfig, deps: { logger: Logger; registry: Registry }) => Promise<Storage>;

export interface ServerDeps {
  openStorage: OpenStorage;
  /** Where log lines go (default stdout). */
  writeLog?: (line: string) => void;
  now?: () => number;
  /** The components to start after the storage (default: `COMPONENTS`). */
  components?: readonly ComponentFactory[];
  /** Re-reads the config file (with the same flags) for `reloadConfig()`: SIGHUP and `POST /-/reload`. */
  loadOptions?: () => Promise<ServerOptions>;
}

/** A storage like the configured one, in a fresh directory under the system's temporary directory, deleted on dispose. */
async function openScratch(open: OpenStorage, cfg: StorageConfig): Promise<ScratchStorage> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-scratch-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  let storage: Storage;
  try {
    storage = await open({ ...cfg, path: dir }, { logger: nopLogger, registry: new Registry() });
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    storage,
    dispose: async () => {
      try {
        await storage.close();
      } finally {
        await remove();
      }
    },
  };
}

export class VigilServer {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly address: string;
  readonly #http: HttpServer;
  readonly #storage: Storage;
  readonly #components: Component[];
  #stopping: Promise<void> | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #loadOptions: (() => Promise<ServerOptions>) | undefined;
  #reloadMetrics: { ok: Gauge; at: Gauge } | undefined;

  private constructor(registry: Registry, logger: Logger, address: string, http: HttpServer, storage: Storage, components: Component[]) {
    this.registry = registry;
    this.logger = logger;
    this.address = address;
    this.#http = http;
    this.#storage = storage;
    this.#components = components;
  }

  /** A started component by name (for tests and for wiring between components). */
  component<T extends Component = Component>(name: string): T | undefined {
    return this.#components.find((c) => c.name === name) as T | undefined;
  }

  /**
   * Applies new options to every component that supports reloading. Stops at
   * the first that refuses and rethrows its error; components not yet reached
   * keep their configuration.
   */
  async reload(options: ServerOptions): Promise<void> {
    for (const c of this.#components) if (c.reload) await c.reload(options);
  }

  /**
   * Re-reads the config file and applies it (SIGHUP, `POST /-/reload`). A file
   * that does not load, or a component that refuses it, leaves the running
   * configuration in place; the error is logged and rethrown. Reloads run one
   * at a time.
   */
  reloadConfig(): Promise<void> {
    const run = async () => {
      const load = this.#loadOptions;
      if (load === undefined) throw new Error('cannot reload: the server was started without a way to re-read its options');
      this.logger.info('Loading configuration file');
      try {
        await this.reload(await load());
      } catch (err) {
        this.#reloadMetrics?.ok.set(0);
        this.logger.error('Error reloading config', { err: (err as Error).message });
        throw err;
      }
      this.#reloadMetrics?.ok.set(1);
      this.#reloadMetrics?.at.set(Date.now() / 1000);
      this.logger.info('Completed loading of configuration file');
    };
    const next = this.#reloading.then(run);
    this.#reloading = next.catch(() => {});
    return next;
  }

  get storage(): Storage {
    return this.#storage;
  }

  static async start(opts: ServerOptions, deps: ServerDeps): Promise<VigilServer> {
    const logger = createLogger({ level: opts.log.level, format: opts.log.format, write: deps.writeLog });
    const registry = new Registry();
    declareProcessMetrics(registry);

    let storage: Storage | undefined;
    let ready = false;
    const http = new HttpServer({
      ready: () => ready,
      listenAddress: opts.web.listenAddress,
      maxBodyBytes: opts.web.maxBodyBytes,
      enableAdminApi: opts.web.enableAdminApi,
      storage: () => storage,
      registry,
      logger: withFields(logger, { component: 'web' }),
      now: deps.now,
    });
    logger.info('Starting Vigil', { pid: process.pid, config: opts.configFile, storage_path: opts.storage.path });
    const address = await http.listen();
    logger.info('Listening on address', { address });
    try {
      storage = await deps.openStorage(opts.storage, { logger: withFields(logger, { component: 'tsdb' }), registry });
    } catch (err) {
      await http.close(1000);
      throw err;
    }
    logger.info('TSDB started', { path: opts.storage.path });
    const components: Component[] = [];
    const started = new Map<string, Component>();
    try {
      for (const f of deps.components ?? COMPONENTS) {
        const c = await f.create({
          options: opts,
          storage,
          registry,
          logger: withFields(logger, { component: f.name }),
          router: http.router,
          address,
          started,
          now: deps.now ?? Date.now,
          scratchStorage: () => openScratch(deps.openStorage, opts.storage),
        });
        components.push(c);
        started.set(c.name, c);
      }
    } catch (err) {
      for (const c of components.reverse()) await c.stop().catch(() => {});
      await http.close(1000);
      await storage.close();
      throw err;
    }
    const server = new VigilServer(registry, logger, address, http, storage, components);
    server.#loadOptions = deps.loadOptions;
    server.#reloadMetrics = {
      ok: registry.gauge({ name: 'vigil_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful.' }),
      at: registry.gauge({ name: 'vigil_config_last_reload_success_timestamp_seconds', help: 'Timestamp of the last successful configuration reload.' }),
    };
    server.#reloadMetrics.ok.set(1);
    server.#reloadMetrics.at.set(Date.now() / 1000);
    http.router.on(['POST', 'PUT'], '/-/reload', async ({ res }) => {
      try {
        await server.reloadConfig();
      } catch (err) {
        const text = `failed to reload config: ${(err as Error).message}\n`;
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
    });
    ready = true;
    logger.info('Server is ready to receive web requests.', { address });
    return server;
  }

  /** Stops accepting requests, waits for in-flight ones, closes the storage. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.logger.info('Stopping web server: waiting for in-flight requests', { inflight: this.#http.inflight });
      await this.#http.close();
      for (const c of [...this.#components].reverse()) {
        try {
          await c.stop();
        } catch (err) {
          this.logger.error('Component failed to stop cleanly', { component: c.name, err: (err as Error).message });
        }
      }
      this.logger.info('Closing storage');
      await this.#storage.close();
      this.logger.info('See you next time!');
    })();
    return this.#stopping;
  }
}

function declareProcessMetrics(registry: Registry): void {
  const started = Date.now() / 1000;
  registry.gauge({
    name: 'process_start_time_seconds',
    help: 'Start time of the process since unix epoch in seconds.',
    collect: () => started,
  });
  registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: () => process.memoryUsage.rss(),
  });
  registry.gauge({
    name: 'nodejs_heap_used_bytes',
    help: 'V8 heap in use, in bytes.',
    collect: () => process.memoryUsage().heapUsed,
  });
}
