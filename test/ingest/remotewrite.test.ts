/**
 * Remote write end to end against the real server: Debian's `prometheus`
 * scraping a small target and remote-writing into Vigil (series and samples
 * compared with Prometheus's own storage), 2.0 headers, authentication, and
 * SIGKILL in the middle of a load (every acknowledged request is there after
 * the restart).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusBinary, startPrometheus } from '../../bench/peers/prometheus.js';
import type { PeerProcess } from '../../bench/peers/process.js';
import { encodeV1, encodeV2, snappy, V1_HEADERS, V2_HEADERS, type EncodedSeries } from '../../packages/server/src/ingest/remotewrite/encoder.js';
import { killAll, startServer, tempDir, type Running } from '../server/harness.js';

const servers: Running[] = [];
const peers: PeerProcess[] = [];
const targets: Server[] = [];
afterEach(async () => {
  await killAll(servers);
  for (const p of peers.splice(0)) await p.stop(5_000);
  for (const t of targets.splice(0)) await new Promise((r) => t.close(r));
});

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

const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());

describe('remote write from Debian prometheus', () => {
  const binary = prometheusBinary();
  const missing = binary === undefined;
  if (missing && process.env.CI === 'true') {
    it('needs the Debian package prometheus under CI', () => {
      throw new Error('Debian package "prometheus" is not installed (/usr/bin/prometheus): install it (.ci/run does)');
    });
  }
  it.skipIf(missing)('series and samples in Vigil equal what prometheus scraped (skipped without the Debian package "prometheus")', async () => {
    let hits = 0;
    const target = createServer((_, res) => {
      hits++;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(
        `# TYPE shop_orders_total counter\nshop_orders_total{kind="a"} ${hits * 3}\nshop_orders_total{kind="b \\"q\\""} ${hits}\n` +
          `# TYPE shop_temp gauge\nshop_temp ${20 + (hits % 5) / 4}\n# TYPE lat histogram\nlat_bucket{le="0.5"} ${hits}\nlat_bucket{le="+Inf"} ${hits * 2}\nlat_sum ${hits * 0.75}\nlat_count ${hits * 2}\n`,
      );
    });
    targets.push(target);
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;

    const vigil = await startServer(tempDir());
    servers.push(vigil);
    const work = tempDir('vigil-prom-');
    const prom = await startPrometheus({
      binary: binary!,
      dataDir: join(work, 'data'),
      workDir: work,
      config: [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - job_name: shop`,
        `    static_configs: [{ targets: ['127.0.0.1:${targetPort}'] }]`,
        'remote_write:',
        `  - url: ${vigil.base}/api/v1/write`,
        '    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }',
      ].join('\n'),
    });
    peers.push(prom);

    // Wait until Vigil has at least 5 scrapes of every series (a deadline, not a timing assertion).
    const deadline = Date.now() + 60_000;
    let rows: Row[] = [];
    for (;;) {
      rows = await exportAll(vigil.base, '{job="shop"}');
      if (rows.length >= 9 && rows.every((r) => r.values.length >= 5)) break;
      if (Date.now() > deadline) throw new Error(`remote write did not deliver 5 scrapes of every series in 60 s; got ${JSON.stringify(rows.map((r) => [r.metric, r.values.length]))}`);
      await sleep(500);
    }

    // The same series as Prometheus holds, including up and the scrape_* series it writes itself.
    const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('{job="shop"}[10m]')}&time=${Date.now() / 1000}`);
    const body = (await res.json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    const inProm = new Map(body.data.result.map((r) => [key(r.metric), r.values]));
    expect(new Set(rows.map((r) => key(r.metric)))).toEqual(new Set(inProm.keys()));
    expect(rows.map((r) => r.metric.__name__)).toEqual(expect.arrayContaining(['up', 'shop_orders_total', 'lat_bucket', 'scrape_duration_seconds']));
    // Every sample Vigil holds is one Prometheus holds (same timestamp, same value); Vigil may be behind.
    for (const r of rows) {
      const promSamples = new Map(inProm.get(key(r.metric))!.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
      r.timestamps.forEach((t, i) => {
        expect(promSamples.has(t), `${key(r.metric)} @${t}`).toBe(true);
        expect(promSamples.get(t)).toBe(r.values[i]);
      });
    }
    const quoted = rows.find((r) => r.metric.kind === 'b "q"');
    expect(quoted).toBeDefined();
  });
});

function seriesFor(req: number, n: number, t0: number): EncodedSeries[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: ['__name__', 'load_test', 'req', String(req), 'series', String(i)],
    timestamps: [t0, t0 + 1000],
    values: new Float64Array([req, i]),
  }));
}

describe('remote write receiver', () => {
  it('2.0: answers 204 with the *-Written headers; a rejected sample gives 400 with the good ones kept', async () => {
    const s = await startServer(tempDir());
    servers.push(s);
    const t = Date.now();
    const series = seriesFor(1, 3, t);
    let res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body: snappy(encodeV2(series)), headers: V2_HEADERS });
    expect(res.status).toBe(204);
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('6');
    expect(res.headers.get('x-prometheus-remote-write-histograms-written')).toBe('0');
    expect(res.headers.get('x-prometheus-remote-write-exemplars-written')).toBe('0');
    // Same timestamps, another value for series 0, plus a new good series.
    const again: EncodedSeries[] = [{ ...series[0], values: new Float64Array([99, 0]) }, ...seriesFor(2, 1, t)];
    res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body: snappy(encodeV2(again)), headers: V2_HEADERS });
    expect(res.status).toBe(400);
    // The identical second sample of series 0 is accepted (as Prometheus does), the other refused.
    expect(res.headers.get('x-prometheus-remote-write-samples-written')).toBe('3');
    expect(await res.text()).toMatch(/^1 of 4 samples rejected: duplicate sample for timestamp \d+ with a different value \(series load_test\{req="1", series="0"\}\)/);
    expect((await exportAll(s.base, '{__name__="load_test",req="2"}'))[0].values).toEqual([2, 0]);
    // Unknown message and encoding: 415.
    res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body: 'x', headers: { ...V1_HEADERS, 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request' } });
    expect(res.status).toBe(415);
    res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body: 'x', headers: { ...V1_HEADERS, 'Content-Encoding': 'zstd' } });
    expect(res.status).toBe(415);
  });

  it('requires the configured credentials (401 with WWW-Authenticate otherwise)', async () => {
    const dir = tempDir();
    const token = join(dir, 'token');
    writeFileSync(token, 's3cret\n');
    const s = await startServer(join(dir, 'data'), [`--ingest.auth.bearer-token-file=${token}`]);
    servers.push(s);
    const body = snappy(encodeV1(seriesFor(1, 1, Date.now())));
    let res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body, headers: V1_HEADERS });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body, headers: { ...V1_HEADERS, Authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body, headers: { ...V1_HEADERS, Authorization: 'Bearer s3cret' } });
    expect(res.status).toBe(204);
  });

  it('keeps answering malformed and mutated bodies with a clear 400', async () => {
    const s = await startServer(tempDir());
    servers.push(s);
    const good = encodeV1(seriesFor(7, 20, Date.now()));
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 60; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const body = i % 3 === 0 ? snappy(b.subarray(0, Math.floor(rnd() * b.length))) : i % 3 === 1 ? snappy(b) : Buffer.from(b.subarray(0, 40));
      const res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body, headers: i % 2 ? V1_HEADERS : V2_HEADERS });
      const text = await res.text();
      expect([204, 400], text).toContain(res.status);
      if (res.status === 400) expect(text).toMatch(/^(cannot decompress snappy body|cannot decode (prometheus\.WriteRequest|io\.prometheus\.write\.v2\.Request)|\d+ of \d+ samples rejected)/);
    }
    expect((await fetch(`${s.base}/-/healthy`)).status).toBe(200);
  });

  it('SIGKILL in the middle of a load: every acknowledged request is there after the restart', async () => {
    const dir = tempDir();
    const s = await startServer(dir);
    const acked: number[] = [];
    const t0 = Date.now() - 60_000;
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const req = next++;
        try {
          const res = await fetch(`${s.base}/api/v1/write`, { method: 'POST', body: snappy(encodeV1(seriesFor(req, 50, t0 + req * 10))), headers: V1_HEADERS });
          await res.arrayBuffer();
          if (res.status === 204) acked.push(req);
        } catch {
          // The server died mid-request: not acknowledged.
          return;
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    // Kill once a fair number of requests were acknowledged (a count, not a time).
    while (acked.length < 40) await sleep(5);
    process.kill(s.pid, 'SIGKILL');
    await s.exited;
    stop = true;
    await Promise.all(workers);

    const again = await startServer(dir);
    servers.push(again);
    const rows = await exportAll(again.base, '{__name__="load_test"}');
    const perReq = new Map<string, number>();
    for (const r of rows) perReq.set(r.metric.req, (perReq.get(r.metric.req) ?? 0) + r.values.length);
    const missingAcks = acked.filter((req) => perReq.get(String(req)) !== 100);
    expect(missingAcks).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(40);
  });
});
