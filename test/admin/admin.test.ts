/** The TSDB admin endpoints end to end: delete series, clean tombstones, snapshot. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type Running } from '../server/harness.js';

describe('admin API', () => {
  const dirs: string[] = [];
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is off unless --web.enable-admin-api is given', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const srv = await startServer(dir);
    running.push(srv);
    expect((await fetch(`${srv.base}/api/v1/admin/tsdb/snapshot`, { method: 'POST' })).status).toBe(404);
    await srv.stop();
  });

  it('deletes series, cleans tombstones and snapshots blocks and head', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const srv = await startServer(dir, ['--web.enable-admin-api']);
    running.push(srv);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const hour = 3600_000;
    let body = '';
    for (const k of ['keep', 'drop']) {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let t = now - 24 * hour; t <= now; t += 60_000) {
        timestamps.push(t);
        values.push(t / 60_000);
      }
      body += JSON.stringify({ metric: { __name__: 'adm', k }, values, timestamps }) + '\n';
    }
    expect((await fetch(`${srv.base}/api/v1/import`, { method: 'POST', body })).status).toBe(200);

    const counts = async () => {
      const res = await fetch(`${srv.base}/api/v1/export?${new URLSearchParams({ 'match[]': 'adm' })}`);
      const out: Record<string, number> = {};
      for (const line of (await res.text()).split('\n')) {
        if (!line) continue;
        const row = JSON.parse(line) as { metric: { k: string }; values: number[] };
        out[row.metric.k] = (out[row.metric.k] ?? 0) + row.values.length;
      }
      return out;
    };
    expect(await counts()).toEqual({ keep: 24 * 60 + 1, drop: 24 * 60 + 1 });

    const del = await fetch(`${srv.base}/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': 'adm{k="drop"}', start: String((now - 20 * hour) / 1000), end: String(now / 1000) })}`, {
      method: 'POST',
    });
    expect(del.status).toBe(204);
    expect(await counts()).toEqual({ keep: 24 * 60 + 1, drop: 4 * 60 });
    expect((await fetch(`${srv.base}/api/v1/admin/tsdb/delete_series`, { method: 'POST' })).status).toBe(400);

    expect((await fetch(`${srv.base}/api/v1/admin/tsdb/clean_tombstones`, { method: 'POST' })).status).toBe(204);
    expect(await counts()).toEqual({ keep: 24 * 60 + 1, drop: 4 * 60 });

    const snap = await fetch(`${srv.base}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
    expect(snap.status).toBe(200);
    const { data } = (await snap.json()) as { data: { name: string } };
    const snapDir = join(dir, 'snapshots', data.name);
    expect(existsSync(snapDir)).toBe(true);
    const blocks = readdirSync(snapDir).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(existsSync(join(snapDir, b, 'index'))).toBe(true);
    await srv.stop();
  });
});
