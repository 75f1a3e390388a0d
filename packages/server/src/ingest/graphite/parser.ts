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
 * After `next()` returns `LineKind.Row`: `path`, `tags` (flat pairs, reused
 * for the next row, `tagCount` valid), `value`, `timestampMs`, and
 * `seriesKey` (path and tags as written, a cache key). After
 * `LineKind.Error`: `error` and `line`.
 */
import { LineKind } from '../influx/parser.js';

export { LineKind };

const C_TAB = 9;
const C_CR = 13;
const C_SPACE = 32;

class LineError extends Error {}

export class GraphiteParser {
  line = 0;
  error = '';
  path = '';
  seriesKey = '';
  readonly tags: string[] = [];
  tagCount = 0;
  value = 0;
  timestampMs = 0;

  #text = '';
  #pos = 0;
  #nowMs = 0;

  reset(text: string, nowMs: number, firstLine = 1): this {
    this.#text = text;
    this.#pos = 0;
    this.#nowMs = nowMs;
    this.line = firstLine - 1;
    return this;
  }

  next(): LineKind {
    const s = this.#text;
    const len = s.length;
    while (this.#pos < len) {
      const start = this.#pos;
      let nl = s.indexOf('\n', start);
      if (nl < 0) nl = len;
      this.#pos = nl + 1;
      this.line++;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === C_CR) end--;
      let i = start;
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      while (end > i && isBlank(s.charCodeAt(end - 1))) end--;
      if (i === end) continue;
      try {
        this.#parseLine(i, end);
        return LineKind.Row;
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        this.error = err.message;
        return LineKind.Error;
      }
    }
    return LineKind.EOF;
  }

  #parseLine(start: number, end: number): void {
    const s = this.#text;
    let i = start;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    const keyEnd = i;
    this.seriesKey = s.slice(start, keyEnd);
    this.#parseKey(start, keyEnd);
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i === end) throw new LineError(`missing value after ${JSON.stringify(this.seriesKey)}`);
    const vStart = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    const value = parseGraphiteFloat(s.slice(vStart, i));
    if (value === undefined) throw new LineError(`invalid value ${JSON.stringify(s.slice(vStart, i))}`);
    this.value = value;
    while (i < end && isBlank(s.charCodeAt(i))) i++;
    if (i === end) {
      this.timestampMs = this.#nowMs;
      return;
    }
    const tStart = i;
    while (i < end && !isBlank(s.charCodeAt(i))) i++;
    if (i !== end) throw new LineError(`unexpected text after the timestamp: ${JSON.stringify(s.slice(i, end).trim())}`);
    const raw = s.slice(tStart, end);
    const ts = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isFinite(ts)) throw new LineError(`invalid timestamp ${JSON.stringify(raw)}`);
    this.timestampMs = ts === -1 ? this.#nowMs : Math.round(ts * 1000);
  }

  #parseKey(start: number, end: number): void {
    const s = this.#text;
    this.tagCount = 0;
    let semi = s.indexOf(';', start);
    if (semi < 0 || semi >= end) semi = end;
    if (semi === start) throw new LineError('empty metric path');
    this.path = s.slice(start, semi);
    let i = semi;
    while (i < end) {
      i++; // ';'
      let next = s.indexOf(';', i);
      if (next < 0 || next > end) next = end;
      const eq = s.indexOf('=', i);
      if (eq < 0 || eq >= next) throw new LineError(`tag ${JSON.stringify(s.slice(i, next))} is not name=value`);
      const name = s.slice(i, eq);
      const value = s.slice(eq + 1, next);
      if (name === '' || /[!^]/.test(name)) throw new LineError(`invalid tag name ${JSON.stringify(name)}`);
      if (value === '' || value.charCodeAt(0) === 126 /* ~ */) throw new LineError(`invalid value ${JSON.stringify(value)} of tag ${JSON.stringify(name)}`);
      const n = this.tagCount++ * 2;
      this.tags[n] = name;
      this.tags[n + 1] = value;
      i = next;
    }
  }
}

function isBlank(c: number): boolean {
  return c === C_SPACE || c === C_TAB;
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
