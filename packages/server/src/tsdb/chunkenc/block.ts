/**
 * The block chunk: the immutable encoding of one series' samples in an
 * on-disk block. Timestamps are stored as a regular interval, deltas or
 * delta-of-deltas; values, when they are decimals with few digits, as
 * integer mantissas with one power-of-ten exponent, delta or
 * delta-of-delta coded; both as zigzag varints, then deflated when that
 * wins. Values that are not short decimals fall back to XOR. Byte layout:
 * docs/storage-format/chunks.md.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ValueType, type SampleIterator } from '../../storage/interface.js';
import { BitReader, BitWriter, F64, F64_WORDS } from './bstream.js';
import { SampleBuffers } from './samples.js';
import { ByteReader, ByteWriter, uvarintLen, zigzag } from './varint.js';
import { XorValueDecoder, XorValueEncoder } from './xor.js';

const FLOAT = ValueType.Float;
const NONE = ValueType.None;

/** Kind byte: bits 7-6 compression, 5-4 timestamp encoding, 3-0 value encoding. */
export const enum Compression {
  None = 0,
  Deflate = 1,
  Brotli = 2,
}

export const enum TimestampEncoding {
  /** n = 1: only the first timestamp. */
  Single = 0,
  /** An integer sequence of the n-1 deltas. */
  Delta = 1,
  /** The first delta, then an integer sequence of the n-2 delta-of-deltas. */
  DeltaOfDelta = 2,
}

export const enum ValueEncoding {
  /** No samples. */
  Empty = 0,
  /** Every value has the same bit pattern: 8 bytes. */
  Const = 1,
  /** Decimal mantissas: the first, then an integer sequence of the n-1 deltas. */
  DecimalDelta = 2,
  /** Decimal mantissas: the first, the first delta, then an integer sequence of the n-2 delta-of-deltas. */
  DecimalDeltaOfDelta = 3,
  /** XOR bit stream, as in the XOR chunk. */
  Xor = 4,
}

/** How `encodeBlockChunk` compresses; 'auto' keeps whichever is smallest. */
export type BlockCompression = 'auto' | 'none' | 'deflate' | 'brotli';

export interface BlockEncodeOptions {
  /** Default 'deflate': try deflate and keep it when it saves. */
  compression?: BlockCompression;
}

/** 10^k, exact as doubles for k <= 22. */
const POW10 = new Float64Array(23);
for (let k = 0; k <= 22; k++) POW10[k] = Number(`1e${k}`);
const MAX_EXPONENT = 22;
/** Largest mantissa magnitude: deltas, delta-of-deltas and their zigzags stay exact (< 2^53). */
const MAX_MANTISSA = 2 ** 49;
/** Largest timestamp delta, for the same reason. */
const MAX_DELTA = 2 ** 49;
/** Values that are not decimals are patched in as exceptions while they are this rare. */
const MAX_EXCEPTION_SHARE = 1 / 16;
/** Compressed payloads must save at least this many bytes to be kept. */
const MIN_COMPRESSION_GAIN = 4;

// Reused scratch, grown on demand: encoding allocates only the returned bytes.
const out = new ByteWriter(4096);
const payload = new ByteWriter(4096);
const bits = new BitWriter(4096);
const xorEnc = new XorValueEncoder();
const xorDec = new XorValueDecoder();
const bitReader = new BitReader();
const reader = new ByteReader();
let mantissas = new Float64Array(1024);
let exponents = new Int8Array(1024);
const exponentCounts = new Int32Array(MAX_EXPONENT + 2);

/**
 * Encodes samples `[0, n)` of `ts`/`vs` as a block chunk. Timestamps must be
 * safe integers less than 2^49 apart from their predecessor (any order
 * round-trips; increasing order compresses, and the iterator's `seek` needs it). Every value's bit pattern
 * round-trips exactly. Returns fresh bytes the caller owns.
 */
export function encodeBlockChunk(ts: Float64Array, vs: Float64Array, n: number, options?: BlockEncodeOptions): Uint8Array {
  if (!Number.isSafeInteger(ts[0]) && n > 0) throw new Error(`cannot encode block chunk: timestamp ${ts[0]} is not a safe integer`);
  if (n > ts.length || n > vs.length) throw new Error(`cannot encode block chunk: ${n} samples requested, arrays hold ${Math.min(ts.length, vs.length)}`);
  out.reset();
  if (n === 0) {
    out.byte(ValueEncoding.Empty);
    out.uvarint(0);
    return out.toBytes();
  }
  payload.reset();
  const tsEnc = writeTimestamps(ts, n);
  const valEnc = writeValues(vs, n);
  let compression = Compression.None;
  let body: Uint8Array = payload.buf.subarray(0, payload.len);
  const mode = options?.compression ?? 'deflate';
  if (mode !== 'none' && body.length >= 16) {
    if (mode === 'deflate' || mode === 'auto') {
      const z = deflateRawSync(body, { level: 9, memLevel: 9 });
      if (z.length + MIN_COMPRESSION_GAIN <= body.length) {
        body = z;
        compression = Compression.Deflate;
      }
    }
    if (mode === 'brotli' || mode === 'auto') {
      const z = brotliCompress(payload.buf.subarray(0, payload.len));
      if (z.length + MIN_COMPRESSION_GAIN <= (compression === Compression.None ? payload.len : body.length)) {
        body = z;
        compression = Compression.Brotli;
      }
    }
  }
  out.byte((compression << 6) | (tsEnc << 4) | valEnc);
  out.uvarint(n);
  out.varint(ts[0]);
  out.bytes(body);
  return out.toBytes();
}

function brotliCompress(b: Uint8Array): Buffer {
  return brotliCompressSync(b, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
      [zlibConstants.BROTLI_PARAM_LGWIN]: 16,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: b.length,
    },
  });
}

function writeTimestamps(ts: Float64Array, n: number): TimestampEncoding {
  if (n === 1) return TimestampEncoding.Single;
  for (let i = 1; i < n; i++) {
    const d = ts[i] - ts[i - 1];
    if (!(d < MAX_DELTA && d > -MAX_DELTA) || !Number.isInteger(ts[i])) {
      throw new Error(`cannot encode block chunk: timestamp ${ts[i]} is not an integer within 2^49 of its predecessor`);
    }
  }
  return writeDeltasOrDods(ts, n) ? TimestampEncoding.DeltaOfDelta : TimestampEncoding.Delta;
}

/**
 * Writes xs[0..n) (n >= 2) without its first element, as deltas or as the
 * first delta plus delta-of-deltas, whichever is smaller. Returns true for
 * delta-of-deltas.
 */
function writeDeltasOrDods(xs: Float64Array, n: number): boolean {
  if (seqDelta.length < n) {
    seqDelta = new Float64Array(n * 2);
    seqDod = new Float64Array(n * 2);
  }
  let prev = xs[1] - xs[0];
  seqDelta[0] = prev;
  for (let i = 2; i < n; i++) {
    const d = xs[i] - xs[i - 1];
    seqDelta[i - 1] = d;
    seqDod[i - 2] = d - prev;
    prev = d;
  }
  const deltaCost = intSeqCost(seqDelta, n - 1);
  const dodCost = n > 2 ? intSeqCost(seqDod, n - 2) + uvarintLen(zigzag(seqDelta[0])) : Infinity;
  payload.ensure(n * 8 + 32);
  if (deltaCost <= dodCost) {
    writeIntSeq(seqDelta, n - 1);
    return false;
  }
  payload.varint(seqDelta[0]);
  writeIntSeq(seqDod, n - 2);
  return true;
}

let seqDelta = new Float64Array(1024);
let seqDod = new Float64Array(1024);
const medianSample = new Float64Array(63);
let seqBase = 0;
let seqStep = 0;

/**
 * Picks the integer sequence's base (a median of up to 63 evenly spaced
 * elements: robust to counter resets and gaps) and step (the GCD of all
 * differences from the base; 0 when they are all equal), into seqBase/seqStep.
 */
function analyzeIntSeq(xs: Float64Array, n: number): void {
  const k = Math.min(n, medianSample.length);
  const stride = n / k;
  for (let j = 0; j < k; j++) medianSample[j] = xs[Math.floor(j * stride)];
  const sample = medianSample.subarray(0, k).sort();
  const base = sample[k >> 1];
  let g = 0;
  for (let i = 0; i < n && g !== 1; i++) {
    let a = xs[i] - base;
    if (a === 0) continue;
    if (a < 0) a = -a;
    let b = g;
    while (b !== 0) {
      const r = a % b;
      a = b;
      b = r;
    }
    g = a;
  }
  seqBase = base;
  seqStep = g;
}

function intSeqCost(xs: Float64Array, n: number): number {
  analyzeIntSeq(xs, n);
  const base = seqBase;
  const g = seqStep;
  let cost = uvarintLen(zigzag(base)) + uvarintLen(g);
  if (g === 0) return cost;
  for (let i = 0; i < n; i++) cost += uvarintLen(zigzag((xs[i] - base) / g));
  return cost;
}

/** An integer sequence: base (zigzag varint), step g (uvarint), then n zigzag varints of (x - base) / g unless g = 0. */
function writeIntSeq(xs: Float64Array, n: number): void {
  analyzeIntSeq(xs, n);
  const base = seqBase;
  const g = seqStep;
  payload.varint(base);
  payload.uvarint(g);
  if (g === 0) return;
  payload.ensure(n * 8);
  if (g === 1) for (let i = 0; i < n; i++) payload.varint(xs[i] - base);
  else for (let i = 0; i < n; i++) payload.varint((xs[i] - base) / g);
}

function isConst(vs: Float64Array, n: number): boolean {
  F64[0] = vs[0];
  const hi = F64_WORDS[1];
  const lo = F64_WORDS[0];
  for (let i = 1; i < n; i++) {
    F64[0] = vs[i];
    if (F64_WORDS[0] !== lo || F64_WORDS[1] !== hi) return false;
  }
  return true;
}

/** The smallest k <= 22 with v == round(v * 10^k) / 10^k exactly and a small enough mantissa; -1 if none. */
function decimalExponent(v: number, guess: number): number {
  if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return -1;
  let k = guess;
  if (fits(v, k)) {
    while (k > 0 && fits(v, k - 1)) k--;
    return k;
  }
  for (k = guess + 1; k <= MAX_EXPONENT; k++) if (fits(v, k)) return k;
  return -1;
}

function fits(v: number, k: number): boolean {
  const p = POW10[k];
  const m = Math.round(v * p);
  return m / p === v && m <= MAX_MANTISSA && m >= -MAX_MANTISSA;
}

function writeValues(vs: Float64Array, n: number): ValueEncoding {
  if (isConst(vs, n)) {
    F64[0] = vs[0];
    payload.float64Bits(F64_WORDS[0], F64_WORDS[1]);
    return ValueEncoding.Const;
  }
  const enc = n >= 2 ? writeDecimal(vs, n) : ValueEncoding.Empty;
  return enc !== ValueEncoding.Empty ? enc : writeXorValues(vs, n);
}

/** Returns `Empty` when the values are not decimal enough. */
function writeDecimal(vs: Float64Array, n: number): ValueEncoding {
  if (exponents.length < n) {
    exponents = new Int8Array(n * 2);
    mantissas = new Float64Array(n * 2);
  }
  const maxExceptions = Math.floor(n * MAX_EXCEPTION_SHARE);
  exponentCounts.fill(0);
  let guess = 0;
  let misses = 0;
  for (let i = 0; i < n; i++) {
    const k = decimalExponent(vs[i], guess);
    exponents[i] = k;
    if (k < 0) {
      if (++misses > maxExceptions) return ValueEncoding.Empty;
      continue;
    }
    exponentCounts[k]++;
    guess = k;
  }
  // The smallest exponent that covers all but the allowed exceptions.
  let exp = 0;
  let covered = exponentCounts[0];
  while (covered < n - maxExceptions && exp < MAX_EXPONENT) covered += exponentCounts[++exp];
  const p = POW10[exp];
  let exceptions = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (exponents[i] >= 0 && exponents[i] <= exp) {
      const r = Math.round(v * p);
      if (r / p === v && r <= MAX_MANTISSA && r >= -MAX_MANTISSA) {
        m = r;
        mantissas[i] = m;
        continue;
      }
    }
    // An exception repeats the previous mantissa, so it costs a zero delta.
    exponents[i] = -1;
    mantissas[i] = m;
    exceptions++;
  }
  if (exceptions > maxExceptions) return ValueEncoding.Empty;

  payload.ensure(exceptions * 12 + 16);
  payload.byte(exp);
  payload.uvarint(exceptions);
  let last = 0;
  for (let i = 0; i < n && exceptions > 0; i++) {
    if (exponents[i] >= 0) continue;
    payload.uvarint(i - last);
    last = i;
    F64[0] = vs[i];
    payload.float64Bits(F64_WORDS[0], F64_WORDS[1]);
  }
  payload.varint(mantissas[0]);
  return writeDeltasOrDods(mantissas, n) ? ValueEncoding.DecimalDeltaOfDelta : ValueEncoding.DecimalDelta;
}

function writeXorValues(vs: Float64Array, n: number): ValueEncoding {
  bits.reset();
  xorEnc.reset();
  for (let i = 0; i < n; i++) {
    bits.ensure(12);
    F64[0] = vs[i];
    if (i === 0) xorEnc.first(bits, F64_WORDS[1], F64_WORDS[0]);
    else xorEnc.next(bits, F64_WORDS[1], F64_WORDS[0]);
  }
  payload.bytes(bits.buf.subarray(0, bits.length));
  return ValueEncoding.Xor;
}

/** The sample count of a block chunk, read from its header without decoding. */
export function blockChunkNumSamples(chunk: Uint8Array): number {
  return reader.reset(chunk, 1).uvarint();
}

/**
 * Decodes a block chunk into `buf` (grown if too small) and returns the
 * sample count. Throws on a corrupt chunk.
 */
export function decodeBlockChunk(chunk: Uint8Array, buf: SampleBuffers): number {
  if (chunk.length < 2) throw new Error('cannot decode block chunk: shorter than its header');
  const kind = chunk[0];
  const r = reader.reset(chunk, 1);
  const n = r.uvarint();
  if (n === 0) return 0;
  buf.ensure(n);
  const t0 = r.varint();
  const compression = kind >>> 6;
  if (compression !== Compression.None) r.reset(decompress(compression, chunk.subarray(r.pos)));
  readTimestamps(r, (kind >>> 4) & 3, t0, buf.ts, n);
  readValues(r, kind & 15, buf, n);
  return n;
}

function decompress(compression: number, body: Uint8Array): Uint8Array {
  try {
    if (compression === Compression.Deflate) return inflateRawSync(body);
    if (compression === Compression.Brotli) return brotliDecompressSync(body);
  } catch (e) {
    throw new Error(`cannot decode block chunk: ${e instanceof Error ? e.message : String(e)}`);
  }
  throw new Error(`cannot decode block chunk: unknown compression ${compression}`);
}

function readTimestamps(r: ByteReader, enc: number, t0: number, ts: Float64Array, n: number): void {
  ts[0] = t0;
  if (enc === TimestampEncoding.Single) {
    if (n !== 1) throw new Error('cannot decode block chunk: one timestamp for several samples');
    return;
  }
  if (n < 2) throw new Error('cannot decode block chunk: timestamp deltas for one sample');
  readDeltasOrDods(r, enc === TimestampEncoding.DeltaOfDelta, t0, ts, n);
}

/** Inverse of writeDeltasOrDods: rebuilds xs[1..n) from xs[0] = x0. */
function readDeltasOrDods(r: ByteReader, dod: boolean, x0: number, xs: Float64Array, n: number): void {
  let x = x0;
  if (!dod) {
    const base = r.varint();
    const g = r.uvarint();
    if (g === 0) {
      for (let i = 1; i < n; i++) xs[i] = x0 + i * base;
      return;
    }
    readIntSeq(r, n - 1, SEQ);
    for (let i = 1; i < n; i++) {
      x += base + g * SEQ[i - 1];
      xs[i] = x;
    }
    return;
  }
  let d = r.varint();
  x += d;
  xs[1] = x;
  const base = r.varint();
  const g = r.uvarint();
  if (g === 0) {
    for (let i = 2; i < n; i++) {
      d += base;
      x += d;
      xs[i] = x;
    }
    return;
  }
  readIntSeq(r, n - 2, SEQ);
  for (let i = 2; i < n; i++) {
    d += base + g * SEQ[i - 2];
    x += d;
    xs[i] = x;
  }
}

/**
 * Reads `k` zigzag varints into `out` (grown when short). Varints of up
 * to three bytes — most of an integer sequence, whose elements are small
 * multiples of the step around the median — are read inline; longer ones
 * (and those in the last bytes of the chunk) by the reader.
 */
function readIntSeq(r: ByteReader, k: number, out: Float64Array): void {
  if (out.length < k) SEQ = out = new Float64Array(Math.max(k, 2 * out.length));
  const b = r.buf;
  const end = r.end;
  let p = r.pos;
  for (let i = 0; i < k; i++) {
    if (p + 2 < end) {
      const c = b[p];
      if (c < 0x80) {
        out[i] = (c >>> 1) ^ -(c & 1);
        p++;
        continue;
      }
      const c2 = b[p + 1];
      if (c2 < 0x80) {
        const u = (c & 0x7f) | (c2 << 7);
        out[i] = (u >>> 1) ^ -(u & 1);
        p += 2;
        continue;
      }
      const c3 = b[p + 2];
      if (c3 < 0x80) {
        const u = (c & 0x7f) | ((c2 & 0x7f) << 7) | (c3 << 14);
        out[i] = (u >>> 1) ^ -(u & 1);
        p += 3;
        continue;
      }
    }
    r.pos = p;
    out[i] = r.varint();
    p = r.pos;
  }
  r.pos = p;
}

let SEQ = new Float64Array(1024);

function readValues(r: ByteReader, enc: number, buf: SampleBuffers, n: number): void {
  const vs = buf.vs;
  const words = buf.vsWords;
  switch (enc) {
    case ValueEncoding.Const: {
      r.float64Bits(words);
      for (let i = 1; i < n; i++) {
        words[2 * i] = words[0];
        words[2 * i + 1] = words[1];
      }
      return;
    }
    case ValueEncoding.DecimalDelta:
    case ValueEncoding.DecimalDeltaOfDelta: {
      const exp = r.byte();
      if (exp > MAX_EXPONENT) throw new Error(`cannot decode block chunk: exponent ${exp} out of range`);
      const p = POW10[exp];
      const exceptions = r.uvarint();
      const excStart = r.pos;
      for (let e = 0; e < exceptions; e++) {
        r.uvarint();
        r.pos += 8;
      }
      const m0 = r.varint();
      readDeltasOrDods(r, enc === ValueEncoding.DecimalDeltaOfDelta, m0, vs, n);
      vs[0] = m0;
      if (exp > 0) for (let i = 0; i < n; i++) vs[i] /= p;
      if (exceptions > 0) {
        const end = r.pos;
        r.pos = excStart;
        let idx = 0;
        for (let e = 0; e < exceptions; e++) {
          idx += r.uvarint();
          if (idx >= n) throw new Error('cannot decode block chunk: exception index out of range');
          r.float64Bits(EXC_WORDS);
          words[2 * idx] = EXC_WORDS[0];
          words[2 * idx + 1] = EXC_WORDS[1];
        }
        r.pos = end;
      }
      return;
    }
    case ValueEncoding.Xor: {
      const br = bitReader;
      br.reset(r.buf, r.pos, r.end);
      const dec = xorDec;
      dec.first(br);
      words[0] = dec.lo;
      words[1] = dec.hi;
      for (let i = 1; i < n; i++) {
        if (!dec.next(br)) throw new Error('cannot decode block chunk: corrupt XOR value window');
        words[2 * i] = dec.lo;
        words[2 * i + 1] = dec.hi;
      }
      if (br.overrun) throw new Error('cannot decode block chunk: truncated XOR values');
      return;
    }
    default:
      throw new Error(`cannot decode block chunk: unknown value encoding ${enc}`);
  }
}

const EXC_WORDS = new Uint32Array(2);

/**
 * Iterates a block chunk: `reset` decodes the whole chunk into buffers the
 * iterator owns and reuses, so one instance serves many chunks. `seek` is a
 * binary search.
 */
export class BlockChunkIterator implements SampleIterator {
  t = 0;
  v = 0;
  #buf: SampleBuffers;
  #ts: Float64Array;
  #vs: Float64Array;
  #n = 0;
  #i = -1;
  #err: Error | undefined = undefined;

  constructor(capacity = 256) {
    this.#buf = new SampleBuffers(capacity);
    this.#ts = this.#buf.ts;
    this.#vs = this.#buf.vs;
  }

  /** Decodes `chunk`; a corrupt chunk makes the iterator empty with `err()` set. */
  reset(chunk: Uint8Array): this {
    let n = 0;
    this.#err = undefined;
    try {
      n = decodeBlockChunk(chunk, this.#buf);
    } catch (e) {
      this.#err = e instanceof Error ? e : new Error(String(e));
    }
    return this.resetDecoded(this.#buf.ts, this.#buf.vs, n, this.#err);
  }

  /** Iterates arrays already decoded (e.g. by `decodeBlockChunk`); they must not change meanwhile. */
  resetDecoded(ts: Float64Array, vs: Float64Array, n: number, err?: Error): this {
    this.#ts = ts;
    this.#vs = vs;
    this.#n = n;
    this.#i = -1;
    this.#err = err;
    this.t = 0;
    this.v = 0;
    return this;
  }

  get numSamples(): number {
    return this.#n;
  }

  next(): ValueType {
    const i = this.#i + 1;
    if (i >= this.#n) {
      this.#i = this.#n;
      return NONE;
    }
    this.#i = i;
    this.t = this.#ts[i];
    this.v = this.#vs[i];
    return FLOAT;
  }

  seek(t: number): ValueType {
    let lo = this.#i;
    if (lo >= this.#n) return NONE;
    if (lo >= 0 && this.t >= t) return FLOAT;
    lo++;
    let hi = this.#n;
    const ts = this.#ts;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.#n) {
      this.#i = this.#n;
      return NONE;
    }
    this.#i = lo;
    this.t = ts[lo];
    this.v = this.#vs[lo];
    return FLOAT;
  }

  err(): Error | undefined {
    return this.#err;
  }
}
