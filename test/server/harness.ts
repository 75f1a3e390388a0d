/**
 * Starts the real server as a child process, the way a user runs it (no
 * build step: `node --import tsx packages/server/src/main.ts`), on a free
 * port (`--web.listen-address=127.0.0.1:0`), and reads the actual address
 * from the "Server is ready to receive web requests." log line on stdout.
 * Each test stops the servers it started, by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'packages/server/src/main.ts');

export interface Running {
  proc: ChildProcess;
  pid: number;
  base: string;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function tempDir(prefix = 'vigil-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs the command to completion (for flag errors, lock failures, --help). */
export function run(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d));
    proc.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`vigil ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export async function startServer(dataDir: string, extraArgs: string[] = [], timeoutMs = 30_000): Promise<Running> {
  const args = ['--import', 'tsx', MAIN, '--web.listen-address=127.0.0.1:0', `--storage.tsdb.path=${dataDir}`, ...extraArgs];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  proc.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const base = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not become ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /msg="Server is ready to receive web requests\." address=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolvePromise(`http://${m[1]}`);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    proc,
    pid: proc.pid!,
    base,
    output: () => out,
    exited,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      process.kill(proc.pid!, signal);
      return exited;
    },
  };
}

/** Kills by PID whatever is still running (for afterEach). */
export async function killAll(servers: Running[]): Promise<void> {
  for (const s of servers.splice(0)) {
    if (s.proc.exitCode === null && s.proc.signalCode === null) {
      process.kill(s.pid, 'SIGKILL');
      await s.exited;
    }
  }
}
