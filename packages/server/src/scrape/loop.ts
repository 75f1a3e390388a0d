/**
 * The scrape loop of one target: every interval (at a per-target phase),
 * fetch, parse, append, mark what disappeared stale, report.
 *
 * Per scrape, as Prometheus does:
 * - every sample gets the target's labels (`honor_labels` decides who wins a
 *   conflict: by default the target's, the exposed one kept as
 *   `exported_<name>`), then `metric_relabel_configs`; the result is cached
 *   by the series text, so this runs once per new series, not per sample;
 * - a failed scrape (HTTP error, timeout, body over `body_size_limit`, a
 *   parse error, `sample_limit` or a label limit exceeded) appends nothing
 *   of the body: `up` is 0, `lastError` says why, and every series of the
 *   previous scrape gets a staleness marker;
 * - a series present in the previous scrape and missing from this one gets
 *   a staleness marker (unless it carried an explicit timestamp and
 *   `track_timestamps_staleness` is off);
 * - `up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
 *   `scrape_samples_post_metric_relabeling`, `scrape_series_added` are
 *   appended with the target's labels;
 * - when the target goes away, after the time its next scrape would have
 *   been, all its series (synthetic ones included) get staleness markers.
 *
 * The sample path allocates nothing per sample once the cache is warm but
 * the slice of the series text it looks up: the body lands in a reused
 * buffer, the parser yields positions, the cache lookup is by the series
 * text, the storage is given the series' ref. Nothing kept across scrapes
 * refers into the body, so a body dies young.
 */
import type { ScrapeConfig } from '../config/scrape.js';
import type { Counter, Histogram } from '../metrics/registry.js';
import { LabelsBuilder, Labels, METRIC_NAME } from '../model/labels.js';
import { STALE_NAN } from '../model/value.js';
import { relabel } from '../relabel/relabel.js';
import type { Logger } from '../server/logger.js';
import { StorageError } from '../storage/errors.js';
import type { Appendable, Appender } from '../storage/interface.js';
import { Entry, formatForContentType, newParser, ParseError, scrapeAcceptHeader, type ExpositionFormat, type Parser, type ScrapeProtocol } from '../textparse/index.js';
import { CacheEntry, EntryKind, flatCopy, ScrapeCache } from './cache.js';
import { BodyBuffer, HttpClient, ScrapeError } from './client.js';
import type { Target } from './target.js';

/** Self-metrics shared by all loops (declared in manager.ts). */
export interface ScrapeMetrics {
  samplesRejected: Counter;
  exceededSampleLimit: Counter;
  exceededBodySizeLimit: Counter;
  exceededLabelLimits: Counter;
  budgetDropped: Counter;
  exemplarsParsed: Counter;
  scrapeDuration: Histogram;
}

/** A job's cardinality budget: series held by all its targets' caches. */
export class CardinalityBudget {
  used = 0;
  constructor(readonly limit: number) {}

  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  release(): void {
    this.used--;
  }
}

export interface LoopDeps {
  storage: Appendable;
  client: HttpClient;
  metrics: ScrapeMetrics;
  logger: Logger;
  budget: CardinalityBudget | undefined;
  now: () => number;
  /** Spreads target phases per server (Prometheus: hash of hostname and external labels). */
  offsetSeed: number;
}

/** Scrape timestamps within this of the schedule are aligned to it (helps compression), as Prometheus's 2 ms tolerance. */
const ALIGN_TOLERANCE_MS = 2;

const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

class LimitError extends ScrapeError {}

interface AppendStats {
  total: number;
  added: number;
  seriesAdded: number;
}

export class ScrapeLoop {
  readonly target: Target;
  readonly cache: ScrapeCache;
  readonly #cfg: ScrapeConfig;
  readonly #deps: LoopDeps;
  readonly #body = new BodyBuffer();
  readonly #reportLabels: Labels[];
  readonly #reportRefs = new Float64Array(REPORT_NAMES.length);
  readonly #reportValues = new Float64Array(REPORT_NAMES.length);
  readonly #lb = new LabelsBuilder();
  #timer: NodeJS.Timeout | undefined;
  #next = 0;
  #running: Promise<void> | undefined;
  /** Cancels the scrape in flight when the loop stops (once: a stopped loop does not scrape again). */
  readonly #abort = new AbortController();
  /** The request headers, the same for every scrape. */
  readonly #requestHeaders: Record<string, string>;
  #stopped = false;
  /** Set by the pool when the job is over its target_limit: every scrape fails with it. */
  forcedError: string | undefined;

  /**
   * `cache`: the cache of this target's previous loop (config reload). It is
   * taken over only when this config makes the same series of the same
   * texts; otherwise the loop starts afresh, as Prometheus does.
   */
  constructor(target: Target, cfg: ScrapeConfig, deps: LoopDeps, cache?: ScrapeCache) {
    this.target = target;
    this.#cfg = cfg;
    this.#deps = deps;
    const shape = cacheShape(cfg);
    this.cache = cache !== undefined && cache.shape === shape ? cache : new ScrapeCache(shape);
    this.#requestHeaders = {
      Accept: scrapeAcceptHeader(cfg.scrapeProtocols),
      'Accept-Encoding': cfg.enableCompression ? 'gzip' : 'identity',
      'X-Prometheus-Scrape-Timeout-Seconds': String(target.timeoutMs / 1000),
    };
    this.#reportLabels = REPORT_NAMES.map((n) => new LabelsBuilder(target.labels).set(METRIC_NAME, n).labels());
  }

  start(): void {
    const now = this.#deps.now();
    const offset = this.target.offsetMs(this.#deps.offsetSeed, now);
    this.#next = now + offset;
    this.#timer = setTimeout(() => this.#tick(), offset);
  }

  /** The time the next scrape is (or was) scheduled for. */
  get nextScrape(): number {
    return this.#next;
  }

  #tick(): void {
    if (this.#stopped) return;
    const scheduled = this.#next;
    const now = this.#deps.now();
    const ts = Math.abs(now - scheduled) <= ALIGN_TOLERANCE_MS ? scheduled : now;
    this.#running = this.scrapeAndReport(ts).finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      const interval = this.target.intervalMs;
      const after = this.#deps.now();
      this.#next = scheduled + interval;
      // A scrape that overran skips the ticks it missed rather than bunching them.
      if (this.#next <= after) this.#next += Math.ceil((after - this.#next + 1) / interval) * interval;
      this.#timer = setTimeout(() => this.#tick(), this.#next - after);
    });
  }

  /**
   * Stops scheduling and cancels a scrape in flight. With `staleness`, the
   * target's series get staleness markers once its next scrape would have
   * happened (returned as a promise the pool does not wait for); without it
   * (reload: a new loop takes over the cache; shutdown) they don't.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running;
  }

  /** Appends staleness markers for everything the last scrape produced, at time `t`. */
  async writeEndOfRunStaleness(t: number): Promise<void> {
    const app = this.#deps.storage.appender();
    const c = this.cache;
    const seen = c.seen;
    for (let i = 0; i < seen.length; i++) this.#appendStale(app, seen.items[i], t);
    for (let i = 0; i < REPORT_NAMES.length; i++) {
      try {
        app.append(this.#reportRefs[i], this.#reportLabels[i], t, STALE_NAN);
      } catch {
        // Out of order (a scrape ran later than t): nothing to mark.
      }
    }
    await app.commit();
  }

  /** One scrape at timestamp `ts` (exported for tests and benchmarks). */
  async scrapeAndReport(ts: number): Promise<void> {
    const t = this.target;
    const start = performance.now();
    let err: Error | undefined;
    let format: ExpositionFormat | undefined;
    try {
      if (this.forcedError !== undefined) throw new ScrapeError(this.forcedError);
      const res = await this.#deps.client.get(t.url, {
        headers: this.#requestHeaders,
        timeoutMs: t.timeoutMs,
        maxBodyBytes: this.#cfg.bodySizeLimit,
        into: this.#body,
        signal: this.#abort.signal,
      });
      if (res.status !== 200) throw new ScrapeError(`server returned HTTP status ${res.status} ${res.statusText}`.trimEnd());
      format = formatForContentType(res.contentType) ?? protocolFormat(this.#cfg.fallbackScrapeProtocol);
      if (format === undefined) {
        throw new ScrapeError(`received unsupported Content-Type ${JSON.stringify(res.contentType ?? '')} and no fallback_scrape_protocol specified for target`);
      }
    } catch (e) {
      err = e as Error;
      if (err.message.startsWith('body size limit exceeded')) this.#deps.metrics.exceededBodySizeLimit.inc();
    }
    const durationSec = (performance.now() - start) / 1000;
    this.#deps.metrics.scrapeDuration.observe(durationSec);

    let app = this.#deps.storage.appender();
    let stats: AppendStats = { total: 0, added: 0, seriesAdded: 0 };
    const cache = this.cache;
    const passBefore = cache.pass;
    if (err === undefined) {
      try {
        stats = this.#append(app, format!, ts);
        cache.pruneMetadata();
      } catch (e) {
        err = e as Error;
        app.rollback();
        app = this.#deps.storage.appender();
      }
    }
    if (err !== undefined) {
      // Nothing of this scrape: a pass that sees no series marks all of the last one stale.
      if (cache.pass === passBefore) cache.nextPass();
      else {
        const seen = cache.seen;
        for (let i = 0; i < seen.length; i++) seen.items[i].lastSeen = seen.items[i].prevSeen;
        seen.clear();
      }
      this.#staleness(app, ts);
      stats = { total: 0, added: 0, seriesAdded: 0 };
    }
    this.#report(app, ts, durationSec, stats, err === undefined);
    try {
      await app.commit();
    } catch (e) {
      err ??= e as Error;
      this.#deps.logger.warn('cannot commit scrape', { target: t.url.href, err: (e as Error).message });
    }
    t.lastScrape = Date.now();
    t.lastScrapeDurationSec = durationSec;
    t.health = err === undefined ? 'up' : 'down';
    t.lastError = err === undefined ? '' : err.message;
    if (err !== undefined) this.#deps.logger.debug('scrape failed', { scrape_pool: t.scrapePool, target: t.url.href, err: err.message });
  }


  /** Parses the body and appends its samples; throws (before commit) when the scrape must fail. */
  #append(app: Appender, format: ExpositionFormat, ts: number): AppendStats {
    const cfg = this.#cfg;
    const cache = this.cache;
    const pass = cache.nextPass();
    const seen = cache.seen;
    const order = cache.order;
    const before = cache.orderBefore;
    let guess = 0;
    // The previous scrape's texts were accepted by a parser of the same format: the parser may take them as hints.
    const hints = cache.lastFormat === format;
    cache.lastFormat = format;
    const entries = cache.entries;
    const metrics = this.#deps.metrics;
    const budget = this.#deps.budget;
    const honorTs = cfg.honorTimestamps;
    const trackTsStaleness = cfg.trackTimestampsStaleness;
    const sampleLimit = cfg.sampleLimit;
    const p = newParser(format, this.#body.view());
    let total = 0;
    let added = 0;
    let seriesAdded = 0;
    let limitErr: Error | undefined;
    let budgetDropped = 0;
    let exemplars = 0;
    try {
    for (;;) {
      if (hints && guess < before.length) p.expectSeries(before.items[guess].text);
      const kind = p.next();
      if (kind === Entry.EOF) break;
      if (kind !== Entry.Sample) {
        // Help and unit are stored only when they change, as flat copies: a slice would keep the body alive.
        if (kind === Entry.Type) cache.metadataFor(p.metricName()).type = p.type();
        else if (kind === Entry.Help) {
          const m = cache.metadataFor(p.metricName());
          const help = p.help();
          if (m.help !== help) m.help = flatCopy(help);
        } else if (kind === Entry.Unit) {
          const m = cache.metadataFor(p.metricName());
          const unit = p.unit();
          if (m.unit !== unit) m.unit = flatCopy(unit);
        }
        continue;
      }
      total++;
      if (p.hasExemplar()) exemplars++;
      const text = p.seriesText();
      // The entry at the same place in the previous scrape, else the Map; after a Map hit, guessing resumes after where it was.
      let e = guess < before.length ? before.items[guess] : undefined;
      if (e !== undefined && e.text === text) guess++;
      else {
        e = entries.get(text);
        guess = e !== undefined && e.lastPresent === pass - 1 ? e.pos + 1 : guess + 1;
      }
      // The labels of a series new to the cache, made once for its entry and its first append.
      let fresh: Labels | undefined;
      if (e === undefined) {
        fresh = this.#seriesLabels(p.labels());
        e = this.#newEntry(fresh, flatCopy(text));
        entries.set(e.text, e);
        if (e.kind === EntryKind.Series) seriesAdded++;
      } else if (e.kind === EntryKind.OverBudget && budget !== undefined && budget.used < budget.limit) {
        fresh = this.#seriesLabels(p.labels());
        const again = this.#newEntry(fresh, e.text);
        e.kind = again.kind;
        e.budgeted = again.budgeted;
        if (e.kind === EntryKind.Series) seriesAdded++;
      }
      if (e.lastPresent !== pass) {
        e.lastPresent = pass;
        e.pos = order.length;
      }
      order.push(e);
      if (e.kind !== EntryKind.Series) {
        if (e.kind === EntryKind.OverBudget) budgetDropped++;
        continue;
      }
      added++;
      if (sampleLimit > 0 && added > sampleLimit) {
        limitErr ??= new LimitError(`sample limit exceeded (limit: ${sampleLimit})`);
        continue;
      }
      if (limitErr !== undefined) continue;
      const explicit = p.timestamp;
      const t = honorTs && explicit !== undefined ? explicit : ts;
      try {
        e.ref = this.#appendSample(app, e, p, t, fresh);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        metrics.samplesRejected.labels(err.code).inc();
        continue;
      }
      if ((explicit === undefined || !honorTs || trackTsStaleness) && e.lastSeen !== pass) {
        e.prevSeen = e.lastSeen;
        e.lastSeen = pass;
        seen.push(e);
      }
    }
    } catch (e) {
      if (e instanceof ParseError) throw new ScrapeError(`cannot parse scrape body: ${e.message}`);
      throw e;
    }
    if (exemplars > 0) metrics.exemplarsParsed.inc(exemplars);
    if (budgetDropped > 0) metrics.budgetDropped.labels(this.target.scrapePool).inc(budgetDropped);
    if (limitErr !== undefined) {
      metrics.exceededSampleLimit.inc();
      throw limitErr;
    }
    this.#staleness(app, ts);
    cache.evict((s) => {
      if (s.budgeted) budget?.release();
    });
    return { total, added, seriesAdded };
  }

  /** The entry of a new series text whose series has labels `ls` (undefined: dropped). */
  #newEntry(ls: Labels | undefined, text: string): CacheEntry {
    if (ls === undefined) return new CacheEntry(EntryKind.Dropped, text);
    const budget = this.#deps.budget;
    if (budget !== undefined && !budget.take()) return new CacheEntry(EntryKind.OverBudget, text);
    const e = new CacheEntry(EntryKind.Series, text);
    e.budgeted = budget !== undefined;
    return e;
  }

  /**
   * Appends the current sample of `p` to the entry's series by ref; the
   * series' labels are made (again) only when the storage does not know the
   * ref: on the series' first append, or after the storage removed it.
   */
  #appendSample(app: Appender, e: CacheEntry, p: Parser, t: number, fresh: Labels | undefined): number {
    if (e.ref > 0) {
      try {
        return app.append(e.ref, undefined, t, p.value);
      } catch (err) {
        if (!(err instanceof StorageError && err.code === 'unknown_series_ref')) throw err;
      }
    }
    const ls = fresh ?? this.#seriesLabels(p.labels());
    if (ls === undefined) throw new Error('cannot append scraped sample: the cached series text no longer makes a series');
    return app.append(0, ls, t, p.value);
  }

  /** The labels of a series: the exposed ones with the target's, then metric relabeling; undefined when dropped. Throws when a label limit is exceeded. */
  #seriesLabels(exposed: Labels): Labels | undefined {
    if (this.#cfg.metricRelabelConfigs.length === 0) {
      // Without relabeling and without a name in both sets, the two sorted sets just merge: no builder.
      const merged = mergeDisjoint(exposed, this.target.labels);
      if (merged !== undefined) {
        this.#checkLimits(merged);
        return merged;
      }
    }
    try {
      return this.#seriesLabelsFrom(exposed);
    } finally {
      // The builder holds slices of the body: let go of them.
      this.#lb.reset(Labels.EMPTY);
    }
  }

  #seriesLabelsFrom(exposed: Labels): Labels | undefined {
    const cfg = this.#cfg;
    const lb = this.#lb.reset(exposed);
    const target = this.target.labels.pairs;
    if (cfg.honorLabels) {
      for (let i = 0; i < target.length; i += 2) if (!exposed.has(target[i])) lb.set(target[i], target[i + 1]);
    } else {
      let conflicts: string[] | undefined;
      for (let i = 0; i < target.length; i += 2) {
        if (exposed.get(target[i]) !== '') (conflicts ??= []).push(target[i]);
        lb.set(target[i], target[i + 1]);
      }
      if (conflicts) {
        conflicts.sort((a, b) => a.length - b.length);
        for (const name of conflicts) {
          let renamed = `exported_${name}`;
          while (lb.get(renamed) !== '') renamed = `exported_${renamed}`;
          lb.set(renamed, exposed.get(name));
        }
      }
    }
    if (!relabel(cfg.metricRelabelConfigs, lb)) return undefined;
    const ls = lb.labels();
    if (ls.length === 0) return undefined;
    this.#checkLimits(ls);
    // The storage keeps a new series' label strings: copies, so that no slice keeps the body alive.
    return Labels.fromSortedPairs(ls.pairs.map(flatCopy));
  }

  #checkLimits(ls: Labels): void {
    const cfg = this.#cfg;
    const name = ls.metricName().slice(0, 50);
    const fail = (msg: string) => {
      this.#deps.metrics.exceededLabelLimits.inc();
      throw new LimitError(msg);
    };
    if (cfg.labelLimit > 0 && ls.length > cfg.labelLimit) {
      fail(`label_limit exceeded (metric: ${name}, number of labels: ${ls.length}, limit: ${cfg.labelLimit})`);
    }
    if (cfg.labelNameLengthLimit === 0 && cfg.labelValueLengthLimit === 0) return;
    const p = ls.pairs;
    for (let i = 0; i < p.length; i += 2) {
      if (cfg.labelNameLengthLimit > 0 && p[i].length > cfg.labelNameLengthLimit) {
        fail(`label_name_length_limit exceeded (metric: ${name}, label name: ${p[i].slice(0, 50)}, length: ${p[i].length}, limit: ${cfg.labelNameLengthLimit})`);
      }
      if (cfg.labelValueLengthLimit > 0 && p[i + 1].length > cfg.labelValueLengthLimit) {
        fail(
          `label_value_length_limit exceeded (metric: ${name}, label name: ${p[i].slice(0, 50)}, value: ${JSON.stringify(p[i + 1].slice(0, 50))}, length: ${p[i + 1].length}, limit: ${cfg.labelValueLengthLimit})`,
        );
      }
    }
  }

  /** Staleness markers at `ts` for series appended in the previous pass but not in this one. */
  #staleness(app: Appender, ts: number): void {
    const prev = this.cache.pass - 1;
    const before = this.cache.seenBefore;
    for (let i = 0; i < before.length; i++) {
      const s = before.items[i];
      if (s.lastSeen === prev) this.#appendStale(app, s, ts);
    }
  }

  #appendStale(app: Appender, e: CacheEntry, t: number): void {
    try {
      app.append(e.ref, undefined, t, STALE_NAN);
    } catch (err) {
      // Out of order: the series has a newer sample (explicit timestamps); or the storage
      // removed the series (nothing recent to mark): nothing to mark.
      if (!(err instanceof StorageError)) throw err;
    }
  }

  #report(app: Appender, ts: number, durationSec: number, s: AppendStats, up: boolean): void {
    const v = this.#reportValues;
    v[0] = up ? 1 : 0;
    v[1] = durationSec;
    v[2] = s.total;
    v[3] = s.added;
    v[4] = s.seriesAdded;
    for (let i = 0; i < REPORT_NAMES.length; i++) {
      try {
        this.#reportRefs[i] = app.append(this.#reportRefs[i], this.#reportLabels[i], ts, v[i]);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        this.#deps.metrics.samplesRejected.labels(err.code).inc();
      }
    }
  }
}

function protocolFormat(p: ScrapeProtocol | undefined): ExpositionFormat | undefined {
  if (p === undefined) return undefined;
  return p.startsWith('OpenMetrics') ? 'openmetrics' : 'prometheus';
}

/**
 * The union of exposed labels and target labels that share no name;
 * undefined when they do. The exposed strings are copied (`flatCopy`): the
 * storage keeps a new series' label strings, and slices would keep the body.
 */
function mergeDisjoint(a: Labels, b: Labels): Labels | undefined {
  const x = a.pairs;
  const y = b.pairs;
  const out = new Array<string>(x.length + y.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) return undefined;
    if (x[i] < y[j]) {
      out[o++] = flatCopy(x[i++]);
      out[o++] = flatCopy(x[i++]);
    } else {
      out[o++] = y[j++];
      out[o++] = y[j++];
    }
  }
  while (i < x.length) out[o++] = flatCopy(x[i++]);
  while (j < y.length) out[o++] = y[j++];
  return Labels.fromSortedPairs(out);
}

/** What decides the series a text becomes, besides the target (whose labels are part of its identity). */
function cacheShape(cfg: ScrapeConfig): string {
  return JSON.stringify([cfg.honorLabels, cfg.metricRelabelConfigs.map((r) => r.cfg)]);
}
