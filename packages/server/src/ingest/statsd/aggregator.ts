/**
 * StatsD aggregation, as the StatsD daemon does it per flush interval, with
 * statsd_exporter's names:
 *
 * - counter `c`: a cumulative counter series `<name>` (each sample adds
 *   `value / sample rate`), written at every flush;
 * - gauge `g`: `<name>` holds the last value; `+n`/`-n` add to it;
 * - timer `ms`, histogram `h`, distribution `d`: per flush interval, as a
 *   summary (`<name>{quantile="0.5"}`… over the interval's values,
 *   `<name>_min`/`<name>_max` of the interval, cumulative `<name>_sum` and
 *   `<name>_count`) or, with `timerType: 'histogram'`, as classic histogram
 *   buckets (`<name>_bucket{le="…"}`, `_sum`, `_count`, all cumulative).
 *   Timer values are milliseconds and are written in seconds, as
 *   statsd_exporter does; `h` and `d` values are written as sent. A sample
 *   rate weighs an observation by `1 / rate` in count, sum and buckets;
 * - set `s`: `<name>` is the number of distinct members seen in the interval.
 *
 * Names and tag names are mapped with statsd_exporter's default escaping
 * (`escapeStatsdName`). A series not updated for `seriesTtlMs` is forgotten
 * after a last staleness marker; at most `maxSeries` are kept (new ones
 * beyond are rejected), and at most `maxValuesPerInterval` timer values per
 * series are kept for quantiles (a uniform reservoir sample beyond;
 * count, sum, min and max stay exact), so memory is bounded.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { escapeStatsdName, StatsdType, type StatsdParser } from './parser.js';

export interface StatsdAggregationOptions {
  timerType: 'summary' | 'histogram';
  /** Quantiles of summaries, each in (0, 1). */
  quantiles: readonly number[];
  /** Upper bounds of histogram buckets (+Inf is added). */
  buckets: readonly number[];
  maxSeries: number;
  /** 0 keeps series forever. */
  seriesTtlMs: number;
  maxValuesPerInterval: number;
}

export const STATSD_AGGREGATION_DEFAULTS: Readonly<StatsdAggregationOptions> = Object.freeze({
  timerType: 'summary',
  quantiles: Object.freeze([0.5, 0.9, 0.99]),
  buckets: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  maxSeries: 100_000,
  seriesTtlMs: 5 * 60_000,
  maxValuesPerInterval: 10_000,
});

const enum Kind {
  Counter = 0,
  Gauge = 1,
  Observer = 2,
  Set = 3,
}

const KIND_NAMES = ['counter', 'gauge', 'timer/histogram/distribution', 'set'];

function kindOf(t: StatsdType): Kind {
  switch (t) {
    case StatsdType.Counter:
      return Kind.Counter;
    case StatsdType.Gauge:
      return Kind.Gauge;
    case StatsdType.Set:
      return Kind.Set;
    default:
      return Kind.Observer;
  }
}

interface Entry {
  kind: Kind;
  base: Labels;
  /** Labels of each series written for this entry, and their storage refs (0 = unknown). */
  outLabels: Labels[];
  refs: number[];
  lastUpdated: number;
  value: number;
  // Observers.
  count: number;
  sum: number;
  min: number;
  max: number;
  values: Float64Array | undefined;
  nValues: number;
  seenInInterval: number;
  buckets: Float64Array | undefined;
  // Sets.
  members: Set<string> | undefined;
}

/** Receives the samples of a flush; `slot` indexes `entry.outLabels`/`refs`. */
export type FlushSink = (labels: Labels, ref: number, v: number) => number;

export class StatsdAggregator {
  readonly #opts: StatsdAggregationOptions;
  /** By kind, then by the name and tags as written: the fast path (no key to build). */
  readonly #byRaw: Map<string, Entry>[] = [new Map(), new Map(), new Map(), new Map()];
  #rawCount = 0;
  /** By label set: one entry per series whatever the spelling of its tags. */
  readonly #byLabels = new Map<string, Entry>();
  readonly #bounds: Float64Array;
  #random: () => number;

  constructor(opts: Partial<StatsdAggregationOptions> = {}, random: () => number = Math.random) {
    this.#opts = { ...STATSD_AGGREGATION_DEFAULTS, ...opts };
    this.#bounds = Float64Array.from([...this.#opts.buckets, Infinity]);
    this.#random = random;
  }

  get series(): number {
    return this.#byLabels.size;
  }

  /** Adds the parser's current sample. Returns an error message when the sample is refused. */
  add(p: StatsdParser, now: number): string | undefined {
    const kind = kindOf(p.type);
    const raw = p.seriesKey;
    const byRaw = this.#byRaw[kind];
    let e = byRaw.get(raw);
    if (e === undefined) {
      const b = new LabelsBuilder();
      for (let i = 0; i < p.tagCount; i++) b.set(escapeStatsdName(p.tags[2 * i]), p.tags[2 * i + 1]);
      b.set(METRIC_NAME, escapeStatsdName(p.name));
      const base = b.labels();
      const key = base.key();
      e = this.#byLabels.get(key);
      if (e === undefined) {
        if (this.#byLabels.size >= this.#opts.maxSeries) return `too many StatsD series (the limit is ${this.#opts.maxSeries})`;
        e = this.#newEntry(kind, base);
        this.#byLabels.set(key, e);
      } else if (e.kind !== kind) {
        return `metric ${JSON.stringify(base.metricName())} is already a ${KIND_NAMES[e.kind]}, cannot take a ${KIND_NAMES[kind]} sample`;
      }
      if (this.#rawCount >= 4 * this.#opts.maxSeries) this.#clearRaw();
      // A copy: the parser's key is a slice of the packet text.
      byRaw.set(Buffer.from(raw).toString(), e);
      this.#rawCount++;
    }
    e.lastUpdated = now;
    switch (kind) {
      case Kind.Counter:
        e.value += p.value / p.sampleRate;
        break;
      case Kind.Gauge:
        e.value = p.relative ? e.value + p.value : p.value;
        break;
      case Kind.Set:
        e.members!.add(p.member);
        break;
      case Kind.Observer:
        this.#observe(e, p.type === StatsdType.Timer ? p.value / 1000 : p.value, 1 / p.sampleRate);
        break;
    }
    return undefined;
  }

  #newEntry(kind: Kind, base: Labels): Entry {
    const e: Entry = {
      kind,
      base,
      outLabels: [],
      refs: [],
      lastUpdated: 0,
      value: 0,
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      values: undefined,
      nValues: 0,
      seenInInterval: 0,
      buckets: undefined,
      members: kind === Kind.Set ? new Set() : undefined,
    };
    const name = base.metricName();
    const derived = (suffix: string, extra?: [string, string]): Labels => {
      const b = new LabelsBuilder(base).set(METRIC_NAME, name + suffix);
      if (extra) b.set(extra[0], extra[1]);
      return b.labels();
    };
    if (kind !== Kind.Observer) e.outLabels.push(base);
    else if (this.#opts.timerType === 'histogram') {
      e.buckets = new Float64Array(this.#bounds.length);
      for (const ub of this.#bounds) e.outLabels.push(derived('_bucket', ['le', formatBound(ub)]));
      e.outLabels.push(derived('_sum'), derived('_count'));
    } else {
      for (const q of this.#opts.quantiles) e.outLabels.push(derived('', ['quantile', String(q)]));
      e.outLabels.push(derived('_sum'), derived('_count'), derived('_min'), derived('_max'));
      e.values = new Float64Array(16);
    }
    for (let i = 0; i < e.outLabels.length; i++) e.refs.push(0);
    return e;
  }

  #observe(e: Entry, v: number, weight: number): void {
    e.count += weight;
    e.sum += v * weight;
    e.seenInInterval++;
    if (e.buckets !== undefined) {
      const b = this.#bounds;
      for (let i = 0; i < b.length; i++) if (v <= b[i]) e.buckets[i] += weight;
      return;
    }
    if (v < e.min) e.min = v;
    if (v > e.max) e.max = v;
    const cap = this.#opts.maxValuesPerInterval;
    if (e.nValues < cap) {
      if (e.nValues === e.values!.length) {
        const grown = new Float64Array(Math.min(cap, e.values!.length * 2));
        grown.set(e.values!);
        e.values = grown;
      }
      e.values![e.nValues++] = v;
    } else {
      // Reservoir sampling: every value of the interval is kept with the same probability.
      const j = Math.floor(this.#random() * e.seenInInterval);
      if (j < cap) e.values![j] = v;
    }
  }

  /**
   * Writes every live series at time `t` through `sink` and starts a new
   * interval. Series idle for longer than the TTL get a staleness marker and
   * are forgotten. Returns the number of samples written.
   */
  flush(t: number, sink: FlushSink): number {
    let n = 0;
    const ttl = this.#opts.seriesTtlMs;
    const write = (e: Entry, slot: number, v: number) => {
      e.refs[slot] = sink(e.outLabels[slot], e.refs[slot], v);
      n++;
    };
    for (const [key, e] of this.#byLabels) {
      if (ttl > 0 && t - e.lastUpdated > ttl) {
        for (let i = 0; i < e.outLabels.length; i++) write(e, i, STALE_NAN);
        this.#byLabels.delete(key);
        continue;
      }
      switch (e.kind) {
        case Kind.Counter:
        case Kind.Gauge:
          write(e, 0, e.value);
          break;
        case Kind.Set:
          write(e, 0, e.members!.size);
          e.members!.clear();
          break;
        case Kind.Observer:
          if (e.buckets !== undefined) {
            for (let i = 0; i < e.buckets.length; i++) write(e, i, e.buckets[i]);
            write(e, e.buckets.length, e.sum);
            write(e, e.buckets.length + 1, e.count);
          } else {
            const q = this.#opts.quantiles;
            if (e.nValues > 0) {
              const sorted = e.values!.subarray(0, e.nValues).sort();
              for (let i = 0; i < q.length; i++) write(e, i, sorted[Math.max(0, Math.ceil(q[i] * sorted.length) - 1)]);
            }
            write(e, q.length, e.sum);
            write(e, q.length + 1, e.count);
            if (e.nValues > 0) {
              write(e, q.length + 2, e.min);
              write(e, q.length + 3, e.max);
            }
            e.nValues = 0;
            e.min = Infinity;
            e.max = -Infinity;
          }
          e.seenInInterval = 0;
          break;
      }
    }
    if (this.#rawCount > this.#byLabels.size) {
      this.#rawCount = 0;
      for (const m of this.#byRaw) {
        for (const [raw, e] of m) {
          if (this.#byLabels.get(e.base.key()) !== e) m.delete(raw);
          else this.#rawCount++;
        }
      }
    }
    return n;
  }

  #clearRaw(): void {
    for (const m of this.#byRaw) m.clear();
    this.#rawCount = 0;
  }

  /** Forgets the storage refs (after a failed commit the storage may not know them). */
  resetRefs(): void {
    for (const e of this.#byLabels.values()) e.refs.fill(0);
  }
}

function formatBound(b: number): string {
  return b === Infinity ? '+Inf' : String(b);
}
