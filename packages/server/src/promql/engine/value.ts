/**
 * The engine's intermediate values, column-shaped. An instant-vector
 * expression evaluated over a query's steps is a list of {@link StepSeries}:
 * per series one Float64Array of values indexed by step and a presence mask
 * (a series may be absent at some steps). Range vectors (matrix selectors,
 * subqueries) are {@link RangeSeries}: sample timestamps and values.
 */
import type { Labels } from '../../model/labels.js';

export interface StepSeries {
  labels: Labels;
  /** Value per step; meaningful where `ok[i]` is 1. */
  vs: Float64Array;
  /** 1 where the series has a value at step i. */
  ok: Uint8Array;
  /**
   * The series is to lose `__name__` (and `__type__`/`__unit__`) at the end
   * of evaluation (delayed name removal); always false otherwise, where the
   * labels are dropped at once.
   */
  dropName: boolean;
}

export interface RangeSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  dropName: boolean;
}

export type Value =
  | { kind: 'vector'; series: StepSeries[] }
  | { kind: 'scalar'; vs: Float64Array }
  | { kind: 'string'; s: string }
  | { kind: 'matrix'; series: RangeSeries[] };

export type VectorValue = Extract<Value, { kind: 'vector' }>;
export type ScalarValue = Extract<Value, { kind: 'scalar' }>;
export type MatrixValue = Extract<Value, { kind: 'matrix' }>;

export function newStepSeries(labels: Labels, steps: number, dropName = false): StepSeries {
  return { labels, vs: new Float64Array(steps), ok: new Uint8Array(steps), dropName };
}

/** Points present in a vector value. */
export function countPoints(series: readonly StepSeries[]): number {
  let n = 0;
  for (const s of series) {
    const ok = s.ok;
    for (let i = 0; i < ok.length; i++) n += ok[i];
  }
  return n;
}

export function sizeOf(v: Value): number {
  switch (v.kind) {
    case 'vector':
      return countPoints(v.series);
    case 'scalar':
      return v.vs.length;
    case 'matrix': {
      let n = 0;
      for (const s of v.series) n += s.n;
      return n;
    }
    case 'string':
      return 0;
  }
}

/** A growable pair of sample columns, reused across series. */
export class SampleBuffer {
  ts = new Float64Array(64);
  vs = new Float64Array(64);
  n = 0;

  /** Appends samples [start, end) of the columns `ts`/`vs`. */
  append(ts: Float64Array, vs: Float64Array, start: number, end: number): void {
    const n = this.n + end - start;
    if (n > this.ts.length) {
      let cap = this.ts.length * 2;
      while (cap < n) cap *= 2;
      const nts = new Float64Array(cap);
      const nvs = new Float64Array(cap);
      nts.set(this.ts.subarray(0, this.n));
      nvs.set(this.vs.subarray(0, this.n));
      this.ts = nts;
      this.vs = nvs;
    }
    // A loop rather than set(subarray()): no view objects for a run of ~120 samples.
    const dts = this.ts;
    const dvs = this.vs;
    for (let i = start, k = this.n; i < end; i++, k++) {
      dts[k] = ts[i];
      dvs[k] = vs[i];
    }
    this.n = n;
  }

  push(t: number, v: number): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2);
      const vs = new Float64Array(this.n * 2);
      ts.set(this.ts);
      vs.set(this.vs);
      this.ts = ts;
      this.vs = vs;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
  }
}
