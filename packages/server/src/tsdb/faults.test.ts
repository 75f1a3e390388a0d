import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { readAll } from '../storage/conformance.js';
import { StorageError } from '../storage/errors.js';
import { TSDB } from './db.js';
import { FaultyVfs, NodeVfs } from './vfs.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('tsdb under disk faults', () => {
  for (const code of ['ENOSPC', 'EIO'] as const) {
    it(`a commit that cannot reach the WAL (${code}) fails clearly, queries keep working, and ingestion resumes by itself`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
      dirs.push(dir);
      const vfs = new FaultyVfs(new NodeVfs());
      let db = await TSDB.open({ dir, vfs, compactionIntervalMs: 0, walFsync: 'commit' });
      const lab = Labels.fromObject({ __name__: 'f' });
      const write = async (t: number) => {
        const app = db.appender();
        app.append(0, lab, t, t);
        await app.commit();
      };
      for (let t = 1; t <= 10; t++) await write(t * 1000);

      const full = vfs.inject({ ops: ['write', 'sync'], code, path: 'wal', partial: true });
      const err = await write(11_000).catch((e) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('wal_write_failed');
      expect((err as Error).message).toMatch(/write-ahead log/);
      // Reads are unaffected and the failed batch is not visible.
      expect(readAll(db, [new Matcher('=', '__name__', 'f')])[0].ts.length).toBe(10);
      await expect(write(12_000)).rejects.toThrowError(StorageError);

      full.enabled = false;
      await write(13_000);
      await write(14_000);
      expect(readAll(db, [new Matcher('=', '__name__', 'f')])[0].ts.slice(-2)).toEqual([13_000, 14_000]);

      await db.close();
      db = await TSDB.open({ dir, compactionIntervalMs: 0 });
      const ts = readAll(db, [new Matcher('=', '__name__', 'f')])[0].ts;
      expect(ts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14].map((s) => s * 1000));
      await db.close();
    });
  }

  it('logs the series record again after the commit that first carried it failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-faults-'));
    dirs.push(dir);
    const vfs = new FaultyVfs(new NodeVfs());
    let db = await TSDB.open({ dir, vfs, compactionIntervalMs: 0, walFsync: 'commit' });
    const lab = Labels.fromObject({ __name__: 'new_series' });
    const fault = vfs.inject({ ops: ['write', 'sync'], code: 'EIO', path: 'wal', partial: true });
    const first = db.appender();
    const ref = first.append(0, lab, 1000, 1);
    await expect(first.commit()).rejects.toThrowError(StorageError);
    expect(db.head.logged[ref]).toBe(0);
    fault.enabled = false;
    // The series is in the head, its record not in the WAL: this commit carries it.
    const second = db.appender();
    expect(second.append(ref, undefined, 2000, 2)).toBe(ref);
    await second.commit();
    expect(db.head.logged[ref]).toBe(1);
    await db.close();
    db = await TSDB.open({ dir, compactionIntervalMs: 0 });
    expect(readAll(db, [new Matcher('=', '__name__', 'new_series')])).toMatchObject([{ ts: [2000], vs: [2] }]);
    await db.close();
  });
});
