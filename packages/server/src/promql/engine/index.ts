/**
 * The PromQL engine: runs instant and range queries against any `Queryable`
 * (the embedded TSDB, the in-memory storage, ...), with Prometheus 3's
 * semantics and limits.
 *
 * Contract:
 * - `instantQuery` / `rangeQuery` resolve to a {@link Result} or reject with a
 *   {@link QueryError} whose `code` says what went wrong (see errors.ts and
 *   `apiErrorType` for the HTTP mapping). Nothing else is thrown, except for
 *   programming errors.
 * - An expression may be given as text (parsed with the engine's feature
 *   switches) or as a tree from `parseExpr`. A tree is not modified: duration
 *   expressions (`[step()*2]`) are resolved on a copy.
 * - At most `maxConcurrent` queries evaluate at once; others wait in a FIFO
 *   queue. The timeout covers queue time and evaluation. A query is stopped
 *   with `canceled` when `opts.signal` aborts, and with `timeout` when the
 *   deadline passes; both are checked between steps and series, and the
 *   evaluation yields to the event loop regularly so that other requests
 *   (and the abort of this one) are served while a long query runs.
 * - A query that would hold more than `maxSamples` samples at once fails with
 *   `too_many_samples` (Prometheus's `--query.max-samples` accounting).
 * - Results are the caller's: series arrays are freshly allocated.
 * - Range queries evaluate at `start, start+step, ... <= end`; more than
 *   11,000 points per series is a `bad_data` error, as in Prometheus's API.
 */
import type { Registry } from '../../metrics/registry.js';
import type { Logger } from '../../server/logger.js';
import type { Queryable } from '../../storage/interface.js';
import { DurationError, ParseError, parseExpr, type Expr } from '../parser/index.js';
import { QueryError, badData, queryCanceled, queryTimeout } from './errors.js';
import { runQuery } from './evaluator.js';
import type { Result } from './result.js';
import './register.js';

export { QueryError, apiErrorType, type QueryErrorCode } from './errors.js';
export type { Annotation, QueryStats, Result, ResultSeries, ResultType } from './result.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample. Default 5m. */
  lookbackDeltaMs?: number;
  /** Step of subqueries written without one (`[10m:]`). Default 1m, as Prometheus's global evaluation interval. */
  defaultSubqueryStepMs?: number;
  /** Most samples a query may hold at once. Default 50,000,000 (`--query.max-samples`). */
  maxSamples?: number;
  /** Per-query deadline, queue time included. Default 2m (`--query.timeout`). */
  timeoutMs?: number;
  /** Queries evaluating at once; more wait in a queue. Default 20 (`--query.max-concurrency`). */
  maxConcurrent?: number;
  /**
   * Drop `__name__` at the end of evaluation instead of at each function or
   * operator (`promql-delayed-name-removal`). Default false, as Prometheus.
   */
  delayedNameRemoval?: boolean;
  /** Experimental functions, `limitk`, `limit_ratio`, `info()` (`promql-experimental-functions`). Default false. */
  enableExperimentalFunctions?: boolean;
  /** `anchored` and `smoothed` range modifiers (`promql-extended-range-selectors`). Default false. */
  enableExtendedRangeSelectors?: boolean;
  /** `fill()`, `fill_left()`, `fill_right()` on binary operators (`promql-binop-fill-modifiers`). Default false. */
  enableBinopFillModifiers?: boolean;
  logger?: Logger;
  /** Where `vigil_engine_*` self-metrics are registered. */
  registry?: Registry;
}

export interface QueryOptions {
  /** Aborting stops the query with a `canceled` error (e.g. when the HTTP client goes away). */
  signal?: AbortSignal;
  /** Collect {@link Result.stats}. */
  stats?: boolean;
  /** Overrides the engine's lookback delta for this query (the API's `lookback_delta`). */
  lookbackDeltaMs?: number;
}

/** Resolved settings, as the evaluator sees them. */
export interface EngineSettings {
  lookbackDeltaMs: number;
  defaultSubqueryStepMs: number;
  maxSamples: number;
  timeoutMs: number;
  maxConcurrent: number;
  delayedNameRemoval: boolean;
  enableExperimentalFunctions: boolean;
  enableExtendedRangeSelectors: boolean;
  enableBinopFillModifiers: boolean;
}

/** Prometheus's API limit on points per series of a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;

export class Engine {
  readonly settings: Readonly<EngineSettings>;
  #logger: Logger | undefined;
  #running = 0;
  #queue: Array<() => void> = [];
  #metrics: { queries: { inc(n?: number): void }; failed: { inc(n?: number): void }; duration: { observe(v: number): void } } | undefined;

  constructor(opts: EngineOptions = {}) {
    this.settings = Object.freeze({
      lookbackDeltaMs: opts.lookbackDeltaMs ?? 5 * 60_000,
      defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? 60_000,
      maxSamples: opts.maxSamples ?? 50_000_000,
      timeoutMs: opts.timeoutMs ?? 2 * 60_000,
      maxConcurrent: opts.maxConcurrent ?? 20,
      delayedNameRemoval: opts.delayedNameRemoval ?? false,
      enableExperimentalFunctions: opts.enableExperimentalFunctions ?? false,
      enableExtendedRangeSelectors: opts.enableExtendedRangeSelectors ?? false,
      enableBinopFillModifiers: opts.enableBinopFillModifiers ?? false,
    });
    this.#logger = opts.logger;
    if (opts.registry) {
      const r = opts.registry;
      r.gauge({ name: 'vigil_engine_queries_running', help: 'Queries evaluating now.', collect: () => this.#running });
      r.gauge({ name: 'vigil_engine_queries_queued', help: 'Queries waiting for a free slot.', collect: () => this.#queue.length });
      this.#metrics = {
        queries: r.counter({ name: 'vigil_engine_queries_total', help: 'Queries run by the PromQL engine.' }),
        failed: r.counter({ name: 'vigil_engine_queries_failed_total', help: 'Queries that ended with an error.' }),
        duration: r.histogram({
          name: 'vigil_engine_query_duration_seconds',
          help: 'Time from receiving a query to its result, queue time included.',
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
        }),
      };
    }
  }

  /** Parses a query with this engine's feature switches. Throws QueryError (`parse_error`). */
  parse(query: string): Expr {
    try {
      return parseExpr(query, {
        experimentalFunctions: this.settings.enableExperimentalFunctions,
        extendedRangeSelectors: this.settings.enableExtendedRangeSelectors,
        binopFillModifiers: this.settings.enableBinopFillModifiers,
      });
    } catch (e) {
      if (e instanceof ParseError) throw new QueryError('parse_error', e.message, e.position);
      throw e;
    }
  }

  /** Evaluates `expr` at `timeMs`. */
  instantQuery(queryable: Queryable, expr: string | Expr, timeMs: number, opts: QueryOptions = {}): Promise<Result> {
    return this.#run(queryable, expr, timeMs, timeMs, 0, opts);
  }

  /** Evaluates `expr` at `startMs, startMs + stepMs, ...` up to `endMs` inclusive. */
  rangeQuery(queryable: Queryable, expr: string | Expr, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Promise<Result> {
    if (!(stepMs > 0)) return Promise.reject(badData('zero or negative query resolution step widths are not accepted. Try a positive integer'));
    if (endMs < startMs) return Promise.reject(badData('end timestamp must not be before start time'));
    if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
      return Promise.reject(badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'));
    }
    return this.#run(queryable, expr, startMs, endMs, stepMs, opts);
  }

  async #run(queryable: Queryable, input: string | Expr, start: number, end: number, step: number, opts: QueryOptions): Promise<Result> {
    const began = performance.now();
    this.#metrics?.queries.inc();
    const deadline = Date.now() + this.settings.timeoutMs;
    try {
      const queryText = typeof input === 'string' ? input : '';
      const parsed = typeof input === 'string' ? this.parse(input) : input;
      const prepared = performance.now();
      await this.#acquire(deadline, opts.signal);
      const queued = performance.now();
      try {
        const result = await runQuery({
          settings: this.settings,
          queryable,
          expr: parsed,
          query: queryText,
          start,
          end,
          step,
          lookbackDeltaMs: opts.lookbackDeltaMs ?? this.settings.lookbackDeltaMs,
          deadline,
          signal: opts.signal,
          stats: opts.stats ?? false,
        });
        if (result.stats) {
          const done = performance.now();
          result.stats.timings.queryPreparationTime = (prepared - began) / 1000;
          result.stats.timings.execQueueTime = (queued - prepared) / 1000;
          result.stats.timings.execTotalTime = (done - began) / 1000;
        }
        return result;
      } finally {
        this.#release();
      }
    } catch (e) {
      this.#metrics?.failed.inc();
      if (e instanceof QueryError) throw e;
      if (e instanceof DurationError) throw badData(e.message, { start: e.start, end: e.end });
      this.#logger?.error('query failed', { err: e instanceof Error ? e.message : String(e) });
      throw new QueryError('internal', e instanceof Error ? e.message : String(e));
    } finally {
      this.#metrics?.duration.observe((performance.now() - began) / 1000);
    }
  }

  /** Waits for a free evaluation slot, honouring the deadline and the signal. */
  #acquire(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(queryCanceled('query queue'));
    if (this.#running < this.settings.maxConcurrent) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.#queue.indexOf(grant);
        if (i >= 0) this.#queue.splice(i, 1);
      };
      const grant = () => {
        cleanup();
        this.#running++;
        resolve();
      };
      const onAbort = () => {
        cleanup();
        reject(queryCanceled('query queue'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(queryTimeout('query queue'));
      }, Math.max(0, deadline - Date.now()));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(grant);
    });
  }

  #release(): void {
    this.#running--;
    const next = this.#queue.shift();
    if (next) next();
  }
}
