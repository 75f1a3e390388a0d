/**
 * The Prometheus protobuf exposition format as pushed by client_golang's
 * `push` package (its default): `Content-Type:
 * application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 * encoding=delimited`, a sequence of varint-length-prefixed `MetricFamily`
 * messages:
 *
 * ```
 * MetricFamily { 1 name, 2 help, 3 type, 4 metric (repeated Metric) }
 * Metric       { 1 label (LabelPair {1 name, 2 value}), 2 gauge {1 value}, 3 counter {1 value},
 *                4 summary {1 sample_count, 2 sample_sum, 3 quantile {1 quantile, 2 value}},
 *                5 untyped {1 value}, 7 histogram {1 sample_count, 2 sample_sum,
 *                3 bucket {1 cumulative_count, 2 upper_bound, 4 cumulative_count_float},
 *                4 sample_count_float}, 6 timestamp_ms }
 * ```
 *
 * Each family becomes the series the text format would have given
 * (`_total`-less counters as named, summaries as `{quantile}` + `_sum` +
 * `_count`, histograms as `_bucket{le}` + `_sum` + `_count`). Native
 * histogram fields are ignored (their classic buckets, if any, are read).
 */
import { LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { ProtoError, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from '../common/index.js';
import { badRequest } from '../common/index.js';
import type { Families, PushedSample } from './store.js';
import { withGrouping } from './store.js';

const tagOf = (field: number, wire: number) => (field << 3) | wire;

/** `le` and `quantile` values as the text format canonicalizes them (`1` → `1.0`). */
function formatBound(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return Number.isInteger(v) && Math.abs(v) < 1e21 ? v.toFixed(1) : String(v);
}

interface Parsed {
  labels: [string, string][];
  value?: number;
  hasTimestamp: boolean;
  count?: number;
  sum?: number;
  quantiles: [number, number][];
  buckets: [number, number][];
}

function readValueMessage(r: ProtoReader): number | undefined {
  let v: number | undefined;
  const outer = r.enter();
  while (r.more()) {
    const tag = r.tag();
    if (tag === tagOf(1, WIRE_I64)) v = r.double();
    else r.skip(tag);
  }
  r.leave(outer);
  return v;
}

function readMetric(r: ProtoReader): Parsed {
  const m: Parsed = { labels: [], hasTimestamp: false, quantiles: [], buckets: [] };
  const outer = r.enter();
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, WIRE_LEN): {
        const o = r.enter();
        let name = '';
        let value = '';
        while (r.more()) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_LEN)) name = r.string();
          else if (t === tagOf(2, WIRE_LEN)) value = r.string();
          else r.skip(t);
        }
        r.leave(o);
        m.labels.push([name, value]);
        break;
      }
      case tagOf(2, WIRE_LEN):
      case tagOf(3, WIRE_LEN):
      case tagOf(5, WIRE_LEN):
        m.value = readValueMessage(r);
        break;
      case tagOf(4, WIRE_LEN): {
        const o = r.enter();
        while (r.more()) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_VARINT)) m.count = r.uint64();
          else if (t === tagOf(2, WIRE_I64)) m.sum = r.double();
          else if (t === tagOf(3, WIRE_LEN)) {
            const q = r.enter();
            let quantile = NaN;
            let value = NaN;
            while (r.more()) {
              const u = r.tag();
              if (u === tagOf(1, WIRE_I64)) quantile = r.double();
              else if (u === tagOf(2, WIRE_I64)) value = r.double();
              else r.skip(u);
            }
            r.leave(q);
            m.quantiles.push([quantile, value]);
          } else r.skip(t);
        }
        r.leave(o);
        break;
      }
      case tagOf(7, WIRE_LEN): {
        const o = r.enter();
        while (r.more()) {
          const t = r.tag();
          if (t === tagOf(1, WIRE_VARINT)) m.count = r.uint64();
          else if (t === tagOf(4, WIRE_I64)) m.count = r.double();
          else if (t === tagOf(2, WIRE_I64)) m.sum = r.double();
          else if (t === tagOf(3, WIRE_LEN)) {
            const b = r.enter();
            let count = 0;
            let bound = Infinity;
            while (r.more()) {
              const u = r.tag();
              if (u === tagOf(1, WIRE_VARINT)) count = r.uint64();
              else if (u === tagOf(4, WIRE_I64)) count = r.double();
              else if (u === tagOf(2, WIRE_I64)) bound = r.double();
              else r.skip(u);
            }
            r.leave(b);
            m.buckets.push([bound, count]);
          } else r.skip(t);
        }
        r.leave(o);
        break;
      }
      case tagOf(6, WIRE_VARINT):
        r.int64();
        m.hasTimestamp = true;
        break;
      default:
        r.skip(tag);
    }
  }
  r.leave(outer);
  return m;
}

/** Parses a delimited `MetricFamily` stream into families of series carrying the grouping labels. */
export function parseProtobufPush(body: Buffer, grouping: Record<string, string>): Families {
  const families: Families = new Map();
  const r = new ProtoReader(body);
  try {
    while (r.more()) {
      const outer = r.enter();
      let name = '';
      const metrics: Parsed[] = [];
      while (r.more()) {
        const tag = r.tag();
        if (tag === tagOf(1, WIRE_LEN)) name = r.string();
        else if (tag === tagOf(4, WIRE_LEN)) metrics.push(readMetric(r));
        else r.skip(tag);
      }
      r.leave(outer);
      if (name === '') throw badRequest('cannot parse the pushed metrics: a metric family has no name');
      const out: PushedSample[] = [];
      const series = (m: Parsed, suffix: string, value: number, extra?: [string, string]): void => {
        const b = new LabelsBuilder();
        for (const [k, v] of m.labels) b.set(k, v);
        if (extra) b.set(extra[0], extra[1]);
        b.set(METRIC_NAME, name + suffix);
        out.push({ labels: withGrouping(b.labels(), grouping), value });
      };
      for (const m of metrics) {
        if (m.hasTimestamp) throw badRequest(`metric family ${JSON.stringify(name)}: pushed metrics must not have timestamps`);
        if (m.value !== undefined) series(m, '', m.value);
        for (const [q, v] of m.quantiles) series(m, '', v, ['quantile', formatBound(q)]);
        for (const [le, c] of m.buckets) series(m, '_bucket', c, ['le', formatBound(le)]);
        if (m.buckets.length > 0 && !m.buckets.some(([le]) => le === Infinity) && m.count !== undefined) series(m, '_bucket', m.count, ['le', '+Inf']);
        if (m.sum !== undefined) series(m, '_sum', m.sum);
        if (m.count !== undefined) series(m, '_count', m.count);
      }
      families.set(name, out);
    }
  } catch (err) {
    if (err instanceof ProtoError) throw badRequest(`cannot parse the pushed protobuf metrics: ${err.message}`);
    throw err;
  }
  return families;
}

