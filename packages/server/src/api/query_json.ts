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

const POW10 = [1, 10, 100, 1000, 10000];

/**
 * A growable byte buffer the encoder writes into: a matrix of 100,000s of
 * points is written byte by byte, not as one small string per point
 * joined into a large one (which costs several times the formatting).
 */
export class JsonSink {
  buf: Buffer = Buffer.allocUnsafe(1 << 16);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Text known to be ASCII (numbers, keywords, the fixed keys). */
  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.len;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.len = p;
  }

  /** Any text, UTF-8 encoded. */
  text(s: string): void {
    this.ensure(3 * s.length);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** A timestamp as formatTimestamp writes it, without building the string for integer ms. */
  timestamp(ms: number): void {
    if (!Number.isSafeInteger(ms)) {
      this.ascii(formatTimestamp(ms));
      return;
    }
    this.ensure(24);
    let t = ms;
    if (t < 0) {
      this.buf[this.len++] = 45; // '-'
      t = -t;
    }
    const frac = t % 1000;
    this.#uint((t - frac) / 1000);
    if (frac !== 0) this.#fraction(frac, 3);
  }

  /**
   * The digits of a safe non-negative integer. Arithmetic stays on 31-bit
   * integers (larger ones are split at 10^9): `%` on a double larger than
   * that is a call to fmod in V8, several times slower.
   */
  #uint(x: number): void {
    if (x >= 0x40000000) {
      const hi = Math.floor(x / 1e9);
      this.#uint(hi);
      this.#padded(x - hi * 1e9, 9);
      return;
    }
    let digits = 1;
    for (let y = x; y >= 10; y = (y / 10) | 0) digits++;
    this.#padded(x, digits);
  }

  /** The `width` low digits of a 31-bit integer, zero-padded. */
  #padded(x: number, width: number): void {
    const buf = this.buf;
    let p = this.len + width;
    this.len = p;
    let y = x | 0;
    while (p > this.len - width) {
      const q = (y / 10) | 0;
      buf[--p] = 48 + y - q * 10;
      y = q;
    }
  }

  /** `.` and the `width` digits of `frac`. */
  #fraction(frac: number, width: number): void {
    this.buf[this.len++] = 46; // '.'
    this.#padded(frac, width);
  }

  /** `[<timestamp>,"<value>"]` of a vector or matrix point. */
  point(t: number, v: number): void {
    this.ensure(64);
    this.buf[this.len++] = 91; // '['
    this.timestamp(t);
    this.buf[this.len++] = 44; // ','
    this.buf[this.len++] = 34; // '"'
    // A value equal to the previous one (gauges, *_over_time maxima) is copied from where it was written.
    const at = this.len;
    if (v === this.#lastValue && v !== 0 && this.#lastLen > 0) {
      const buf = this.buf;
      for (let i = this.#lastAt, end = i + this.#lastLen, p = at; i < end; i++, p++) buf[p] = buf[i];
      this.len += this.#lastLen;
    } else {
      if (!this.#shortDecimal(v)) this.ascii(formatGoFloat(v));
      this.#lastValue = v;
    }
    this.#lastAt = at;
    this.#lastLen = this.len - at;
    this.ensure(2);
    this.buf[this.len++] = 34;
    this.buf[this.len++] = 93; // ']'
  }

  /** Where the last point's value was written, and the value. */
  #lastValue = NaN;
  #lastAt = 0;
  #lastLen = 0;

  /**
   * Writes `v` when it is a decimal of at most 15 significant digits with at
   * most 4 after the point (exporter values mostly are) and returns true;
   * else writes nothing. Such a decimal is the only one of 15 digits or
   * fewer that rounds to `v`, so it is exactly the shortest round-trip form
   * `String(v)` would give — without formatting through a string.
   */
  #shortDecimal(v: number): boolean {
    if (!(v !== 0 && v < 1e15 && v > -1e15)) return false;
    let k = 0;
    let m = v;
    while (m !== Math.floor(m)) {
      if (++k > 4) return false;
      m = Math.round(v * POW10[k]);
      if (m / POW10[k] !== v) m = 0.5;
    }
    if (m >= 1e15 || m <= -1e15) return false;
    this.ensure(24);
    if (m < 0) {
      this.buf[this.len++] = 45; // '-'
      m = -m;
    }
    // Trailing zeros of the fraction are not written.
    while (k > 0 && m % 10 === 0) {
      m /= 10;
      k--;
    }
    if (k === 0) {
      this.#uint(m);
      return true;
    }
    const whole = Math.floor(m / POW10[k]);
    this.#uint(whole);
    this.#fraction(m - whole * POW10[k], k);
    return true;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

/** Writes the `result` member for a query's result. */
export function writeResult(out: JsonSink, r: Result): void {
  switch (r.resultType) {
    case 'scalar':
      out.ascii(r.scalar === undefined ? 'null' : scalarPoint(r.scalar.t, r.scalar.v));
      return;
    case 'string':
      out.text(r.string === undefined ? 'null' : `[${String(r.string.t / 1000)},${JSON.stringify(r.string.v)}]`);
      return;
    case 'vector':
    case 'matrix': {
      const matrix = r.resultType === 'matrix';
      out.byte(91);
      for (let k = 0; k < r.series.length; k++) {
        const s = r.series[k];
        out.ascii(k > 0 ? ',{"metric":' : '{"metric":');
        out.text(labelsJson(s.labels));
        if (matrix) {
          out.ascii(',"values":[');
          const ts = s.timestamps;
          const vs = s.values;
          for (let i = 0; i < ts.length; i++) {
            if (i > 0) out.byte(44);
            out.point(ts[i], vs[i]);
          }
          out.ascii(']}');
        } else {
          out.ascii(',"value":');
          out.point(s.timestamps[0], s.values[0]);
          out.byte(125); // '}'
        }
      }
      out.byte(93);
      return;
    }
  }
}

/** The `result` member for a query's result. */
export function resultJson(r: Result): string {
  const out = new JsonSink();
  writeResult(out, r);
  return out.bytes().toString('utf8');
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

/** Writes the `data` member of a query response: `{"resultType":…,"result":…[,"stats":…]}`. */
export function writeQueryData(out: JsonSink, r: Result): void {
  out.ascii(`{"resultType":"${r.resultType}","result":`);
  writeResult(out, r);
  if (r.stats !== undefined) out.ascii(`,"stats":${statsJson(r.stats)}`);
  out.byte(125);
}

/** The `data` member of a query response, as a string. */
export function queryDataJson(r: Result): string {
  const out = new JsonSink();
  writeQueryData(out, r);
  return out.bytes().toString('utf8');
}
