import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, formatSeconds, type DatasetOptions, LATENCY_BUCKETS, writeText } from '../../bench/dataset.js';

const small: Partial<DatasetOptions> = { series: 1_234, samples: 60, seed: 7 };
const dir = mkdtempSync(join(tmpdir(), 'vigil-dataset-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Decimal places needed to print v exactly. */
function decimals(v: number): number {
  const s = String(v);
  if (s.includes('e')) return Infinity;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

describe('Dataset', () => {
  it('writes the same bytes for the same seed and different bytes for another', async () => {
    const a = join(dir, 'a.om');
    const b = join(dir, 'b.om');
    const c = join(dir, 'c.om');
    await writeText(new Dataset(small), a, 'openmetrics');
    await writeText(new Dataset(small), b, 'openmetrics');
    await writeText(new Dataset({ ...small, seed: 8 }), c, 'openmetrics');
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
  });

  it('has exactly the requested number of series, with unique label sets', () => {
    for (const series of [1, 17, 1_234, 3_000]) {
      const ds = new Dataset({ ...small, series });
      const keys = new Set<string>();
      let i = 0;
      for (const ls of ds.labels()) {
        keys.add(ls.key());
        expect(ds.seriesLabels(i++).equals(ls)).toBe(true);
      }
      expect(keys.size).toBe(series);
      expect(ds.seriesCount).toBe(series);
    }
  });

  it('gives a series the same samples whatever the dataset size', () => {
    const big = new Map<string, Float64Array>();
    for (const s of new Dataset({ ...small, series: 2_000 }).series()) big.set(s.labels.key(), s.values);
    for (const s of new Dataset({ ...small, series: 500 }).series()) {
      expect(big.get(s.labels.key())).toEqual(s.values);
    }
  });

  it('has node_exporter and HTTP label shapes, with instance and job on every series', () => {
    const byName = new Map<string, string[]>();
    for (const ls of new Dataset(small).labels()) {
      expect(ls.get('instance')).toMatch(/^host-\d{4}:(9100|8080)$/);
      expect(['node', 'api']).toContain(ls.get('job'));
      const names: string[] = [];
      ls.forEach((n) => names.push(n));
      byName.set(ls.metricName(), names);
    }
    expect(byName.get('node_cpu_seconds_total')).toEqual(['__name__', 'cpu', 'instance', 'job', 'mode']);
    expect(byName.get('node_filesystem_avail_bytes')).toEqual(['__name__', 'device', 'fstype', 'instance', 'job', 'mountpoint']);
    expect(byName.get('node_network_receive_bytes_total')).toEqual(['__name__', 'device', 'instance', 'job']);
    expect(byName.get('node_load1')).toEqual(['__name__', 'instance', 'job']);
    expect(byName.get('http_request_duration_seconds_bucket')).toEqual(['__name__', 'handler', 'instance', 'job', 'le']);
    expect(byName.get('http_requests_total')).toEqual(['__name__', 'code', 'handler', 'instance', 'job', 'method']);
    for (const n of ['node_memory_MemTotal_bytes', 'node_disk_read_bytes_total', 'http_request_duration_seconds_sum']) {
      expect(byName.has(n)).toBe(true);
    }
  });

  it('keeps metric families contiguous', () => {
    const seen = new Set<string>();
    let last = '';
    for (const ls of new Dataset(small).labels()) {
      const family = ls.metricName().replace(/_(bucket|sum|count)$/, '');
      if (family !== last) {
        expect(seen.has(family)).toBe(false);
        seen.add(family);
        last = family;
      }
    }
  });

  it('yields identical samples series by series and step by step', () => {
    const ds = new Dataset(small);
    const rows = [...ds.series()];
    const ts = rows.map(() => [] as number[]);
    const vs = rows.map(() => [] as number[]);
    for (const step of ds.steps()) {
      for (let i = 0; i < rows.length; i++) {
        if (!step.present[i]) continue;
        ts[i].push(step.timestamps[i]);
        vs[i].push(step.values[i]);
      }
    }
    for (let i = 0; i < rows.length; i++) {
      expect(rows[i].index).toBe(i);
      expect(ts[i]).toEqual([...rows[i].timestamps]);
      expect(vs[i]).toEqual([...rows[i].values]);
    }
    expect(rows.reduce((n, r) => n + r.values.length, 0)).toBe(ds.totalSamples);
  });

  it('has timestamps on the interval grid per instance, increasing, inside the range', () => {
    const ds = new Dataset(small);
    const { intervalMs, endMs } = ds.options;
    for (const s of ds.series()) {
      for (let j = 0; j < s.timestamps.length; j++) {
        expect(Number.isInteger(s.timestamps[j])).toBe(true);
        expect(s.timestamps[j]).toBeLessThan(endMs);
        expect(s.timestamps[j]).toBeGreaterThanOrEqual(ds.minTimeMs);
        if (j > 0) expect(s.timestamps[j] - s.timestamps[j - 1]).toBe(intervalMs);
      }
    }
  });

  it('has realistic value precision: counters grow in 2-decimal or integer steps, memory in pages', () => {
    let constants = 0;
    let partial = 0;
    let total = 0;
    const ds = new Dataset(small);
    for (const s of ds.series()) {
      total++;
      const v = s.values;
      const name = s.labels.metricName();
      if (v.every((x) => x === v[0])) constants++;
      if (v.length < ds.options.samples) partial++;
      for (let j = 0; j < v.length; j++) {
        expect(Number.isFinite(v[j])).toBe(true);
        if (name.endsWith('_total') && j > 0) expect(v[j]).toBeGreaterThanOrEqual(v[j - 1]);
        if (name === 'node_cpu_seconds_total' || name === 'node_load1') expect(decimals(v[j])).toBeLessThanOrEqual(2);
        if (name === 'node_disk_io_time_seconds_total') expect(decimals(v[j])).toBeLessThanOrEqual(3);
        if (/^node_(memory|filesystem)_.*_bytes$/.test(name)) expect(v[j] % 4096).toBe(0);
        if (/_(bytes|packets|errs|drop)_total$/.test(name) || name === 'http_requests_total') expect(Number.isInteger(v[j])).toBe(true);
      }
    }
    // Some constant series and some that start or stop mid-range, but not most.
    expect(constants).toBeGreaterThan(total * 0.02);
    expect(constants).toBeLessThan(total * 0.5);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(total * 0.2);
  });

  it('has cumulative histogram buckets consistent with _count', () => {
    const ds = new Dataset({ ...small, series: 400 });
    const groups = new Map<string, Map<string, Float64Array>>();
    for (const s of ds.series()) {
      const name = s.labels.metricName();
      if (!name.startsWith('http_request_duration_seconds')) continue;
      const key = `${s.labels.get('instance')} ${s.labels.get('handler')}`;
      if (!groups.has(key)) groups.set(key, new Map());
      groups.get(key)!.set(name.endsWith('_bucket') ? s.labels.get('le') : name, s.values);
    }
    expect(groups.size).toBeGreaterThan(0);
    for (const g of groups.values()) {
      if (g.size !== LATENCY_BUCKETS.length + 2) continue; // the last instance may be cut short
      const count = g.get('http_request_duration_seconds_count')!;
      for (let j = 0; j < count.length; j++) {
        for (let b = 1; b < LATENCY_BUCKETS.length; b++) {
          expect(g.get(LATENCY_BUCKETS[b])![j]).toBeGreaterThanOrEqual(g.get(LATENCY_BUCKETS[b - 1])![j]);
        }
        expect(g.get('+Inf')![j]).toBe(count[j]);
      }
    }
  });

  it('writes OpenMetrics with second timestamps and # EOF, Prometheus text with ms', async () => {
    const ds = new Dataset({ ...small, series: 30, samples: 4 });
    const om = join(dir, 'x.om');
    const prom = join(dir, 'x.prom');
    const omBytes = await writeText(ds, om, 'openmetrics');
    await writeText(ds, prom, 'prometheus');
    const omText = readFileSync(om, 'utf8');
    expect(Buffer.byteLength(omText)).toBe(omBytes);
    const omLines = omText.trimEnd().split('\n');
    const promLines = readFileSync(prom, 'utf8').trimEnd().split('\n');
    expect(omLines.at(-1)).toBe('# EOF');
    expect(omLines.length - 1).toBe(ds.totalSamples);
    expect(promLines.length).toBe(ds.totalSamples);
    const first = [...ds.series()][0];
    expect(promLines[0]).toBe(`${first.labels.metricName()}{instance="${first.labels.get('instance')}",job="${first.labels.get('job')}"} ${first.values[0]} ${first.timestamps[0]}`);
    expect(omLines[0]).toBe(promLines[0].replace(/ \d+$/, ` ${formatSeconds(first.timestamps[0])}`));
    const timeOrdered = join(dir, 'x-time.prom');
    await writeText(ds, timeOrdered, 'prometheus', 'time');
    const timeLines = readFileSync(timeOrdered, 'utf8').trimEnd().split('\n');
    expect([...timeLines].sort()).toEqual([...promLines].sort());
    const stamps = timeLines.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1] - ds.options.intervalMs);
    expect(formatSeconds(1735689584000)).toBe('1735689584');
    expect(formatSeconds(1735689584120)).toBe('1735689584.12');
    expect(formatSeconds(1735689584007)).toBe('1735689584.007');
  });
});
