import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLOBAL_DEFAULTS, parseConfig } from './config.js';

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
