/**
 * VictoriaMetrics (single node) as a benchmark peer: start it, import
 * Prometheus text, flush and merge, wait until background merges are done.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { selfMetrics } from './http.js';
import { findBinary, freePort, startPeer, type PeerProcess } from './process.js';

export const victoriaMetricsBinary = (): string | undefined => findBinary('victoria-metrics');

/** The version a running server reports (`-version` prints nothing in Debian's build). */
export async function victoriaMetricsVersion(peer: PeerProcess): Promise<string> {
  const res = await fetch(new URL('/metrics', peer.url), { signal: AbortSignal.timeout(10_000) });
  const m = /^vm_app_version\{[^}]*version="([^"]+)"/m.exec(await res.text());
  if (m) return m[1];
  try {
    const v = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'victoria-metrics'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return `victoria-metrics ${v.trim()} (Debian package)`;
  } catch {
    return 'victoria-metrics, unknown version';
  }
}

export interface VictoriaMetricsOptions {
  binary: string;
  /** -storageDataPath */
  dataDir: string;
  /** Directory for the log. */
  workDir: string;
}

export async function startVictoriaMetrics(o: VictoriaMetricsOptions): Promise<PeerProcess> {
  const port = await freePort();
  return startPeer({
    name: 'victoria-metrics',
    binary: o.binary,
    args: [`-storageDataPath=${o.dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-loggerLevel=WARN'],
    port,
    cwd: o.workDir,
    logFile: join(o.workDir, 'victoria-metrics.log'),
    readyPath: '/health',
  });
}

async function get(peer: PeerProcess, path: string): Promise<void> {
  const res = await fetch(new URL(path, peer.url), { signal: AbortSignal.timeout(600_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`cannot GET ${path} from victoria-metrics: HTTP ${res.status}: ${text.slice(0, 500)}`);
}

/**
 * Makes everything imported so far searchable and on disk, then merges all
 * parts and waits until no merge is running and no rows are pending, twice in
 * a row.
 */
export async function flushAndMerge(peer: PeerProcess, timeoutMs = 600_000): Promise<void> {
  await get(peer, '/internal/force_flush');
  await get(peer, '/internal/force_merge');
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error(`cannot merge in victoria-metrics: merges still running after ${timeoutMs} ms`);
    await sleep(1_000);
    const m = await selfMetrics(peer.url);
    const busy = (m.get('vm_active_merges') ?? 0) + (m.get('vm_pending_rows') ?? 0);
    quiet = busy === 0 ? quiet + 1 : 0;
  }
}
