/**
 * The `scrape` component: the discovery manager feeding the scrape manager,
 * the targets API, and config reload. Without `scrape_configs` in the config
 * file (or without a config file), Vigil scrapes its own `/metrics` as job
 * `vigil` every 15 s, so a fresh server has data to show.
 */
import { hostname } from 'node:os';
import { registerTargetsApi } from '../api/targets.js';
import { pendingSectionNotes } from '../config/pending.js';
import { newScrapeConfig, type ScrapeConfig } from '../config/scrape.js';
import { DiscoveryManager } from '../discovery/manager.js';
import { fnv1a32 } from '../model/labels.js';
import type { Component, ComponentFactory } from '../server/component.js';
import type { ServerOptions } from '../server/options.js';
import { ScrapeManager } from './manager.js';

export const SELF_SCRAPE_JOB = 'vigil';
export const SELF_SCRAPE_INTERVAL_MS = 15_000;

/** The jobs to run: the file's, or the self-scrape job when the file has none. */
export function effectiveScrapeConfigs(options: ServerOptions, selfAddress: string): ScrapeConfig[] {
  if (options.scrape.configs !== undefined) return options.scrape.configs;
  const interval = { scrapeIntervalMs: SELF_SCRAPE_INTERVAL_MS, scrapeTimeoutMs: Math.min(options.global.scrapeTimeoutMs, SELF_SCRAPE_INTERVAL_MS) };
  const self = newScrapeConfig(SELF_SCRAPE_JOB, interval, options.scrape.globals);
  self.sd.static.push({ targets: [selfAddress], labels: {} });
  return [self];
}

/** The listen address as a scrape target: a wildcard host becomes loopback. */
export function loopbackAddress(listen: string): string {
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m) return listen;
  const host = m[1];
  if (host === '' || host === '0.0.0.0') return `127.0.0.1:${m[2]}`;
  if (host === '[::]' || host === '::') return `[::1]:${m[2]}`;
  return listen;
}

export interface ScrapeComponent extends Component {
  readonly manager: ScrapeManager;
  readonly discovery: DiscoveryManager;
}

export const scrapeFactory: ComponentFactory = {
  name: 'scrape',
  async create(ctx): Promise<ScrapeComponent> {
    const options = ctx.options;
    const seed = fnv1a32(`${hostname()}\x00${JSON.stringify(options.global.externalLabels)}`);
    const manager = new ScrapeManager({ storage: ctx.storage, registry: ctx.registry, logger: ctx.logger, now: ctx.now, offsetSeed: seed });
    const discovery = new DiscoveryManager({
      logger: ctx.logger,
      registry: ctx.registry,
      onUpdate: (tsets) => void manager.updateTargets(tsets),
    });
    registerTargetsApi(ctx.router, manager, options.web.maxBodyBytes);
    const self = loopbackAddress(ctx.address);
    const apply = async (o: ServerOptions) => {
      // A prometheus.yml loads as it is; say once per load what of it Vigil does not act on yet.
      for (const { section, note } of pendingSectionNotes(o.pending)) ctx.logger.info(`Config section ${section} not acted on: ${note}`, { section });
      const configs = effectiveScrapeConfigs(o, self);
      await manager.applyConfig(configs);
      discovery.applyConfig(new Map(configs.map((c) => [c.jobName, c.sd])));
    };
    await apply(options);
    return {
      name: 'scrape',
      manager,
      discovery,
      reload: apply,
      async stop() {
        discovery.stop();
        await manager.stop();
      },
    };
  },
};
