/**
 * The `query` component: the PromQL engine (limits from `--query.*`) over
 * the server's storage, the query endpoints (query.ts) and the status
 * endpoints (status.ts). A reload re-reads the config file for
 * `/api/v1/status/config`; engine limits come from flags, which a reload
 * does not change.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { formatBytes, formatDuration } from '../config/units.js';
import { Engine } from '../promql/engine/index.js';
import type { Component, ComponentFactory } from '../server/component.js';
import type { ServerOptions } from '../server/options.js';
import { registerQueryApi } from './query.js';
import { registerStatusApi } from './status.js';

export interface QueryComponent extends Component {
  readonly engine: Engine;
}

/** The YAML shown by /api/v1/status/config: the file as written, or the effective global section. */
async function configYaml(o: ServerOptions): Promise<string> {
  if (o.configFile !== undefined) return readFile(o.configFile, 'utf8');
  const g = o.global;
  return stringify({
    global: {
      scrape_interval: formatDuration(g.scrapeIntervalMs),
      scrape_timeout: formatDuration(g.scrapeTimeoutMs),
      evaluation_interval: formatDuration(g.evaluationIntervalMs),
      ...(Object.keys(g.externalLabels).length > 0 ? { external_labels: g.externalLabels } : {}),
    },
  });
}

function retention(o: ServerOptions): string {
  const parts: string[] = [];
  if (o.storage.retentionTimeMs > 0) parts.push(formatDuration(o.storage.retentionTimeMs));
  if (o.storage.retentionBytes > 0) parts.push(formatBytes(o.storage.retentionBytes));
  return parts.join(' or ');
}

export const queryFactory: ComponentFactory = {
  name: 'query',
  async create(ctx): Promise<QueryComponent> {
    const q = ctx.options.query;
    const engine = new Engine({
      lookbackDeltaMs: q.lookbackDeltaMs,
      maxSamples: q.maxSamples,
      timeoutMs: q.timeoutMs,
      maxConcurrent: q.maxConcurrency,
      logger: ctx.logger,
      registry: ctx.registry,
    });
    let options = ctx.options;
    let yaml = await configYaml(options);
    let lastConfig = { timeMs: ctx.now(), success: true };
    registerQueryApi(ctx.router, { engine, queryable: ctx.storage, maxBodyBytes: options.web.maxBodyBytes, now: ctx.now });
    registerStatusApi(ctx.router, {
      storage: ctx.storage,
      flags: () => options.flagValues,
      configYaml: () => yaml,
      startTimeMs: ctx.now(),
      lastConfig: () => lastConfig,
      storageRetention: retention(options),
      now: ctx.now,
    });
    return {
      name: 'query',
      engine,
      async reload(next) {
        yaml = await configYaml(next);
        options = next;
        lastConfig = { timeMs: ctx.now(), success: true };
      },
      async stop() {},
    };
  },
};
