import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { SCRAPE_GLOBAL_DEFAULTS } from './scrape.js';

const dir = join(import.meta.dirname, 'testdata');
const load = (name: string) => parseConfig(readFileSync(join(dir, name), 'utf8'), join(dir, name));

describe('scrape config', () => {
  it('loads a Prometheus user\'s scrape configuration as written', () => {
    const c = load('scrape_full.good.yml');
    expect(c.scrape.globals).toMatchObject({ sampleLimit: 50000, bodySizeLimit: 10 * 2 ** 20, scrapeProtocols: ['PrometheusText0.0.4', 'OpenMetricsText1.0.0'] });
    const [prom, node, bb, disc] = c.scrape.configs!;
    expect(prom).toMatchObject({ jobName: 'prometheus', scrapeIntervalMs: 5000, scrapeTimeoutMs: 5000, metricsPath: '/metrics', scheme: 'http' });
    expect(prom.sd.static).toEqual([{ targets: ['localhost:9090'], labels: {} }]);
    // Inherited from global.
    expect(prom).toMatchObject({ sampleLimit: 50000, bodySizeLimit: 10 * 2 ** 20, honorLabels: false, honorTimestamps: true, enableCompression: true });
    expect(node).toMatchObject({
      scrapeIntervalMs: 15000,
      scrapeTimeoutMs: 10000,
      honorLabels: true,
      honorTimestamps: false,
      trackTimestampsStaleness: true,
      labelLimit: 30,
      labelNameLengthLimit: 100,
      labelValueLengthLimit: 200,
      targetLimit: 100,
      keepDroppedTargets: 10,
      enableCompression: false,
      fallbackScrapeProtocol: 'PrometheusText0.0.4',
    });
    expect(node.sd.static[0].labels).toEqual({ env: 'prod' });
    expect(node.sd.file).toEqual([{ files: [join(dir, 'targets/*.json'), join(dir, 'more.yml')], refreshIntervalMs: 60_000 }]);
    expect(node.metricRelabelConfigs.map((r) => r.cfg)).toEqual([
      { sourceLabels: ['__name__'], separator: ';', regex: 'go_.*', modulus: 0, targetLabel: '', replacement: '$1', action: 'drop' },
    ]);
    expect(bb).toMatchObject({ metricsPath: '/probe', scheme: 'https', params: { module: ['http_2xx'] } });
    expect(bb.http.basicAuth).toEqual({ username: 'prom', password: '', passwordFile: join(dir, 'secret.txt') });
    expect(bb.http.tls).toEqual({ caFile: join(dir, 'ca.pem'), insecureSkipVerify: true, minVersion: 'TLS12' });
    expect(bb.relabelConfigs.map((r) => r.cfg.action)).toEqual(['replace', 'replace', 'replace', 'labelmap']);
    expect(disc.http.authorization).toEqual({ type: 'Bearer', credentials: 's3cr3t' });
    expect(disc.sd.http).toMatchObject([{ url: 'http://sd.example:8080/targets', refreshIntervalMs: 30_000 }]);
    expect(disc.sd.dns).toEqual([
      { names: ['_prometheus._tcp.example.com'], type: 'SRV', port: 0, refreshIntervalMs: 30_000 },
      { names: ['db.example.com'], type: 'A', port: 9187, refreshIntervalMs: 30_000 },
    ]);
    expect(disc.cardinalityBudget).toBe(1000);
  });

  it('has no scrape configs without the section, and an empty list with an empty one', () => {
    expect(load('empty.good.yml').scrape).toEqual({ globals: SCRAPE_GLOBAL_DEFAULTS, configs: undefined });
    expect(parseConfig('scrape_configs:\n', 'c.yml').scrape.configs).toEqual([]);
  });

  it('inherits global intervals wherever global is written, and shrinks the default timeout', () => {
    const c = parseConfig('scrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 2s\nglobal:\n  scrape_interval: 30s\n', 'c.yml');
    expect(c.scrape.configs!.map((s) => [s.scrapeIntervalMs, s.scrapeTimeoutMs])).toEqual([
      [30_000, 10_000],
      [2_000, 2_000],
    ]);
  });

  const bad: [string, RegExp][] = [
    ['scrape_timeout.bad.yml', /line 2: scrape_configs\[0\]\.scrape_timeout: scrape timeout greater than scrape interval for scrape config with job name "x"/],
    ['scrape_unknown_key.bad.yml', /scrape_unknown_key\.bad\.yml: line 5: scrape_configs\[0\]\.scrape_intervall: unknown key/],
    ['scrape_dup_job.bad.yml', /line 4: scrape_configs\[2\]\.job_name: found multiple scrape configs with job name "x"/],
    ['scrape_relabel_regex.bad.yml', /line 4: scrape_configs\[0\]\.relabel_configs\[0\]: error parsing regexp/],
    ['scrape_relabel_action.bad.yml', /line 5: scrape_configs\[0\]\.relabel_configs\[0\]\.action: unknown relabel action "replaze"/],
    ['scrape_hashmod.bad.yml', /line 4: scrape_configs\[0\]\.relabel_configs\[0\]: relabel configuration for hashmod requires non-zero modulus/],
    ['scrape_kubernetes.bad.yml', /line 4: scrape_configs\[0\]\.kubernetes_sd_configs: this service discovery mechanism is not supported/],
    ['scrape_file_sd.bad.yml', /line 4: scrape_configs\[0\]\.file_sd_configs\[0\]\.files: path name "targets\/\*\.txt" is not valid for file discovery/],
    ['scrape_dns_port.bad.yml', /scrape_configs\[0\]\.dns_sd_configs\[0\]\.port: a port is required/],
    ['scrape_auth.bad.yml', /at most one of basic_auth, bearer_token/],
    ['scrape_protocol.bad.yml', /line 2: global\.scrape_protocols\[1\]: unknown scrape protocol Protobuf/],
    ['scrape_scheme.bad.yml', /line 3: scrape_configs\[0\]\.scheme: invalid scheme "ftp"/],
    ['scrape_sample_limit.bad.yml', /line 3: scrape_configs\[0\]\.sample_limit: expected a non-negative integer/],
  ];
  it('lists only supported keys after an unknown one', () => {
    let msg = '';
    try {
      load('scrape_unknown_key.bad.yml');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/expected one of: .*scrape_interval.*static_configs/);
    expect(msg).not.toMatch(/kubernetes_sd_configs|oauth2|proxy_url/);
  });

  it.each(bad)('rejects %s', (name, re) => {
    expect(() => load(name)).toThrow(re);
  });
});
