import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../metrics/registry.js';
import { Labels } from '../model/labels.js';
import { Engine } from '../promql/engine/index.js';
import { HttpServer } from '../server/http.js';
import { nopLogger } from '../server/logger.js';
import { MemoryStorage } from '../storage/memory.js';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { QueryError, type Result } from '../promql/engine/index.js';
import { ApiError } from './errors.js';
import { registerQueryApi, runCancelable } from './query.js';
import { registerStatusApi } from './status.js';

// 2025-01-01T00:00:00Z; samples every 15 s for 10 minutes before it.
const T0 = 1_735_689_600_000;

let server: HttpServer;
let base: string;
let storage: MemoryStorage;

async function start(engine = new Engine()): Promise<void> {
  storage = new MemoryStorage();
  const app = storage.appender();
  for (let i = 0; i <= 40; i++) {
    const t = T0 - 600_000 + i * 15_000;
    app.append(0, Labels.fromObject({ __name__: 'reqs_total', job: 'api', instance: 'a' }), t, i * 10);
    app.append(0, Labels.fromObject({ __name__: 'reqs_total', job: 'api', instance: 'b' }), t, i * 20);
    app.append(0, Labels.fromObject({ __name__: 'temp', job: 'node', instance: 'a' }), t, 0.1 * i);
  }
  app.append(0, Labels.fromObject({ __name__: 'tiny', job: 'x' }), T0, 1e-7);
  await app.commit();
  server = new HttpServer({ listenAddress: '127.0.0.1:0', maxBodyBytes: 1 << 20, storage: () => storage, registry: new Registry(), logger: nopLogger });
  registerQueryApi(server.router, { engine, queryable: storage, maxBodyBytes: 1 << 20, now: () => T0 });
  registerStatusApi(server.router, {
    storage,
    flags: () => ({ 'query.timeout': '2m' }),
    configYaml: () => 'global:\n  scrape_interval: 1m\n',
    startTimeMs: T0,
    lastConfig: () => ({ timeMs: T0, success: true }),
    storageRetention: '15d',
    now: () => T0,
  });
  base = `http://${await server.listen()}`;
}

afterEach(async () => {
  await server.close();
});

interface Reply {
  status: number;
  text: string;
  body: {
    status: string;
    data?: { resultType: string; result: unknown; stats?: unknown } & Record<string, unknown>;
    errorType?: string;
    error?: string;
    warnings?: string[];
  };
}

async function get(path: string, params: Record<string, string> = {}): Promise<Reply> {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  const r = await fetch(u);
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text) as Reply['body'] };
}

async function post(path: string, form: Record<string, string>): Promise<Reply> {
  const r = await fetch(new URL(path, base), { method: 'POST', body: new URLSearchParams(form) });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text) as Reply['body'] };
}

describe('/api/v1/query', () => {
  beforeEach(() => start());

  it('answers a vector with Prometheus encoding', async () => {
    const r = await get('/api/v1/query', { query: 'reqs_total{instance="a"}', time: '1735689600.5' });
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"reqs_total","instance":"a","job":"api"},"value":[1735689600.500,"400"]}]}}',
    );
  });

  it('encodes scalars, strings, special and tiny values', async () => {
    const t = { time: '1735689600' };
    expect((await get('/api/v1/query', { query: '1/0', ...t })).body.data).toEqual({ resultType: 'scalar', result: [1735689600, '+Inf'] });
    expect((await get('/api/v1/query', { query: '-1/0', ...t })).body.data!.result).toEqual([1735689600, '-Inf']);
    expect((await get('/api/v1/query', { query: '0/0', ...t })).body.data!.result).toEqual([1735689600, 'NaN']);
    expect((await get('/api/v1/query', { query: '"hi"', ...t })).body.data).toEqual({ resultType: 'string', result: [1735689600, 'hi'] });
    expect((await get('/api/v1/query', { query: 'tiny', ...t })).text).toContain('"value":[1735689600,"1e-07"]');
    expect((await get('/api/v1/query', { query: 'scalar(tiny)', ...t })).text).toContain('[1735689600,"0.0000001"]');
  });

  it('takes form-encoded POST bodies, RFC 3339 times and defaults time to now', async () => {
    const a = await post('/api/v1/query', { query: 'sum(reqs_total)', time: '2025-01-01T00:00:00Z' });
    expect(a.body.data!.result).toEqual([{ metric: {}, value: [1735689600, '1200'] }]);
    const b = await get('/api/v1/query', { query: 'sum(reqs_total)' });
    expect(b.body.data!.result).toEqual(a.body.data!.result);
  });

  it('truncates to limit with a warning, adds stats on request', async () => {
    const r = await get('/api/v1/query', { query: 'reqs_total', time: '1735689600', limit: '1', stats: 'all' });
    expect(r.body.data!.result).toHaveLength(1);
    expect(r.body.warnings).toEqual(['results truncated due to limit']);
    expect(r.body.data!.stats).toMatchObject({
      timings: { evalTotalTime: expect.any(Number), execTotalTime: expect.any(Number) },
      samples: { totalQueryableSamples: expect.any(Number), peakSamples: expect.any(Number) },
    });
  });

  it('returns the engine warnings and infos next to the result', async () => {
    const r = await get('/api/v1/query', { query: 'rate(temp[1m]) or quantile(2, temp)', time: '1735689600' });
    expect(r.status).toBe(200);
    expect(r.body.warnings).toEqual([expect.stringMatching(/^PromQL warning: quantile value should be between 0 and 1, got 2/)]);
    expect((r.body as { infos?: string[] }).infos).toEqual([expect.stringMatching(/^PromQL info: metric might not be a counter, name does not end in _total\/_sum\/_count\/_bucket: "temp"/)]);
  });

  it('honours lookback_delta', async () => {
    const late = { query: 'temp', time: String((T0 + 120_000) / 1000) };
    expect((await get('/api/v1/query', late)).body.data!.result).toHaveLength(1);
    expect((await get('/api/v1/query', { ...late, lookback_delta: '1m' })).body.data!.result).toHaveLength(0);
    expect((await get('/api/v1/query', { ...late, lookback_delta: '90' })).body.data!.result).toHaveLength(0);
  });

  it.each<[Record<string, string>, number, string, RegExp]>([
    [{ query: 'sum(' }, 400, 'bad_data', /^invalid parameter "query": 1:5: parse error: /],
    [{ query: '' }, 400, 'bad_data', /^invalid parameter "query": /],
    [{ query: 'up', time: 'yesterday' }, 400, 'bad_data', /^invalid parameter "time": Invalid time value for 'time': cannot parse "yesterday"/],
    [{ query: 'up', timeout: 'soon' }, 400, 'bad_data', /^invalid parameter "timeout": cannot parse "soon" to a valid duration/],
    [{ query: 'up', lookback_delta: 'x' }, 400, 'bad_data', /^error parsing lookback delta duration/],
    [{ query: 'up', limit: '-1' }, 400, 'bad_data', /limit/],
    [{ query: 'reqs_total + ignoring(instance) reqs_total' }, 422, 'execution', /many-to-many|duplicate|multiple matches/],
  ])('rejects %j with %d %s', async (params, status, type, msg) => {
    const r = await get('/api/v1/query', { time: '1735689600', ...params });
    expect(r.status).toBe(status);
    expect(r.body.status).toBe('error');
    expect(r.body.errorType).toBe(type);
    expect(r.body.error).toMatch(msg);
  });
});

describe('/api/v1/query_range', () => {
  beforeEach(() => start());

  it('answers a matrix at start, start+step, … <= end', async () => {
    const r = await get('/api/v1/query_range', { query: 'sum by (job) (rate(reqs_total[1m]))', start: '1735689300', end: '1735689600', step: '2m' });
    expect(r.body.data).toEqual({
      resultType: 'matrix',
      result: [{ metric: { job: 'api' }, values: [[1735689300, '2'], [1735689420, '2'], [1735689540, '2']] }],
    });
  });

  it('takes float steps and POST', async () => {
    const a = await post('/api/v1/query_range', { query: 'temp', start: '2024-12-31T23:59:00Z', end: '2025-01-01T00:00:00Z', step: '30.5' });
    const values = (a.body.data!.result as Array<{ values: unknown[] }>)[0].values;
    expect(values.map((p) => (p as [number, string])[0])).toEqual([1735689540, 1735689570.5]);
  });

  it.each<[Record<string, string>, RegExp]>([
    [{ end: '1', step: '1' }, /^invalid parameter "start": cannot parse "" to a valid timestamp/],
    [{ start: '1', step: '1' }, /^invalid parameter "end": cannot parse "" to a valid timestamp/],
    [{ start: '2', end: '1', step: '1' }, /^invalid parameter "end": end timestamp must not be before start time/],
    [{ start: '1', end: '2', step: 'x' }, /^invalid parameter "step": cannot parse "x" to a valid duration/],
    [{ start: '1', end: '2', step: '0' }, /^invalid parameter "step": zero or negative query resolution step widths are not accepted/],
    [{ start: '0', end: '11001', step: '1' }, /^exceeded maximum resolution of 11,000 points per timeseries/],
  ])('rejects %j', async (params, msg) => {
    const r = await get('/api/v1/query_range', { query: 'temp', ...params });
    expect(r.status).toBe(400);
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toMatch(msg);
  });

  it('accepts exactly 11,000 points per series', async () => {
    const r = await get('/api/v1/query_range', { query: '1', start: '0', end: '11000', step: '1' });
    expect(r.status).toBe(200);
  });
});

describe('engine limits', () => {
  it('fails a query over --query.max-samples with 422 execution', async () => {
    await start(new Engine({ maxSamples: 10 }));
    const r = await get('/api/v1/query', { query: 'sum_over_time(reqs_total[10m])', time: '1735689600' });
    expect(r.status).toBe(422);
    expect(r.body.errorType).toBe('execution');
    expect(r.body.error).toMatch(/too many samples/);
  });
});

describe('format_query, parse_query, query_exemplars', () => {
  beforeEach(() => start());

  it('pretty-prints and parses', async () => {
    expect((await get('/api/v1/format_query', { query: 'sum(rate(x[5m]))by(job)' })).body).toEqual({ status: 'success', data: 'sum by (job) (rate(x[5m]))' });
    expect((await post('/api/v1/parse_query', { query: 'x offset 1m' })).body.data).toMatchObject({ type: 'vectorSelector', name: 'x', offset: 60_000 });
    const bad = await get('/api/v1/format_query', { query: 'x{' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid parameter "query": /);
  });

  it('has no exemplars yet', async () => {
    expect((await get('/api/v1/query_exemplars', { query: 'reqs_total', start: '0', end: '1735689600' })).body).toEqual({ status: 'success', data: [] });
    expect((await get('/api/v1/query_exemplars', { query: '1 + 1' })).body).toEqual({ status: 'success', data: null });
    expect((await get('/api/v1/query_exemplars', { query: 'x', start: '2', end: '1' })).status).toBe(400);
  });
});

describe('/api/v1/status', () => {
  beforeEach(() => start());

  it('reports build, runtime, flags and config', async () => {
    const build = (await get('/api/v1/status/buildinfo')).body.data!;
    expect(Object.keys(build)).toEqual(expect.arrayContaining(['version', 'revision', 'branch', 'buildUser', 'buildDate', 'goVersion']));
    expect(build.version).toMatch(/^3\.\d+\.\d+$/);
    const rt = (await get('/api/v1/status/runtimeinfo')).body.data!;
    expect(rt).toMatchObject({ startTime: '2025-01-01T00:00:00.000Z', reloadConfigSuccess: true, storageRetention: '15d', corruptionCount: 0 });
    expect((await get('/api/v1/status/flags')).body.data).toEqual({ 'query.timeout': '2m' });
    expect((await get('/api/v1/status/config')).body.data).toEqual({ yaml: 'global:\n  scrape_interval: 1m\n' });
  });

  it('reports cardinality of a storage without a head by scanning it', async () => {
    const r = await get('/api/v1/status/tsdb', { limit: '2' });
    expect(r.body.data).toEqual({
      headStats: { numSeries: 4, numLabelPairs: 8, chunkCount: 0, minTime: T0 - 600_000, maxTime: T0 },
      seriesCountByMetricName: [
        { name: 'reqs_total', value: 2 },
        { name: 'temp', value: 1 },
      ],
      labelValueCountByLabelName: [
        { name: '__name__', value: 3 },
        { name: 'job', value: 3 },
      ],
      memoryInBytesByLabelName: [
        { name: '__name__', value: 2 * 10 + 4 + 4 },
        { name: 'job', value: 2 * 3 + 4 + 1 },
      ],
      // Ties are ordered by name.
      seriesCountByLabelValuePair: [
        { name: '__name__=reqs_total', value: 2 },
        { name: 'instance=a', value: 2 },
      ],
    });
    expect((await get('/api/v1/status/tsdb', { limit: '0' })).status).toBe(400);
  });
});

describe('cancellation', () => {
  // A query that runs until its signal aborts, then fails as the engine does.
  const untilAborted = (signal: AbortSignal) =>
    new Promise<Result>((_, reject) => signal.addEventListener('abort', () => reject(new QueryError('canceled', 'query was canceled in query execution'))));

  it('cancels the query when the client goes away', async () => {
    const res = Object.assign(new EventEmitter(), { writableFinished: false }) as unknown as ServerResponse;
    const running = runCancelable(res, undefined, untilAborted);
    res.emit('close');
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('canceled');
    expect((err as ApiError).status).toBe(503);
  });

  it('reports the timeout parameter running out as a timeout', async () => {
    const res = Object.assign(new EventEmitter(), { writableFinished: false }) as unknown as ServerResponse;
    const err = await runCancelable(res, 0, untilAborted).catch((e: unknown) => e);
    expect((err as ApiError).kind).toBe('timeout');
    expect((err as ApiError).message).toBe('query timed out in query execution');
  });
});
