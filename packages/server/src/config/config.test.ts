import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLOBAL_DEFAULTS, parseConfig } from './config.js';
import { pendingSectionNotes } from './pending.js';

const dir = join(import.meta.dirname, 'testdata');
const load = (name: string) => parseConfig(readFileSync(join(dir, name), 'utf8'), join(dir, name));

describe('config file', () => {
  it('parses every section of full.good.yml', () => {
    const c = load('full.good.yml');
    expect(c.global).toEqual({
      scrapeIntervalMs: 30_000,
      scrapeTimeoutMs: 5_000,
      evaluationIntervalMs: 15_000,
      externalLabels: { region: 'eu', replica: 'a' },
    });
    expect(c.storage).toEqual({
      path: join(dir, 'data-dir'),
      retentionTimeMs: 30 * 86400_000,
      retentionBytes: 10 * 2 ** 30,
      outOfOrderTimeWindowMs: 2 * 3600_000,
      walFsync: 'commit',
    });
  });

  it('gives defaults for an empty file and sets only present storage keys', () => {
    const c = load('empty.good.yml');
    expect(c.global).toEqual(GLOBAL_DEFAULTS);
    expect(c.storage).toEqual({});
    expect(parseConfig('storage:\n  tsdb:\n    wal_fsync: 5s\n', '/x/c.yml').storage).toEqual({ walFsync: 5000 });
  });

  it('shrinks the default scrape timeout to a shorter interval', () => {
    expect(parseConfig('global:\n  scrape_interval: 5s\n', 'c.yml').global.scrapeTimeoutMs).toBe(5000);
  });

  const bad: [string, RegExp][] = [
    ['unknown_key.bad.yml', /unknown_key\.bad\.yml: line 5: storage\.tsdb\.retention\.tme: unknown key \(expected one of: time, size\)/],
    ['bad_duration.bad.yml', /line 5: storage\.tsdb\.out_of_order_time_window: not a valid duration string: "1\.5h"/],
    ['bad_size.bad.yml', /line 4: storage\.tsdb\.retention\.size: not a valid size/],
    ['bad_fsync.bad.yml', /line 3: storage\.tsdb\.wal_fsync: not a valid duration string: "sometimes"/],
    ['unknown_section.bad.yml', /line 4: scrape_config: unknown key/],
    ['timeout_gt_interval.bad.yml', /global\.scrape_timeout: must not be greater than global\.scrape_interval/],
    ['bad_label.bad.yml', /line 3: global\.external_labels\.__reserved: invalid label name/],
    ['not_a_map.bad.yml', /line 1: storage: expected a mapping/],
    ['syntax.bad.yml', /syntax\.bad\.yml: line \d+: /],
  ];
  it.each(bad)('rejects %s', (name, re) => {
    expect(() => load(name)).toThrow(re);
  });

  it('rejects duplicate keys with their line', () => {
    expect(() => parseConfig('storage:\n  tsdb: {}\nstorage:\n  tsdb: {}\n', 'dup.yml')).toThrow(/dup\.yml: line 3: storage: duplicate key/);
  });
});

describe('config file: Prometheus sections Vigil does not act on yet', () => {
  it('loads a stock prometheus.yml as it is and keeps those sections', () => {
    const c = load('prometheus_stock.good.yml');
    expect(c.scrape.configs?.map((j) => j.jobName)).toEqual(['prometheus']);
    expect(c.storage).toEqual({ outOfOrderTimeWindowMs: 30 * 60_000 });
    const p = c.pending;
    expect(p.ruleFiles).toEqual(['first_rules.yml', 'rules/*.yml']);
    expect(p.alerting?.alertRelabelConfigs.map((r) => r.cfg.action)).toEqual(['drop']);
    expect(p.alerting?.alertmanagers).toEqual([
      expect.objectContaining({ scheme: 'http', api_version: 'v2', static_configs: [{ targets: ['alertmanager:9093'] }] }),
    ]);
    expect(p.remoteWrite).toHaveLength(1);
    expect(p.remoteWrite![0]).toMatchObject({ url: 'http://remote.example:8080/api/v1/write', name: 'long-term', remoteTimeoutMs: 30_000 });
    expect(p.remoteWrite![0].writeRelabelConfigs.map((r) => r.cfg.regex)).toEqual(['go_.*']);
    expect(p.remoteWrite![0].raw).toMatchObject({ queue_config: { max_shards: 50 }, headers: { 'X-Scope-OrgID': 'team-a' } });
    expect(p.remoteRead).toEqual([expect.objectContaining({ url: 'https://remote.example/api/v1/read', remoteTimeoutMs: 30_000 })]);
    expect(p.maxExemplars).toBe(100_000);
    expect(pendingSectionNotes(p).map((n) => n.section)).toEqual(['rule_files', 'alerting', 'remote_write', 'remote_read', 'storage.exemplars']);
  });

  it('has no pending sections in a file without them', () => {
    expect(load('full.good.yml').pending).toEqual({});
    expect(pendingSectionNotes({})).toEqual([]);
  });

  const bad: [string, RegExp][] = [
    ['pending_no_url.bad.yml', /line 2: remote_write\[0\]: url is required/],
    ['pending_queue_key.bad.yml', /line 4: remote_write\[0\]\.queue_config\.max_shardz: unknown key \(expected one of: capacity, max_shards/],
    ['pending_api_version.bad.yml', /line 3: alerting\.alertmanagers\[0\]\.api_version: must be one of v1, v2, got "v3"/],
    ['pending_rule_files.bad.yml', /line 1: rule_files: expected a list/],
  ];
  it.each(bad)('rejects %s', (name, re) => {
    expect(() => load(name)).toThrow(re);
  });
});
