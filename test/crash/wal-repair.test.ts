/**
 * A server whose WAL tail was torn or overwritten starts anyway: it drops the
 * damaged tail with a warning naming the segment, offset and bytes dropped,
 * and serves everything before it.
 */
import { appendFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type Running } from '../server/harness.js';

describe('WAL tail repair at start', () => {
  const dirs: string[] = [];
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const damage of ['torn', 'garbage'] as const) {
    it(`starts after a ${damage} tail and keeps the batches before it`, async () => {
      const dir = tempDir('vigil-walrepair-');
      dirs.push(dir);
      let srv = await startServer(dir);
      running.push(srv);
      const now = Date.now();
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${srv.base}/api/v1/import/prometheus`, { method: 'POST', body: `repair_test{i="${i}"} ${i} ${now - 1000 + i}\n` });
        expect(res.status).toBe(200);
      }
      await srv.stop('SIGKILL');

      const wal = join(dir, 'wal');
      const seg = readdirSync(wal).filter((n) => /^\d{8}$/.test(n)).sort().at(-1)!;
      const path = join(wal, seg);
      const size = statSync(path).size;
      if (damage === 'torn') truncateSync(path, size - 7);
      else appendFileSync(path, Buffer.from('this is not a WAL record, it is garbage\n'));

      srv = await startServer(dir);
      running.push(srv);
      expect(srv.output()).toMatch(/level=warn[^\n]*segment[^\n]*/i);
      const out = await (await fetch(`${srv.base}/api/v1/export?${new URLSearchParams({ 'match[]': 'repair_test' })}`)).text();
      const got = out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { metric: { i: string } }).metric.i).sort();
      // The torn batch (the last one) is gone; everything before it is there.
      expect(got).toEqual(damage === 'torn' ? ['0', '1', '2', '3'] : ['0', '1', '2', '3', '4']);
      // And the server takes writes again.
      expect((await fetch(`${srv.base}/api/v1/import/prometheus`, { method: 'POST', body: `repair_test{i="9"} 9 ${now}\n` })).status).toBe(200);
      await srv.stop();
    });
  }
});
