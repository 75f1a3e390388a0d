/**
 * Backfill through the import API: a year of history, far older than the
 * out-of-order window, goes in next to live data, is written into blocks,
 * and reads back exactly — also after a restart.
 */
import { readdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type Running } from '../server/harness.js';

describe('backfill through /api/v1/import', () => {
  const dir = tempDir('vigil-backfill-');
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a year of hourly history next to live data and keeps it across a restart', async () => {
    let srv = await startServer(dir, ['--storage.tsdb.retention.time=2y']);
    running.push(srv);
    const now = Math.floor(Date.now() / 1000) * 1000;
    // Live data first, so that the history is far behind the newest sample.
    let res = await fetch(`${srv.base}/api/v1/import/prometheus`, { method: 'POST', body: `live{job="x"} 1 ${now}\n` });
    expect(res.status).toBe(200);

    const hour = 3600_000;
    const start = now - 365 * 24 * hour;
    const series = ['a', 'b', 'c'];
    const expected = new Map<string, { timestamps: number[]; values: number[] }>();
    let body = '';
    for (const s of series) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let t = start; t < now - hour; t += hour) {
        timestamps.push(t);
        values.push(Math.round((t - start) / hour) * 0.25);
      }
      expected.set(s, { timestamps, values });
      body += JSON.stringify({ metric: { __name__: 'history', s }, values, timestamps }) + '\n';
    }
    res = await fetch(`${srv.base}/api/v1/import`, { method: 'POST', body });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { data: { samplesAccepted: number } }).data.samplesAccepted).toBe(series.length * expected.get('a')!.timestamps.length);

    const check = async (base: string) => {
      const out = await fetch(`${base}/api/v1/export?${new URLSearchParams({ 'match[]': 'history', start: String(start / 1000 - 1) })}`);
      expect(out.status).toBe(200);
      const got = new Map<string, { timestamps: number[]; values: number[] }>();
      for (const line of (await out.text()).split('\n')) {
        if (!line) continue;
        const row = JSON.parse(line) as { metric: { s: string }; values: number[]; timestamps: number[] };
        const e = got.get(row.metric.s) ?? { timestamps: [], values: [] };
        e.timestamps.push(...row.timestamps);
        e.values.push(...row.values);
        got.set(row.metric.s, e);
      }
      for (const s of series) {
        const g = got.get(s)!;
        const e = expected.get(s)!;
        expect(g.timestamps.filter((t) => !e.timestamps.includes(t)).map((t) => new Date(t).toISOString()), 'unexpected').toEqual([]);
        expect(e.timestamps.filter((t) => !g.timestamps.includes(t)).map((t) => new Date(t).toISOString()), 'missing').toEqual([]);
        expect(g).toEqual(e);
      }
    };
    await check(srv.base);
    // Stop cleanly (compaction has had its chance), restart, read again.
    expect(await srv.stop('SIGTERM')).toBe(0);
    srv = await startServer(dir, ['--storage.tsdb.retention.time=2y']);
    running.push(srv);
    await check(srv.base);
    expect(readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).length).toBeGreaterThan(0);
    await srv.stop('SIGTERM');
  });
});
