/**
 * `IngestCommon`: the pieces shared by every push protocol, built once by
 * the `ingest` component (which starts before any protocol's component) from
 * `options.ingest`, and found by the protocol components with
 * `ingestCommon(ctx)`.
 */
import type { IngestOptions } from '../../config/config.js';
import type { Registry } from '../../metrics/registry.js';
import type { Component, ComponentContext, ComponentFactory } from '../../server/component.js';
import type { Logger } from '../../server/logger.js';
import type { ServerOptions } from '../../server/options.js';
import type { Storage } from '../../storage/interface.js';
import { WriteAuthenticator } from './auth.js';
import { IngestBatch } from './batch.js';
import { WriteLimiter } from './limiter.js';
import { IngestMetrics, type ProtocolMetrics } from './metrics.js';
import type { ParsePool } from '../parse/pool.js';

/** Makes a parse pool (the ingest component imports the pool lazily: its workers import the protocols, which import this module). */
export type ParsePoolFactory = (workers: number) => ParsePool;

export const INGEST_COMPONENT = 'ingest';

export class IngestCommon implements Component {
  readonly name = INGEST_COMPONENT;
  readonly storage: Storage;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly limiter: WriteLimiter;
  readonly metrics: IngestMetrics;
  readonly now: () => number;
  #auth: WriteAuthenticator;
  #opts: IngestOptions;
  #maxBodyBytes: number;
  readonly #newPool: ParsePoolFactory;
  #pool: ParsePool;

  constructor(
    deps: { storage: Storage; registry: Registry; logger: Logger; now: () => number; parsePool: ParsePoolFactory },
    opts: IngestOptions,
    maxBodyBytes: number,
  ) {
    this.storage = deps.storage;
    this.registry = deps.registry;
    this.logger = deps.logger;
    this.now = deps.now;
    this.#opts = opts;
    this.#maxBodyBytes = maxBodyBytes;
    this.#auth = new WriteAuthenticator(opts.auth);
    this.limiter = new WriteLimiter(limiterOptions(opts));
    this.metrics = new IngestMetrics(deps.registry, this.limiter);
    this.#newPool = deps.parsePool;
    this.#pool = deps.parsePool(opts.parseWorkers);
  }

  /** Where remote write and Influx line protocol are parsed (worker threads, or inline). */
  get parsePool(): ParsePool {
    return this.#pool;
  }

  /** The write endpoints' authenticator (replaced on reload). */
  get auth(): WriteAuthenticator {
    return this.#auth;
  }

  get options(): Readonly<IngestOptions> {
    return this.#opts;
  }

  get maxBodyBytes(): number {
    return this.#maxBodyBytes;
  }

  /** A batch appender for one writer of `metrics`' protocol, committing every `batchSamples`. */
  batch(metrics: ProtocolMetrics, opts: { allowBackfill?: boolean } = {}): IngestBatch {
    return new IngestBatch(this.storage, metrics, this.limiter, { batchSamples: this.#opts.batchSamples, allowBackfill: opts.allowBackfill });
  }

  async reload(options: ServerOptions): Promise<void> {
    this.#opts = options.ingest;
    this.#maxBodyBytes = options.web.maxBodyBytes;
    this.#auth = new WriteAuthenticator(options.ingest.auth);
    this.limiter.setOptions(limiterOptions(options.ingest));
    if (options.ingest.parseWorkers !== this.#pool.workers) {
      const old = this.#pool;
      this.#pool = this.#newPool(options.ingest.parseWorkers);
      void old.retire();
    }
  }

  /** Resolves when the parse workers have loaded (see `ParsePool.ready`). */
  workersReady(): Promise<void> {
    return this.#pool.ready();
  }

  async stop(): Promise<void> {
    await this.#pool.close();
  }
}

function limiterOptions(o: IngestOptions) {
  return { maxConcurrent: o.maxConcurrentWrites, maxQueued: o.maxQueuedWrites, maxWaitMs: o.maxWriteWaitMs };
}

export const ingestCommonFactory: ComponentFactory = {
  name: INGEST_COMPONENT,
  create: async (ctx) => {
    const { ParsePool } = await import('../parse/pool.js');
    const parsePool = (workers: number) => new ParsePool(workers, ctx.logger);
    const common = new IngestCommon({ storage: ctx.storage, registry: ctx.registry, logger: ctx.logger, now: ctx.now, parsePool }, ctx.options.ingest, ctx.options.web.maxBodyBytes);
    // Ready means the parse workers are loaded too: a first request does not pay their start-up.
    await common.workersReady();
    if (ctx.options.ingest.warmup) await warmUp(common, ctx);
    return common;
  },
};

/** Runs the warm-up (warmup.ts) against a scratch storage; a failure is logged and the server starts anyway. */
async function warmUp(common: IngestCommon, ctx: ComponentContext): Promise<void> {
  const { warmIngest } = await import('./warmup.js');
  try {
    const scratch = await ctx.scratchStorage();
    try {
      const r = await warmIngest(common.parsePool, scratch.storage, { batchSamples: common.options.batchSamples, maxBodyBytes: common.maxBodyBytes });
      ctx.logger.info('Ingest warm-up done', { samples: r.samples, requests: r.requests, duration: `${r.ms}ms` });
    } finally {
      await scratch.dispose();
    }
  } catch (err) {
    ctx.logger.warn('Ingest warm-up failed; the first requests will be slower', { err: err instanceof Error ? err.message : String(err) });
  }
}

/** The shared ingest pieces, for a protocol component's factory. */
export function ingestCommon(ctx: ComponentContext): IngestCommon {
  const c = ctx.started.get(INGEST_COMPONENT);
  if (!(c instanceof IngestCommon)) {
    throw new Error(`cannot start a push protocol: the "${INGEST_COMPONENT}" component must come before it in server/components.ts`);
  }
  return c;
}
