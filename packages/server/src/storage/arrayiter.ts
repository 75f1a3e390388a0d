import { ValueType, type SampleIterator } from './interface.js';

/**
 * Iterates parallel timestamp/value arrays, restricted to [mint, maxt].
 * `reset` points it at other arrays so one instance can be reused.
 */
export class ArraySampleIterator implements SampleIterator {
  t = 0;
  v = 0;
  #ts: ArrayLike<number> = [];
  #vs: ArrayLike<number> = [];
  #i = -1;
  #end = 0;

  constructor(ts?: ArrayLike<number>, vs?: ArrayLike<number>, n?: number, mint = -Infinity, maxt = Infinity) {
    if (ts && vs) this.reset(ts, vs, n ?? ts.length, mint, maxt);
  }

  reset(ts: ArrayLike<number>, vs: ArrayLike<number>, n: number, mint = -Infinity, maxt = Infinity): this {
    this.#ts = ts;
    this.#vs = vs;
    let lo = lowerBound(ts, n, mint);
    let hi = lowerBound(ts, n, maxt === Infinity ? Infinity : maxt + 1);
    this.#i = lo - 1;
    this.#end = hi;
    return this;
  }

  next(): ValueType {
    if (this.#i + 1 >= this.#end) {
      this.#i = this.#end;
      return ValueType.None;
    }
    this.#i++;
    this.t = this.#ts[this.#i];
    this.v = this.#vs[this.#i];
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#i >= 0 && this.#i < this.#end && this.t >= t) return ValueType.Float;
    let i = lowerBound(this.#ts, this.#end, t);
    if (i <= this.#i) i = this.#i + 1;
    if (i >= this.#end) {
      this.#i = this.#end;
      return ValueType.None;
    }
    this.#i = i;
    this.t = this.#ts[i];
    this.v = this.#vs[i];
    return ValueType.Float;
  }

  err(): Error | undefined {
    return undefined;
  }
}

/** First index in ts[0..n) with ts[i] >= t. */
export function lowerBound(ts: ArrayLike<number>, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
