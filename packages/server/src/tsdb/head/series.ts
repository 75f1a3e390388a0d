/**
 * One series in the head: its labels, its closed XOR chunks, the open chunk
 * being appended to, and a small sorted buffer for out-of-order samples.
 */
import type { Labels } from '../../model/labels.js';
import type { SampleIterator } from '../../storage/interface.js';
import { BlockChunkIterator, decodeBlockChunk, encodeBlockChunk } from '../chunkenc/block.js';
import { DOUBLE_ZERO } from '../chunkenc/bstream.js';
import { SampleBuffers } from '../chunkenc/samples.js';
import { XorChunk, XorIterator, decodeXorChunk } from '../chunkenc/xor.js';

export const enum ChunkEncoding {
  Xor = 0,
  Block = 1,
}

/** An immutable head chunk. */
export interface ClosedChunk {
  mint: number;
  maxt: number;
  n: number;
  enc: ChunkEncoding;
  bytes: Uint8Array;
}

/** A fresh iterator over a head chunk of either encoding. */
export function chunkIterator(c: ClosedChunk): SampleIterator {
  return c.enc === ChunkEncoding.Xor ? new XorIterator().reset(c.bytes) : new BlockChunkIterator(c.n).reset(c.bytes);
}

/** Decodes a head chunk of either encoding into `buf`; at most the `n` samples the chunk had when it was captured. */
export function decodeHeadChunk(c: ClosedChunk, buf: SampleBuffers): number {
  const n = c.enc === ChunkEncoding.Xor ? decodeXorChunk(c.bytes, buf) : decodeBlockChunk(c.bytes, buf);
  return n < c.n ? n : c.n;
}

/**
 * Samples per open (XOR, appendable) chunk before it is cut. A cut chunk is
 * re-encoded with the block encoding (decimal mantissas, delta-of-delta
 * timestamps), which takes several times less memory than XOR on real
 * metric values; the open chunk stays small because XOR is the expensive one.
 */
export const SAMPLES_PER_CHUNK = 120;

const scratch = new SampleBuffers(SAMPLES_PER_CHUNK);

export class MemSeries {
  readonly ref: number;
  readonly labels: Labels;
  closed: ClosedChunk[] = [];
  open: XorChunk | null = null;
  openMint = DOUBLE_ZERO;
  /** End (exclusive) of the block range the open chunk belongs to. */
  openRangeEnd = DOUBLE_ZERO;
  /** Newest in-order timestamp and its value (for duplicate checks). */
  maxT = -Infinity;
  lastV = DOUBLE_ZERO;
  /** Out-of-order samples, sorted by timestamp, not yet in a block. */
  oooT: Float64Array | null = null;
  oooV: Float64Array | null = null;
  oooN = 0;
  /** Last head append time in ms (for garbage collection of idle series). */
  lastAppend = DOUBLE_ZERO;

  constructor(ref: number, labels: Labels) {
    this.ref = ref;
    this.labels = labels;
  }

  get minTime(): number {
    let m = Infinity;
    if (this.closed.length) m = this.closed[0].mint;
    else if (this.open && this.open.numSamples > 0) m = this.openMint;
    if (this.oooN > 0 && this.oooT![0] < m) m = this.oooT![0];
    return m;
  }

  get maxTime(): number {
    let m = this.maxT;
    if (this.oooN > 0 && this.oooT![this.oooN - 1] > m) m = this.oooT![this.oooN - 1];
    return m;
  }

  hasData(): boolean {
    return this.closed.length > 0 || (this.open !== null && this.open.numSamples > 0) || this.oooN > 0;
  }

  /** Appends an in-order sample (t > maxT), cutting a chunk at the size limit or the block boundary. */
  appendInOrder(t: number, v: number, blockRange: number): boolean {
    let created = false;
    if (this.open === null || this.open.numSamples >= SAMPLES_PER_CHUNK || t >= this.openRangeEnd) {
      this.cutOpen();
      this.open = new XorChunk();
      this.openMint = t;
      this.openRangeEnd = (Math.floor(t / blockRange) + 1) * blockRange;
      created = true;
    }
    this.open.append(t, v);
    this.maxT = t;
    this.lastV = v;
    return created;
  }

  /**
   * Closes the open chunk. It stays XOR (a trimmed copy) until `recode()`
   * re-encodes it, which the head does in the background, off the append path.
   */
  cutOpen(): void {
    const o = this.open;
    if (o === null) return;
    const n = o.numSamples;
    if (n > 0) this.closed.push({ mint: this.openMint, maxt: this.maxT, n, enc: ChunkEncoding.Xor, bytes: o.bytes().slice() });
    this.open = null;
  }

  /** Re-encodes closed XOR chunks with the compact block encoding; returns how many. */
  recode(): number {
    let k = 0;
    const closed = this.closed;
    for (let i = 0; i < closed.length; i++) {
      const c = closed[i];
      if (c.enc !== ChunkEncoding.Xor) continue;
      decodeXorChunk(c.bytes, scratch);
      // A new object: queriers holding the old one keep reading it unchanged.
      // Not deflated: queries read head chunks most, and inflating a chunk of
      // 120 samples costs several times its decoding for about 15 % less memory.
      const bytes = encodeBlockChunk(scratch.ts, scratch.vs, c.n, { compression: 'none' });
      closed[i] = { mint: c.mint, maxt: c.maxt, n: c.n, enc: ChunkEncoding.Block, bytes };
      k++;
    }
    return k;
  }

  /**
   * Inserts an out-of-order sample. Returns false (and changes nothing) when
   * a sample with this timestamp is already buffered.
   */
  insertOOO(t: number, v: number): boolean {
    if (this.oooT === null) {
      this.oooT = new Float64Array(4);
      this.oooV = new Float64Array(4);
    }
    let lo = 0;
    let hi = this.oooN;
    const ts = this.oooT;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.oooN && ts[lo] === t) return false;
    if (this.oooN === ts.length) {
      const nt = new Float64Array(ts.length * 2);
      const nv = new Float64Array(ts.length * 2);
      nt.set(ts);
      nv.set(this.oooV!);
      this.oooT = nt;
      this.oooV = nv;
    }
    this.oooT.copyWithin(lo + 1, lo, this.oooN);
    this.oooV!.copyWithin(lo + 1, lo, this.oooN);
    this.oooT[lo] = t;
    this.oooV![lo] = v;
    this.oooN++;
    return true;
  }

  /** Drops all data with timestamps < t (after those samples went into a block). */
  truncateBefore(t: number): void {
    if (this.open !== null && this.maxT < t) this.cutOpen();
    let k = 0;
    while (k < this.closed.length && this.closed[k].maxt < t) k++;
    if (k > 0) this.closed = this.closed.slice(k);
    if (this.oooN > 0) {
      let i = 0;
      while (i < this.oooN && this.oooT![i] < t) i++;
      if (i > 0) {
        this.oooT!.copyWithin(0, i, this.oooN);
        this.oooV!.copyWithin(0, i, this.oooN);
        this.oooN -= i;
      }
      if (this.oooN === 0) {
        this.oooT = this.oooV = null;
      }
    }
  }
}
