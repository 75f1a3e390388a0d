import { describe, expect, it } from 'vitest';
import { ValueType, type SampleBatch, type SampleIterator } from '../../storage/interface.js';
import { decodeBlockChunk, encodeBlockChunk } from './block.js';
import { ChunkSeqIterator } from './chunkseq.js';
import type { SampleBuffers } from './samples.js';

interface TestChunk {
  maxt: number;
  bytes: Uint8Array;
}

/** Chunks of `sizes` samples each, timestamps 10, 20, 30, ... and values t/10 + 0.5. */
function chunksOf(sizes: number[]): { chunks: TestChunk[]; ts: number[]; vs: number[] } {
  const chunks: TestChunk[] = [];
  const ts: number[] = [];
  const vs: number[] = [];
  let t = 10;
  for (const size of sizes) {
    const cts = new Float64Array(size);
    const cvs = new Float64Array(size);
    for (let i = 0; i < size; i++, t += 10) {
      cts[i] = t;
      cvs[i] = t / 10 + 0.5;
      ts.push(t);
      vs.push(t / 10 + 0.5);
    }
    chunks.push({ maxt: size > 0 ? cts[size - 1] : -Infinity, bytes: encodeBlockChunk(cts, cvs, size) });
  }
  return { chunks, ts, vs };
}

function counting(): { decode: (c: TestChunk, buf: SampleBuffers) => number; decoded: () => number } {
  let n = 0;
  return {
    decode: (c, buf) => {
      n++;
      return decodeBlockChunk(c.bytes, buf);
    },
    decoded: () => n,
  };
}

/** The model: an iterator over the samples in [mint, maxt], written the plain way. */
class Model implements SampleIterator {
  t = 0;
  v = 0;
  #i = -1;
  #current = false;
  readonly #ts: number[];
  readonly #vs: number[];

  constructor(ts: number[], vs: number[], mint: number, maxt: number) {
    const keep = ts.map((t, i) => i).filter((i) => ts[i] >= mint && ts[i] <= maxt);
    this.#ts = keep.map((i) => ts[i]);
    this.#vs = keep.map((i) => vs[i]);
  }

  next(): ValueType {
    this.#i++;
    this.#current = this.#i < this.#ts.length;
    if (!this.#current) {
      this.#i = this.#ts.length;
      return ValueType.None;
    }
    this.t = this.#ts[this.#i];
    this.v = this.#vs[this.#i];
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#current && this.t >= t) return ValueType.Float;
    while (this.next() !== ValueType.None) if (this.t >= t) return ValueType.Float;
    return ValueType.None;
  }

  err(): Error | undefined {
    return undefined;
  }
}

/** Runs the same operations on two iterators; `ops` are 'n' (next) or a seek target. */
function sameAs(a: SampleIterator, b: SampleIterator, ops: Array<'n' | number>): void {
  for (const op of ops) {
    const ra = op === 'n' ? a.next() : a.seek(op);
    const rb = op === 'n' ? b.next() : b.seek(op);
    expect([op, ra]).toEqual([op, rb]);
    if (ra !== ValueType.None) expect([a.t, a.v]).toEqual([b.t, b.v]);
  }
}

describe('ChunkSeqIterator', () => {
  it('reads every sample of every chunk in order, with empty chunks in between', () => {
    const { chunks, ts, vs } = chunksOf([3, 0, 5, 1]);
    const it = new ChunkSeqIterator(chunks, counting().decode, -Infinity, Infinity);
    const got: number[][] = [];
    while (it.next() !== ValueType.None) got.push([it.t, it.v]);
    expect(got).toEqual(ts.map((t, i) => [t, vs[i]]));
    expect(it.next()).toBe(ValueType.None);
    expect(it.err()).toBeUndefined();
  });

  it('keeps to [mint, maxt] and does not decode chunks before mint', () => {
    const { chunks, ts, vs } = chunksOf([4, 4, 4, 4]);
    const c = counting();
    const it = new ChunkSeqIterator(chunks, c.decode, 95, 130);
    const ref = new Model(ts, vs, 95, 130);
    sameAs(it, ref, ['n', 'n', 'n', 'n', 'n']);
    // Chunks 0 and 1 end at 40 and 80: skipped unread; the last chunk starts after maxt but is read to find that out.
    expect(c.decoded()).toBe(2);
  });

  it('seeks like an iterator over the concatenated samples', () => {
    const { chunks, ts, vs } = chunksOf([5, 5, 5, 5, 5]);
    const ops: Array<Array<'n' | number>> = [
      [30, 'n', 30, 35, 'n', 200, 'n'],
      [0, 'n', 'n', 95, 95, 'n', 151, 'n', 251, 'n'],
      ['n', 49, 50, 51, 'n', 'n', 'n', 240, 250, 'n'],
      [120, 10, 'n'],
      [1000, 'n', 10],
    ];
    for (const seq of ops) {
      for (const [mint, maxt] of [[-Infinity, Infinity], [25, 205], [60, 60]]) {
        const it = new ChunkSeqIterator(chunks, counting().decode, mint, maxt);
        const ref = new Model(ts, vs, mint, maxt);
        sameAs(it, ref, seq);
      }
    }
  });

  it('skips chunks a seek passes without decoding them', () => {
    const { chunks } = chunksOf([10, 10, 10, 10]);
    const c = counting();
    const it = new ChunkSeqIterator(chunks, c.decode, -Infinity, Infinity);
    expect(it.seek(305)).toBe(ValueType.Float);
    expect(it.t).toBe(310);
    expect(c.decoded()).toBe(1);
  });

  it('hands out the same samples in batches of at most a chunk', () => {
    const { chunks, ts, vs } = chunksOf([4, 0, 6, 5, 3]);
    for (const [mint, maxt] of [[-Infinity, Infinity], [25, 155], [40, 40], [45, 48], [1000, 2000]]) {
      const it = new ChunkSeqIterator(chunks, counting().decode, mint, maxt);
      const batch: SampleBatch = { ts: new Float64Array(0), vs: new Float64Array(0), start: 0, end: 0 };
      const got: number[][] = [];
      while (it.nextBatch(batch)) {
        expect(batch.end - batch.start).toBeGreaterThan(0);
        expect(batch.end - batch.start).toBeLessThanOrEqual(6);
        for (let i = batch.start; i < batch.end; i++) got.push([batch.ts[i], batch.vs[i]]);
      }
      const want = ts.map((t, i) => [t, vs[i]]).filter(([t]) => t >= mint && t <= maxt);
      expect([mint, maxt, got]).toEqual([mint, maxt, want]);
      expect(it.nextBatch(batch)).toBe(false);
      expect(it.err()).toBeUndefined();
    }
  });

  it('stops with err() set at a corrupt chunk', () => {
    const { chunks } = chunksOf([3, 3]);
    chunks[1] = { maxt: chunks[1].maxt, bytes: Uint8Array.of(0x12, 3, 0) };
    const it = new ChunkSeqIterator(chunks, counting().decode, -Infinity, Infinity);
    let n = 0;
    while (it.next() !== ValueType.None) n++;
    expect(n).toBe(3);
    expect(it.err()?.message).toMatch(/^cannot /);
    expect(it.next()).toBe(ValueType.None);
    const batched = new ChunkSeqIterator(chunks, counting().decode, -Infinity, Infinity);
    const batch: SampleBatch = { ts: new Float64Array(0), vs: new Float64Array(0), start: 0, end: 0 };
    expect(batched.nextBatch(batch)).toBe(true);
    expect(batched.nextBatch(batch)).toBe(false);
    expect(batched.err()?.message).toMatch(/^cannot /);
  });
});
