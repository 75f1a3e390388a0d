import { compressSync } from 'snappy';
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
