/**
 * The JSON-lines format of `/api/v1/export` and `/api/v1/import`, one series
 * per line, as VictoriaMetrics's:
 *
 * ```
 * {"metric":{"__name__":"up","job":"node"},"values":[1,0,NaN,+Inf,"StaleNaN"],"timestamps":[1000,2000,3000,4000,5000]}
 * ```
 *
 * Values are JSON numbers written in the shortest form that reads back to the
 * same float (`-0` kept). NaN and ±Inf are written as VictoriaMetrics writes
 * them: the bare tokens `NaN`, `+Inf`, `-Inf` (not strict JSON; its importer
 * and ours read them). Prometheus's staleness marker (the NaN with bit
 * pattern 0x7ff0000000000002) is written as the string `"StaleNaN"` so it
 * survives export → import exactly; every other NaN is written as `NaN` and
 * reads back as the canonical NaN. Timestamps are integer milliseconds.
 *
 * The reader also accepts what VictoriaMetrics's importer accepts for special
 * values: `null`, `Infinity`, `-Infinity`, and those spellings (and `inf`,
 * `nan`, `Inf`) as strings.
 */
import { Labels } from '../model/labels.js';
import { STALE_NAN, isStaleNaN } from '../model/value.js';

export { STALE_NAN, isStaleNaN };

export function formatJsonValue(v: number): string {
  if (v !== v) return isStaleNaN(v) ? '"StaleNaN"' : 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0 && 1 / v < 0) return '-0';
  return String(v);
}

/** `{"name":"value",...}` in label order (not through an object, whose integer-like keys would be reordered). */
export function labelsJson(ls: Labels): string {
  const p = ls.pairs;
  let out = '{';
  for (let i = 0; i < p.length; i += 2) {
    if (i > 0) out += ',';
    out += JSON.stringify(p[i]) + ':' + JSON.stringify(p[i + 1]);
  }
  return out + '}';
}

/** One export line (with the trailing newline). */
export function formatJsonLine(ls: Labels, ts: ArrayLike<number>, vs: ArrayLike<number>, n: number): string {
  let out = '{"metric":' + labelsJson(ls) + ',"values":[';
  for (let i = 0; i < n; i++) out += (i > 0 ? ',' : '') + formatJsonValue(vs[i]);
  out += '],"timestamps":[';
  for (let i = 0; i < n; i++) out += (i > 0 ? ',' : '') + String(ts[i]);
  return out + ']}\n';
}

export interface JsonLineRow {
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

/** Parses one import line; throws an Error with a message fit for the response. */
export function parseJsonLine(line: string): JsonLineRow {
  const r = new LenientJsonReader(line);
  const root = r.document();
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw new Error('expected a JSON object');
  const obj = root as Record<string, unknown>;
  const metric = obj.metric;
  if (metric === undefined) throw new Error('missing "metric" object');
  if (metric === null || typeof metric !== 'object' || Array.isArray(metric)) throw new Error('"metric" must be an object');
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(metric as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new Error(`value of label ${JSON.stringify(k)} must be a string`);
    pairs.push(k, v);
  }
  const labels = Labels.fromPairs(pairs);
  if (labels.length === 0) throw new Error('"metric" has no labels');
  const values = obj.values;
  const timestamps = obj.timestamps;
  if (!Array.isArray(values) || values.length === 0) throw new Error('missing "values" array');
  if (!Array.isArray(timestamps) || timestamps.length === 0) throw new Error('missing "timestamps" array');
  if (values.length !== timestamps.length) {
    throw new Error(`"timestamps" array size must match "values" array size; got ${timestamps.length}; want ${values.length}`);
  }
  const vs = new Float64Array(values.length);
  const ts = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const f = toValue(values[i]);
    if (f === undefined) throw new Error(`cannot parse value at position ${i}: ${JSON.stringify(values[i])}`);
    vs[i] = f;
    const t = timestamps[i];
    if (typeof t !== 'number' || !Number.isSafeInteger(t)) throw new Error(`cannot parse timestamp at position ${i}: want an integer number of milliseconds`);
    ts[i] = t;
  }
  return { labels, timestamps: ts, values: vs };
}

const SPECIAL: Record<string, number> = {
  nan: NaN,
  null: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

function toValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === null) return NaN;
  if (typeof v === 'string') {
    if (v === 'StaleNaN') return STALE_NAN;
    return SPECIAL[v.toLowerCase()];
  }
  return undefined;
}

/**
 * JSON with the bare tokens NaN, Inf, +Inf, -Inf, Infinity, -Infinity as
 * numbers. Strings are decoded by JSON.parse on their exact slice.
 */
class LenientJsonReader {
  #p = 0;
  #depth = 0;
  constructor(readonly s: string) {}

  document(): unknown {
    const v = this.#value();
    this.#ws();
    if (this.#p < this.s.length) this.#fail('unexpected data after the JSON value');
    return v;
  }

  #value(): unknown {
    this.#ws();
    const c = this.s[this.#p];
    switch (c) {
      case '{':
        return this.#object();
      case '[':
        return this.#array();
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      case undefined:
        return this.#fail('unexpected end of line');
      default:
        return this.#number();
    }
  }

  #object(): Record<string, unknown> {
    if (++this.#depth > 16) this.#fail('nesting too deep');
    this.#p++;
    const out: Record<string, unknown> = {};
    this.#ws();
    if (this.s[this.#p] === '}') {
      this.#p++;
      this.#depth--;
      return out;
    }
    for (;;) {
      this.#ws();
      if (this.s[this.#p] !== '"') this.#fail('expected a string key');
      const k = this.#string();
      this.#ws();
      if (this.s[this.#p] !== ':') this.#fail('expected ":"');
      this.#p++;
      const v = this.#value();
      if (Object.hasOwn(out, k)) this.#fail(`duplicate key ${JSON.stringify(k)}`);
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      this.#ws();
      const c = this.s[this.#p++];
      if (c === '}') break;
      if (c !== ',') this.#fail('expected "," or "}"', this.#p - 1);
    }
    this.#depth--;
    return out;
  }

  #array(): unknown[] {
    if (++this.#depth > 16) this.#fail('nesting too deep');
    this.#p++;
    const out: unknown[] = [];
    this.#ws();
    if (this.s[this.#p] === ']') {
      this.#p++;
      this.#depth--;
      return out;
    }
    for (;;) {
      out.push(this.#value());
      this.#ws();
      const c = this.s[this.#p++];
      if (c === ']') break;
      if (c !== ',') this.#fail('expected "," or "]"', this.#p - 1);
    }
    this.#depth--;
    return out;
  }

  #string(): string {
    const start = this.#p;
    let i = start + 1;
    for (;;) {
      const c = this.s.charCodeAt(i);
      if (i >= this.s.length) this.#fail('unterminated string', start);
      if (c === 34) break;
      if (c === 92) i++;
      i++;
    }
    this.#p = i + 1;
    try {
      return JSON.parse(this.s.slice(start, i + 1)) as string;
    } catch {
      return this.#fail('invalid string', start);
    }
  }

  #literal<T>(word: string, v: T): T {
    if (!this.s.startsWith(word, this.#p)) this.#fail('unexpected token');
    this.#p += word.length;
    return v;
  }

  #number(): number {
    const m = /^(?:[+-]?(?:Infinity|Inf|NaN)|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.#p, this.#p + 400));
    if (m === null) this.#fail('unexpected token');
    this.#p += m[0].length;
    const t = m[0].replace(/^\+/, '');
    if (t === 'NaN' || t === '-NaN') return NaN;
    if (t === 'Inf' || t === 'Infinity') return Infinity;
    if (t === '-Inf' || t === '-Infinity') return -Infinity;
    return Number(t);
  }

  #ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.#p);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.#p++;
      else return;
    }
  }

  #fail(msg: string, at = this.#p): never {
    throw new Error(`cannot parse JSON at column ${at + 1}: ${msg}`);
  }
}
