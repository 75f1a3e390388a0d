/**
 * WAL record payloads: series, samples, tombstones and series drops. Each
 * record type is a mutable, columnar container that is filled then encoded,
 * or decoded into; the same instance is reused batch after batch, so neither
 * side allocates per sample. Byte layouts: docs/storage-format/wal.md.
 *
 * Integers are varints. Unsigned: LEB128 (7 bits per byte, low group first).
 * Signed: the magnitude shifted left by one with the sign in bit 0
 * (`2|x| + (x < 0)`), then as unsigned; this covers every safe integer
 * exactly, which plain zigzag over doubles would not. Float values are the
 * raw 8 IEEE-754 bytes, little-endian, so NaN payloads (the staleness marker)
 * survive bit for bit.
 */
import { Labels } from '../../model/labels.js';

export const enum RecordType {
  Series = 1,
  Samples = 2,
  Tombstones = 3,
  SeriesDrop = 4,
}

/** Thrown when a payload (whose checksum matched) does not decode: a format bug or a newer writer. */
export class RecordDecodeError extends Error {
  constructor(message: string) {
    super(`cannot decode WAL record: ${message}`);
    this.name = 'RecordDecodeError';
  }
}

const TS_DELTA = 0;
const TS_ABSOLUTE = 1;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** A growable byte buffer that encoders append to. Reuse it: `reset()` keeps the memory. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.pos++] = x;
  }

  /** Non-negative safe integer. */
  uvarint(x: number): void {
    this.ensure(8);
    this.pos = putUvarint(this.buf, this.pos, x);
  }

  /** Any safe integer. */
  svarint(x: number): void {
    this.ensure(9);
    this.pos = putSvarint(this.buf, this.pos, x);
  }

  /** A string as its UTF-8 byte length (uvarint) and bytes. */
  string(s: string): void {
    const n = s.length;
    this.ensure(n + 5);
    const b = this.buf;
    // ASCII fast path: with fewer than 128 chars the length prefix is one byte.
    if (n < 128) {
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.uvarint(bytes);
    this.ensure(bytes);
    encoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + bytes));
    this.pos += bytes;
  }
}

const encoder = new TextEncoder();

/** Writes `x` (a non-negative safe integer) at `p`; returns the new position. Needs up to 8 bytes. */
export function putUvarint(b: Uint8Array, p: number, x: number): number {
  // `x & 0x7f` is exact for any safe integer (ToInt32 is modular); only the
  // shift needs float arithmetic above 31 bits.
  while (x > 0x7fffffff) {
    const low = x & 0x7f;
    b[p++] = low | 0x80;
    x = (x - low) / 128;
  }
  while (x > 0x7f) {
    b[p++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  b[p++] = x;
  return p;
}

/** Writes a safe integer as `2|x| + sign`; returns the new position. Needs up to 9 bytes. */
export function putSvarint(b: Uint8Array, p: number, x: number): number {
  const neg = x < 0 ? 1 : 0;
  const a = neg ? -x : x;
  if (a <= 0x3fffffff) return putUvarint(b, p, (a << 1) | neg);
  // Split off the first byte so 2|x| never has to exist as a double.
  b[p++] = ((a & 0x3f) << 1) | neg | 0x80;
  return putUvarint(b, p, (a - (a & 0x3f)) / 64);
}

/** A cursor over a payload. `readUvarint`/`readSvarint` advance `pos`. */
export class ByteReader {
  buf: Uint8Array;
  pos: number;
  end: number;

  constructor(buf: Uint8Array = new Uint8Array(0), pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  reset(buf: Uint8Array, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  uvarint(): number {
    const b = this.buf;
    let p = this.pos;
    let c = b[p++];
    let x = c & 0x7f;
    if (c >= 0x80) {
      c = b[p++];
      x |= (c & 0x7f) << 7;
      if (c >= 0x80) {
        c = b[p++];
        x |= (c & 0x7f) << 14;
        if (c >= 0x80) {
          c = b[p++];
          x |= (c & 0x7f) << 21;
          if (c >= 0x80) {
            // Past 28 bits: continue in float arithmetic.
            let mul = 268435456; // 2^28
            do {
              if (p >= this.end || mul > 2 ** 56) throw new RecordDecodeError('varint overflows the payload');
              c = b[p++];
              x += (c & 0x7f) * mul;
              mul *= 128;
            } while (c >= 0x80);
          }
        }
      }
    }
    if (p > this.end) throw new RecordDecodeError('varint overflows the payload');
    this.pos = p;
    return x;
  }

  svarint(): number {
    const b = this.buf;
    const c = b[this.pos];
    if (c < 0x80) {
      this.pos++;
      return c & 1 ? -(c >>> 1) : c >>> 1;
    }
    const first = c;
    this.pos++;
    const rest = this.uvarint();
    const a = rest * 64 + ((first >>> 1) & 0x3f);
    return first & 1 ? -a : a;
  }

  string(): string {
    const n = this.uvarint();
    const start = this.pos;
    if (start + n > this.end) throw new RecordDecodeError('string overflows the payload');
    this.pos = start + n;
    return decodeUtf8(this.buf, start, start + n);
  }
}

const decoder = new TextDecoder();

function decodeUtf8(b: Uint8Array, start: number, end: number): string {
  // Label names and values are short and mostly ASCII: building the string
  // from char codes beats a native call for those.
  if (end - start <= 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c >= 0x80) return decoder.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(b.subarray(start, end));
}

function assertSafeInteger(x: number, what: string): void {
  if (!Number.isSafeInteger(x)) throw new RangeError(`cannot encode WAL record: ${what} ${x} is not a safe integer`);
}

function grow(a: Float64Array, n: number): Float64Array {
  if (a.length >= n) return a;
  let cap = Math.max(16, a.length * 2);
  while (cap < n) cap *= 2;
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** Every record type implements this; the WAL frames what `encode` appends. */
export interface WalRecord {
  readonly type: RecordType;
  /** Entries in the record; a record with none is not logged. */
  readonly n: number;
  encode(w: ByteWriter): void;
  /** Replaces the contents with the payload in `buf[start, end)`. */
  decode(buf: Uint8Array, start: number, end: number): void;
  reset(): void;
}

/**
 * Series created in a batch: ref and labels. Refs are never reused, so a
 * ref names one label set for the life of the WAL.
 */
/**
 * An empty array that already holds objects as far as V8 is concerned: a
 * fresh `[]` is an array of small integers until its first object is
 * stored. Every TSDB in the process (the ingest warm-up's, then the real
 * one) then has records of one array shape, and the code V8 optimised on
 * the first is not thrown away on the second.
 */
function objectArray<T extends object>(): T[] {
  const a = [Labels.EMPTY as unknown as T];
  a.length = 0;
  return a;
}

export class SeriesRecord implements WalRecord {
  readonly type = RecordType.Series;
  n = 0;
  refs: Float64Array = new Float64Array(16);
  /** Decoded label sets are new objects: callers may keep them. */
  labels: Labels[] = objectArray();
  #r = new ByteReader();

  reset(): void {
    this.n = 0;
  }

  add(ref: number, labels: Labels): void {
    this.refs = grow(this.refs, this.n + 1);
    this.refs[this.n] = ref;
    this.labels[this.n] = labels;
    this.n++;
  }

  encode(w: ByteWriter): void {
    w.uvarint(this.n);
    let prev = 0;
    for (let i = 0; i < this.n; i++) {
      const ref = this.refs[i];
      assertSafeInteger(ref, 'series ref');
      w.svarint(ref - prev);
      prev = ref;
      const p = this.labels[i].pairs;
      w.uvarint(p.length >> 1);
      for (let j = 0; j < p.length; j++) w.string(p[j]);
    }
  }

  decode(buf: Uint8Array, start: number, end: number): void {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.uvarint();
    if (n > end - start) throw new RecordDecodeError(`series record claims ${n} entries in ${end - start} bytes`);
    this.refs = grow(this.refs, n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += r.svarint();
      this.refs[i] = prev;
      const nl = r.uvarint();
      if (nl * 2 > r.end - r.pos) throw new RecordDecodeError(`series ${prev} claims ${nl} labels past the payload`);
      const pairs: string[] = new Array(nl * 2);
      for (let j = 0; j < nl * 2; j++) pairs[j] = r.string();
      this.labels[i] = Labels.fromSortedPairs(pairs);
    }
    if (r.pos !== end) throw new RecordDecodeError(`series record has ${end - r.pos} trailing bytes`);
    this.labels.length = n;
    this.n = n;
  }
}

/**
 * Samples of a batch, columnar: `refs[i]`, `ts[i]`, `vs[i]` for i < n.
 * Timestamps are delta-encoded in record order (sorting is not needed;
 * a batch's samples usually share a timestamp, so deltas are mostly 0).
 */
export class SamplesRecord implements WalRecord {
  readonly type = RecordType.Samples;
  n = 0;
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  #r = new ByteReader();

  constructor(capacity = 1024) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  reset(): void {
    this.n = 0;
  }

  /** Makes room for `n` samples, keeping the first `this.n`. */
  reserve(n: number): void {
    if (this.refs.length >= n) return;
    this.refs = grow(this.refs, n);
    this.ts = grow(this.ts, n);
    this.vs = grow(this.vs, n);
  }

  add(ref: number, t: number, v: number): void {
    if (this.n === this.refs.length) this.reserve(this.n + 1);
    const i = this.n++;
    this.refs[i] = ref;
    this.ts[i] = t;
    this.vs[i] = v;
  }

  encode(w: ByteWriter): void {
    encodeSamples(w, this.refs, this.ts, this.vs, this.n);
  }

  decode(buf: Uint8Array, start: number, end: number): void {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.uvarint();
    // Each sample takes at least 10 bytes (two 1-byte varints and the value), plus the mode byte.
    if (n * 10 + 1 > end - r.pos) throw new RecordDecodeError(`samples record claims ${n} samples in ${end - start} bytes`);
    this.n = 0;
    this.reserve(n);
    const refs = this.refs;
    const ts = this.ts;
    const b = buf;
    let p = r.pos;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const c = b[p];
      if (c < 0x80) {
        p++;
        prev += c & 1 ? -(c >>> 1) : c >>> 1;
      } else {
        r.pos = p;
        prev += r.svarint();
        p = r.pos;
      }
      refs[i] = prev;
    }
    const mode = b[p++];
    if (mode !== TS_DELTA && mode !== TS_ABSOLUTE) throw new RecordDecodeError(`unknown timestamp encoding ${mode}`);
    prev = 0;
    for (let i = 0; i < n; i++) {
      if (mode === TS_ABSOLUTE) prev = 0;
      const c = b[p];
      if (c < 0x80) {
        p++;
        prev += c & 1 ? -(c >>> 1) : c >>> 1;
      } else {
        r.pos = p;
        prev += r.svarint();
        p = r.pos;
      }
      ts[i] = prev;
    }
    if (p + n * 8 !== end) throw new RecordDecodeError(`samples record columns end at ${p - start}, expected ${end - start - n * 8}`);
    copyFloat64sIn(b, p, this.vs, n);
    this.n = n;
  }
}

/**
 * Appends a samples payload for `refs[i], ts[i], vs[i]`, i < n. Refs and
 * timestamps must be safe integers (checked: a bad one throws and the writer
 * is left where it was).
 */
export function encodeSamples(w: ByteWriter, refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, n: number): void {
  const start = w.pos;
  w.ensure(8 + n * 26);
  const b = w.buf;
  let p = putUvarint(b, w.pos, n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const x = refs[i];
    const d = x - prev;
    prev = x;
    // One-byte fast path for small integral deltas; `d | 0` rejects fractions, NaN and ±Inf.
    const di = d | 0;
    if (di === d && di >= 0 && di <= 63) b[p++] = di << 1;
    else if (di === d && di < 0 && di >= -63) b[p++] = (-di << 1) | 1;
    else {
      if (!Number.isSafeInteger(x) || !Number.isSafeInteger(d)) {
        w.pos = start;
        assertSafeInteger(x, 'series ref');
        assertSafeInteger(d, 'series ref delta');
      }
      p = putSvarint(b, p, d);
    }
  }
  // Timestamps: deltas from the previous one (mode 0) unless some delta is
  // beyond 2^53 and would lose precision; then absolute values (mode 1).
  const modeAt = p++;
  const colStart = p;
  b[modeAt] = TS_DELTA;
  prev = 0;
  for (let i = 0; i < n; i++) {
    const x = ts[i];
    const d = x - prev;
    prev = x;
    // One-byte fast path for small integral deltas; `d | 0` rejects fractions, NaN and ±Inf.
    const di = d | 0;
    if (di === d && di >= 0 && di <= 63) b[p++] = di << 1;
    else if (di === d && di < 0 && di >= -63) b[p++] = (-di << 1) | 1;
    else {
      if (!Number.isSafeInteger(x)) {
        w.pos = start;
        assertSafeInteger(x, 'timestamp');
      }
      if (!Number.isSafeInteger(d)) {
        b[modeAt] = TS_ABSOLUTE;
        p = colStart;
        for (let j = 0; j < n; j++) {
          if (!Number.isSafeInteger(ts[j])) {
            w.pos = start;
            assertSafeInteger(ts[j], 'timestamp');
          }
          p = putSvarint(b, p, ts[j]);
        }
        break;
      }
      p = putSvarint(b, p, d);
    }
  }
  copyFloat64sOut(vs, n, b, p);
  w.pos = p + n * 8;
}

/** Copies n doubles as little-endian bytes, bit for bit. */
function copyFloat64sOut(vs: Float64Array, n: number, b: Uint8Array, p: number): void {
  const src = new Uint8Array(vs.buffer, vs.byteOffset, n * 8);
  if (LITTLE_ENDIAN_HOST) {
    b.set(src, p);
    return;
  }
  for (let i = 0; i < n * 8; i += 8) for (let k = 0; k < 8; k++) b[p + i + k] = src[i + 7 - k];
}

function copyFloat64sIn(b: Uint8Array, p: number, vs: Float64Array, n: number): void {
  const dst = new Uint8Array(vs.buffer, vs.byteOffset, n * 8);
  if (LITTLE_ENDIAN_HOST) {
    dst.set(b.subarray(p, p + n * 8));
    return;
  }
  for (let i = 0; i < n * 8; i += 8) for (let k = 0; k < 8; k++) dst[i + k] = b[p + i + 7 - k];
}

/**
 * Deletions: for each entry i, the samples of series `refs[i]` within
 * [mints[i], maxts[i]] (ms, inclusive) are deleted. One entry per interval.
 */
export class TombstonesRecord implements WalRecord {
  readonly type = RecordType.Tombstones;
  n = 0;
  refs: Float64Array = new Float64Array(16);
  mints: Float64Array = new Float64Array(16);
  maxts: Float64Array = new Float64Array(16);
  #r = new ByteReader();

  reset(): void {
    this.n = 0;
  }

  #reserve(n: number): void {
    this.refs = grow(this.refs, n);
    this.mints = grow(this.mints, n);
    this.maxts = grow(this.maxts, n);
  }

  add(ref: number, mint: number, maxt: number): void {
    assertSafeInteger(ref, 'series ref');
    assertSafeInteger(mint, 'tombstone mint');
    assertSafeInteger(maxt, 'tombstone maxt');
    if (maxt < mint) throw new RangeError(`cannot encode WAL record: tombstone interval [${mint}, ${maxt}] is empty`);
    this.#reserve(this.n + 1);
    this.refs[this.n] = ref;
    this.mints[this.n] = mint;
    this.maxts[this.n] = maxt;
    this.n++;
  }

  encode(w: ByteWriter): void {
    w.uvarint(this.n);
    let prev = 0;
    for (let i = 0; i < this.n; i++) {
      w.svarint(this.refs[i] - prev);
      prev = this.refs[i];
      w.svarint(this.mints[i]);
      // maxt - mint can exceed 2^53 for the widest interval; split it so it stays exact.
      const span = this.maxts[i] - this.mints[i];
      if (Number.isSafeInteger(span)) {
        w.u8(0);
        w.uvarint(span);
      } else {
        w.u8(1);
        w.svarint(this.maxts[i]);
      }
    }
  }

  decode(buf: Uint8Array, start: number, end: number): void {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.uvarint();
    if (n * 4 > end - r.pos) throw new RecordDecodeError(`tombstones record claims ${n} entries in ${end - start} bytes`);
    this.#reserve(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += r.svarint();
      this.refs[i] = prev;
      const mint = r.svarint();
      this.mints[i] = mint;
      const form = buf[r.pos++];
      if (form === 0) this.maxts[i] = mint + r.uvarint();
      else if (form === 1) this.maxts[i] = r.svarint();
      else throw new RecordDecodeError(`tombstone entry ${i} has unknown form ${form}`);
    }
    if (r.pos !== end) throw new RecordDecodeError(`tombstones record has ${end - r.pos} trailing bytes`);
    this.n = n;
  }
}

/**
 * Series removed from the head (e.g. no samples left after retention or a
 * full-range delete). Replay forgets them; samples for a dropped ref that
 * appear later in the log are stale and are skipped by the reader of the WAL.
 */
export class SeriesDropRecord implements WalRecord {
  readonly type = RecordType.SeriesDrop;
  n = 0;
  refs: Float64Array = new Float64Array(16);
  #r = new ByteReader();

  reset(): void {
    this.n = 0;
  }

  add(ref: number): void {
    assertSafeInteger(ref, 'series ref');
    this.refs = grow(this.refs, this.n + 1);
    this.refs[this.n++] = ref;
  }

  encode(w: ByteWriter): void {
    w.uvarint(this.n);
    let prev = 0;
    for (let i = 0; i < this.n; i++) {
      w.svarint(this.refs[i] - prev);
      prev = this.refs[i];
    }
  }

  decode(buf: Uint8Array, start: number, end: number): void {
    const r = this.#r;
    r.reset(buf, start, end);
    const n = r.uvarint();
    if (n > end - r.pos) throw new RecordDecodeError(`series drop record claims ${n} entries in ${end - start} bytes`);
    this.refs = grow(this.refs, n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev += r.svarint();
      this.refs[i] = prev;
    }
    if (r.pos !== end) throw new RecordDecodeError(`series drop record has ${end - r.pos} trailing bytes`);
    this.n = n;
  }
}
