/**
 * OTLP metrics → Prometheus series, as Prometheus's own OTLP receiver does
 * with its default translation strategy (`UnderscoreEscapingWithSuffixes`):
 *
 * - Metric names: characters outside `[a-zA-Z0-9:]` split the name into
 *   tokens joined by `_` (so runs of `_`, `.` … become one `_`); the unit
 *   is appended (`s` → `seconds`, `By` → `bytes`, `1` → nothing, `{packets}`
 *   → nothing, `By/s` → `bytes_per_second`; unknown units as written,
 *   cleaned the same way) unless the name already holds that token;
 *   monotonic sums get `_total`, gauges with unit `1` get `_ratio`; a
 *   leading digit gets a `_` prefix.
 * - Label names: characters outside `[a-zA-Z0-9]` become `_` with runs
 *   collapsed (`__x__` reserved names are kept), a leading digit gets
 *   `key_`. Attributes that map to the same name are joined with `;` in
 *   key order.
 * - `job` = `service.namespace/service.name` (or `service.name`),
 *   `instance` = `service.instance.id`, on every series of the resource.
 *   The other resource attributes go on one `target_info` series (value 1,
 *   at the resource's latest point) with `job` and `instance`.
 * - Gauges, cumulative sums: one series. Histograms: `_bucket{le}`
 *   (cumulative, `+Inf` = count), `_sum` (when present), `_count`.
 *   Summaries: `{quantile}`, `_sum`, `_count`. A point flagged
 *   `NO_RECORDED_VALUE` becomes the staleness marker.
 * - Refused, with a message naming the metric: delta temporality (sums and
 *   histograms; Prometheus refuses them too unless its delta-to-cumulative
 *   feature is on — convert with the SDK's cumulative temporality or a
 *   collector's `deltatocumulative` processor), exponential histograms
 *   (native histograms are not stored yet), metrics without data.
 * - Timestamps: nanoseconds truncated to milliseconds.
 */
import { Labels, METRIC_NAME } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import {
  FLAG_NO_RECORDED_VALUE,
  formatFloatF,
  Temporality,
  type Attributes,
  type OtlpMetric,
  type ResourceMetrics,
} from './model.js';

const UNITS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const METRIC_TOKEN = /[a-zA-Z0-9:]+/g;

function unitSuffixes(unit: string): [main: string, per: string] {
  const slash = unit.indexOf('/');
  const mainRaw = (slash < 0 ? unit : unit.slice(0, slash)).trim();
  const perRaw = slash < 0 ? '' : unit.slice(slash + 1).trim();
  let main = '';
  let per = '';
  if (mainRaw !== '' && !/[{}]/.test(mainRaw)) main = Object.hasOwn(UNITS, mainRaw) ? UNITS[mainRaw] : mainRaw;
  if (perRaw !== '' && !/[{}]/.test(perRaw)) {
    const p = Object.hasOwn(PER_UNITS, perRaw) ? PER_UNITS[perRaw] : perRaw;
    if (p !== '') per = `per_${p}`;
  }
  return [cleanUnit(main), cleanUnit(per)];
}

/** Invalid characters to `_`, runs of `_` collapsed, a leading `_` dropped. */
function cleanUnit(u: string): string {
  return u.replace(/[^a-zA-Z0-9:]/g, '_').replace(/_+/g, '_').replace(/^_/, '');
}

export type NameType = 'gauge' | 'counter' | 'other';

/** The Prometheus metric name of an OTLP metric (before `_bucket`/`_sum`/`_count`); '' when nothing valid is left. */
export function metricName(name: string, unit: string, type: NameType): string {
  let tokens: string[] = [...(name.match(METRIC_TOKEN) ?? [])];
  let [main, per] = unitSuffixes(unit);
  if (tokens.includes(main)) main = '';
  if (per === 'per_') per = '';
  else {
    per = per.replace(/_$/, '');
    if (tokens.includes(per)) per = '';
  }
  if (per !== '') main = main.replace(/_$/, '');
  if (main !== '') tokens.push(main);
  if (per !== '') tokens.push(per);
  if (type === 'counter') tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (unit === '1' && type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  let out = tokens.join('_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  if (out !== name && /^_*$/.test(out)) return '';
  return out;
}

/** The Prometheus label name of an attribute key; '' when nothing valid is left. */
export function labelName(key: string): string {
  if (key === '') return '';
  let body = key;
  const reserved = key.length >= 4 && key.startsWith('__') && key.endsWith('__');
  if (reserved) body = key.slice(2, -2);
  let out = body.replace(/[^a-zA-Z0-9]+/g, '_');
  if (reserved) out = `__${out}__`;
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  if (/^_*$/.test(out)) return '';
  return out;
}

const SERVICE_NAME = 'service.name';
const SERVICE_NAMESPACE = 'service.namespace';
const SERVICE_INSTANCE_ID = 'service.instance.id';

/** One translated sample, handed to the sink. The labels object is shared by the series' samples. */
export type Sink = (labels: Labels, t: number, v: number) => void;
export type Refuse = (message: string, points: number) => void;

/** Labels of one data point: attributes (collisions joined by `;`), then job/instance, then extras. */
function pointLabels(attrs: Attributes, resource: ResourceIdentity, name: string, extra?: [string, string]): Labels {
  const sorted = attrs.length > 1 ? [...attrs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) : attrs;
  const m = new Map<string, string>();
  for (const [k, v] of sorted) {
    const n = labelName(k);
    if (n === '') continue;
    const prev = m.get(n);
    m.set(n, prev === undefined ? v : `${prev};${v}`);
  }
  if (resource.job !== '') m.set('job', resource.job);
  if (resource.instance !== '') m.set('instance', resource.instance);
  if (extra) m.set(extra[0], extra[1]);
  m.set(METRIC_NAME, name);
  const obj: Record<string, string> = {};
  for (const [k, v] of m) obj[k] = v;
  return Labels.fromObject(obj);
}

interface ResourceIdentity {
  job: string;
  instance: string;
}

function identity(resource: Attributes): ResourceIdentity {
  let name = '';
  let ns = '';
  let instance = '';
  for (const [k, v] of resource) {
    if (k === SERVICE_NAME) name = v;
    else if (k === SERVICE_NAMESPACE) ns = v;
    else if (k === SERVICE_INSTANCE_ID) instance = v;
  }
  return { job: name === '' ? '' : ns === '' ? name : `${ns}/${name}`, instance };
}

function valueOf(flags: number, v: number): number {
  return (flags & FLAG_NO_RECORDED_VALUE) !== 0 ? STALE_NAN : v;
}

/** Translates a request; every sample goes to `sink`, every refused point to `refuse` with the reason. */
export function translate(request: readonly ResourceMetrics[], sink: Sink, refuse: Refuse): void {
  for (const rm of request) {
    const id = identity(rm.resource);
    let latest = -Infinity;
    for (const sm of rm.scopes) {
      for (const m of sm.metrics) {
        const t = translateMetric(m, id, sink, refuse);
        if (t > latest) latest = t;
      }
    }
    const info = rm.resource.filter(([k]) => k !== SERVICE_NAME && k !== SERVICE_NAMESPACE && k !== SERVICE_INSTANCE_ID);
    if (info.length > 0 && latest > -Infinity) sink(pointLabels(info, id, 'target_info'), latest, 1);
  }
}

/** Returns the latest timestamp written (or -Infinity). */
function translateMetric(m: OtlpMetric, id: ResourceIdentity, sink: Sink, refuse: Refuse): number {
  const d = m.data;
  let latest = -Infinity;
  const seen = (t: number) => {
    if (t > latest) latest = t;
  };
  const what = JSON.stringify(m.name);
  switch (d.kind) {
    case 'none':
      refuse(`metric ${what} has no data (gauge, sum, histogram or summary)`, 0);
      return latest;
    case 'exponential_histogram':
      refuse(`metric ${what}: exponential histograms are not supported (native histograms are not stored yet); configure explicit-bucket histograms`, d.points);
      return latest;
    case 'gauge':
    case 'sum': {
      if (d.kind === 'sum' && d.temporality !== Temporality.Cumulative) {
        refuse(`metric ${what}: ${temporalityName(d.temporality)} sums are not accepted, only cumulative ones (use cumulative temporality in the exporter, or a collector's deltatocumulative processor)`, d.points.length);
        return latest;
      }
      const name = metricName(m.name, m.unit, d.kind === 'sum' && d.monotonic ? 'counter' : d.kind === 'gauge' ? 'gauge' : 'other');
      if (name === '') {
        refuse(`metric ${what}: the name translates to nothing valid`, d.points.length);
        return latest;
      }
      for (const p of d.points) {
        sink(pointLabels(p.attributes, id, name), p.t, valueOf(p.flags, p.value));
        seen(p.t);
      }
      return latest;
    }
    case 'histogram': {
      if (d.temporality !== Temporality.Cumulative) {
        refuse(`metric ${what}: ${temporalityName(d.temporality)} histograms are not accepted, only cumulative ones (use cumulative temporality in the exporter, or a collector's deltatocumulative processor)`, d.points.length);
        return latest;
      }
      const name = metricName(m.name, m.unit, 'other');
      if (name === '') {
        refuse(`metric ${what}: the name translates to nothing valid`, d.points.length);
        return latest;
      }
      for (const p of d.points) {
        if (p.bucketCounts.length > 0 && p.bucketCounts.length !== p.bounds.length + 1) {
          refuse(`metric ${what}: a histogram point has ${p.bucketCounts.length} bucket counts for ${p.bounds.length} bounds (expected ${p.bounds.length + 1})`, 1);
          continue;
        }
        const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
        if (p.hasSum) sink(pointLabels(p.attributes, id, `${name}_sum`), p.t, stale ? STALE_NAN : p.sum);
        sink(pointLabels(p.attributes, id, `${name}_count`), p.t, stale ? STALE_NAN : p.count);
        let cum = 0;
        for (let i = 0; i < p.bounds.length && i < p.bucketCounts.length; i++) {
          cum += p.bucketCounts[i];
          sink(pointLabels(p.attributes, id, `${name}_bucket`, ['le', formatFloatF(p.bounds[i])]), p.t, stale ? STALE_NAN : cum);
        }
        sink(pointLabels(p.attributes, id, `${name}_bucket`, ['le', '+Inf']), p.t, stale ? STALE_NAN : p.count);
        seen(p.t);
      }
      return latest;
    }
    case 'summary': {
      const name = metricName(m.name, m.unit, 'other');
      if (name === '') {
        refuse(`metric ${what}: the name translates to nothing valid`, d.points.length);
        return latest;
      }
      for (const p of d.points) {
        const stale = (p.flags & FLAG_NO_RECORDED_VALUE) !== 0;
        sink(pointLabels(p.attributes, id, `${name}_sum`), p.t, stale ? STALE_NAN : p.sum);
        sink(pointLabels(p.attributes, id, `${name}_count`), p.t, stale ? STALE_NAN : p.count);
        for (const [q, v] of p.quantiles) sink(pointLabels(p.attributes, id, name, ['quantile', formatFloatF(q)]), p.t, stale ? STALE_NAN : v);
        seen(p.t);
      }
      return latest;
    }
  }
}

function temporalityName(t: Temporality): string {
  return t === Temporality.Delta ? 'delta' : 'unspecified-temporality';
}
