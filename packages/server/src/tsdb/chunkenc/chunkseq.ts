/**
 * Iterates one series' chunks — in time order, not overlapping — within
 * [mint, maxt]. Each chunk is decoded whole, when first reached, into one
 * pair of columns that the iterator reuses for every chunk, and hands on to
 * the next iterator when it reaches the end: a query reading thousands of
 * series one after another allocates a few buffers, not one per chunk, and
 * pays one virtual call per sample instead of one per iterator layer.
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
  #buf: SampleBuffers | undefined;
  #ts: Float64Array = EMPTY;
  #vs: Float64Array = EMPTY;
  /** Next chunk to decode. */
  #nextChunk = 0;
  /** Index of the next sample in the decoded chunk, and its sample count. */
  #i = 0;
  #n = 0;
  /** Whether `t`/`v` hold a sample. */
  #current = false;
  #done = false;
  #err: Error | undefined = undefined;

  constructor(chunks: readonly C[], decode: ChunkDecoder<C>, mint: number, maxt: number) {
    this.#chunks = chunks;
    this.#decode = decode;
    this.#mint = mint;
    this.#maxt = maxt;
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
    const buf = (this.#buf ??= POOL.pop() ?? new SampleBuffers(128));
    let n: number;
    try {
      n = this.#decode(chunks[k], buf);
    } catch (e) {
      this.#err = e instanceof Error ? e : new Error(String(e));
      return false;
    }
    this.#ts = buf.ts;
    this.#vs = buf.vs;
    this.#n = n;
    this.#i = n > 0 && this.#ts[0] < t ? lowerBound(this.#ts, 0, n, t) : 0;
    return true;
  }

  #finish(): ValueType {
    this.#done = true;
    this.#current = false;
    // Nothing reads the buffer after the end: the next iterator may decode into it.
    if (this.#buf !== undefined && POOL.length < POOL_SIZE) POOL.push(this.#buf);
    this.#buf = undefined;
    this.#ts = this.#vs = EMPTY;
    this.#n = this.#i = 0;
    return ValueType.None;
  }
}

const EMPTY = new Float64Array(0);

/**
 * Buffers of finished iterators, for the next ones: a query reads series
 * one after another, so a few buffers serve thousands of series.
 */
const POOL: SampleBuffers[] = [];
const POOL_SIZE = 8;

/** First index in ts[lo..hi) with ts[i] >= t, or with `after`, ts[i] > t (hi when none). */
function lowerBound(ts: Float64Array, lo: number, hi: number, t: number, after = false): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid] < t || (after && ts[mid] === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
