/**
 * Seeded fuzz of the scrape path: random and mutated exposition bodies (both
 * formats) scraped through a real loop. Every scrape must end either up, or
 * down with a clear lastError — a parse error naming its line — and never
 * throw out of the loop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newScrapeConfig, SCRAPE_GLOBAL_DEFAULTS } from '../config/scrape.js';
import { Registry } from '../metrics/registry.js';
import { Labels } from '../model/labels.js';
import { createLogger } from '../server/logger.js';
import { MemoryStorage } from '../storage/memory.js';
import { HttpClient } from './client.js';
import { ScrapeLoop } from './loop.js';
import { populateLabels, Target } from './target.js';

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  int(n: number): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

const SEEDS = [
  '# HELP http_requests_total Total.\n# TYPE http_requests_total counter\nhttp_requests_total{method="get",code="200"} 1027 1395066363000\nhttp_requests_total{method="post",code="400"} 3\n',
  '# TYPE rpc summary\nrpc{quantile="0.5"} 4773\nrpc_sum 1.7560473e+07\nrpc_count 2693\n',
  '# TYPE lat histogram\nlat_bucket{le="0.1"} 1\nlat_bucket{le="+Inf"} 2\nlat_sum 0.3\nlat_count 2\n',
  'weird{a="\\\\\\n\\""} NaN\nx +Inf\ny -Inf\n{"utf8.name","a"="b"} 1\n',
];
const OM_SEED = '# TYPE foo counter\n# HELP foo Foo.\nfoo_total 1 # {id="a"} 1 1.5\nfoo_created 1\n# EOF\n';
const NOISE = ['{', '}', '"', '=', ',', ' ', '\n', '#', '\\', '\x00', 'é', '\ud83d', '1e9', 'NaN', '# EOF\n', '# TYPE', 'le', '\t'];

function mutate(rng: Rng, s: string): string {
  let out = s;
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(out.length + 1);
    switch (rng.int(3)) {
      case 0:
        out = out.slice(0, at) + rng.pick(NOISE) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + 1 + rng.int(5));
        break;
      default:
        out = out.slice(0, at) + out.slice(rng.int(out.length + 1));
    }
  }
  return out;
}

let server: Server;
let body = '';
let contentType = 'text/plain; version=0.0.4';

beforeAll(async () => {
  server = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': contentType });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('scrape fuzz', () => {
  it('every random or mutated body ends up, or down with a parse error naming its line', async () => {
    const registry = new Registry();
    const c = (name: string, labelNames?: string[]) => registry.counter({ name, help: 'x', labelNames });
    const metrics = {
      samplesRejected: c('r', ['reason']),
      exceededSampleLimit: c('s'),
      exceededBodySizeLimit: c('b'),
      exceededLabelLimits: c('l'),
      budgetDropped: c('d', ['job']),
      exemplarsParsed: c('e'),
      scrapeDuration: registry.histogram({ name: 'h', help: 'x', buckets: [1] }),
    };
    const cfg = newScrapeConfig('fuzz', { scrapeIntervalMs: 1000, scrapeTimeoutMs: 1000 }, SCRAPE_GLOBAL_DEFAULTS);
    const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = populateLabels(Labels.fromObject({ __address__: addr }), cfg);
    if (r.kind !== 'active') throw new Error('inactive');
    const target = new Target('fuzz', r.discovered, r.labels, r.url, r.intervalMs, r.timeoutMs);
    const storage = new MemoryStorage();
    const loop = new ScrapeLoop(target, cfg, {
      storage,
      client: new HttpClient(cfg.http),
      metrics,
      logger: createLogger({ level: 'error', write: () => {} }),
      budget: undefined,
      now: Date.now,
      offsetSeed: 0,
    });
    const rng = new Rng(20240601);
    let ups = 0;
    let downs = 0;
    for (let i = 0; i < 400; i++) {
      const om = rng.int(4) === 0;
      contentType = om ? 'application/openmetrics-text; version=1.0.0' : 'text/plain; version=0.0.4';
      if (rng.int(5) === 0) {
        body = Array.from({ length: rng.int(60) }, () => rng.pick(NOISE) + String.fromCharCode(32 + rng.int(90))).join('');
      } else {
        body = mutate(rng, om ? OM_SEED : rng.pick(SEEDS));
      }
      await loop.scrapeAndReport(1_000_000 + i * 1000);
      if (target.health === 'up') ups++;
      else {
        downs++;
        expect(target.lastError, JSON.stringify(body)).toMatch(/^cannot parse scrape body: line \d+, column \d+: \S/);
      }
    }
    // Both outcomes happen: the generator is not trivially one-sided.
    expect(ups).toBeGreaterThan(10);
    expect(downs).toBeGreaterThan(10);
  });
});
