/**
 * The ingest warm-up: before the server reports ready, remote write and
 * Influx line protocol requests of made-up hosts go over loopback HTTP (a
 * server of its own on 127.0.0.1, a free port, closed afterwards) through
 * the same steps as the real endpoints: the body readers, the parse
 * workers, the append path and the WAL, into a throwaway storage of the
 * same engine (its own directory, deleted afterwards). V8 has then
 * compiled that code before the first real request arrives. Without it the
 * first requests after a start run interpreted: a restarted server takes
 * about a second to reach full speed, just when senders replay the backlog
 * they kept while it was down.
 *
 * Nothing of it stays: the parse workers forget the series they numbered,
 * the label strings interned for them are dropped, and the throwaway
 * storage is closed and removed. `--ingest.warmup=false` turns it off.
 *
 * The made-up data has the shapes real senders produce: node_exporter-like
 * hosts (CPU counters with 2-decimal steps, memory gauges in whole pages,
 * load averages, network byte counters, a histogram with cumulative
 * buckets, an info series) scraped with some milliseconds of jitter, one
 * sample per series per request in no particular order as Prometheus's
 * sender shards them, four senders at once, now and then a request
 * overtaken by the next or sent again (a sender's retry), and
 * Telegraf-style lines with several float and integer fields at nanosecond
 * precision besides one-field lines at millisecond precision.
 */
import { once } from 'node:events';
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from '../../metrics/registry.js';
import type { Storage } from '../../storage/interface.js';
import type { ParsePool, Parsed } from '../parse/pool.js';
import { appendLineBody } from '../influx/handler.js';
import { linePrefix } from '../influx/lines.js';
import { parsePrecision } from '../influx/parser.js';
import { V1_HEADERS, encodeV1, snappy } from '../remotewrite/encoder.js';
import { negotiateVersion, readSnappyBody } from '../remotewrite/stream.js';
import { IngestBatch } from './batch.js';
import { WriteLimiter } from './limiter.js';
import { IngestMetrics } from './metrics.js';
import { appendParsed, atLine, forgetInterned } from './parsed.js';

export interface WarmupResult {
  samples: number;
  requests: number;
  ms: number;
}

/**
 * Made-up hosts, and scrapes (one sample per series each) sent per
 * protocol: enough requests (about 90) for V8 to optimise the per-request
 * code, not just the per-sample loops, with the feedback real traffic
 * gives. With a third of this (25 requests), V8 was still compiling and
 * deoptimising the append path during the first second of real load, and
 * that second ran 11–13 % slower.
 */
const HOSTS = 60;
const STEPS = 20;
/**
 * In every this many requests, one is overtaken by the next (as on
 * concurrent connections: older samples of series that have newer ones,
 * the out-of-order insert) and one is sent again (a sender's retry:
 * samples the series have already, the duplicate check).
 */
const DISORDER_EVERY = 8;
/** Samples per request. */
const PER_REQUEST = 2000;
/** Stops early once this much time has gone, so a slow machine still starts. */
const BUDGET_MS = 5000;
/** Concurrent senders (keep-alive connections). */
const CONNECTIONS = 4;
const LP_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8' };

/** One made-up request. */
interface WarmRequest {
  path: string;
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

const INTERVAL_MS = 15_000;
const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
const MEMORY = ['MemAvailable', 'MemFree', 'Buffers', 'Cached', 'SwapFree', 'Active'];
const DEVICES = ['eth0', 'lo'];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** A series of the made-up data: its label pairs (sorted by name), its value at each step. */
interface WarmSeries {
  labels: string[];
  value(step: number): number;
}

/** A small deterministic PRNG (xorshift32), so every start sends the same data. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The series of one made-up host, labels sorted by name. */
function hostSeries(host: number): WarmSeries[] {
  const rand = rng(0x9e3779b9 ^ (host * 7919));
  const instance = `host-${host}.example:9100`;
  const base = (name: string, extra: [string, string][] = []): string[] => {
    const pairs: [string, string][] = [['__name__', name], ['instance', instance], ['job', 'node'], ...extra];
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return pairs.flat();
  };
  const out: WarmSeries[] = [];
  for (let cpu = 0; cpu < 2; cpu++) {
    for (const mode of CPU_MODES) {
      const start = round2(rand() * 1e5);
      const step = round2(rand() * 15);
      out.push({ labels: base('node_cpu_seconds_total', [['cpu', String(cpu)], ['mode', mode]]), value: (i) => round2(start + i * step) });
    }
  }
  for (const m of MEMORY) {
    const pages = Math.floor(rand() * 4e6);
    out.push({ labels: base(`node_memory_${m}_bytes`), value: (i) => (pages + ((i * 37) % 11) * 3) * 4096 });
  }
  for (const w of ['1', '5', '15']) {
    const load = rand() * 4;
    out.push({ labels: base(`node_load${w}`), value: (i) => round2(load + ((i * 13) % 7) / 10) });
  }
  for (const device of DEVICES) {
    const start = Math.floor(rand() * 1e12);
    const rate = Math.floor(rand() * 1e6);
    out.push({ labels: base('node_network_receive_bytes_total', [['device', device]]), value: (i) => start + i * rate });
    out.push({ labels: base('node_network_transmit_bytes_total', [['device', device]]), value: (i) => start / 2 + i * rate });
  }
  let cumulative = 0;
  const perStep: number[] = [];
  for (let b = 0; b < BUCKETS.length; b++) {
    cumulative += Math.floor(rand() * 50);
    perStep.push(cumulative);
  }
  const count0 = Math.floor(rand() * 1e6);
  BUCKETS.forEach((le, b) => {
    out.push({ labels: base('http_request_duration_seconds_bucket', [['handler', '/api/v1/query'], ['le', le]]), value: (i) => count0 + i * perStep[b] });
  });
  out.push({ labels: base('http_request_duration_seconds_count', [['handler', '/api/v1/query']]), value: (i) => count0 + i * cumulative });
  out.push({ labels: base('http_request_duration_seconds_sum', [['handler', '/api/v1/query']]), value: (i) => round2(count0 * 0.03 + i * cumulative * 0.031) });
  out.push({ labels: base('node_uname_info', [['machine', 'x86_64'], ['nodename', `host-${host}`], ['release', '6.1.0-13-amd64'], ['sysname', 'Linux']]), value: () => 1 });
  out.push({ labels: base('up'), value: () => 1 });
  return out;
}

/** Telegraf-style lines of a host at one step: several fields, float and integer, nanosecond timestamps. */
function telegrafLines(host: number, step: number, tNs: bigint): string[] {
  const h = `host-${host}.example`;
  const out: string[] = [];
  for (let cpu = 0; cpu < 2; cpu++) {
    const u = ((host * 31 + step * 7 + cpu) % 1000) / 10;
    out.push(`cpu,cpu=cpu${cpu},host=${h} usage_user=${u},usage_system=${u / 4},usage_idle=${100 - u - u / 4},usage_iowait=0 ${tNs}`);
  }
  const total = 16_000_000_000 + host * 4096;
  const used = total / 4 + step * 4096 * 3;
  out.push(`mem,host=${h} total=${total}i,used=${used}i,available=${total - used}i,used_percent=${round2((100 * used) / total)} ${tNs}`);
  out.push(`system,host=${h} load1=${round2((host % 7) / 3)},n_cpus=2i,uptime=${100_000 + step * 15}i ${tNs}`);
  out.push(`net,host=${h},interface=eth0 bytes_recv=${1e9 + step * 65536 * host}i,bytes_sent=${5e8 + step * 32768}i,drop_in=0i ${tNs}`);
  return out;
}

/**
 * Runs the warm-up: remote-write requests, then line-protocol ones, each
 * received as the endpoints receive them, parsed by `pool` and appended to
 * `scratch`. The pool's workers forget the made-up series afterwards.
 */
export async function warmIngest(pool: ParsePool, scratch: Storage, opts: { batchSamples: number; maxBodyBytes: number }): Promise<WarmupResult> {
  const started = performance.now();
  const end = Math.floor(Date.now() / 1000) * 1000;
  const limiter = new WriteLimiter({ maxConcurrent: CONNECTIONS, maxQueued: 0, maxWaitMs: 0 });
  const metrics = new IngestMetrics(new Registry(), limiter);
  const hosts = Array.from({ length: HOSTS }, (_, h) => hostSeries(h));
  // Scrapes jitter by some milliseconds, and now and then one is seconds late: the chunk encoder's delta-of-delta buckets besides 0.
  const late = [0, 0, 0, 0, 0, 2500, 9000];
  const jitter = (host: number, step: number) => ((host * 31 + step * 17) % 41) - 20 + late[(host + step) % late.length];
  const stepTime = (host: number, step: number) => end - (STEPS - step) * INTERVAL_MS - ((host * 137) % INTERVAL_MS) + jitter(host, step);
  const limit = opts.maxBodyBytes;
  let samples = 0;

  // The receiving end: what the remote-write and line-protocol handlers do with a request, into the scratch storage.
  const receive = async (req: IncomingMessage): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://warmup');
    const rw = url.pathname === '/api/v1/write';
    const batch = new IngestBatch(scratch, metrics.forProtocol(rw ? 'remote_write' : 'influx'), limiter, { batchSamples: opts.batchSamples });
    const append = async ({ samples: s, refs }: Parsed) => {
      // The options as each endpoint passes them (see AppendParsedOptions).
      await appendParsed(s, refs, batch, { commitEvery: opts.batchSamples, where: rw ? undefined : atLine, lineError: undefined });
      samples += s.n;
    };
    await batch.run(async () => {
      if (rw) await append(await pool.parse('remote_write', await readSnappyBody(req, limit), { version: negotiateVersion(req.headers['content-type']), limit }));
      else await appendLineBody(pool, req, limit, { db: url.searchParams.get('db') ?? '', precision: parsePrecision(url.searchParams.get('precision')) ?? 'ns', now: end }, append);
    });
  };
  const server = createServer((req, res) => {
    receive(req).then(
      () => {
        res.writeHead(204);
        res.end();
      },
      (err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(text);
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

  const post = (r: WarmRequest) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: r.path, headers: { ...r.headers, 'Content-Length': r.body.length }, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`warm-up request ${r.path} answered ${res.statusCode}: ${text}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(r.body);
    });

  // Several senders at once, as in production: requests interleave on the main thread and in the WAL's group commits.
  let requests = 0;
  const send = async (generated: Iterable<WarmRequest>) => {
    const bodies = disordered(generated)[Symbol.iterator]();
    const sender = async () => {
      for (let r = bodies.next(); !r.done; r = bodies.next()) {
        if (performance.now() - started > BUDGET_MS) return;
        await post(r.value);
        requests++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, sender));
  };

  /** The requests with, in every `DISORDER_EVERY`, one overtaken by the next and one sent again. */
  function* disordered(requests: Iterable<WarmRequest>): Generator<WarmRequest> {
    let i = 0;
    let first: WarmRequest | undefined;
    let held: WarmRequest | undefined;
    for (const r of requests) {
      const k = i++ % DISORDER_EVERY;
      if (k === 0) first = r;
      if (k === 3) {
        held = r;
        continue;
      }
      yield r;
      if (held !== undefined) {
        yield held;
        held = undefined;
      }
      if (k === DISORDER_EVERY - 1 && first !== undefined) yield first;
    }
    if (held !== undefined) yield held;
  }

  function* remoteWrite(from: number, to: number): Generator<WarmRequest> {
    let series: { labels: string[]; timestamps: number[]; values: Float64Array }[] = [];
    const flush = (): WarmRequest => {
      const body = snappy(encodeV1(series));
      series = [];
      return { path: '/api/v1/write', headers: V1_HEADERS, body };
    };
    // A sender's queues split the series by hash: each request holds them in no particular order.
    const all = hosts.flatMap((ss, h) => ss.map((s) => ({ h, s })));
    const rand = rng(42);
    for (let step = from; step < to; step++) {
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [all[i], all[j]] = [all[j], all[i]];
      }
      for (const { h, s } of all) {
        series.push({ labels: s.labels, timestamps: [stepTime(h, step)], values: Float64Array.of(s.value(step)) });
        if (series.length >= PER_REQUEST) yield flush();
      }
    }
    if (series.length > 0) yield flush();
  }

  function* lineProtocol(from: number, to: number): Generator<WarmRequest> {
    const prefixes = hosts.map((ss) => ss.map((s) => linePrefix(s.labels)));
    let lines: string[] = [];
    const flush = (precision: 'ms' | 'ns'): WarmRequest => {
      const body = Buffer.from(lines.join('\n') + '\n');
      lines = [];
      return { path: `/write?db=warmup&precision=${precision}`, headers: LP_HEADERS, body };
    };
    for (let step = from; step < to; step++) {
      for (let h = 0; h < hosts.length; h++) {
        const t = stepTime(h, step);
        hosts[h].forEach((s, k) => lines.push(`${prefixes[h][k]}${s.value(step)} ${t}`));
        if (lines.length >= PER_REQUEST) yield flush('ms');
      }
      if (lines.length > 0) yield flush('ms');
      for (let h = 0; h < hosts.length; h++) {
        lines.push(...telegrafLines(h, step, BigInt(stepTime(h, step)) * 1_000_000n));
        if (lines.length >= PER_REQUEST / 4) yield flush('ns');
      }
      if (lines.length > 0) yield flush('ns');
    }
  }

  try {
    // In two halves with the parsers' numbering forgotten between them, so
    // the path the first real request takes (a parse that starts a new
    // numbering, series found again by their labels) has run too.
    const half = STEPS / 2;
    await send(remoteWrite(0, half));
    await send(lineProtocol(0, half));
    pool.forget();
    await send(remoteWrite(half, STEPS));
    await send(lineProtocol(half, STEPS));
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
    pool.forget();
    forgetInterned();
  }
  return { samples, requests, ms: Math.round(performance.now() - started) };
}
