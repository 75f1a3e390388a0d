/**
 * Histogram functions over classic histograms (series with an `le` label):
 * `histogram_quantile` and `histogram_fraction`, with Prometheus's bucket
 * coalescing and monotonicity fixes. Native histograms are not stored yet,
 * so the functions that only read native histograms return nothing.
 */
import type { Labels } from '../../model/labels.js';
import { METRIC_NAME } from '../../model/labels.js';
import type { Call } from '../parser/index.js';
import { badBucketLabel, forcedMonotonicity, invalidQuantile } from '../engine/annotations.js';
import type { Evaluator } from '../engine/evaluator.js';
import { newStepSeries, type StepSeries, type Value } from '../engine/value.js';
import { implement } from './catalogue.js';

interface Bucket {
  upper: number;
  count: number;
}

/** Go's strconv.ParseFloat for bucket bounds; undefined when it would fail. */
export function parseGoFloat(s: string): number | undefined {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  if (l === 'nan') return NaN;
  if (s === '' || /\s/.test(s) || /^[+-]?0x/i.test(s) || s.includes('_')) {
    if (/^[+-]?0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/i.test(s)) return parseHexFloat(s);
    return undefined;
  }
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

function parseHexFloat(s: string): number {
  const m = /^([+-]?)0x([0-9a-f]+)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s)!;
  const frac = m[3] ?? '';
  const mant = parseInt(m[2] + frac, 16) / 16 ** frac.length;
  const v = mant * 2 ** Number(m[4] ?? 0);
  return m[1] === '-' ? -v : v;
}

const SMALL_DELTA = 1e-12;
const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, eps: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

function sortAndCoalesce(buckets: Bucket[]): Bucket[] {
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else out.push({ upper: b.upper, count: b.count });
  }
  return out;
}

/** Returns whether a decrease had to be removed. */
function ensureMonotonic(buckets: Bucket[]): boolean {
  let forced = false;
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const cur = buckets[i].count;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, SMALL_DELTA)) {
      buckets[i].count = prev;
      continue;
    }
    if (cur < prev) {
      buckets[i].count = prev;
      forced = true;
      continue;
    }
    prev = cur;
  }
  return forced;
}

/** Prometheus's BucketQuantile: [value, forcedMonotonicity]. */
export function bucketQuantile(q: number, input: Bucket[]): [number, boolean] {
  if (Number.isNaN(q)) return [NaN, false];
  if (q < 0) return [-Infinity, false];
  if (q > 1) return [Infinity, false];
  let buckets = sortAndCoalesce(input);
  if (buckets[buckets.length - 1].upper !== Infinity) return [NaN, false];
  const forced = ensureMonotonic(buckets);
  if (buckets.length < 2) return [NaN, forced];
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return [NaN, forced];
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b].count >= rank)) b++;
  if (b === buckets.length - 1) return [buckets[buckets.length - 2].upper, forced];
  if (b === 0 && buckets[0].upper <= 0) return [buckets[0].upper, forced];
  let start = 0;
  const end = buckets[b].upper;
  let count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  buckets = [];
  return [start + (end - start) * (rank / count), forced];
}

/** Prometheus's BucketFraction: the share of observations in [lower, upper]. */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  const buckets = sortAndCoalesce(input);
  if (buckets[buckets.length - 1].upper !== Infinity) return NaN;
  ensureMonotonic(buckets);
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    let lowerBound = i > 0 ? buckets[i - 1].upper : -Infinity;
    const upperBound = b.upper;
    if (i === 0 && upperBound > 0) lowerBound = 0;
    // No interpolation inside a bucket of infinite width: it counts as wholly below (-Inf) or above (+Inf) the value.
    const interpolate = (v: number) =>
      lowerBound === -Infinity ? b.count : upperBound === Infinity ? rank : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound);
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interpolate(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interpolate(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

interface Family {
  labels: Labels;
  out: StepSeries;
  buckets: Bucket[];
  les: Float64Array;
}

/**
 * Groups the bucket series of the vector argument by their labels without
 * `le`, then calls `compute` per family and step with the present buckets.
 */
async function overBuckets(
  call: Call,
  ev: Evaluator,
  vectorArg: number,
  compute: (buckets: Bucket[], step: number, family: Family) => number,
): Promise<Value> {
  const series = await ev.evalVector(call.args[vectorArg]);
  const argPos = { start: call.args[vectorArg].start, end: call.args[vectorArg].end };
  const families = new Map<string, Family>();
  const member: (Family | undefined)[] = [];
  const les: number[] = [];
  for (const s of series) {
    const le = parseGoFloat(s.labels.get('le'));
    if (le === undefined) {
      if (s.ok.includes(1)) ev.ctx.warn(badBucketLabel(ev.delayed ? s.labels.get(METRIC_NAME) : '', s.labels.get('le')), argPos);
      member.push(undefined);
      les.push(NaN);
      continue;
    }
    const labels = s.labels.without('le');
    const k = labels.key();
    let f = families.get(k);
    if (!f) {
      f = { labels, out: newStepSeries(labels, ev.steps), buckets: [], les: new Float64Array(0) };
      families.set(k, f);
    }
    member.push(f);
    les.push(le);
  }
  for (let i = 0; i < ev.steps; i++) {
    for (const f of families.values()) f.buckets.length = 0;
    for (let si = 0; si < series.length; si++) {
      const f = member[si];
      if (!f || !series[si].ok[i]) continue;
      f.buckets.push({ upper: les[si], count: series[si].vs[i] });
    }
    for (const f of families.values()) {
      if (f.buckets.length === 0) continue;
      f.out.vs[i] = compute(f.buckets, i, f);
      f.out.ok[i] = 1;
    }
  }
  const out = [...families.values()].map((f) => f.out).filter((s) => s.ok.includes(1));
  return { kind: 'vector', series: ev.dropNames(out) };
}

implement('histogram_quantile', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const qs = await ev.evalScalar(call.args[0]);
    const qPos = { start: call.args[0].start, end: call.args[0].end };
    const vPos = { start: call.args[1].start, end: call.args[1].end };
    for (const q of qs) if (Number.isNaN(q) || q < 0 || q > 1) ev.ctx.warn(invalidQuantile(q), qPos);
    return overBuckets(call, ev, 1, (buckets, i, f) => {
      const [v, forced] = bucketQuantile(qs[i], buckets);
      if (forced) ev.ctx.info(forcedMonotonicity(ev.delayed ? f.labels.get(METRIC_NAME) : ''), vPos);
      return v;
    });
  },
});

implement('histogram_fraction', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const lower = await ev.evalScalar(call.args[0]);
    const upper = await ev.evalScalar(call.args[1]);
    return overBuckets(call, ev, 2, (buckets, i) => bucketFraction(lower[i], upper[i], buckets));
  },
});

/** Functions that read only native histograms: float samples are ignored. */
for (const name of ['histogram_count', 'histogram_sum', 'histogram_avg', 'histogram_stddev', 'histogram_stdvar']) {
  implement(name, {
    kind: 'custom',
    fn: async (call: Call, ev: Evaluator): Promise<Value> => {
      await ev.evalVector(call.args[0]);
      return { kind: 'vector', series: [] };
    },
  });
}
