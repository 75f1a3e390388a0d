/**
 * The data-directory lock: a `lock` file holding the owner's PID, created
 * exclusively. A lock left by a process that no longer exists (a crash) is
 * taken over with a warning; a live owner makes opening fail clearly.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../storage/errors.js';

/** Locks this process holds: a lock file with our own PID is only ours if it is in here (PIDs get reused). */
const held = new Set<string>();

export class DirLock {
  readonly path: string;
  #released = false;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(dir: string, warn: (msg: string, f?: Record<string, unknown>) => void): DirLock {
    const path = join(dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        held.add(path);
        return new DirLock(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
        const ours = pid === process.pid ? held.has(path) : Number.isInteger(pid) && pid > 0 && isAlive(pid);
        if (ours) {
          throw new StorageError(
            'locked',
            `cannot open storage: the data directory ${dir} is locked by another running Vigil (pid ${pid}); stop it or use another --storage.tsdb.path`,
          );
        }
        warn('Taking over a stale data-directory lock (its process is gone; the last run did not shut down cleanly)', { path, pid });
        rmSync(path, { force: true });
      }
    }
    throw new StorageError('locked', `cannot open storage: cannot create the lock file ${path}`);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    held.delete(this.path);
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
