/**
 * Builds the components from resolved options, wires them and starts/stops
 * them. Start order: HTTP listener first (so /-/healthy answers and /-/ready
 * says 503 while the storage replays its WAL), then the storage. Stop order:
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
import { Registry } from '../metrics/registry.js';
import type { StorageConfig } from '../config/config.js';
import type { Storage } from '../storage/interface.js';
import type { Component, ComponentFactory } from './component.js';
import { COMPONENTS } from './components.js';
import { HttpServer } from './http.js';
import { createLogger, withFields, type Logger } from './logger.js';
import type { ServerOptions } from './options.js';

export type OpenStorage = (cfg: StorageConfig, deps: { logger: Logger; registry: Registry }) => Promise<Storage>;

export interface ServerDeps {
  openStorage: OpenStorage;
  /** Where log lines go (default stdout). */
  writeLog?: (line: string) => void;
  now?: () => number;
  /** The components to start after the storage (default: `COMPONENTS`). */
  components?: readonly ComponentFactory[];
}

export class VigilServer {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly address: string;
  readonly #http: HttpServer;
  readonly #storage: Storage;
  readonly #components: Component[];
  #stopping: Promise<void> | undefined;

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

  get storage(): Storage {
    return this.#storage;
  }

  static async start(opts: ServerOptions, deps: ServerDeps): Promise<VigilServer> {
    const logger = createLogger({ level: opts.log.level, format: opts.log.format, write: deps.writeLog });
    const registry = new Registry();
    declareProcessMetrics(registry);

    let storage: Storage | undefined;
    const http = new HttpServer({
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
          started,
          now: deps.now ?? Date.now,
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
    logger.info('Server is ready to receive web requests.', { address });
    return new VigilServer(registry, logger, address, http, storage, components);
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
