/**
 * OpenTSDB end to end: telnet-style `put` lines over TCP and HTTP /api/put
 * (object, array, `summary`, `details`), read back through /api/v1/export.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, metricValue, sendTcp, startWithListeners } from './net.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

describe('OpenTSDB', () => {
  it('telnet put lines: seconds and milliseconds, tags; bad lines counted', async () => {
    const l = await startWithListeners(tempDir(), ['opentsdb']);
    servers.push(l.server);
    const t = Math.floor(Date.now() / 1000) - 60;
    await sendTcp(l.addr('opentsdb', 'tcp'), `put sys.cpu.user ${t} 42.5 host=web01 cpu=0\nput sys.cpu.user ${t * 1000 + 5} 43 host=web02 cpu=0\nversion\nput nometric ${t} 1\n`);
    const rows = await eventually(
      () => exportSeries(l.server.base, '{__name__="sys.cpu.user"}'),
      (r) => r.length === 2,
    );
    expect(rows.map((r) => [r.metric, r.values, r.timestamps])).toEqual([
      [{ __name__: 'sys.cpu.user', cpu: '0', host: 'web01' }, [42.5], [t * 1000]],
      [{ __name__: 'sys.cpu.user', cpu: '0', host: 'web02' }, [43], [t * 1000 + 5]],
    ]);
    expect(await metricValue(l.server.base, 'vigil_ingest_parse_errors_total', { protocol: 'opentsdb' })).toBe(2);
  });

  it('HTTP /api/put: object and array, 204; summary and details as OpenTSDB answers', async () => {
    const l = await startWithListeners(tempDir(), []);
    servers.push(l.server);
    const base = l.server.base;
    const t = Math.floor(Date.now() / 1000) - 60;
    let res = await fetch(`${base}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'http.m', timestamp: t, value: 1, tags: { a: 'b' } }) });
    expect(res.status).toBe(204);
    res = await fetch(`${base}/api/put?summary`, {
      method: 'POST',
      body: JSON.stringify([
        { metric: 'http.m', timestamp: t, value: '2', tags: { a: 'c' } },
        { metric: 'http.m', timestamp: t, value: 3, tags: {} },
      ]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ success: 1, failed: 1 });
    res = await fetch(`${base}/api/put?details`, { method: 'POST', body: JSON.stringify([{ metric: 'http.m', timestamp: 'x', value: 3, tags: { a: 'd' } }]) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      success: 0,
      failed: 1,
      errors: [{ datapoint: { metric: 'http.m', timestamp: 'x', value: 3, tags: { a: 'd' } }, error: 'invalid timestamp "x"' }],
    });
    res = await fetch(`${base}/api/put`, { method: 'POST', body: '{not json' });
    expect(res.status).toBe(400);
    const rows = await exportSeries(base, '{__name__="http.m"}');
    expect(rows.map((r) => [r.metric.a, r.values])).toEqual([
      ['b', [1]],
      ['c', [2]],
    ]);
  });
});
