/**
 * A protobuf wire-format reader for hand-written decoders on hot paths
 * (remote write, OTLP): no generated classes, no object per field. The
 * reader walks one buffer; a nested message is read by narrowing `end` and
 * restoring it afterwards:
 *
 * ```ts
 * const r = new ProtoReader(buf);
 * while (r.more()) {
 *   const tag = r.tag();
 *   if (tag === ((1 << 3) | WIRE_LEN)) { const outer = r.enter(); …read fields…; r.leave(outer); }
 *   else r.skip(tag);
 * }
 * ```
 *
 * Every read checks bounds and throws `ProtoError` naming the byte offset:
 * truncated and malformed input never reads past the buffer nor loops.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export class ProtoError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtoError';
    this.offset = offset;
  }
}

const TWO_32 = 2 ** 32;

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export class ProtoReader {
  buf: Buffer;
  pos: number;
  end: number;

  constructor(buf: Uint8Array = Buffer.alloc(0), pos = 0, end = buf.length) {
    this.buf = asBuffer(buf);
    this.pos = pos;
    this.end = end;
  }

  reset(buf: Uint8Array): void {
    this.buf = asBuffer(buf);
    this.pos = 0;
    this.end = buf.length;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** A field's tag (`field << 3 | wire type`); field 0 is invalid. */
  tag(): number {
    const at = this.pos;
    const t = this.uint32();
    if (t >>> 3 === 0) throw new ProtoError('invalid field number 0', at);
    return t;
  }

  /** A varint truncated to its low 32 bits, unsigned (uint32, enum, length, and int32 ≥ 0). */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    if (p >= this.end) throw new ProtoError('truncated varint', p);
    let c = b[p++];
    if (c < 0x80) {
      this.pos = p;
      return c;
    }
    let v = c & 0x7f;
    for (let shift = 7; ; shift += 7) {
      if (p >= this.end) throw new ProtoError('truncated varint', p);
      if (shift >= 70) throw new ProtoError('varint longer than 10 bytes', p);
      c = b[p++];
      if (shift < 32) v |= (c & 0x7f) << shift;
      if (c < 0x80) break;
    }
    this.pos = p;
    return v >>> 0;
  }

  /** An int64 varint as a number (two's complement; exact within ±2^53). */
  int64(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    let lo = 0;
    let hi = 0;
    let c = 0;
    let i = 0;
    for (; i < 4; i++) {
      if (p >= end) throw new ProtoError('truncated varint', p);
      c = b[p++];
      lo |= (c & 0x7f) << (7 * i);
      if (c < 0x80) {
        this.pos = p;
        return lo >>> 0;
      }
    }
    if (p >= end) throw new ProtoError('truncated varint', p);
    c = b[p++];
    lo |= (c & 0x0f) << 28;
    hi = (c & 0x7f) >>> 4;
    if (c >= 0x80) {
      for (i = 0; ; i++) {
        if (p >= end) throw new ProtoError('truncated varint', p);
        if (i >= 5) throw new ProtoError('varint longer than 10 bytes', p);
        c = b[p++];
        hi |= (c & 0x7f) << (7 * i + 3);
        if (c < 0x80) break;
      }
    }
    this.pos = p;
    if (hi & 0x80000000) {
      // Negative: -(~v + 1).
      const nlo = (~lo >>> 0) + 1;
      return -((~hi >>> 0) * TWO_32 + nlo);
    }
    return (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** A uint64 varint as a number (exact below 2^53). */
  uint64(): number {
    const v = this.int64();
    return v < 0 ? v + 2 ** 64 : v;
  }

  /** A sint64 (zigzag) varint. */
  sint64(): number {
    const v = this.uint64();
    // Zigzag: 2n → n, 2n+1 → -(n+1); done in floating point (exact below 2^53).
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  bool(): boolean {
    return this.int64() !== 0;
  }

  /** A fixed64 as a number (exact below 2^53). */
  fixed64(): number {
    const p = this.#need(8);
    const b = this.buf;
    const lo = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    const hi = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    return hi * TWO_32 + lo;
  }

  /** A signed fixed64 (sfixed64). */
  sfixed64(): number {
    const v = this.fixed64();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  /**
   * Copies a double's 8 bytes into element `index` of the Float64Array that
   * `dst` views as bytes, without passing through a JS number, so NaN
   * payloads (the staleness marker) keep their bits.
   */
  doubleInto(dst: Uint8Array, index: number): void {
    const p = this.#need(8);
    const b = this.buf;
    const o = index * 8;
    dst[o] = b[p];
    dst[o + 1] = b[p + 1];
    dst[o + 2] = b[p + 2];
    dst[o + 3] = b[p + 3];
    dst[o + 4] = b[p + 4];
    dst[o + 5] = b[p + 5];
    dst[o + 6] = b[p + 6];
    dst[o + 7] = b[p + 7];
  }

  double(): number {
    const p = this.#need(8);
    scratchBytes.set(this.buf.subarray(p, p + 8));
    return scratch[0];
  }

  /** Reads a length prefix and returns the field's end; `pos` is then at its first byte. */
  len(): number {
    const at = this.pos;
    const n = this.uint32();
    const end = this.pos + n;
    if (end > this.end) throw new ProtoError(`length ${n} runs past the end of the enclosing message`, at);
    return end;
  }

  /** Enters a length-delimited field: returns the outer `end` to pass to `leave`. */
  enter(): number {
    const end = this.len();
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Leaves a nested message (its unread rest is skipped). */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  /** A string field as text (UTF-8; invalid sequences become U+FFFD — check with `isUtf8` where it matters). */
  string(): string {
    const end = this.len();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  /** Skips a field of the given tag's wire type. */
  skip(tag: number): void {
    const at = this.pos;
    switch (tag & 7) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_I64:
        this.#need(8);
        return;
      case WIRE_LEN:
        this.pos = this.len();
        return;
      case WIRE_I32:
        this.#need(4);
        return;
      default:
        throw new ProtoError(`unsupported wire type ${tag & 7} (field ${tag >>> 3})`, at);
    }
  }

  /** Reserves n bytes: returns their start and advances past them. */
  #need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) throw new ProtoError(`truncated ${n}-byte field`, p);
    this.pos = p + n;
    return p;
  }
}

const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/** A wire-type mismatch for a known field. */
export function wrongWireType(message: string, tag: number, offset: number): ProtoError {
  return new ProtoError(`${message} field ${tag >>> 3} has wire type ${tag & 7}`, offset);
}
