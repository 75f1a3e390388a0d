/**
 * Pushgateway semantics end to end, pushed with prom-client's Pushgateway
 * class and plain HTTP: PUT replaces a group, POST merges by metric family,
 * DELETE removes a group, grouping labels override pushed labels, pushed
 * timestamps are refused, a TTL expires idle groups, and groups survive a
 * restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Gauge, Pushgateway, Registry } from 'prom-client';
import { isStaleNaN } from '../../packages/server/src/model/value.js';
import { killAll, startServer, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, type Row } from './net.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

const OFF = ['--influx.listen-address=', '--graphite.listen-address=', '--statsd.listen-address=', '--opentsdb.listen-address='];

async function start(dir = tempDir(), extra: string[] = []): Promise<Running> {
  const s = await startServer(dir, [...OFF, ...extra]);
  servers.push(s);
  return s;
}

/** The live series: last value not a staleness marker. */
function live(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    const v = r.values[r.values.length - 1] as number | string | null;
    // /api/v1/export writes the staleness marker as "StaleNaN".
    if (v === null || v === 'StaleNaN' || (typeof v === 'number' && isStaleNaN(v))) continue;
    const { __name__, ...rest } = r.metric;
    const labels = Object.entries(rest)
      .sort()
      .map(([k, x]) => `${k}=${x}`)
      .join(',');
    out[`${__name__}{${labels}}`] = v as number;
  }
  return out;
}

async function query(base: string): Promise<Record<string, number>> {
  // Vigil scrapes itself as job="vigil": leave those out.
  return live(await exportSeries(base, '{job=~".+",job!="vigil",__name__!="push_time_seconds"}'));
}

describe('Pushgateway-compatible push', () => {
  it('PUT replaces the group, POST merges by family, DELETE removes (prom-client)', async () => {
    const s = await start();
    const reg = new Registry();
    const done = new Counter({ name: 'jobs_done_total', help: 'h', registers: [reg] });
    const last = new Gauge({ name: 'last_run_seconds', help: 'h', registers: [reg] });
    done.inc(3);
    last.set(12);
    const gw = new Pushgateway(s.base, {}, reg);
    await gw.push({ jobName: 'batch', groupings: { instance: 'i1' } });
    expect(await query(s.base)).toEqual({
      'jobs_done_total{instance=i1,job=batch}': 3,
      'last_run_seconds{instance=i1,job=batch}': 12,
    });

    // POST: only the pushed family is replaced.
    const reg2 = new Registry();
    new Gauge({ name: 'last_run_seconds', help: 'h', registers: [reg2] }).set(20);
    await new Pushgateway(s.base, {}, reg2).pushAdd({ jobName: 'batch', groupings: { instance: 'i1' } });
    expect(await query(s.base)).toEqual({
      'jobs_done_total{instance=i1,job=batch}': 3,
      'last_run_seconds{instance=i1,job=batch}': 20,
    });

    // PUT: the group becomes exactly what is pushed; the other family goes stale.
    await new Pushgateway(s.base, {}, reg2).push({ jobName: 'batch', groupings: { instance: 'i1' } });
    expect(await query(s.base)).toEqual({ 'last_run_seconds{instance=i1,job=batch}': 20 });

    // Another group is independent; DELETE removes only the addressed group.
    await fetch(`${s.base}/metrics/job/other`, { method: 'PUT', body: 'x 1\n' });
    const del = await fetch(`${s.base}/metrics/job/batch/instance/i1`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect(await query(s.base)).toEqual({ 'x{job=other}': 1 });
  });

  it('grouping labels override pushed ones; base64 values; timestamps and bad bodies refused; push_time_seconds', async () => {
    const s = await start();
    let res = await fetch(`${s.base}/metrics/job@base64/L3Zhci90bXA/zone/eu`, { method: 'PUT', body: '# TYPE h histogram\nh_bucket{le="1",zone="us"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n' });
    expect(res.status).toBe(200);
    expect(await query(s.base)).toEqual({
      'h_bucket{job=/var/tmp,le=+Inf,zone=eu}': 2,
      'h_bucket{job=/var/tmp,le=1.0,zone=eu}': 1,
      'h_count{job=/var/tmp,zone=eu}': 2,
      'h_sum{job=/var/tmp,zone=eu}': 3,
    });
    // POST of family h replaces all its series (bucket, sum, count).
    res = await fetch(`${s.base}/metrics/job@base64/L3Zhci90bXA/zone/eu`, { method: 'POST', body: '# TYPE h gauge\nh 5\n' });
    expect(res.status).toBe(200);
    expect(await query(s.base)).toEqual({ 'h{job=/var/tmp,zone=eu}': 5 });
    const pt = await exportSeries(s.base, '{__name__="push_time_seconds"}');
    expect(pt.map((r) => r.metric)).toEqual([{ __name__: 'push_time_seconds', job: '/var/tmp', zone: 'eu' }]);

    res = await fetch(`${s.base}/metrics/job/j`, { method: 'PUT', body: 'm 1 1700000000000\n' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('must not have timestamps');
    res = await fetch(`${s.base}/metrics/job/j`, { method: 'PUT', body: 'm{ 1\n' });
    expect(res.status).toBe(400);
    res = await fetch(`${s.base}/metrics/instance/x`, { method: 'PUT', body: 'm 1\n' });
    expect(res.status).toBe(400);
  });

  it('a group not pushed to within the TTL expires; groups survive a restart', async () => {
    const dir = tempDir();
    let s = await start(dir, ['--pushgateway.group-ttl=1s', '--pushgateway.write-interval=200ms']);
    await fetch(`${s.base}/metrics/job/keep`, { method: 'PUT', body: 'k 1\n' });
    await fetch(`${s.base}/metrics/job/short`, { method: 'PUT', body: 's 1\n' });
    expect(Object.keys(await query(s.base)).sort()).toEqual(['k{job=keep}', 's{job=short}']);
    // Keep one group alive by pushing to it; the other expires.
    const got = await eventually(
      async () => {
        await fetch(`${s.base}/metrics/job/keep`, { method: 'POST', body: 'k 2\n' });
        return query(s.base);
      },
      (q) => !('s{job=short}' in q),
    );
    expect(got).toEqual({ 'k{job=keep}': 2 });
    await s.stop();
    s = await start(dir, ['--pushgateway.write-interval=200ms']);
    const after = await eventually(
      async () => (await exportSeries(s.base, '{__name__="k"}'))[0]?.values.length ?? 0,
      (n) => n > 0,
    );
    expect(after).toBeGreaterThan(0);
    expect(s.output()).toContain('msg="Pushgateway groups restored" component=pushgateway groups=1');
  });
});
