import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newScrapeConfig, SCRAPE_GLOBAL_DEFAULTS, type ScrapeConfig } from '../config/scrape.js';
import { Registry } from '../metrics/registry.js';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/value.js';
import { compileRule, RELABEL_DEFAULTS } from '../relabel/relabel.js';
import { createLogger } from '../server/logger.js';
import { StorageError } from '../storage/errors.js';
import type { Appendable } from '../storage/interface.js';
import { MemoryStorage } from '../storage/memory.js';
import { HttpClient } from './client.js';
import { CardinalityBudget, ScrapeLoop, type ScrapeMetrics } from './loop.js';
import { populateLabels, Target } from './target.js';

/** A target whose response each test sets. */
interface Reply {
  status?: number;
  contentType?: string;
  body: string | Buffer;
  gzip?: boolean;
  /** Never finish the body. */
  hang?: boolean;
}

let server: Server;
let base: string;
let reply: Reply = { body: '' };
let lastRequest: IncomingMessage | undefined;
const hanging = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    lastRequest = req;
    const r = reply;
    const headers: Record<string, string> = { 'Content-Type': r.contentType ?? 'text/plain; version=0.0.4' };
    let body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    if (r.gzip) {
      body = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
    res.writeHead(r.status ?? 200, headers);
    if (r.hang) {
      res.write(body);
      hanging.add(res);
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const registry = new Registry();
const metrics: ScrapeMetrics = {
  samplesRejected: registry.counter({ name: 'rejected', help: 'x', labelNames: ['reason'] }),
  exceededSampleLimit: registry.counter({ name: 'sample_limit', help: 'x' }),
  exceededBodySizeLimit: registry.counter({ name: 'body_limit', help: 'x' }),
  exceededLabelLimits: registry.counter({ name: 'label_limits', help: 'x' }),
  budgetDropped: registry.counter({ name: 'budget_dropped', help: 'x', labelNames: ['job'] }),
  exemplarsParsed: registry.counter({ name: 'exemplars', help: 'x' }),
  scrapeDuration: registry.histogram({ name: 'duration', help: 'x', buckets: [1] }),
};
const logger = createLogger({ level: 'error', write: () => {} });

function job(over: Partial<ScrapeConfig> = {}): ScrapeConfig {
  return { ...newScrapeConfig('test', { scrapeIntervalMs: 10_000, scrapeTimeoutMs: 2_000 }, SCRAPE_GLOBAL_DEFAULTS), ...over };
}

function makeLoop(cfg: ScrapeConfig, extra: Record<string, string> = {}, budget?: CardinalityBudget) {
  const storage = new MemoryStorage();
  const r = populateLabels(Labels.fromObject({ __address__: base, ...extra }), cfg);
  if (r.kind !== 'active') throw new Error('target not active');
  const target = new Target(cfg.jobName, r.discovered, r.labels, r.url, r.intervalMs, r.timeoutMs);
  const loop = new ScrapeLoop(target, cfg, { storage, client: new HttpClient(cfg.http), metrics, logger, budget, now: Date.now, offsetSeed: 0 });
  return { storage, loop, target };
}

/** Every sample of the series matching name (and optional labels): [labels, t, v][]. */
function samples(storage: MemoryStorage, name: string): [Record<string, string>, number, number][] {
  const q = storage.querier(-Infinity, Infinity);
  const out: [Record<string, string>, number, number][] = [];
  for (const s of q.select({ start: -Infinity, end: Infinity }, [new Matcher('=', '__name__', name)])) {
    const it = s.iterator();
    while (it.next()) out.push([s.labels.toObject(), it.t, it.v]);
  }
  q.close();
  return out;
}

const values = (storage: MemoryStorage, name: string) => samples(storage, name).map(([, t, v]) => [t, isStaleNaN(v) ? 'stale' : v]);

describe('scrape loop', () => {
  it('appends samples with the target labels, and the five synthetic series', async () => {
    reply = { body: '# HELP foo_total Foo.\n# TYPE foo_total counter\nfoo_total{a="1"} 3\nbar 1.5\n' };
    const { storage, loop, target } = makeLoop(job(), { env: 'prod' });
    await loop.scrapeAndReport(1000);
    expect(samples(storage, 'foo_total')).toEqual([[{ __name__: 'foo_total', a: '1', env: 'prod', instance: base, job: 'test' }, 1000, 3]]);
    expect(values(storage, 'bar')).toEqual([[1000, 1.5]]);
    expect(values(storage, 'up')).toEqual([[1000, 1]]);
    expect(values(storage, 'scrape_samples_scraped')).toEqual([[1000, 2]]);
    expect(values(storage, 'scrape_samples_post_metric_relabeling')).toEqual([[1000, 2]]);
    expect(values(storage, 'scrape_series_added')).toEqual([[1000, 2]]);
    expect(samples(storage, 'scrape_duration_seconds')[0][0]).toEqual({ __name__: 'scrape_duration_seconds', env: 'prod', instance: base, job: 'test' });
    expect(target.health).toBe('up');
    expect(loop.cache.metadata.get('foo_total')).toMatchObject({ type: 'counter', help: 'Foo.' });
    // The second scrape finds every series in the cache.
    await loop.scrapeAndReport(2000);
    expect(values(storage, 'scrape_series_added')).toEqual([
      [1000, 2],
      [2000, 0],
    ]);
    expect(lastRequest!.headers.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0/);
    expect(lastRequest!.headers['accept-encoding']).toBe('gzip');
    expect(lastRequest!.headers['x-prometheus-scrape-timeout-seconds']).toBe('2');
  });

  it('renames conflicting exposed labels to exported_*, or keeps them with honor_labels', async () => {
    reply = { body: 'm{job="theirs",exported_job="x"} 1\n' };
    const a = makeLoop(job());
    await a.loop.scrapeAndReport(1000);
    // As Prometheus: the exposed `job` moves to the first free exported_ name; the exposed exported_job stays.
    expect(samples(a.storage, 'm')[0][0]).toEqual({ __name__: 'm', job: 'test', exported_job: 'x', exported_exported_job: 'theirs', instance: base });
    const b = makeLoop(job({ honorLabels: true }));
    await b.loop.scrapeAndReport(1000);
    expect(samples(b.storage, 'm')[0][0]).toEqual({ __name__: 'm', job: 'theirs', exported_job: 'x', instance: base });
  });

  it('writes a staleness marker for a series that disappears, and for everything when the target fails', async () => {
    const { storage, loop, target } = makeLoop(job());
    reply = { body: 'a 1\nb 2\n' };
    await loop.scrapeAndReport(1000);
    reply = { body: 'a 1\n' };
    await loop.scrapeAndReport(2000);
    expect(values(storage, 'b')).toEqual([
      [1000, 2],
      [2000, 'stale'],
    ]);
    reply = { status: 500, body: 'oops' };
    await loop.scrapeAndReport(3000);
    expect(values(storage, 'a')).toEqual([
      [1000, 1],
      [2000, 1],
      [3000, 'stale'],
    ]);
    expect(values(storage, 'up')).toEqual([
      [1000, 1],
      [2000, 1],
      [3000, 0],
    ]);
    expect(target.health).toBe('down');
    expect(target.lastError).toBe('server returned HTTP status 500 Internal Server Error');
    // No second marker on the next failure; the series comes back afterwards.
    await loop.scrapeAndReport(4000);
    reply = { body: 'a 5\n' };
    await loop.scrapeAndReport(5000);
    expect(values(storage, 'a')).toEqual([
      [1000, 1],
      [2000, 1],
      [3000, 'stale'],
      [5000, 5],
    ]);
    // End of run: everything, synthetic series included.
    await loop.writeEndOfRunStaleness(6000);
    expect(values(storage, 'a').at(-1)).toEqual([6000, 'stale']);
    expect(values(storage, 'up').at(-1)).toEqual([6000, 'stale']);
  });

  it('honors explicit timestamps, without staleness unless track_timestamps_staleness', async () => {
    const { storage, loop } = makeLoop(job());
    reply = { body: 'a 1 500\n' };
    await loop.scrapeAndReport(1000);
    reply = { body: '' };
    await loop.scrapeAndReport(2000);
    expect(values(storage, 'a')).toEqual([[500, 1]]);
    const t = makeLoop(job({ trackTimestampsStaleness: true }));
    reply = { body: 'a 1 500\n' };
    await t.loop.scrapeAndReport(1000);
    reply = { body: '' };
    await t.loop.scrapeAndReport(2000);
    expect(values(t.storage, 'a')).toEqual([
      [500, 1],
      [2000, 'stale'],
    ]);
    const h = makeLoop(job({ honorTimestamps: false }));
    reply = { body: 'a 1 500\n' };
    await h.loop.scrapeAndReport(1000);
    expect(values(h.storage, 'a')).toEqual([[1000, 1]]);
  });

  const failures: [string, Partial<ScrapeConfig>, Reply, RegExp][] = [
    ['sample_limit', { sampleLimit: 2 }, { body: 'a 1\nb 1\nc 1\n' }, /^sample limit exceeded \(limit: 2\)$/],
    ['label_limit', { labelLimit: 3 }, { body: 'a{x="1",y="2"} 1\n' }, /^label_limit exceeded \(metric: a, number of labels: 5, limit: 3\)$/],
    ['label_name_length_limit', { labelNameLengthLimit: 8 }, { body: 'a{xxxxxxxxx="1"} 1\n' }, /^label_name_length_limit exceeded \(metric: a, label name: xxxxxxxxx, length: 9, limit: 8\)$/],
    ['label_value_length_limit', { labelValueLengthLimit: 30 }, { body: `a{x="${'v'.repeat(31)}"} 1\n` }, /^label_value_length_limit exceeded \(metric: a, label name: x, value: "v+", length: 31, limit: 30\)$/],
    ['body_size_limit', { bodySizeLimit: 10 }, { body: 'a 1\nbbbbbbbbbbbbbbbb 1\n' }, /^body size limit exceeded \(limit: 10 bytes\)$/],
    ['body_size_limit after gunzip', { bodySizeLimit: 100 }, { body: 'a 1\n'.repeat(100), gzip: true }, /^body size limit exceeded/],
    ['a garbage body', {}, { body: 'a 1\n}}}garbage{{{\n' }, /^cannot parse scrape body: line 2, column 1: /],
    ['an unsupported Content-Type', {}, { body: 'a 1\n', contentType: 'application/json' }, /^received unsupported Content-Type "application\/json" and no fallback_scrape_protocol/],
    ['a body that never ends', {}, { body: 'a 1\n', hang: true }, /context deadline exceeded \(timeout 0\.2s\)$/],
  ];
  it.each(failures)('fails the whole scrape on %s, appending nothing of the body', async (_, over, r, re) => {
    const { storage, loop, target } = makeLoop(job({ scrapeTimeoutMs: 200, ...over }));
    reply = { body: 'a 1\n' };
    await loop.scrapeAndReport(1000);
    reply = r;
    await loop.scrapeAndReport(2000);
    expect(target.health).toBe('down');
    expect(target.lastError).toMatch(re);
    expect(values(storage, 'a')).toEqual([
      [1000, 1],
      [2000, 'stale'],
    ]);
    expect(values(storage, 'up')).toEqual([
      [1000, 1],
      [2000, 0],
    ]);
    expect(values(storage, 'scrape_samples_scraped')).toEqual([
      [1000, 1],
      [2000, 0],
    ]);
  });

  it('reads gzip bodies and OpenMetrics (negotiated), skipping _created and counting exemplars', async () => {
    reply = {
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
      gzip: true,
      body: '# TYPE req_seconds counter\n# UNIT req_seconds seconds\nreq_seconds_total 3 # {trace_id="x"} 1 1.5\nreq_seconds_created 1000\n# EOF\n',
    };
    const { storage, loop, target } = makeLoop(job());
    await loop.scrapeAndReport(1000);
    expect(target.lastError).toBe('');
    expect(values(storage, 'req_seconds_total')).toEqual([[1000, 3]]);
    expect(values(storage, 'req_seconds_created')).toEqual([]);
    expect(loop.cache.metadata.get('req_seconds')).toMatchObject({ type: 'counter', unit: 'seconds' });
    expect(registry.expose()).toMatch(/^exemplars 1$/m);
  });

  it('uses fallback_scrape_protocol for an unknown Content-Type', async () => {
    reply = { body: 'a 1\n', contentType: 'application/octet-stream' };
    const { storage, loop } = makeLoop(job({ fallbackScrapeProtocol: 'PrometheusText0.0.4' }));
    await loop.scrapeAndReport(1000);
    expect(values(storage, 'a')).toEqual([[1000, 1]]);
  });

  it('applies metric_relabel_configs once per series and counts what is left', async () => {
    const drop = compileRule({ ...RELABEL_DEFAULTS, sourceLabels: ['__name__'], regex: 'go_.*', action: 'drop' });
    const { storage, loop } = makeLoop(job({ metricRelabelConfigs: [drop] }));
    reply = { body: 'go_goroutines 5\nkeep_me 1\n' };
    await loop.scrapeAndReport(1000);
    await loop.scrapeAndReport(2000);
    expect(values(storage, 'go_goroutines')).toEqual([]);
    expect(values(storage, 'scrape_samples_scraped').map((x) => x[1])).toEqual([2, 2]);
    expect(values(storage, 'scrape_samples_post_metric_relabeling').map((x) => x[1])).toEqual([1, 1]);
  });

  it('drops new series past the cardinality budget without failing the scrape', async () => {
    const budget = new CardinalityBudget(2);
    const { storage, loop, target } = makeLoop(job(), {}, budget);
    reply = { body: 'a 1\nb 1\nc 1\nd 1\n' };
    await loop.scrapeAndReport(1000);
    expect(target.health).toBe('up');
    expect(values(storage, 'a')).toEqual([[1000, 1]]);
    expect(values(storage, 'b')).toEqual([[1000, 1]]);
    expect(values(storage, 'c')).toEqual([]);
    expect(values(storage, 'scrape_samples_post_metric_relabeling')).toEqual([[1000, 2]]);
    expect(registry.expose()).toMatch(/budget_dropped\{job="test"\} 2/);
  });

  it('finds each series when lines move, appear and disappear between scrapes', async () => {
    const { storage, loop } = makeLoop(job());
    reply = { body: 'a 1\nb 1\nc 1\nd 1\n' };
    await loop.scrapeAndReport(1000);
    reply = { body: 'new 2\nd 2\nb 2\nc 2\n' };
    await loop.scrapeAndReport(2000);
    reply = { body: 'a 3\nb 3\nc 3\nd 3\nnew 3\n' };
    await loop.scrapeAndReport(3000);
    expect(values(storage, 'a')).toEqual([
      [1000, 1],
      [2000, 'stale'],
      [3000, 3],
    ]);
    for (const name of ['b', 'c', 'd']) expect(values(storage, name)).toEqual([
      [1000, 1],
      [2000, 2],
      [3000, 3],
    ]);
    expect(values(storage, 'new')).toEqual([
      [2000, 2],
      [3000, 3],
    ]);
    expect(values(storage, 'scrape_series_added').map((x) => x[1])).toEqual([4, 1, 0]);
  });

  it('makes the labels again when the storage no longer knows a series ref', async () => {
    const inner = new MemoryStorage();
    const forgotten = new Set<number>();
    // A storage that lost some series (as the head does with idle ones): appends by those refs fail.
    const storage: Appendable = {
      appender: () => {
        const a = inner.appender();
        return {
          append: (ref, labels, t, v) => {
            if (labels === undefined && forgotten.has(ref)) throw new StorageError('unknown_series_ref', `unknown series ref ${ref}`);
            return a.append(ref, labels, t, v);
          },
          commit: () => a.commit(),
          rollback: () => a.rollback(),
        };
      },
    };
    const cfg = job();
    const r = populateLabels(Labels.fromObject({ __address__: base }), cfg);
    if (r.kind !== 'active') throw new Error('target not active');
    const loop = new ScrapeLoop(new Target(cfg.jobName, r.discovered, r.labels, r.url, r.intervalMs, r.timeoutMs), cfg, {
      storage,
      client: new HttpClient(cfg.http),
      metrics,
      logger,
      budget: undefined,
      now: Date.now,
      offsetSeed: 0,
    });
    reply = { body: 'x{k="v"} 1\ny 1\n' };
    await loop.scrapeAndReport(1000);
    for (const e of loop.cache.entries.values()) forgotten.add(e.ref);
    reply = { body: 'x{k="v"} 2\n' };
    await loop.scrapeAndReport(2000);
    expect(loop.target.health).toBe('up');
    expect(samples(inner, 'x')).toEqual([
      [{ __name__: 'x', k: 'v', instance: base, job: 'test' }, 1000, 1],
      [{ __name__: 'x', k: 'v', instance: base, job: 'test' }, 2000, 2],
    ]);
    // `y` is gone from the body, and its ref from the storage: no marker to write, and no error.
    expect(values(inner, 'y')).toEqual([[1000, 1]]);
  });

  it('hands its cache to the next loop only when that config makes the same series of the same texts', () => {
    const { loop, target } = makeLoop(job());
    const deps = { storage: new MemoryStorage(), client: new HttpClient(job().http), metrics, logger, budget: undefined, now: Date.now, offsetSeed: 0 };
    expect(new ScrapeLoop(target, job({ sampleLimit: 10 }), deps, loop.cache).cache).toBe(loop.cache);
    const drop = compileRule({ ...RELABEL_DEFAULTS, sourceLabels: ['__name__'], regex: 'go_.*', action: 'drop' });
    expect(new ScrapeLoop(target, job({ metricRelabelConfigs: [drop] }), deps, loop.cache).cache).not.toBe(loop.cache);
    expect(new ScrapeLoop(target, job({ honorLabels: true }), deps, loop.cache).cache).not.toBe(loop.cache);
  });
});
