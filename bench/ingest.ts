/**
 * `npm run bench -- ingest [--series=N] [--samples=N] [--connections=N] [--per-request=N] [--only=vigil,prometheus,victoria-metrics]`
 *
 * Push ingestion throughput over loopback, side by side with the peers
 * installed here, on the shared dataset (bench/dataset.ts) in time order
 * (as a sender streams it). For each protocol every system gets the same
 * pre-encoded request bodies, sent over a few concurrent connections; the
 * clock stops when the data is queryable (Vigil and Prometheus: when the last
 * request is acknowledged, which they do only after appending; VictoriaMetrics:
 * after `/internal/force_flush`). Figures: samples/s, and the server's CPU
 * seconds per million samples (from /proc, so the client's work is not
 * counted).
 *
 * Protocols are entries of `PROTOCOLS`: each encodes the dataset into bodies
 * and knows its endpoint on each system. Remote write 1.0 is here; the line
 * protocol half adds an entry (Vigil `/write`, VictoriaMetrics `/write`,
 * InfluxDB) with the same shape.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, DEFAULT_DATASET } from './dataset.js';
import { prometheusBinary, startPrometheus } from './peers/prometheus.js';
import { readCpuSeconds, type PeerProcess } from './peers/process.js';
import { WriteRequestBuilder } from './peers/remote-write.js';
import { startVictoriaMetrics, victoriaMetricsBinary } from './peers/victoriametrics.js';
import { startVigilServer } from './peers/vigil.js';

export interface Body {
  data: Buffer;
  samples: number;
}

/** One system able to take a protocol: how to start it, where to send, how to make data queryable. */
export interface Target {
  system: string;
  start(dataDir: string, workDir: string): Promise<PeerProcess>;
  path: string;
  headers: Record<string, string>;
  /** Called after the last acknowledged request; resolves when everything sent is queryable. */
  settle?(peer: PeerProcess): Promise<void>;
}

export interface IngestProtocol {
  name: string;
  encode(ds: Dataset, perRequest: number): Body[];
  targets(): Target[];
}

const RW_HEADERS = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

const remoteWrite: IngestProtocol = {
  name: 'remote write 1.0',
  encode(ds, perRequest) {
    const out: Body[] = [];
    const b = new WriteRequestBuilder();
    const labels = new Array(ds.seriesCount);
    const flush = () => {
      const samples = b.count;
      if (samples > 0) out.push({ data: b.finish(), samples });
    };
    for (const step of ds.steps()) {
      for (let i = 0; i < step.present.length; i++) {
        if (!step.present[i]) continue;
        b.add((labels[i] ??= ds.seriesLabels(i)), step.timestamps[i], step.values[i]);
        if (b.count >= perRequest) flush();
      }
    }
    flush();
    return out;
  },
  targets() {
    const t: Target[] = [{ system: 'vigil', start: (d, w) => startVigilServer({ dataDir: d, workDir: w }), path: '/api/v1/write', headers: RW_HEADERS }];
    const vm = victoriaMetricsBinary();
    if (vm) {
      t.push({
        system: 'victoria-metrics',
        start: (d, w) => startVictoriaMetrics({ binary: vm, dataDir: d, workDir: w }),
        path: '/api/v1/write',
        headers: RW_HEADERS,
        settle: async (peer) => {
          const res = await fetch(new URL('/internal/force_flush', peer.url));
          await res.arrayBuffer();
        },
      });
    }
    const prom = prometheusBinary();
    if (prom) {
      t.push({
        system: 'prometheus',
        start: (d, w) => startPrometheus({ binary: prom, dataDir: d, workDir: w, remoteWriteReceiver: true }),
        path: '/api/v1/write',
        headers: RW_HEADERS,
      });
    }
    return t;
  },
};

/** The protocols measured; the line-protocol half appends its entry here. */
export const PROTOCOLS: IngestProtocol[] = [remoteWrite];

interface Result {
  system: string;
  samples: number;
  seconds: number;
  cpuSeconds: number;
  failed: number;
  firstError?: string;
}

async function measure(target: Target, bodies: Body[], connections: number): Promise<Result> {
  const root = mkdtempSync(join(tmpdir(), `vigil-bench-ingest-${target.system}-`));
  const peer = await target.start(join(root, 'data'), root);
  try {
    const cpu0 = readCpuSeconds(peer.pid);
    const t0 = performance.now();
    let next = 0;
    let samples = 0;
    let failed = 0;
    let firstError: string | undefined;
    const url = peer.url + target.path;
    const worker = async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(url, { method: 'POST', body: bodies[i].data, headers: target.headers });
          const text = await res.text();
          if (res.ok) {
            samples += bodies[i].samples;
            break;
          }
          // Backpressure: retry as a sender would.
          if ((res.status === 429 || res.status >= 500) && attempt < 20) {
            await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
            continue;
          }
          failed += bodies[i].samples;
          firstError ??= `HTTP ${res.status}: ${text.slice(0, 200)}`;
          break;
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, worker));
    if (target.settle) await target.settle(peer);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = readCpuSeconds(peer.pid) - cpu0;
    return { system: target.system, samples, seconds, cpuSeconds, failed, firstError };
  } finally {
    await peer.stop(30_000);
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string', default: String(DEFAULT_DATASET.series) },
      samples: { type: 'string', default: '120' },
      connections: { type: 'string', default: '4' },
      'per-request': { type: 'string', default: '2000' },
      only: { type: 'string' },
    },
  });
  const ds = new Dataset({ series: Number(values.series), samples: Number(values.samples) });
  const connections = Number(values.connections);
  const only = values.only?.split(',');
  console.log(`dataset: ${ds.seriesCount} series × ${values.samples} samples (${ds.totalSamples} samples), ${connections} connections, ${values['per-request']} samples per request`);
  for (const proto of PROTOCOLS) {
    const bodies = proto.encode(ds, Number(values['per-request']));
    const bytes = bodies.reduce((a, b) => a + b.data.length, 0);
    console.log(`\n${proto.name}: ${bodies.length} requests, ${(bytes / 2 ** 20).toFixed(1)} MiB on the wire`);
    const results: Result[] = [];
    for (const t of proto.targets()) {
      if (only && !only.includes(t.system)) continue;
      const r = await measure(t, bodies, connections);
      results.push(r);
      if (r.failed > 0) console.log(`  ${t.system}: ${r.failed} samples refused, first: ${r.firstError}`);
    }
    const vigil = results.find((r) => r.system === 'vigil');
    console.log(`  ${'system'.padEnd(18)} ${'samples/s'.padStart(12)} ${'CPU s / M samples'.padStart(18)} ${'vigil ÷ peer (throughput)'.padStart(26)}`);
    for (const r of results) {
      const rate = r.samples / r.seconds;
      const cpu = r.cpuSeconds / (r.samples / 1e6);
      const ratio = vigil && r !== vigil ? (vigil.samples / vigil.seconds / rate).toFixed(2) : '';
      console.log(`  ${r.system.padEnd(18)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${cpu.toFixed(2).padStart(18)} ${ratio.padStart(26)}`);
    }
  }
}
