/**
 * Decodes an OTLP `ExportMetricsServiceRequest` from its JSON encoding (the
 * protobuf JSON mapping with OTLP's rules: lowerCamelCase field names,
 * 64-bit integers as decimal strings or numbers, enums as integers, doubles
 * possibly "NaN"/"Infinity"/"-Infinity"). Into the same model as the
 * protobuf decoder. A body that is not of this shape throws `JsonShapeError`
 * naming the path.
 */
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
  type SummaryPoint,
} from './model.js';

export class JsonShapeError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'JsonShapeError';
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new JsonShapeError(path, 'expected an object');
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new JsonShapeError(path, 'expected an array');
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new JsonShapeError(path, 'expected a string');
  return v;
}

function dbl(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new JsonShapeError(path, 'expected a number');
}

function int64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
  throw new JsonShapeError(path, 'expected an integer (number or decimal string)');
}

const millis = (v: unknown, path: string) => nanosToMillis(int64(v, path));
const intNum = (v: unknown, path: string) => Number(int64(v, path));

function attributes(v: unknown, path: string): Attributes {
  return arr(v, path).map((kv, i) => {
    const o = obj(kv, `${path}[${i}]`);
    return [str(o.key, `${path}[${i}].key`), anyString(o.value, `${path}[${i}].value`)];
  });
}

function anyString(v: unknown, path: string): string {
  const j = anyJson(v, path, 0);
  if (typeof j === 'string') return j;
  if (typeof j === 'number') return formatFloatF(j);
  if (typeof j === 'boolean') return String(j);
  return JSON.stringify(j);
}

function anyJson(v: unknown, path: string, depth: number): unknown {
  if (depth > 32) throw new JsonShapeError(path, 'attribute value nested too deeply');
  const o = obj(v, path);
  if ('stringValue' in o) return str(o.stringValue, `${path}.stringValue`);
  if ('boolValue' in o) return o.boolValue === true;
  if ('intValue' in o) return intNum(o.intValue, `${path}.intValue`);
  if ('doubleValue' in o) return dbl(o.doubleValue, `${path}.doubleValue`);
  if ('bytesValue' in o) return str(o.bytesValue, `${path}.bytesValue`);
  if ('arrayValue' in o) return arr(obj(o.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`).map((x, i) => anyJson(x, `${path}.arrayValue.values[${i}]`, depth + 1));
  if ('kvlistValue' in o) {
    const out: Record<string, unknown> = {};
    arr(obj(o.kvlistValue, `${path}.kvlistValue`).values, `${path}.kvlistValue.values`).forEach((kv, i) => {
      const p = `${path}.kvlistValue.values[${i}]`;
      const k = obj(kv, p);
      out[str(k.key, `${p}.key`)] = anyJson(k.value, `${p}.value`, depth + 1);
    });
    return out;
  }
  return '';
}

function numberPoints(v: unknown, path: string): NumberPoint[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p);
    const value = 'asInt' in o ? intNum(o.asInt, `${p}.asInt`) : dbl(o.asDouble, `${p}.asDouble`);
    return { attributes: attributes(o.attributes, `${p}.attributes`), t: millis(o.timeUnixNano, `${p}.timeUnixNano`), value, flags: Number(o.flags ?? 0) | 0 };
  });
}

function histogramPoints(v: unknown, path: string): HistogramPoint[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p);
    const hasSum = o.sum !== undefined && o.sum !== null;
    return {
      attributes: attributes(o.attributes, `${p}.attributes`),
      t: millis(o.timeUnixNano, `${p}.timeUnixNano`),
      count: intNum(o.count, `${p}.count`),
      sum: hasSum ? dbl(o.sum, `${p}.sum`) : NaN,
      hasSum,
      bucketCounts: arr(o.bucketCounts, `${p}.bucketCounts`).map((c, j) => intNum(c, `${p}.bucketCounts[${j}]`)),
      bounds: arr(o.explicitBounds, `${p}.explicitBounds`).map((b, j) => dbl(b, `${p}.explicitBounds[${j}]`)),
      flags: Number(o.flags ?? 0) | 0,
    };
  });
}

function summaryPoints(v: unknown, path: string): SummaryPoint[] {
  return arr(v, path).map((x, i) => {
    const p = `${path}[${i}]`;
    const o = obj(x, p);
    return {
      attributes: attributes(o.attributes, `${p}.attributes`),
      t: millis(o.timeUnixNano, `${p}.timeUnixNano`),
      count: intNum(o.count, `${p}.count`),
      sum: dbl(o.sum, `${p}.sum`),
      quantiles: arr(o.quantileValues, `${p}.quantileValues`).map((q, j) => {
        const qo = obj(q, `${p}.quantileValues[${j}]`);
        return [dbl(qo.quantile, `${p}.quantileValues[${j}].quantile`), dbl(qo.value, `${p}.quantileValues[${j}].value`)] as [number, number];
      }),
      flags: Number(o.flags ?? 0) | 0,
    };
  });
}

function temporality(v: unknown, path: string): Temporality {
  if (v === undefined || v === null) return Temporality.Unspecified;
  if (v === 'AGGREGATION_TEMPORALITY_DELTA') return Temporality.Delta;
  if (v === 'AGGREGATION_TEMPORALITY_CUMULATIVE') return Temporality.Cumulative;
  if (v === 1 || v === 2 || v === 0) return v as Temporality;
  throw new JsonShapeError(path, 'expected an aggregation temporality (0, 1, 2)');
}

function metric(v: unknown, path: string): OtlpMetric {
  const o = obj(v, path);
  let data: MetricData = { kind: 'none' };
  if (o.gauge !== undefined) data = { kind: 'gauge', points: numberPoints(obj(o.gauge, `${path}.gauge`).dataPoints, `${path}.gauge.dataPoints`) };
  else if (o.sum !== undefined) {
    const s = obj(o.sum, `${path}.sum`);
    data = {
      kind: 'sum',
      points: numberPoints(s.dataPoints, `${path}.sum.dataPoints`),
      temporality: temporality(s.aggregationTemporality, `${path}.sum.aggregationTemporality`),
      monotonic: s.isMonotonic === true,
    };
  } else if (o.histogram !== undefined) {
    const h = obj(o.histogram, `${path}.histogram`);
    data = {
      kind: 'histogram',
      points: histogramPoints(h.dataPoints, `${path}.histogram.dataPoints`),
      temporality: temporality(h.aggregationTemporality, `${path}.histogram.aggregationTemporality`),
    };
  } else if (o.exponentialHistogram !== undefined) {
    const h = obj(o.exponentialHistogram, `${path}.exponentialHistogram`);
    data = {
      kind: 'exponential_histogram',
      points: arr(h.dataPoints, `${path}.exponentialHistogram.dataPoints`).length,
      temporality: temporality(h.aggregationTemporality, `${path}.exponentialHistogram.aggregationTemporality`),
    };
  } else if (o.summary !== undefined) data = { kind: 'summary', points: summaryPoints(obj(o.summary, `${path}.summary`).dataPoints, `${path}.summary.dataPoints`) };
  return { name: str(o.name, `${path}.name`), unit: str(o.unit, `${path}.unit`), data };
}

export function decodeMetricsJson(text: string): ResourceMetrics[] {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new JsonShapeError('body', `not valid JSON: ${(err as Error).message}`);
  }
  return arr(obj(root, 'body').resourceMetrics, 'resourceMetrics').map((rmv, i) => {
    const p = `resourceMetrics[${i}]`;
    const rm = obj(rmv, p);
    return {
      resource: attributes(obj(rm.resource, `${p}.resource`).attributes, `${p}.resource.attributes`),
      scopes: arr(rm.scopeMetrics, `${p}.scopeMetrics`).map((smv, j) => {
        const q = `${p}.scopeMetrics[${j}]`;
        const sm = obj(smv, q);
        const scope = obj(sm.scope, `${q}.scope`);
        return {
          name: str(scope.name, `${q}.scope.name`),
          version: str(scope.version, `${q}.scope.version`),
          metrics: arr(sm.metrics, `${q}.metrics`).map((m, k) => metric(m, `${q}.metrics[${k}]`)),
        };
      }),
    };
  });
}
