/**
 * Iterates one series' chunks — in time order, not overlapping — within
 * [mint, maxt]. Each chunk is decoded whole, when first reached, into one
 * pair of columns that the iterator reuses for every chunk: a query reading
 * thousands of series allocates one buffer per series, not one per chunk,
 * and pays one virtual call per sample instead of one per iterator layer.
 * A chunk that ends before `mint` or before a `seek` target is skipped
 * without being decoded.
 */
import { ValueType, type SampleBatch, type SampleIterator } from '../../storage/interface.js';
import { SampleBuffers } from './samples.js';

/** What the iterator needs to know of a chunk before decoding it. */
export interface ChunkBounds {
  readonly maxt: number;
}

/** Decodes chunk `c` into `buf` (growing it as needed) and returns its sample count; throws when the chunk is corrupt. */
export type ChunkDecoder<C> = (c: C, buf: SampleBuffers) => number;

export class ChunkSeqIterator<C extends ChunkBounds> implements SampleIterator {
  t = 0;
  v = 0;
  readonly #chunks: readonly C[];
  readonly #decode: ChunkDecoder<C>;
  readonly #mint: number;
  readonly #maxt: number;
  readonly #buf: SampleBuffers;
  #ts: Float64Array;
  #vs: Float64Array;
  /** Next chunk to decode. */
  #nextChunk = 0;
  /** Index of the next sample in the decoded chunk, and its sample count. */
  #i = 0;
  #n = 0;
  /** Whether `t`/`v` hold a sample. */
  #current = false;
  #done = false;
  #err: Error | undefined = undefined;

  constructor(chunks: readonly C[], decode: ChunkDecoder<C>, mint: number, maxt: number, capacity = 128) {
    this.#chunks = chunks;
    this.#decode = decode;
    this.#mint = mint;
    this.#maxt = maxt;
    this.#buf = new SampleBuffers(capacity);
    this.#ts = this.#buf.ts;
    this.#vs = this.#buf.vs;
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    while (this.#i >= this.#n) {
      if (!this.#load(this.#mint)) return this.#finish();
    }
    const i = this.#i;
    const t = this.#ts[i];
    if (t > this.#maxt) return this.#finish();
    this.t = t;
    this.v = this.#vs[i];
    this.#i = i + 1;
    this.#current = true;
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#current && this.t >= t) return ValueType.Float;
    if (t < this.#mint) t = this.#mint;
    if (this.#i < this.#n && this.#ts[this.#n - 1] >= t) {
      this.#i = lowerBound(this.#ts, this.#i, this.#n, t);
    } else {
      this.#i = this.#n;
      if (!this.#load(t)) return this.#finish();
    }
    return this.next();
  }

  /** The rest of the current chunk, or the next chunk, up to maxt. */
  nextBatch(out: SampleBatch): boolean {
    if (this.#done) return false;
    while (this.#i >= this.#n) {
      if (!this.#load(this.#mint)) {
        this.#finish();
        return false;
      }
    }
    const i = this.#i;
    const n = this.#n;
    const ts = this.#ts;
    const end = ts[n - 1] <= this.#maxt ? n : lowerBound(ts, i, n, this.#maxt, true);
    if (end === i) {
      this.#finish();
      return false;
    }
    out.ts = ts;
    out.vs = this.#vs;
    out.start = i;
    out.end = end;
    this.#i = end;
    this.t = ts[end - 1];
    this.v = this.#vs[end - 1];
    this.#current = true;
    return true;
  }

  err(): Error | undefined {
    return this.#err;
  }

  /** Decodes the next chunk that may hold a sample >= t and points at that sample; false when no chunk is left or one is corrupt. */
  #load(t: number): boolean {
    const chunks = this.#chunks;
    let k = this.#nextChunk;
    while (k < chunks.length && chunks[k].maxt < t) k++;
    if (k >= chunks.length) {
      this.#nextChunk = k;
      return false;
    }
    this.#nextChunk = k + 1;
    let n: number;
    try {
      n = this.#decode(chunks[k], this.#buf);
    } catch (e) {
      this.#err = e instanceof Error ? e : new Error(String(e));
      return false;
    }
    this.#ts = this.#buf.ts;
    this.#vs = this.#buf.vs;
    this.#n = n;
    this.#i = n > 0 && this.#ts[0] < t ? lowerBound(this.#ts, 0, n, t) : 0;
    return true;
  }

  #finish(): ValueType {
    this.#done = true;
    this.#current = false;
    return ValueType.None;
  }
}

/** First index in ts[lo..hi) with ts[i] >= t, or with `after`, ts[i] > t (hi when none). */
function lowerBound(ts: Float64Array, lo: number, hi: number, t: number, after = false): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t || (after && ts[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
