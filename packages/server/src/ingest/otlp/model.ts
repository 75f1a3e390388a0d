/**
 * The decoded shape of an OTLP `ExportMetricsServiceRequest`, shared by the
 * protobuf and the JSON decoders; only what the translation reads. Attribute
 * values are already strings (as Prometheus's receiver renders them).
 * Timestamps are milliseconds (nanoseconds truncated, exactly).
 */
export type Attributes = [key: string, value: string][];

export const enum Temporality {
  Unspecified = 0,
  Delta = 1,
  Cumulative = 2,
}

/** `DataPointFlags.FLAG_NO_RECORDED_VALUE`: the point is a staleness marker. */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface NumberPoint {
  attributes: Attributes;
  t: number;
  value: number;
  flags: number;
}

export interface HistogramPoint {
  attributes: Attributes;
  t: number;
  count: number;
  /** NaN when absent (`optional double sum`). */
  sum: number;
  hasSum: boolean;
  bucketCounts: number[];
  bounds: number[];
  flags: number;
}

export interface SummaryPoint {
  attributes: Attributes;
  t: number;
  count: number;
  sum: number;
  quantiles: [quantile: number, value: number][];
  flags: number;
}

export type MetricData =
  | { kind: 'gauge'; points: NumberPoint[] }
  | { kind: 'sum'; points: NumberPoint[]; temporality: Temporality; monotonic: boolean }
  | { kind: 'histogram'; points: HistogramPoint[]; temporality: Temporality }
  | { kind: 'exponential_histogram'; points: number; temporality: Temporality }
  | { kind: 'summary'; points: SummaryPoint[] }
  | { kind: 'none' };

export interface OtlpMetric {
  name: string;
  unit: string;
  data: MetricData;
}

export interface ScopeMetrics {
  name: string;
  version: string;
  metrics: OtlpMetric[];
}

export interface ResourceMetrics {
  resource: Attributes;
  scopes: ScopeMetrics[];
}

/** Nanoseconds (exact, as a bigint) to milliseconds, truncating like Prometheus. */
export function nanosToMillis(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

/**
 * A float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it (the
 * shortest decimal that round-trips, never in exponent form): how
 * Prometheus renders `le`, `quantile` and double attribute values.
 */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = `0.${'0'.repeat(-intLen)}${digits}`;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return neg ? `-${out}` : out;
}
