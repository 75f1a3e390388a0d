/**
 * The shapes of function implementations that the family files register
 * into the catalogue with `implement()`, and the engine calls.
 *
 * - `elementwise`: a float function applied to every present point of its
 *   first (vector) argument; the other arguments are scalars, given per step.
 * - `range`: a function of the samples of one series inside one window of a
 *   range-vector argument (`rate`, `*_over_time`, ...), called per series
 *   and step with a reused {@link RangeWindow}; returns undefined for "no
 *   output at this step".
 * - `custom`: anything that needs whole vectors or series sets (`sort`,
 *   `label_replace`, `histogram_quantile`, `absent`, ...), given the
 *   evaluator.
 */
import type { Labels } from '../../model/labels.js';
import type { Call, PositionRange } from '../parser/index.js';
import type { Evaluator } from '../engine/evaluator.js';
import type { Value } from '../engine/value.js';

export interface RangeWindow {
  /** Sample columns of the current series; the window is [lo, hi). Stale markers are already removed. */
  ts: Float64Array;
  vs: Float64Array;
  /** Samples in `ts`/`vs` (the arrays may be longer). */
  n: number;
  lo: number;
  hi: number;
  /** The window is (rangeStart, rangeEnd], after offset and `@`. */
  rangeStart: number;
  rangeEnd: number;
  /** The step's evaluation time (before offset and `@`). */
  evalT: number;
  /** Scalar arguments at this step, in argument order, the range vector left out. */
  args: Float64Array;
  labels: Labels;
  call: Call;
  /** Adds a warning or info about the call. */
  annotate(kind: 'warn' | 'info', message: string, position: PositionRange): void;
  /**
   * With `anchored`/`smoothed` the window holds samples beyond the range
   * (the last sample before it and, for smoothed, the first after it);
   * functions then use them to interpolate the range's edges.
   */
  anchored: boolean;
  smoothed: boolean;
}

/** Returns undefined to drop the point (e.g. `clamp` with min > max). */
export type ElementwiseFn = (v: number, args: Float64Array, t: number) => number | undefined;
export type RangeFn = (w: RangeWindow) => number | undefined;
/**
 * Called once per series, before `fn` is called for its steps, with
 * `ts`/`vs`/`n`/`labels` set: work shared by all of a series' windows
 * (e.g. where the counter resets are) is done here once.
 */
export type RangePrepareFn = (w: RangeWindow) => void;
/**
 * Optional: `fn` over every step of one series in one call, for the
 * hottest functions (`rate`): step i's window is samples [los[i], his[i])
 * of `w.ts`/`w.vs`, its range (ends[i] - range, ends[i]]. Writes `out[i]`
 * and sets `ok[i]` to 1 where there is a value; returns how many. Must give
 * exactly what `fn` gives; used only for functions without scalar
 * arguments, after `prepare`.
 */
export type RangeStepsFn = (w: RangeWindow, los: Int32Array, his: Int32Array, ends: Float64Array, range: number, out: Float64Array, ok: Uint8Array) => number;
export interface RangeImpl {
  kind: 'range';
  fn: RangeFn;
  prepare?: RangePrepareFn;
  steps?: RangeStepsFn;
}
export type CustomFn = (call: Call, ev: Evaluator) => Promise<Value>;

export type FunctionImpl =
  | { kind: 'elementwise'; fn: ElementwiseFn }
  | RangeImpl
  | { kind: 'custom'; fn: CustomFn };
