import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultyVfs, NodeVfs, type Vfs } from './vfs.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-vfs-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

// Both implementations behave the same when no fault is injected.
for (const [name, make] of [
  ['NodeVfs', () => new NodeVfs()],
  ['FaultyVfs without faults', () => new FaultyVfs(new NodeVfs())],
] as const) {
  describe(name, () => {
    let vfs: Vfs;
    beforeEach(() => {
      vfs = make();
    });

    it('writes positionally, appends, reads, truncates', async () => {
      const p = path.join(dir, 'f');
      const f = await vfs.open(p, 'wx+');
      await f.pwrite(bytes('hello world'), 0, 11, 0);
      await f.pwrite(bytes('W'), 0, 1, 6);
      f.pwriteSync(bytes('!!'), 0, 2, 11);
      await f.append(bytes('?'), 0, 1);
      expect(await f.size()).toBe(14);
      const buf = new Uint8Array(32);
      expect(await f.read(buf, 0, 32, 0)).toBe(14);
      expect(text(buf.subarray(0, 14))).toBe('hello World!!?');
      expect(f.readSync(buf, 0, 5, 6)).toBe(5);
      expect(text(buf.subarray(0, 5))).toBe('World');
      await f.truncate(5);
      await f.append(bytes('!'), 0, 1);
      await f.sync();
      await f.close();
      expect(text(await vfs.readFile(p))).toBe('hello!');
      await expect(vfs.open(p, 'wx+')).rejects.toMatchObject({ code: 'EEXIST' });
    });

    it('manages directories: mkdir, readdir sorted, stat, rename, unlink, removeAll, syncDir', async () => {
      const d = path.join(dir, 'a', 'b');
      await vfs.mkdir(d);
      await vfs.mkdir(d);
      for (const n of ['2', '10', '1']) await (await vfs.open(path.join(d, n), 'w+')).close();
      expect(await vfs.readdir(d)).toEqual(['1', '10', '2']);
      expect(await vfs.stat(d)).toEqual({ size: expect.any(Number), isDirectory: true });
      expect(await vfs.stat(path.join(d, 'nope'))).toBeUndefined();
      await vfs.rename(path.join(d, '1'), path.join(d, '3'));
      await vfs.unlink(path.join(d, '2'));
      await vfs.syncDir(d);
      expect(await vfs.readdir(d)).toEqual(['10', '3']);
      await vfs.removeAll(path.join(dir, 'a'));
      await vfs.removeAll(path.join(dir, 'a'));
      expect(await vfs.stat(path.join(dir, 'a'))).toBeUndefined();
    });
  });
}

describe('FaultyVfs', () => {
  it('fails writes by path pattern until the rule is switched off', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const full = vfs.inject({ ops: ['write'], code: 'ENOSPC', path: /wal/ });
    const walFile = await vfs.open(path.join(dir, 'wal-0'), 'w+');
    const other = await vfs.open(path.join(dir, 'other'), 'w+');
    await expect(walFile.pwrite(bytes('x'), 0, 1, 0)).rejects.toMatchObject({ code: 'ENOSPC', syscall: 'write' });
    expect(() => walFile.pwriteSync(bytes('x'), 0, 1, 0)).toThrow(/ENOSPC: no space left on device/);
    await other.pwrite(bytes('x'), 0, 1, 0);
    expect(full.failed).toBe(2);
    full.enabled = false;
    await walFile.pwrite(bytes('x'), 0, 1, 0);
    await walFile.close();
    await other.close();
  });

  it('fails a number of operations after skipping some, then retires', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    vfs.inject({ ops: ['sync'], code: 'EIO', skip: 1, count: 2 });
    const f = await vfs.open(path.join(dir, 'f'), 'w+');
    await f.sync();
    await expect(f.sync()).rejects.toMatchObject({ code: 'EIO', syscall: 'fsync' });
    await expect(f.sync()).rejects.toMatchObject({ code: 'EIO' });
    await f.sync();
    await f.close();
  });

  it('writes half the buffer before failing a partial write, like a disk filling up', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    vfs.inject({ ops: ['write'], code: 'ENOSPC', partial: true, count: 1 });
    const p = path.join(dir, 'f');
    const f = await vfs.open(p, 'w+');
    await expect(f.pwrite(bytes('abcdefgh'), 0, 8, 0)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await f.size()).toBe(4);
    await f.close();
  });

  it('can fail opens, renames, unlinks and directory syncs; clear() heals everything', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    vfs.inject({ ops: ['open', 'rename', 'unlink', 'syncDir', 'mkdir'], code: 'EIO' });
    await expect(vfs.open(path.join(dir, 'f'), 'w+')).rejects.toMatchObject({ code: 'EIO' });
    await expect(vfs.rename(path.join(dir, 'a'), path.join(dir, 'b'))).rejects.toMatchObject({ code: 'EIO' });
    await expect(vfs.unlink(path.join(dir, 'a'))).rejects.toMatchObject({ code: 'EIO' });
    await expect(vfs.removeAll(path.join(dir, 'a'))).rejects.toMatchObject({ code: 'EIO' });
    await expect(vfs.syncDir(dir)).rejects.toMatchObject({ code: 'EIO' });
    await expect(vfs.mkdir(path.join(dir, 'd'))).rejects.toMatchObject({ code: 'EIO' });
    vfs.clear();
    await (await vfs.open(path.join(dir, 'f'), 'w+')).close();
    await vfs.syncDir(dir);
  });
});
