/**
 * Crash safety end to end: writers import continuously while the server is
 * killed with SIGKILL at a random moment, several times. After each restart
 * every acknowledged batch is fully present, every unacknowledged batch is
 * either fully present or absent (never half), and the directory opens
 * cleanly.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, tempDir, type Running } from '../server/harness.js';

const WRITERS = 3;
const PER_REQUEST = 50;
const ROUNDS = 4;

describe('server crash safety', () => {
  const dir = tempDir('vigil-crash-');
  const running: Running[] = [];
  afterAll(async () => {
    for (const r of running) await r.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged sample across repeated kill -9', async () => {
    const base = Date.now() - 60_000;
    const acked = new Set<string>();
    const attempted = new Set<string>();
    const next = new Array<number>(WRITERS).fill(0);
    // Random but reproducible kill moments.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

    for (let round = 0; round < ROUNDS; round++) {
      const srv = await startServer(dir);
      running.push(srv);
      await verify(srv.base, acked, attempted);
      let killed = false;
      const writer = async (w: number) => {
        while (!killed) {
          const k = next[w]++;
          const key = `${w}/${k}`;
          attempted.add(key);
          let body = '';
          for (let j = 0; j < PER_REQUEST; j++) {
            body += `crash_test{writer="${w}"} ${k * 1000 + j} ${base + k * PER_REQUEST + j}\n`;
          }
          try {
            const res = await fetch(`${srv.base}/api/v1/import/prometheus`, { method: 'POST', body });
            if (res.status === 204 || res.status === 200) acked.add(key);
            else await res.text();
          } catch {
            return; // the server died under us
          }
        }
      };
      const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 300 + rnd() * 1200));
      killed = true;
      await srv.stop('SIGKILL');
      await Promise.all(writers);
    }
    const srv = await startServer(dir);
    running.push(srv);
    await verify(srv.base, acked, attempted);
    expect(acked.size).toBeGreaterThan(ROUNDS);
    await srv.stop('SIGTERM');
  });
});

async function verify(base: string, acked: Set<string>, attempted: Set<string>): Promise<void> {
  const res = await fetch(`${base}/api/v1/export?${new URLSearchParams({ 'match[]': 'crash_test' })}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  const perBatch = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { metric: Record<string, string>; values: number[] };
    const w = row.metric.writer;
    for (const v of row.values) {
      const key = `${w}/${Math.floor(v / 1000)}`;
      perBatch.set(key, (perBatch.get(key) ?? 0) + 1);
    }
  }
  for (const key of acked) expect(perBatch.get(key), `acknowledged batch ${key}`).toBe(PER_REQUEST);
  for (const [key, n] of perBatch) {
    expect(attempted.has(key), `batch ${key} was never sent`).toBe(true);
    expect(n, `batch ${key} is half visible`).toBe(PER_REQUEST);
  }
}
