/**
 * Prometheus as a benchmark peer: backfill blocks with promtool, start the
 * server on a data directory, query it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, freePort, runMeasured, startPeer, versionLine, type PeerProcess, type RunResult } from './process.js';

export const prometheusBinary = (): string | undefined => findBinary('prometheus');
export const promtoolBinary = (): string | undefined => findBinary('promtool');

export function prometheusVersion(binary: string): string {
  return versionLine(binary, ['--version']);
}

export interface PrometheusOptions {
  binary: string;
  /** --storage.tsdb.path */
  dataDir: string;
  /** Directory for the config file and the log. */
  workDir: string;
  /** prometheus.yml contents; the default scrapes nothing. */
  config?: string;
  remoteWriteReceiver?: boolean;
}

export async function startPrometheus(o: PrometheusOptions): Promise<PeerProcess> {
  const port = await freePort();
  const configFile = join(o.workDir, 'prometheus.yml');
  writeFileSync(configFile, o.config ?? 'global:\n  scrape_interval: 15s\n');
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${o.dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Backfilled data may be old: keep it whatever its age.
    '--storage.tsdb.retention.time=100y',
    '--log.level=warn',
  ];
  if (o.remoteWriteReceiver) args.push('--web.enable-remote-write-receiver');
  return startPeer({
    name: 'prometheus',
    binary: o.binary,
    args,
    port,
    cwd: o.workDir,
    logFile: join(o.workDir, 'prometheus.log'),
    readyPath: '/-/ready',
  });
}

export interface BackfilledBlock {
  ulid: string;
  minTime: number;
  maxTime: number;
  samples: number;
  chunks: number;
  series: number;
}

export interface BackfillResult extends RunResult {
  blocks: BackfilledBlock[];
}

/** `promtool tsdb create-blocks-from openmetrics INPUT OUTDIR`, with its CPU time. */
export async function createBlocksFromOpenMetrics(promtool: string, input: string, outDir: string, logFile: string): Promise<BackfillResult> {
  const r = await runMeasured(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', input, outDir], logFile);
  if (r.code !== 0) throw new Error(`cannot backfill with promtool: exit code ${r.code}: ${r.output.slice(-2000)}`);
  const blocks: BackfilledBlock[] = [];
  // Table rows: ULID MIN MAX DURATION SAMPLES CHUNKS SERIES SIZE
  for (const line of r.output.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && /^[0-9A-Z]{26}$/.test(f[0])) {
      blocks.push({ ulid: f[0], minTime: Number(f[1]), maxTime: Number(f[2]), samples: Number(f[4]), chunks: Number(f[5]), series: Number(f[6]) });
    }
  }
  return { ...r, blocks };
}
