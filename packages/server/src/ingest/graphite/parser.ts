/**
 * A pull parser for the Graphite plaintext protocol, over a string holding
 * whole lines:
 *
 * ```
 * <path>[;tag=value...] <value> [<timestamp>]
 * ```
 *
 * Fields are separated by spaces or tabs. The value is a decimal float
 * (`nan`, `inf` as Graphite's Python accepts them are taken too). The
 * timestamp is in seconds since the epoch, possibly fractional; `-1` or no
 * timestamp means "now" (the time of the request, passed to `reset`). Tags
 * follow Graphite's rules: a tag name is non-empty and contains none of
 * `;!^=`; a value is non-empty, contains no `;` and does not start with `~`.
 *
 * After `next()` returns `LineKind.Row`: `value`, `timestampMs`, and the
 * series as written — `[seriesStart, seriesEnd)` of the text with its hash
 * `seriesHash`, compared in place with `seriesIs(key)` — so a known series
 * costs no string. Names are built on request: `path()`, `tagName(i)`,
 * `tagValue(i)` for `i < tagCount`, `seriesKey()`. After `LineKind.Error`:
 * `error` and `line`.
 */
import { LineKind } from '../influx/parser.js';
import { isBlank, LineError, LineScanner } from '../net/lines.js';
import { fastDecimal } from '../net/numbers.js';

export { LineKind };

const C_TAB = 9;
const C_SPACE = 32;
const C_SEMI = 59;
const C_EQ = 61;


export class GraphiteParser extends LineScanner {
  value = 0;
  timestampMs = 0;
  seriesStart = 0;
  seriesEnd = 0;
  seriesHash = 0;
  tagCount = 0;
  #pathEnd = 0;
  /** Per tag: name start, '=' position, value end. */
  #tags = new Int32Array(48);

  #nowMs = 0;

  reset(text: string, nowMs: number, firstLine = 1): this {
    this.start(text, firstLine);
    this.#nowMs = nowMs;
    return this;
  }

  path(): string {
    return this.text.slice(this.seriesStart, this.#pathEnd);
  }

  tagName(i: number): string {
    return this.text.slice(this.#tags[i * 3], this.#tags[i * 3 + 1]);
  }

  tagValue(i: number): string {
    return this.text.slice(this.#tags[i * 3 + 1] + 1, this.#tags[i * 3 + 2]);
  }

  seriesKey(): string {
    return this.text.slice(this.seriesStart, this.seriesEnd);
  }

  seriesIs(key: string): boolean {
    return key.length === this.seriesEnd - this.seriesStart && this.text.startsWith(key, this.seriesStart);
  }

  protected parseLine(start: number, end: number): void {
    const s = this.text;
    // Series: path and tags up to the first blank, hashed on the way.
    let h = 0x811c9dc5;
    let i = start;
    let c = 0;
    for (; i < end; i++) {
      c = s.charCodeAt(i);
      if (c === C_SPACE || c === C_TAB || c === C_SEMI) break;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (i === start) throw new LineError(c === C_SEMI ? 'empty metric path' : 'missing metric path');
    this.seriesStart = start;
    this.#pathEnd = i;
    this.tagCount = 0;
    while (i < end && s.charCodeAt(i) === C_SEMI) {
      h = Math.imul(h ^ C_SEMI, 0x01000193);
      const nameStart = ++i;
      let eq = -1;
      let bad = false;
      for (; i < end; i++) {
        c = s.charCodeAt(i);
        if (c === C_SPACE || c === C_TAB || c === C_SEMI) break;
        h = Math.imul(h ^ c, 0x01000193);
        if (eq < 0) {
          if (c === C_EQ) eq = i;
          else if (c === 33 /* ! */ || c === 94 /* ^ */) bad = true;
        }
      }
      if (eq < 0) throw new LineError(`tag ${JSON.stringify(s.slice(nameStart, i))} is not name=value`);
      if (eq === nameStart || bad) throw new LineError(`invalid tag name ${JSON.stringify(s.slice(nameStart, eq))}`);
      if (eq + 1 === i || s.charCodeAt(eq + 1) === 126 /* ~ */) {
        throw new LineError(`invalid value ${JSON.stringify(s.slice(eq + 1, i))} of tag ${JSON.stringify(s.slice(nameStart, eq))}`);
      }
      const t = this.tagCount++;
      if (t * 3 === this.#tags.length) {
        const grown = new Int32Array(this.#tags.length * 2);
        grown.set(this.#tags);
        this.#tags = grown;
      }
      this.#tags[t * 3] = nameStart;
      this.#tags[t * 3 + 1] = eq;
      this.#tags[t * 3 + 2] = i;
    }
    this.seriesEnd = i;
    // 30 bits: a small integer (Smi) in V8, so a Map keyed by it neither allocates nor hashes a heap number.
    this.seriesHash = h & 0x3fffffff;

    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i === end) throw new LineError(`missing value after ${JSON.stringify(this.seriesKey())}`);
    const vStart = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    let value = fastDecimal(s, vStart, i);
    if (value !== value) {
      const v = parseGraphiteFloat(s.slice(vStart, i));
      if (v === undefined) throw new LineError(`invalid value ${JSON.stringify(s.slice(vStart, i))}`);
      value = v;
    }
    this.value = value;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i === end) {
      this.timestampMs = this.#nowMs;
      return;
    }
    const tStart = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    if (i !== end) throw new LineError(`unexpected text after the timestamp: ${JSON.stringify(s.slice(i, end).trim())}`);
    let ts = fastDecimal(s, tStart, end);
    const c0 = s.charCodeAt(tStart);
    if (ts !== ts || c0 === 43 /* + */ || s.charCodeAt(end - 1) === 46 /* trailing . */) {
      const raw = s.slice(tStart, end);
      ts = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(ts)) throw new LineError(`invalid timestamp ${JSON.stringify(raw)}`);
    }
    this.timestampMs = ts === -1 ? this.#nowMs : Math.round(ts * 1000);
  }
}


const FLOAT_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A float as Graphite takes it: decimal, with `nan` and `[+-]inf` accepted in any case. */
export function parseGraphiteFloat(s: string): number | undefined {
  if (FLOAT_RE.test(s)) return Number(s);
  const l = s.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return undefined;
}
