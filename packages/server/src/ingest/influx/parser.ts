/**
 * A pull parser for InfluxDB line protocol, over a string holding whole
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
 * Hot path: the parser allocates nothing per sample. After `next()` returns
 * `LineKind.Row`, the row is described by offsets into the text and typed
 * arrays the parser reuses for the next row (`fieldValues`, `fieldTypes`);
 * names are materialized only on request (`measurement()`, `tagKey(i)`,
 * `tagValue(i)`, `fieldKey(f)`), so a caller that finds the series in a
 * cache by `seriesHash` and `seriesIs`/`fieldKeyIs` builds no string at
 * all. Strings handed out are the caller's to keep.
 * After `LineKind.Error` the parser has moved past the bad line; `error`
 * says what was wrong and `line` where.
 */
import { fastDecimal } from '../net/numbers.js';

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

const C_TAB = 9;
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

class LineError extends Error {}

export class LineProtocolParser {
  /** 1-based line number of the last row or error. */
  line = 0;
  error = '';
  /** The measurement and tag set as written: `[seriesStart, seriesEnd)` of the text, and its FNV-1a hash (30 bits). */
  seriesStart = 0;
  seriesEnd = 0;
  seriesHash = 0;
  tagCount = 0;
  /** Per tag: key start, key end, value start, value end (offsets into the text). */
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

  #text = '';
  #pos = 0;
  #end = 0;
  #precision: Precision = 'ns';

  /** Starts over on `text`; `firstLine` numbers its first line (for text streamed in pieces). */
  reset(text: string, precision: Precision = 'ns', firstLine = 1): this {
    this.#text = text;
    this.#pos = 0;
    this.#end = text.length;
    this.#precision = precision;
    this.line = firstLine - 1;
    return this;
  }

  next(): LineKind {
    const s = this.#text;
    while (this.#pos < this.#end) {
      const start = this.#pos;
      let nl = s.indexOf('\n', start);
      if (nl < 0 || nl > this.#end) nl = this.#end;
      this.#pos = nl + 1;
      this.line++;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === C_CR) end--;
      let i = start;
      while (i < end && (s.charCodeAt(i) === C_SPACE || s.charCodeAt(i) === C_TAB)) i++;
      if (i === end || s.charCodeAt(i) === C_HASH) continue;
      try {
        this.#parseLine(i, end);
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

  #parseLine(start: number, end: number): void {
    const s = this.#text;
    this.tagCount = 0;
    this.fieldCount = 0;
    this.timestampMs = NaN;

    // Measurement: up to an unescaped comma or space.
    let i = start;
    let escaped = false;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
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
    while (i < end && s.charCodeAt(i) === C_COMMA) {
      i++;
      const kStart = i;
      let kEsc = false;
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
        if (c === C_BACKSLASH) {
          kEsc = true;
          i++;
          continue;
        }
        if (c === C_EQ || c === C_COMMA || c === C_SPACE) break;
      }
      if (i >= end || s.charCodeAt(i) !== C_EQ) throw new LineError(`missing "=" after tag key ${quote(s, kStart, Math.min(i, end))}`);
      if (i === kStart) throw new LineError('empty tag key');
      const kEnd = i;
      i++;
      const vStart = i;
      let vEsc = false;
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
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
      const t = this.tagCount++;
      if (t * 4 === this.#tagOffsets.length) this.#growTags();
      const o = this.#tagOffsets;
      o[t * 4] = kStart;
      o[t * 4 + 1] = kEnd;
      o[t * 4 + 2] = vStart;
      o[t * 4 + 3] = i;
      this.#tagEscaped[t] = (kEsc ? 1 : 0) | (vEsc ? 2 : 0);
    }
    this.seriesStart = start;
    this.seriesEnd = i;
    let h = 0x811c9dc5;
    for (let j = start; j < i; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
    // 30 bits: a small integer (Smi) in V8, so a Map keyed by it neither allocates nor hashes a heap number.
    this.seriesHash = h & 0x3fffffff;
    if (i >= end) throw new LineError('missing fields');
    // One or more spaces separate the sections (InfluxDB tolerates several).
    while (i < end && s.charCodeAt(i) === C_SPACE) i++;
    if (i >= end) throw new LineError('missing fields');

    // Fields.
    for (;;) {
      const kStart = i;
      let kEsc = false;
      for (; i < end; i++) {
        const c = s.charCodeAt(i);
        if (c === C_BACKSLASH) {
          kEsc = true;
          i++;
          continue;
        }
        if (c === C_EQ || c === C_COMMA || c === C_SPACE) break;
      }
      if (i >= end || s.charCodeAt(i) !== C_EQ) throw new LineError(`missing "=" after field key ${quote(s, kStart, Math.min(i, end))}`);
      if (i === kStart) throw new LineError('empty field key');
      const kEnd = i;
      i++;
      const f = this.fieldCount;
      if (f === this.fieldValues.length) this.#growFields();
      if (i < end && s.charCodeAt(i) === C_QUOTE) {
        // String field: up to the closing unescaped quote.
        i++;
        for (; i < end; i++) {
          const c = s.charCodeAt(i);
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
          const c = s.charCodeAt(i);
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
      if (s.charCodeAt(i) === C_SPACE) break;
      i++; // comma
      if (i >= end) throw new LineError('trailing comma after the fields');
    }

    // Timestamp.
    while (i < end && s.charCodeAt(i) === C_SPACE) i++;
    if (i < end) {
      let tEnd = end;
      while (tEnd > i && (s.charCodeAt(tEnd - 1) === C_SPACE || s.charCodeAt(tEnd - 1) === C_TAB)) tEnd--;
      this.timestampMs = this.#timestamp(s, i, tEnd);
    }
  }

  #fieldValue(s: string, a: number, b: number, f: number, kStart: number, kEnd: number): void {
    const last = s.charCodeAt(b - 1);
    const c0 = s.charCodeAt(a);
    if (last === 105 /* i */ || last === 117 /* u */) {
      const unsigned = last === 117;
      const neg = c0 === C_MINUS;
      const dStart = neg ? a + 1 : a;
      if (dStart === b - 1 || (unsigned && neg)) throw new LineError(`invalid ${unsigned ? 'unsigned' : 'integer'} value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
      let v = 0;
      for (let j = dStart; j < b - 1; j++) {
        const d = s.charCodeAt(j) - C_0;
        if (d < 0 || d > 9) throw new LineError(`invalid ${unsigned ? 'unsigned' : 'integer'} value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
        v = v * 10 + d;
      }
      const digits = b - 1 - dStart;
      // Past 2^53 the digit loop rounds twice; let the runtime round once.
      if (digits > 15) v = Number(s.slice(dStart, b - 1));
      if (digits >= 19) {
        const limit = unsigned ? UINT64_MAX : neg ? INT64_MIN_ABS : INT64_MAX;
        let j = dStart;
        while (j < b - 2 && s.charCodeAt(j) === C_0) j++;
        const lit = s.slice(j, b - 1);
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
    } else {
      const w = s.slice(a, b);
      if (w === 'true' || w === 'True' || w === 'TRUE') return this.#bool(f, 1);
      if (w === 'false' || w === 'False' || w === 'FALSE') return this.#bool(f, 0);
    }
    throw new LineError(`invalid value ${quote(s, a, b)} of field ${quote(s, kStart, kEnd)}`);
  }

  #bool(f: number, v: number): void {
    this.fieldTypes[f] = FieldType.Boolean;
    this.fieldValues[f] = v;
  }

  /** The text the offsets refer to. */
  get text(): string {
    return this.#text;
  }

  measurement(): string {
    const a = this.seriesStart;
    const b = this.#measurementEnd;
    return this.#measurementEscaped ? unescape(this.#text, a, b, MEASUREMENT_SPECIAL) : this.#text.slice(a, b);
  }

  /** The measurement and tags as written (a cache key). */
  seriesKey(): string {
    return this.#text.slice(this.seriesStart, this.seriesEnd);
  }

  /** Whether the series text equals `key` (no allocation). */
  seriesIs(key: string): boolean {
    return key.length === this.seriesEnd - this.seriesStart && this.#text.startsWith(key, this.seriesStart);
  }

  tagKey(i: number): string {
    const o = this.#tagOffsets;
    return this.#tagEscaped[i] & 1 ? unescape(this.#text, o[i * 4], o[i * 4 + 1], KEY_SPECIAL) : this.#text.slice(o[i * 4], o[i * 4 + 1]);
  }

  tagValue(i: number): string {
    const o = this.#tagOffsets;
    return this.#tagEscaped[i] & 2 ? unescape(this.#text, o[i * 4 + 2], o[i * 4 + 3], KEY_SPECIAL) : this.#text.slice(o[i * 4 + 2], o[i * 4 + 3]);
  }

  fieldKey(f: number): string {
    const o = this.#fieldKeyOffsets;
    return this.#fieldKeyEscaped[f] ? unescape(this.#text, o[f * 2], o[f * 2 + 1], KEY_SPECIAL) : this.#text.slice(o[f * 2], o[f * 2 + 1]);
  }

  /** Whether field `f`'s key, as written, equals `raw` (no allocation). */
  fieldKeyIs(f: number, raw: string): boolean {
    const a = this.#fieldKeyOffsets[f * 2];
    return raw.length === this.#fieldKeyOffsets[f * 2 + 1] - a && this.#text.startsWith(raw, a);
  }

  /** Field `f`'s key as written (escapes kept): what `fieldKeyIs` compares with. */
  rawFieldKey(f: number): string {
    return this.#text.slice(this.#fieldKeyOffsets[f * 2], this.#fieldKeyOffsets[f * 2 + 1]);
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
  #timestamp(s: string, a: number, b: number): number {
    const neg = s.charCodeAt(a) === C_MINUS;
    const dStart = neg ? a + 1 : a;
    if (dStart === b || b - dStart > 19) throw new LineError(`invalid timestamp ${quote(s, a, b)}`);
    const cut = this.#precision === 'ns' ? 6 : this.#precision === 'us' ? 3 : 0;
    const keep = b - dStart - cut;
    let ms = 0;
    let rest = false;
    for (let j = dStart; j < b; j++) {
      const d = s.charCodeAt(j) - C_0;
      if (d < 0 || d > 9) throw new LineError(`invalid timestamp ${quote(s, a, b)}`);
      if (j - dStart < keep) ms = ms * 10 + d;
      else if (d !== 0) rest = true;
    }
    switch (this.#precision) {
      case 's':
        ms *= 1000;
        break;
      case 'm':
        ms *= 60_000;
        break;
      case 'h':
        ms *= 3_600_000;
        break;
    }
    if (neg) return rest ? -ms - 1 : -ms;
    return ms;
  }
}

const MEASUREMENT_SPECIAL = ', \\';
const KEY_SPECIAL = ',= \\';

/** Drops a backslash that escapes one of `special` (which includes the backslash itself). */
function unescape(s: string, a: number, b: number, special: string): string {
  let out = '';
  let from = a;
  for (let i = a; i < b - 1; i++) {
    if (s.charCodeAt(i) === C_BACKSLASH && special.includes(s[i + 1])) {
      out += s.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.slice(from, b);
}

/** A float as line protocol writes it: decimal digits, optional sign, point and exponent; no NaN/Inf. */
function parseNumber(s: string, a: number, b: number): number {
  let i = a;
  let c = s.charCodeAt(i);
  if (c === C_MINUS || c === 43) i++;
  let digits = 0;
  while (i < b && (c = s.charCodeAt(i)) >= C_0 && c <= C_9) {
    i++;
    digits++;
  }
  if (i < b && s.charCodeAt(i) === C_DOT) {
    i++;
    while (i < b && (c = s.charCodeAt(i)) >= C_0 && c <= C_9) {
      i++;
      digits++;
    }
  }
  if (digits === 0) return NaN;
  if (i < b && (s.charCodeAt(i) | 0x20) === 101 /* e */) {
    i++;
    if (i < b && ((c = s.charCodeAt(i)) === C_MINUS || c === 43)) i++;
    let exp = 0;
    while (i < b && (c = s.charCodeAt(i)) >= C_0 && c <= C_9) {
      i++;
      exp++;
    }
    if (exp === 0) return NaN;
  }
  if (i !== b) return NaN;
  const fast = fastDecimal(s, a, b);
  if (fast === fast) return fast;
  const v = +s.slice(a, b);
  return Number.isFinite(v) ? v : NaN;
}

function quote(s: string, a: number, b: number): string {
  const t = s.slice(a, b);
  return JSON.stringify(t.length > 64 ? `${t.slice(0, 64)}…` : t);
}
