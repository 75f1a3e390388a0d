/**
 * A pull parser for InfluxDB line protocol, over UTF-8 bytes holding whole
 * lines:
 *
 * ```
 * measurement[,tag=value...] field=value[,field=value...] [timestamp]
 * ```
 *
 * Escaping, as the line-protocol reference specifies it: in measurements a
 * backslash escapes `,` and ` `; in tag keys, tag values and field keys it
 * escapes `,`, `=` and ` `; in string field values it escapes `"` and `\`.
 * Two backslashes read as one everywhere; a backslash before any other
 * character is a literal backslash. Field values: floats (`1`, `-1.5e3`),
 * integers (`1i`, signed 64-bit), unsigned integers (`1u`), booleans
 * (`t`, `T`, `true`, `True`, `TRUE` and the `f` forms) and double-quoted
 * strings. NaN and ±Inf are not line-protocol values. Empty lines and lines
 * starting with `#` are skipped.
 *
 * Bytes, not a string: HTTP bodies arrive as bytes, and scanning a
 * Uint8Array is several times cheaper per character in V8 than
 * `String.prototype.charCodeAt`, besides saving the decode. Every delimiter
 * is ASCII and no byte of a multi-byte UTF-8 sequence is, so the structure
 * found in the bytes is the structure of the decoded text, and a name
 * decoded from its own byte range is exactly the corresponding slice of the
 * whole text decoded at once (invalid sequences become U+FFFD either way,
 * since a range never starts or ends inside one). Text given as a string
 * (the TCP/UDP listeners decode theirs) is encoded to UTF-8 first; such text
 * came from UTF-8, so it round-trips unchanged (a lone surrogate, which no
 * UTF-8 decoder produces, would come back as U+FFFD).
 *
 * Hot path: the parser allocates nothing per sample. After `next()` returns
 * `LineKind.Row`, the row is described by offsets into the bytes and typed
 * arrays the parser reuses for the next row (`fieldValues`, `fieldTypes`);
 * names are materialized only on request (`measurement()`, `tagKey(i)`,
 * `tagValue(i)`, `fieldKey(f)`), so a caller that finds the series in a
 * cache by `seriesHash` and `seriesEquals`/`fieldKeyEquals` builds no
 * string at all. Strings handed out are the caller's to keep.
 *
 * A caller with such a cache can also spare the parser the series itself:
 * given a `KnownSeries` (see `reset`), the parser first finds where the
 * measurement and tags end (the first space no backslash escapes) and asks
 * whether those bytes are a series the caller already holds; those bytes
 * then parsed without error before, so the measurement and tags are neither
 * split nor checked again (they are, lazily, if asked for).
 *
 * After `LineKind.Error` the parser has moved past the bad line; `error`
 * says what was wrong and `line` where.
 */
import { hashBytes30 } from '../common/bytekeys.js';

export const enum LineKind {
  EOF = 0,
  Row = 1,
  Error = 2,
}

export const enum FieldType {
  Float = 0,
  Integer = 1,
  Unsigned = 2,
  Boolean = 3,
  /** Not a numeric sample: its value in `fieldValues` is NaN and meaningless. */
  String = 4,
}

/** How timestamps are written: the `precision` parameter of /write and /api/v2/write. */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** The spellings InfluxDB 1.x and 2.x accept for each precision. */
export function parsePrecision(s: string | null | undefined): Precision | undefined {
  switch (s) {
    case null:
    case undefined:
    case '':
    case 'n':
    case 'ns':
      return 'ns';
    case 'u':
    case 'us':
    case 'µ':
    case 'µs':
      return 'us';
    case 'ms':
      return 'ms';
    case 's':
      return 's';
    case 'm':
      return 'm';
    case 'h':
      return 'h';
    default:
      return undefined;
  }
}

/**
 * Series the caller has seen in full before, for `LineProtocolParser.reset`:
 * `isKnown` is asked with the parser positioned on a line whose series bytes
 * (`seriesStart`, `seriesEnd`; `seriesHash` on demand) are found but not yet parsed,
 * and must answer true only for bytes equal to those of a series from an
 * earlier row (`seriesEquals`).
 */
export interface KnownSeries {
  isKnown(p: LineProtocolParser): boolean;
}

const C_TAB = 9;
const C_NL = 10;
const C_CR = 13;
const C_SPACE = 32;
const C_QUOTE = 34;
const C_HASH = 35;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;
const C_EQ = 61;
const C_BACKSLASH = 92;

/** Digits of 2^63 and 2^64 - 1: the bounds of `i` and `u` integers. */
const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

/** Exact powers of ten, for the decimal fast path (see `parseNumber`). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

const EMPTY = Buffer.alloc(0);
/** The largest string encoded into the reused buffer; longer ones get a buffer of their own. */
const SCRATCH_MAX = 1 << 20;

class LineError extends Error {}

export class LineProtocolParser {
  /** 1-based line number of the last row or error. */
  line = 0;
  error = '';
  /** The measurement and tag set as written: `[seriesStart, seriesEnd)` of the bytes (its hash: `seriesHash`). */
  seriesStart = 0;
  seriesEnd = 0;
  /** `seriesHash` once computed for the row, else -1. */
  #hash = -1;
  /** Whether the row's series was known to the `KnownSeries` given to `reset` (its tags then parsed only on demand). */
  seriesKnown = false;
  #tagCount = 0;
  /** Whether the measurement and tags of the row have been split (see `seriesKnown`). */
  #seriesParsed = false;
  #lineEnd = 0;
  /** Per tag: key start, key end, value start, value end (offsets into the bytes). */
  #tagOffsets = new Int32Array(64);
  #measurementEnd = 0;
  #measurementEscaped = false;
  /** Per tag: 1 when the key has escapes, 2 when the value has. */
  #tagEscaped = new Uint8Array(16);
  #fieldKeyOffsets = new Int32Array(32);
  #fieldKeyEscaped = new Uint8Array(16);
  fieldValues = new Float64Array(16);
  fieldTypes = new Uint8Array(16);
  fieldCount = 0;
  /** The row's timestamp in ms, or NaN when the line has none. */
  timestampMs = NaN;

  /** Always a Buffer (one hidden class for every element load), for its memchr-backed `indexOf`. */
  #b: Buffer = EMPTY;
  /** The same bytes, for reading four at a time (hashing, comparing keys). */
  #dv: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
  #pos = 0;
  #end = 0;
  /** The timestamp precision as digits below a millisecond (cut off) and milliseconds per unit (see `reset`). */
  #subMsDigits = 6;
  #msPerUnit = 1;
  #known: KnownSeries | undefined = undefined;
  /** Where strings are encoded (see `#encode`). */
  #scratch: Buffer = EMPTY;

  /**
   * Starts over on `text` (bytes are read in place, not copied: they must not
   * change until the next `reset`); `firstLine` numbers its first line (for
   * text streamed in pieces); `known`, when given, is asked before each
   * row's series is parsed (see `KnownSeries`).
   */
  reset(text: string | Uint8Array, precision: Precision = 'ns', firstLine = 1, known?: KnownSeries): this {
    this.#known = known;
    const b = typeof text === 'string' ? this.#encode(text) : Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    this.#b = b;
    this.#dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.#pos = 0;
    this.#end = b.length;
    this.#subMsDigits = precision === 'ns' ? 6 : precision === 'us' ? 3 : 0;
    this.#msPerUnit = precision === 's' ? 1000 : precision === 'm' ? 60_000 : precision === 'h' ? 3_600_000 : 1;
    this.line = firstLine - 1;
    return this;
  }

  /**
   * `text` as UTF-8, in a buffer reused from one string to the next (up to
   * `SCRATCH_MAX` bytes): a fresh buffer per block would be allocated and
   * written cold, then read cold, for every block.
   */
  #encode(text: string): Buffer {
    const n = Buffer.byteLength(text, 'utf8');
    if (n > SCRATCH_MAX) return Buffer.from(text, 'utf8');
    if (n > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.#scratch.length));
    this.#scratch.write(text, 0, 'utf8');
    return this.#scratch.subarray(0, n);
  }

  next(): LineKind {
    const b = this.#b;
    while (this.#pos < this.#end) {
      const start = this.#pos;
      let nl = b.indexOf(C_NL, start);
      if (nl < 0 || nl > this.#end) nl = this.#end;
      this.#pos = nl + 1;
      this.line++;
      let end = nl;
      if (end > start && b[end - 1] === C_CR) end--;
      let i = start;
      while (i < end && (b[i] === C_SPACE || b[i] === C_TAB)) i++;
      if (i === end || b[i] === C_HASH) continue;
      try {
        this.#parseLine(b, i, end);
        return LineKind.Row;
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        this.error = err.message;
        return LineKind.Error;
      }
    }
    this.#pos = this.#end;
    return LineKind.EOF;
  }

  /**
   * The common row in one pass: true when the next line starts with the
   * `length` series bytes `copySeries` stored at `words[at]` followed by a
   * space, and the rest is plain: fields with keys free of escapes, each a
   * decimal float (`-`, digits, `.`; at most 15 significant digits), then an
   * optional non-negative integer timestamp and `\n` (or the end of the
   * text). The row is then read exactly as `next()` reads it (`LineKind.Row`,
   * `seriesKnown`) and the parser has moved past it. False for anything
   * else, the parser still at that line (the last row's field values may
   * be overwritten): call `next()`.
   *
   * One pass, because the general path reads each byte two or three times:
   * it finds the line's end (a native `indexOf` call per line), then the
   * series' end (a scan), then compares the series with a cached one, then
   * finds each value's end before converting it. Here the cached bytes are
   * compared in place of the scan (bytes equal to a series that ended at a
   * space end at that space too: what precedes it is the same), and each
   * number is converted while it is found; the line's end is where the
   * timestamp's digits stop.
   */
  nextRowOf(words: Int32Array, at: number, length: number): boolean {
    const s = this.#b;
    const start = this.#pos;
    const end = this.#end;
    let i = start + length;
    if (i >= end || s[i] !== C_SPACE || !equalWords(this.#dv, s, start, length, words, at)) return false;
    i++;
    let f = 0;
    let c = 0;
    for (;;) {
      const kStart = i;
      for (; i < end; i++) {
        c = s[i];
        if (c === C_EQ) break;
        if (c === C_BACKSLASH || c === C_COMMA || c === C_SPACE || c === C_NL) return false;
      }
      if (i >= end || i === kStart) return false;
      const kEnd = i;
      i++;
      // The value: what parseNumber takes without falling back to Number().
      let neg = false;
      if (i < end && s[i] === C_MINUS) {
        neg = true;
        i++;
      }
      let m = 0;
      let significant = 0;
      let digits = 0;
      let frac = -1;
      for (; i < end; i++) {
        c = s[i];
        if (c >= C_0 && c <= C_9) {
          if (m !== 0 || c !== C_0) significant++;
          m = m * 10 + (c - C_0);
          digits++;
          if (frac >= 0) frac++;
        } else if (c === C_DOT && frac < 0) frac = 0;
        else break;
      }
      if (digits === 0 || significant > 15 || frac > 22) return false;
      if (i < end) {
        c = s[i];
        if (c !== C_COMMA && c !== C_SPACE && c !== C_NL) return false;
      }
      if (f === this.fieldValues.length) this.#growFields();
      const v = frac > 0 ? m / POW10[frac] : m;
      this.fieldValues[f] = neg ? -v : v;
      this.fieldTypes[f] = FieldType.Float;
      this.#fieldKeyOffsets[f * 2] = kStart;
      this.#fieldKeyOffsets[f * 2 + 1] = kEnd;
      this.#fieldKeyEscaped[f] = 0;
      f++;
      if (i < end && c === C_COMMA) {
        i++;
        continue;
      }
      break;
    }
    let ts = NaN;
    if (i < end && c === C_SPACE) {
      i++;
      const dStart = i;
      let ms = 0;
      for (; i < end; i++) {
        c = s[i];
        if (c < C_0 || c > C_9) break;
        ms = ms * 10 + (c - C_0);
      }
      const n = i - dStart;
      if (n === 0 || n > 19 || (i < end && c !== C_NL)) return false;
      // Digits below a millisecond are cut off, as #timestamp does (the rest, up to 13 of them, is exact).
      const cut = this.#subMsDigits;
      if (cut > 0) {
        ms = 0;
        for (let j = dStart; j < i - cut; j++) ms = ms * 10 + (s[j] - C_0);
      }
      ts = ms * this.#msPerUnit;
    }
    // Here i is at the line's `\n` or the text's end.
    this.fieldCount = f;
    this.timestampMs = ts;
    this.seriesStart = start;
    this.seriesEnd = start + length;
    this.#hash = -1;
    this.seriesKnown = true;
    this.#seriesParsed = false;
    this.#lineEnd = i;
    this.#pos = i + 1;
    this.line++;
    return true;
  }

  #parseLine(s: Buffer, start: number, end: number): void {
    this.fieldCount = 0;
    this.timestampMs = NaN;
    this.#lineEnd = end;

    // The series (measurement and tags) ends at the first space no backslash
    // escapes: each section below skips the byte after a backslash and stops
    // at an unescaped delimiter, so a line that parses ends its series there.
    // Found four bytes at a time while no byte is a space or a backslash
    // (SWAR: a byte of w equal to b makes w ^ b·0x01010101 have a zero byte),
    // then byte by byte.
    const dv = this.#dv;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const w = dv.getInt32(i, true);
      const sp = w ^ 0x20202020;
      const bs = w ^ 0x5c5c5c5c;
      if ((((sp - 0x01010101) & ~sp) | ((bs - 0x01010101) & ~bs)) & 0x80808080) break;
    }
    for (; i < end; i++) {
      const c = s[i];
      if (c === C_SPACE) break;
      if (c === C_BACKSLASH) i++;
    }
    if (i > end) i = end;
    this.seriesStart = start;
    this.seriesEnd = i;
    this.#hash = -1;
    // Bytes equal to a known series' parsed before: no need to split and check them again.
    const known = i < end && this.#known !== undefined && this.#known.isKnown(this);
    this.seriesKnown = known;
    this.#seriesParsed = !known;
    if (!known) this.#parseSeries(s, start, end);
    if (i >= end) throw new LineError('missing fields');
    // One or more spaces separate the sections (InfluxDB tolerates several).
    while (i < end && s[i] === C_SPACE) i++;
    if (i >= end) throw new LineError('missing fields');
    this.#parseFields(s, i, end);
  }

  /**
   * Splits and checks the measurement and tags, from `start` (a line that
   * gets past them ends them at `seriesEnd`).
   */
  #parseSeries(s: Buffer, start: number, end: number): void {
    this.#tagCount = 0;
    // Measurement: up to an unescaped comma or space.
    let i = start;
    let escaped = false;
    for (; i < end; i++) {
      const c = s[i];
      if (c === C_BACKSLASH) {
        escaped = true;
        i++;
        continue;
      }
      if (c === C_COMMA || c === C_SPACE) break;
    }
    if (i > end) i = end;
    if (i === start) throw new LineError('missing measurement');
    this.#measurementEnd = i;
    this.#measurementEscaped = escaped;

    // Tags.
    while (i < end && s[i] === C_COMMA) {
      i++;
      const kStart = i;
      let kEsc = false;
      for (; i < end; i++) {
        const c = s[i];
        if (c === C_BACKSLASH) {
          kEsc = true;
          i++;
          continue;
        }
        if (c === C_EQ || c === C_COMMA || c === C_SPACE) break;
      }
      if (i >= end || s[i] !== C_EQ) throw new LineError(`missing "=" after tag key ${quote(s, kStart, Math.min(i, end))}`);
      if (i === kStart) throw new LineError('empty tag key');
      const kEnd = i;
      i++;
      const vStart = i;
      let vEsc = false;
      for (; i < end; i++) {
        const c = s[i];
        if (c === C_BACKSLASH) {
          vEsc = true;
          i++;
          continue;
        }
        if (c === C_COMMA || c === C_SPACE) break;
        if (c === C_EQ) throw new LineError(`unescaped "=" in the value of tag ${quote(s, kStart, kEnd)}`);
      }
      if (i > end) i = end;
      if (i === vStart) throw new LineError(`missing value of tag ${quote(s, kStart, kEnd)}`);
      const t = this.#tagCount++;
      if (t * 4 === this.#tagOffsets.length) this.#growTags();
      const o = this.#tagOffsets;
      o[t * 4] = kStart;
      o[t * 4 + 1] = kEnd;
      o[t * 4 + 2] = vStart;
      o[t * 4 + 3] = i;
      this.#tagEscaped[t] = (kEsc ? 1 : 0) | (vEsc ? 2 : 0);
    }
  }

  /** Fields from `i` (not at the end of the line) and the timestamp. */
  #parseFields(s: Buffer, i: number, end: number): void {
    for (;;) {
      const kStart = i;
      let kEsc = false;
      for (; i < end; i++) {
        const c = s[i];
        if (c === C_BACKSLASH) {
          kEsc = true;
          i++;
          continue;
        }
        if (c === C_EQ || c === C_COMMA || c === C_SPACE) break;
      }
      if (i >= end || s[i] !== C_EQ) throw new LineError(`missing "=" after field key ${quote(s, kStart, Math.min(i, end))}`);
      if (i === kStart) throw new LineError('empty field key');
      const kEnd = i;
      i++;
      const f = this.fieldCount;
      if (f === this.fieldValues.length) this.#growFields();
      if (i < end && s[i] === C_QUOTE) {
        // String field: up to the closing unescaped quote.
        i++;
        for (; i < end; i++) {
          const c = s[i];
          if (c === C_BACKSLASH) i++;
          else if (c === C_QUOTE) break;
        }
        if (i >= end) throw new LineError(`unterminated string value of field ${quote(s, kStart, kEnd)}`);
        i++;
        this.fieldTypes[f] = FieldType.String;
        this.fieldValues[f] = NaN;
      } else {
        const vStart = i;
        while (i < end) {
          const c = s[i];
          if (c === C_COMMA || c === C_SPACE) break;
          i++;
        }
        if (i === vStart) throw new LineError(`missing value of field ${quote(s, kStart, kEnd)}`);
        this.#fieldValue(s, vStart, i, f, kStart, kEnd);
      }
      this.#fieldKeyOffsets[f * 2] = kStart;
      this.#fieldKeyOffsets[f * 2 + 1] = kEnd;
      this.#fieldKeyEscaped[f] = kEsc ? 1 : 0;
      this.fieldCount++;
      if (i >= end) break;
      if (s[i] === C_SPACE) break;
      i++; // comma
      if (i >= end) throw new LineError('trailing comma after the fields');
    }

    // Timestamp.
    while (i < end && s[i] === C_SPACE) i++;
    if (i < end) {
      let tEnd = end;
      while (tEnd > i && (s[tEnd - 1] === C_SPACE || s[tEnd - 1] === C_TAB)) tEnd--;
      this.timestampMs = this.#timestamp(s, i, tEnd);
    }
  }

  #fieldValue(s: Buffer, a: number, b: number, f: number, kStart: number, kEnd: number): void {
    const last = s[b - 1];
    const c0 = s[a];
    if (last === 105 /* i */ || last === 117 /* u */) {
      const unsigned = last === 117;
      const neg = c0 === C_MINUS;
      const dStart = neg ? a + 1 : a;
      if (dStart === b - 1 || (unsigned && neg)) throw new LineError(`invalid ${unsigned ? 'unsigned' : 'integer'} value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
      let v = 0;
      for (let j = dStart; j < b - 1; j++) {
        const d = s[j] - C_0;
        if (d < 0 || d > 9) throw new LineError(`invalid ${unsigned ? 'unsigned' : 'integer'} value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
        v = v * 10 + d;
      }
      const digits = b - 1 - dStart;
      // Past 2^53 the digit loop rounds twice; let the runtime round once.
      if (digits > 15) v = Number(s.toString('latin1', dStart, b - 1));
      if (digits >= 19) {
        const limit = unsigned ? UINT64_MAX : neg ? INT64_MIN_ABS : INT64_MAX;
        let j = dStart;
        while (j < b - 2 && s[j] === C_0) j++;
        const lit = s.toString('latin1', j, b - 1);
        if (lit.length > limit.length || (lit.length === limit.length && lit > limit)) {
          throw new LineError(`${unsigned ? 'unsigned' : 'integer'} value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)} out of range`);
        }
      }
      this.fieldTypes[f] = unsigned ? FieldType.Unsigned : FieldType.Integer;
      this.fieldValues[f] = neg ? -v : v;
      return;
    }
    const len = b - a;
    if ((c0 >= C_0 && c0 <= C_9) || c0 === C_MINUS || c0 === C_DOT || c0 === 43 /* + */) {
      const v = parseNumber(s, a, b);
      if (Number.isNaN(v)) throw new LineError(`invalid float value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
      this.fieldTypes[f] = FieldType.Float;
      this.fieldValues[f] = v;
      return;
    }
    if (len === 1) {
      if (c0 === 116 || c0 === 84) return this.#bool(f, 1);
      if (c0 === 102 || c0 === 70) return this.#bool(f, 0);
    } else if (len === 4 || len === 5) {
      // Only these lengths can spell a boolean; latin1 maps each byte to one character.
      const w = s.toString('latin1', a, b);
      if (w === 'true' || w === 'True' || w === 'TRUE') return this.#bool(f, 1);
      if (w === 'false' || w === 'False' || w === 'FALSE') return this.#bool(f, 0);
    }
    throw new LineError(`invalid value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
  }

  #bool(f: number, v: number): void {
    this.fieldTypes[f] = FieldType.Boolean;
    this.fieldValues[f] = v;
  }

  /** The bytes the offsets refer to. */
  get bytes(): Buffer {
    return this.#b;
  }

  /**
   * A hash of the series bytes (30 bits: a small integer in V8), computed on
   * first use: a caller that recognises the series otherwise (the series
   * after the previous row's, say) never pays for it.
   */
  get seriesHash(): number {
    if (this.#hash < 0) this.#hash = hashBytes30(this.#dv, this.seriesStart, this.seriesEnd);
    return this.#hash;
  }

  /** The number of tags of the row (splitting them now if `seriesKnown` skipped that). */
  get tagCount(): number {
    if (!this.#seriesParsed) this.#splitKnownSeries();
    return this.#tagCount;
  }

  /** The measurement and tags of a known series, split after all: they parsed before, so this cannot fail. */
  #splitKnownSeries(): void {
    this.#parseSeries(this.#b, this.seriesStart, this.#lineEnd);
    this.#seriesParsed = true;
  }

  measurement(): string {
    if (!this.#seriesParsed) this.#splitKnownSeries();
    const s = this.#utf8(this.seriesStart, this.#measurementEnd);
    return this.#measurementEscaped ? unescape(s, MEASUREMENT_SPECIAL) : s;
  }

  /** The measurement and tags as written (escapes kept). */
  seriesKey(): string {
    return this.#utf8(this.seriesStart, this.seriesEnd);
  }

  /** Whether the series text equals `key` (decodes: for tests and cold paths; the hot path is `seriesEquals`). */
  seriesIs(key: string): boolean {
    return this.seriesKey() === key;
  }

  /**
   * Whether the series bytes equal the `length` bytes stored by
   * `copySeries` at `words[at]` (no allocation; four bytes per step).
   */
  seriesEquals(words: Int32Array, at: number, length: number): boolean {
    const a = this.seriesStart;
    return length === this.seriesEnd - a && equalWords(this.#dv, this.#b, a, length, words, at);
  }

  /**
   * Stores the series bytes (`seriesEnd - seriesStart` of them) at
   * `words[at]` as little-endian 32-bit words, the last one padded with
   * zeros: `(length + 3) >> 2` words, for `seriesEquals`.
   */
  copySeries(words: Int32Array, at: number): void {
    copyWords(this.#dv, this.#b, this.seriesStart, this.seriesEnd - this.seriesStart, words, at);
  }

  tagKey(i: number): string {
    if (!this.#seriesParsed) this.#splitKnownSeries();
    const o = this.#tagOffsets;
    const s = this.#utf8(o[i * 4], o[i * 4 + 1]);
    return this.#tagEscaped[i] & 1 ? unescape(s, KEY_SPECIAL) : s;
  }

  tagValue(i: number): string {
    if (!this.#seriesParsed) this.#splitKnownSeries();
    const o = this.#tagOffsets;
    const s = this.#utf8(o[i * 4 + 2], o[i * 4 + 3]);
    return this.#tagEscaped[i] & 2 ? unescape(s, KEY_SPECIAL) : s;
  }

  fieldKey(f: number): string {
    const o = this.#fieldKeyOffsets;
    const s = this.#utf8(o[f * 2], o[f * 2 + 1]);
    return this.#fieldKeyEscaped[f] ? unescape(s, KEY_SPECIAL) : s;
  }

  /** Whether field `f`'s key, as written, equals `raw` (decodes: for tests and cold paths; the hot path is `fieldKeyIsRaw`). */
  fieldKeyIs(f: number, raw: string): boolean {
    return this.rawFieldKey(f) === raw;
  }

  /** Field `f`'s key as written (escapes kept): what `fieldKeyIs` compares with. */
  rawFieldKey(f: number): string {
    return this.#utf8(this.#fieldKeyOffsets[f * 2], this.#fieldKeyOffsets[f * 2 + 1]);
  }

  /** The number of bytes of field `f`'s key as written. */
  fieldKeyLength(f: number): number {
    return this.#fieldKeyOffsets[f * 2 + 1] - this.#fieldKeyOffsets[f * 2];
  }

  /** Whether field `f`'s key bytes as written equal the `length` bytes stored by `copyFieldKey` at `words[at]`. */
  fieldKeyEquals(f: number, words: Int32Array, at: number, length: number): boolean {
    const a = this.#fieldKeyOffsets[f * 2];
    return length === this.#fieldKeyOffsets[f * 2 + 1] - a && equalWords(this.#dv, this.#b, a, length, words, at);
  }

  /** Stores field `f`'s key bytes as written at `words[at]`, as `copySeries` does the series. */
  copyFieldKey(f: number, words: Int32Array, at: number): void {
    const a = this.#fieldKeyOffsets[f * 2];
    copyWords(this.#dv, this.#b, a, this.#fieldKeyOffsets[f * 2 + 1] - a, words, at);
  }

  #utf8(a: number, b: number): string {
    return this.#b.toString('utf8', a, b);
  }

  #growTags(): void {
    const o = new Int32Array(this.#tagOffsets.length * 2);
    o.set(this.#tagOffsets);
    this.#tagOffsets = o;
    const e = new Uint8Array(this.#tagEscaped.length * 2);
    e.set(this.#tagEscaped);
    this.#tagEscaped = e;
  }

  #growFields(): void {
    const v = new Float64Array(this.fieldValues.length * 2);
    v.set(this.fieldValues);
    this.fieldValues = v;
    const t = new Uint8Array(this.fieldTypes.length * 2);
    t.set(this.fieldTypes);
    this.fieldTypes = t;
    const k = new Int32Array(this.#fieldKeyOffsets.length * 2);
    k.set(this.#fieldKeyOffsets);
    this.#fieldKeyOffsets = k;
    const e = new Uint8Array(this.#fieldKeyEscaped.length * 2);
    e.set(this.#fieldKeyEscaped);
    this.#fieldKeyEscaped = e;
  }

  /**
   * An integer timestamp in the request's precision, to ms. Digits below a
   * millisecond are cut off (rounding toward minus infinity), so 19-digit
   * nanosecond timestamps convert exactly although they exceed 2^53.
   */
  #timestamp(s: Buffer, a: number, b: number): number {
    const neg = s[a] === C_MINUS;
    const dStart = neg ? a + 1 : a;
    if (dStart === b || b - dStart > 19) throw new LineError(`invalid timestamp ${quote(s, a, b)}`);
    const keep = b - dStart - this.#subMsDigits;
    let ms = 0;
    let rest = false;
    for (let j = dStart; j < b; j++) {
      const d = s[j] - C_0;
      if (d < 0 || d > 9) throw new LineError(`invalid timestamp ${quote(s, a, b)}`);
      if (j - dStart < keep) ms = ms * 10 + d;
      else if (d !== 0) rest = true;
    }
    ms *= this.#msPerUnit;
    if (neg) return rest ? -ms - 1 : -ms;
    return ms;
  }
}

/** Bytes `[a, a + n)` (n in 1..3) as the low bytes of a little-endian word: how a key's last, partial word is stored. */
function tailWord(s: Buffer, a: number, n: number): number {
  let w = s[a];
  if (n > 1) w |= s[a + 1] << 8;
  if (n > 2) w |= s[a + 2] << 16;
  return w;
}

/** Bytes `[a, a + n)` as little-endian words at `words[at]`, the last one padded with zero bytes. */
function copyWords(dv: DataView<ArrayBufferLike>, s: Buffer, a: number, n: number, words: Int32Array, at: number): void {
  const full = n >> 2;
  for (let k = 0; k < full; k++) words[at + k] = dv.getInt32(a + 4 * k, true);
  if ((n & 3) !== 0) words[at + full] = tailWord(s, a + 4 * full, n & 3);
}

/** Whether bytes `[a, a + n)` equal the `n` bytes `copyWords` stored at `words[at]`, a word at a time. */
function equalWords(dv: DataView<ArrayBufferLike>, s: Buffer, a: number, n: number, words: Int32Array, at: number): boolean {
  const full = n >> 2;
  for (let k = 0; k < full; k++) if (dv.getInt32(a + 4 * k, true) !== words[at + k]) return false;
  return (n & 3) === 0 || tailWord(s, a + 4 * full, n & 3) === words[at + full];
}

const MEASUREMENT_SPECIAL = ', \\';
const KEY_SPECIAL = ',= \\';

/** Drops a backslash that escapes one of `special` (which includes the backslash itself). */
function unescape(s: string, special: string): string {
  let out = '';
  let from = 0;
  const b = s.length;
  for (let i = 0; i < b - 1; i++) {
    if (s.charCodeAt(i) === C_BACKSLASH && special.includes(s[i + 1])) {
      out += s.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.slice(from, b);
}

/**
 * A float as line protocol writes it: decimal digits, optional sign, point
 * and exponent; no NaN/Inf. One pass checks the syntax and gathers the
 * digits; with at most 15 significant digits, no exponent and at most 22
 * decimals the result is the exact integer m over 10^k, one correctly
 * rounded division (Clinger's fast path: what `fastDecimal` in
 * net/numbers.ts does for strings, so it equals `Number()`); anything else
 * is left to `Number()`.
 */
function parseNumber(s: Buffer, a: number, b: number): number {
  let i = a;
  let c = s[i];
  const neg = c === C_MINUS;
  if (neg || c === 43) i++;
  let digits = 0;
  let significant = 0;
  let m = 0;
  let frac = -1;
  while (i < b && (c = s[i]) >= C_0 && c <= C_9) {
    if (m !== 0 || c !== C_0) significant++;
    m = m * 10 + (c - C_0);
    i++;
    digits++;
  }
  if (i < b && s[i] === C_DOT) {
    i++;
    frac = 0;
    while (i < b && (c = s[i]) >= C_0 && c <= C_9) {
      if (m !== 0 || c !== C_0) significant++;
      m = m * 10 + (c - C_0);
      frac++;
      i++;
      digits++;
    }
  }
  if (digits === 0) return NaN;
  let exponent = false;
  if (i < b && (s[i] | 0x20) === 101 /* e */) {
    exponent = true;
    i++;
    if (i < b && ((c = s[i]) === C_MINUS || c === 43)) i++;
    let exp = 0;
    while (i < b && (c = s[i]) >= C_0 && c <= C_9) {
      i++;
      exp++;
    }
    if (exp === 0) return NaN;
  }
  if (i !== b) return NaN;
  if (!exponent && significant <= 15 && frac <= 22) {
    const v = frac > 0 ? m / POW10[frac] : m;
    return neg ? -v : v;
  }
  const v = +s.toString('latin1', a, b);
  return Number.isFinite(v) ? v : NaN;
}

function quote(s: Buffer, a: number, b: number): string {
  const t = s.toString('utf8', a, b);
  return JSON.stringify(t.length > 64 ? `${t.slice(0, 64)}…` : t);
}
