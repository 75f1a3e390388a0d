/**
 * The ingest warm-up (ingest/common/warmup.ts) against the real server: it
 * runs before ready, leaves nothing behind (no series in the real storage,
 * no scratch directory), and real writes of series whose labels the
 * warm-up used land under their own refs; `--ingest.warmup=false` skips it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeV1, snappy, V1_HEADERS } from '../../packages/server/src/ingest/remotewrite/encoder.js';
import { killAll, startServer, tempDir, type Running } from '../server/harness.js';

const servers: Running[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await killAll(servers);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function exportAll(base: string, match: string): Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]> {
  const res = await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(match)}`);
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

/** Starts a server whose temporary directory (where the warm-up's scratch storage goes) is a fresh one of ours. */
async function start(extra: string[] = []): Promise<{ server: Running; tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-warmup-tmp-'));
  const data = tempDir();
  dirs.push(tmp, data);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    const server = await startServer(data, ['--influx.listen-address=', '--graphite.listen-address=', '--statsd.listen-address=', '--opentsdb.listen-address=', ...extra]);
    servers.push(server);
    return { server, tmp };
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

describe('ingest warm-up', () => {
  it('runs before ready and leaves no series and no scratch directory behind', async () => {
    const { server, tmp } = await start();
    expect(server.output()).toMatch(/msg="Ingest warm-up done" component=ingest samples=\d+ requests=\d+/);
    // (tsx, which runs the server from source here, keeps its cache there too.)
    expect(readdirSync(tmp).filter((f) => f.startsWith('vigil-scratch-'))).toEqual([]);
    const res = await fetch(`${server.base}/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+"}')}`);
    const body = (await res.json()) as { data: Record<string, string>[] };
    expect(body.data.filter((m) => m.job === 'node' || m.db === 'warmup')).toEqual([]);
  });

  it('does not confuse real series with the made-up ones of the same labels', async () => {
    const { server } = await start();
    const now = Date.now();
    // Labels the warm-up sent too (host 0's load average and up), as remote write and as line protocol.
    const rw = snappy(
      encodeV1([
        { labels: ['__name__', 'node_load1', 'instance', 'host-0.example:9100', 'job', 'node'], timestamps: [now - 1000, now], values: Float64Array.of(0.25, 0.5) },
        { labels: ['__name__', 'up', 'instance', 'host-0.example:9100', 'job', 'node'], timestamps: [now], values: Float64Array.of(0) },
      ]),
    );
    const w = await fetch(`${server.base}/api/v1/write`, { method: 'POST', headers: V1_HEADERS, body: rw });
    expect(w.status).toBe(204);
    const lp = `node_load5,instance=host-0.example:9100,job=node value=7.5 ${now}\n`;
    const l = await fetch(`${server.base}/write?db=warmup&precision=ms`, { method: 'POST', body: lp });
    expect(l.status).toBe(204);

    const rows = await exportAll(server.base, '{job="node"}');
    const byName = Object.fromEntries(rows.map((r) => [r.metric.__name__, r]));
    expect(Object.keys(byName).sort()).toEqual(['node_load1', 'node_load5_value', 'up']);
    expect(byName.node_load1.values).toEqual([0.25, 0.5]);
    expect(byName.node_load1.timestamps).toEqual([now - 1000, now]);
    expect(byName.up.values).toEqual([0]);
    expect(byName.node_load5_value.values).toEqual([7.5]);
    expect(byName.node_load5_value.metric.db).toBe('warmup');
  });

  it('is skipped with --ingest.warmup=false', async () => {
    const { server } = await start(['--ingest.warmup=false']);
    expect(server.output()).not.toMatch(/Ingest warm-up/);
  });
});
