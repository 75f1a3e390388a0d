/**
 * End to end: the real server scraping real targets over loopback — Debian's
 * prometheus-node-exporter, a prom-client app, itself, and targets that
 * misbehave — with static, file and HTTP discovery, and config reloads.
 * Waits poll the API until a condition holds; nothing asserts on timing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, startServer, tempDir, type Running } from '../server/harness.js';

const servers: Running[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await killAll(servers);
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(config: string | undefined, args: string[] = []): Promise<Running & { dir: string; configFile: string }> {
  const dir = tempDir('vigil-scrape-e2e-');
  const configFile = join(dir, 'vigil.yml');
  if (config !== undefined) writeFileSync(configFile, config);
  const s = await startServer(join(dir, 'data'), [...(config === undefined ? [] : [`--config.file=${configFile}`]), ...args]);
  servers.push(s);
  return Object.assign(s, { dir, configFile });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** An HTTP target on a free loopback port; stopped after the test. */
async function target(handler: (res: ServerResponse, path: string) => void): Promise<{ addr: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => handler(res, req.url ?? '/'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { addr, server, close };
}

const get = async (base: string, path: string) => (await (await fetch(base + path)).json()) as any;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

interface ApiTarget {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  scrapeInterval: string;
  scrapeTimeout: string;
}

async function targets(base: string): Promise<ApiTarget[]> {
  return (await get(base, '/api/v1/targets')).data.activeTargets;
}

/** Waits until the target whose scrape URL contains `addr` has been scraped with the given health. */
function targetWith(base: string, addr: string, health: 'up' | 'down', errorMatch?: RegExp): Promise<ApiTarget> {
  return until(`target ${addr} ${health}`, async () =>
    (await targets(base)).find((t) => t.scrapeUrl.includes(addr) && t.health === health && (errorMatch === undefined || errorMatch.test(t.lastError))),
  );
}

async function exportSeries(base: string, match: string): Promise<{ metric: Record<string, string>; values: (number | string)[]; timestamps: number[] }[]> {
  const text = await (await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(match)}`)).text();
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function binary(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

const NODE_EXPORTER = binary('prometheus-node-exporter');
const CI = process.env.CI === 'true';
if (!NODE_EXPORTER && !CI) console.warn('test/scrape: skipping the node_exporter test: install the Debian package prometheus-node-exporter');

describe('scraping (e2e)', () => {
  it.skipIf(!NODE_EXPORTER && !CI)('scrapes Debian\'s prometheus-node-exporter: its series queryable with the labels Prometheus gives them', async () => {
    if (!NODE_EXPORTER) throw new Error('CI=true and the Debian package prometheus-node-exporter is not installed');
    const port = await freePort();
    const ne: ChildProcess = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.cpu', '--collector.meminfo', '--collector.loadavg'], {
      stdio: 'ignore',
    });
    cleanups.push(async () => {
      if (ne.exitCode === null) {
        process.kill(ne.pid!, 'SIGTERM');
        await new Promise((r) => ne.once('exit', r));
      }
    });
    const s = await start(`
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:${port}']
        labels: { env: test }
`);
    const t = await targetWith(s.base, `127.0.0.1:${port}`, 'up');
    expect(t.labels).toEqual({ instance: `127.0.0.1:${port}`, job: 'node', env: 'test' });
    expect(t.discoveredLabels).toMatchObject({ __address__: `127.0.0.1:${port}`, __metrics_path__: '/metrics', __scheme__: 'http', job: 'node', env: 'test' });
    const cpu = await until('node_cpu_seconds_total', async () => {
      const r = await exportSeries(s.base, 'node_cpu_seconds_total');
      return r.length > 0 ? r : undefined;
    });
    expect(Object.keys(cpu[0].metric).sort()).toEqual(['__name__', 'cpu', 'env', 'instance', 'job', 'mode']);
    expect(cpu[0].metric).toMatchObject({ job: 'node', instance: `127.0.0.1:${port}`, env: 'test' });
    const load = await exportSeries(s.base, 'node_load1');
    expect(load[0].metric).toEqual({ __name__: 'node_load1', env: 'test', instance: `127.0.0.1:${port}`, job: 'node' });
    const up = await exportSeries(s.base, `up{job="node"}`);
    expect(up[0].values.every((v) => v === 1)).toBe(true);
    const scraped = await exportSeries(s.base, `scrape_samples_scraped{job="node"}`);
    expect(scraped[0].values[0]).toBeGreaterThan(10);
    const md = await get(s.base, '/api/v1/targets/metadata?metric=node_load1');
    expect(md.data[0]).toMatchObject({ target: { job: 'node', instance: `127.0.0.1:${port}`, env: 'test' }, type: 'gauge', help: '1m load average.' });
  });

  it('scrapes a prom-client app, with metadata for /api/v1/metadata', async () => {
    const reg = new Registry();
    const c = new Counter({ name: 'orders_total', help: 'Orders placed.', labelNames: ['kind'], registers: [reg] });
    new Gauge({ name: 'queue_depth', help: 'Jobs waiting.', registers: [reg], collect() { this.set(7); } });
    c.inc({ kind: 'web' }, 3);
    const app = await target((res) => {
      void reg.metrics().then((text) => {
        res.writeHead(200, { 'Content-Type': reg.contentType });
        res.end(text);
      });
    });
    const s = await start(`
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: app
    static_configs: [{ targets: ['${app.addr}'] }]
`);
    await targetWith(s.base, app.addr, 'up');
    const orders = await until('orders_total', async () => {
      const r = await exportSeries(s.base, 'orders_total');
      return r.length > 0 ? r : undefined;
    });
    expect(orders[0].metric).toEqual({ __name__: 'orders_total', kind: 'web', job: 'app', instance: app.addr });
    expect(orders[0].values[0]).toBe(3);
    expect((await exportSeries(s.base, 'queue_depth'))[0].values[0]).toBe(7);
    const md = await get(s.base, '/api/v1/metadata?metric=orders_total');
    expect(md.data).toEqual({ orders_total: [{ type: 'counter', help: 'Orders placed.', unit: '' }] });
    expect((await get(s.base, '/api/v1/scrape_pools')).data).toEqual({ scrapePools: ['app'] });
  });

  it('scrapes itself by default', async () => {
    const s = await start(undefined);
    const t = await targetWith(s.base, s.base.replace('http://', ''), 'up');
    expect(t.scrapePool).toBe('vigil');
    expect(t.scrapeInterval).toBe('15s');
    const up = await exportSeries(s.base, 'up{job="vigil"}');
    expect(up[0].values[0]).toBe(1);
    expect((await exportSeries(s.base, 'vigil_http_requests_total')).length).toBeGreaterThan(0);
  });

  it('broken targets end down with a clear lastError; the good one and the server are unaffected', async () => {
    const good = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('good_metric 1\n');
    });
    const garbage = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('ok 1\n\x00\x01 this is { not "metrics\n');
    });
    const endless = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.write('a 1\n');
      const t = setInterval(() => res.write('# more\n'), 50);
      res.on('close', () => clearInterval(t));
    });
    const error500 = await target((res) => {
      res.writeHead(500);
      res.end('boom');
    });
    const slow = await target((res) => {
      const t = setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('late 1\n');
      }, 5000);
      res.on('close', () => clearTimeout(t));
    });
    const big = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('big_metric{x="' + 'y'.repeat(5000) + '"} 1\n');
    });
    let vanished = false;
    const vanishing = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end('vanishing_metric 1\n');
    });
    const s = await start(`
global: { scrape_interval: 1s, scrape_timeout: 500ms }
scrape_configs:
  - job_name: good
    static_configs: [{ targets: ['${good.addr}'] }]
  - job_name: broken
    body_size_limit: 1KB
    static_configs:
      - targets: ['${garbage.addr}', '${endless.addr}', '${error500.addr}', '${slow.addr}', '${big.addr}', '${vanishing.addr}']
`);
    await targetWith(s.base, vanishing.addr, 'up');
    await vanishing.close();
    vanished = true;
    const expectations: [string, RegExp][] = [
      [garbage.addr, /^cannot parse scrape body: line 2, column \d+: /],
      [endless.addr, /context deadline exceeded|body size limit exceeded/],
      [error500.addr, /^server returned HTTP status 500 Internal Server Error$/],
      [slow.addr, /context deadline exceeded \(timeout 0\.5s\)$/],
      [big.addr, /^body size limit exceeded \(limit: 1024 bytes\)$/],
      [vanishing.addr, /ECONNREFUSED|socket hang up|ECONNRESET/],
    ];
    for (const [addr, re] of expectations) {
      const t = await targetWith(s.base, addr, 'down', re);
      expect(t.lastError).toMatch(re);
    }
    expect(vanished).toBe(true);
    const g = await targetWith(s.base, good.addr, 'up');
    expect(g.lastError).toBe('');
    // The vanished target's series went stale when it failed.
    const v = await exportSeries(s.base, 'vanishing_metric');
    expect(v[0].values.at(-1)).toBe('StaleNaN');
    expect((await fetch(`${s.base}/-/healthy`)).status).toBe(200);
  });

  it('file and HTTP discovery: targets follow the file and the endpoint', async () => {
    const a = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('from_a 1\n');
    });
    const b = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('from_b 1\n');
    });
    let sdTargets = [a.addr];
    const sd = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify([{ targets: sdTargets, labels: { __meta_zone: 'z1', team: 'x' } }]));
    });
    const dir = tempDir('vigil-file-sd-');
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify([{ targets: [b.addr], labels: { source: 'file' } }]));
    const s = await start(`
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: files
    file_sd_configs: [{ files: ['${dir}/*.json'], refresh_interval: 1s }]
  - job_name: http
    http_sd_configs: [{ url: 'http://${sd.addr}/targets', refresh_interval: 1s }]
    relabel_configs:
      - source_labels: [__meta_zone]
        target_label: zone
`);
    const fromFile = await targetWith(s.base, b.addr, 'up');
    expect(fromFile.labels).toEqual({ instance: b.addr, job: 'files', source: 'file' });
    expect(fromFile.discoveredLabels.__meta_filepath).toBe(file);
    const fromHttp = await targetWith(s.base, a.addr, 'up');
    expect(fromHttp.labels).toEqual({ instance: a.addr, job: 'http', team: 'x', zone: 'z1' });
    expect(fromHttp.discoveredLabels.__meta_url).toBe(`http://${sd.addr}/targets`);
    // The file changes: b leaves the files job, a joins it.
    writeFileSync(file, JSON.stringify([{ targets: [a.addr], labels: { source: 'file2' } }]));
    await until('file change applied', async () => {
      const ts = await targets(s.base);
      return ts.some((t) => t.scrapePool === 'files' && t.labels.source === 'file2') && !ts.some((t) => t.scrapePool === 'files' && t.scrapeUrl.includes(b.addr));
    });
    // The endpoint changes: a is replaced by b.
    sdTargets = [b.addr];
    await until('HTTP SD change applied', async () => {
      const ts = (await targets(s.base)).filter((t) => t.scrapePool === 'http');
      return ts.length === 1 && ts[0].scrapeUrl.includes(b.addr);
    });
  });

  it('reloads on POST /-/reload and SIGHUP; a bad file keeps the running config; an unchanged target keeps its loop', async () => {
    const a = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('metric_a 1\n');
    });
    const b = await target((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('metric_b 1\n');
    });
    const cfgA = `
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: a
    static_configs: [{ targets: ['${a.addr}'] }]
`;
    const s = await start(cfgA);
    await targetWith(s.base, a.addr, 'up');
    writeFileSync(s.configFile, cfgA + `  - job_name: b\n    static_configs: [{ targets: ['${b.addr}'] }]\n`);
    const r = await fetch(`${s.base}/-/reload`, { method: 'POST' });
    expect(r.status).toBe(200);
    await targetWith(s.base, b.addr, 'up');
    // A bad file: refused with the file, line and key; both jobs keep running.
    writeFileSync(s.configFile, cfgA + '  - job_name: c\n    scrape_intervall: 5s\n');
    const bad = await fetch(`${s.base}/-/reload`, { method: 'POST' });
    expect(bad.status).toBe(500);
    expect(await bad.text()).toMatch(/vigil\.yml: line 7: scrape_configs\[1\]\.scrape_intervall: unknown key/);
    expect((await get(s.base, '/api/v1/scrape_pools')).data.scrapePools).toEqual(['a', 'b']);
    // SIGHUP with job b removed.
    writeFileSync(s.configFile, cfgA);
    process.kill(s.pid, 'SIGHUP');
    await until('job b removed', async () => (await get(s.base, '/api/v1/scrape_pools')).data.scrapePools.length === 1);
    expect(s.output()).toMatch(/msg="Completed loading of configuration file"/);
    expect(s.output()).toMatch(/level=error msg="Error reloading config"/);
    // Job a was never restarted: one `up` per interval, never two close together.
    const up = (await exportSeries(s.base, `up{job="a"}`))[0];
    for (let i = 1; i < up.timestamps.length; i++) expect(up.timestamps[i] - up.timestamps[i - 1]).toBeGreaterThan(500);
  });
});
