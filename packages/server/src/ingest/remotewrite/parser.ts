/**
 * Pure decoders of the two remote-write messages, straight from the
 * (snappy-decompressed) bytes into reusable typed arrays: no object per
 * sample, no object per label. Only what the storage seam can take is kept:
 * series labels and float samples. Native histograms, exemplars, metadata
 * and created timestamps are counted, not kept.
 *
 * ```
 * prometheus.WriteRequest (1.0)          io.prometheus.write.v2.Request (2.0)
 *   1 timeseries  TimeSeries (repeated)    4 symbols     string (repeated; [0] must be "")
 *   3 metadata    MetricMetadata           5 timeseries  TimeSeries (repeated)
 * TimeSeries                             TimeSeries
 *   1 labels      Label {1 name, 2 value}  1 labels_refs uint32 (packed or not)
 *   2 samples     Sample                   2 samples     Sample
 *   3 exemplars   (counted)                3 histograms  (counted)
 *   4 histograms  (counted)                4 exemplars   (counted)
 * Sample {1 value double, 2 timestamp int64}  5 metadata, 6 created_timestamp (ignored)
 * ```
 *
 * After `decodeV1`/`decodeV2`, series `i` has labels `labelStart[i]` ..
 * `labelEnd[i]` (indices into the label arrays) and samples `sampleStart[i]`
 * .. `sampleEnd[i]` (indices into `ts`/`vs`). For 1.0 a label is a byte range
 * of name and value in `buf`; for 2.0 a pair of symbol indices. The arrays
 * are overwritten by the next decode.
 */
import { ProtoError, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT, wrongWireType } from '../common/protobuf.js';

export type RemoteWriteVersion = 1 | 2;

const TAG = (field: number, wire: number) => (field << 3) | wire;
const V1_TIMESERIES = TAG(1, WIRE_LEN);
const V1_METADATA = TAG(3, WIRE_LEN);
const V1_TS_LABEL = TAG(1, WIRE_LEN);
const V1_TS_SAMPLE = TAG(2, WIRE_LEN);
const V1_TS_EXEMPLAR = TAG(3, WIRE_LEN);
const V1_TS_HISTOGRAM = TAG(4, WIRE_LEN);
const LABEL_NAME = TAG(1, WIRE_LEN);
const LABEL_VALUE = TAG(2, WIRE_LEN);
const SAMPLE_VALUE = TAG(1, WIRE_I64);
const SAMPLE_TIMESTAMP = TAG(2, WIRE_VARINT);

const V2_SYMBOL = TAG(4, WIRE_LEN);
const V2_TIMESERIES = TAG(5, WIRE_LEN);
const V2_TS_REFS_PACKED = TAG(1, WIRE_LEN);
const V2_TS_REF = TAG(1, WIRE_VARINT);
const V2_TS_SAMPLE = TAG(2, WIRE_LEN);
const V2_TS_HISTOGRAM = TAG(3, WIRE_LEN);
const V2_TS_EXEMPLAR = TAG(4, WIRE_LEN);

/** Int32Array's byte order, which `DataView` reads into one must use. */
const NATIVE_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function grow<T extends Uint32Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class RemoteWriteParser {
  readonly #r = new ProtoReader();
  version: RemoteWriteVersion = 1;
  /** The decoded buffer (label byte ranges of 1.0 point into it). */
  get buf(): Buffer {
    return this.#r.buf;
  }

  series = 0;
  labelStart = new Uint32Array(256);
  labelEnd = new Uint32Array(256);
  sampleStart = new Uint32Array(256);
  sampleEnd = new Uint32Array(256);
  /** 1.0: the byte range of the series' label fields when contiguous (a cache key), else keyStart === keyEnd. */
  keyStart = new Uint32Array(256);
  keyEnd = new Uint32Array(256);
  /** 1.0 with `lazyLabels`: the series message's own range, where `decodeLabelsV1` finds its labels. */
  msgStart = new Uint32Array(256);
  msgEnd = new Uint32Array(256);

  /**
   * 1.0: skip label fields while decoding (recording only where they are);
   * `decodeLabelsV1(s)` decodes a series' labels when they are needed, that
   * is, for a series not recognised by its label bytes. Most of a request's
   * bytes are labels, and a receiver that knows its series need not read them.
   */
  lazyLabels = false;
  readonly #labelReader = new ProtoReader();

  labels = 0;
  /** 1.0: byte ranges of label names and values in `buf`. */
  nameStart = new Uint32Array(1024);
  nameEnd = new Uint32Array(1024);
  valueStart = new Uint32Array(1024);
  valueEnd = new Uint32Array(1024);
  /** 2.0: symbol indices of label names and values (reuses nameStart/valueStart). */

  samples = 0;
  ts = new Float64Array(1024);
  vs = new Float64Array(1024);
  #vsBytes = new Uint8Array(this.vs.buffer);
  /** `vs` as pairs of words, for copying a double's bits without passing through a number. */
  #vsWords = new Int32Array(this.vs.buffer);
  /** The buffer being decoded as a plain Uint8Array and as words, for the fast paths of `#seriesV1`. */
  #bytes: Uint8Array = new Uint8Array(0);
  #words: DataView = new DataView(this.#bytes.buffer);

  /** 2.0: byte ranges of the symbols. */
  symbols = 0;
  symStart = new Uint32Array(1024);
  symEnd = new Uint32Array(1024);

  histograms = 0;
  exemplars = 0;
  metadata = 0;

  #reset(buf: Uint8Array, version: RemoteWriteVersion): ProtoReader {
    this.version = version;
    this.series = this.labels = this.samples = this.symbols = 0;
    this.histograms = this.exemplars = this.metadata = 0;
    this.#r.reset(buf);
    return this.#r;
  }

  #newSeries(): number {
    const i = this.series++;
    if (i >= this.labelStart.length) {
      const n = i + 1;
      this.labelStart = grow(this.labelStart, n);
      this.labelEnd = grow(this.labelEnd, n);
      this.sampleStart = grow(this.sampleStart, n);
      this.sampleEnd = grow(this.sampleEnd, n);
      this.keyStart = grow(this.keyStart, n);
      this.keyEnd = grow(this.keyEnd, n);
      this.msgStart = grow(this.msgStart, n);
      this.msgEnd = grow(this.msgEnd, n);
    }
    this.labelStart[i] = this.labels;
    this.sampleStart[i] = this.samples;
    this.keyStart[i] = this.keyEnd[i] = 0;
    return i;
  }

  #newLabel(): number {
    const i = this.labels++;
    if (i >= this.nameStart.length) {
      const n = i + 1;
      this.nameStart = grow(this.nameStart, n);
      this.nameEnd = grow(this.nameEnd, n);
      this.valueStart = grow(this.valueStart, n);
      this.valueEnd = grow(this.valueEnd, n);
    }
    return i;
  }

  #newSample(): number {
    const i = this.samples++;
    if (i >= this.ts.length) {
      this.ts = grow(this.ts, i + 1);
      this.vs = grow(this.vs, i + 1);
      this.#vsBytes = new Uint8Array(this.vs.buffer);
      this.#vsWords = new Int32Array(this.vs.buffer);
    }
    return i;
  }

  #sample(r: ProtoReader): void {
    const i = this.#newSample();
    // Absent fields are zero (proto3 defaults).
    this.ts[i] = 0;
    this.vs[i] = 0;
    const outer = r.enter();
    while (r.more()) {
      const at = r.pos;
      const tag = r.tag();
      if (tag === SAMPLE_VALUE) r.doubleInto(this.#vsBytes, i);
      else if (tag === SAMPLE_TIMESTAMP) this.ts[i] = r.int64();
      else if (tag >>> 3 === 1 || tag >>> 3 === 2) throw wrongWireType('Sample', tag, at);
      else r.skip(tag);
    }
    r.leave(outer);
  }

  /** Decodes a `prometheus.WriteRequest`; throws `ProtoError`. */
  decodeV1(buf: Uint8Array): void {
    const r = this.#reset(buf, 1);
    // Plain views: element access on a Buffer (a subclass of Uint8Array) is polymorphic with the other typed arrays here.
    this.#bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const b = this.#bytes;
    while (r.more()) {
      const at = r.pos;
      // A series of fewer than 2^14 bytes (tag, two-byte length at most) read without the reader's calls.
      if (b[at] === V1_TIMESERIES && at + 3 <= r.end) {
        const c1 = b[at + 1];
        const len = c1 < 0x80 ? c1 : b[at + 2] < 0x80 ? (c1 & 0x7f) | (b[at + 2] << 7) : -1;
        const from = at + (c1 < 0x80 ? 2 : 3);
        if (len >= 0 && from + len <= r.end) {
          this.#seriesV1(r, from, from + len);
          r.pos = from + len;
          continue;
        }
      }
      const tag = r.tag();
      if (tag === V1_TIMESERIES) {
        const end = r.len();
        this.#seriesV1(r, r.pos, end);
      } else if (tag === V1_METADATA) {
        this.metadata++;
        r.skip(tag);
      } else if (tag >>> 3 === 1 || tag >>> 3 === 3) throw wrongWireType('WriteRequest', tag, at);
      else r.skip(tag);
    }
  }

  /** The series message in `[from, to)`; `r` is left at its end. */
  #seriesV1(r: ProtoReader, from: number, to: number): void {
    const s = this.#newSeries();
    const outer = r.end;
    r.pos = from;
    r.end = to;
    this.msgStart[s] = from;
    this.msgEnd[s] = to;
    const lazy = this.lazyLabels;
    let keyStart = -1;
    let keyEnd = -1;
    let contiguous = true;
    const b = this.#bytes;
    while (r.more()) {
      const at = r.pos;
      // The shapes senders write, read straight from the bytes: a label
      // skipped (tag, one-byte length) and a whole Sample (`#fastSample`).
      // Anything else, malformed input included, takes the general path.
      if (b[at] === V1_TS_LABEL && lazy && b[at + 1] < 0x80 && at + 2 + b[at + 1] <= r.end) {
        if (keyStart < 0) keyStart = at;
        else if (keyEnd !== at) contiguous = false;
        r.pos = keyEnd = at + 2 + b[at + 1];
        continue;
      }
      if (b[at] === V1_TS_SAMPLE && b[at + 1] < 0x80 && at + 2 + b[at + 1] <= r.end && this.#fastSample(at + 2, at + 2 + b[at + 1])) {
        r.pos = at + 2 + b[at + 1];
        continue;
      }
      const tag = r.tag();
      if (tag === V1_TS_LABEL) {
        if (keyStart < 0) keyStart = at;
        else if (keyEnd !== at) contiguous = false;
        if (lazy) r.pos = r.len();
        else this.#labelV1(r);
        keyEnd = r.pos;
      } else if (tag === V1_TS_SAMPLE) this.#sample(r);
      else if (tag === V1_TS_EXEMPLAR) {
        this.exemplars++;
        r.skip(tag);
      } else if (tag === V1_TS_HISTOGRAM) {
        this.histograms++;
        r.skip(tag);
      } else if (tag >>> 3 >= 1 && tag >>> 3 <= 4) throw wrongWireType('TimeSeries', tag, at);
      else r.skip(tag);
    }
    r.leave(outer);
    this.labelEnd[s] = this.labels;
    this.sampleEnd[s] = this.samples;
    if (contiguous && keyStart >= 0) {
      this.keyStart[s] = keyStart;
      this.keyEnd[s] = keyEnd;
    }
  }

  /**
   * A `Sample` message in `[from, to)` written as senders write it: the
   * value (field 1) if not zero, then the timestamp (field 2) if not zero,
   * as a varint of at most 7 bytes (non-negative, below 2^49), nothing
   * else. Decoded and stored as `#sample` would; false (nothing stored)
   * for any other shape, left to `#sample`.
   */
  #fastSample(from: number, to: number): boolean {
    const b = this.#bytes;
    let p = from;
    let valueAt = -1;
    if (p < to && b[p] === SAMPLE_VALUE) {
      if (p + 9 > to) return false;
      valueAt = p + 1;
      p += 9;
    }
    let t = 0;
    if (p < to && b[p] === SAMPLE_TIMESTAMP) {
      p++;
      if (to - p > 7) return false;
      for (let mul = 1; ; mul *= 128) {
        if (p >= to) return false;
        const c = b[p++];
        t += (c & 0x7f) * mul;
        if (c < 0x80) break;
      }
    }
    if (p !== to) return false;
    const i = this.#newSample();
    this.ts[i] = t;
    // The value's bits as two words (native order on both sides), so NaN payloads (the staleness marker) are kept.
    const w = this.#vsWords;
    if (valueAt < 0) w[2 * i] = w[2 * i + 1] = 0;
    else {
      w[2 * i] = this.#words.getInt32(valueAt, NATIVE_LE);
      w[2 * i + 1] = this.#words.getInt32(valueAt + 4, NATIVE_LE);
    }
    return true;
  }

  /** One `Label` message (its length prefix next in `r`). */
  #labelV1(r: ProtoReader): void {
    const l = this.#newLabel();
    this.nameStart[l] = this.nameEnd[l] = this.valueStart[l] = this.valueEnd[l] = 0;
    const lo = r.enter();
    while (r.more()) {
      const at2 = r.pos;
      const t2 = r.tag();
      if (t2 === LABEL_NAME) {
        this.nameEnd[l] = r.len();
        this.nameStart[l] = r.pos;
        r.pos = this.nameEnd[l];
      } else if (t2 === LABEL_VALUE) {
        this.valueEnd[l] = r.len();
        this.valueStart[l] = r.pos;
        r.pos = this.valueEnd[l];
      } else if (t2 >>> 3 === 1 || t2 >>> 3 === 2) throw wrongWireType('Label', t2, at2);
      else r.skip(t2);
    }
    r.leave(lo);
  }

  /**
   * With `lazyLabels`: decodes series `s`'s labels (after the last decoded
   * label, so `labelStart[s]`..`labelEnd[s]` name them); throws `ProtoError`
   * for a malformed label.
   */
  decodeLabelsV1(s: number): void {
    const r = this.#labelReader;
    r.reset(this.buf);
    r.pos = this.msgStart[s];
    r.end = this.msgEnd[s];
    this.labelStart[s] = this.labels;
    while (r.more()) {
      const tag = r.tag();
      if (tag === V1_TS_LABEL) this.#labelV1(r);
      else r.skip(tag);
    }
    this.labelEnd[s] = this.labels;
  }

  /**
   * Decodes an `io.prometheus.write.v2.Request`; throws `ProtoError`.
   * Symbols are checked (the first must be empty) and every label reference
   * is checked against the table here, so later lookups cannot fail.
   */
  decodeV2(buf: Uint8Array): void {
    const r = this.#reset(buf, 2);
    // Symbols may in principle follow the series: collect both, then check the refs.
    while (r.more()) {
      const at = r.pos;
      const tag = r.tag();
      if (tag === V2_SYMBOL) {
        const end = r.len();
        const i = this.symbols++;
        if (i >= this.symStart.length) {
          this.symStart = grow(this.symStart, i + 1);
          this.symEnd = grow(this.symEnd, i + 1);
        }
        this.symStart[i] = r.pos;
        this.symEnd[i] = end;
        r.pos = end;
      } else if (tag === V2_TIMESERIES) this.#seriesV2(r);
      else if (tag >>> 3 === 4 || tag >>> 3 === 5) throw wrongWireType('Request', tag, at);
      else r.skip(tag);
    }
    if (this.series > 0 || this.symbols > 0) {
      if (this.symbols === 0) throw new ProtoError('the symbols table is empty (it must start with an empty string)', 0);
      if (this.symEnd[0] !== this.symStart[0]) throw new ProtoError('the first symbol must be the empty string', this.symStart[0]);
    }
    const n = this.symbols;
    for (let s = 0; s < this.series; s++) {
      for (let l = this.labelStart[s]; l < this.labelEnd[s]; l++) {
        if (this.nameStart[l] >= n || this.valueStart[l] >= n) {
          throw new ProtoError(`series ${s}: label reference ${Math.max(this.nameStart[l], this.valueStart[l])} is outside the symbols table (${n} symbols)`, 0);
        }
      }
    }
  }

  #seriesV2(r: ProtoReader): void {
    const s = this.#newSeries();
    const outer = r.enter();
    let refs = 0;
    const addRef = (ref: number) => {
      if ((refs & 1) === 0) this.nameStart[this.#newLabel()] = ref;
      else this.valueStart[this.labels - 1] = ref;
      refs++;
    };
    while (r.more()) {
      const at = r.pos;
      const tag = r.tag();
      if (tag === V2_TS_REFS_PACKED) {
        const o = r.enter();
        while (r.more()) addRef(r.uint32());
        r.leave(o);
      } else if (tag === V2_TS_REF) addRef(r.uint32());
      else if (tag === V2_TS_SAMPLE) this.#sample(r);
      else if (tag === V2_TS_HISTOGRAM) {
        this.histograms++;
        r.skip(tag);
      } else if (tag === V2_TS_EXEMPLAR) {
        this.exemplars++;
        r.skip(tag);
      } else if (tag >>> 3 >= 1 && tag >>> 3 <= 4) throw wrongWireType('TimeSeries', tag, at);
      else r.skip(tag);
    }
    r.leave(outer);
    if ((refs & 1) !== 0) throw new ProtoError(`series ${s}: labels_refs has an odd number of entries (${refs})`, r.pos);
    this.labelEnd[s] = this.labels;
    this.sampleEnd[s] = this.samples;
  }
}
