/**
 * A scrape target: the labels discovery gave it, the labels its series get
 * after target relabeling, where to scrape it, and how its last scrape went.
 *
 * Target labels are made as Prometheus makes them (`PopulateLabels`):
 * discovery's labels, then defaults for `job`, `__address__`-independent
 * settings (`__scheme__`, `__metrics_path__`, `__scrape_interval__`,
 * `__scrape_timeout__`, `__param_<name>`) where not set, then
 * `relabel_configs`; a target without `__address__` is an error, `instance`
 * defaults to `__address__`, and every label starting with `__` is removed.
 */
import { formatDuration, parseDuration } from '../config/units.js';
import type { ScrapeConfig } from '../config/scrape.js';
import { fnv1a32, isWellFormed, LabelsBuilder, Labels } from '../model/labels.js';
import { relabel } from '../relabel/relabel.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_LABEL_PREFIX = '__param_';

export type TargetHealth = 'up' | 'down' | 'unknown';

/** `discovered`: the labels before relabeling, defaults included (what the targets API calls discoveredLabels). */
export type PopulateResult =
  | { kind: 'active'; discovered: Labels; labels: Labels; url: URL; intervalMs: number; timeoutMs: number }
  | { kind: 'dropped'; discovered: Labels }
  | { kind: 'error'; discovered: Labels; error: string };

/** Applies defaults and `relabel_configs` to discovered labels. */
export function populateLabels(discovered: Labels, cfg: ScrapeConfig): PopulateResult {
  const lb = new LabelsBuilder(discovered);
  const defaults: [string, string][] = [
    ['job', cfg.jobName],
    [SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrapeIntervalMs)],
    [SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrapeTimeoutMs)],
    [METRICS_PATH_LABEL, cfg.metricsPath],
    [SCHEME_LABEL, cfg.scheme],
  ];
  for (const [n, v] of defaults) if (lb.get(n) === '') lb.set(n, v);
  for (const [name, values] of Object.entries(cfg.params)) {
    const n = PARAM_LABEL_PREFIX + name;
    if (lb.get(n) === '' && values.length > 0) lb.set(n, values[0]);
  }
  const pre = lb.labels();
  if (!relabel(cfg.relabelConfigs, lb)) return { kind: 'dropped', discovered: pre };
  const err = (error: string): PopulateResult => ({ kind: 'error', discovered: pre, error });

  const address = lb.get(ADDRESS_LABEL);
  if (address === '') return err('no address');
  let intervalMs: number;
  let timeoutMs: number;
  try {
    intervalMs = parseDuration(lb.get(SCRAPE_INTERVAL_LABEL));
  } catch (e) {
    return err(`error parsing scrape interval: ${(e as Error).message}`);
  }
  try {
    timeoutMs = parseDuration(lb.get(SCRAPE_TIMEOUT_LABEL));
  } catch (e) {
    return err(`error parsing scrape timeout: ${(e as Error).message}`);
  }
  if (intervalMs === 0) return err('scrape interval cannot be 0');
  if (timeoutMs === 0) return err('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) {
    return err(`scrape timeout cannot be greater than scrape interval (${formatDuration(timeoutMs)} > ${formatDuration(intervalMs)})`);
  }
  const url = scrapeUrl(lb, address, cfg);
  if (typeof url === 'string') return err(url);

  const final = new LabelsBuilder();
  for (const [n, v] of Object.entries(lb.labels().toObject())) {
    if (n.startsWith('__')) continue;
    if (!isWellFormed(v)) return err(`invalid label value for ${JSON.stringify(n)}: ${JSON.stringify(v)}`);
    final.set(n, v);
  }
  if (final.get('instance') === '') final.set('instance', address);
  return { kind: 'active', discovered: pre, labels: final.labels(), url, intervalMs, timeoutMs };
}

function scrapeUrl(lb: LabelsBuilder, address: string, cfg: ScrapeConfig): URL | string {
  const scheme = lb.get(SCHEME_LABEL);
  if (scheme !== 'http' && scheme !== 'https') return `invalid scheme ${JSON.stringify(scheme)}`;
  if (address.includes('/')) return `${JSON.stringify(address)} is not a valid hostname`;
  let url: URL;
  try {
    url = new URL(`${scheme}://${address}${lb.get(METRICS_PATH_LABEL)}`);
  } catch {
    return `${JSON.stringify(address)} is not a valid address`;
  }
  // Config params, then every __param_ label overriding the first value of its name.
  const params = new URLSearchParams();
  for (const [name, values] of Object.entries(cfg.params)) for (const v of values) params.append(name, v);
  for (const [n, v] of Object.entries(lb.labels().toObject())) {
    if (!n.startsWith(PARAM_LABEL_PREFIX)) continue;
    const name = n.slice(PARAM_LABEL_PREFIX.length);
    const rest = params.getAll(name).slice(1);
    params.delete(name);
    params.append(name, v);
    for (const r of rest) params.append(name, r);
  }
  const q = params.toString();
  if (q !== '') url.search = q;
  return url;
}

/** A target and the state of its scrapes, read by the targets API. */
export class Target {
  readonly scrapePool: string;
  readonly discoveredLabels: Labels;
  readonly labels: Labels;
  readonly url: URL;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Identity across discovery updates: same labels, URL, interval and timeout = same target. */
  readonly key: string;
  health: TargetHealth = 'unknown';
  lastError = '';
  /** ms since epoch; 0 before the first scrape. */
  lastScrape = 0;
  lastScrapeDurationSec = 0;

  constructor(scrapePool: string, discovered: Labels, labels: Labels, url: URL, intervalMs: number, timeoutMs: number) {
    this.scrapePool = scrapePool;
    this.discoveredLabels = discovered;
    this.labels = labels;
    this.url = url;
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.key = `${labels.key()}\x00${url.href}\x00${intervalMs}\x00${timeoutMs}`;
  }

  /**
   * How long from `now` until this target's first scrape: targets are spread
   * over the interval by a hash of the target and a per-server seed, so the
   * phase stays the same across restarts and reloads (as Prometheus does).
   */
  offsetMs(seed: number, now: number): number {
    const interval = this.intervalMs;
    const base = interval - (now % interval);
    const offset = ((fnv1a32(this.key) ^ seed) >>> 0) % interval;
    let next = base + offset;
    if (next >= interval) next -= interval;
    return next;
  }
}
