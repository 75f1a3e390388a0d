import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newScrapeConfig, SCRAPE_GLOBAL_DEFAULTS, type ScrapeConfig } from '../config/scrape.js';
import { Registry } from '../metrics/registry.js';
import { Matcher } from '../model/matcher.js';
import { isStaleNaN } from '../model/value.js';
import { createLogger } from '../server/logger.js';
import { MemoryStorage } from '../storage/memory.js';
import type { ScrapeMetrics } from './loop.js';
import { ScrapePool } from './pool.js';

let server: Server;
let addr: string;
const requests: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end('m 1\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const registry = new Registry();
const c = (name: string, labelNames?: string[]) => registry.counter({ name, help: 'x', labelNames });
const metrics: ScrapeMetrics = {
  samplesRejected: c('rejected', ['reason']),
  exceededSampleLimit: c('sample_limit'),
  exceededBodySizeLimit: c('body_limit'),
  exceededLabelLimits: c('label_limits'),
  budgetDropped: c('budget_dropped', ['job']),
  exemplarsParsed: c('exemplars'),
  scrapeDuration: registry.histogram({ name: 'duration', help: 'x', buckets: [1] }),
};
const logger = createLogger({ level: 'error', write: () => {} });

function job(over: Partial<ScrapeConfig> = {}): ScrapeConfig {
  return { ...newScrapeConfig('pool', { scrapeIntervalMs: 60_000, scrapeTimeoutMs: 10_000 }, SCRAPE_GLOBAL_DEFAULTS), ...over };
}

function pool(cfg: ScrapeConfig) {
  const storage = new MemoryStorage();
  const p = new ScrapePool(cfg, { storage, metrics, logger, now: Date.now, offsetSeed: 0 });
  return { storage, pool: p };
}

/** [t, value or 'stale'] of every sample of the series named `name`. */
function values(storage: MemoryStorage, name: string): [number, number | 'stale'][] {
  const q = storage.querier(-Infinity, Infinity);
  const out: [number, number | 'stale'][] = [];
  for (const s of q.select({ start: -Infinity, end: Infinity }, [new Matcher('=', '__name__', name)])) {
    const it = s.iterator();
    while (it.next()) out.push([it.t, isStaleNaN(it.v) ? 'stale' : it.v]);
  }
  q.close();
  return out;
}

async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 5));
}

describe('scrape pool', () => {
  it('fails every scrape of a job over target_limit, and scrapes again once under it', async () => {
    const { pool: p } = pool(job({ targetLimit: 1 }));
    await p.sync([{ source: 's', targets: [{ __address__: addr }, { __address__: `${addr}`, extra: 'x' }], labels: {} }]);
    const loops = p.loops();
    expect(loops).toHaveLength(2);
    for (const l of loops) await l.scrapeAndReport(1000);
    for (const t of p.activeTargets()) {
      expect(t.health).toBe('down');
      expect(t.lastError).toBe('target_limit exceeded (number of targets: 2, limit: 1)');
    }
    await p.sync([{ source: 's', targets: [{ __address__: addr }], labels: {} }]);
    const [only] = p.loops();
    await only.scrapeAndReport(2000);
    expect(only.target.health).toBe('up');
    await p.stop();
  });

  it('turns __param_* labels into URL parameters and takes the interval and timeout from __scrape_interval__/__scrape_timeout__', async () => {
    const { pool: p } = pool(job({ params: { module: ['http_2xx', 'second'], debug: ['1'] } }));
    await p.sync([
      {
        source: 's',
        targets: [{ __address__: addr, __param_module: 'tcp', __param_target: 'example.org:443', __scrape_interval__: '30s', __scrape_timeout__: '3s' }],
        labels: {},
      },
    ]);
    const [t] = p.activeTargets();
    expect(t.url.searchParams.getAll('module')).toEqual(['tcp', 'second']);
    expect(t.url.searchParams.get('target')).toBe('example.org:443');
    expect(t.url.searchParams.get('debug')).toBe('1');
    expect(t.intervalMs).toBe(30_000);
    expect(t.timeoutMs).toBe(3_000);
    // What the scraper sends: the parameters, and the target's own timeout.
    requests.length = 0;
    await p.loops()[0].scrapeAndReport(1000);
    expect(requests[0].url).toBe(`/metrics?${t.url.searchParams.toString()}`);
    expect(requests[0].headers['x-prometheus-scrape-timeout-seconds']).toBe('3');
    await p.stop();
  });

  it('marks a vanished target\'s series stale once its next scrape would have been due', async () => {
    const { storage, pool: p } = pool(job({ scrapeIntervalMs: 200, scrapeTimeoutMs: 100 }));
    await p.sync([{ source: 's', targets: [{ __address__: addr }], labels: {} }]);
    await until(() => values(storage, 'up').length >= 1);
    await p.sync([]);
    expect(p.activeTargets()).toEqual([]);
    await until(() => values(storage, 'm').at(-1)?.[1] === 'stale' && values(storage, 'up').at(-1)?.[1] === 'stale');
    const m = values(storage, 'm');
    // The marker comes after the last sample, for the series and for the synthetic ones.
    expect(m.at(-1)![0]).toBeGreaterThan(m.at(-2)![0]);
    expect(values(storage, 'scrape_duration_seconds').at(-1)![1]).toBe('stale');
    await p.stop();
  });

  it('writes no markers for a target removed by stopping the pool', async () => {
    const { storage, pool: p } = pool(job({ scrapeIntervalMs: 200, scrapeTimeoutMs: 100 }));
    await p.sync([{ source: 's', targets: [{ __address__: addr }], labels: {} }]);
    await until(() => values(storage, 'up').length >= 1);
    await p.stop();
    expect(values(storage, 'm').every(([, v]) => v !== 'stale')).toBe(true);
  });
});
