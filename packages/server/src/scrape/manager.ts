/**
 * The scrape manager: one pool per job. `applyConfig` keeps pools whose job
 * config is unchanged (their loops run on untouched), reloads changed ones
 * (new loops take over the old loops' caches) and stops removed ones;
 * `updateTargets` passes discovery's groups to each pool. Both run one at a
 * time, in call order.
 */
import type { MetadataView, ScrapeRetriever, TargetView } from '../api/targets.js';
import type { ScrapeConfig } from '../config/scrape.js';
import type { Labels } from '../model/labels.js';
import type { TargetGroup } from '../discovery/targetgroup.js';
import { DEFAULT_BUCKETS, type Registry } from '../metrics/registry.js';
import type { Logger } from '../server/logger.js';
import type { Appendable } from '../storage/interface.js';
import type { ScrapeMetrics } from './loop.js';
import { ScrapePool } from './pool.js';

export interface ScrapeManagerOptions {
  storage: Appendable;
  registry: Registry;
  logger: Logger;
  now: () => number;
  offsetSeed: number;
}

export class ScrapeManager implements ScrapeRetriever {
  readonly #opts: ScrapeManagerOptions;
  readonly #pools = new Map<string, ScrapePool>();
  readonly #fingerprints = new Map<string, string>();
  readonly #metrics: ScrapeMetrics;
  #queue: Promise<void> = Promise.resolve();
  #lastTargets = new Map<string, TargetGroup[]>();
  #stopped = false;

  constructor(opts: ScrapeManagerOptions) {
    this.#opts = opts;
    const r = opts.registry;
    this.#metrics = {
      samplesRejected: r.counter({
        name: 'vigil_scrape_samples_rejected_total',
        help: 'Scraped samples the storage refused, by reason (out_of_bounds, too_old, duplicate_sample, invalid_labels).',
        labelNames: ['reason'],
      }),
      exceededSampleLimit: r.counter({ name: 'vigil_target_scrapes_exceeded_sample_limit_total', help: 'Scrapes that failed because they exceeded sample_limit.' }),
      exceededBodySizeLimit: r.counter({
        name: 'vigil_target_scrapes_exceeded_body_size_limit_total',
        help: 'Scrapes that failed because the body exceeded body_size_limit.',
      }),
      exceededLabelLimits: r.counter({
        name: 'vigil_target_scrapes_exceeded_label_limits_total',
        help: 'Scrapes that failed because a series exceeded label_limit, label_name_length_limit or label_value_length_limit.',
      }),
      budgetDropped: r.counter({
        name: 'vigil_scrape_cardinality_budget_dropped_samples_total',
        help: 'Samples of new series dropped because their job was at its cardinality_budget, by job.',
        labelNames: ['job'],
      }),
      exemplarsParsed: r.counter({
        name: 'vigil_scrape_exemplars_parsed_total',
        help: 'Exemplars read from OpenMetrics scrapes (parsed and validated; not stored yet).',
      }),
      scrapeDuration: r.histogram({
        name: 'vigil_target_interval_scrape_duration_seconds',
        help: 'Time a target scrape took (request and body), all targets.',
        buckets: DEFAULT_BUCKETS,
      }),
    };
    r.gauge({
      name: 'vigil_scrape_active_targets',
      help: 'Targets being scraped, all jobs.',
      collect: () => {
        let n = 0;
        for (const p of this.#pools.values()) n += p.activeTargets().length;
        return n;
      },
    });
  }

  get pools(): ReadonlyMap<string, ScrapePool> {
    return this.#pools;
  }

  scrapePools(): string[] {
    return [...this.#pools.keys()].sort();
  }

  activeTargets(): TargetView[] {
    const out: TargetView[] = [];
    for (const p of this.#pools.values()) out.push(...p.activeTargets());
    return out;
  }

  droppedTargets(): { scrapePool: string; discoveredLabels: Labels }[] {
    const out: { scrapePool: string; discoveredLabels: Labels }[] = [];
    for (const p of this.#pools.values()) for (const d of p.droppedTargets()) out.push({ scrapePool: p.name, discoveredLabels: d.discoveredLabels });
    return out;
  }

  droppedTargetCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.#pools.values()) out[p.name] = p.droppedCount;
    return out;
  }

  targetMetadata(): { labels: Labels; metadata: ReadonlyMap<string, MetadataView> }[] {
    const out: { labels: Labels; metadata: ReadonlyMap<string, MetadataView> }[] = [];
    for (const p of this.#pools.values()) for (const l of p.loops()) out.push({ labels: l.target.labels, metadata: l.cache.metadata });
    return out;
  }

  applyConfig(configs: ScrapeConfig[]): Promise<void> {
    return this.#run(async () => {
      const wanted = new Map(configs.map((c) => [c.jobName, c]));
      const work: Promise<void>[] = [];
      for (const [name, pool] of this.#pools) {
        if (!wanted.has(name)) {
          this.#pools.delete(name);
          this.#fingerprints.delete(name);
          work.push(pool.stop());
        }
      }
      for (const cfg of configs) {
        const fp = fingerprint(cfg);
        const pool = this.#pools.get(cfg.jobName);
        if (pool === undefined) {
          this.#pools.set(cfg.jobName, new ScrapePool(cfg, { ...this.#opts, metrics: this.#metrics }));
          const groups = this.#lastTargets.get(cfg.jobName);
          if (groups) work.push(this.#pools.get(cfg.jobName)!.sync(groups));
        } else if (this.#fingerprints.get(cfg.jobName) !== fp) {
          work.push(pool.reload(cfg));
        }
        this.#fingerprints.set(cfg.jobName, fp);
      }
      await Promise.all(work);
    });
  }

  updateTargets(tsets: Map<string, TargetGroup[]>): Promise<void> {
    return this.#run(async () => {
      this.#lastTargets = tsets;
      await Promise.all([...tsets].map(([job, groups]) => this.#pools.get(job)?.sync(groups)));
    });
  }

  stop(): Promise<void> {
    return this.#run(async () => {
      this.#stopped = true;
      await Promise.all([...this.#pools.values()].map((p) => p.stop()));
      this.#pools.clear();
    });
  }

  #run(fn: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(() => (this.#stopped ? undefined : fn()));
    this.#queue = next.catch((err: unknown) => this.#opts.logger.error('scrape manager update failed', { err: (err as Error).message }));
    return next;
  }
}

/** A job config as comparable text: everything but discovery (which the discovery manager handles). */
export function fingerprint(cfg: ScrapeConfig): string {
  return JSON.stringify(cfg, (key, value: unknown) => {
    if (key === 'sd' || key === 're' || key === 'groupNames' || key === 'matchesAll') return undefined;
    return value;
  });
}
