import { compressSync, uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { SnappyError, snappyDecode, snappyHeader } from './snappy.js';

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function inputs(): Buffer[] {
  const r = rng(7);
  const out: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(100_000, 0x61)];
  // Random bytes (literals), repetitive text (copies, overlapping ones), and a mix with long literals.
  for (const size of [10, 100, 5_000, 70_000, 300_000]) {
    out.push(Buffer.from(Array.from({ length: size }, () => Math.floor(r() * 256))));
    let text = '';
    while (text.length < size) text += `node_cpu_seconds_total{cpu="${Math.floor(r() * 8)}",mode="idle"} ${r()}\n`;
    out.push(Buffer.from(text.slice(0, size)));
  }
  return out;
}

/**
 * A valid block of random elements (literals with 1–4-byte lengths, copies
 * with 1-, 2- and 4-byte offsets, offsets 1–80 and lengths 1–64 so that
 * overlapping and word-sized cases all occur), and what it inflates to,
 * built byte by byte as the format defines.
 */
function randomBlock(r: () => number, elements: number): { block: Buffer; expected: Buffer } {
  const out: number[] = [];
  const body: number[] = [];
  for (let e = 0; e < elements; e++) {
    if (out.length === 0 || r() < 0.3) {
      const len = r() < 0.9 ? 1 + Math.floor(r() * 20) : 61 + Math.floor(r() * 300);
      if (len <= 60) body.push((len - 1) << 2);
      else {
        // Length minus one in 1 or 2 bytes (tags 60, 61); 3 and 4 bytes (62, 63) too, for short lengths.
        const bytes = len - 1 < 256 && r() < 0.5 ? 1 : r() < 0.5 ? 2 : 3 + Math.floor(r() * 2);
        body.push((59 + bytes) << 2);
        for (let b = 0; b < bytes; b++) body.push(((len - 1) >>> (8 * b)) & 0xff);
      }
      for (let j = 0; j < len; j++) {
        const c = Math.floor(r() * 256);
        body.push(c);
        out.push(c);
      }
      continue;
    }
    const off = 1 + Math.floor(r() * Math.min(out.length, r() < 0.5 ? 20 : 80));
    const kind = r();
    let len: number;
    if (kind < 0.3 && off < 2048) {
      len = 4 + Math.floor(r() * 8);
      body.push(1 | ((len - 4) << 2) | ((off >>> 8) << 5), off & 0xff);
    } else if (kind < 0.8) {
      len = 1 + Math.floor(r() * 64);
      body.push(2 | ((len - 1) << 2), off & 0xff, off >>> 8);
    } else {
      len = 1 + Math.floor(r() * 64);
      body.push(3 | ((len - 1) << 2), off & 0xff, (off >>> 8) & 0xff, 0, 0);
    }
    for (let j = 0; j < len; j++) out.push(out[out.length - off]);
  }
  const header: number[] = [];
  for (let v = out.length; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      header.push(v);
      break;
    }
    header.push((v % 128) | 0x80);
  }
  return { block: Buffer.from([...header, ...body]), expected: Buffer.from(out) };
}

describe('snappyDecode', () => {
  it('inflates what the snappy package compresses, byte for byte', () => {
    const out = Buffer.alloc(1 << 20);
    for (const input of inputs()) {
      const packed = compressSync(input);
      expect(snappyHeader(packed).length).toBe(input.length);
      const n = snappyDecode(packed, out);
      expect(n).toBe(input.length);
      expect(Buffer.compare(out.subarray(0, n), input)).toBe(0);
    }
  });

  it('inflates blocks of every element kind: copies of any offset and length, overlapping or not, near the end or not', () => {
    const r = rng(5);
    for (let k = 0; k < 300; k++) {
      const { block, expected } = randomBlock(r, 1 + Math.floor(r() * 3000));
      if (k < 20) expect(Buffer.compare(uncompressSync(block) as Buffer, expected), 'the snappy package agrees with the generator').toBe(0);
      // Sentinels after the declared length: nothing is written past it.
      const out = Buffer.alloc(expected.length + 64, 0xa5);
      expect(snappyDecode(block, out)).toBe(expected.length);
      expect(Buffer.compare(out.subarray(0, expected.length), expected)).toBe(0);
      expect(out.subarray(expected.length).every((x) => x === 0xa5)).toBe(true);
    }
  });

  it('names what is wrong in a malformed block, and never reads or writes out of bounds', () => {
    expect(() => snappyDecode(Buffer.alloc(0), Buffer.alloc(10))).toThrow(/empty or truncated/);
    expect(() => snappyDecode(Buffer.from([0x05, 0x01, 0x00]), Buffer.alloc(10))).toThrow(/refers to offset 0/);
    expect(() => snappyDecode(Buffer.from([0x02, 0x08, 0x61]), Buffer.alloc(10))).toThrow(/literal of 3 bytes at byte 1 runs past/);
    expect(() => snappyDecode(Buffer.from([0x03, 0x00, 0x61]), Buffer.alloc(10))).toThrow(/holds 1 bytes, its header declares 3/);
    const r = rng(11);
    const valid = compressSync(Buffer.from('remote write '.repeat(500)));
    const out = Buffer.alloc(1 << 16);
    for (let k = 0; k < 5_000; k++) {
      const b = Buffer.from(valid);
      for (let m = 0; m < 1 + Math.floor(r() * 4); m++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const cut = r() < 0.3 ? b.subarray(0, Math.floor(r() * b.length)) : b;
      try {
        const n = snappyDecode(cut, out);
        expect(n).toBeLessThanOrEqual(out.length);
      } catch (err) {
        // A declared length beyond the output buffer is the caller's RangeError; anything else is a SnappyError.
        if (!(err instanceof SnappyError || err instanceof RangeError)) throw err;
      }
    }
  });
});
