/**
 * The scanning both exposition parsers are built from: label blocks, quoted
 * strings, names, family membership, errors, and the accessors of `Parser`.
 *
 * Why a string and not a Buffer: every name and value the caller keeps is a
 * JS string anyway, Node decodes a whole UTF-8 body to a string natively in
 * one pass (faster than decoding token by token), and `charCodeAt` on a flat
 * string is as cheap as indexing bytes. Bodies given as bytes are decoded
 * once; lines that are not valid UTF-8 are reported as errors on their own
 * line instead of being silently replaced with U+FFFD.
 */
import { isUtf8 } from 'node:buffer';
import { Labels, METRIC_NAME } from '../model/labels.js';
import { ParseError } from './errors.js';
import { formatCanonicalFloat, parseFloatToken } from './numbers.js';
import { Entry, type MetricType, type Parser } from './parser.js';

const C_TAB = 9;
const C_LF = 10;
const C_SP = 32;
const C_QUOTE = 34;
const C_HASH = 35;
const C_COMMA = 44;
const C_EQ = 61;
const C_BACKSLASH = 92;
const C_LBRACE = 123;
const C_RBRACE = 125;

/** Internal type codes, ordered as `TYPE_NAMES`. */
export const enum T {
  Unknown = 0,
  Counter = 1,
  Gauge = 2,
  Histogram = 3,
  GaugeHistogram = 4,
  Summary = 5,
  Info = 6,
  StateSet = 7,
}
const TYPE_NAMES: readonly MetricType[] = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];

/** Which suffix ties a sample name to its family. */
export const enum Suffix {
  None = 0,
  Total = 1,
  Created = 2,
  Bucket = 3,
  Count = 4,
  Sum = 5,
  GCount = 6,
  GSum = 7,
  Info = 8,
}

const enum Normalize {
  No = 0,
  Le = 1,
  Quantile = 2,
}

// Per label: name start, name end, value start, value end, flags.
const LABEL_STRIDE = 5;
const F_NAME_ESCAPED = 1;
const F_VALUE_ESCAPED = 2;

export function isLegacyNameStart(c: number, metric: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (metric && c === 58);
}

export function isLegacyNameChar(c: number, metric: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || (metric && c === 58);
}

/**
 * Decodes a body given as bytes. Invalid UTF-8 does not fail the whole body:
 * the returned line numbers are reported as errors when the parser reaches them.
 */
export function decodeBody(body: Uint8Array): { text: string; badLines: Set<number> | undefined } {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const text = buf.toString('utf8');
  if (isUtf8(buf)) return { text, badLines: undefined };
  const badLines = new Set<number>();
  let start = 0;
  for (let line = 1; start <= buf.length; line++) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    if (!isUtf8(buf.subarray(start, end))) badLines.add(line);
    start = end + 1;
  }
  return { text, badLines };
}

/** Unescapes `\\`, `\n` and (unless `help` of the text format) `\"`; other escapes stay as written. */
export function unescape(s: string, start: number, end: number, quoteEscapes: boolean): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (s.charCodeAt(i) !== C_BACKSLASH || i + 1 >= end) continue;
    const c = s.charCodeAt(i + 1);
    let r: string;
    if (c === C_BACKSLASH) r = '\\';
    else if (c === 110) r = '\n';
    else if (c === C_QUOTE && quoteEscapes) r = '"';
    else {
      i++;
      continue;
    }
    out += s.slice(from, i) + r;
    i++;
    from = i + 1;
  }
  return out + s.slice(from, end);
}

function isDelimiter(c: number): boolean {
  return c === C_SP || c === C_TAB || c === C_LF || c === C_COMMA || c === C_EQ || c === C_QUOTE || c === C_LBRACE || c === C_RBRACE;
}

export function hasBackslash(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === C_BACKSLASH) return true;
  return false;
}

export abstract class BaseParser implements Parser {
  protected readonly s: string;
  protected readonly len: number;
  protected readonly badLines: Set<number> | undefined;
  protected pos = 0;
  protected nextLine = 1;
  protected lineStart = 0;
  line = 0;

  protected kind: Entry = Entry.EOF;
  protected nameStart = 0;
  protected nameEnd = 0;
  protected nameEscaped = false;
  protected seriesStart = 0;
  protected seriesEnd = 0;
  protected lbl = new Int32Array(16 * LABEL_STRIDE);
  protected nLabels = 0;
  protected exLbl = new Int32Array(4 * LABEL_STRIDE);
  protected nExLabels = 0;
  protected hasEx = false;
  value = 0;
  timestamp: number | undefined = undefined;
  exemplarValue = 0;
  exemplarTimestamp: number | undefined = undefined;
  protected textStart = 0;
  protected textEnd = 0;
  protected textEscaped = false;
  /** Type entries: the declared type; samples: their family's type. */
  protected entryType: T = T.Unknown;
  protected normalize: Normalize = Normalize.No;
  /** Set by `scanQuoted`: whether the string had a backslash. */
  protected quotedEscaped = false;

  #name: string | undefined;
  #pairs: string[] = [];
  /** Positions of the next backslash and line feed at or after the last quoted string (-1: none left). */
  #nextBackslash = -2;
  #nextLF = -2;

  constructor(body: string | Uint8Array) {
    if (typeof body === 'string') {
      this.s = body;
      this.badLines = undefined;
    } else {
      const d = decodeBody(body);
      this.s = d.text;
      this.badLines = d.badLines;
    }
    this.len = this.s.length;
  }

  abstract next(): Entry;

  metricName(): string {
    if (this.kind === Entry.Comment || this.kind === Entry.EOF) return '';
    this.resolveEntry();
    return this.nameText();
  }

  /** The name scanned last, for use while an entry is being parsed. */
  protected nameText(): string {
    if (this.#name === undefined) {
      this.#name = this.nameEscaped ? unescape(this.s, this.nameStart, this.nameEnd, true) : this.s.slice(this.nameStart, this.nameEnd);
    }
    return this.#name;
  }

  /** The text format's parser uses the hint; the others scan every series. */
  expectSeries(_text: string): void {}

  seriesText(): string {
    return this.s.slice(this.seriesStart, this.seriesEnd);
  }

  labelPairs(): readonly string[] {
    this.resolveEntry();
    const out = this.#pairs;
    const s = this.s;
    const l = this.lbl;
    const n = this.nLabels;
    out.length = 2 + 2 * n;
    out[0] = METRIC_NAME;
    out[1] = this.nameText();
    for (let i = 0, o = 2; i < n; i++, o += 2) {
      const b = i * LABEL_STRIDE;
      const f = l[b + 4];
      const name = f & F_NAME_ESCAPED ? unescape(s, l[b], l[b + 1], true) : s.slice(l[b], l[b + 1]);
      let value = f & F_VALUE_ESCAPED ? unescape(s, l[b + 2], l[b + 3], true) : s.slice(l[b + 2], l[b + 3]);
      if (this.normalize !== Normalize.No && name === (this.normalize === Normalize.Le ? 'le' : 'quantile')) {
        const x = parseFloatToken(value, 0, value.length);
        if (x !== undefined) value = formatCanonicalFloat(x);
      }
      out[o] = name;
      out[o + 1] = value;
    }
    return out;
  }

  labels(): Labels {
    return this.buildLabels(this.labelPairs(), 0, this.seriesStart);
  }

  createdTimestamp(): number {
    return Math.round(this.value * 1000);
  }

  type(): MetricType {
    this.resolveEntry();
    return typeName(this.entryType);
  }

  help(): string {
    return this.kind === Entry.Help ? this.text(this.helpQuoteEscapes()) : '';
  }

  unit(): string {
    return this.kind === Entry.Unit ? this.s.slice(this.textStart, this.textEnd) : '';
  }

  comment(): string {
    return this.kind === Entry.Comment ? this.s.slice(this.textStart, this.textEnd) : '';
  }

  hasExemplar(): boolean {
    return this.hasEx;
  }

  exemplarLabels(): Labels {
    if (!this.hasEx) return Labels.EMPTY;
    const s = this.s;
    const l = this.exLbl;
    const pairs: string[] = new Array(2 * this.nExLabels);
    for (let i = 0; i < this.nExLabels; i++) {
      const b = i * LABEL_STRIDE;
      const f = l[b + 4];
      pairs[2 * i] = f & F_NAME_ESCAPED ? unescape(s, l[b], l[b + 1], true) : s.slice(l[b], l[b + 1]);
      pairs[2 * i + 1] = f & F_VALUE_ESCAPED ? unescape(s, l[b + 2], l[b + 3], true) : s.slice(l[b + 2], l[b + 3]);
    }
    return this.buildLabels(pairs, 0, l[0]);
  }

  /**
   * Work on the current entry a parser may leave until it is asked for:
   * `entryType` and `normalize` must be set once this returns.
   */
  protected resolveEntry(): void {}

  /** Whether `\"` is an escape in HELP text: in OpenMetrics it is, in the text format not. */
  protected abstract helpQuoteEscapes(): boolean;

  protected text(quoteEscapes: boolean): string {
    return this.textEscaped ? unescape(this.s, this.textStart, this.textEnd, quoteEscapes) : this.s.slice(this.textStart, this.textEnd);
  }

  /** Clears what the previous entry left behind. */
  protected resetEntry(): void {
    this.#name = undefined;
    this.nLabels = 0;
    this.hasEx = false;
    this.nExLabels = 0;
    this.timestamp = undefined;
    this.exemplarTimestamp = undefined;
    this.nameEscaped = false;
    this.textEscaped = false;
    this.normalize = Normalize.No;
    this.entryType = T.Unknown;
  }

  /** Sorts a copy of `[name, value, ...]` from `from` on, drops empty values, rejects duplicate names. */
  private buildLabels(src: readonly string[], from: number, errAt: number): Labels {
    const pairs: string[] = [];
    for (let i = from; i < src.length; i += 2) {
      if (src[i + 1] === '') continue;
      // Insertion sort: label sets are small and usually already sorted.
      let j = pairs.length;
      pairs.push(src[i], src[i + 1]);
      while (j > 0 && pairs[j - 2] > src[i]) {
        pairs[j] = pairs[j - 2];
        pairs[j + 1] = pairs[j - 1];
        j -= 2;
      }
      pairs[j] = src[i];
      pairs[j + 1] = src[i + 1];
      if (j > 0 && pairs[j - 2] === src[i]) this.failEntry(errAt, `duplicate label name ${JSON.stringify(src[i])}`);
    }
    return Labels.fromSortedPairs(pairs);
  }

  // ---- errors ----

  /** Throws a ParseError at `at` on the current line and moves to the start of the next line. */
  protected fail(at: number, reason: string): never {
    const column = this.column(at);
    const nl = this.s.indexOf('\n', Math.max(at, this.lineStart));
    this.pos = nl < 0 ? this.len : nl + 1;
    this.nextLine = this.line + 1;
    this.kind = Entry.EOF;
    throw new ParseError(this.line, column, reason);
  }

  /** Throws a ParseError about the current entry without moving (the line was consumed already). */
  protected failEntry(at: number, reason: string): never {
    throw new ParseError(this.line, this.column(at), reason);
  }

  private column(at: number): number {
    let col = 1;
    const end = Math.min(at, this.len);
    for (let i = this.lineStart; i < end; i++) {
      const c = this.s.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff) col++;
    }
    return col;
  }

  /** The token at `p` for an error message, like Prometheus's `got "..."`. */
  protected got(p: number): string {
    if (p >= this.len) return 'end of input';
    const s = this.s;
    let e = p;
    while (e < this.len && e - p < 32 && !isDelimiter(s.charCodeAt(e))) e++;
    // A delimiter is a token of its own.
    if (e === p) e++;
    return JSON.stringify(s.slice(p, e));
  }

  // ---- scanning ----

  protected skipBlanks(p: number): number {
    const s = this.s;
    let c = s.charCodeAt(p);
    while (c === C_SP || c === C_TAB) c = s.charCodeAt(++p);
    return p;
  }

  /** Returns the end of the legacy name starting at `p` (== p when there is none). */
  protected scanLegacyName(p: number, metric: boolean): number {
    const s = this.s;
    if (!isLegacyNameStart(s.charCodeAt(p), metric)) return p;
    p++;
    while (isLegacyNameChar(s.charCodeAt(p), metric)) p++;
    return p;
  }

  /** `p` is at an opening quote; returns the index of the closing quote and sets `quotedEscaped`. */
  protected scanQuoted(p: number, what: string): number {
    const s = this.s;
    // Fast path: the closing quote found natively, with no backslash or line feed before it.
    // The next backslash and line feed are cached, so each is searched for once per occurrence.
    const q = s.indexOf('"', p + 1);
    if (q > p) {
      if (this.#nextBackslash <= p && this.#nextBackslash !== -1) this.#nextBackslash = s.indexOf('\\', p + 1);
      if (this.#nextLF <= p && this.#nextLF !== -1) this.#nextLF = s.indexOf('\n', p + 1);
      if ((this.#nextBackslash === -1 || this.#nextBackslash > q) && (this.#nextLF === -1 || this.#nextLF > q)) {
        this.quotedEscaped = false;
        return q;
      }
    }
    const len = this.len;
    let escaped = false;
    for (let i = p + 1; ; i++) {
      if (i >= len) this.fail(i, `unterminated quoted ${what}, got end of input`);
      const c = s.charCodeAt(i);
      if (c === C_QUOTE) {
        this.quotedEscaped = escaped;
        return i;
      }
      if (c === C_LF) this.fail(i, `unterminated quoted ${what}, got "\\n"`);
      if (c === C_BACKSLASH) {
        escaped = true;
        const d = s.charCodeAt(i + 1);
        if (i + 1 >= len || d === C_LF) this.fail(i + 1, `unterminated escape sequence in ${what}`);
        i++;
      }
    }
  }

  /**
   * Scans a metric name at `p` for metadata lines: legacy, or quoted with
   * UTF-8. Sets nameStart/nameEnd/nameEscaped; returns the index after it.
   */
  protected scanMetadataName(p: number, keyword: string): number {
    const s = this.s;
    if (s.charCodeAt(p) === C_QUOTE) {
      const q = this.scanQuoted(p, 'metric name');
      if (q === p + 1) this.fail(p, `empty metric name in ${keyword}`);
      this.nameStart = p + 1;
      this.nameEnd = q;
      this.nameEscaped = this.quotedEscaped;
      return q + 1;
    }
    const e = this.scanLegacyName(p, true);
    if (e === p) this.fail(p, `expected metric name after ${keyword}, got ${this.got(p)}`);
    this.nameStart = p;
    this.nameEnd = e;
    return e;
  }

  /**
   * Parses a label block; `p` is just after `{`. With `allowName`, a first
   * quoted string not followed by `=` is the metric name (Prometheus 3
   * UTF-8 syntax `{"my.metric", "a.b"="x"}`). Blanks between tokens are
   * allowed. Returns the index after `}`.
   */
  protected parseLabelBlock(p: number, allowName: boolean, exemplar: boolean): number {
    const s = this.s;
    let first = true;
    p = this.skipBlanks(p);
    if (s.charCodeAt(p) === C_RBRACE) return p + 1;
    for (;;) {
      let ns: number;
      let ne: number;
      let flags = 0;
      let c = s.charCodeAt(p);
      if (c === C_QUOTE) {
        const q = this.scanQuoted(p, 'label name');
        ns = p + 1;
        ne = q;
        if (this.quotedEscaped) flags |= F_NAME_ESCAPED;
        p = this.skipBlanks(q + 1);
        c = s.charCodeAt(p);
        if (c !== C_EQ) {
          if (first && allowName && (c === C_COMMA || c === C_RBRACE)) {
            if (ne === ns) this.fail(ns - 1, 'empty metric name');
            this.nameStart = ns;
            this.nameEnd = ne;
            this.nameEscaped = (flags & F_NAME_ESCAPED) !== 0;
            first = false;
            if (c === C_RBRACE) return p + 1;
            p = this.skipBlanks(p + 1);
            if (s.charCodeAt(p) === C_RBRACE) return p + 1;
            continue;
          }
          this.fail(p, `expected equal, got ${this.got(p)}`);
        }
        if (ne === ns) this.fail(ns - 1, 'empty label name');
      } else {
        ns = p;
        ne = this.scanLegacyName(p, false);
        if (ne === ns) this.fail(p, `expected label name, got ${this.got(p)}`);
        p = this.skipBlanks(ne);
        if (s.charCodeAt(p) !== C_EQ) this.fail(p, `expected equal, got ${this.got(p)}`);
      }
      first = false;
      p = this.skipBlanks(p + 1);
      if (s.charCodeAt(p) !== C_QUOTE) this.fail(p, `expected label value, got ${this.got(p)}`);
      const q = this.scanQuoted(p, 'label value');
      if (this.quotedEscaped) flags |= F_VALUE_ESCAPED;
      this.pushLabel(exemplar, ns, ne, p + 1, q, flags);
      p = this.skipBlanks(q + 1);
      c = s.charCodeAt(p);
      if (c === C_RBRACE) return p + 1;
      if (c !== C_COMMA) this.fail(p, `expected comma or brace close, got ${this.got(p)}`);
      p = this.skipBlanks(p + 1);
      // A trailing comma before the brace is accepted, as Prometheus does.
      if (s.charCodeAt(p) === C_RBRACE) return p + 1;
    }
  }

  private pushLabel(exemplar: boolean, ns: number, ne: number, vs: number, ve: number, flags: number): void {
    let arr = exemplar ? this.exLbl : this.lbl;
    const n = exemplar ? this.nExLabels : this.nLabels;
    const b = n * LABEL_STRIDE;
    if (b + LABEL_STRIDE > arr.length) {
      const grown = new Int32Array(arr.length * 2);
      grown.set(arr);
      arr = grown;
      if (exemplar) this.exLbl = grown;
      else this.lbl = grown;
    }
    arr[b] = ns;
    arr[b + 1] = ne;
    arr[b + 2] = vs;
    arr[b + 3] = ve;
    arr[b + 4] = flags;
    if (exemplar) this.nExLabels = n + 1;
    else this.nLabels = n + 1;
  }

  /** Whether one of the current sample's labels is named `name` (compared as written). */
  protected hasLabelNamed(name: string): boolean {
    const l = this.lbl;
    for (let i = 0; i < this.nLabels; i++) {
      const b = i * LABEL_STRIDE;
      if (l[b + 1] - l[b] !== name.length) continue;
      if (l[b + 4] & F_NAME_ESCAPED) {
        if (unescape(this.s, l[b], l[b + 1], true) === name) return true;
      } else if (this.s.startsWith(name, l[b])) return true;
    }
    return false;
  }

  /** Code points in the exemplar's label names and values (OpenMetrics caps them at 128). */
  protected exemplarRunes(): number {
    const s = this.s;
    const l = this.exLbl;
    let n = 0;
    for (let i = 0; i < this.nExLabels; i++) {
      const b = i * LABEL_STRIDE;
      for (let k = 0; k < 4; k += 2) {
        for (let j = l[b + k]; j < l[b + k + 1]; j++) {
          const c = s.charCodeAt(j);
          if (c === C_BACKSLASH) j++;
          if (c < 0xdc00 || c > 0xdfff) n++;
        }
      }
    }
    return n;
  }

  /**
   * Ties the current sample to the family `fam` of type `t`: returns the
   * suffix, or -1 when the name does not belong to that family. `noSuffix`
   * lets any type own its bare name (the text format, where exporters
   * declare `# TYPE x_total counter`). Sets `normalize`.
   */
  protected classify(fam: string | undefined, t: T, noSuffix: boolean): number {
    if (fam === undefined) return -1;
    let s = this.s;
    let start = this.nameStart;
    let len = this.nameEnd - start;
    if (this.nameEscaped) {
      s = this.nameText();
      start = 0;
      len = s.length;
    }
    const rest = len - fam.length;
    if (rest < 0 || !s.startsWith(fam, start)) return -1;
    const at = start + fam.length;
    if (rest === 0) {
      switch (t) {
        case T.Summary:
          this.normalize = Normalize.Quantile;
          return Suffix.None;
        case T.Gauge:
        case T.Unknown:
        case T.StateSet:
          return Suffix.None;
        default:
          return noSuffix ? Suffix.None : -1;
      }
    }
    switch (t) {
      case T.Counter:
        if (rest === 6 && s.startsWith('_total', at)) return Suffix.Total;
        if (rest === 8 && s.startsWith('_created', at)) return Suffix.Created;
        return -1;
      case T.Histogram:
        if (rest === 7 && s.startsWith('_bucket', at)) {
          this.normalize = Normalize.Le;
          return Suffix.Bucket;
        }
        if (rest === 6 && s.startsWith('_count', at)) return Suffix.Count;
        if (rest === 4 && s.startsWith('_sum', at)) return Suffix.Sum;
        if (rest === 8 && s.startsWith('_created', at)) return Suffix.Created;
        return -1;
      case T.GaugeHistogram:
        if (rest === 7 && s.startsWith('_bucket', at)) {
          this.normalize = Normalize.Le;
          return Suffix.Bucket;
        }
        if (rest === 7 && s.startsWith('_gcount', at)) return Suffix.GCount;
        if (rest === 5 && s.startsWith('_gsum', at)) return Suffix.GSum;
        return -1;
      case T.Summary:
        if (rest === 6 && s.startsWith('_count', at)) return Suffix.Count;
        if (rest === 4 && s.startsWith('_sum', at)) return Suffix.Sum;
        if (rest === 8 && s.startsWith('_created', at)) return Suffix.Created;
        return -1;
      case T.Info:
        return rest === 5 && s.startsWith('_info', at) ? Suffix.Info : -1;
      default:
        return -1;
    }
  }
}

export function typeName(t: T): MetricType {
  return TYPE_NAMES[t];
}

/** Maps a TYPE token to a type code; -1 when unknown to the format. */
export function typeCode(s: string, start: number, end: number, openMetrics: boolean): number {
  switch (s.slice(start, end)) {
    case 'counter':
      return T.Counter;
    case 'gauge':
      return T.Gauge;
    case 'histogram':
      return T.Histogram;
    case 'summary':
      return T.Summary;
    case 'untyped':
      return openMetrics ? -1 : T.Unknown;
    case 'unknown':
      return openMetrics ? T.Unknown : -1;
    case 'gaugehistogram':
      return openMetrics ? T.GaugeHistogram : -1;
    case 'info':
      return openMetrics ? T.Info : -1;
    case 'stateset':
      return openMetrics ? T.StateSet : -1;
    default:
      return -1;
  }
}
