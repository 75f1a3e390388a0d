/**
 * The XOR chunk: the head's appendable in-memory encoding (Gorilla, as in
 * Prometheus). Timestamps are delta-of-delta encoded in variable-width
 * buckets, values are XORed with their predecessor and only the meaningful
 * bits are kept. Byte layout: docs/storage-format/chunks.md.
 */
import { ValueType, type SampleIterator } from '../../storage/interface.js';
import { BitReader, BitWriter, DOUBLE_ZERO, F64, F64_INTS, F64_WORDS, ctz32 } from './bstream.js';
import type { SampleBuffers } from './samples.js';

const FLOAT = ValueType.Float;
const NONE = ValueType.None;
const TWO32 = 4294967296;
/** Bytes before the bit stream: the big-endian sample count. */
const HEADER = 2;
/** No window set yet (both sides start in this state). */
const NO_WINDOW = 0xff;

/** Encodes values as XOR against the previous value; one instance per stream. */
export class XorValueEncoder {
  hi = 0;
  lo = 0;
  lead = NO_WINDOW;
  trail = 0;

  reset(): void {
    this.hi = 0;
    this.lo = 0;
    this.lead = NO_WINDOW;
    this.trail = 0;
  }

  /** The first value: its 64 bits verbatim. Needs 8 bytes of room. */
  first(w: BitWriter, hi: number, lo: number): void {
    w.writeBits(hi >>> 0, 32);
    w.writeBits(lo >>> 0, 32);
    this.hi = hi;
    this.lo = lo;
  }

  /** Every later value. Needs 10 bytes of room. */
  next(w: BitWriter, hi: number, lo: number): void {
    const xh = hi ^ this.hi;
    const xl = lo ^ this.lo;
    this.hi = hi;
    this.lo = lo;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      return;
    }
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (lead > 31) lead = 31;
    if (this.lead !== NO_WINDOW && lead >= this.lead && trail >= this.trail) {
      // '10': the meaningful bits fit the previous window.
      writeWindow(w, 2, 2, xh, xl, this.trail, 64 - this.lead - this.trail);
      return;
    }
    this.lead = lead;
    this.trail = trail;
    const sig = 64 - lead - trail;
    // '11', 5 bits of leading zeros, 6 bits of length (64 written as 0).
    writeWindow(w, (3 << 11) | (lead << 6) | (sig & 63), 13, xh, xl, trail, sig);
  }
}

/** `putWindow` into a `BitWriter` (whose bits after its position are zero, as `putWindow` needs). */
function writeWindow(w: BitWriter, ctl: number, ctlBits: number, xh: number, xl: number, trail: number, sig: number): void {
  const bp = putWindow(w.buf, w.pos * 8 + w.used, ctl, ctlBits, xh, xl, trail, sig);
  w.pos = bp >>> 3;
  w.used = bp & 7;
}

/** Decodes what `XorValueEncoder` wrote. `hi`/`lo` hold the current value's words. */
export class XorValueDecoder {
  hi = 0;
  lo = 0;
  lead = NO_WINDOW;
  trail = 0;

  first(r: BitReader): void {
    this.hi = r.readBits(32);
    this.lo = r.readBits(32);
    this.lead = NO_WINDOW;
    this.trail = 0;
  }

  /** Returns false on a corrupt window. */
  next(r: BitReader): boolean {
    if (r.readBit() === 0) return true;
    let sig: number;
    if (r.readBit() === 0) {
      if (this.lead === NO_WINDOW) return false;
      sig = 64 - this.lead - this.trail;
    } else {
      const x = r.readBits(11);
      this.lead = x >>> 6;
      sig = x & 63;
      if (sig === 0) sig = 64;
      const trail = 64 - this.lead - sig;
      if (trail < 0) return false;
      this.trail = trail;
    }
    let sh = 0;
    let sl: number;
    if (sig > 32) {
      sh = r.readBits(sig - 32);
      sl = r.readBits(32);
    } else {
      sl = r.readBits(sig);
    }
    const trail = this.trail;
    if (trail >= 32) {
      this.hi ^= sl << (trail - 32);
    } else if (trail === 0) {
      this.hi ^= sh;
      this.lo ^= sl;
    } else {
      this.hi ^= (sh << trail) | (sl >>> (32 - trail));
      this.lo ^= sl << trail;
    }
    return true;
  }
}

function readUvarintBits(r: BitReader): number {
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const c = r.readBits(8);
    x += (c & 0x7f) * mul;
    if (c < 0x80) return x;
    mul *= 128;
  }
  return NaN;
}

function zigzag(x: number): number {
  return x < 0 ? -2 * x - 1 : 2 * x;
}

function unzigzag(u: number): number {
  return u % 2 === 1 ? -(u + 1) / 2 : u / 2;
}

/**
 * An appendable XOR chunk. Holds at most `MAX_SAMPLES` samples; the head
 * cuts a new chunk long before that. Appends must be in increasing
 * timestamp order: the chunk does not check (the head rejects out-of-order
 * samples before they get here), and timestamp deltas must stay below 2^52.
 *
 * The head appends to one open chunk per series, each touched once per
 * scrape or push: the bit stream, the timestamp state and the value
 * encoder's window are fields of this one object (no bit-writer or encoder
 * objects to chase), and bits are written by plain functions over
 * (buffer, bit position). The buffer grows once to the size the chunk's
 * first samples predict for `expectedSamples`, not by repeated doubling:
 * each typed array bigger than 64 bytes is an allocation outside the V8
 * heap, costing microseconds.
 */
export class XorChunk {
  static readonly MAX_SAMPLES = 0xffff;

  #buf: Uint8Array;
  /** Bit position of the next write; every bit after it is 0. */
  #bp = HEADER * 8;
  #n = 0;
  #minT = DOUBLE_ZERO;
  #t = DOUBLE_ZERO;
  /** The last timestamp delta: an integer below 2^31 in practice (a chunk stays within one block range). */
  #delta = 0;
  /** The previous value's words (signed, see `F64_INTS`) and the current XOR window (`NO_WINDOW`: none yet). */
  #hi = 0;
  #lo = 0;
  #lead = NO_WINDOW;
  #trail = 0;
  readonly #expected: number;

  /**
   * `capacity`: initial buffer size in bytes. `expectedSamples`: how many
   * samples the chunk will probably get (the head's chunk size), to size
   * the buffer when it first fills; past it the buffer doubles.
   */
  constructor(capacity = 128, expectedSamples = 120) {
    this.#buf = new Uint8Array(Math.max(capacity, HEADER + 24));
    this.#expected = expectedSamples;
  }

  /**
   * Reopens a chunk from its bytes (a copy is taken) so that it can be read
   * and appended to. Throws if the bytes are not a valid XOR chunk.
   */
  static fromBytes(bytes: Uint8Array, capacity = 128): XorChunk {
    const n = bytes.length >= HEADER ? (bytes[0] << 8) | bytes[1] : -1;
    if (n < 0) throw new Error('cannot open XOR chunk: shorter than its header');
    const r = new BitReader();
    r.reset(bytes, HEADER);
    const dec = new XorValueDecoder();
    let t = 0;
    let delta = 0;
    let minT = 0;
    for (let i = 0; i < n; i++) {
      if (i === 0) {
        t = unzigzag(readUvarintBits(r));
        minT = t;
        dec.first(r);
      } else {
        if (i === 1) delta = unzigzag(readUvarintBits(r));
        else delta += readDod(r);
        t += delta;
        if (!dec.next(r)) throw new Error('cannot open XOR chunk: corrupt value window');
      }
    }
    if (r.overrun || Number.isNaN(t)) throw new Error('cannot open XOR chunk: truncated bit stream');
    const bitLen = r.pos;
    const byteLen = (bitLen + 7) >>> 3;
    const c = new XorChunk(Math.max(capacity, byteLen * 2, byteLen + 24));
    const b = c.#buf;
    b.set(bytes.subarray(0, byteLen));
    // Bits after the end must be zero: writes OR into the partial byte.
    if (bitLen & 7) b[bitLen >>> 3] &= (0xff00 >>> (bitLen & 7)) & 0xff;
    c.#bp = bitLen;
    c.#n = n;
    c.#minT = minT;
    c.#t = t;
    c.#delta = delta;
    c.#hi = dec.hi | 0;
    c.#lo = dec.lo | 0;
    c.#lead = dec.lead;
    c.#trail = dec.trail;
    return c;
  }

  get numSamples(): number {
    return this.#n;
  }

  /** Timestamp of the first sample; 0 when empty. */
  get minTime(): number {
    return this.#minT;
  }

  /** Timestamp of the last sample; 0 when empty. */
  get maxTime(): number {
    return this.#t;
  }

  /** The chunk's bytes: a view that later appends may overwrite or detach. */
  bytes(): Uint8Array {
    const b = this.#buf;
    // The sample count is written here rather than on every append (the
    // header's cache line is then not touched per sample).
    b[0] = this.#n >>> 8;
    b[1] = this.#n;
    return b.subarray(0, (this.#bp + 7) >>> 3);
  }

  /** Encoded size in bytes. */
  get size(): number {
    return (this.#bp + 7) >>> 3;
  }

  /** Size of the buffer holding the bytes (what the chunk costs in memory). */
  get capacity(): number {
    return this.#buf.length;
  }

  append(t: number, v: number): void {
    const n = this.#n;
    if (n >= XorChunk.MAX_SAMPLES) throw new Error('cannot append to XOR chunk: it holds the maximum of 65535 samples');
    let b = this.#buf;
    let bp = this.#bp;
    // Worst case per sample: 68 bits of timestamp + 77 of value.
    if ((bp >>> 3) + 21 > b.length) b = this.#grow();
    F64[0] = v;
    const hi = F64_INTS[1];
    const lo = F64_INTS[0];
    if (n === 0) {
      bp = putUvarint(b, bp, zigzag(t));
      bp = putBits(b, bp, hi >>> 0, 32);
      bp = putBits(b, bp, lo >>> 0, 32);
      this.#minT = t;
    } else {
      const delta = t - this.#t;
      bp = n === 1 ? putUvarint(b, bp, zigzag(delta)) : putDod(b, bp, delta - this.#delta);
      this.#delta = delta;
      const xh = hi ^ this.#hi;
      const xl = lo ^ this.#lo;
      if (xh === 0 && xl === 0) {
        // '0': the same value (the next byte's bits are already zero).
        bp++;
      } else {
        let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
        const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
        if (lead > 31) lead = 31;
        const pl = this.#lead;
        if (pl !== NO_WINDOW && lead >= pl && trail >= this.#trail) {
          // '10': the meaningful bits fit the previous window.
          bp = putWindow(b, bp, 2, 2, xh, xl, this.#trail, 64 - pl - this.#trail);
        } else {
          this.#lead = lead;
          this.#trail = trail;
          const sig = 64 - lead - trail;
          // '11', 5 bits of leading zeros, 6 bits of length (64 written as 0).
          bp = putWindow(b, bp, (3 << 11) | (lead << 6) | (sig & 63), 13, xh, xl, trail, sig);
        }
      }
    }
    this.#hi = hi;
    this.#lo = lo;
    this.#bp = bp;
    this.#t = t;
    this.#n = n + 1;
  }

  /** A bigger buffer: sized for `expectedSamples` at the rate so far (one growth, usually), else doubled. */
  #grow(): Uint8Array {
    const old = this.#buf;
    const used = (this.#bp + 7) >>> 3;
    const n = this.#n;
    let cap = old.length * 2;
    if (n > 0 && n < this.#expected) {
      const predicted = Math.ceil((((used - HEADER) / n) * this.#expected * 5) / 4) + HEADER + 32;
      if (predicted > used + 24) cap = predicted;
    }
    const b = new Uint8Array((cap + 15) & ~15);
    b.set(old.subarray(0, used));
    this.#buf = b;
    return b;
  }

  /** An iterator over the chunk as it is now; pass one to reuse it. */
  iterator(it?: XorIterator): XorIterator {
    return (it ?? new XorIterator()).reset(this.bytes());
  }
}

/**
 * Writes the low `n` bits of `v` (1 <= n <= 32; bits above `n` zero) at bit
 * position `bp` of `b`, whose bits from `bp` on are zero and which has room.
 * Returns the position after them.
 */
function putBits(b: Uint8Array, bp: number, v: number, n: number): number {
  const p = bp >>> 3;
  const total = (bp & 7) + n;
  if (total <= 32) {
    // v's bits placed right after the `used` bits of byte p, in one word.
    const w = v << (32 - total);
    b[p] |= w >>> 24;
    if (total > 8) {
      b[p + 1] = w >>> 16;
      if (total > 16) {
        b[p + 2] = w >>> 8;
        if (total > 24) b[p + 3] = w;
      }
    }
  } else {
    // 33 to 39 bits from the start of byte p: the low `k` bits of v go to byte p + 4.
    const k = total - 32;
    const w = v >>> k;
    b[p] |= w >>> 24;
    b[p + 1] = w >>> 16;
    b[p + 2] = w >>> 8;
    b[p + 3] = w;
    b[p + 4] = v << (8 - k);
  }
  return bp + n;
}

/**
 * The control bits `ctl` (`ctlBits` long), then bits [trail, trail+sig) of
 * the 64-bit word xh:xl (all bits above are zero), at bit position `bp`:
 * one write when they fit 32 bits together.
 */
function putWindow(b: Uint8Array, bp: number, ctl: number, ctlBits: number, xh: number, xl: number, trail: number, sig: number): number {
  let sh: number;
  let sl: number;
  if (trail >= 32) {
    sh = 0;
    sl = xh >>> (trail - 32);
  } else if (trail === 0) {
    sh = xh;
    sl = xl;
  } else {
    sl = (xl >>> trail) | (xh << (32 - trail));
    sh = xh >>> trail;
  }
  if (sig + ctlBits <= 32) return putBits(b, bp, (ctl << sig) | sl, sig + ctlBits);
  bp = putBits(b, bp, ctl, ctlBits);
  if (sig > 32) {
    bp = putBits(b, bp, sh, sig - 32);
    return putBits(b, bp, sl >>> 0, 32);
  }
  return putBits(b, bp, sl, sig);
}

/** An unsigned varint (as in protobuf, 7 bits per byte) at bit position `bp`. */
function putUvarint(b: Uint8Array, bp: number, x: number): number {
  while (x >= 0x80) {
    bp = putBits(b, bp, (x % 128) | 0x80, 8);
    x = Math.floor(x / 128);
  }
  return putBits(b, bp, x, 8);
}

function putDod(b: Uint8Array, bp: number, dod: number): number {
  if (dod === 0) return bp + 1;
  if (dod >= -8192 && dod < 8192) return putBits(b, bp, (0b10 << 14) | (dod & 0x3fff), 16);
  if (dod >= -65536 && dod < 65536) return putBits(b, bp, (0b110 << 17) | (dod & 0x1ffff), 20);
  if (dod >= -524288 && dod < 524288) return putBits(b, bp, (0b1110 << 20) | (dod & 0xfffff), 24);
  bp = putBits(b, bp, 0b1111, 4);
  const hi = Math.floor(dod / TWO32);
  bp = putBits(b, bp, hi >>> 0, 32);
  return putBits(b, bp, (dod - hi * TWO32) >>> 0, 32);
}

function readDod(r: BitReader): number {
  if (r.readBit() === 0) return 0;
  if (r.readBit() === 0) return (r.readBits(14) << 18) >> 18;
  if (r.readBit() === 0) return (r.readBits(17) << 15) >> 15;
  if (r.readBit() === 0) return (r.readBits(20) << 12) >> 12;
  const hi = r.readBits(32);
  return hi * TWO32 + (r.readBits(32) >>> 0);
}

/**
 * Iterates an XOR chunk's bytes. `reset` points it at another chunk, so one
 * instance serves many chunks. The bytes must not change while iterating
 * (appending to a head chunk is fine for samples already counted at reset).
 */
export class XorIterator implements SampleIterator {
  t = DOUBLE_ZERO;
  v = DOUBLE_ZERO;
  #r = new BitReader();
  #dec = new XorValueDecoder();
  #n = 0;
  #i = 0;
  #delta = DOUBLE_ZERO;
  #err: Error | undefined = undefined;

  reset(bytes: Uint8Array): this {
    this.#err = undefined;
    this.#i = 0;
    this.#delta = 0;
    this.t = 0;
    this.v = 0;
    if (bytes.length < HEADER) {
      this.#n = 0;
      this.#err = new Error('cannot read XOR chunk: shorter than its header');
      return this;
    }
    this.#n = (bytes[0] << 8) | bytes[1];
    this.#r.reset(bytes, HEADER);
    return this;
  }

  /** Samples in the chunk. */
  get numSamples(): number {
    return this.#n;
  }

  next(): ValueType {
    const i = this.#i;
    if (i >= this.#n) {
      this.#i = this.#n + 1;
      return NONE;
    }
    const r = this.#r;
    const dec = this.#dec;
    if (i >= 2) {
      this.#delta += readDod(r);
      this.t += this.#delta;
      if (!dec.next(r)) return this.#fail('corrupt value window');
    } else if (i === 0) {
      this.t = unzigzag(readUvarintBits(r));
      dec.first(r);
    } else {
      this.#delta = unzigzag(readUvarintBits(r));
      this.t += this.#delta;
      if (!dec.next(r)) return this.#fail('corrupt value window');
    }
    if (r.pos > r.endBits) return this.#fail('truncated bit stream');
    this.#i = i + 1;
    F64_WORDS[0] = dec.lo;
    F64_WORDS[1] = dec.hi;
    this.v = F64[0];
    return FLOAT;
  }

  seek(t: number): ValueType {
    const i = this.#i;
    if (i > this.#n) return NONE;
    if (i > 0 && this.t >= t) return FLOAT;
    for (;;) {
      if (this.next() === NONE) return NONE;
      if (this.t >= t) return FLOAT;
    }
  }

  err(): Error | undefined {
    return this.#err;
  }

  #fail(msg: string): ValueType {
    this.#err = new Error(`cannot read XOR chunk: ${msg}`);
    this.#i = this.#n + 1;
    return NONE;
  }
}

/**
 * Decodes a whole XOR chunk into `out` (grown if needed) and returns the
 * sample count. Throws on a corrupt chunk.
 */
export function decodeXorChunk(bytes: Uint8Array, out: SampleBuffers): number {
  // The iterator's steps in one loop, values written as words: no
  // per-sample call, no round trip of the value through a double.
  if (bytes.length < HEADER) throw new Error('cannot read XOR chunk: shorter than its header');
  const n = (bytes[0] << 8) | bytes[1];
  out.ensure(n);
  if (n === 0) return 0;
  const r = SCRATCH_READER;
  const dec = SCRATCH_DECODER;
  r.reset(bytes, HEADER);
  const ts = out.ts;
  const words = out.vsWords;
  let t = unzigzag(readUvarintBits(r));
  dec.first(r);
  ts[0] = t;
  words[0] = dec.lo;
  words[1] = dec.hi;
  let delta = 0;
  for (let i = 1; i < n; i++) {
    delta = i === 1 ? unzigzag(readUvarintBits(r)) : delta + readDod(r);
    t += delta;
    if (!dec.next(r)) throw new Error('cannot read XOR chunk: corrupt value window');
    ts[i] = t;
    words[2 * i] = dec.lo;
    words[2 * i + 1] = dec.hi;
  }
  if (r.pos > r.endBits) throw new Error('cannot read XOR chunk: truncated bit stream');
  return n;
}

const SCRATCH_READER = new BitReader();
const SCRATCH_DECODER = new XorValueDecoder();

