import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { readAll, storageConformance } from '../storage/conformance.js';
import type { Storage } from '../storage/interface.js';
import { TSDB } from './db.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-tsdb-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const opened = new WeakMap<Storage, string>();
storageConformance('tsdb', {
  open: async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    opened.set(db, dir);
    return db;
  },
  reopen: async (s) => {
    const dir = opened.get(s)!;
    await s.close();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    opened.set(db, dir);
    return db;
  },
});

const L = (o: Record<string, string>) => Labels.fromObject(o);
const H = 3600_000;

describe('tsdb blocks and compaction', () => {
  it('cuts the head into blocks, reads across head and blocks, and survives reopen', async () => {
    const dir = tmp();
    let db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    const refs: number[] = [];
    // 10 hours of data at 1 min for 50 series.
    for (let t = 0; t < 10 * H; t += 60_000) {
      const app = db.appender();
      for (let i = 0; i < 50; i++) refs[i] = app.append(refs[i] ?? 0, L({ __name__: 'm', i: String(i) }), t, i + t / 60_000);
      await app.commit();
    }
    await db.compact();
    expect(db.blocks().length).toBeGreaterThan(0);
    expect(db.head.minT).toBeGreaterThanOrEqual(db.blocks()[db.blocks().length - 1].maxTime - 1);
    const check = (s: TSDB) => {
      const got = readAll(s, [new Matcher('=', 'i', '7')]);
      expect(got.length).toBe(1);
      expect(got[0].ts.length).toBe(600);
      expect(got[0].ts[0]).toBe(0);
      expect(got[0].vs[599]).toBe(7 + 599);
      const mid = readAll(s, [new Matcher('=~', 'i', '1|2')], 2 * H - 60_000, 2 * H + 60_000);
      expect(mid.map((r) => r.ts)).toEqual([
        [2 * H - 60_000, 2 * H, 2 * H + 60_000],
        [2 * H - 60_000, 2 * H, 2 * H + 60_000],
      ]);
    };
    check(db);
    await db.close();
    db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    check(db);
    // Force everything into blocks, then merge them.
    await db.compact({ all: true });
    check(db);
    await db.close();
  });

  it('accepts out-of-order samples in the window, refuses older ones unless backfilling, and merges overlapping blocks', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0, oooWindowMs: H });
    let app = db.appender();
    const ref = app.append(0, L({ __name__: 'x' }), 10 * H, 1);
    await app.commit();
    app = db.appender();
    app.append(ref, undefined, 10 * H - 30 * 60_000, 0.5);
    expect(() => app.append(ref, undefined, 8 * H, 0)).toThrowError(/too old/);
    await app.commit();
    // Backfill: far older data goes in through the same API.
    const bf = db.appender({ allowBackfill: true });
    for (let t = 0; t < 5 * H; t += 15 * 60_000) bf.append(0, L({ __name__: 'x' }), t, t);
    await bf.commit();
    await db.compact({ all: true });
    const [got] = readAll(db, [new Matcher('=', '__name__', 'x')]);
    expect(got.ts.length).toBe(20 + 2);
    expect(got.ts[got.ts.length - 2]).toBe(10 * H - 30 * 60_000);
    // No overlapping blocks remain.
    const metas = [...db.blocks()].sort((a, b) => a.minTime - b.minTime);
    for (let i = 1; i < metas.length; i++) expect(metas[i].minTime).toBeGreaterThanOrEqual(metas[i - 1].maxTime);
    await db.close();
  });

  it('deletes series through tombstones in blocks and the head', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    for (let t = 0; t < 6 * H; t += 60_000) {
      const app = db.appender();
      app.append(0, L({ __name__: 'd', k: 'a' }), t, 1);
      app.append(0, L({ __name__: 'd', k: 'b' }), t, 2);
      await app.commit();
    }
    await db.compact();
    await db.deleteSeries([new Matcher('=', 'k', 'a')], H, 5 * H);
    const count = () => readAll(db, [new Matcher('=', '__name__', 'd')]).map((r) => r.ts.length);
    expect(count()).toEqual([360 - 241, 360]);
    await db.compact({ all: true });
    expect(count()).toEqual([360 - 241, 360]);
    await db.close();
    const again = await TSDB.open({ dir, compactionIntervalMs: 0 });
    expect(readAll(again, [new Matcher('=', '__name__', 'd')]).map((r) => r.ts.length)).toEqual([360 - 241, 360]);
    await again.close();
  });

  it('applies time and size retention to blocks', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0, retentionMs: 4 * H });
    for (let t = 0; t < 12 * H; t += 60_000) {
      const app = db.appender();
      app.append(0, L({ __name__: 'r' }), t, t);
      await app.commit();
    }
    await db.compact();
    const [got] = readAll(db, [new Matcher('=', '__name__', 'r')]);
    expect(got.ts[0]).toBeGreaterThanOrEqual(6 * H);
    await db.close();
  });

  it('deletes the oldest blocks while blocks and WAL exceed the size retention', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0, retentionMs: 0 });
    for (let t = 0; t < 24 * H; t += 60_000) {
      const app = db.appender();
      for (let i = 0; i < 20; i++) app.append(0, L({ __name__: 'sz', i: String(i) }), t, Math.sin(t + i));
      await app.commit();
    }
    await db.compact();
    const blocksBefore = db.blocks().length;
    const total = db.diskUsage().totalBytes;
    expect(blocksBefore).toBeGreaterThan(2);
    await db.close();
    // Reopen with a limit of about half of what is stored.
    const limited = await TSDB.open({ dir, compactionIntervalMs: 0, retentionMs: 0, retentionBytes: Math.floor(total / 2) });
    await limited.compact();
    expect(limited.diskUsage().totalBytes).toBeLessThanOrEqual(Math.floor(total / 2));
    expect(limited.blocks().length).toBeLessThan(blocksBefore);
    // What is left is the newest data.
    const [got] = readAll(limited, [new Matcher('=', 'i', '0')]);
    expect(got.ts[got.ts.length - 1]).toBe(24 * H - 60_000);
    expect(got.ts[0]).toBeGreaterThan(0);
    await limited.close();
  });

  it('refuses samples far in the future, so one bad clock cannot make current samples too old', async () => {
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 0 });
    const now = Date.now();
    const app = db.appender({ allowBackfill: true });
    expect(() => app.append(0, L({ __name__: 'fut' }), now + 48 * H, 1)).toThrowError(/too far in the future/);
    app.append(0, L({ __name__: 'fut' }), now + H, 1);
    await app.commit();
    const next = db.appender();
    next.append(0, L({ __name__: 'fut2' }), now, 1);
    await next.commit();
    await db.close();
  });

  it('refuses a second open of the same directory with a clear message', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    await expect(TSDB.open({ dir })).rejects.toThrowError(/locked by another running Vigil/);
    await db.close();
    const again = await TSDB.open({ dir, compactionIntervalMs: 0 });
    await again.close();
  });

  it('keeps staleness markers bit-exact through blocks', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    const stale = new DataView(new ArrayBuffer(8));
    stale.setBigUint64(0, 0x7ff0000000000002n);
    const app = db.appender();
    for (let t = 0; t < 100; t++) app.append(0, L({ __name__: 's' }), t * 60_000, t % 10 === 0 ? stale.getFloat64(0) : t * 0.01);
    await app.commit();
    await db.compact({ all: true });
    const [got] = readAll(db, [new Matcher('=', '__name__', 's')]);
    expect(got.bits[10]).toBe('7ff0000000000002');
    expect(got.vs[11]).toBe(0.11);
    expect(readdirSync(dir).some((n) => /^[0-9A-Z]{26}$/.test(n))).toBe(true);
    await db.close();
  });
});

describe('tsdb self-metrics', () => {
  it('exposes appends, series, chunks, WAL, compactions, blocks, bytes and out-of-order counts', async () => {
    const { Registry } = await import('../metrics/registry.js');
    const registry = new Registry();
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 0, registry });
    for (let t = 0; t < 4 * H; t += 60_000) {
      const app = db.appender();
      app.append(0, L({ __name__: 'm' }), t, 1);
      await app.commit();
    }
    const app = db.appender();
    app.append(0, L({ __name__: 'm' }), 4 * H - 90_000, 1);
    expect(() => app.append(0, L({ __name__: 'm' }), 0, 1)).toThrow();
    await app.commit();
    await db.compact();
    const text = registry.expose();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('vigil_tsdb_head_samples_appended_total')).toBe(241);
    expect(value('vigil_tsdb_out_of_order_samples_appended_total')).toBe(1);
    expect(text).toMatch(/^vigil_tsdb_samples_rejected_total\{reason="too_old"\} 1$/m);
    expect(value('vigil_tsdb_head_series_created_total')).toBe(1);
    expect(value('vigil_tsdb_head_series')).toBe(1);
    expect(value('vigil_tsdb_head_chunks')).toBeGreaterThan(0);
    expect(value('vigil_tsdb_wal_fsyncs_total')).toBeGreaterThanOrEqual(0);
    expect(value('vigil_tsdb_wal_storage_size_bytes')).toBeGreaterThan(0);
    expect(value('vigil_tsdb_compactions_total')).toBeGreaterThan(0);
    expect(value('vigil_tsdb_compaction_duration_seconds_count')).toBeGreaterThan(0);
    expect(value('vigil_tsdb_blocks_loaded')).toBeGreaterThan(0);
    expect(value('vigil_tsdb_storage_blocks_bytes')).toBeGreaterThan(0);
    await db.close();
  });
});

describe('tsdb staged appends', () => {
  it('checks a sample against one still staged as against one in the chunks: same value taken, another refused', async () => {
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 0 });
    const app = db.appender();
    const ref = app.append(0, L({ __name__: 'd' }), 1000, 1);
    await app.commit();
    expect(db.head.staged).toBe(1);
    const again = db.appender();
    expect(() => again.append(ref, undefined, 1000, 2)).toThrow(/duplicate sample for timestamp/);
    expect(again.append(ref, undefined, 1000, 1)).toBe(ref);
    expect(again.append(ref, undefined, 2000, 2)).toBe(ref);
    await again.commit();
    expect(readAll(db, [new Matcher('=', '__name__', 'd')])).toMatchObject([{ ts: [1000, 2000], vs: [1, 2] }]);
    await db.close();
  });

  it("takes a known ref's common case from the head's columns, and never the ref of a series the head removed", async () => {
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 0 });
    const app = db.appender();
    const ref = app.append(0, L({ __name__: 'c' }), 1000, 1);
    // Not in the WAL yet: the full path, which remembers the series for this commit's series record.
    expect(app.append(ref, undefined, 2000, 2)).toBe(ref);
    await app.commit();
    expect(db.head.logged[ref]).toBe(1);
    const next = db.appender();
    expect(next.append(ref, undefined, 3000, 3)).toBe(ref);
    expect(db.head.appendedMaxT[ref]).toBe(3000);
    await next.commit();
    // Not newer than a sample taken: the full path checks it (a duplicate with another value is refused).
    const dup = db.appender();
    expect(() => dup.append(ref, undefined, 3000, 4)).toThrow(/duplicate sample for timestamp/);
    await dup.commit();
    expect(readAll(db, [new Matcher('=', '__name__', 'c')])).toMatchObject([{ ts: [1000, 2000, 3000], vs: [1, 2, 3] }]);

    // The series loses its data and is removed: its ref is unknown from then on, and its columns are reset.
    db.head.truncate(Infinity, Infinity);
    expect(db.head.get(ref)).toBeUndefined();
    expect(db.head.logged[ref]).toBe(0);
    const after = db.appender();
    expect(() => after.append(ref, undefined, 4000, 4)).toThrow(/unknown series ref/);
    const again = after.append(0, L({ __name__: 'c' }), 4000, 4);
    expect(again).not.toBe(ref);
    await after.commit();
    expect(readAll(db, [new Matcher('=', '__name__', 'c')])).toMatchObject([{ ts: [4000], vs: [4] }]);
    await db.close();
  });

  it('checks samples against those replayed from the WAL after a restart', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    const app = db.appender();
    app.append(0, L({ __name__: 'r' }), 1000, 1);
    await app.commit();
    await db.close();
    const again = await TSDB.open({ dir, compactionIntervalMs: 0 });
    const next = again.appender();
    expect(() => next.append(0, L({ __name__: 'r' }), 1000, 2)).toThrow(/duplicate sample for timestamp/);
    expect(next.append(0, L({ __name__: 'r' }), 1000, 1)).toBeGreaterThan(0);
    await next.commit();
    await again.close();
  });

  it('moves staged samples into the head soon after a commit without any read, and on close', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    const app = db.appender();
    app.append(0, L({ __name__: 'f' }), 1000, 1);
    await app.commit();
    expect(db.head.staged).toBe(1);
    for (let i = 0; i < 100 && db.head.staged > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(db.head.staged).toBe(0);
    expect(db.head.get(1)?.maxT).toBe(1000);
    const next = db.appender();
    next.append(0, L({ __name__: 'f' }), 2000, 2);
    await next.commit();
    await db.close();
    expect(db.head.staged).toBe(0);
    expect(db.head.get(1)?.maxT).toBe(2000);
  });

  it('cuts a head that spans more than 1.5 block ranges right after the commit, staged samples counted', async () => {
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 3_600_000 });
    const app = db.appender({ allowBackfill: true });
    for (let t = 0; t <= 10 * H; t += H) app.append(0, L({ __name__: 'span' }), t, t / H);
    await app.commit();
    for (let i = 0; i < 100 && db.blocks().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(db.blocks().length).toBeGreaterThan(0);
    expect(readAll(db, [new Matcher('=', '__name__', 'span')])).toMatchObject([{ ts: Array.from({ length: 11 }, (_, k) => k * H) }]);
    await db.close();
  });

  it('counts appended samples exactly in an exposition right after a commit', async () => {
    const { Registry } = await import('../metrics/registry.js');
    const registry = new Registry();
    const db = await TSDB.open({ dir: tmp(), compactionIntervalMs: 0, registry });
    const app = db.appender();
    for (let t = 0; t < 10; t++) app.append(0, L({ __name__: 'c' }), t * 1000, t);
    await app.commit();
    expect(db.head.staged).toBe(10);
    expect(registry.expose()).toMatch(/^vigil_tsdb_head_samples_appended_total 10$/m);
    await db.close();
  });
});

describe('tsdb snapshots', () => {
  it('a snapshot opens as a data directory of its own with blocks and head data', async () => {
    const dir = tmp();
    const db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    for (let t = 0; t < 5 * H; t += 60_000) {
      const app = db.appender();
      app.append(0, L({ __name__: 'snap' }), t, t);
      await app.commit();
    }
    await db.compact();
    expect(db.blocks().length).toBeGreaterThan(0);
    const name = await db.snapshot();
    await db.close();
    const copy = await TSDB.open({ dir: join(dir, 'snapshots', name), compactionIntervalMs: 0 });
    const [got] = readAll(copy, [new Matcher('=', '__name__', 'snap')]);
    expect(got.ts.length).toBe(300);
    expect(got.ts[299]).toBe(5 * H - 60_000);
    await copy.close();
  });
});
