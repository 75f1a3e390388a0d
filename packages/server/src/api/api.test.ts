import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Registry } from '../metrics/registry.js';
import { Labels } from '../model/labels.js';
import { HttpServer } from '../server/http.js';
import { nopLogger } from '../server/logger.js';
import { StorageError } from '../storage/errors.js';
import type { Storage } from '../storage/interface.js';
import { MemoryStorage } from '../storage/memory.js';
import { ERROR_STATUS, toApiError } from './errors.js';
import { errorEnvelope, successEnvelope } from './envelope.js';
import { ApiError } from './errors.js';

const NOW = 1_700_000_000_000;

let storage: Storage | undefined;
let server: HttpServer;
let base: string;

async function start(maxBodyBytes = 1 << 20, importBatchSize = 3): Promise<void> {
  server = new HttpServer({
    listenAddress: '127.0.0.1:0',
    maxBodyBytes,
    storage: () => storage,
    registry: new Registry(),
    logger: nopLogger,
    now: () => NOW,
    importBatchSize,
  });
  base = `http://${await server.listen()}`;
}

async function seed(): Promise<void> {
  const app = storage!.appender();
  const add = (o: Record<string, string>, t: number, v: number) => app.append(0, Labels.fromObject(o), t, v);
  add({ __name__: 'up', job: 'node', instance: 'a' }, 1000, 1);
  add({ __name__: 'up', job: 'node', instance: 'b' }, 2000, 0);
  add({ __name__: 'up', job: 'prom', instance: 'c' }, 3000, 1);
  add({ __name__: 'http_requests_total', job: 'prom', 'my.label': 'x' }, 1000, 5);
  await app.commit();
}

const get = async (path: string) => {
  const r = await fetch(base + path);
  return { status: r.status, body: await r.json() };
};

beforeEach(async () => {
  storage = new MemoryStorage();
  await seed();
  await start();
});

afterEach(async () => {
  await server.close();
});

describe('envelope and error table', () => {
  it('has Prometheus statuses for every kind', () => {
    expect(ERROR_STATUS).toEqual({
      bad_data: 400,
      execution: 422,
      canceled: 503,
      timeout: 503,
      internal: 500,
      unavailable: 503,
      not_found: 404,
      not_acceptable: 406,
      too_large: 413,
    });
  });

  it('omits empty warnings and carries data on errors', () => {
    expect(successEnvelope([1])).toEqual({ status: 'success', data: [1] });
    expect(successEnvelope([], { warnings: ['w'], infos: [] })).toEqual({ status: 'success', data: [], warnings: ['w'] });
    expect(errorEnvelope(new ApiError('bad_data', 'nope'))).toEqual({ status: 'error', errorType: 'bad_data', error: 'nope' });
    expect(errorEnvelope(new ApiError('internal', 'x', { n: 1 }))).toEqual({ status: 'error', errorType: 'internal', error: 'x', data: { n: 1 } });
  });

  it('maps storage errors: sample problems are bad_data, WAL failures internal, closed unavailable', () => {
    expect(toApiError(new StorageError('out_of_order', 'x')).status).toBe(400);
    expect(toApiError(new StorageError('wal_write_failed', 'x')).status).toBe(500);
    expect(toApiError(new StorageError('closed', 'x')).status).toBe(503);
    expect(toApiError(new Error('boom')).kind).toBe('internal');
  });
});

describe('metadata endpoints', () => {
  it('/api/v1/series returns label sets sorted, union of match[]', async () => {
    const r = await get('/api/v1/series?match[]=up{job="node"}&match[]={job="prom"}');
    expect(r).toEqual({
      status: 200,
      body: {
        status: 'success',
        data: [
          { __name__: 'http_requests_total', job: 'prom', 'my.label': 'x' },
          { __name__: 'up', instance: 'a', job: 'node' },
          { __name__: 'up', instance: 'b', job: 'node' },
          { __name__: 'up', instance: 'c', job: 'prom' },
        ],
      },
    });
  });

  it('/api/v1/series accepts POST form bodies, time ranges and limit with a warning', async () => {
    const r = await fetch(base + '/api/v1/series', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'match[]=up&start=1.5&end=1970-01-01T00:00:03Z&limit=1',
    });
    expect(await r.json()).toEqual({ status: 'success', data: [{ __name__: 'up', instance: 'b', job: 'node' }], warnings: ['results truncated due to limit'] });
  });

  it('/api/v1/labels and label values, with U__ escaped names', async () => {
    expect((await get('/api/v1/labels')).body.data).toEqual(['__name__', 'instance', 'job', 'my.label']);
    expect((await get('/api/v1/labels?match[]=up')).body.data).toEqual(['__name__', 'instance', 'job']);
    expect((await get('/api/v1/label/job/values')).body.data).toEqual(['node', 'prom']);
    expect((await get('/api/v1/label/instance/values?match[]=up{job="node"}&limit=1')).body).toEqual({
      status: 'success',
      data: ['a'],
      warnings: ['results truncated due to limit'],
    });
    expect((await get('/api/v1/label/U__my_2e_label/values')).body.data).toEqual(['x']);
    expect((await get('/api/v1/label/__name__/values')).body.data).toEqual(['http_requests_total', 'up']);
  });

  it.each<[string, RegExp]>([
    ['/api/v1/series', /no match\[\] parameter provided/],
    ['/api/v1/series?match[]=up{', /invalid parameter "match\[\]": 1:4: parse error/],
    ['/api/v1/series?match[]={a=""}', /at least one non-empty matcher/],
    ['/api/v1/series?match[]=up&start=yesterday', /invalid parameter "start": cannot parse "yesterday" to a valid timestamp/],
    ['/api/v1/labels?end=x', /invalid parameter "end": cannot parse "x"/],
    ['/api/v1/labels?start=10&end=5', /invalid parameter "end": end timestamp must not be before start time/],
    ['/api/v1/label/job/values?limit=-1', /invalid parameter "limit"/],
    ['/api/v1/export', /no match\[\] parameter provided/],
  ])('%s → 400 bad_data', async (path, re) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect(r.body.status).toBe('error');
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toMatch(re);
  });

  it('404 for unknown paths, 405 for wrong methods', async () => {
    expect((await fetch(base + '/nope')).status).toBe(404);
    const r = await fetch(base + '/api/v1/import', { method: 'GET' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
  });

  it('answers 503 unavailable until the storage is open; /-/ready follows', async () => {
    const s = storage;
    storage = undefined;
    expect((await fetch(base + '/-/ready')).status).toBe(503);
    expect((await fetch(base + '/-/healthy')).status).toBe(200);
    const r = await get('/api/v1/labels');
    expect(r).toEqual({ status: 503, body: { status: 'error', errorType: 'unavailable', error: 'storage is not ready yet' } });
    storage = s;
    expect((await fetch(base + '/-/ready')).status).toBe(200);
  });
});

describe('import and export', () => {
  const post = async (path: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    const r = await fetch(base + path, { method: 'POST', body, headers });
    return { status: r.status, body: await r.json() };
  };

  it('imports text with timestamps, now for the rest, extra labels; commits in batches', async () => {
    const text = 'a 1 1000\na 2 2000\n# HELP b B.\n# TYPE b gauge\nb{x="y"} 3\nc 4 1000\nc 5 2000\n';
    const r = await post('/api/v1/import/prometheus?extra_label=src=test', text);
    expect(r).toEqual({ status: 200, body: { status: 'success', data: { samplesAccepted: 5, samplesRejected: 0 } } });
    const exp = await (await fetch(base + '/api/v1/export?match[]={src="test"}')).text();
    expect(exp).toBe(
      '{"metric":{"__name__":"a","src":"test"},"values":[1,2],"timestamps":[1000,2000]}\n' +
        `{"metric":{"__name__":"b","src":"test","x":"y"},"values":[3],"timestamps":[${NOW}]}\n` +
        '{"metric":{"__name__":"c","src":"test"},"values":[4,5],"timestamps":[1000,2000]}\n',
    );
  });

  it('keeps good lines and names each bad line with its problem', async () => {
    const text = 'ok 1 1000\nbad{ 1\nok 2 2000\nalso bad\nok{a="b",a="c"} 3 2000\n';
    const r = await post('/api/v1/import/prometheus', text);
    expect(r.status).toBe(400);
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toMatch(/^3 of 5 samples rejected: line 2: .*; line 4: .*; line 5: duplicate label name "a"/);
    expect(r.body.data.samplesAccepted).toBe(2);
    expect(r.body.data.errors.map((e: { line: number }) => e.line)).toEqual([2, 4, 5]);
    const exp = await (await fetch(base + '/api/v1/export?match[]=ok')).text();
    expect(exp).toBe('{"metric":{"__name__":"ok"},"values":[1,2],"timestamps":[1000,2000]}\n');
  });

  it('counts lines across the pieces a large text body is parsed in', async () => {
    await server.close();
    await start(8 << 20, 10_000);
    const n = 60_000; // ~1.5 MB: more than one parse piece
    let text = '# TYPE big gauge\n';
    for (let i = 0; i < n; i++) text += `big{i="${i % 100}"} ${i} ${1000 + i}\n`;
    text += 'big{ broken\n';
    const r = await post('/api/v1/import/prometheus', text);
    expect(r.status).toBe(400);
    expect(r.body.data).toEqual({ samplesAccepted: n, samplesRejected: 1, errors: [{ line: n + 2, error: expect.any(String) }] });
  });

  it('imports JSON lines, rejecting bad lines by number', async () => {
    const body =
      '{"metric":{"__name__":"j","a":"1"},"values":[1,NaN,+Inf,-Inf],"timestamps":[1,2,3,4]}\n' +
      'not json\n\n' +
      '{"metric":{"__name__":"j","a":"2"},"values":[1],"timestamps":[1]}\n';
    const r = await post('/api/v1/import', body);
    expect(r.status).toBe(400);
    expect(r.body.data).toEqual({ samplesAccepted: 5, samplesRejected: 1, errors: [{ line: 2, error: expect.stringMatching(/cannot parse JSON/) }] });
    const exp = await (await fetch(base + '/api/v1/export?match[]=j')).text();
    expect(exp).toBe(
      '{"metric":{"__name__":"j","a":"1"},"values":[1,NaN,+Inf,-Inf],"timestamps":[1,2,3,4]}\n' +
        '{"metric":{"__name__":"j","a":"2"},"values":[1],"timestamps":[1]}\n',
    );
  });

  it('decompresses gzip bodies and rejects unknown encodings', async () => {
    const r = await post('/api/v1/import/prometheus', gzipSync('gz 1 1000\n'), { 'Content-Encoding': 'gzip' });
    expect(r.body.data).toEqual({ samplesAccepted: 1, samplesRejected: 0 });
    const bad = await post('/api/v1/import/prometheus', 'x', { 'Content-Encoding': 'br' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/unsupported Content-Encoding "br"/);
    const corrupt = await post('/api/v1/import/prometheus', Buffer.from('not gzip'), { 'Content-Encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(corrupt.body.error).toMatch(/cannot decompress gzip body/);
  });

  it('413 above the body limit, also after decompression', async () => {
    await server.close();
    await start(1000);
    const big = await post('/api/v1/import/prometheus', 'x 1\n'.repeat(1000));
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ status: 'error', errorType: 'too_large' });
    expect(big.body.error).toMatch(/limit is 1000 bytes/);
    const bomb = gzipSync('x 1\n'.repeat(10_000));
    expect(bomb.length).toBeLessThan(1000);
    const r = await post('/api/v1/import/prometheus', bomb, { 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
  });
});
