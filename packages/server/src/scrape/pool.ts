/**
 * A scrape pool: one job's targets and their loops. `sync` takes the job's
 * target groups from discovery, makes targets (defaults + relabeling), keeps
 * the loops of targets that did not change (no gap, no second `up`), starts
 * loops for new targets and stops those of vanished ones, which then get
 * staleness markers once their next scrape would have been due.
 */
import type { ScrapeConfig } from '../config/scrape.js';
import { Labels } from '../model/labels.js';
import type { TargetGroup } from '../discovery/targetgroup.js';
import type { ScrapeCache } from './cache.js';
import { HttpClient } from './client.js';
import { CardinalityBudget, ScrapeLoop, type LoopDeps } from './loop.js';
import { populateLabels, Target } from './target.js';

export type PoolDeps = Omit<LoopDeps, 'client' | 'budget'>;

export interface DroppedTarget {
  discoveredLabels: Labels;
}

export class ScrapePool {
  readonly name: string;
  #cfg: ScrapeConfig;
  #client: HttpClient;
  #budget: CardinalityBudget | undefined;
  readonly #deps: PoolDeps;
  readonly #loops = new Map<string, ScrapeLoop>();
  #dropped: DroppedTarget[] = [];
  #droppedCount = 0;
  #groups: TargetGroup[] = [];
  readonly #pendingStale = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(cfg: ScrapeConfig, deps: PoolDeps) {
    this.name = cfg.jobName;
    this.#cfg = cfg;
    this.#deps = deps;
    this.#client = new HttpClient(cfg.http);
    this.#budget = cfg.cardinalityBudget > 0 ? new CardinalityBudget(cfg.cardinalityBudget) : undefined;
  }

  get config(): ScrapeConfig {
    return this.#cfg;
  }

  activeTargets(): Target[] {
    return [...this.#loops.values()].map((l) => l.target);
  }

  loops(): ScrapeLoop[] {
    return [...this.#loops.values()];
  }

  droppedTargets(): DroppedTarget[] {
    return this.#dropped;
  }

  get droppedCount(): number {
    return this.#droppedCount;
  }

  /** Applies discovery's current groups for this job. */
  async sync(groups: TargetGroup[]): Promise<void> {
    this.#groups = groups;
    await this.#apply(false);
  }

  /**
   * Applies a changed job config: every loop is replaced by one with the new
   * settings; targets that still exist hand their cache to their new loop,
   * so staleness carries over and no marker is written for them.
   */
  async reload(cfg: ScrapeConfig): Promise<void> {
    const old = this.#client;
    this.#cfg = cfg;
    this.#client = new HttpClient(cfg.http);
    const budget = this.#budget;
    this.#budget = cfg.cardinalityBudget > 0 ? new CardinalityBudget(cfg.cardinalityBudget) : undefined;
    if (budget && this.#budget) this.#budget.used = budget.used;
    await this.#apply(true);
    old.close();
  }

  async #apply(replaceAll: boolean): Promise<void> {
    const cfg = this.#cfg;
    const wanted = new Map<string, Target>();
    const dropped: DroppedTarget[] = [];
    let droppedCount = 0;
    for (const g of this.#groups) {
      for (const t of g.targets) {
        const discovered = Labels.fromObject({ ...g.labels, ...t });
        const r = populateLabels(discovered, cfg);
        if (r.kind === 'active') {
          const target = new Target(cfg.jobName, r.discovered, r.labels, r.url, r.intervalMs, r.timeoutMs);
          if (!wanted.has(target.key)) wanted.set(target.key, target);
        } else {
          if (r.kind === 'error') this.#deps.logger.warn('cannot create target', { scrape_pool: cfg.jobName, labels: discovered.toString(), err: r.error });
          droppedCount++;
          if (cfg.keepDroppedTargets === 0 || dropped.length < cfg.keepDroppedTargets) dropped.push({ discoveredLabels: r.discovered });
        }
      }
    }
    this.#dropped = dropped;
    this.#droppedCount = droppedCount;

    const stops: Promise<void>[] = [];
    for (const [key, loop] of this.#loops) {
      if (!wanted.has(key)) {
        this.#loops.delete(key);
        stops.push(loop.stop().then(() => this.#scheduleEndOfRun(loop)));
      } else if (replaceAll) {
        this.#loops.delete(key);
        stops.push(
          loop.stop().then(() => {
            const next = this.#startLoop(wanted.get(key)!, loop.cache);
            // A config that makes other series of the same texts starts a new cache: the old one's series leave the budget.
            if (next !== undefined && next.cache !== loop.cache) this.#releaseBudget(loop);
          }),
        );
      }
    }
    for (const [key, target] of wanted) if (!this.#loops.has(key) && !replaceAll) this.#startLoop(target);
    await Promise.all(stops);
    if (replaceAll) for (const [key, target] of wanted) if (!this.#loops.has(key)) this.#startLoop(target);

    const over = cfg.targetLimit > 0 && this.#loops.size > cfg.targetLimit;
    const forced = over ? `target_limit exceeded (number of targets: ${this.#loops.size}, limit: ${cfg.targetLimit})` : undefined;
    for (const l of this.#loops.values()) l.forcedError = forced;
  }

  #startLoop(target: Target, cache?: ScrapeCache): ScrapeLoop | undefined {
    if (this.#stopped) return undefined;
    const loop = new ScrapeLoop(target, this.#cfg, { ...this.#deps, client: this.#client, budget: this.#budget }, cache);
    this.#loops.set(target.key, loop);
    loop.start();
    return loop;
  }

  #releaseBudget(loop: ScrapeLoop): void {
    const budget = this.#budget;
    if (budget) for (const e of loop.cache.entries.values()) if (e.budgeted) budget.release();
  }

  /** Writes a vanished target's staleness markers once its next scrape would have been due (plus 10% of the interval, as Prometheus waits). */
  #scheduleEndOfRun(loop: ScrapeLoop): void {
    this.#releaseBudget(loop);
    if (this.#stopped || loop.target.lastScrape === 0) return;
    const at = loop.nextScrape;
    const wait = Math.max(0, at + loop.target.intervalMs * 0.1 - this.#deps.now());
    const timer = setTimeout(() => {
      this.#pendingStale.delete(timer);
      // A target that came back in the meantime has a loop with the same key: its scrapes speak for it.
      if (this.#stopped || this.#loops.has(loop.target.key)) return;
      loop.writeEndOfRunStaleness(at).catch((err: unknown) => {
        this.#deps.logger.warn('cannot write staleness markers', { target: loop.target.url.href, err: (err as Error).message });
      });
    }, wait);
    this.#pendingStale.add(timer);
  }

  /** Stops every loop without staleness markers (job removed, or shutdown — as Prometheus). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#pendingStale) clearTimeout(t);
    this.#pendingStale.clear();
    await Promise.all([...this.#loops.values()].map((l) => l.stop()));
    this.#loops.clear();
    this.#client.close();
  }
}
