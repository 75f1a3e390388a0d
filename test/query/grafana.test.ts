/**
 * Grafana's Prometheus data source against the real server, unchanged:
 * replays the requests Grafana makes, as its backend client
 * (`pkg/promlib/client`) and its query editor's language provider send
 * them — form-encoded POST for queries and for the metadata endpoints that
 * take it, GET for the ones Grafana keeps on GET (`label/<name>/values`,
 * `metadata`, `status/*`), times as float seconds, `step` as float seconds
 * with start and end aligned to it, `timeout` from the data source
 * settings — and checks each response's shape as Grafana parses it.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type Running } from '../server/harness.js';

/** The push protocols' socket listeners stay off: their default ports belong to nobody in a test run. */
const LISTENERS_OFF = ['--influx.listen-address=', '--graphite.listen-address=', '--statsd.listen-address=', '--opentsdb.listen-address='];

let server: Running;
let dir: string;
const now = Math.floor(Date.now() / 1000) * 1000;
const HOUR = 3_600_000;

type Json = { status: string; data: unknown; errorType?: string; error?: string; warnings?: string[] };

async function get(path: string, params: Record<string, string | string[]> = {}): Promise<Json> {
  const u = new URL(path, server.base);
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.searchParams.append(k, x);
  const res = await fetch(u);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.status).toBe('success');
  return body;
}

async function post(path: string, form: Record<string, string | string[]>): Promise<Json> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const res = await fetch(new URL(path, server.base), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json = (await res.json()) as Json;
  expect(res.status, JSON.stringify(json)).toBe(200);
  expect(json.status).toBe('success');
  return json;
}

/** Grafana's formatTime: float seconds, shortest form. */
const secs = (ms: number) => String(ms / 1000);

beforeAll(async () => {
  dir = tempDir('vigil-grafana-');
  server = await startServer(dir, LISTENERS_OFF);
  // Two targets' worth of an HTTP service over the last hour, every 15 s.
  let text = '';
  for (let t = now - HOUR; t <= now; t += 15_000) {
    const i = (t - (now - HOUR)) / 15_000;
    for (const inst of ['a:8080', 'b:8080']) {
      const k = inst === 'a:8080' ? 1 : 2;
      text += `grafana_http_requests_total{job="shop",instance="${inst}",code="200"} ${i * 10 * k} ${t}\n`;
      text += `grafana_http_requests_total{job="shop",instance="${inst}",code="500"} ${i * k} ${t}\n`;
      let cum = 0;
      for (const [le, n] of [['0.1', 5], ['0.5', 3], ['1', 1], ['+Inf', 1]] as const) {
        cum += n * i * k;
        text += `grafana_request_seconds_bucket{job="shop",instance="${inst}",le="${le}"} ${cum} ${t}\n`;
      }
    }
  }
  const res = await fetch(`${server.base}/api/v1/import/prometheus`, { method: 'POST', body: text });
  expect(res.status, await res.text()).toBeLessThan(300);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Grafana Prometheus data source', () => {
  it('detects the server type from buildinfo (a Prometheus version, no Mimir features)', async () => {
    const { data } = await get('/api/v1/status/buildinfo');
    const info = data as Record<string, unknown>;
    expect(info.features).toBeUndefined();
    const [major, minor] = String(info.version).split('.').map(Number);
    // Grafana uses match[] on the labels endpoints from Prometheus 2.24 on.
    expect(major > 2 || (major === 2 && minor >= 24)).toBe(true);
    for (const k of ['revision', 'branch', 'buildUser', 'buildDate', 'goVersion']) expect(typeof info[k]).toBe('string');
  });

  it('passes the data source health check (instant query 1+1)', async () => {
    const { data } = await post('/api/v1/query', { query: '1+1', time: secs(now) });
    expect(data).toEqual({ resultType: 'scalar', result: [now / 1000, '2'] });
  });

  it('lists metric names, label names and label values with match[]', async () => {
    const range = { start: secs(now - HOUR), end: secs(now) };
    const names = (await get('/api/v1/label/__name__/values', range)).data as string[];
    expect(names).toEqual(expect.arrayContaining(['grafana_http_requests_total', 'grafana_request_seconds_bucket']));
    expect([...names].sort()).toEqual(names);

    const labels = (await post('/api/v1/labels', { ...range, 'match[]': 'grafana_http_requests_total' })).data;
    expect(labels).toEqual(['__name__', 'code', 'instance', 'job']);
    const viaGet = (await get('/api/v1/labels', { ...range, 'match[]': 'grafana_http_requests_total' })).data;
    expect(viaGet).toEqual(labels);

    const values = (await get('/api/v1/label/instance/values', { ...range, 'match[]': '{__name__="grafana_http_requests_total",job="shop"}' })).data;
    expect(values).toEqual(['a:8080', 'b:8080']);
  });

  it('finds series for the query builder', async () => {
    const { data } = await post('/api/v1/series', {
      'match[]': ['grafana_http_requests_total{code="500"}', 'grafana_request_seconds_bucket{le="+Inf",instance="a:8080"}'],
      start: secs(now - HOUR),
      end: secs(now),
    });
    expect(data).toEqual([
      { __name__: 'grafana_http_requests_total', code: '500', instance: 'a:8080', job: 'shop' },
      { __name__: 'grafana_http_requests_total', code: '500', instance: 'b:8080', job: 'shop' },
      { __name__: 'grafana_request_seconds_bucket', instance: 'a:8080', job: 'shop', le: '+Inf' },
    ]);
  });

  it('loads metric metadata as an object of arrays', async () => {
    const { data } = await get('/api/v1/metadata', { limit: '1000' });
    expect(typeof data).toBe('object');
    expect(Array.isArray(data)).toBe(false);
    for (const entries of Object.values(data as Record<string, unknown>)) {
      expect(Array.isArray(entries)).toBe(true);
      for (const e of entries as Array<Record<string, unknown>>) expect(Object.keys(e).sort()).toEqual(['help', 'type', 'unit']);
    }
  });

  it('draws a graph: query_range with start and end aligned to the step', async () => {
    const step = 60_000;
    const start = Math.floor((now - HOUR) / step) * step;
    const end = Math.floor(now / step) * step;
    const { data } = await post('/api/v1/query_range', {
      query: 'sum by (code) (rate(grafana_http_requests_total[$__rate_interval]))'.replace('$__rate_interval', '1m'),
      start: secs(start),
      end: secs(end),
      step: String(step / 1000),
      timeout: '30s',
    });
    const d = data as { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
    expect(d.resultType).toBe('matrix');
    expect(d.result.map((s) => s.metric)).toEqual([{ code: '200' }, { code: '500' }]);
    for (const s of d.result) {
      expect(s.values.length).toBeGreaterThan(50);
      for (const [t, v] of s.values) {
        expect(typeof t).toBe('number');
        expect((t * 1000) % step).toBe(0);
        expect(t * 1000).toBeGreaterThanOrEqual(start);
        expect(t * 1000).toBeLessThanOrEqual(end);
        expect(typeof v).toBe('string');
        expect(Number.isNaN(Number(v))).toBe(false);
      }
    }
    // 200s grow by 10/15 s on a and 20/15 s on b: 2 per second in all.
    expect(Number(d.result[0].values.at(-1)![1])).toBeCloseTo(2, 6);
  });

  it('fills a table: instant query with one sample per series', async () => {
    const { data } = await post('/api/v1/query', {
      query: 'histogram_quantile(0.85, sum by (le, instance) (rate(grafana_request_seconds_bucket[5m])))',
      time: secs(now),
      timeout: '30s',
    });
    const d = data as { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    expect(d.resultType).toBe('vector');
    expect(d.result).toHaveLength(2);
    for (const s of d.result) {
      expect(Object.keys(s.metric)).toEqual(['instance']);
      expect(s.value[0]).toBe(now / 1000);
      expect(Number(s.value[1])).toBeCloseTo(0.75, 6);
    }
  });

  it('asks for exemplars next to a graph and gets an empty list', async () => {
    const { data } = await post('/api/v1/query_exemplars', {
      query: 'grafana_request_seconds_bucket',
      start: secs(now - HOUR),
      end: secs(now),
    });
    expect(data).toEqual([]);
  });

  it('shows a query error the way Grafana displays it', async () => {
    const res = await fetch(new URL('/api/v1/query_range', server.base), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: 'sum(rate(x[5m])', start: secs(now - HOUR), end: secs(now), step: '60' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(body.error).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
  });
});
