/**
 * Seeded fuzz against the running server: random and mutated bodies to
 * /write, /api/v2/write, /api/put and the Pushgateway, random bytes and
 * lines to every TCP and UDP listener. The server must keep answering
 * (HTTP status < 500 for bad input, /-/healthy 200) and still store a
 * good write afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mutate, prng, randomText } from '../../packages/server/src/ingest/net/fuzz.js';
import { killAll, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, sendTcp, sendUdp, startWithListeners } from './net.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

const VALID = {
  influx: 'cpu,host=a\\ b usage=1.5,n=3i,ok=t,s="x\\"y" 1700000000000000000\n',
  graphite: 'a.b.c;k=v 1.5 1700000000\n',
  statsd: 'a.b:1|c|@0.5|#k:v\nt:3|ms\ng:-2|g\n',
  opentsdb: 'put sys.cpu 1700000000 1.5 host=a\n',
  put: '[{"metric":"m","timestamp":1700000000,"value":1,"tags":{"a":"b"}}]',
  push: '# TYPE x counter\nx_total{a="b"} 1\n',
};

describe('listeners under fuzz', () => {
  it('keeps answering and storing', async () => {
    const l = await startWithListeners(tempDir());
    servers.push(l.server);
    const base = l.server.base;
    const rnd = prng(42);
    const body = (valid: string) => (rnd() < 0.3 ? randomText(rnd, valid, 300) : mutate(rnd, valid.repeat(1 + Math.floor(rnd() * 3)), valid));
    for (let i = 0; i < 60; i++) {
      const reqs: [string, string, string][] = [
        ['POST', '/write?db=f&precision=ns', body(VALID.influx)],
        ['POST', '/api/v2/write?bucket=f', body(VALID.influx)],
        ['POST', '/api/put?details', body(VALID.put)],
        [rnd() < 0.5 ? 'PUT' : 'POST', '/metrics/job/fuzz', body(VALID.push)],
      ];
      for (const [method, path, b] of reqs) {
        const res = await fetch(base + path, { method, body: b });
        await res.arrayBuffer();
        expect(res.status, `${method} ${path} ${JSON.stringify(b)}`).toBeLessThan(500);
      }
      await sendTcp(l.addr('influx', 'tcp'), body(VALID.influx));
      await sendTcp(l.addr('graphite', 'tcp'), body(VALID.graphite));
      await sendTcp(l.addr('opentsdb', 'tcp'), body(VALID.opentsdb));
      await sendTcp(l.addr('statsd', 'tcp'), body(VALID.statsd));
      await sendUdp(l.addr('statsd', 'udp'), [body(VALID.statsd)]);
      await sendUdp(l.addr('influx', 'udp'), [body(VALID.influx)]);
      await sendUdp(l.addr('graphite', 'udp'), [Buffer.from(Array.from({ length: 200 }, () => Math.floor(rnd() * 256)))]);
    }
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    const t = Date.now() - 1000;
    await sendTcp(l.addr('graphite', 'tcp'), `after.fuzz 1 ${t / 1000}\n`);
    const res = await fetch(`${base}/write?precision=ms`, { method: 'POST', body: `after_fuzz v=2 ${t}` });
    expect(res.status).toBe(204);
    const rows = await eventually(
      () => exportSeries(base, '{__name__=~"after.fuzz|after_fuzz_v"}'),
      (r) => r.length === 2,
    );
    expect(rows.map((r) => r.metric.__name__)).toEqual(['after.fuzz', 'after_fuzz_v']);
  });
});
