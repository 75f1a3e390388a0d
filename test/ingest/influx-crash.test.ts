/**
 * Line protocol durability: concurrent writers send /write requests while
 * the server is killed with SIGKILL, three times. After each restart every acknowledged request
 * (HTTP 204) is fully present — acknowledgement comes after the WAL commit.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir, type Running } from '../server/harness.js';
import { exportSeries, startWithListeners } from './net.js';

const WRITERS = 3;
const LINES = 200;
const ROUNDS = 3;

describe('Influx line protocol: crash safety', () => {
  const dir = tempDir('vigil-influx-crash-');
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged request across kill -9', async () => {
    const t0 = Date.now() - 120_000;
    /** Acknowledged requests as `w/k`. */
    const acked: string[] = [];
    const next = new Array<number>(WRITERS).fill(0);

    for (let round = 0; round < ROUNDS; round++) {
      const { server } = await startWithListeners(dir, []);
      running.push(server);
      await verify(server.base, acked);
      let killed = false;
      const ackedBefore = acked.length;
      const writer = async (w: number) => {
        while (!killed) {
          const k = next[w]++;
          const lines: string[] = [];
          for (let j = 0; j < LINES; j++) lines.push(`crash,w=${w},k=${k} v=${j},u=${j * 2}i ${(t0 + k * LINES + j) * 1e6}`);
          try {
            const res = await fetch(`${server.base}/write?db=crash`, { method: 'POST', body: lines.join('\n') });
            if (res.status === 204) acked.push(`${w}/${k}`);
            else await res.text();
          } catch {
            return; // the server is gone
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      // Kill once this round has had some requests acknowledged (a count, not a time).
      while (acked.length < ackedBefore + 5 + round * 7) await new Promise((r) => setTimeout(r, 5));
      killed = true;
      await server.stop('SIGKILL');
      await Promise.all(writers);
    }
    const { server } = await startWithListeners(dir, []);
    running.push(server);
    await verify(server.base, acked);
    expect(acked.length).toBeGreaterThanOrEqual(5 * ROUNDS);
  });
});

async function verify(base: string, acked: string[]): Promise<void> {
  if (acked.length === 0) return;
  const rows = await exportSeries(base, '{__name__=~"crash_v|crash_u"}');
  const samples = new Map<string, number>();
  for (const r of rows) samples.set(`${r.metric.__name__}/${r.metric.w}/${r.metric.k}`, r.values.length);
  for (const a of acked) {
    expect(samples.get(`crash_v/${a}`), `request ${a} (field v)`).toBe(LINES);
    expect(samples.get(`crash_u/${a}`), `request ${a} (field u)`).toBe(LINES);
  }
}
