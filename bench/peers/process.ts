/**
 * Running a peer binary for a benchmark: find it, start it on a free loopback
 * port with its own data directory, wait until it answers, read its memory
 * and CPU time from /proc, and stop it by PID (never by name: other copies
 * of the same program on this machine are not ours).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync, readdirSync, lstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Absolute path of an executable on PATH (or /usr/sbin, /usr/bin), or undefined. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const d of dirs) {
    if (d === '') continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A port that was free on 127.0.0.1 a moment ago (the peer binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Map<number, ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // If the benchmark dies, take down exactly the processes it started.
  process.on('exit', () => {
    for (const pid of running.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => process.exit(130));
  }
}

export interface PeerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly logFile: string;
  /** Whether the process has exited (by itself or by `stop`). */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  binary: string;
  args: string[];
  port: number;
  /** stdout and stderr go here (the benchmark's output stays readable). */
  logFile: string;
  cwd?: string;
  /** Path answering 200 once the peer is ready, e.g. `/-/ready`. */
  readyPath: string;
  readyTimeoutMs?: number;
}

export async function startPeer(o: StartOptions): Promise<PeerProcess> {
  installExitHook();
  const fd = openSync(o.logFile, 'a');
  const child = spawn(o.binary, o.args, { cwd: o.cwd, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`cannot start ${o.name}: ${err.message}`);
  }
  running.set(pid, child);
  let hasExited = false;
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', () => {
      hasExited = true;
      running.delete(pid);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${o.port}`;
  const peer: PeerProcess = {
    name: o.name,
    pid,
    port: o.port,
    url,
    logFile: o.logFile,
    exited: () => hasExited,
    async stop(graceMs = 30_000) {
      if (hasExited) return;
      process.kill(pid, 'SIGTERM');
      const killed = await Promise.race([exitedP.then(() => true), sleep(graceMs).then(() => false)]);
      if (!killed && !hasExited) {
        process.kill(pid, 'SIGKILL');
        await exitedP;
      }
    },
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (hasExited) throw new Error(`cannot start ${o.name}: it exited before becoming ready (see ${o.logFile})`);
    try {
      const res = await fetch(url + o.readyPath, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return peer;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await peer.stop(5_000);
      throw new Error(`cannot start ${o.name}: not ready after ${o.readyTimeoutMs ?? 60_000} ms (see ${o.logFile})`);
    }
    await sleep(100);
  }
}

export interface MemoryReading {
  /** VmRSS: resident memory, anonymous + file-backed + shared. */
  rssBytes: number;
  /** RssAnon: the heap part of it (no mapped files). */
  anonBytes: number;
}

export function readMemory(pid: number): MemoryReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { rssBytes: kb('VmRSS'), anonBytes: kb('RssAnon') };
}

/**
 * Memory once it has settled: waits `settleMs`, then takes the median of a
 * few readings, so one garbage-collection cycle does not decide the figure.
 */
export async function settledMemory(pid: number, settleMs = 2_000, readings = 5): Promise<MemoryReading> {
  await sleep(settleMs);
  const rss: number[] = [];
  const anon: number[] = [];
  for (let i = 0; i < readings; i++) {
    if (i > 0) await sleep(250);
    const m = readMemory(pid);
    rss.push(m.rssBytes);
    anon.push(m.anonBytes);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1];
  return { rssBytes: median(rss), anonBytes: median(anon) };
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/PID/stat after the command name (which may contain spaces). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
}

/** User + system CPU seconds the process has used so far (utime + stime). */
export function readCpuSeconds(pid: number): number {
  const f = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  // f[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
}

/** Apparent size in bytes of a file or a directory tree. */
export function diskBytes(path: string): number {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of readdirSync(path)) total += diskBytes(join(path, e));
  return total;
}

export interface RunResult {
  code: number;
  wallMs: number;
  /** CPU seconds of the program and its children (user + system). */
  cpuSeconds: number;
  output: string;
}

/**
 * Runs a program to completion and reports its CPU time. Node does not expose
 * a child's rusage, so the program runs under `sh`, which waits for it and
 * then prints its own /proc stat: the shell's cutime + cstime are exactly the
 * program's CPU time.
 */
export async function runMeasured(binary: string, args: string[], logFile: string): Promise<RunResult> {
  installExitHook();
  const script = '"$@" >>"$LOG" 2>&1; s=$?; cat /proc/$$/stat; exit $s';
  const start = performance.now();
  const child = spawn('/bin/sh', ['-c', script, 'sh', binary, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG: logFile },
  });
  if (child.pid !== undefined) running.set(child.pid, child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? -1));
  });
  if (child.pid !== undefined) running.delete(child.pid);
  const wallMs = performance.now() - start;
  const statLine = out.trim().split('\n').at(-1) ?? '';
  const f = statFields(statLine);
  // cutime and cstime are fields 16 and 17.
  const cpuSeconds = (Number(f[13]) + Number(f[14])) / ticksPerSecond();
  return { code, wallMs, cpuSeconds, output: readFileSync(logFile, 'utf8') };
}

/** Where a missing peer comes from, for the "skipped" line. */
export const DEBIAN_PACKAGE: Record<string, string> = {
  prometheus: 'prometheus',
  promtool: 'prometheus',
  'victoria-metrics': 'victoria-metrics',
};

export function missingPeerMessage(binary: string): string {
  return `${binary} not found on PATH: skipped (Debian/Ubuntu: apt-get install ${DEBIAN_PACKAGE[binary] ?? binary})`;
}

/** First line of a program's version output. */
export function versionLine(binary: string, args: string[]): string {
  try {
    const out = execText(binary, args);
    return out.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown version';
  } catch {
    return 'unknown version';
  }
}

function execText(binary: string, args: string[]): string {
  // Some tools print their version on stderr.
  try {
    return execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`;
  }
}
