import { describe, expect, it } from 'vitest';
import { ValueType } from '../../storage/interface.js';
import { BlockChunkIterator, blockChunkNumSamples, decodeBlockChunk, encodeBlockChunk, type BlockCompression } from './block.js';
import { SampleBuffers } from './samples.js';
import { NODE_EXPORTER_MIX, Rng, SERIES_KINDS, STALE_NAN, mixKind, synthSeries, type SeriesKind } from './synth.js';
import { XorChunk, decodeXorChunk } from './xor.js';

const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);

function bitsOf(v: number): string {
  F[0] = v;
  return W[1].toString(16).padStart(8, '0') + W[0].toString(16).padStart(8, '0');
}

function fromBits(hi: number, lo: number): number {
  W[1] = hi;
  W[0] = lo;
  return F[0];
}

// Typed arrays only: V8 quiets signalling NaNs (the staleness marker is one) stored in a plain Array.
const SPECIAL = Float64Array.of(NaN, STALE_NAN, fromBits(0xfff00000, 0x12345), Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE, 1e-300, 0.1 + 0.2, 2 ** 60, -(2 ** 53));
const COMPRESSIONS: BlockCompression[] = ['none', 'deflate', 'brotli', 'auto'];

/** Encodes, decodes and compares bit-exactly; returns the chunk. */
function roundTrip(ts: ArrayLike<number>, vs: ArrayLike<number>, compression: BlockCompression = 'deflate'): Uint8Array {
  const n = ts.length;
  const chunk = encodeBlockChunk(Float64Array.from(ts), Float64Array.from(vs), n, { compression });
  expect(blockChunkNumSamples(chunk)).toBe(n);
  const buf = new SampleBuffers(1);
  expect(decodeBlockChunk(chunk, buf)).toBe(n);
  expect(Array.from(buf.ts.subarray(0, n))).toEqual(Array.from(ts));
  expect(Array.from(buf.vs.subarray(0, n), bitsOf)).toEqual(Array.from(vs, bitsOf));
  return chunk;
}

const valueEncoding = (chunk: Uint8Array) => chunk[0] & 15;
const compressionOf = (chunk: Uint8Array) => chunk[0] >>> 6;

describe('encodeBlockChunk / decodeBlockChunk', () => {
  it('round-trips 0, 1 and 2 samples', () => {
    expect(roundTrip([], [])).toEqual(new Uint8Array([0, 0]));
    roundTrip([-5], Float64Array.of(STALE_NAN));
    roundTrip([7], [0.25]);
    roundTrip([-(2 ** 52), -(2 ** 52) + 1], [1.5, -0]);
    roundTrip([1, 2], Float64Array.of(STALE_NAN, STALE_NAN));
  });

  it('stores a constant series in a handful of bytes, whatever the value', () => {
    for (const v of Float64Array.of(1, NaN, STALE_NAN, -0, Infinity)) {
      const ts = Array.from({ length: 5000 }, (_, i) => 1.7e12 + i * 15_000);
      const chunk = roundTrip(ts, new Float64Array(ts.length).fill(v));
      expect(valueEncoding(chunk)).toBe(1);
      expect(chunk.length).toBeLessThan(24);
    }
  });

  it('stores decimals as mantissas, picking delta or delta-of-delta', () => {
    const ts = Array.from({ length: 400 }, (_, i) => i * 10_000);
    const counter = ts.map((_, i) => Math.round(i * i * 3.7) / 100);
    const gauge = ts.map((_, i) => [12.5, 12.75, 12.5, 13][i % 4]);
    expect(valueEncoding(roundTrip(ts, counter))).toBe(3);
    expect(valueEncoding(roundTrip(ts, gauge))).toBe(2);
    // A counter with a fixed rate needs no per-sample bytes at all.
    const steady = roundTrip(ts, ts.map((_, i) => 1000 + i * 0.25), 'none');
    expect(steady.length).toBeLessThan(20);
  });

  it('patches rare non-decimal values in as exceptions', () => {
    const rng = new Rng(5);
    const ts = Array.from({ length: 1000 }, (_, i) => i * 15_000);
    const vs = Float64Array.from(ts, (_, i) => (i % 100 === 99 ? SPECIAL[rng.int(SPECIAL.length)] : rng.int(1000) / 100));
    const chunk = roundTrip(ts, vs);
    expect(valueEncoding(chunk)).toBe(2);
    // A trailing staleness marker, as a series that stops gets one.
    vs[999] = STALE_NAN;
    vs[0] = NaN;
    expect(valueEncoding(roundTrip(ts, vs))).toBe(2);
  });

  it('falls back to XOR for values that are not short decimals', () => {
    const rng = new Rng(6);
    const ts = Array.from({ length: 500 }, (_, i) => i * 15_000);
    expect(valueEncoding(roundTrip(ts, ts.map(() => rng.next())))).toBe(4);
    expect(valueEncoding(roundTrip(ts, ts.map((_, i) => (i % 2 ? NaN : i))))).toBe(4);
    expect(valueEncoding(roundTrip(ts, ts.map((_, i) => (i % 2 ? 2 ** 60 + i * 2048 : i))))).toBe(4);
  });

  it('round-trips random bit patterns, special floats and irregular timestamps under every compression', () => {
    const rng = new Rng(7);
    for (let round = 0; round < 120; round++) {
      const n = 1 + rng.int(round % 10 === 0 ? 5000 : 200);
      const ts: number[] = [];
      const vs = new Float64Array(n);
      let t = rng.int(2) ? 1.7e12 : -(2 ** 50);
      let m = rng.int(1e6);
      const exp = 10 ** rng.int(6);
      const mode = rng.int(4);
      for (let i = 0; i < n; i++) {
        t += [15_000, 15_000 + rng.int(7) - 3, rng.int(1e6), 1 + rng.int(1e12)][rng.int(4)];
        ts.push(t);
        m += rng.int(1000) - (mode === 1 ? 500 : 0);
        const r = rng.int(100);
        if (mode === 0) vs[i] = fromBits(rng.int(2 ** 32), rng.int(2 ** 32));
        else if (r < 3) vs[i] = SPECIAL[rng.int(SPECIAL.length)];
        else if (mode === 3 && r < 30) vs[i] = fromBits(rng.int(2 ** 32), rng.int(2 ** 32));
        else vs[i] = m / exp;
      }
      roundTrip(ts, vs, COMPRESSIONS[round % COMPRESSIONS.length]);
    }
  });

  it('round-trips extreme decimals and every exponent', () => {
    const ts = Array.from({ length: 23 }, (_, i) => i);
    roundTrip(ts, ts.map((k) => Number(`1e-${k}`)));
    roundTrip(ts, ts.map((k) => 2 ** 49 - k));
    roundTrip(ts, ts.map((k) => -(2 ** 49) + k));
    roundTrip(ts, ts.map((k) => (k % 2 ? 1e21 : -1e-21)));
    roundTrip(ts, ts.map((k) => 123456789.12345 + k));
  });

  it('round-trips timestamps that repeat or go backwards', () => {
    roundTrip([5, 5, 5, 4, -100, 2 ** 40], [1, 2, 3, 4, 5, 6]);
  });

  it('rejects timestamps it cannot encode exactly', () => {
    const vs = new Float64Array(2);
    expect(() => encodeBlockChunk(Float64Array.of(0, 2 ** 51), vs, 2)).toThrow(/cannot encode block chunk/);
    expect(() => encodeBlockChunk(Float64Array.of(0.5), vs, 1)).toThrow(/cannot encode block chunk/);
    expect(() => encodeBlockChunk(Float64Array.of(0), vs, 2)).toThrow(/cannot encode block chunk/);
  });

  it('handles a million samples', () => {
    const n = 1_000_000;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ts[i] = 1.7e12 + i * 15_000;
      vs[i] = i % 1000 === 0 ? NaN : Math.floor(i / 3) / 4;
    }
    const chunk = encodeBlockChunk(ts, vs, n);
    expect(chunk.length / n).toBeLessThan(0.1);
    const buf = new SampleBuffers();
    expect(decodeBlockChunk(chunk, buf)).toBe(n);
    for (let i = 0; i < n; i++) {
      if (buf.ts[i] !== ts[i] || bitsOf(buf.vs[i]) !== bitsOf(vs[i])) throw new Error(`sample ${i} differs`);
    }
  });

  it('encodes only the first n samples of larger arrays', () => {
    const chunk = encodeBlockChunk(Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2, 3, 4), 2);
    const buf = new SampleBuffers();
    expect(decodeBlockChunk(chunk, buf)).toBe(2);
    expect(() => encodeBlockChunk(new Float64Array(2), new Float64Array(2), 3)).toThrow(/arrays hold 2/);
  });

  it('keeps the compressed form only when it is smaller', () => {
    const ts = Array.from({ length: 2000 }, (_, i) => i * 15_000);
    const noisy = new Rng(8);
    expect(compressionOf(roundTrip(ts, ts.map((_, i) => i + noisy.int(3))))).toBe(1);
    expect(compressionOf(roundTrip(ts.slice(0, 3), [1.5, 2, 7]))).toBe(0);
  });

  it('throws on corrupt chunks', () => {
    const buf = new SampleBuffers();
    const ts = Array.from({ length: 100 }, (_, i) => i * 15_000);
    const rng = new Rng(10);
    const chunk = roundTrip(ts, ts.map(() => rng.int(1000) / 10), 'none');
    expect(() => decodeBlockChunk(chunk.subarray(0, 1), buf)).toThrow(/cannot decode block chunk/);
    expect(() => decodeBlockChunk(chunk.subarray(0, 40), buf)).toThrow(/cannot read varint/);
    const deflated = roundTrip(ts, ts.map(() => rng.int(3) / 10));
    expect(() => decodeBlockChunk(deflated.subarray(0, deflated.length - 5), buf)).toThrow(/cannot decode block chunk/);
    const bad = chunk.slice();
    bad[0] = (bad[0] & 0xf0) | 9;
    expect(() => decodeBlockChunk(bad, buf)).toThrow(/unknown value encoding/);
  });
});

describe('merging head chunks into a block chunk', () => {
  it('decodes XOR chunks into the arrays the block encoder takes', () => {
    const rng = new Rng(9);
    const all = new SampleBuffers(16);
    const part = new SampleBuffers();
    const wantT: number[] = [];
    const wantV = new Float64Array(600);
    let n = 0;
    for (let c = 0; c < 5; c++) {
      const head = new XorChunk();
      for (let i = 0; i < 120; i++) {
        const t = (c * 120 + i) * 15_000;
        const v = rng.int(20) === 0 ? STALE_NAN : rng.int(500) / 100;
        head.append(t, v);
        wantT.push(t);
        wantV[c * 120 + i] = v;
      }
      const k = decodeXorChunk(head.bytes(), part);
      all.ensure(n + k);
      all.ts.set(part.ts.subarray(0, k), n);
      all.vs.set(part.vs.subarray(0, k), n);
      n += k;
    }
    expect(n).toBe(600);
    const chunk = encodeBlockChunk(all.ts, all.vs, n);
    const out = new SampleBuffers();
    expect(decodeBlockChunk(chunk, out)).toBe(600);
    expect(Array.from(out.ts.subarray(0, n))).toEqual(wantT);
    const gotBits = Array.from(out.vs.subarray(0, n), bitsOf);
    const wantBits = Array.from(wantV, bitsOf);
    expect(gotBits.map((b, i) => (b === wantBits[i] ? "" : `${i}:${b}/${wantBits[i]}`)).filter(Boolean)).toEqual([]);
  });
});

describe('BlockChunkIterator', () => {
  const ts = Float64Array.of(-30, -20, -10, 0, 10);
  const vs = Float64Array.of(1, STALE_NAN, 3, -0, 5);
  const chunk = encodeBlockChunk(ts, vs, 5);

  it('iterates bit-exactly and ends cleanly', () => {
    const it = new BlockChunkIterator(1).reset(chunk);
    expect(it.numSamples).toBe(5);
    const got: string[] = [];
    while (it.next() === ValueType.Float) got.push(`${it.t}:${bitsOf(it.v)}`);
    expect(got).toEqual(Array.from(ts, (t, i) => `${t}:${bitsOf(vs[i])}`));
    expect(it.next()).toBe(ValueType.None);
    expect(it.seek(-100)).toBe(ValueType.None);
    expect(it.err()).toBeUndefined();
  });

  it('seeks to the first sample at or after t, never backwards', () => {
    const it = new BlockChunkIterator().reset(chunk);
    expect(it.seek(-25)).toBe(ValueType.Float);
    expect(it.t).toBe(-20);
    expect(bitsOf(it.v)).toBe(bitsOf(STALE_NAN));
    expect(it.seek(-20)).toBe(ValueType.Float);
    expect(it.t).toBe(-20);
    expect(it.seek(-100)).toBe(ValueType.Float);
    expect(it.t).toBe(-20);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.t).toBe(-10);
    expect(it.seek(0)).toBe(ValueType.Float);
    expect(it.t).toBe(0);
    expect(it.seek(11)).toBe(ValueType.None);
    expect(new BlockChunkIterator().reset(chunk).seek(-1000)).toBe(ValueType.Float);
    const fresh = new BlockChunkIterator().reset(chunk);
    expect(fresh.seek(10)).toBe(ValueType.Float);
    expect(fresh.v).toBe(5);
    expect(fresh.next()).toBe(ValueType.None);
  });

  it('is reusable across chunks and over decoded arrays', () => {
    const it = new BlockChunkIterator();
    const other = encodeBlockChunk(Float64Array.of(100, 200, 300), Float64Array.of(0.5, 0.25, 0.125), 3);
    for (let round = 0; round < 3; round++) {
      it.reset(other);
      expect(it.seek(150)).toBe(ValueType.Float);
      expect([it.t, it.v]).toEqual([200, 0.25]);
      it.reset(chunk);
      expect(it.next()).toBe(ValueType.Float);
      expect(it.t).toBe(-30);
    }
    it.resetDecoded(ts, vs, 2);
    expect(it.seek(-10)).toBe(ValueType.None);
    it.reset(encodeBlockChunk(ts, vs, 0));
    expect(it.next()).toBe(ValueType.None);
  });

  it('reports a corrupt chunk through err()', () => {
    const it = new BlockChunkIterator().reset(chunk.subarray(0, 3));
    expect(it.next()).toBe(ValueType.None);
    expect(it.err()?.message).toMatch(/cannot/);
    it.reset(chunk);
    expect(it.err()).toBeUndefined();
  });
});

describe('sizes on node_exporter-like data', () => {
  const buf = new SampleBuffers();

  /** Bytes per sample of XOR (120-sample head chunks) and block encoding over `series` series. */
  function measure(kindOf: (i: number) => SeriesKind, series: number, slots: number, jitter: boolean): { xor: number; block: number } {
    let xorBytes = 0;
    let blockBytes = 0;
    let samples = 0;
    for (let s = 0; s < series; s++) {
      const n = synthSeries(kindOf(s), s, { start: 1.7e12, slots, interval: 15_000, jitter }, buf);
      samples += n;
      for (let i = 0; i < n; i += 120) {
        const c = new XorChunk();
        for (let j = i; j < Math.min(n, i + 120); j++) c.append(buf.ts[j], buf.vs[j]);
        xorBytes += c.size;
      }
      blockBytes += encodeBlockChunk(buf.ts, buf.vs, n).length;
    }
    return { xor: xorBytes / samples, block: blockBytes / samples };
  }

  it('beats XOR on every kind that is not full-precision float', () => {
    // Ceilings per kind with 24 h chunks of 15 s scrapes (5760 samples), exact timestamps.
    const ceilings: Record<SeriesKind, number> = {
      constant: 0.01,
      'counter-int': 0.4,
      'counter-dec': 0.55,
      'gauge-dec': 0.55,
      'gauge-bytes': 1.4,
      'gauge-float': 7,
      'start-stop': 0.5,
    };
    for (const kind of SERIES_KINDS) {
      const { xor, block } = measure(() => kind, 20, 5760, false);
      expect(block, kind).toBeLessThan(ceilings[kind]);
      expect(block, kind).toBeLessThan(kind === 'gauge-float' || kind === 'gauge-bytes' ? xor : xor / 2.5);
    }
  });

  it('stays under 0.8 bytes per sample on the mix', () => {
    const day = measure((i) => mixKind(NODE_EXPORTER_MIX, i), 300, 5760, false);
    expect(day.block).toBeLessThan(0.8);
    expect(day.xor / day.block).toBeGreaterThan(3);
    const twoHours = measure((i) => mixKind(NODE_EXPORTER_MIX, i), 1000, 480, false);
    expect(twoHours.block).toBeLessThan(0.85);
    // Jittered scrape timestamps cost about half a byte per sample more.
    const jittered = measure((i) => mixKind(NODE_EXPORTER_MIX, i), 300, 5760, true);
    expect(jittered.block).toBeLessThan(1.3);
    expect(jittered.xor / jittered.block).toBeGreaterThan(3);
  });
});
