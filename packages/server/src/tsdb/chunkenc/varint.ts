/**
 * Byte-level primitives shared by the chunk encodings: a growable byte
 * writer, LEB128 varints, zigzag for signed values, and a cursor-based reader.
 *
 * Values are JS numbers holding integers of up to 2^53 in magnitude: the
 * common case (< 2^31) takes the bitwise fast path, larger values fall back
 * to arithmetic so nothing is truncated to 32 bits.
 */


/** Appends bytes to a buffer that grows geometrically; reuse it with `reset()`. */
export class ByteWriter {
  buf: Uint8Array;
  len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  reset(): void {
    this.len = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    if (this.len >= this.buf.length) this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint of a non-negative integer < 2^53. */
  uvarint(x: number): void {
    if (this.len + 8 > this.buf.length) this.ensure(8);
    const b = this.buf;
    let p = this.len;
    if (x < 0x80000000) {
      while (x >= 0x80) {
        b[p++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      b[p++] = x;
    } else {
      while (x >= 0x80) {
        b[p++] = (x % 128) | 0x80;
        x = Math.floor(x / 128);
      }
      b[p++] = x;
    }
    this.len = p;
  }

  /** Signed varint (zigzag) of an integer with |x| < 2^52. */
  varint(x: number): void {
    this.uvarint(zigzag(x));
  }

  /** The 8 bytes of a float64 bit pattern, little-endian. */
  float64Bits(lo: number, hi: number): void {
    this.ensure(8);
    const b = this.buf;
    const p = this.len;
    b[p] = lo;
    b[p + 1] = lo >>> 8;
    b[p + 2] = lo >>> 16;
    b[p + 3] = lo >>> 24;
    b[p + 4] = hi;
    b[p + 5] = hi >>> 8;
    b[p + 6] = hi >>> 16;
    b[p + 7] = hi >>> 24;
    this.len = p + 8;
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.buf.set(src, this.len);
    this.len += src.length;
  }

  /** A copy of the written bytes, safe to keep after the writer is reused. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Maps signed to unsigned so small magnitudes get short varints: 0,-1,1,-2 → 0,1,2,3. */
export function zigzag(x: number): number {
  if (x >= -0x40000000 && x < 0x40000000) return ((x << 1) ^ (x >> 31)) >>> 0;
  return x < 0 ? -2 * x - 1 : 2 * x;
}

export function unzigzag(u: number): number {
  if (u < 0x80000000) return (u >>> 1) ^ -(u & 1);
  return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
}

/** Encoded length of `uvarint(x)` in bytes. */
export function uvarintLen(x: number): number {
  if (x < 0x80) return 1;
  if (x < 0x4000) return 2;
  if (x < 0x200000) return 3;
  if (x < 0x10000000) return 4;
  let n = 4;
  x = Math.floor(x / 0x10000000);
  while (x > 0) {
    n++;
    x = Math.floor(x / 128);
  }
  return n;
}

/** Reads varints from a byte array at a cursor; `pos` advances. */
export class ByteReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;

  reset(buf: Uint8Array, pos = 0, end = buf.length): this {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    return this;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error('cannot read byte: unexpected end of chunk');
    return this.buf[this.pos++];
  }

  uvarint(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) throw new Error('cannot read varint: unexpected end of chunk');
    let c = b[p++];
    if (c < 0x80) {
      this.pos = p;
      return c;
    }
    let x = c & 0x7f;
    let shift = 7;
    // Bitwise while the result stays below 2^28, arithmetic beyond.
    while (shift < 28) {
      if (p >= end) throw new Error('cannot read varint: unexpected end of chunk');
      c = b[p++];
      x |= (c & 0x7f) << shift;
      if (c < 0x80) {
        this.pos = p;
        return x;
      }
      shift += 7;
    }
    let mul = 268435456; // 2^28
    for (;;) {
      if (p >= end) throw new Error('cannot read varint: unexpected end of chunk');
      if (mul > 2 ** 49) throw new Error('cannot read varint: value exceeds 2^53');
      c = b[p++];
      x += (c & 0x7f) * mul;
      if (c < 0x80) {
        this.pos = p;
        return x;
      }
      mul *= 128;
    }
  }

  varint(): number {
    return unzigzag(this.uvarint());
  }

  /** Reads 8 little-endian bytes into `out[0]` (low word) and `out[1]` (high word). */
  float64Bits(out: Uint32Array): void {
    const p = this.pos;
    if (p + 8 > this.end) throw new Error('cannot read float64: unexpected end of chunk');
    const b = this.buf;
    out[0] = b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
    out[1] = b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24);
    this.pos = p + 8;
  }
}

