/**
 * `http_sd_configs`: every `refresh_interval`, GET the URL; a 200 response
 * with `Content-Type: application/json` holding `[{targets, labels}]`
 * replaces the targets. Any failure keeps the previous targets and is counted
 * in `vigil_sd_http_failures_total`. Each target gets `__meta_url`.
 */
import type { HttpSDConfig } from '../../config/scrape.js';
import type { Counter } from '../../metrics/registry.js';
import { BodyBuffer, HttpClient } from '../../scrape/client.js';
import type { Logger } from '../../server/logger.js';
import { parseTargetGroups, type Provider, type TargetGroup } from '../targetgroup.js';

export interface HttpProviderDeps {
  logger: Logger;
  failures: Counter;
}

const MAX_BODY = 64 * 2 ** 20;

export class HttpProvider implements Provider {
  readonly #cfg: HttpSDConfig;
  readonly #deps: HttpProviderDeps;
  readonly #client: HttpClient;
  readonly #body = new BodyBuffer();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastCount = 0;

  constructor(cfg: HttpSDConfig, deps: HttpProviderDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#client = new HttpClient(cfg.http);
  }

  start(send: (groups: TargetGroup[]) => void): void {
    const run = () => {
      void this.#refresh(send).finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(run, this.#cfg.refreshIntervalMs);
      });
    };
    run();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#client.close();
  }

  async #refresh(send: (groups: TargetGroup[]) => void): Promise<void> {
    const url = this.#cfg.url;
    try {
      const res = await this.#client.get(new URL(url), {
        headers: { Accept: 'application/json', 'X-Prometheus-Refresh-Interval-Seconds': String(this.#cfg.refreshIntervalMs / 1000) },
        timeoutMs: this.#cfg.refreshIntervalMs,
        maxBodyBytes: MAX_BODY,
        into: this.#body,
      });
      if (res.status !== 200) throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
      const ct = (res.contentType ?? '').split(';')[0].trim().toLowerCase();
      if (ct !== 'application/json') throw new Error(`unsupported content type ${JSON.stringify(res.contentType ?? '')}`);
      const groups = parseTargetGroups(JSON.parse(this.#body.view().toString('utf8')), url, { __meta_url: url });
      if (this.#stopped) return;
      // Groups past the new count went away.
      for (let i = groups.length; i < this.#lastCount; i++) groups.push({ source: `${url}:${i}`, targets: [], labels: {} });
      this.#lastCount = groups.length;
      send(groups);
    } catch (err) {
      this.#deps.failures.inc();
      this.#deps.logger.error('cannot refresh HTTP service discovery', { url, err: (err as Error).message });
    }
  }
}
