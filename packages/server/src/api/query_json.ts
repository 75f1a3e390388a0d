/**
 * JSON encoding of query results, byte for byte as Prometheus's API writes
 * them (`util/jsonutil`, `web/api/v1/json_codec.go`):
 *
 * ```json
 * {"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1735689600.5,"0.25"]}]}
 * {"resultType":"matrix","result":[{"metric":{…},"values":[[1735689600,"1"],…]}]}
 * {"resultType":"scalar","result":[1735689600,"NaN"]}
 * ```
 *
 * Vector and matrix timestamps are Unix seconds written from the integer
 * milliseconds (`1.5` s is `1.500`, as Prometheus's jsoniter encoder
 * writes it); values are strings, in exponent form below 1e-6 and from
 * 1e21. Scalars and strings use Go's plain JSON float for the time and
 * never an exponent for the value (checked against Prometheus 2.42).
 * The text is built by hand: label names such as "1" would be reordered as
 * JavaScript object keys, and a float needs Go's formatting.
 */
import type { QueryStats, Result } from '../promql/engine/index.js';
import { labelsJson } from './jsonline.js';

/**
 * A float as Go's `strconv.FormatFloat(f, 'f' or 'e', -1, 64)` with
 * Prometheus's switch to the exponent form below 1e-6 and from 1e21:
 * `"NaN"`, `"+Inf"`, `"-Inf"`, `"-0"`, `"1e-07"`, `"1.5e+21"`, `"0.1"`.
 * The digits are the shortest that round-trip, which both languages
 * produce; only the exponent is spelled differently (Go pads it to two
 * digits and always writes its sign).
 */
export function formatGoFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const sign = s[e + 1] === '-' ? '-' : '+';
  const digits = s.slice(e + (s[e + 1] === '-' || s[e + 1] === '+' ? 2 : 1));
  return `${s.slice(0, e)}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

/** A float as Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatGoFloatF(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const s = String(Math.abs(v));
  const sign = v < 0 ? '-' : '';
  const e = s.indexOf('e');
  if (e < 0) return sign + s;
  const mantissa = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  // The mantissa is d[.ddd]: its point sits after the first digit.
  const point = 1 + exp;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${mantissa}`;
  if (point >= mantissa.length) return sign + mantissa + '0'.repeat(point - mantissa.length);
  return `${sign}${mantissa.slice(0, point)}.${mantissa.slice(point)}`;
}

/** Milliseconds as Prometheus writes a timestamp: seconds, then `.` and 3 digits when not whole (`1.5` is `1.500`). */
export function formatTimestamp(ms: number): string {
  let t = ms;
  let sign = '';
  if (t < 0) {
    sign = '-';
    t = -t;
  }
  const sec = Math.floor(t / 1000);
  const frac = t - sec * 1000;
  if (frac === 0) return `${sign}${sec}`;
  return `${sign}${sec}.${String(frac).padStart(3, '0')}`;
}

/**
 * Scalars and strings are marshalled by their own Go `MarshalJSON`: the
 * time as a float64 of seconds, the value with 'f' formatting (never an
 * exponent: `1e-7` is `"0.0000001"`).
 */
function scalarPoint(t: number, v: number): string {
  return `[${String(t / 1000)},"${formatGoFloatF(v)}"]`;
}

function point(t: number, v: number): string {
  return `[${formatTimestamp(t)},"${formatGoFloat(v)}"]`;
}

/** The `result` member for a query's result. */
export function resultJson(r: Result): string {
  switch (r.resultType) {
    case 'scalar':
      return r.scalar === undefined ? 'null' : scalarPoint(r.scalar.t, r.scalar.v);
    case 'string':
      return r.string === undefined ? 'null' : `[${String(r.string.t / 1000)},${JSON.stringify(r.string.v)}]`;
    case 'vector': {
      const parts: string[] = [];
      for (const s of r.series) {
        parts.push(`{"metric":${labelsJson(s.labels)},"value":${point(s.timestamps[0], s.values[0])}}`);
      }
      return `[${parts.join(',')}]`;
    }
    case 'matrix': {
      const parts: string[] = [];
      for (const s of r.series) {
        let values = '';
        for (let i = 0; i < s.timestamps.length; i++) values += (i > 0 ? ',' : '') + point(s.timestamps[i], s.values[i]);
        parts.push(`{"metric":${labelsJson(s.labels)},"values":[${values}]}`);
      }
      return `[${parts.join(',')}]`;
    }
  }
}

/** `stats` as Prometheus renders `stats.NewQueryStats` (timings in seconds). */
export function statsJson(s: QueryStats): string {
  const t = s.timings;
  return JSON.stringify({
    timings: {
      evalTotalTime: t.evalTotalTime,
      resultSortTime: t.resultSortTime,
      queryPreparationTime: t.queryPreparationTime,
      innerEvalTime: t.innerEvalTime,
      execQueueTime: t.execQueueTime,
      execTotalTime: t.execTotalTime,
    },
    samples: { totalQueryableSamples: s.samples.totalQueryableSamples, peakSamples: s.samples.peakSamples },
  });
}

/** The `data` member of a query response: `{"resultType":…,"result":…[,"stats":…]}`. */
export function queryDataJson(r: Result): string {
  let out = `{"resultType":"${r.resultType}","result":${resultJson(r)}`;
  if (r.stats !== undefined) out += `,"stats":${statsJson(r.stats)}`;
  return out + '}';
}
