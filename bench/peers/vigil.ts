/**
 * Vigil's own server as a process, started the way a user starts it (`npm
 * start` runs the compiled `dist/main.js`; `npm run bench` builds first), so
 * its HTTP ingestion can be measured exactly like a peer's. Without a build,
 * it runs the sources through tsx (slower: figures are not comparable).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { freePort, startPeer, type PeerProcess } from './process.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST_MAIN = join(REPO, 'packages/server/dist/main.js');

export interface VigilServerOptions {
  /** --storage.tsdb.path */
  dataDir: string;
  /** Directory for the log. */
  workDir: string;
  extraFlags?: string[];
}

export async function startVigilServer(o: VigilServerOptions): Promise<PeerProcess> {
  const port = await freePort();
  return startPeer({
    name: 'vigil',
    binary: process.execPath,
    args: [
      // e.g. VIGIL_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server under load.
      ...(process.env.VIGIL_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      ...(existsSync(DIST_MAIN) ? [DIST_MAIN] : ['--import', 'tsx', join(REPO, 'packages/server/src/main.ts')]),
      `--storage.tsdb.path=${o.dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // The dataset lies in the past: keep it whatever its age.
      '--storage.tsdb.retention.time=0',
      '--log.level=warn',
      ...(o.extraFlags ?? []),
      // e.g. VIGIL_BENCH_FLAGS='--ingest.parse-workers=2' to measure a setting.
      ...(process.env.VIGIL_BENCH_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    port,
    cwd: REPO,
    logFile: join(o.workDir, 'vigil.log'),
    readyPath: '/-/ready',
  });
}
