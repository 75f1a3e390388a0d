/**
 * A pull parser for StatsD lines (one or more per packet, `\n`-separated):
 *
 * ```
 * <name>:<value>|<type>[|@<sample rate>][|#<tag>:<value>,...]
 * ```
 *
 * Types: `c` counter, `g` gauge (a leading `+` or `-` makes it a delta),
 * `ms` timer, `h` histogram, `d` DogStatsD distribution, `s` set (the value
 * is a member, any string). Tags, as statsd_exporter reads them: DogStatsD
 * `|#k:v,k2:v2`, InfluxDB-style `name,k=v,k2=v2:…` and Librato-style
 * `name#k=v,k2=v2:…`; a DogStatsD tag without a value is dropped. Several
 * samples may share one line: `name:1|c:2|c` (StatsD) or `name:1:2:3|d`
 * (DogStatsD packed values). Other DogStatsD fields (`|c:` container,
 * `|e:` external data, `|card:` cardinality, `|T` timestamp) are read and ignored; events (`_e{`) and service checks
 * (`_sc|`) are skipped as not metrics.
 *
 * A line is all or nothing: one bad sample makes the line an error.
 * After `next()` returns `LineKind.Row`, `name`, `tags`/`tagCount`
 * (reused), `type`, `value`, `relative`, `sampleRate`, `member` describe
 * one sample; `seriesKey` is the name and tags as written, a cache key.
 */
import { LineKind } from '../influx/parser.js';

export { LineKind };

export const enum StatsdType {
  Counter = 0,
  Gauge = 1,
  Timer = 2,
  Histogram = 3,
  Distribution = 4,
  Set = 5,
}

const TYPES: Record<string, StatsdType> = {
  c: StatsdType.Counter,
  g: StatsdType.Gauge,
  ms: StatsdType.Timer,
  h: StatsdType.Histogram,
  d: StatsdType.Distribution,
  s: StatsdType.Set,
};

class LineError extends Error {}

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export class StatsdParser {
  line = 0;
  error = '';
  name = '';
  seriesKey = '';
  readonly tags: string[] = [];
  tagCount = 0;
  type: StatsdType = StatsdType.Counter;
  value = 0;
  /** Gauges: the value is a delta (`+3`, `-3`). */
  relative = false;
  sampleRate = 1;
  /** Sets: the member. */
  member = '';

  #text = '';
  #pos = 0;
  // Samples of the current line, handed out one per next().
  #n = 0;
  #i = 0;
  #types = new Uint8Array(8);
  #values = new Float64Array(8);
  #rates = new Float64Array(8);
  #relative = new Uint8Array(8);
  #members: string[] = [];

  reset(text: string, firstLine = 1): this {
    this.#text = text;
    this.#pos = 0;
    this.#n = 0;
    this.#i = 0;
    this.line = firstLine - 1;
    return this;
  }

  next(): LineKind {
    if (this.#i < this.#n) {
      this.#emit(this.#i++);
      return LineKind.Row;
    }
    const s = this.#text;
    const len = s.length;
    while (this.#pos < len) {
      const start = this.#pos;
      let nl = s.indexOf('\n', start);
      if (nl < 0) nl = len;
      this.#pos = nl + 1;
      this.line++;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === 13) end--;
      let a = start;
      while (a < end && s.charCodeAt(a) === 32) a++;
      while (end > a && s.charCodeAt(end - 1) === 32) end--;
      if (a === end) continue;
      if (s.startsWith('_e{', a) || s.startsWith('_sc|', a)) continue;
      try {
        this.#parseLine(s.slice(a, end));
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        this.error = err.message;
        this.#n = 0;
        this.#i = 0;
        return LineKind.Error;
      }
      this.#i = 1;
      this.#emit(0);
      return LineKind.Row;
    }
    return LineKind.EOF;
  }

  #emit(k: number): void {
    this.type = this.#types[k] as StatsdType;
    this.value = this.#values[k];
    this.sampleRate = this.#rates[k];
    this.relative = this.#relative[k] === 1;
    this.member = this.type === StatsdType.Set ? this.#members[k] : '';
  }

  #parseLine(line: string): void {
    this.#n = 0;
    this.tagCount = 0;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new LineError(colon === 0 ? 'empty metric name' : `missing ":" in ${short(line)}`);
    const key = line.slice(0, colon);
    this.seriesKey = key;
    this.#nameAndTags(key);
    const rest = line.slice(colon + 1);
    if (rest === '') throw new LineError(`missing value of ${short(key)}`);

    // Specs follow each other separated by ':'; a DogStatsD field that may
    // itself contain ':' (`#tags`, `c:container`) runs to the next '|'.
    let packed: string[] = [];
    let i = 0;
    while (i < rest.length) {
      let j = i;
      while (j < rest.length && rest.charCodeAt(j) !== 124 /* | */ && rest.charCodeAt(j) !== 58 /* : */) j++;
      packed.push(rest.slice(i, j));
      if (j === rest.length || rest.charCodeAt(j) === 58) {
        i = j + 1;
        if (j === rest.length) break;
        continue;
      }
      // rest[j] is '|': the type and the fields follow.
      const meta: string[] = [];
      i = j + 1;
      for (;;) {
        // Only a sample rate may be followed by ':' and another spec; DogStatsD fields (`#tags`, `c:`, `e:`, `card:`) run to the next '|'.
        const dog = meta.length > 0 && rest.charCodeAt(i) !== 64 /* @ */;
        let k = i;
        while (k < rest.length && rest.charCodeAt(k) !== 124 && (dog || rest.charCodeAt(k) !== 58)) k++;
        meta.push(rest.slice(i, k));
        if (dog && rest.charCodeAt(i) === 35) this.seriesKey = key + rest.slice(i, k);
        i = k + 1;
        if (k >= rest.length || rest.charCodeAt(k) === 58) break;
      }
      this.#spec(packed, meta);
      packed = [];
    }
    if (packed.length > 0) throw new LineError(`missing type of value ${short(packed[0])} (expected value|type)`);
  }

  /** One `value[:value...]|type|@rate|#tags` spec. */
  #spec(values: string[], meta: string[]): void {
    const type = TYPES[meta[0]];
    if (type === undefined) throw new LineError(`unknown metric type ${short(meta[0])} (expected c, g, ms, h, d or s)`);
    let rate = 1;
    for (let m = 1; m < meta.length; m++) {
      const part = meta[m];
      if (part.startsWith('@')) {
        const r = NUMBER_RE.test(part.slice(1)) ? Number(part.slice(1)) : NaN;
        if (!(r > 0 && r <= 1)) throw new LineError(`invalid sample rate ${short(part)} (expected @ and a number in (0, 1])`);
        rate = r;
      } else if (part.startsWith('#')) this.#dogTags(part.slice(1));
      // Other fields (`c:` container id, `T` timestamp, future extensions) carry nothing we map.
    }
    for (const raw of values) {
      if (raw === '') throw new LineError('empty value');
      const k = this.#n;
      if (k === this.#values.length) this.#grow();
      this.#types[k] = type;
      this.#rates[k] = rate;
      this.#relative[k] = 0;
      if (type === StatsdType.Set) {
        this.#members[k] = raw;
        this.#values[k] = 0;
      } else {
        if (!NUMBER_RE.test(raw)) throw new LineError(`invalid value ${short(raw)}`);
        const v = Number(raw);
        if (!Number.isFinite(v)) throw new LineError(`invalid value ${short(raw)}`);
        if (type === StatsdType.Gauge) this.#relative[k] = raw.charCodeAt(0) === 43 || raw.charCodeAt(0) === 45 ? 1 : 0;
        if (type === StatsdType.Counter && v < 0) throw new LineError(`counter value ${short(raw)} is negative`);
        this.#values[k] = v;
      }
      this.#n++;
    }
  }

  /** The name, with InfluxDB-style (`,k=v`) or Librato-style (`#k=v`) tags cut off and read. */
  #nameAndTags(key: string): void {
    let cut = key.length;
    const comma = key.indexOf(',');
    const hash = key.indexOf('#');
    if (comma >= 0) cut = comma;
    if (hash >= 0 && hash < cut) cut = hash;
    if (cut === 0) throw new LineError('empty metric name');
    this.name = key.slice(0, cut);
    if (cut === key.length) return;
    for (const pair of key.slice(cut + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1) throw new LineError(`tag ${short(pair)} is not name=value`);
      this.#addTag(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }

  #dogTags(list: string): void {
    for (const tag of list.split(',')) {
      const c = tag.indexOf(':');
      if (c <= 0 || c === tag.length - 1) continue; // a tag without a value (or name): dropped, as statsd_exporter does
      this.#addTag(tag.slice(0, c), tag.slice(c + 1));
    }
  }

  #addTag(name: string, value: string): void {
    const n = this.tagCount++ * 2;
    this.tags[n] = name;
    this.tags[n + 1] = value;
  }

  #grow(): void {
    const size = this.#values.length * 2;
    const t = new Uint8Array(size);
    t.set(this.#types);
    this.#types = t;
    const v = new Float64Array(size);
    v.set(this.#values);
    this.#values = v;
    const r = new Float64Array(size);
    r.set(this.#rates);
    this.#rates = r;
    const rel = new Uint8Array(size);
    rel.set(this.#relative);
    this.#relative = rel;
  }
}

function short(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

/**
 * statsd_exporter's default name mapping: every character outside
 * `[a-zA-Z0-9_]` becomes `_`, and a name starting with a digit gets a `_`
 * prefix (`api.request-time` → `api_request_time`). Used for metric and tag
 * names alike.
 */
export function escapeStatsdName(name: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
    if (!ok) {
      out += name.slice(from, i) + '_';
      // One `_` per character, not per UTF-16 unit.
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < name.length) i++;
      from = i + 1;
    }
  }
  out = from === 0 ? name : out + name.slice(from);
  const c0 = out.charCodeAt(0);
  return c0 >= 48 && c0 <= 57 ? `_${out}` : out;
}
