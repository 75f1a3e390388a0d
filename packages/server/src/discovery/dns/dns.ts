/**
 * `dns_sd_configs`: every `refresh_interval`, look up each name. SRV records
 * give `<target>:<port>` with `__meta_dns_srv_record_target` and
 * `__meta_dns_srv_record_port`; A/AAAA give `<ip>:<port>` (the configured
 * port); MX and NS give `<host>:<port>` with `__meta_dns_mx_record_target` /
 * `__meta_dns_ns_record_target`. Every target gets `__meta_dns_name`. A
 * failed lookup keeps that name's previous targets and is counted in
 * `vigil_sd_dns_lookup_failures_total`.
 */
import { Resolver } from 'node:dns/promises';
import type { DnsSDConfig } from '../../config/scrape.js';
import type { Counter } from '../../metrics/registry.js';
import type { Logger } from '../../server/logger.js';
import type { Provider, TargetGroup } from '../targetgroup.js';

export interface DnsProviderDeps {
  logger: Logger;
  failures: Counter;
  /** Resolver addresses (`ip:port`) instead of the system's; for tests. */
  servers?: string[];
}

export class DnsProvider implements Provider {
  readonly #cfg: DnsSDConfig;
  readonly #deps: DnsProviderDeps;
  readonly #resolver: Resolver;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(cfg: DnsSDConfig, deps: DnsProviderDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
    this.#resolver = new Resolver({ timeout: 5000, tries: 2 });
    if (deps.servers) this.#resolver.setServers(deps.servers);
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
    this.#resolver.cancel();
  }

  async #refresh(send: (groups: TargetGroup[]) => void): Promise<void> {
    const groups: TargetGroup[] = [];
    await Promise.all(
      this.#cfg.names.map(async (name) => {
        try {
          groups.push({ source: name, targets: await this.#lookup(name), labels: {} });
        } catch (err) {
          this.#deps.failures.inc();
          this.#deps.logger.error('cannot resolve DNS service discovery name', { name, type: this.#cfg.type, err: (err as Error).message });
        }
      }),
    );
    if (!this.#stopped && groups.length > 0) send(groups);
  }

  async #lookup(name: string): Promise<Record<string, string>[]> {
    const port = this.#cfg.port;
    const r = this.#resolver;
    switch (this.#cfg.type) {
      case 'SRV':
        return (await r.resolveSrv(name)).map((s) => {
          const host = trimDot(s.name);
          return {
            __address__: joinHostPort(host, s.port),
            __meta_dns_name: name,
            __meta_dns_srv_record_target: host,
            __meta_dns_srv_record_port: String(s.port),
          };
        });
      case 'A':
        return (await r.resolve4(name)).map((ip) => ({ __address__: joinHostPort(ip, port), __meta_dns_name: name }));
      case 'AAAA':
        return (await r.resolve6(name)).map((ip) => ({ __address__: joinHostPort(ip, port), __meta_dns_name: name }));
      case 'MX':
        return (await r.resolveMx(name)).map((m) => ({
          __address__: joinHostPort(trimDot(m.exchange), port),
          __meta_dns_name: name,
          __meta_dns_mx_record_target: trimDot(m.exchange),
        }));
      case 'NS':
        return (await r.resolveNs(name)).map((ns) => ({
          __address__: joinHostPort(trimDot(ns), port),
          __meta_dns_name: name,
          __meta_dns_ns_record_target: trimDot(ns),
        }));
    }
  }
}

function trimDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
