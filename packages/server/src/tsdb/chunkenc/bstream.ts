/**
 * Bit streams (most significant bit first) for the XOR encodings, plus the
 * shared float64 ↔ 32-bit-word views used to get at a value's bit pattern
 * without allocating.
 */

/** Scratch views over one float64: `F64_WORDS[0]` is the low word, `[1]` the high word. */
export const F64 = new Float64Array(1);
export const F64_WORDS = new Uint32Array(F64.buffer);
/** The same words as signed 32-bit integers: small integers to V8, stored in an object without a heap-allocated box. */
export const F64_INTS = new Int32Array(F64.buffer);

/**
 * Zero as a double, the initial value of object fields that will hold
 * timestamps: V8 lays such a field out as a double from the start, instead
 * of as a small integer that the first millisecond timestamp (beyond the
 * small-integer range, 2^30 or 2^31 depending on the build) would widen,
 * changing the objects' layout and throwing away compiled code that uses
 * them. Values that always fit 32 bits are better kept as integers: V8
 * stores those in the object itself, a double field points to a box.
 */
export const DOUBLE_ZERO = -0;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // The word order of F64_WORDS assumes a little-endian host (every platform Node ships for).
  throw new Error('cannot use chunk encodings: big-endian hosts are not supported');
}

/** Number of trailing zero bits of a non-zero int32. */
export function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Writes bits into a byte buffer that grows geometrically. The byte at
 * `pos` holds the `used` high bits written so far; every byte after it is 0.
 */
export class BitWriter {
  buf: Uint8Array;
  pos: number;
  used = 0;

  /** `start` bytes at the front are left to the caller (a header). */
  constructor(capacity: number, start = 0) {
    this.buf = new Uint8Array(Math.max(capacity, start + 16));
    this.pos = start;
  }

  /** Resumes writing after `bitLen` bits of `bytes`, which are copied. */
  static resume(bytes: Uint8Array, bitLen: number, capacity: number): BitWriter {
    const w = new BitWriter(Math.max(capacity, bytes.length * 2));
    w.buf.set(bytes);
    w.pos = bitLen >>> 3;
    w.used = bitLen & 7;
    // Bits after the end must be zero because writes OR into the partial byte.
    w.buf[w.pos] &= (0xff00 >>> w.used) & 0xff;
    w.buf.fill(0, w.pos + 1);
    return w;
  }

  reset(start = 0): void {
    this.buf.fill(0, 0, this.pos + 1);
    this.pos = start;
    this.used = 0;
  }

  /** Makes sure `n` more bytes fit. Call before a burst of writes. */
  ensure(n: number): void {
    const need = this.pos + n + 1;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos + 1));
    this.buf = next;
  }

  /** Bytes written, counting a partial last byte. */
  get length(): number {
    return this.used === 0 ? this.pos : this.pos + 1;
  }

  get bitLength(): number {
    return this.pos * 8 + this.used;
  }

  writeBit(bit: number): void {
    if (bit !== 0) this.buf[this.pos] |= 0x80 >>> this.used;
    if (++this.used === 8) {
      this.used = 0;
      this.pos++;
    }
  }

  /**
   * Writes the low `n` bits of `v` (1 <= n <= 32). Bits of `v` above `n`
   * must be zero. The caller has called `ensure` for them.
   */
  writeBits(v: number, n: number): void {
    const b = this.buf;
    let p = this.pos;
    const free = 8 - this.used;
    if (n < free) {
      b[p] |= v << (free - n);
      this.used += n;
      return;
    }
    n -= free;
    b[p++] |= v >>> n;
    while (n >= 8) {
      n -= 8;
      b[p++] = v >>> n;
    }
    if (n > 0) b[p] = v << (8 - n);
    this.pos = p;
    this.used = n;
  }
}

/** Reads bits written by `BitWriter`. Reads past the end yield zeros; check `overrun`. */
export class BitReader {
  buf: Uint8Array = new Uint8Array(0);
  /** Absolute bit position. */
  pos = 0;
  endBits = 0;

  reset(buf: Uint8Array, startByte: number, endByte = buf.length): void {
    this.buf = buf;
    this.pos = startByte * 8;
    this.endBits = endByte * 8;
  }

  get overrun(): boolean {
    return this.pos > this.endBits;
  }

  readBit(): number {
    const p = this.pos;
    this.pos = p + 1;
    return (this.buf[p >>> 3] >>> (7 - (p & 7))) & 1;
  }

  /** Reads `n` bits (1 <= n <= 32) as an int32 (bit 31 set reads negative). */
  readBits(n: number): number {
    const b = this.buf;
    const p = this.pos;
    const i = p >>> 3;
    const off = p & 7;
    this.pos = p + n;
    const w = (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
    if (off + n <= 32) return (w << off) >>> (32 - n) | 0;
    return ((w << off) >>> (32 - n)) | (b[i + 4] >>> (40 - off - n));
  }
}
