/**
 * OTLP end to end: the OpenTelemetry JS SDK's OTLP/HTTP exporters (JSON and
 * protobuf) push into the real server; the result is read back through
 * /api/v1/export and compared with the translation Prometheus's OTLP
 * receiver applies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { killAll, startServer, tempDir, type Running } from '../server/harness.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

interface Row {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

async function exportAll(base: string, match: string): Promise<Row[]> {
  const res = await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(match)}`);
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

async function push(kind: 'json' | 'proto', url: string, temporality?: AggregationTemporalityPreference): Promise<void> {
  const opts = { url, temporalityPreference: temporality };
  const exporter = kind === 'json' ? new JsonExporter(opts) : new ProtoExporter(opts);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.namespace': 'eu', 'service.instance.id': `i-${kind}`, 'host.name': 'box-1' }),
    readers: [reader],
  });
  const meter = provider.getMeter('vigil-test', '1.2.3');
  meter.createCounter('http.requests', { unit: '{request}' }).add(3, { 'http.method': 'GET', 'http.status_code': 200 });
  const h = meter.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  h.record(0.2, { route: '/a' });
  h.record(0.7, { route: '/a' });
  meter.createGauge('room.temperature', { unit: 'Cel' }).record(21.5, { room: 'k' });
  meter.createUpDownCounter('queue.size').add(5);
  meter.createGauge('cpu.utilization', { unit: '1' }).record(0.25);
  // shutdown() collects and exports once more.
  await provider.shutdown();
}

describe('OTLP/HTTP from the OpenTelemetry JS SDK', () => {
  for (const kind of ['json', 'proto'] as const) {
    it(`translates gauges, sums, histograms and resources like Prometheus (${kind})`, async () => {
      const s = await startServer(tempDir());
      servers.push(s);
      await push(kind, `${s.base}${kind === 'json' ? '/v1/metrics' : '/api/v1/otlp/v1/metrics'}`);
      const rows = await exportAll(s.base, `{job="eu/shop",instance="i-${kind}"}`);
      const byName = new Map<string, Row[]>();
      for (const r of rows) byName.set(r.metric.__name__, [...(byName.get(r.metric.__name__) ?? []), r]);
      expect([...byName.keys()].sort()).toEqual([
        'cpu_utilization_ratio',
        'http_requests_total',
        'http_server_duration_seconds_bucket',
        'http_server_duration_seconds_count',
        'http_server_duration_seconds_sum',
        'queue_size',
        'room_temperature_celsius',
        'target_info',
      ]);
      const req = byName.get('http_requests_total')![0];
      expect(req.metric).toEqual({ __name__: 'http_requests_total', job: 'eu/shop', instance: `i-${kind}`, http_method: 'GET', http_status_code: '200' });
      expect(req.values).toEqual([3]);
      const buckets = byName.get('http_server_duration_seconds_bucket')!.map((r) => [r.metric.le, r.values[0]]).sort();
      expect(buckets).toEqual([['+Inf', 2], ['0.1', 0], ['0.5', 1], ['1', 2]]);
      expect(byName.get('http_server_duration_seconds_sum')![0].values[0]).toBeCloseTo(0.9);
      expect(byName.get('http_server_duration_seconds_count')![0].values).toEqual([2]);
      expect(byName.get('room_temperature_celsius')![0].metric.room).toBe('k');
      expect(byName.get('queue_size')![0].values).toEqual([5]);
      const info = byName.get('target_info')![0];
      expect(info.metric.host_name).toBe('box-1');
      expect(info.metric.service_name).toBeUndefined();
      expect(info.values).toEqual([1]);
      // Millisecond timestamps near now.
      expect(Math.abs(req.timestamps[0] - Date.now())).toBeLessThan(600_000);
    });
  }

  it('refuses delta temporality with a partial success naming the metric, and keeps the rest', async () => {
    const s = await startServer(tempDir());
    servers.push(s);
    await push('json', `${s.base}/v1/metrics`, AggregationTemporalityPreference.DELTA);
    const names = new Set((await exportAll(s.base, '{job="eu/shop"}')).map((r) => r.metric.__name__));
    expect(names.has('http_requests_total')).toBe(false);
    expect(names.has('room_temperature_celsius')).toBe(true);
    // The exporter gets a partial success; check it directly too.
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'x' } }] },
          scopeMetrics: [
            {
              metrics: [
                { name: 'd', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asInt: '1' }] } },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${s.base}/v1/metrics`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    const j = (await res.json()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
    expect(j.partialSuccess.rejectedDataPoints).toBe('1');
    expect(j.partialSuccess.errorMessage).toMatch(/metric "d": delta sums are not accepted, only cumulative ones/);
  });

  it('answers 400 with a Status for a bad body and 415 for other content types', async () => {
    const s = await startServer(tempDir());
    servers.push(s);
    let res = await fetch(`${s.base}/v1/metrics`, { method: 'POST', body: '{"resourceMetrics": 3}', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/resourceMetrics: expected an array/);
    res = await fetch(`${s.base}/v1/metrics`, { method: 'POST', body: Buffer.from([0x0a, 0x05, 0x01]), headers: { 'Content-Type': 'application/x-protobuf' } });
    expect(res.status).toBe(400);
    expect(Buffer.from(await res.arrayBuffer()).toString()).toMatch(/cannot decode ExportMetricsServiceRequest: length 5 runs past/);
    res = await fetch(`${s.base}/v1/metrics`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(415);
  });
});
