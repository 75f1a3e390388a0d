/**
 * `IngestBatch`: appends a parsed stream of samples through one `Appender`
 * at a time, committing every `batchSamples` samples (so pending samples stay
 * bounded), and keeps the per-sample accounting a response needs: a sample
 * the storage refuses (too old, duplicate, invalid labels …) is counted and
 * its error kept (the first `MAX_LISTED_ERRORS` distinct messages), and the
 * rest of the batch goes on. A failing commit (WAL write failed, storage
 * closed) is thrown: nothing of that commit was acknowledged.
 *
 * ```ts
 * const batch = common.batch(metrics);
 * for (const s of parsed) {
 *   let ref = cache.get(s.key) ?? 0;
 *   ref = batch.append(ref, ref === 0 ? s.labels() : undefined, s.t, s.v);
 *   if (ref === NEED_LABELS) ref = batch.append(0, s.labels(), s.t, s.v);
 *   if (ref > 0) cache.set(s.key, ref);
 *   await batch.maybeCommit();
 * }
 * await batch.commit();
 * if (batch.rejected > 0) … 400 naming batch.errors …
 * ```
 */
import type { Labels } from '../../model/labels.js';
import { StorageError } from '../../storage/errors.js';
import type { Appender, SeriesRef, Storage } from '../../storage/interface.js';
import type { WriteLimiter } from './limiter.js';
import type { ProtocolMetrics } from './metrics.js';

/** `append` result: the storage refused the sample (counted, error kept). */
export const REJECTED = -1;
/** `append` result: the ref is no longer known to the storage; call again with ref 0 and the labels. */
export const NEED_LABELS = -2;

/** Distinct error messages kept per batch (all rejections are counted). */
export const MAX_LISTED_ERRORS = 10;

export interface IngestBatchOptions {
  /** Commit after this many appended samples. */
  batchSamples: number;
  /** Accept samples older than the out-of-order window (see `AppenderOptions`). */
  allowBackfill?: boolean;
}

export class IngestBatch {
  readonly #storage: Storage;
  readonly #metrics: ProtocolMetrics;
  readonly #limiter: WriteLimiter;
  /** The options as plain fields: callers pass objects of different shapes, and V8 optimises `append` for the one it met first. */
  readonly #batchSamples: number;
  readonly #appenderOptions: { allowBackfill: true } | undefined;
  #app: Appender | undefined;
  #pending = 0;
  /** Samples committed (acknowledgeable). */
  accepted = 0;
  /** Samples refused by the storage, by the caller (`reject`), or lost to a failed commit. */
  rejected = 0;
  /** The first distinct rejection messages. */
  readonly errors: string[] = [];
  /** Rejections whose message was not kept. */
  errorsOmitted = 0;
  #lastListed = false;
  /** Samples received, added to the protocol's counter by `record()` (not per sample: this is the hot path). */
  #received = 0;

  constructor(storage: Storage, metrics: ProtocolMetrics, limiter: WriteLimiter, opts: IngestBatchOptions) {
    this.#storage = storage;
    this.#metrics = metrics;
    this.#limiter = limiter;
    this.#batchSamples = opts.batchSamples;
    this.#appenderOptions = opts.allowBackfill === true ? { allowBackfill: true } : undefined;
  }

  /**
   * Appends one sample. Returns the series ref (> 0) to cache, `REJECTED`
   * when the storage refused the sample (counted), or `NEED_LABELS` when
   * `ref` was stale and no labels were given. Throws only when the storage
   * cannot take writes at all (closed).
   */
  append(ref: SeriesRef, labels: Labels | undefined, t: number, v: number): SeriesRef {
    this.#app ??= this.#storage.appender(this.#appenderOptions);
    try {
      const out = this.#app.append(ref, labels, t, v);
      this.#pending++;
      this.#limiter.pendingSamples++;
      this.#received++;
      return out;
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      if (err.code === 'unknown_series_ref' && labels === undefined && ref !== 0) return NEED_LABELS;
      if (err.code === 'closed' || err.code === 'wal_write_failed' || err.code === 'locked') throw err;
      this.#received++;
      this.reject(err.message);
      return REJECTED;
    }
  }

  /**
   * Counts `n` samples refused before reaching the storage (a protocol's own
   * mapping rule, e.g. an unsupported data type), keeping the message.
   */
  reject(message: string, n = 1): void {
    if (n <= 0) return;
    this.rejected += n;
    this.#lastListed = false;
    if (this.errors.includes(message)) return;
    if (this.errors.length < MAX_LISTED_ERRORS) {
      this.errors.push(message);
      this.#lastListed = true;
    } else this.errorsOmitted++;
  }

  /**
   * Adds context (e.g. the series) to the message of the rejection just
   * recorded, if that message was newly listed. Call right after a
   * `REJECTED`; building the context is then paid only for listed errors.
   */
  annotateLast(context: string): void {
    if (!this.#lastListed) return;
    const i = this.errors.length - 1;
    this.errors[i] = `${this.errors[i]} (${context})`;
    this.#lastListed = false;
  }

  /** Whether `annotateLast` would add anything (to skip building the context). */
  get wantsAnnotation(): boolean {
    return this.#lastListed;
  }

  /** Counts `n` samples received and rejected in one go (e.g. `reject` after parsing). */
  receivedAndRejected(message: string, n = 1): void {
    this.#received += n;
    this.reject(message, n);
  }

  /** Samples appended and not yet committed. */
  get pending(): number {
    return this.#pending;
  }

  /** Commits when `batchSamples` samples are pending. */
  async maybeCommit(): Promise<void> {
    if (this.#pending >= this.#batchSamples) await this.commit();
  }

  /**
   * Commits what is pending (durable in the WAL when this resolves). On
   * failure the pending samples count as rejected and the error is thrown.
   * The batch can go on appending afterwards.
   */
  async commit(): Promise<void> {
    const app = this.#app;
    if (app === undefined) return;
    this.#app = undefined;
    const n = this.#pending;
    this.#pending = 0;
    if (n === 0) {
      app.rollback();
      return;
    }
    try {
      await app.commit();
    } catch (err) {
      this.rejected += n;
      throw err;
    } finally {
      this.#limiter.pendingSamples -= n;
    }
    this.accepted += n;
  }

  /**
   * One writer's whole request: appends with `fill`, then commits what is
   * pending. On failure what is pending is rolled back and the error
   * thrown; the counts go to the protocol's counters either way (`record`).
   */
  async run(fill: () => Promise<void>): Promise<void> {
    try {
      await fill();
      await this.commit();
    } catch (err) {
      this.rollback();
      throw err;
    } finally {
      this.record();
    }
  }

  /** Drops what is pending (counted as rejected). */
  rollback(): void {
    this.#app?.rollback();
    this.#app = undefined;
    this.rejected += this.#pending;
    this.#limiter.pendingSamples -= this.#pending;
    this.#pending = 0;
  }

  /**
   * Adds this batch's accepted/rejected counts to the protocol's counters.
   * Call once, when the writer is done (after the last commit or rollback).
   */
  record(): void {
    this.#metrics.received.inc(this.#received);
    this.#received = 0;
    this.#metrics.accepted.inc(this.accepted);
    this.#metrics.rejected.inc(this.rejected);
  }

  /** `"2 of 10 samples rejected: <first errors>; and 3 more"`, for a 400's message. */
  summary(): string {
    const total = this.accepted + this.rejected;
    const more = this.errorsOmitted > 0 ? `; and ${this.errorsOmitted} more` : '';
    return `${this.rejected} of ${total} samples rejected: ${this.errors.join('; ')}${more}`;
  }
}
