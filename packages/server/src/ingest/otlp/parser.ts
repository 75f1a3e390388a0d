/**
 * Decodes an OTLP `ExportMetricsServiceRequest` from protobuf by hand (the
 * field numbers of opentelemetry-proto `metrics/v1`, `common/v1`,
 * `resource/v1`), keeping only what the translation needs. Unknown fields
 * are skipped; malformed input throws `ProtoError` naming the byte.
 *
 * ```
 * ExportMetricsServiceRequest { 1 resource_metrics }
 * ResourceMetrics { 1 resource {1 attributes}, 2 scope_metrics }
 * ScopeMetrics    { 1 scope {1 name, 2 version}, 2 metrics }
 * Metric          { 1 name, 3 unit, 5 gauge, 7 sum, 9 histogram, 10 exponential_histogram, 11 summary }
 * Gauge/Sum/Histogram/Summary { 1 data_points, 2 aggregation_temporality, 3 is_monotonic }
 * NumberDataPoint    { 7 attributes, 3 time_unix_nano fixed64, 4 as_double, 6 as_int sfixed64, 8 flags }
 * HistogramDataPoint { 9 attributes, 3 time, 4 count fixed64, 5 sum, 6 bucket_counts fixed64*, 7 explicit_bounds double*, 10 flags }
 * SummaryDataPoint   { 7 attributes, 3 time, 4 count, 5 sum, 6 quantile_values {1 quantile, 2 value}, 8 flags }
 * KeyValue { 1 key, 2 value AnyValue {1 string, 2 bool, 3 int, 4 double, 5 array, 6 kvlist, 7 bytes} }
 * ```
 */
import { ProtoError, ProtoReader, WIRE_I64, WIRE_LEN, WIRE_VARINT } from '../common/protobuf.js';
import {
  formatFloatF,
  nanosToMillis,
  Temporality,
  type Attributes,
  type HistogramPoint,
  type MetricData,
  type NumberPoint,
  type OtlpMetric,
  type ResourceMetrics,
  type ScopeMetrics,
  type SummaryPoint,
} from './model.js';

const T = (field: number, wire: number) => (field << 3) | wire;

/** Bounds the nesting of array/kvlist attribute values (a hostile body cannot recurse without end). */
const MAX_ANY_DEPTH = 32;

export function decodeMetricsRequest(buf: Uint8Array): ResourceMetrics[] {
  const r = new ProtoReader(buf);
  const out: ResourceMetrics[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === T(1, WIRE_LEN)) out.push(nested(r, resourceMetrics));
    else r.skip(tag);
  }
  return out;
}

function nested<X>(r: ProtoReader, read: (r: ProtoReader) => X): X {
  const outer = r.enter();
  const x = read(r);
  r.leave(outer);
  return x;
}

function resourceMetrics(r: ProtoReader): ResourceMetrics {
  const rm: ResourceMetrics = { resource: [], scopes: [] };
  while (r.more()) {
    const tag = r.tag();
    if (tag === T(1, WIRE_LEN)) {
      nested(r, (r) => {
        while (r.more()) {
          const t = r.tag();
          if (t === T(1, WIRE_LEN)) rm.resource.push(nested(r, keyValue));
          else r.skip(t);
        }
      });
    } else if (tag === T(2, WIRE_LEN)) rm.scopes.push(nested(r, scopeMetrics));
    else r.skip(tag);
  }
  return rm;
}

function scopeMetrics(r: ProtoReader): ScopeMetrics {
  const sm: ScopeMetrics = { name: '', version: '', metrics: [] };
  while (r.more()) {
    const tag = r.tag();
    if (tag === T(1, WIRE_LEN)) {
      nested(r, (r) => {
        while (r.more()) {
          const t = r.tag();
          if (t === T(1, WIRE_LEN)) sm.name = r.string();
          else if (t === T(2, WIRE_LEN)) sm.version = r.string();
          else r.skip(t);
        }
      });
    } else if (tag === T(2, WIRE_LEN)) sm.metrics.push(nested(r, metric));
    else r.skip(tag);
  }
  return sm;
}

function metric(r: ProtoReader): OtlpMetric {
  const m: OtlpMetric = { name: '', unit: '', data: { kind: 'none' } };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case T(1, WIRE_LEN):
        m.name = r.string();
        break;
      case T(3, WIRE_LEN):
        m.unit = r.string();
        break;
      case T(5, WIRE_LEN):
        m.data = nested(r, (r) => aggregate(r, 'gauge'));
        break;
      case T(7, WIRE_LEN):
        m.data = nested(r, (r) => aggregate(r, 'sum'));
        break;
      case T(9, WIRE_LEN):
        m.data = nested(r, (r) => aggregate(r, 'histogram'));
        break;
      case T(10, WIRE_LEN):
        m.data = nested(r, (r) => aggregate(r, 'exponential_histogram'));
        break;
      case T(11, WIRE_LEN):
        m.data = nested(r, (r) => aggregate(r, 'summary'));
        break;
      default:
        r.skip(tag);
    }
  }
  return m;
}

function aggregate(r: ProtoReader, kind: Exclude<MetricData['kind'], 'none'>): MetricData {
  const numbers: NumberPoint[] = [];
  const histograms: HistogramPoint[] = [];
  const summaries: SummaryPoint[] = [];
  let expPoints = 0;
  let temporality = Temporality.Unspecified;
  let monotonic = false;
  while (r.more()) {
    const tag = r.tag();
    if (tag === T(1, WIRE_LEN)) {
      if (kind === 'gauge' || kind === 'sum') numbers.push(nested(r, numberPoint));
      else if (kind === 'histogram') histograms.push(nested(r, histogramPoint));
      else if (kind === 'summary') summaries.push(nested(r, summaryPoint));
      else {
        expPoints++;
        r.skip(tag);
      }
    } else if (tag === T(2, WIRE_VARINT) && kind !== 'gauge' && kind !== 'summary') temporality = r.uint32();
    else if (tag === T(3, WIRE_VARINT) && kind === 'sum') monotonic = r.bool();
    else r.skip(tag);
  }
  switch (kind) {
    case 'gauge':
      return { kind, points: numbers };
    case 'sum':
      return { kind, points: numbers, temporality, monotonic };
    case 'histogram':
      return { kind, points: histograms, temporality };
    case 'exponential_histogram':
      return { kind, points: expPoints, temporality };
    case 'summary':
      return { kind, points: summaries };
  }
}

function timeMillis(r: ProtoReader): number {
  const p = r.pos;
  r.fixed64(); // bounds check
  const b = r.buf;
  return nanosToMillis(b.readBigUInt64LE(p));
}

function numberPoint(r: ProtoReader): NumberPoint {
  const p: NumberPoint = { attributes: [], t: 0, value: 0, flags: 0 };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case T(7, WIRE_LEN):
        p.attributes.push(nested(r, keyValue));
        break;
      case T(3, WIRE_I64):
        p.t = timeMillis(r);
        break;
      case T(4, WIRE_I64):
        p.value = r.double();
        break;
      case T(6, WIRE_I64):
        p.value = r.sfixed64();
        break;
      case T(8, WIRE_VARINT):
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function histogramPoint(r: ProtoReader): HistogramPoint {
  const p: HistogramPoint = { attributes: [], t: 0, count: 0, sum: NaN, hasSum: false, bucketCounts: [], bounds: [], flags: 0 };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case T(9, WIRE_LEN):
        p.attributes.push(nested(r, keyValue));
        break;
      case T(3, WIRE_I64):
        p.t = timeMillis(r);
        break;
      case T(4, WIRE_I64):
        p.count = r.fixed64();
        break;
      case T(5, WIRE_I64):
        p.sum = r.double();
        p.hasSum = true;
        break;
      case T(6, WIRE_LEN):
        nested(r, (r) => {
          while (r.more()) p.bucketCounts.push(r.fixed64());
        });
        break;
      case T(6, WIRE_I64):
        p.bucketCounts.push(r.fixed64());
        break;
      case T(7, WIRE_LEN):
        nested(r, (r) => {
          while (r.more()) p.bounds.push(r.double());
        });
        break;
      case T(7, WIRE_I64):
        p.bounds.push(r.double());
        break;
      case T(10, WIRE_VARINT):
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function summaryPoint(r: ProtoReader): SummaryPoint {
  const p: SummaryPoint = { attributes: [], t: 0, count: 0, sum: 0, quantiles: [], flags: 0 };
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case T(7, WIRE_LEN):
        p.attributes.push(nested(r, keyValue));
        break;
      case T(3, WIRE_I64):
        p.t = timeMillis(r);
        break;
      case T(4, WIRE_I64):
        p.count = r.fixed64();
        break;
      case T(5, WIRE_I64):
        p.sum = r.double();
        break;
      case T(6, WIRE_LEN):
        p.quantiles.push(
          nested(r, (r) => {
            let q = 0;
            let v = 0;
            while (r.more()) {
              const t = r.tag();
              if (t === T(1, WIRE_I64)) q = r.double();
              else if (t === T(2, WIRE_I64)) v = r.double();
              else r.skip(t);
            }
            return [q, v] as [number, number];
          }),
        );
        break;
      case T(8, WIRE_VARINT):
        p.flags = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return p;
}

function keyValue(r: ProtoReader): [string, string] {
  let key = '';
  let value = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === T(1, WIRE_LEN)) key = r.string();
    else if (tag === T(2, WIRE_LEN)) value = nested(r, (r) => anyValue(r, 0));
    else r.skip(tag);
  }
  return [key, value];
}

/**
 * An AnyValue as a string, as pcommon's `AsString` renders it: strings as
 * they are, bools `true`/`false`, ints in decimal, doubles like Go's 'f'
 * format, bytes base64, arrays and maps as JSON.
 */
function anyValue(r: ProtoReader, depth: number): string {
  const v = anyValueJson(r, depth);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloatF(v);
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function anyValueJson(r: ProtoReader, depth: number): Json {
  if (depth > MAX_ANY_DEPTH) throw new ProtoError(`attribute value nested deeper than ${MAX_ANY_DEPTH} levels`, r.pos);
  let out: Json = '';
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case T(1, WIRE_LEN):
        out = r.string();
        break;
      case T(2, WIRE_VARINT):
        out = r.bool();
        break;
      case T(3, WIRE_VARINT):
        out = r.int64();
        break;
      case T(4, WIRE_I64):
        out = r.double();
        break;
      case T(5, WIRE_LEN): {
        const arr: Json[] = [];
        nested(r, (r) => {
          while (r.more()) {
            const t = r.tag();
            if (t === T(1, WIRE_LEN)) arr.push(nested(r, (r) => anyValueJson(r, depth + 1)));
            else r.skip(t);
          }
        });
        out = arr;
        break;
      }
      case T(6, WIRE_LEN): {
        const obj: { [k: string]: Json } = {};
        nested(r, (r) => {
          while (r.more()) {
            const t = r.tag();
            if (t === T(1, WIRE_LEN)) {
              nested(r, (r) => {
                let k = '';
                let v: Json = null;
                while (r.more()) {
                  const t2 = r.tag();
                  if (t2 === T(1, WIRE_LEN)) k = r.string();
                  else if (t2 === T(2, WIRE_LEN)) v = nested(r, (r) => anyValueJson(r, depth + 1));
                  else r.skip(t2);
                }
                obj[k] = v;
              });
            } else r.skip(t);
          }
        });
        out = obj;
        break;
      }
      case T(7, WIRE_LEN): {
        const end = r.len();
        out = r.buf.toString('base64', r.pos, end);
        r.pos = end;
        break;
      }
      default:
        r.skip(tag);
    }
  }
  return out;
}

export type { Attributes };
