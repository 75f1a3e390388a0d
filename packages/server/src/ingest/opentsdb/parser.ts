/**
 * OpenTSDB's telnet-style `put` lines and the JSON data points of its HTTP
 * `/api/put`:
 *
 * ```
 * put <metric> <timestamp> <value> <tagk1=tagv1> [<tagk2=tagv2> ...]
 * {"metric":"sys.cpu.nice","timestamp":1346846400,"value":18,"tags":{"host":"web01"}}
 * ```
 *
 * Timestamps are seconds or milliseconds, told apart as OpenTSDB does: an
 * integer that fits in 32 bits is seconds, a larger one milliseconds
 * (seconds may also carry a fraction, `1346846400.123`). OpenTSDB requires
 * at least one tag; so do we, for the same data to be accepted by both.
 *
 * The line parser reuses its fields across rows as the other parsers do.
 */
import { LineKind } from '../influx/parser.js';
import { isBlank, LineError, LineScanner } from '../net/lines.js';

export { LineKind };


/** OpenTSDB's SECOND_MASK: integer timestamps with none of these bits set are seconds. */
const SECOND_LIMIT = 2 ** 32;


/** Converts an OpenTSDB timestamp (seconds or ms) to ms, or undefined when it is not one. */
export function openTsdbTimestampMs(ts: number): number | undefined {
  if (!Number.isFinite(ts) || ts < 0) return undefined;
  if (!Number.isInteger(ts)) return ts < SECOND_LIMIT ? Math.round(ts * 1000) : undefined;
  return ts < SECOND_LIMIT ? ts * 1000 : ts;
}

export class TelnetParser extends LineScanner {
  metric = '';
  /** The metric and tags as written: a cache key for the series. */
  seriesKey = '';
  readonly tags: string[] = [];
  tagCount = 0;
  value = 0;
  timestampMs = 0;


  reset(text: string, firstLine = 1): this {
    this.start(text, firstLine);
    return this;
  }

  protected parseLine(start: number, end: number): void {
    const s = this.text;
    let i = start;
    const word = (): [number, number] => {
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      const a = i;
      while (i < end && !isBlank(s.charCodeAt(i))) i++;
      return [a, i];
    };
    const [ca, cb] = word();
    if (s.slice(ca, cb) !== 'put') throw new LineError(`unsupported command ${JSON.stringify(s.slice(ca, cb))} (only "put" is)`);
    const [ma, mb] = word();
    if (ma === mb) throw new LineError('missing metric');
    this.metric = s.slice(ma, mb);
    const [ta, tb] = word();
    if (ta === tb) throw new LineError('missing timestamp');
    const rawTs = s.slice(ta, tb);
    const ts = /^\d+(\.\d+)?$/.test(rawTs) ? openTsdbTimestampMs(Number(rawTs)) : undefined;
    if (ts === undefined) throw new LineError(`invalid timestamp ${JSON.stringify(rawTs)}`);
    this.timestampMs = ts;
    const [va, vb] = word();
    if (va === vb) throw new LineError('missing value');
    const v = parseOpenTsdbValue(s.slice(va, vb));
    if (v === undefined) throw new LineError(`invalid value ${JSON.stringify(s.slice(va, vb))}`);
    this.value = v;
    this.tagCount = 0;
    const tagsStart = i;
    for (;;) {
      const [a, b] = word();
      if (a === b) break;
      const eq = s.indexOf('=', a);
      if (eq < 0 || eq >= b) throw new LineError(`tag ${JSON.stringify(s.slice(a, b))} is not name=value`);
      if (eq === a) throw new LineError(`empty tag name in ${JSON.stringify(s.slice(a, b))}`);
      if (eq === b - 1) throw new LineError(`empty value of tag ${JSON.stringify(s.slice(a, eq))}`);
      const n = this.tagCount++ * 2;
      this.tags[n] = s.slice(a, eq);
      this.tags[n + 1] = s.slice(eq + 1, b);
    }
    if (this.tagCount === 0) throw new LineError(`metric ${JSON.stringify(this.metric)} has no tags (OpenTSDB requires at least one)`);
    this.seriesKey = s.slice(ma, mb) + s.slice(tagsStart, end);
  }
}


const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A data point value: a decimal number (OpenTSDB also takes `NaN` and `Infinity` spelled out). */
export function parseOpenTsdbValue(s: string): number | undefined {
  if (NUMBER_RE.test(s)) return Number(s);
  if (s === 'NaN') return NaN;
  if (s === 'Infinity' || s === '+Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return undefined;
}

/** One data point of an `/api/put` body, checked. */
export interface DataPoint {
  metric: string;
  timestampMs: number;
  value: number;
  tags: Record<string, string>;
}

/**
 * Validates one element of an `/api/put` body. Returns the point or an error
 * message as OpenTSDB words it. `value` may be a number or a numeric string.
 */
export function checkDataPoint(raw: unknown): DataPoint | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'data point is not a JSON object';
  const o = raw as Record<string, unknown>;
  if (typeof o.metric !== 'string' || o.metric === '') return 'metric name is missing or not a string';
  let ts: number | undefined;
  if (typeof o.timestamp === 'number') ts = openTsdbTimestampMs(o.timestamp);
  else if (typeof o.timestamp === 'string' && /^\d+(\.\d+)?$/.test(o.timestamp)) ts = openTsdbTimestampMs(Number(o.timestamp));
  if (ts === undefined) return `invalid timestamp ${JSON.stringify(o.timestamp)}`;
  let value: number | undefined;
  if (typeof o.value === 'number') value = o.value;
  else if (typeof o.value === 'string') value = parseOpenTsdbValue(o.value);
  if (value === undefined) return `invalid value ${JSON.stringify(o.value)}`;
  if (typeof o.tags !== 'object' || o.tags === null || Array.isArray(o.tags)) return 'tags are missing or not an object';
  const tags: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of Object.entries(o.tags as Record<string, unknown>)) {
    if (k === '') return 'empty tag name';
    if (typeof v !== 'string' || v === '') return `value of tag ${JSON.stringify(k)} is missing or not a string`;
    tags[k] = v;
    n++;
  }
  if (n === 0) return 'at least one tag is required';
  return { metric: o.metric, timestampMs: ts, value, tags };
}
