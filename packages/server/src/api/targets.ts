/**
 * The scrape endpoints, with Prometheus's shapes (`web/api/v1/api.go`):
 *
 * - `GET /api/v1/targets?state=active|dropped|any&scrapePool=<job>` →
 *   `{activeTargets: [{discoveredLabels, labels, scrapePool, scrapeUrl,
 *   globalUrl, lastError, lastScrape, lastScrapeDuration, health,
 *   scrapeInterval, scrapeTimeout}], droppedTargets: [{discoveredLabels,
 *   scrapePool}], droppedTargetCounts: {job: n}}`
 * - `GET /api/v1/targets/metadata?match_target=<selector>&metric=<name>&limit=<n>` →
 *   `[{target: {labels}, metric, type, help, unit}]` (`metric` omitted when asked for one)
 * - `GET /api/v1/metadata?metric=<name>&limit=<n>&limit_per_metric=<n>` →
 *   `{name: [{type, help, unit}, …]}` (distinct entries over all targets)
 * - `GET /api/v1/scrape_pools` → `{scrapePools: ["job", …]}`
 *
 * Handlers see only a `ScrapeRetriever`, not the scrape manager.
 */
import { formatDuration } from '../config/units.js';
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { sendSuccess } from './envelope.js';
import { badData } from './errors.js';
import { Params } from './params.js';
import type { RequestContext, Router } from './router.js';
import { parseMetricSelector as parseSelector } from '../promql/parser/index.js';

export interface TargetView {
  scrapePool: string;
  discoveredLabels: Labels;
  labels: Labels;
  url: URL;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  /** ms since epoch; 0 = never scraped. */
  lastScrape: number;
  lastScrapeDurationSec: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface MetadataView {
  type: string;
  help: string;
  unit: string;
}

export interface ScrapeRetriever {
  scrapePools(): string[];
  activeTargets(): TargetView[];
  droppedTargets(): { scrapePool: string; discoveredLabels: Labels }[];
  droppedTargetCounts(): Record<string, number>;
  /** Each active target's labels and its families' metadata from its last successful scrape. */
  targetMetadata(): { labels: Labels; metadata: ReadonlyMap<string, MetadataView> }[];
}

export function registerTargetsApi(router: Router, r: ScrapeRetriever, maxBodyBytes: number): void {
  router
    .on('GET', '/api/v1/targets', ({ res, url }) => sendSuccess(res, targets(r, url.searchParams)))
    .on('GET', '/api/v1/scrape_pools', ({ res }) => sendSuccess(res, { scrapePools: r.scrapePools() }))
    .on(['GET', 'POST'], '/api/v1/targets/metadata', async ({ req, res, url }: RequestContext) => {
      sendSuccess(res, targetMetadata(r, await Params.read(req, url, maxBodyBytes)));
    })
    .on(['GET', 'POST'], '/api/v1/metadata', async ({ req, res, url }: RequestContext) => {
      sendSuccess(res, metadata(r, await Params.read(req, url, maxBodyBytes)));
    });
}

function targets(r: ScrapeRetriever, q: URLSearchParams) {
  const state = (q.get('state') ?? 'any').toLowerCase();
  const pool = q.get('scrapePool') ?? '';
  const showActive = state === '' || state === 'any' || state === 'active';
  const showDropped = state === '' || state === 'any' || state === 'dropped';
  const inPool = (p: string) => pool === '' || p === pool;
  const out: { activeTargets: unknown[]; droppedTargets: unknown[]; droppedTargetCounts: Record<string, number> } = {
    activeTargets: [],
    droppedTargets: [],
    droppedTargetCounts: {},
  };
  if (showActive) {
    const list = r.activeTargets().filter((t) => inPool(t.scrapePool));
    list.sort((a, b) => (a.scrapePool === b.scrapePool ? (a.url.href < b.url.href ? -1 : a.url.href > b.url.href ? 1 : 0) : a.scrapePool < b.scrapePool ? -1 : 1));
    out.activeTargets = list.map((t) => ({
      discoveredLabels: t.discoveredLabels.toObject(),
      labels: t.labels.toObject(),
      scrapePool: t.scrapePool,
      scrapeUrl: t.url.href,
      globalUrl: t.url.href,
      lastError: t.lastError,
      lastScrape: t.lastScrape === 0 ? '0001-01-01T00:00:00Z' : new Date(t.lastScrape).toISOString(),
      lastScrapeDuration: t.lastScrapeDurationSec,
      health: t.health,
      scrapeInterval: formatDuration(t.intervalMs),
      scrapeTimeout: formatDuration(t.timeoutMs),
    }));
  }
  if (showDropped) {
    out.droppedTargets = r
      .droppedTargets()
      .filter((t) => inPool(t.scrapePool))
      .map((t) => ({ discoveredLabels: t.discoveredLabels.toObject(), scrapePool: t.scrapePool }));
    for (const [p, n] of Object.entries(r.droppedTargetCounts())) if (inPool(p)) out.droppedTargetCounts[p] = n;
  }
  return out;
}

function intParam(params: Params, name: string): number {
  const s = params.get(name);
  if (s === undefined || s === '') return -1;
  if (!/^-?\d+$/.test(s)) throw badData(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(s)} as an integer`);
  return Number(s);
}

function targetMetadata(r: ScrapeRetriever, params: Params) {
  const limit = intParam(params, 'limit');
  const metric = params.get('metric') ?? '';
  let matchers: Matcher[] = [];
  const mt = params.get('match_target') ?? '';
  if (mt !== '') {
    try {
      matchers = parseSelector(mt);
    } catch (err) {
      throw badData(`invalid parameter "match_target": ${(err as Error).message}`);
    }
  }
  const out: Record<string, unknown>[] = [];
  for (const t of r.targetMetadata()) {
    if (limit >= 0 && out.length >= limit) break;
    if (!matchers.every((m) => m.matches(t.labels.get(m.name)))) continue;
    const target = t.labels.toObject();
    if (metric !== '') {
      const md = t.metadata.get(metric);
      if (md) out.push({ target, type: md.type, help: md.help, unit: md.unit });
      continue;
    }
    for (const [name, md] of t.metadata) {
      if (limit >= 0 && out.length >= limit) break;
      out.push({ target, metric: name, type: md.type, help: md.help, unit: md.unit });
    }
  }
  return out;
}

function metadata(r: ScrapeRetriever, params: Params) {
  const limit = intParam(params, 'limit');
  const perMetric = intParam(params, 'limit_per_metric');
  const metric = params.get('metric') ?? '';
  const out: Record<string, MetadataView[]> = {};
  const seen = new Map<string, Set<string>>();
  for (const t of r.targetMetadata()) {
    const entries: [string, MetadataView][] = metric === '' ? [...t.metadata] : t.metadata.has(metric) ? [[metric, t.metadata.get(metric)!]] : [];
    for (const [name, md] of entries) {
      let s = seen.get(name);
      if (s === undefined) {
        if (limit >= 0 && seen.size >= limit) continue;
        s = new Set();
        seen.set(name, s);
        out[name] = [];
      }
      const key = `${md.type}\x00${md.help}\x00${md.unit}`;
      if (s.has(key) || (perMetric > 0 && s.size >= perMetric)) continue;
      s.add(key);
      out[name].push({ type: md.type, help: md.help, unit: md.unit });
    }
  }
  return out;
}
