/**
 * Sections of a Prometheus config file that Vigil reads but does not act on
 * yet: `rule_files`, `alerting`, `remote_write`, `remote_read` and
 * `storage.exemplars`. A user's `prometheus.yml` loads as it is: each
 * section's shape and values are checked as Prometheus checks them (a typo
 * is an error naming file, line and key), the section is kept in the config
 * for the rules, alerting and remote-write work, and the server logs one
 * info line per section present (`pendingSectionNotes`).
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Rule } from '../relabel/relabel.js';
import type { Ctx, KeyHandler } from './config.js';
import { parseRelabelConfigs } from './scrape.js';
import { parseDuration } from './units.js';

export interface RemoteEndpointConfig {
  url: string;
  name: string;
  remoteTimeoutMs: number;
  /** The section as written (plain values), for the remote-write/read work. */
  raw: Record<string, unknown>;
}

export interface RemoteWriteConfig extends RemoteEndpointConfig {
  writeRelabelConfigs: Rule[];
}

export interface AlertingConfig {
  alertRelabelConfigs: Rule[];
  /** Each `alertmanagers` entry as written (plain values). */
  alertmanagers: Record<string, unknown>[];
}

/** What the file holds of the sections Vigil does not act on yet (absent: not in the file). */
export interface PendingSections {
  ruleFiles?: string[];
  alerting?: AlertingConfig;
  remoteWrite?: RemoteWriteConfig[];
  remoteRead?: RemoteEndpointConfig[];
  /** `storage.exemplars.max_exemplars`. */
  maxExemplars?: number;
}

const REMOTE_TIMEOUT_MS = 30_000;

/** One line per section present: what Vigil does with it for now. */
export function pendingSectionNotes(p: PendingSections): { section: string; note: string }[] {
  const out: { section: string; note: string }[] = [];
  if (p.ruleFiles !== undefined) out.push({ section: 'rule_files', note: 'Vigil does not evaluate recording or alerting rules yet: the rule files are not read' });
  if (p.alerting !== undefined) out.push({ section: 'alerting', note: 'Vigil does not send alerts yet: the Alertmanager settings are kept, not used' });
  if (p.remoteWrite !== undefined) out.push({ section: 'remote_write', note: 'Vigil does not remote-write yet: no samples are sent to these endpoints' });
  if (p.remoteRead !== undefined) out.push({ section: 'remote_read', note: 'Vigil does not remote-read yet: queries read local storage only' });
  if (p.maxExemplars !== undefined) out.push({ section: 'storage.exemplars', note: 'Vigil does not store exemplars yet: max_exemplars is kept, not used' });
  return out;
}

/** Top-level handlers for the pending sections, filling `p`. */
export function pendingHandlers(ctx: Ctx, p: PendingSections): Record<string, KeyHandler> {
  return {
    rule_files: (n, key) => {
      p.ruleFiles = [];
      seq(ctx, n, key, (item, k) => {
        const f = ctx.string(item, k);
        if (f === '') throw ctx.error(item, k, 'must not be empty');
        p.ruleFiles!.push(f);
      });
    },
    alerting: (n, key) => {
      const a: AlertingConfig = { alertRelabelConfigs: [], alertmanagers: [] };
      ctx.map(n, key, {
        alert_relabel_configs: (n, key) => {
          a.alertRelabelConfigs = parseRelabelConfigs(ctx, n, key);
        },
        alertmanagers: (n, key) => seq(ctx, n, key, (item, k) => a.alertmanagers.push(parseAlertmanager(ctx, item, k))),
      });
      p.alerting = a;
    },
    remote_write: (n, key) => {
      p.remoteWrite = [];
      seq(ctx, n, key, (item, k) => {
        const rw: RemoteWriteConfig = { ...newEndpoint(item), writeRelabelConfigs: [] };
        ctx.map(item, k, {
          ...endpointHandlers(ctx, rw),
          write_relabel_configs: (n, key) => {
            rw.writeRelabelConfigs = parseRelabelConfigs(ctx, n, key);
          },
          send_exemplars: (n, key) => ctx.bool(n, key),
          send_native_histograms: (n, key) => ctx.bool(n, key),
          round_robin_dns: (n, key) => ctx.bool(n, key),
          protobuf_message: (n, key) => oneOf(ctx, n, key, ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request']),
          queue_config: (n, key) =>
            ctx.map(n, key, {
              capacity: (n, key) => count(ctx, n, key),
              max_shards: (n, key) => count(ctx, n, key),
              min_shards: (n, key) => count(ctx, n, key),
              max_samples_per_send: (n, key) => count(ctx, n, key),
              batch_send_deadline: (n, key) => duration(ctx, n, key),
              min_backoff: (n, key) => duration(ctx, n, key),
              max_backoff: (n, key) => duration(ctx, n, key),
              retry_on_http_429: (n, key) => ctx.bool(n, key),
              sample_age_limit: (n, key) => duration(ctx, n, key),
            }),
          metadata_config: (n, key) =>
            ctx.map(n, key, {
              send: (n, key) => ctx.bool(n, key),
              send_interval: (n, key) => duration(ctx, n, key),
              max_samples_per_send: (n, key) => count(ctx, n, key),
            }),
          sigv4: (n, key) => anyMap(ctx, n, key),
          azuread: (n, key) => anyMap(ctx, n, key),
          google_iam: (n, key) => anyMap(ctx, n, key),
        });
        requireUrl(ctx, item, k, rw);
        p.remoteWrite!.push(rw);
      });
    },
    remote_read: (n, key) => {
      p.remoteRead = [];
      seq(ctx, n, key, (item, k) => {
        const rr = newEndpoint(item);
        ctx.map(item, k, {
          ...endpointHandlers(ctx, rr),
          required_matchers: (n, key) => ctx.map(n, key, (_name, v, k) => ctx.string(v, k)),
          read_recent: (n, key) => ctx.bool(n, key),
          filter_external_labels: (n, key) => ctx.bool(n, key),
        });
        requireUrl(ctx, item, k, rr);
        p.remoteRead!.push(rr);
      });
    },
  };
}

/** `storage.exemplars` (Prometheus's section; Vigil's own storage keys live under `storage.tsdb`). */
export function exemplarsHandler(ctx: Ctx, p: PendingSections): KeyHandler {
  return (n, key) =>
    ctx.map(n, key, {
      max_exemplars: (n, key) => {
        p.maxExemplars = count(ctx, n, key);
      },
    });
}

function parseAlertmanager(ctx: Ctx, node: Node, path: string): Record<string, unknown> {
  ctx.map(node, path, (name, v, key) => {
    switch (name) {
      case 'timeout':
        duration(ctx, v, key);
        return;
      case 'api_version':
        oneOf(ctx, v, key, ['v1', 'v2']);
        return;
      case 'scheme':
        oneOf(ctx, v, key, ['http', 'https']);
        return;
      case 'path_prefix':
      case 'proxy_url':
      case 'no_proxy':
        ctx.string(v, key);
        return;
      case 'relabel_configs':
      case 'alert_relabel_configs':
        parseRelabelConfigs(ctx, v, key);
        return;
      case 'follow_redirects':
      case 'enable_http2':
      case 'proxy_from_environment':
        ctx.bool(v, key);
        return;
      case 'basic_auth':
      case 'authorization':
      case 'oauth2':
      case 'tls_config':
      case 'sigv4':
      case 'proxy_connect_header':
        anyMap(ctx, v, key);
        return;
      default:
        if (name === 'static_configs' || name.endsWith('_sd_configs')) {
          seq(ctx, v, key, (item, k) => anyMap(ctx, item, k));
          return;
        }
        throw ctx.error(v, key, 'unknown key in an alertmanager config');
    }
  });
  return plain(node);
}

function newEndpoint(node: Node): RemoteEndpointConfig {
  return { url: '', name: '', remoteTimeoutMs: REMOTE_TIMEOUT_MS, raw: plain(node) };
}

/** Keys remote_write and remote_read share: the endpoint, and the HTTP client settings. */
function endpointHandlers(ctx: Ctx, e: RemoteEndpointConfig): Record<string, KeyHandler> {
  return {
    url: (n, key) => {
      e.url = ctx.string(n, key);
      let u: URL;
      try {
        u = new URL(e.url);
      } catch {
        throw ctx.error(n, key, `invalid URL ${JSON.stringify(e.url)}`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw ctx.error(n, key, `unsupported scheme ${JSON.stringify(u.protocol.slice(0, -1))}`);
    },
    name: (n, key) => {
      e.name = ctx.string(n, key);
    },
    remote_timeout: (n, key) => {
      e.remoteTimeoutMs = duration(ctx, n, key);
    },
    headers: (n, key) => ctx.map(n, key, (_name, v, k) => ctx.string(v, k)),
    basic_auth: (n, key) => anyMap(ctx, n, key),
    authorization: (n, key) => anyMap(ctx, n, key),
    bearer_token: (n, key) => ctx.string(n, key),
    bearer_token_file: (n, key) => ctx.string(n, key),
    oauth2: (n, key) => anyMap(ctx, n, key),
    tls_config: (n, key) => anyMap(ctx, n, key),
    proxy_url: (n, key) => ctx.string(n, key),
    no_proxy: (n, key) => ctx.string(n, key),
    proxy_from_environment: (n, key) => ctx.bool(n, key),
    proxy_connect_header: (n, key) => anyMap(ctx, n, key),
    follow_redirects: (n, key) => ctx.bool(n, key),
    enable_http2: (n, key) => ctx.bool(n, key),
  };
}

function requireUrl(ctx: Ctx, node: Node, path: string, e: RemoteEndpointConfig): void {
  if (e.url === '') throw ctx.error(node, path, 'url is required');
}

function seq(ctx: Ctx, node: Node, path: string, each: (item: Node, key: string) => void): void {
  if (isScalar(node) && node.value === null) return;
  if (!isSeq(node)) throw ctx.error(node, path, 'expected a list');
  node.items.forEach((item, i) => each(item as Node, `${path}[${i}]`));
}

/** A mapping whose keys Vigil does not check yet (credentials and the like, used by no code). */
function anyMap(ctx: Ctx, node: Node, path: string): void {
  if (!isMap(node) && !(isScalar(node) && node.value === null)) throw ctx.error(node, path, 'expected a mapping');
}

function count(ctx: Ctx, node: Node, path: string): number {
  const v = Number(ctx.string(node, path));
  if (!Number.isInteger(v) || v < 0) throw ctx.error(node, path, 'must be an integer >= 0');
  return v;
}

function duration(ctx: Ctx, node: Node, path: string): number {
  return ctx.parsed(node, path, parseDuration);
}

function oneOf(ctx: Ctx, node: Node, path: string, allowed: string[]): string {
  const v = ctx.string(node, path);
  if (!allowed.includes(v)) throw ctx.error(node, path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}

function plain(node: Node): Record<string, unknown> {
  const v: unknown = node.toJSON();
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}
