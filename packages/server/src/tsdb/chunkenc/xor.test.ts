import { describe, expect, it } from 'vitest';
import { ValueType } from '../../storage/interface.js';
import { SampleBuffers } from './samples.js';
import { Rng, STALE_NAN } from './synth.js';
import { XorChunk, XorIterator, decodeXorChunk } from './xor.js';

const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);

/** A float's bit pattern as hex, so NaN payloads and -0 compare exactly. */
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
const SPECIAL = Float64Array.of(
  NaN,
  STALE_NAN,
  fromBits(0x7ff80000, 1), // quiet NaN with payload
  fromBits(0xfff00000, 0x12345), // negative signalling NaN
  Infinity,
  -Infinity,
  -0,
  0,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  Number.MAX_VALUE,
  1e-300,
  0.1 + 0.2,
  1,
  -1,
);

function build(ts: ArrayLike<number>, vs: ArrayLike<number>): XorChunk {
  const c = new XorChunk();
  for (let i = 0; i < ts.length; i++) c.append(ts[i], vs[i]);
  return c;
}

function expectSamples(it: XorIterator, ts: ArrayLike<number>, vs: ArrayLike<number>): void {
  const gotT: number[] = [];
  const gotV: string[] = [];
  while (it.next() === ValueType.Float) {
    gotT.push(it.t);
    gotV.push(bitsOf(it.v));
  }
  expect(it.err()).toBeUndefined();
  expect(gotT).toEqual(Array.from(ts));
  expect(gotV).toEqual(Array.from(vs, bitsOf));
}

describe('XorChunk', () => {
  it('is empty when new', () => {
    const c = new XorChunk();
    expect(c.numSamples).toBe(0);
    expect(c.bytes()).toEqual(new Uint8Array([0, 0]));
    const it = c.iterator();
    expect(it.next()).toBe(ValueType.None);
    expect(it.seek(0)).toBe(ValueType.None);
    expect(it.err()).toBeUndefined();
  });

  it('keeps the staleness marker signalling in the test data itself', () => {
    expect(bitsOf(SPECIAL[1])).toBe('7ff0000000000002');
    expect(bitsOf(STALE_NAN)).toBe('7ff0000000000002');
  });

  it('round-trips one sample with a negative timestamp', () => {
    const c = build([-123456789], Float64Array.of(STALE_NAN));
    expect(c.numSamples).toBe(1);
    expect(c.minTime).toBe(-123456789);
    expect(c.maxTime).toBe(-123456789);
    expectSamples(c.iterator(), [-123456789], Float64Array.of(STALE_NAN));
  });

  it('round-trips special floats bit-exactly in every order', () => {
    const rng = new Rng(1);
    for (let round = 0; round < 50; round++) {
      const vs = Float64Array.from({ length: 200 }, () => SPECIAL[rng.int(SPECIAL.length)]);
      const ts = Array.from(vs, (_, i) => -1_000_000 + i * 1000);
      expectSamples(build(ts, vs).iterator(), ts, vs);
    }
  });

  it('round-trips random bit patterns and irregular timestamps', () => {
    const rng = new Rng(2);
    for (let round = 0; round < 200; round++) {
      const n = 1 + rng.int(300);
      const ts: number[] = [];
      const vs = new Float64Array(n);
      let t = rng.int(2) === 0 ? -(2 ** 45) + rng.int(1e9) : 1.7e12 + rng.int(1e9);
      for (let i = 0; i < n; i++) {
        // Gaps from 1 ms to ~3 years, so every delta-of-delta bucket is hit.
        const scale = [1, 15_000, 1 << 14, 1 << 17, 1 << 20, 1e11][rng.int(6)];
        t += 1 + rng.int(scale);
        ts.push(t);
        const kind = rng.int(4);
        if (kind === 0) vs[i] = fromBits(rng.int(2 ** 32), rng.int(2 ** 32));
        else if (kind === 1) vs[i] = i > 0 ? vs[i - 1] : 0;
        else if (kind === 2) vs[i] = Math.round(rng.next() * 1e6) / 100;
        else vs[i] = SPECIAL[rng.int(SPECIAL.length)];
      }
      const c = build(ts, vs);
      expect(c.numSamples).toBe(n);
      expect(c.maxTime).toBe(ts[n - 1]);
      expectSamples(c.iterator(), ts, vs);
    }
  });

  it('encodes delta-of-delta bucket boundaries exactly', () => {
    const dods = [0, 1, -1, 8191, -8192, 8192, -8193, 65535, -65536, 65536, -65537, 524287, -524288, 524288, -524289, 2 ** 40, -(2 ** 40)];
    const ts = [0, 1_000_000_000_000];
    let delta = 1_000_000_000_000;
    for (const d of dods) {
      delta += d;
      ts.push(ts[ts.length - 1] + delta);
    }
    const vs = ts.map((_, i) => i);
    expectSamples(build(ts, vs).iterator(), ts, vs);
  });

  it('spends one bit per sample on a regular constant series', () => {
    const c = new XorChunk();
    for (let i = 0; i < 1000; i++) c.append(1.7e12 + i * 15_000, 42);
    // header + first sample (~16 bytes) + 2 bits per later sample.
    expect(c.size).toBeLessThan(2 + 16 + 1000 / 4 + 2);
  });

  it('reopens from bytes and keeps appending identically', () => {
    const rng = new Rng(3);
    const ts: number[] = [];
    const vs = new Float64Array(300);
    for (let i = 0; i < 300; i++) {
      ts.push(1000 * i + rng.int(3));
      vs[i] = i % 7 === 0 ? fromBits(rng.int(2 ** 32), rng.int(2 ** 32)) : i % 7 === 1 ? STALE_NAN : rng.int(100) / 10;
    }
    const whole = build(ts, vs);
    for (const cut of [1, 2, 3, 150, 299]) {
      const part = build(ts.slice(0, cut), vs.slice(0, cut));
      const reopened = XorChunk.fromBytes(part.bytes());
      expect(reopened.numSamples).toBe(cut);
      expect(reopened.minTime).toBe(ts[0]);
      expect(reopened.maxTime).toBe(ts[cut - 1]);
      for (let i = cut; i < ts.length; i++) reopened.append(ts[i], vs[i]);
      expect(reopened.bytes()).toEqual(whole.bytes());
    }
    expect(() => XorChunk.fromBytes(new Uint8Array([0]))).toThrow(/header/);
    expect(() => XorChunk.fromBytes(whole.bytes().subarray(0, 10))).toThrow(/truncated/);
  });

  it('refuses more than 65535 samples', () => {
    const c = new XorChunk();
    for (let i = 0; i < XorChunk.MAX_SAMPLES; i++) c.append(i, i);
    expect(() => c.append(1e9, 0)).toThrow(/maximum/);
    const buf = new SampleBuffers(1);
    expect(decodeXorChunk(c.bytes(), buf)).toBe(XorChunk.MAX_SAMPLES);
    expect(buf.ts[65534]).toBe(65534);
    expect(buf.vs[65534]).toBe(65534);
  });

  it('reads only the samples present when the iterator was reset', () => {
    const c = build([1, 2, 3], [1, 2, 3]);
    const it = c.iterator();
    c.append(4, 4);
    expectSamples(it, [1, 2, 3], [1, 2, 3]);
  });

  it('reports a truncated chunk through err()', () => {
    const ts = Array.from({ length: 50 }, (_, i) => i * 1000);
    const vs = Float64Array.from(ts, (_, i) => fromBits(i * 7919, i * 104729));
    const bytes = build(ts, vs).bytes();
    const it = new XorIterator().reset(bytes.subarray(0, bytes.length >> 1));
    let n = 0;
    while (it.next() === ValueType.Float) n++;
    expect(n).toBeLessThan(50);
    expect(it.err()?.message).toMatch(/cannot read XOR chunk/);
    expect(it.seek(0)).toBe(ValueType.None);
    expect(new XorIterator().reset(new Uint8Array(1)).err()).toBeDefined();
  });
});

describe('XorIterator.seek', () => {
  const ts = [10, 20, 30, 40];
  const vs = [1, 2, 3, 4];
  const c = build(ts, vs);

  it('finds the first sample at or after t', () => {
    const it = c.iterator();
    expect(it.seek(25)).toBe(ValueType.Float);
    expect([it.t, it.v]).toEqual([30, 3]);
    expect(it.seek(30)).toBe(ValueType.Float);
    expect(it.t).toBe(30);
    // Seeking backwards stays put.
    expect(it.seek(5)).toBe(ValueType.Float);
    expect(it.t).toBe(30);
    expect(it.next()).toBe(ValueType.Float);
    expect(it.t).toBe(40);
    expect(it.seek(41)).toBe(ValueType.None);
    expect(it.next()).toBe(ValueType.None);
    expect(it.seek(0)).toBe(ValueType.None);
  });

  it('seeks from the start, to an exact timestamp and past the end', () => {
    expect(c.iterator().seek(-1e15)).toBe(ValueType.Float);
    const it = c.iterator();
    expect(it.seek(10)).toBe(ValueType.Float);
    expect(it.t).toBe(10);
    expect(c.iterator().seek(1e15)).toBe(ValueType.None);
  });

  it('is reusable across chunks', () => {
    const it = new XorIterator();
    const other = build([100, 200], Float64Array.of(STALE_NAN, -0));
    for (let round = 0; round < 3; round++) {
      it.reset(c.bytes());
      expect(it.seek(35)).toBe(ValueType.Float);
      expect(it.t).toBe(40);
      expectSamples(c.iterator(it), ts, vs);
      expectSamples(other.iterator(it), [100, 200], Float64Array.of(STALE_NAN, -0));
    }
  });
});

describe('decodeXorChunk', () => {
  it('fills and grows the buffers', () => {
    const rng = new Rng(4);
    const ts = Array.from({ length: 1000 }, (_, i) => i * 15_000 - 7_000_000);
    const vs = Float64Array.from(ts, () => (rng.int(10) === 0 ? SPECIAL[rng.int(SPECIAL.length)] : rng.next()));
    const buf = new SampleBuffers(4);
    expect(decodeXorChunk(build(ts, vs).bytes(), buf)).toBe(1000);
    expect(buf.ts.length).toBeGreaterThanOrEqual(1000);
    expect(Array.from(buf.ts.subarray(0, 1000))).toEqual(ts);
    expect(Array.from(buf.vs.subarray(0, 1000), bitsOf)).toEqual(Array.from(vs, bitsOf));
    expect(decodeXorChunk(new XorChunk().bytes(), buf)).toBe(0);
  });

  it('decodes what the iterator reads, for every timestamp delta-of-delta bucket', () => {
    const rng = new Rng(9);
    const ts: number[] = [];
    let t = -1_000_000;
    for (let i = 0; i < 2000; i++) {
      // Gaps from regular to 2^40 ms, so every dod width is written.
      t += [15_000, 15_000 + rng.int(3), 1 + rng.int(1 << 13), rng.int(1 << 16), rng.int(1 << 19), rng.int(2 ** 40)][rng.int(6)] + 1;
      ts.push(t);
    }
    const vs = Float64Array.from(ts, (_, i) => (i % 7 === 0 ? SPECIAL[rng.int(SPECIAL.length)] : i % 3 === 0 ? i : rng.next() * 10 ** rng.int(12)));
    const c = build(ts, vs);
    const buf = new SampleBuffers(1);
    expect(decodeXorChunk(c.bytes(), buf)).toBe(ts.length);
    const it = new XorIterator().reset(c.bytes());
    const its: number[] = [];
    const ivs: string[] = [];
    while (it.next() !== ValueType.None) {
      its.push(it.t);
      ivs.push(bitsOf(it.v));
    }
    expect(Array.from(buf.ts.subarray(0, ts.length))).toEqual(its);
    expect(Array.from(buf.vs.subarray(0, ts.length), bitsOf)).toEqual(ivs);
    expect(its).toEqual(ts);
  });

  it('throws on a truncated or headerless chunk', () => {
    const c = build([1, 2, 3, 4, 5], Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5));
    const buf = new SampleBuffers(1);
    expect(() => decodeXorChunk(c.bytes().subarray(0, c.bytes().length - 4), buf)).toThrow(/cannot read XOR chunk: truncated/);
    expect(() => decodeXorChunk(Uint8Array.of(0), buf)).toThrow(/cannot read XOR chunk: shorter than its header/);
  });
});
