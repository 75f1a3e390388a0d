/**
 * Components: the parts of the server that start after the storage is open
 * and stop before it closes (query engine, scrape manager, push listeners,
 * rules, ...). Each is built by a factory from the shared context; the list
 * of factories is in `components.ts`.
 */
import type { Registry } from '../metrics/registry.js';
import type { Router } from '../api/router.js';
import type { Storage } from '../storage/interface.js';
import type { Logger } from './logger.js';
import type { ServerOptions } from './options.js';

export interface ComponentContext {
  options: ServerOptions;
  storage: Storage;
  registry: Registry;
  /** A logger already tagged with `component=<name>`. */
  logger: Logger;
  /** The main HTTP port's route table: components add their endpoints here. */
  router: Router;
  /** The HTTP listener's actual `host:port` (e.g. for scraping ourselves). */
  address: string;
  /** Components started before this one, by name. */
  started: ReadonlyMap<string, Component>;
  now: () => number;
  /**
   * Opens a throwaway storage of the same engine as `storage`, with the
   * same settings, in a directory of its own (for the ingest warm-up).
   */
  scratchStorage(): Promise<ScratchStorage>;
}

/** A throwaway storage, and how to get rid of it. */
export interface ScratchStorage {
  storage: Storage;
  /** Closes the storage and deletes its directory. */
  dispose(): Promise<void>;
}

export interface Component {
  readonly name: string;
  /** Applies new options (config reload). Throw to refuse: the old configuration stays. */
  reload?(options: ServerOptions): Promise<void>;
  /** Stops; called in reverse start order, before the storage closes. */
  stop(): Promise<void>;
}

export interface ComponentFactory {
  readonly name: string;
  create(ctx: ComponentContext): Promise<Component>;
}
