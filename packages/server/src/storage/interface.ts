/**
 * The storage seam. Everything that writes goes through an `Appender`;
 * everything that reads goes through a `Querier`. Neither side knows which
 * backend is behind it (the embedded TSDB, the in-memory reference, later a
 * distributed store).
 */
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';

/** A backend's handle for a series; 0 means "unknown, look it up by labels". */
export type SeriesRef = number;

/** Reserved for later sample kinds (histograms, exemplars, metadata). */
export interface AppendOptions {}

export interface Appender {
  /**
   * Buffers one sample. Pass the ref returned by an earlier call (from any
   * appender of the same storage) to skip the label lookup; with a ref of 0
   * the labels are required. Returns the series ref. Throws a `StorageError`
   * (out of bounds, too old, duplicate timestamp with another value, invalid
   * labels) for this sample only: the rest of the batch is unaffected.
   * Nothing is visible to queries before `commit()`.
   */
  append(ref: SeriesRef, labels: Labels | undefined, t: number, v: number, opts?: AppendOptions): SeriesRef;
  /**
   * Makes the batch durable in the write-ahead log, then visible. Resolves
   * only after the WAL write; when it rejects, nothing of the batch is visible.
   * An appender is done after commit or rollback.
   */
  commit(): Promise<void>;
  /** Drops the batch. */
  rollback(): void;
}

export interface AppenderOptions {
  /**
   * Accept samples older than the out-of-order window (import, migration):
   * the backend writes them into its history (the TSDB: into blocks) instead
   * of refusing them as too old.
   */
  allowBackfill?: boolean;
}

export interface Appendable {
  appender(opts?: AppenderOptions): Appender;
}

export interface SelectHints {
  /** Inclusive bounds in ms; only samples inside are returned. */
  start: number;
  end: number;
  /** Only series labels are needed, no samples (e.g. /api/v1/series). */
  seriesOnly?: boolean;
  /**
   * Only the newest sample at or before `end` is needed (an instant
   * selector at one time): a backend may give a series with that sample
   * alone instead of all its samples in range.
   */
  newestOnly?: boolean;
}

/** The kind `next()`/`seek()` found. Numbers, so the hot loop compares ints. */
export const enum ValueType {
  None = 0,
  Float = 1,
}

/**
 * A pull iterator over one series' samples in timestamp order. `t` and `v`
 * hold the current sample and are overwritten by the next call: copy them
 * if you keep them.
 */
export interface SampleIterator {
  next(): ValueType;
  /** Advances to the first sample with timestamp >= t (staying put if already there). */
  seek(t: number): ValueType;
  readonly t: number;
  readonly v: number;
  /** Set when iteration stopped because of an error rather than exhaustion. */
  err(): Error | undefined;
  /**
   * Optional column access for readers that copy whole series (the PromQL
   * engine): moves past the next run of samples (at most one chunk) and
   * points `out` at it — `out.ts`/`out.vs` over [`out.start`, `out.end`),
   * arrays the iterator owns and overwrites on the next call. Returns false
   * at the end (then check `err()`). Use either this or `next()`/`seek()`
   * on one iterator, not both.
   */
  nextBatch?(out: SampleBatch): boolean;
}

/** A run of samples handed out by `SampleIterator.nextBatch`. */
export interface SampleBatch {
  ts: Float64Array;
  vs: Float64Array;
  start: number;
  end: number;
}

export interface Series {
  readonly labels: Labels;
  /** A fresh iterator over the samples within the querier's range. */
  iterator(): SampleIterator;
}

export interface Querier {
  /** Series matching all matchers, sorted by labels. */
  select(hints: SelectHints, matchers: readonly Matcher[]): Series[];
  /** Sorted label names of the series matching the matchers (all series when none). */
  labelNames(matchers: readonly Matcher[]): string[];
  /** Sorted values of `name` among the series matching the matchers. */
  labelValues(name: string, matchers: readonly Matcher[]): string[];
  close(): void;
}

export interface Queryable {
  /** A querier over [mint, maxt] (ms, inclusive). */
  querier(mint: number, maxt: number): Querier;
}

export interface Storage extends Appendable, Queryable {
  /** Deletes the samples of matching series within [mint, maxt]. */
  deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void>;
  close(): Promise<void>;
}
