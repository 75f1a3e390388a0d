/**
 * The discovery manager: runs one provider per service discovery config of
 * each job, keeps the latest groups of each by source, and hands the scrape
 * manager the full set of groups per job. Updates are batched: at most one
 * hand-over per `updateDelayMs` (Prometheus: 5 s), the first one at once.
 *
 * On a config reload, providers whose job and config are unchanged keep
 * running with their groups (so an unchanged file or HTTP endpoint is not
 * re-read and its targets do not flap); others are stopped or started.
 */
import type { ServiceDiscoveryConfigs } from '../config/scrape.js';
import type { Counter, Gauge } from '../metrics/registry.js';
import type { Registry } from '../metrics/registry.js';
import type { Logger } from '../server/logger.js';
import { DnsProvider } from './dns/dns.js';
import { FileProvider } from './file/file.js';
import { HttpProvider } from './http/http.js';
import { StaticProvider } from './static/static.js';
import type { Provider, TargetGroup } from './targetgroup.js';

export interface DiscoveryManagerOptions {
  logger: Logger;
  registry: Registry;
  /** Receives every job's groups (jobs without targets get an empty list). */
  onUpdate: (tsets: Map<string, TargetGroup[]>) => void;
  /** Least time between two hand-overs (default 1000 ms). */
  updateDelayMs?: number;
  /** DNS servers (`ip:port`) for dns_sd_configs instead of the system's (tests). */
  dnsServers?: string[];
}

interface RunningProvider {
  job: string;
  provider: Provider;
  groups: Map<string, TargetGroup>;
}

export class DiscoveryManager {
  readonly #opts: DiscoveryManagerOptions;
  /** `job\0kind\0config` → provider. */
  readonly #providers = new Map<string, RunningProvider>();
  #jobs: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastSend = 0;
  #stopped = false;
  readonly #fileErrors: Counter;
  readonly #httpFailures: Counter;
  readonly #dnsFailures: Counter;
  readonly #discovered: Gauge;

  constructor(opts: DiscoveryManagerOptions) {
    this.#opts = opts;
    const r = opts.registry;
    this.#fileErrors = r.counter({ name: 'vigil_sd_file_read_errors_total', help: 'File service discovery files that could not be read or parsed.' });
    this.#httpFailures = r.counter({ name: 'vigil_sd_http_failures_total', help: 'Failed HTTP service discovery refreshes.' });
    this.#dnsFailures = r.counter({ name: 'vigil_sd_dns_lookup_failures_total', help: 'Failed DNS service discovery lookups.' });
    this.#discovered = r.gauge({ name: 'vigil_sd_discovered_targets', help: 'Targets discovered, by job.', labelNames: ['config'] });
  }

  /** Starts, keeps or stops providers for the jobs' discovery configs. */
  applyConfig(jobs: Map<string, ServiceDiscoveryConfigs>): void {
    const wanted = new Map<string, { job: string; make: () => Provider }>();
    for (const [job, sd] of jobs) {
      const deps = { logger: this.#opts.logger };
      if (sd.static.length > 0) wanted.set(`${job}\0static\0${JSON.stringify(sd.static)}`, { job, make: () => new StaticProvider(sd.static) });
      sd.file.forEach((c) =>
        wanted.set(`${job}\0file\0${JSON.stringify(c)}`, { job, make: () => new FileProvider(c, { ...deps, readErrors: this.#fileErrors }) }),
      );
      sd.http.forEach((c) =>
        wanted.set(`${job}\0http\0${JSON.stringify(c)}`, { job, make: () => new HttpProvider(c, { ...deps, failures: this.#httpFailures }) }),
      );
      sd.dns.forEach((c) =>
        wanted.set(`${job}\0dns\0${JSON.stringify(c)}`, {
          job,
          make: () => new DnsProvider(c, { ...deps, failures: this.#dnsFailures, servers: this.#opts.dnsServers }),
        }),
      );
    }
    for (const [key, p] of this.#providers) {
      if (!wanted.has(key)) {
        p.provider.stop();
        this.#providers.delete(key);
      }
    }
    this.#jobs = [...jobs.keys()];
    for (const [key, w] of wanted) {
      if (this.#providers.has(key)) continue;
      const rp: RunningProvider = { job: w.job, provider: w.make(), groups: new Map() };
      this.#providers.set(key, rp);
      rp.provider.start((groups) => {
        if (this.#stopped || this.#providers.get(key) !== rp) return;
        for (const g of groups) {
          if (g.targets.length === 0) rp.groups.delete(g.source);
          else rp.groups.set(g.source, g);
        }
        this.#schedule();
      });
    }
    // Jobs came or went: the scrape manager hears about it even if no provider speaks.
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const delay = this.#opts.updateDelayMs ?? 1000;
    const wait = Math.max(0, this.#lastSend + delay - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastSend = Date.now();
      this.#opts.onUpdate(this.targetSets());
    }, wait);
  }

  /** Every job's current groups. */
  targetSets(): Map<string, TargetGroup[]> {
    const out = new Map<string, TargetGroup[]>();
    for (const job of this.#jobs) out.set(job, []);
    for (const p of this.#providers.values()) {
      const list = out.get(p.job);
      if (list) for (const g of p.groups.values()) list.push(g);
    }
    for (const [job, groups] of out) this.#discovered.labels(job).set(groups.reduce((n, g) => n + g.targets.length, 0));
    return out;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const p of this.#providers.values()) p.provider.stop();
    this.#providers.clear();
  }
}
