/**
 * The `scrape_configs` section and the scrape settings of `global`, in
 * Prometheus's shapes (its `config.ScrapeConfig`, `HTTPClientConfig`,
 * `relabel.Config` and the static/file/http/dns service discovery
 * configs). Defaults are named here; validation happens here and nowhere
 * else; errors name the file, line and key.
 *
 * ```yaml
 * global:
 *   scrape_interval: 15s
 *   sample_limit: 10000
 * scrape_configs:
 *   - job_name: node
 *     static_configs:
 *       - targets: ['localhost:9100']
 *         labels: { env: prod }
 *     relabel_configs:
 *       - source_labels: [__address__]
 *         regex: '([^:]+):\d+'
 *         target_label: host
 *     cardinality_budget: 50000    # Vigil's own: drop new series past this, don't fail the scrape
 * ```
 *
 * Service discovery mechanisms other than static, file, http and dns are
 * refused with an error naming them, rather than silently scraping nothing.
 */
import { dirname, resolve } from 'node:path';
import { isScalar, isSeq, type Node } from 'yaml';
import { isWellFormed } from '../model/labels.js';
import { compileRule, RELABEL_ACTIONS, RELABEL_DEFAULTS, type RelabelAction, type RelabelConfig, type Rule } from '../relabel/relabel.js';
import { DEFAULT_SCRAPE_PROTOCOLS, type ScrapeProtocol } from '../textparse/index.js';
import { refused, type Ctx, type KeyHandler } from './config.js';
import { parseBytes, parseDuration } from './units.js';

/** Scrape settings of `global` that every job inherits unless it sets its own. */
export interface ScrapeGlobals {
  scrapeProtocols: ScrapeProtocol[];
  /** 0 = no limit, for all limits below. */
  bodySizeLimit: number;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  targetLimit: number;
  keepDroppedTargets: number;
}

export const SCRAPE_GLOBAL_DEFAULTS: Readonly<ScrapeGlobals> = Object.freeze({
  scrapeProtocols: [...DEFAULT_SCRAPE_PROTOCOLS],
  bodySizeLimit: 0,
  sampleLimit: 0,
  labelLimit: 0,
  labelNameLengthLimit: 0,
  labelValueLengthLimit: 0,
  targetLimit: 0,
  keepDroppedTargets: 0,
});

export interface TlsConfig {
  ca?: string;
  caFile?: string;
  cert?: string;
  certFile?: string;
  key?: string;
  keyFile?: string;
  serverName?: string;
  insecureSkipVerify: boolean;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
}

export type TlsVersion = 'TLS10' | 'TLS11' | 'TLS12' | 'TLS13';

/** How a scrape or an HTTP SD request authenticates and connects. */
export interface HttpClientConfig {
  basicAuth?: { username: string; usernameFile?: string; password: string; passwordFile?: string };
  /** `Authorization: <type> <credentials>`; `bearer_token(_file)` map here with type Bearer. */
  authorization?: { type: string; credentials: string; credentialsFile?: string };
  tls: TlsConfig;
  followRedirects: boolean;
  /** Accepted for compatibility; Vigil scrapes over HTTP/1.1 either way. */
  enableHttp2: boolean;
}

export const HTTP_CLIENT_DEFAULTS: Readonly<HttpClientConfig> = Object.freeze({
  tls: Object.freeze({ insecureSkipVerify: false }),
  followRedirects: true,
  enableHttp2: true,
});

export interface StaticConfig {
  targets: string[];
  labels: Record<string, string>;
}

export interface FileSDConfig {
  /** Absolute paths; the last element may hold a `*` glob. */
  files: string[];
  refreshIntervalMs: number;
}

export interface HttpSDConfig {
  url: string;
  refreshIntervalMs: number;
  http: HttpClientConfig;
}

export type DnsRecordType = 'SRV' | 'A' | 'AAAA' | 'MX' | 'NS';

export interface DnsSDConfig {
  names: string[];
  type: DnsRecordType;
  /** Required for every type but SRV. */
  port: number;
  refreshIntervalMs: number;
}

export interface ServiceDiscoveryConfigs {
  static: StaticConfig[];
  file: FileSDConfig[];
  http: HttpSDConfig[];
  dns: DnsSDConfig[];
}

export interface ScrapeConfig {
  jobName: string;
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  params: Record<string, string[]>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  trackTimestampsStaleness: boolean;
  http: HttpClientConfig;
  scrapeProtocols: ScrapeProtocol[];
  /** Used when a target's Content-Type names no format the parsers read; unset means such a scrape fails. */
  fallbackScrapeProtocol?: ScrapeProtocol;
  /** Ask for gzip (`Accept-Encoding`). */
  enableCompression: boolean;
  bodySizeLimit: number;
  sampleLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
  targetLimit: number;
  keepDroppedTargets: number;
  /** Vigil's own: most series the job may hold at once; new series past it are dropped and counted, the scrape goes on. 0 = none. */
  cardinalityBudget: number;
  relabelConfigs: Rule[];
  metricRelabelConfigs: Rule[];
  sd: ServiceDiscoveryConfigs;
}

export const SCRAPE_CONFIG_DEFAULTS = Object.freeze({
  metricsPath: '/metrics',
  scheme: 'http' as const,
  honorLabels: false,
  honorTimestamps: true,
  trackTimestampsStaleness: false,
  enableCompression: true,
  cardinalityBudget: 0,
});

export const SD_REFRESH_DEFAULTS = Object.freeze({ fileMs: 5 * 60_000, httpMs: 60_000, dnsMs: 30_000 });

/**
 * What the config file says about scraping. `configs` is undefined when the
 * file has no `scrape_configs` (or there is no file): the server then scrapes
 * itself. An empty list scrapes nothing.
 */
export interface ScrapeSection {
  globals: ScrapeGlobals;
  configs: ScrapeConfig[] | undefined;
}

/** The Prometheus SD mechanisms Vigil does not implement, named so the error can say so. */
const UNSUPPORTED_SD = [
  'azure_sd_configs',
  'consul_sd_configs',
  'digitalocean_sd_configs',
  'docker_sd_configs',
  'dockerswarm_sd_configs',
  'ec2_sd_configs',
  'eureka_sd_configs',
  'gce_sd_configs',
  'hetzner_sd_configs',
  'ionos_sd_configs',
  'kubernetes_sd_configs',
  'kuma_sd_configs',
  'lightsail_sd_configs',
  'linode_sd_configs',
  'marathon_sd_configs',
  'nerve_sd_configs',
  'nomad_sd_configs',
  'openstack_sd_configs',
  'ovhcloud_sd_configs',
  'puppetdb_sd_configs',
  'scaleway_sd_configs',
  'serverset_sd_configs',
  'triton_sd_configs',
  'uyuni_sd_configs',
  'vultr_sd_configs',
];

const UNSUPPORTED_HTTP = ['oauth2', 'proxy_url', 'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'http_headers'];

/** Handlers for the scrape keys of `global`, filling `g`. */
export function scrapeGlobalHandlers(ctx: Ctx, g: ScrapeGlobals): Record<string, KeyHandler> {
  return {
    scrape_protocols: (n, key) => {
      g.scrapeProtocols = protocols(ctx, n, key);
    },
    body_size_limit: (n, key) => {
      g.bodySizeLimit = ctx.parsed(n, key, parseBytes);
    },
    sample_limit: (n, key) => {
      g.sampleLimit = uint(ctx, n, key);
    },
    label_limit: (n, key) => {
      g.labelLimit = uint(ctx, n, key);
    },
    label_name_length_limit: (n, key) => {
      g.labelNameLengthLimit = uint(ctx, n, key);
    },
    label_value_length_limit: (n, key) => {
      g.labelValueLengthLimit = uint(ctx, n, key);
    },
    target_limit: (n, key) => {
      g.targetLimit = uint(ctx, n, key);
    },
    keep_dropped_targets: (n, key) => {
      g.keepDroppedTargets = uint(ctx, n, key);
    },
  };
}

/**
 * Parses the `scrape_configs` list. Runs after `global` is known (its
 * position in the file does not matter), so jobs inherit from it.
 */
export function parseScrapeConfigs(
  ctx: Ctx,
  node: Node,
  path: string,
  global: { scrapeIntervalMs: number; scrapeTimeoutMs: number },
  globals: ScrapeGlobals,
): ScrapeConfig[] {
  const out: ScrapeConfig[] = [];
  const names = new Map<string, number>();
  list(ctx, node, path, (item, key) => {
    const sc = parseScrapeConfig(ctx, item, key, global, globals);
    if (names.has(sc.jobName)) throw ctx.error(item, `${key}.job_name`, `found multiple scrape configs with job name ${JSON.stringify(sc.jobName)}`);
    names.set(sc.jobName, out.length);
    out.push(sc);
  });
  return out;
}

function parseScrapeConfig(
  ctx: Ctx,
  node: Node,
  path: string,
  global: { scrapeIntervalMs: number; scrapeTimeoutMs: number },
  g: ScrapeGlobals,
): ScrapeConfig {
  let interval: number | undefined;
  let timeout: number | undefined;
  const sc = newScrapeConfig('', global, g);
  const unsupported: Record<string, KeyHandler> = {};
  for (const k of UNSUPPORTED_SD) {
    unsupported[k] = refused((n, key) => {
      throw ctx.error(n, key, 'this service discovery mechanism is not supported by Vigil (supported: static_configs, file_sd_configs, http_sd_configs, dns_sd_configs)');
    });
  }
  const httpCfg = httpClientHandlers(ctx, sc.http);
  ctx.map(node, path, {
    job_name: (n, key) => {
      sc.jobName = ctx.string(n, key);
      if (sc.jobName === '') throw ctx.error(n, key, 'job_name is empty');
    },
    scrape_interval: (n, key) => {
      interval = ctx.positiveDuration(n, key);
    },
    scrape_timeout: (n, key) => {
      timeout = ctx.positiveDuration(n, key);
    },
    metrics_path: (n, key) => {
      sc.metricsPath = ctx.string(n, key);
    },
    scheme: (n, key) => {
      const s = ctx.string(n, key);
      if (s !== 'http' && s !== 'https') throw ctx.error(n, key, `invalid scheme ${JSON.stringify(s)} (expected http or https)`);
      sc.scheme = s;
    },
    params: (n, key) =>
      ctx.map(n, key, (name, v, k) => {
        sc.params[name] = stringList(ctx, v, k);
      }),
    honor_labels: (n, key) => {
      sc.honorLabels = ctx.bool(n, key);
    },
    honor_timestamps: (n, key) => {
      sc.honorTimestamps = ctx.bool(n, key);
    },
    track_timestamps_staleness: (n, key) => {
      sc.trackTimestampsStaleness = ctx.bool(n, key);
    },
    scrape_protocols: (n, key) => {
      sc.scrapeProtocols = protocols(ctx, n, key);
    },
    fallback_scrape_protocol: (n, key) => {
      sc.fallbackScrapeProtocol = protocol(ctx, n, key);
    },
    enable_compression: (n, key) => {
      sc.enableCompression = ctx.bool(n, key);
    },
    // Vigil has no native histograms: classic histograms are always what is scraped, whatever these say.
    scrape_classic_histograms: (n, key) => void ctx.bool(n, key),
    always_scrape_classic_histograms: (n, key) => void ctx.bool(n, key),
    body_size_limit: (n, key) => {
      sc.bodySizeLimit = ctx.parsed(n, key, parseBytes);
    },
    sample_limit: (n, key) => {
      sc.sampleLimit = uint(ctx, n, key);
    },
    label_limit: (n, key) => {
      sc.labelLimit = uint(ctx, n, key);
    },
    label_name_length_limit: (n, key) => {
      sc.labelNameLengthLimit = uint(ctx, n, key);
    },
    label_value_length_limit: (n, key) => {
      sc.labelValueLengthLimit = uint(ctx, n, key);
    },
    target_limit: (n, key) => {
      sc.targetLimit = uint(ctx, n, key);
    },
    keep_dropped_targets: (n, key) => {
      sc.keepDroppedTargets = uint(ctx, n, key);
    },
    cardinality_budget: (n, key) => {
      sc.cardinalityBudget = uint(ctx, n, key);
    },
    relabel_configs: (n, key) => {
      sc.relabelConfigs = parseRelabelConfigs(ctx, n, key);
    },
    metric_relabel_configs: (n, key) => {
      sc.metricRelabelConfigs = parseRelabelConfigs(ctx, n, key);
    },
    static_configs: (n, key) => list(ctx, n, key, (item, k) => sc.sd.static.push(parseStaticConfig(ctx, item, k))),
    file_sd_configs: (n, key) => list(ctx, n, key, (item, k) => sc.sd.file.push(parseFileSD(ctx, item, k))),
    http_sd_configs: (n, key) => list(ctx, n, key, (item, k) => sc.sd.http.push(parseHttpSD(ctx, item, k))),
    dns_sd_configs: (n, key) => list(ctx, n, key, (item, k) => sc.sd.dns.push(parseDnsSD(ctx, item, k))),
    ...httpCfg.handlers,
    ...unsupported,
  });
  if (sc.jobName === '') throw ctx.error(node, `${path}.job_name`, 'job_name is empty');
  httpCfg.validate(node, path);
  sc.scrapeIntervalMs = interval ?? global.scrapeIntervalMs;
  if (timeout === undefined) {
    // As Prometheus: the global timeout, shrunk to the job's interval when longer.
    sc.scrapeTimeoutMs = Math.min(global.scrapeTimeoutMs, sc.scrapeIntervalMs);
  } else {
    if (timeout > sc.scrapeIntervalMs) {
      throw ctx.error(node, `${path}.scrape_timeout`, `scrape timeout greater than scrape interval for scrape config with job name ${JSON.stringify(sc.jobName)}`);
    }
    sc.scrapeTimeoutMs = timeout;
  }
  return sc;
}

/** A job with every setting at its default (inheriting from `global`) and no targets. */
export function newScrapeConfig(jobName: string, global: { scrapeIntervalMs: number; scrapeTimeoutMs: number }, g: ScrapeGlobals): ScrapeConfig {
  const d = SCRAPE_CONFIG_DEFAULTS;
  return {
    jobName,
    scrapeIntervalMs: global.scrapeIntervalMs,
    scrapeTimeoutMs: Math.min(global.scrapeTimeoutMs, global.scrapeIntervalMs),
    metricsPath: d.metricsPath,
    scheme: d.scheme,
    params: {},
    honorLabels: d.honorLabels,
    honorTimestamps: d.honorTimestamps,
    trackTimestampsStaleness: d.trackTimestampsStaleness,
    http: defaultHttp(),
    scrapeProtocols: [...g.scrapeProtocols],
    enableCompression: d.enableCompression,
    bodySizeLimit: g.bodySizeLimit,
    sampleLimit: g.sampleLimit,
    labelLimit: g.labelLimit,
    labelNameLengthLimit: g.labelNameLengthLimit,
    labelValueLengthLimit: g.labelValueLengthLimit,
    targetLimit: g.targetLimit,
    keepDroppedTargets: g.keepDroppedTargets,
    cardinalityBudget: d.cardinalityBudget,
    relabelConfigs: [],
    metricRelabelConfigs: [],
    sd: { static: [], file: [], http: [], dns: [] },
  };
}

function defaultHttp(): HttpClientConfig {
  return { tls: { insecureSkipVerify: false }, followRedirects: HTTP_CLIENT_DEFAULTS.followRedirects, enableHttp2: HTTP_CLIENT_DEFAULTS.enableHttp2 };
}

/** The HTTP client keys shared by scrape configs and http_sd_configs, and a check once all are read. */
function httpClientHandlers(ctx: Ctx, h: HttpClientConfig): { handlers: Record<string, KeyHandler>; validate: (node: Node, path: string) => void } {
  const dir = dirname(ctx.file);
  const file = (n: Node, key: string) => resolve(dir, ctx.string(n, key));
  let bearer: { credentials: string; credentialsFile?: string } | undefined;
  let authNode: Node | undefined;
  const handlers: Record<string, KeyHandler> = {
    basic_auth: (n, key) => {
      const b = { username: '', password: '' } as NonNullable<HttpClientConfig['basicAuth']>;
      ctx.map(n, key, {
        username: (n, key) => void (b.username = ctx.string(n, key)),
        username_file: (n, key) => void (b.usernameFile = file(n, key)),
        password: (n, key) => void (b.password = ctx.string(n, key)),
        password_file: (n, key) => void (b.passwordFile = file(n, key)),
      });
      if (b.username !== '' && b.usernameFile) throw ctx.error(n, key, 'at most one of basic_auth username & username_file must be configured');
      if (b.password !== '' && b.passwordFile) throw ctx.error(n, key, 'at most one of basic_auth password & password_file must be configured');
      h.basicAuth = b;
      authNode ??= n;
    },
    authorization: (n, key) => {
      const a = { type: 'Bearer', credentials: '' } as NonNullable<HttpClientConfig['authorization']>;
      ctx.map(n, key, {
        type: (n, key) => void (a.type = ctx.string(n, key)),
        credentials: (n, key) => void (a.credentials = ctx.string(n, key)),
        credentials_file: (n, key) => void (a.credentialsFile = file(n, key)),
      });
      if (a.type.toLowerCase() === 'basic') throw ctx.error(n, `${key}.type`, 'authorization type cannot be set to "basic", use "basic_auth" instead');
      if (a.credentials !== '' && a.credentialsFile) throw ctx.error(n, key, 'at most one of authorization credentials & credentials_file must be configured');
      h.authorization = a;
    },
    bearer_token: (n, key) => {
      bearer = { ...bearer, credentials: ctx.string(n, key) };
    },
    bearer_token_file: (n, key) => {
      bearer = { credentials: bearer?.credentials ?? '', credentialsFile: file(n, key) };
    },
    tls_config: (n, key) => parseTls(ctx, n, key, h.tls),
    follow_redirects: (n, key) => void (h.followRedirects = ctx.bool(n, key)),
    enable_http2: (n, key) => void (h.enableHttp2 = ctx.bool(n, key)),
  };
  for (const k of UNSUPPORTED_HTTP) {
    handlers[k] = refused((n, key) => {
      throw ctx.error(n, key, 'not supported by Vigil');
    });
  }
  return {
    handlers,
    validate: (node, path) => {
      if (bearer) {
        if (h.authorization) throw ctx.error(node, path, 'at most one of bearer_token, bearer_token_file & authorization must be configured');
        if (bearer.credentials !== '' && bearer.credentialsFile) throw ctx.error(node, path, 'at most one of bearer_token & bearer_token_file must be configured');
        h.authorization = { type: 'Bearer', ...bearer };
      }
      if (h.basicAuth && h.authorization) {
        throw ctx.error(authNode ?? node, `${path}.basic_auth`, 'at most one of basic_auth, bearer_token & bearer_token_file & authorization must be configured');
      }
    },
  };
}

const TLS_VERSIONS: readonly TlsVersion[] = ['TLS10', 'TLS11', 'TLS12', 'TLS13'];

function parseTls(ctx: Ctx, node: Node, path: string, t: TlsConfig): void {
  const dir = dirname(ctx.file);
  const file = (n: Node, key: string) => resolve(dir, ctx.string(n, key));
  const version = (n: Node, key: string): TlsVersion => {
    const s = ctx.string(n, key);
    if (!(TLS_VERSIONS as readonly string[]).includes(s)) throw ctx.error(n, key, `unknown TLS version: ${s}`);
    return s as TlsVersion;
  };
  ctx.map(node, path, {
    ca: (n, key) => void (t.ca = ctx.string(n, key)),
    ca_file: (n, key) => void (t.caFile = file(n, key)),
    cert: (n, key) => void (t.cert = ctx.string(n, key)),
    cert_file: (n, key) => void (t.certFile = file(n, key)),
    key: (n, key) => void (t.key = ctx.string(n, key)),
    key_file: (n, key) => void (t.keyFile = file(n, key)),
    server_name: (n, key) => void (t.serverName = ctx.string(n, key)),
    insecure_skip_verify: (n, key) => void (t.insecureSkipVerify = ctx.bool(n, key)),
    min_version: (n, key) => void (t.minVersion = version(n, key)),
    max_version: (n, key) => void (t.maxVersion = version(n, key)),
  });
  if (t.ca !== undefined && t.caFile) throw ctx.error(node, path, 'at most one of ca and ca_file must be configured');
  if (t.cert !== undefined && t.certFile) throw ctx.error(node, path, 'at most one of cert and cert_file must be configured');
  if (t.key !== undefined && t.keyFile) throw ctx.error(node, path, 'at most one of key and key_file must be configured');
  const hasCert = t.cert !== undefined || t.certFile !== undefined;
  const hasKey = t.key !== undefined || t.keyFile !== undefined;
  if (hasCert !== hasKey) throw ctx.error(node, path, 'exactly one of key or key_file must be configured when a client certificate is configured');
}

export function parseRelabelConfigs(ctx: Ctx, node: Node, path: string): Rule[] {
  const out: Rule[] = [];
  list(ctx, node, path, (item, key) => {
    const c: RelabelConfig = { ...RELABEL_DEFAULTS, sourceLabels: [] };
    ctx.map(item, key, {
      source_labels: (n, k) => void (c.sourceLabels = stringList(ctx, n, k)),
      separator: (n, k) => void (c.separator = ctx.string(n, k)),
      regex: (n, k) => void (c.regex = ctx.string(n, k)),
      modulus: (n, k) => void (c.modulus = uint(ctx, n, k)),
      target_label: (n, k) => void (c.targetLabel = ctx.string(n, k)),
      replacement: (n, k) => void (c.replacement = ctx.string(n, k)),
      action: (n, k) => {
        const a = ctx.string(n, k).toLowerCase();
        if (a === '') throw ctx.error(n, k, 'relabel action cannot be empty');
        if (!(RELABEL_ACTIONS as readonly string[]).includes(a)) throw ctx.error(n, k, `unknown relabel action ${JSON.stringify(a)}`);
        c.action = a as RelabelAction;
      },
    });
    try {
      out.push(compileRule(c));
    } catch (err) {
      throw ctx.error(item, key, (err as Error).message);
    }
  });
  return out;
}

function parseStaticConfig(ctx: Ctx, node: Node, path: string): StaticConfig {
  const s: StaticConfig = { targets: [], labels: {} };
  ctx.map(node, path, {
    targets: (n, key) => void (s.targets = stringList(ctx, n, key)),
    labels: (n, key) => void (s.labels = labelMap(ctx, n, key)),
  });
  return s;
}

const FILE_SD_PATTERN = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;

function parseFileSD(ctx: Ctx, node: Node, path: string): FileSDConfig {
  const f: FileSDConfig = { files: [], refreshIntervalMs: SD_REFRESH_DEFAULTS.fileMs };
  ctx.map(node, path, {
    files: (n, key) => {
      for (const p of stringList(ctx, n, key)) {
        if (!FILE_SD_PATTERN.test(p)) throw ctx.error(n, key, `path name ${JSON.stringify(p)} is not valid for file discovery`);
        f.files.push(resolve(dirname(ctx.file), p));
      }
    },
    refresh_interval: (n, key) => void (f.refreshIntervalMs = ctx.positiveDuration(n, key)),
  });
  if (f.files.length === 0) throw ctx.error(node, `${path}.files`, 'file service discovery config must contain at least one path name');
  return f;
}

function parseHttpSD(ctx: Ctx, node: Node, path: string): HttpSDConfig {
  const h: HttpSDConfig = { url: '', refreshIntervalMs: SD_REFRESH_DEFAULTS.httpMs, http: defaultHttp() };
  const httpCfg = httpClientHandlers(ctx, h.http);
  ctx.map(node, path, {
    url: (n, key) => {
      const u = ctx.string(n, key);
      let parsed: URL;
      try {
        parsed = new URL(u);
      } catch {
        throw ctx.error(n, key, `invalid URL ${JSON.stringify(u)}`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw ctx.error(n, key, 'URL scheme must be \'http\' or \'https\'');
      if (parsed.host === '') throw ctx.error(n, key, 'host is missing in URL');
      h.url = u;
    },
    refresh_interval: (n, key) => void (h.refreshIntervalMs = ctx.positiveDuration(n, key)),
    ...httpCfg.handlers,
  });
  if (h.url === '') throw ctx.error(node, `${path}.url`, 'URL is missing');
  httpCfg.validate(node, path);
  return h;
}

function parseDnsSD(ctx: Ctx, node: Node, path: string): DnsSDConfig {
  const d: DnsSDConfig = { names: [], type: 'SRV', port: 0, refreshIntervalMs: SD_REFRESH_DEFAULTS.dnsMs };
  ctx.map(node, path, {
    names: (n, key) => void (d.names = stringList(ctx, n, key)),
    type: (n, key) => {
      const t = ctx.string(n, key).toUpperCase();
      if (!['SRV', 'A', 'AAAA', 'MX', 'NS'].includes(t)) throw ctx.error(n, key, `invalid DNS-SD records type ${JSON.stringify(t)}`);
      d.type = t as DnsRecordType;
    },
    port: (n, key) => {
      d.port = uint(ctx, n, key);
      if (d.port > 65535) throw ctx.error(n, key, 'port must be at most 65535');
    },
    refresh_interval: (n, key) => void (d.refreshIntervalMs = ctx.positiveDuration(n, key)),
  });
  if (d.names.length === 0) throw ctx.error(node, `${path}.names`, 'DNS-SD config must contain at least one SRV record name');
  if (d.type !== 'SRV' && d.port === 0) throw ctx.error(node, `${path}.port`, 'a port is required in DNS-SD configs for all record types except SRV');
  return d;
}

// ---------------------------------------------------------------------------
// Scalars and lists.

function list(ctx: Ctx, node: Node, path: string, each: (item: Node, key: string) => void): void {
  if (isScalar(node) && node.value === null) return;
  if (!isSeq(node)) throw ctx.error(node, path, 'expected a list');
  node.items.forEach((item, i) => each(item as Node, `${path}[${i}]`));
}

function stringList(ctx: Ctx, node: Node, path: string): string[] {
  const out: string[] = [];
  list(ctx, node, path, (item, key) => out.push(ctx.string(item, key)));
  return out;
}

function labelMap(ctx: Ctx, node: Node, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  ctx.map(node, path, (name, v, key) => {
    if (name === '' || !isWellFormed(name)) throw ctx.error(v, key, `invalid label name ${JSON.stringify(name)}`);
    out[name] = ctx.string(v, key);
  });
  return out;
}

function uint(ctx: Ctx, node: Node, path: string): number {
  if (!isScalar(node) || typeof node.value !== 'number' || !Number.isSafeInteger(node.value) || node.value < 0) {
    throw ctx.error(node, path, 'expected a non-negative integer');
  }
  return node.value;
}

const PROTOCOLS: readonly ScrapeProtocol[] = ['OpenMetricsText1.0.0', 'OpenMetricsText0.0.1', 'PrometheusText1.0.0', 'PrometheusText0.0.4'];

function protocol(ctx: Ctx, node: Node, path: string): ScrapeProtocol {
  const s = ctx.string(node, path);
  if (!(PROTOCOLS as readonly string[]).includes(s)) {
    throw ctx.error(node, path, `unknown scrape protocol ${s}, supported: ${PROTOCOLS.join(', ')}`);
  }
  return s as ScrapeProtocol;
}

function protocols(ctx: Ctx, node: Node, path: string): ScrapeProtocol[] {
  const out: ScrapeProtocol[] = [];
  list(ctx, node, path, (item, key) => {
    const p = protocol(ctx, item, key);
    if (out.includes(p)) throw ctx.error(item, key, `duplicated protocol in scrape_protocols, got ${JSON.stringify(out.concat(p))}`);
    out.push(p);
  });
  if (out.length === 0) throw ctx.error(node, path, 'scrape_protocols cannot be empty');
  return out;
}
