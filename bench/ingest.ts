/**
 * `npm run bench -- ingest [--series=N] [--samples=N] [--connections=N] [--per-request=N] [--only=vigil,prometheus,victoria-metrics] [--protocols=rw,lp,other] [--warmup=F]`
 *
 * Push ingestion throughput over loopback, side by side with the peers
 * installed here, on the shared dataset (bench/dataset.ts) in time order
 * (as a sender streams it). For each protocol every system gets the same
 * pre-encoded request bodies, sent over a few concurrent keep-alive
 * connections by Node's own `http.request` (not `fetch`: on these 2-core
 * machines the load generator shares the CPU with the server it measures,
 * and undici's fetch spent three to four times the CPU per request, more
 * than the server itself); the
 * clock stops when the data is queryable (Vigil and Prometheus: when the last
 * request is acknowledged, which they do only after appending; VictoriaMetrics:
 * after `/internal/force_flush`). Figures: samples/s, and the server's CPU
 * seconds per million samples (from /proc, so the client's work is not
 * counted).
 *
 * `--warmup=F` (default 0: a cold start, as a fresh server meets its first
 * senders) first sends every system the first fraction F of the dataset's
 * steps as other series (each with `bench_phase="warmup"`), then starts the
 * clock: the measured part is the same data, now met by a server past its
 * start-up (for Vigil, its JIT compiler has compiled the hot paths).
 *
 * Protocols are entries of `PROTOCOLS`: each encodes the dataset into bodies
 * and knows its endpoint on each system. Remote write 1.0 is here; the line
 * protocol half adds an entry (Vigil `/write`, VictoriaMetrics `/write`,
 * InfluxDB) with the same shape.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, DEFAULT_DATASET } from './dataset.js';
import { Labels } from '../packages/server/src/model/labels.js';
import { linePrefix } from '../packages/server/src/ingest/influx/lines.js';
import { prometheusBinary, startPrometheus } from './peers/prometheus.js';
import { readCpuSeconds, type PeerProcess } from './peers/process.js';
import { WriteRequestBuilder } from './peers/remote-write.js';
import { startVictoriaMetrics, victoriaMetricsBinary } from './peers/victoriametrics.js';
import { startVigilServer } from './peers/vigil.js';
import { createSocket } from 'node:dgram';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { influxdBinary, startInfluxd } from './peers/influxdb.js';
import { freePort } from './peers/process.js';

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

/** What the encoders read of a dataset (a `Dataset`, or the warm-up's view of one). */
export type SeriesSource = Pick<Dataset, 'seriesCount' | 'seriesLabels' | 'steps'>;

/** The first `fraction` of `ds`'s steps, as other series: each gets `bench_phase="warmup"`. */
export function warmupSource(ds: Dataset, fraction: number): SeriesSource & { totalSamples: number } {
  const steps = Math.max(1, Math.round(ds.options.samples * fraction));
  let total = 0;
  for (const step of ds.steps(0, steps)) for (let i = 0; i < step.present.length; i++) total += step.present[i];
  return {
    seriesCount: ds.seriesCount,
    totalSamples: total,
    seriesLabels(i: number): Labels {
      const pairs: string[] = [];
      ds.seriesLabels(i).forEach((n, v) => pairs.push(n, v));
      return Labels.fromPairs([...pairs, 'bench_phase', 'warmup']);
    },
    steps: () => ds.steps(0, steps),
  };
}

export interface IngestProtocol {
  name: string;
  encode(ds: SeriesSource, perRequest: number): Body[];
  targets(): Target[];
}

const RW_HEADERS = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

export const remoteWrite: IngestProtocol = {
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
    // Ingest only (no self-scrape: its current samples would make the dataset's older ones too old mid-run).
    const t: Target[] = [{ system: 'vigil', start: (d, w) => startVigilServer({ dataDir: d, workDir: w, extraFlags: ingestOnlyFlags(w) }), path: '/api/v1/write', headers: RW_HEADERS }];
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
        // The same out-of-order window as Vigil's default: requests on concurrent connections overtake each other.
        start: (d, w) => startPrometheus({ binary: prom, dataDir: d, workDir: w, remoteWriteReceiver: true, config: PROMETHEUS_OOO_CONFIG }),
        path: '/api/v1/write',
        headers: RW_HEADERS,
      });
    }
    return t;
  },
};

/** Prometheus's config for the remote-write target: nothing scraped, a one-hour out-of-order window (Vigil's default). */
const PROMETHEUS_OOO_CONFIG = 'global:\n  scrape_interval: 15s\nstorage:\n  tsdb:\n    out_of_order_time_window: 1h\n';

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

async function measure(target: Target, bodies: Body[], connections: number, warmup: Body[]): Promise<Result> {
  const root = mkdtempSync(join(tmpdir(), `vigil-bench-ingest-${target.system}-`));
  const peer = await target.start(join(root, 'data'), root);
  try {
    if (warmup.length > 0) {
      const w = await send(peer, target, warmup, connections);
      if (w.failed > 0) console.log(`  ${target.system}: warm-up: ${w.failed} samples refused, first: ${w.firstError}`);
      if (target.settle) await target.settle(peer);
    }
    const cpu0 = readCpuSeconds(peer.pid);
    const t0 = performance.now();
    const { samples, failed, firstError } = await send(peer, target, bodies, connections);
    if (target.settle) await target.settle(peer);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = readCpuSeconds(peer.pid) - cpu0;
    return { system: target.system, samples, seconds, cpuSeconds, failed, firstError };
  } finally {
    await peer.stop(30_000);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Sends `bodies` over `connections` concurrent connections (retrying 429/5xx as a sender would). */
async function send(peer: PeerProcess, target: Target, bodies: Body[], connections: number): Promise<{ samples: number; failed: number; firstError?: string }> {
  let next = 0;
  let samples = 0;
  let failed = 0;
  let firstError: string | undefined;
  const url = new URL(target.path, peer.url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      for (let attempt = 0; ; attempt++) {
        const res = await post(agent, url, bodies[i].data, target.headers);
        const text = res.text;
        if (res.status >= 200 && res.status < 300) {
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
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
  return { samples, failed, firstError };
}

/** One POST over `agent`'s kept-alive connections: the status and the response's text. */
function post(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The dataset and request flags of the ingest benchmark, shared by the
 * benchmarks that measure one step of it on the same bodies (lineparse,
 * rwparse, headapply), so their defaults stay the same.
 */
export const REQUEST_FLAGS = {
  series: { type: 'string', default: String(DEFAULT_DATASET.series) },
  samples: { type: 'string', default: '120' },
  'per-request': { type: 'string', default: '2000' },
} as const;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...REQUEST_FLAGS,
      connections: { type: 'string', default: '4' },
      only: { type: 'string' },
      protocols: { type: 'string' },
      warmup: { type: 'string', default: '0' },
    },
  });
  const ds = new Dataset({ series: Number(values.series), samples: Number(values.samples) });
  const connections = Number(values.connections);
  const only = values.only?.split(',');
  console.log(`dataset: ${ds.seriesCount} series × ${values.samples} samples (${ds.totalSamples} samples), ${connections} connections, ${values['per-request']} samples per request`);
  const warmFraction = Number(values.warmup);
  if (!(warmFraction >= 0 && warmFraction <= 1)) throw new Error(`--warmup must be a fraction between 0 and 1, not ${values.warmup}`);
  const warm = warmFraction > 0 ? warmupSource(ds, warmFraction) : undefined;
  if (warm) console.log(`warm-up before the clock: ${warm.totalSamples} samples of other series (bench_phase="warmup"), the first ${Math.round(warmFraction * 100)}% of the steps`);
  else console.log('cold start: the clock starts with the first request (--warmup=F to measure after a warm-up)');
  // --protocols=rw,lp,other: a subset (remote write, line protocol, the Vigil-only others).
  const protocols = values.protocols?.split(',');
  const wanted = (short: string) => protocols === undefined || protocols.includes(short);
  for (const proto of PROTOCOLS) {
    if (!wanted(proto === remoteWrite ? 'rw' : 'lp')) continue;
    const bodies = proto.encode(ds, Number(values['per-request']));
    const warmBodies = warm ? proto.encode(warm, Number(values['per-request'])) : [];
    const bytes = bodies.reduce((a, b) => a + b.data.length, 0);
    console.log(`\n${proto.name}: ${bodies.length} requests, ${(bytes / 2 ** 20).toFixed(1)} MiB on the wire`);
    const results: Result[] = [];
    for (const t of proto.targets()) {
      if (only && !only.includes(t.system)) continue;
      const r = await measure(t, bodies, connections, warmBodies);
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
  if (wanted('other')) await otherProtocols(ds, connections, Number(values['per-request']), only);
}

// ===========================================================================
// Line protocol half: Influx line protocol (Vigil /write vs VictoriaMetrics
// /write vs InfluxDB 1.x /write, same bodies), and Vigil's own throughput
// for Graphite (TCP), StatsD (UDP) and OTLP/HTTP (JSON).
// ===========================================================================

/** `name,tag=value,… value=` for each series: the dataset's labels as a measurement with tags and one field `value`. */
export function linePrefixes(ds: SeriesSource): string[] {
  const out: string[] = new Array(ds.seriesCount);
  for (let i = 0; i < ds.seriesCount; i++) out[i] = linePrefix(ds.seriesLabels(i).pairs);
  return out;
}

/** Text bodies of `perRequest` samples, one line per sample, in time order. */
export function encodeLines(ds: SeriesSource, perRequest: number, line: (series: number, t: number, v: number) => string): Body[] {
  const out: Body[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) out.push({ data: Buffer.from(lines.join('\n') + '\n'), samples: lines.length });
    lines = [];
  };
  for (const step of ds.steps()) {
    for (let i = 0; i < step.present.length; i++) {
      if (!step.present[i] || !Number.isFinite(step.values[i])) continue;
      lines.push(line(i, step.timestamps[i], step.values[i]));
      if (lines.length >= perRequest) flush();
    }
  }
  flush();
  return out;
}

const LP_PATH = '/write?db=bench&precision=ms';
const LP_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8' };

const lineProtocol: IngestProtocol = {
  name: 'Influx line protocol',
  encode(ds, perRequest) {
    const prefixes = linePrefixes(ds);
    return encodeLines(ds, perRequest, (i, t, v) => `${prefixes[i]}${v} ${t}`);
  },
  targets() {
    const t: Target[] = [
      {
        system: 'vigil',
        // Listeners off: only HTTP is measured, and default ports may be taken.
        start: (d, w) => startVigilServer({ dataDir: d, workDir: w, extraFlags: ingestOnlyFlags(w) }),
        path: LP_PATH,
        headers: LP_HEADERS,
      },
    ];
    const vm = victoriaMetricsBinary();
    if (vm) {
      t.push({
        system: 'victoria-metrics',
        start: (d, w) => startVictoriaMetrics({ binary: vm, dataDir: d, workDir: w }),
        path: LP_PATH,
        headers: LP_HEADERS,
        settle: async (peer) => {
          const res = await fetch(new URL('/internal/force_flush', peer.url));
          await res.arrayBuffer();
        },
      });
    }
    const influxd = influxdBinary();
    if (influxd) {
      t.push({
        system: 'influxdb',
        start: (d, w) => startInfluxd({ binary: influxd, dataDir: d, workDir: w, database: 'bench' }),
        path: LP_PATH,
        headers: LP_HEADERS,
      });
    }
    return t;
  },
};
PROTOCOLS.push(lineProtocol);

const SOCKETS_OFF = ['--influx.listen-address=', '--graphite.listen-address=', '--statsd.listen-address=', '--opentsdb.listen-address='];

/**
 * Flags for a Vigil that only ingests: socket listeners off (default ports
 * may be taken) and no self-scrape (`scrape_configs: []`), whose current
 * samples would make the dataset's older ones "too old" for the head.
 */
function ingestOnlyFlags(workDir: string, extra: string[] = []): string[] {
  const conf = join(workDir, 'vigil-bench.yml');
  writeFileSync(conf, 'scrape_configs: []\n');
  return [`--config.file=${conf}`, ...SOCKETS_OFF, ...extra];
}

/** A counter of Vigil's self-metrics (0 when absent). */
async function vigilCounter(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  for (const line of text.split('\n')) if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  return 0;
}

/** Waits until `read()` reaches `target` or stops moving for 2 s; returns the last value and when it last moved. */
async function waitForCount(read: () => Promise<number>, target: number): Promise<{ value: number; at: number }> {
  let value = await read();
  let at = performance.now();
  while (value < target) {
    await new Promise((r) => setTimeout(r, 20));
    const v = await read();
    if (v !== value) {
      value = v;
      at = performance.now();
    } else if (performance.now() - at > 2_000) break;
  }
  return { value, at };
}

function printVigilOnly(name: string, samples: number, seconds: number, cpuSeconds: number, note = ''): void {
  const rate = samples / seconds;
  console.log(`  ${name.padEnd(30)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} samples/s ${(cpuSeconds / (samples / 1e6)).toFixed(2).padStart(8)} CPU s / M samples${note}`);
}

/** Graphite plaintext over `connections` TCP connections, until every line is committed. */
async function benchGraphite(ds: Dataset, connections: number, perRequest: number): Promise<void> {
  const prefixes: string[] = new Array(ds.seriesCount);
  for (let i = 0; i < ds.seriesCount; i++) {
    let s = '';
    ds.seriesLabels(i).forEach((n, v) => {
      if (n === '__name__') s = v + s;
      else s += `;${n}=${v.replace(/;/g, '_')}`;
    });
    prefixes[i] = `${s} `;
  }
  const bodies = encodeLines(ds, perRequest, (i, t, v) => `${prefixes[i]}${v} ${(t / 1000).toFixed(3)}`);
  const total = bodies.reduce((n, b) => n + b.samples, 0);
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-graphite-'));
  const port = await freePort();
  const peer = await startVigilServer({ dataDir: join(root, 'data'), workDir: root, extraFlags: ingestOnlyFlags(root, [`--graphite.listen-address=127.0.0.1:${port}`]) });
  try {
    const cpu0 = readCpuSeconds(peer.pid);
    const t0 = performance.now();
    let next = 0;
    const worker = () =>
      new Promise<void>((resolve, reject) => {
        const sock = connect(port, '127.0.0.1');
        sock.on('error', reject);
        const pump = () => {
          while (next < bodies.length) {
            if (!sock.write(bodies[next++].data)) return void sock.once('drain', pump);
          }
          sock.end(resolve);
        };
        sock.on('connect', pump);
      });
    await Promise.all(Array.from({ length: connections }, worker));
    const done = await waitForCount(async () => (await vigilCounter(peer.url, 'vigil_ingest_samples_accepted_total{protocol="graphite"}')) + (await vigilCounter(peer.url, 'vigil_ingest_samples_rejected_total{protocol="graphite"}')), total);
    const seconds = (done.at - t0) / 1000;
    printVigilOnly('Graphite plaintext (TCP)', done.value, seconds, readCpuSeconds(peer.pid) - cpu0, done.value < total ? ` (${total - done.value} lines not counted)` : '');
  } finally {
    await peer.stop(30_000);
    rmSync(root, { recursive: true, force: true });
  }
}

/** StatsD counters over UDP, paced by the socket; throughput of samples read by the server. */
async function benchStatsd(events: number, seriesCount: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-statsd-'));
  const port = await freePort();
  const peer = await startVigilServer({ dataDir: join(root, 'data'), workDir: root, extraFlags: ingestOnlyFlags(root, [`--statsd.listen-address=127.0.0.1:${port}`, '--statsd.flush-interval=1s']) });
  const packets: Buffer[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < events; i++) {
    const l = `bench.requests.${i % seriesCount}:1|c|#route:/api/${i % 7},code:200`;
    if (bytes + l.length + 1 > 1400) {
      packets.push(Buffer.from(lines.join('\n')));
      lines = [];
      bytes = 0;
    }
    lines.push(l);
    bytes += l.length + 1;
  }
  if (lines.length > 0) packets.push(Buffer.from(lines.join('\n')));
  const sock = createSocket('udp4');
  try {
    const cpu0 = readCpuSeconds(peer.pid);
    const t0 = performance.now();
    // Paced by the server: at most WINDOW events ahead of what it has read, so the
    // measure is the server's processing rate rather than the kernel's UDP buffer.
    const WINDOW = 20_000;
    let sent = 0;
    let read = 0;
    let inflight = 0;
    for (const p of packets) {
      while (sent - read > WINDOW) {
        const before = read;
        read = await vigilCounter(peer.url, 'vigil_ingest_statsd_events_total');
        if (read === before) await new Promise((r) => setTimeout(r, 1));
      }
      while (inflight >= 16) await new Promise((r) => setImmediate(r));
      inflight++;
      sock.send(p, port, '127.0.0.1', () => inflight--);
      sent += p.toString().split('\n').length;
    }
    while (inflight > 0) await new Promise((r) => setImmediate(r));
    const done = await waitForCount(() => vigilCounter(peer.url, 'vigil_ingest_statsd_events_total'), events);
    const seconds = (done.at - t0) / 1000;
    printVigilOnly('StatsD counters (UDP)', done.value, seconds, readCpuSeconds(peer.pid) - cpu0, done.value < events ? ` (${(((events - done.value) / events) * 100).toFixed(1)}% of datagrams lost)` : '');
  } finally {
    sock.close();
    await peer.stop(30_000);
    rmSync(root, { recursive: true, force: true });
  }
}

/** OTLP/HTTP JSON gauges, the dataset's series as metrics with attributes. */
function encodeOtlpJson(ds: Dataset, perRequest: number): Body[] {
  const meta: { name: string; attributes: { key: string; value: { stringValue: string } }[] }[] = new Array(ds.seriesCount);
  const out: Body[] = [];
  let metrics: unknown[] = [];
  const flush = () => {
    if (metrics.length === 0) return;
    const req = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeMetrics: [{ scope: { name: 'bench' }, metrics }] }] };
    out.push({ data: Buffer.from(JSON.stringify(req)), samples: metrics.length });
    metrics = [];
  };
  for (const step of ds.steps()) {
    for (let i = 0; i < step.present.length; i++) {
      if (!step.present[i] || !Number.isFinite(step.values[i])) continue;
      if (meta[i] === undefined) {
        const attributes: { key: string; value: { stringValue: string } }[] = [];
        let name = '';
        ds.seriesLabels(i).forEach((n, v) => {
          if (n === '__name__') name = v;
          else attributes.push({ key: n, value: { stringValue: v } });
        });
        meta[i] = { name, attributes };
      }
      metrics.push({ name: meta[i].name, gauge: { dataPoints: [{ attributes: meta[i].attributes, timeUnixNano: `${step.timestamps[i]}000000`, asDouble: step.values[i] }] } });
      if (metrics.length >= perRequest) flush();
    }
  }
  flush();
  return out;
}

/** Vigil's throughput for the other push protocols (no peer takes all of them). */
async function otherProtocols(ds: Dataset, connections: number, perRequest: number, only: string[] | undefined): Promise<void> {
  if (only && !only.includes('vigil')) return;
  console.log('\nVigil, other push protocols (same dataset; StatsD: 1M counter increments over 1000 series):');
  await benchGraphite(ds, connections, perRequest);
  await benchStatsd(1_000_000, 1000);
  const otlp = await measure(
    { system: 'vigil', start: (d, w) => startVigilServer({ dataDir: d, workDir: w, extraFlags: ingestOnlyFlags(w) }), path: '/v1/metrics', headers: { 'Content-Type': 'application/json' } },
    encodeOtlpJson(ds, perRequest),
    connections,
    [],
  );
  if (otlp.failed > 0) console.log(`  OTLP: ${otlp.failed} samples refused, first: ${otlp.firstError}`);
  printVigilOnly('OTLP/HTTP JSON', otlp.samples, otlp.seconds, otlp.cpuSeconds);
}
