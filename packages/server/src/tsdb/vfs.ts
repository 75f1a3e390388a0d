/**
 * The file layer the TSDB writes through. Every write, fsync, rename and
 * delete of the storage goes through a `Vfs`, so tests can swap in
 * `FaultyVfs` and make the disk "fill up" (ENOSPC) or fail (EIO) at a chosen
 * moment, then recover.
 *
 * Positions and lengths are byte counts as JS numbers. Writes are positional
 * (`pwrite`): callers track their own offsets, which makes "truncate back to
 * the last good offset" after a failed write a plain `truncate(offset)`.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';

export interface VfsStat {
  size: number;
  isDirectory: boolean;
}

/** An open file. Not safe for overlapping writes to the same range; the caller serialises. */
export interface VfsFile {
  readonly path: string;
  /** Writes all `len` bytes of `buf` from `off` at `position`; rejects if any byte could not be written. */
  pwrite(buf: Uint8Array, off: number, len: number, position: number): Promise<void>;
  /** Synchronous `pwrite`, for small writes where a thread-pool round trip costs more than the write. */
  pwriteSync(buf: Uint8Array, off: number, len: number, position: number): void;
  /** Appends at the end of the file as this handle knows it (its size at open plus what it wrote since). */
  append(buf: Uint8Array, off: number, len: number): Promise<void>;
  /** Reads up to `len` bytes at `position`; resolves to the number read (0 at end of file). */
  read(buf: Uint8Array, off: number, len: number, position: number): Promise<number>;
  readSync(buf: Uint8Array, off: number, len: number, position: number): number;
  /** fsync(2): data and metadata reach stable storage. */
  sync(): Promise<void>;
  truncate(len: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/**
 * `r`: read only. `r+`: read/write, must exist. `w+`: read/write, created or
 * emptied. `wx+`: read/write, must not exist.
 */
export type VfsOpenMode = 'r' | 'r+' | 'w+' | 'wx+';

export interface Vfs {
  open(path: string, mode: VfsOpenMode): Promise<VfsFile>;
  mkdir(path: string): Promise<void>;
  /** Entry names of a directory, sorted. */
  readdir(path: string): Promise<string[]>;
  /** Undefined when nothing exists at `path`. */
  stat(path: string): Promise<VfsStat | undefined>;
  /** Atomic on POSIX file systems; replaces an existing file (not a non-empty directory). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes a directory and everything under it; no error when it does not exist. */
  removeAll(path: string): Promise<void>;
  /** Makes directory entries (created, renamed, removed files) durable. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
}

class NodeFile implements VfsFile {
  readonly path: string;
  #fd: number;
  #handle: fsp.FileHandle;
  #end: number;

  constructor(p: string, handle: fsp.FileHandle, end: number) {
    this.path = p;
    this.#handle = handle;
    this.#fd = handle.fd;
    this.#end = end;
  }

  async pwrite(buf: Uint8Array, off: number, len: number, position: number): Promise<void> {
    let done = 0;
    while (done < len) {
      const { bytesWritten } = await this.#handle.write(buf, off + done, len - done, position + done);
      if (bytesWritten === 0) throw ioError('EIO', 'write', this.path, 'short write of 0 bytes');
      done += bytesWritten;
    }
    if (position + len > this.#end) this.#end = position + len;
  }

  pwriteSync(buf: Uint8Array, off: number, len: number, position: number): void {
    let done = 0;
    while (done < len) {
      const n = fs.writeSync(this.#fd, buf, off + done, len - done, position + done);
      if (n === 0) throw ioError('EIO', 'write', this.path, 'short write of 0 bytes');
      done += n;
    }
    if (position + len > this.#end) this.#end = position + len;
  }

  append(buf: Uint8Array, off: number, len: number): Promise<void> {
    return this.pwrite(buf, off, len, this.#end);
  }

  async read(buf: Uint8Array, off: number, len: number, position: number): Promise<number> {
    const { bytesRead } = await this.#handle.read(buf, off, len, position);
    return bytesRead;
  }

  readSync(buf: Uint8Array, off: number, len: number, position: number): number {
    return fs.readSync(this.#fd, buf, off, len, position);
  }

  sync(): Promise<void> {
    return this.#handle.sync();
  }

  async truncate(len: number): Promise<void> {
    await this.#handle.truncate(len);
    this.#end = len;
  }

  async size(): Promise<number> {
    return (await this.#handle.stat()).size;
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

/** The real file system, through node:fs. */
export class NodeVfs implements Vfs {
  async open(p: string, mode: VfsOpenMode): Promise<VfsFile> {
    const handle = await fsp.open(p, mode);
    try {
      const end = mode === 'w+' || mode === 'wx+' ? 0 : (await handle.stat()).size;
      return new NodeFile(p, handle, end);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async mkdir(p: string): Promise<void> {
    await fsp.mkdir(p, { recursive: true });
  }

  async readdir(p: string): Promise<string[]> {
    return (await fsp.readdir(p)).sort();
  }

  async stat(p: string): Promise<VfsStat | undefined> {
    try {
      const s = await fsp.stat(p);
      return { size: s.size, isDirectory: s.isDirectory() };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  }

  unlink(p: string): Promise<void> {
    return fsp.unlink(p);
  }

  removeAll(p: string): Promise<void> {
    return fsp.rm(p, { recursive: true, force: true });
  }

  async syncDir(p: string): Promise<void> {
    // Windows cannot open a directory for fsync; its file system orders
    // metadata updates itself, so there is nothing to do there.
    if (process.platform === 'win32') return;
    const handle = await fsp.open(p, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async readFile(p: string): Promise<Uint8Array> {
    return fsp.readFile(p);
  }
}

/** An error shaped like the ones node:fs throws (`code`, `syscall`, `path`). */
export function ioError(code: string, syscall: string, p: string, detail?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${detail ?? describeCode(code)}, ${syscall} '${p}'`);
  err.code = code;
  err.syscall = syscall;
  err.path = p;
  return err;
}

function describeCode(code: string): string {
  switch (code) {
    case 'ENOSPC':
      return 'no space left on device';
    case 'EIO':
      return 'i/o error';
    default:
      return 'injected fault';
  }
}

// ---------------------------------------------------------------------------
// Fault injection

/** Operations a fault can target. `write` covers pwrite, pwriteSync and append. */
export type FaultOp = 'write' | 'sync' | 'truncate' | 'open' | 'rename' | 'unlink' | 'mkdir' | 'syncDir';

export interface FaultRule {
  /** Which operations fail. */
  ops: readonly FaultOp[];
  /** errno code of the thrown error. */
  code: 'ENOSPC' | 'EIO' | 'EDQUOT' | 'EROFS';
  /** Only paths that contain this string or match this pattern. */
  path?: string | RegExp;
  /** Let this many matching operations succeed first. */
  skip?: number;
  /** Fail this many matching operations, then the rule retires. Unlimited when absent. */
  count?: number;
  /**
   * For writes: write the first half of the buffer before failing, as a real
   * disk filling up mid-write does.
   */
  partial?: boolean;
}

/** A handle on an installed rule: counts what it did, and can be switched off. */
export interface Fault {
  readonly rule: FaultRule;
  /** Matching operations seen so far. */
  readonly seen: number;
  /** Operations failed so far. */
  readonly failed: number;
  enabled: boolean;
}

class FaultState implements Fault {
  readonly rule: FaultRule;
  seen = 0;
  failed = 0;
  enabled = true;
  constructor(rule: FaultRule) {
    this.rule = rule;
  }
}

/**
 * Wraps a `Vfs` and fails chosen operations. A test double that is a real
 * file system with a switch: with no rules installed it behaves exactly like
 * the wrapped one.
 *
 * @example
 *   const vfs = new FaultyVfs(new NodeVfs());
 *   const full = vfs.inject({ ops: ['write'], code: 'ENOSPC', path: /wal/ });
 *   // ... writes fail ...
 *   full.enabled = false; // disk freed
 */
export class FaultyVfs implements Vfs {
  readonly inner: Vfs;
  #faults: FaultState[] = [];

  constructor(inner: Vfs) {
    this.inner = inner;
  }

  inject(rule: FaultRule): Fault {
    const f = new FaultState(rule);
    this.#faults.push(f);
    return f;
  }

  /** Removes every rule: the disk is healthy again. */
  clear(): void {
    this.#faults = [];
  }

  /** Returns the rule that fails this operation, if any, and counts it. */
  check(op: FaultOp, p: string): FaultState | undefined {
    for (const f of this.#faults) {
      if (!f.enabled || !f.rule.ops.includes(op)) continue;
      const pat = f.rule.path;
      if (pat !== undefined && (typeof pat === 'string' ? !p.includes(pat) : !pat.test(p))) continue;
      if (f.rule.count !== undefined && f.failed >= f.rule.count) continue;
      f.seen++;
      if (f.seen <= (f.rule.skip ?? 0)) continue;
      f.failed++;
      return f;
    }
    return undefined;
  }

  #fail(op: FaultOp, p: string): void {
    const f = this.check(op, p);
    if (f) throw ioError(f.rule.code, op, p);
  }

  async open(p: string, mode: VfsOpenMode): Promise<VfsFile> {
    this.#fail('open', p);
    return new FaultyFile(this, await this.inner.open(p, mode));
  }

  async mkdir(p: string): Promise<void> {
    this.#fail('mkdir', p);
    return this.inner.mkdir(p);
  }

  readdir(p: string): Promise<string[]> {
    return this.inner.readdir(p);
  }

  stat(p: string): Promise<VfsStat | undefined> {
    return this.inner.stat(p);
  }

  async rename(from: string, to: string): Promise<void> {
    this.#fail('rename', from);
    return this.inner.rename(from, to);
  }

  async unlink(p: string): Promise<void> {
    this.#fail('unlink', p);
    return this.inner.unlink(p);
  }

  async removeAll(p: string): Promise<void> {
    this.#fail('unlink', p);
    return this.inner.removeAll(p);
  }

  async syncDir(p: string): Promise<void> {
    this.#fail('syncDir', p);
    return this.inner.syncDir(p);
  }

  readFile(p: string): Promise<Uint8Array> {
    return this.inner.readFile(p);
  }
}

class FaultyFile implements VfsFile {
  readonly path: string;
  #vfs: FaultyVfs;
  #inner: VfsFile;
  #end = -1;

  constructor(vfs: FaultyVfs, inner: VfsFile) {
    this.#vfs = vfs;
    this.#inner = inner;
    this.path = inner.path;
  }

  async pwrite(buf: Uint8Array, off: number, len: number, position: number): Promise<void> {
    const f = this.#vfs.check('write', this.path);
    if (f) {
      if (f.rule.partial && len > 1) await this.#inner.pwrite(buf, off, len >> 1, position);
      throw ioError(f.rule.code, 'write', this.path);
    }
    await this.#inner.pwrite(buf, off, len, position);
    if (this.#end >= 0 && position + len > this.#end) this.#end = position + len;
  }

  pwriteSync(buf: Uint8Array, off: number, len: number, position: number): void {
    const f = this.#vfs.check('write', this.path);
    if (f) {
      if (f.rule.partial && len > 1) this.#inner.pwriteSync(buf, off, len >> 1, position);
      throw ioError(f.rule.code, 'write', this.path);
    }
    this.#inner.pwriteSync(buf, off, len, position);
    if (this.#end >= 0 && position + len > this.#end) this.#end = position + len;
  }

  async append(buf: Uint8Array, off: number, len: number): Promise<void> {
    if (this.#end < 0) this.#end = await this.#inner.size();
    await this.pwrite(buf, off, len, this.#end);
  }

  read(buf: Uint8Array, off: number, len: number, position: number): Promise<number> {
    return this.#inner.read(buf, off, len, position);
  }

  readSync(buf: Uint8Array, off: number, len: number, position: number): number {
    return this.#inner.readSync(buf, off, len, position);
  }

  async sync(): Promise<void> {
    const f = this.#vfs.check('sync', this.path);
    if (f) throw ioError(f.rule.code, 'fsync', this.path);
    return this.#inner.sync();
  }

  async truncate(len: number): Promise<void> {
    const f = this.#vfs.check('truncate', this.path);
    if (f) throw ioError(f.rule.code, 'ftruncate', this.path);
    await this.#inner.truncate(len);
    this.#end = len;
  }

  size(): Promise<number> {
    return this.#inner.size();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
