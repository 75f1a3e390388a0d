/**
 * The ingest warm-up: before the server reports ready, remote write and
 * Influx line protocol bodies of made-up hosts go through the real parse
 * step (the parse workers) and the real append path into a throwaway
 * storage of the same engine (its own directory, deleted afterwards), so
 * V8 has compiled that code before the first real request arrives. Without
 * it the first requests after a start run interpreted: a restarted server
 * takes about a second to reach full speed, just when senders replay the
 * backlog they kept while it was down.
 *
 * Nothing of it stays: the parse workers forget the series they numbered,
 * the label strings interned for them are dropped, and the throwaway
 * storage is closed and removed. `--ingest.warmup=false` turns it off.
 *
 * The made-up data has the shapes real senders produce: node_exporter-like
 * hosts (CPU counters with 2-decimal steps, memory gauges in whole pages,
 * load averages, network byte counters, a histogram with cumulative
 * buckets, an info series), one sample per series per request as
 * Prometheus's sender batches them, and Telegraf-style lines with several
 * float and integer fields at nanosecond precision besides the
 * one-field lines at millisecond precision.
 */
import { Registry } from '../../metrics/registry.js';
import type { Storage } from '../../storage/interface.js';
import type { ParsePool, Parsed } from '../parse/pool.js';
import { encodeV1, snappy } from '../remotewrite/encoder.js';
import { IngestBatch } from './batch.js';
import { WriteLimiter } from './limiter.js';
import { IngestMetrics } from './metrics.js';
import { appendParsed, forgetInterned } from './parsed.js';

export interface WarmupOptions {
  /** Made-up hosts; each has `SERIES_PER_HOST` series. */
  hosts?: number;
  /** Scrapes (one sample per series each) sent per protocol. */
  steps?: number;
  /** Samples per request. */
  perRequest?: number;
  /** Stops early once this much time has gone (a slow machine still starts). */
  budgetMs?: number;
  /** The end of the made-up range, ms (default: now). */
  now?: number;
}

export interface WarmupResult {
  samples: number;
  requests: number;
  ms: number;
}

const DEFAULTS = { hosts: 20, steps: 10, perRequest: 2000, budgetMs: 5000 };
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

const escapeKey = (s: string) => s.replace(/[,= \\]/g, '\\$&');
const escapeMeasurement = (s: string) => s.replace(/[, \\]/g, '\\$&');

/** `name,tag=value,… value=` for a series (Prometheus-style lines, one field). */
function linePrefix(labels: readonly string[]): string {
  let name = '';
  let tags = '';
  for (let i = 0; i < labels.length; i += 2) {
    if (labels[i] === '__name__') name = escapeMeasurement(labels[i + 1]);
    else tags += `,${escapeKey(labels[i])}=${escapeKey(labels[i + 1])}`;
  }
  return `${name}${tags} value=`;
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
 * Runs the warm-up: remote write bodies, then line-protocol bodies, each
 * parsed by `pool` and appended to `scratch` (one request parsed ahead of
 * the one being appended, as concurrent senders keep both busy). The pool's
 * workers forget the made-up series afterwards.
 */
export async function warmIngest(pool: ParsePool, scratch: Storage, opts: WarmupOptions & { batchSamples: number; maxBodyBytes: number }): Promise<WarmupResult> {
  const o = { ...DEFAULTS, ...opts };
  const started = performance.now();
  const end = Math.floor((o.now ?? Date.now()) / 1000) * 1000;
  const limiter = new WriteLimiter({ maxConcurrent: 1, maxQueued: 0, maxWaitMs: 0 });
  const metrics = new IngestMetrics(new Registry(), limiter);
  const hosts = Array.from({ length: o.hosts }, (_, h) => hostSeries(h));
  const stepTime = (host: number, step: number) => end - (o.steps - step) * INTERVAL_MS - ((host * 137) % INTERVAL_MS);
  let samples = 0;
  let requests = 0;

  const run = async (protocol: 'remote_write' | 'influx', bodies: Iterable<() => Promise<Parsed>>) => {
    const batch = new IngestBatch(scratch, metrics.forProtocol(protocol), limiter, { batchSamples: o.batchSamples });
    let ahead: Promise<Parsed> | undefined;
    const append = async (p: Promise<Parsed>) => {
      const { samples: s, refs } = await p;
      await appendParsed(s, refs, batch, { commitEvery: o.batchSamples });
      await batch.commit();
      samples += s.n;
      requests++;
    };
    try {
      for (const next of bodies) {
        if (performance.now() - started > o.budgetMs) break;
        const parsing = next();
        parsing.catch(() => {});
        if (ahead !== undefined) await append(ahead);
        ahead = parsing;
      }
      if (ahead !== undefined) await append(ahead);
    } finally {
      batch.rollback();
    }
  };

  function* remoteWrite(): Generator<() => Promise<Parsed>> {
    let series: { labels: string[]; timestamps: number[]; values: Float64Array }[] = [];
    const flush = () => {
      const body = snappy(encodeV1(series));
      series = [];
      return () => pool.parse('remote_write', body, { version: 1, limit: opts.maxBodyBytes });
    };
    // A sender's queues split the series by hash: each request holds them in no particular order.
    const all = hosts.flatMap((ss, h) => ss.map((s) => ({ h, s })));
    const rand = rng(42);
    for (let step = 0; step < o.steps; step++) {
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [all[i], all[j]] = [all[j], all[i]];
      }
      for (const { h, s } of all) {
        series.push({ labels: s.labels, timestamps: [stepTime(h, step)], values: Float64Array.of(s.value(step)) });
        if (series.length >= o.perRequest) yield flush();
      }
    }
    if (series.length > 0) yield flush();
  }

  function* lineProtocol(): Generator<() => Promise<Parsed>> {
    const prefixes = hosts.map((ss) => ss.map((s) => linePrefix(s.labels)));
    let lines: string[] = [];
    const flush = (precision: 'ms' | 'ns') => {
      const body = Buffer.from(lines.join('\n') + '\n');
      lines = [];
      return () => pool.parse('influx', body, { db: 'warmup', precision, now: end, firstLine: 1 });
    };
    for (let step = 0; step < o.steps; step++) {
      for (let h = 0; h < hosts.length; h++) {
        const t = stepTime(h, step);
        hosts[h].forEach((s, k) => lines.push(`${prefixes[h][k]}${s.value(step)} ${t}`));
        if (lines.length >= o.perRequest) yield flush('ms');
      }
      if (lines.length > 0) yield flush('ms');
      for (let h = 0; h < hosts.length; h++) {
        lines.push(...telegrafLines(h, step, BigInt(stepTime(h, step)) * 1_000_000n));
        if (lines.length >= o.perRequest / 4) yield flush('ns');
      }
      if (lines.length > 0) yield flush('ns');
    }
  }

  try {
    await run('remote_write', remoteWrite());
    await run('influx', lineProtocol());
  } finally {
    pool.forget();
    forgetInterned();
  }
  return { samples, requests, ms: Math.round(performance.now() - started) };
}
