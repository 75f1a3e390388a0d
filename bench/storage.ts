/**
 * Storage benchmark: Vigil's TSDB next to Prometheus and VictoriaMetrics on
 * the same generated dataset, in one run.
 *
 *   npm run bench -- storage [--series N] [--samples N] [--interval 15s]
 *                            [--end 2025-01-01T00:00:00Z] [--seed N] [--jitter 0]
 *                            [--batch 1000] [--rss-samples 10] [--peers prometheus,victoria-metrics]
 *                            [--dir /tmp] [--keep]
 *
 * What each figure means and how it is measured is in docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Matcher } from '../packages/server/src/model/matcher.js';
import { ValueType } from '../packages/server/src/storage/interface.js';
import { TSDB } from '../packages/server/src/tsdb/db.js';
import { Dataset, DEFAULT_DATASET, writeText, type DatasetOptions, type Step } from './dataset.js';
import { importPrometheusText, queryNumber, selfMetrics } from './peers/http.js';
import { diskBytes, missingPeerMessage, readCpuSeconds, settledMemory, type MemoryReading, type PeerProcess } from './peers/process.js';
import { createBlocksFromOpenMetrics, prometheusBinary, prometheusVersion, promtoolBinary, startPrometheus } from './peers/prometheus.js';
import { postWriteRequest, WriteRequestBuilder } from './peers/remote-write.js';
import { startVigilServer } from './peers/vigil.js';
import { flushAndMerge, startVictoriaMetrics, victoriaMetricsBinary, victoriaMetricsVersion } from './peers/victoriametrics.js';

// ---------------------------------------------------------------------------

async function openVigil(dir: string): Promise<TSDB> {
  // The dataset lies in the past: keep every block whatever its age (0 = no
  // time retention). No background compaction: the append figure is the
  // append path alone; the benchmark compacts explicitly afterwards.
  return TSDB.open({ dir, retentionMs: 0, compactionIntervalMs: 0 });
}

// ---------------------------------------------------------------------------
// Options

interface BenchOptions {
  dataset: DatasetOptions;
  /** Series per commit when appending. */
  batch: number;
  /** Samples per series pushed for the memory measurement. */
  rssSamples: number;
  peers: Set<string>;
  dir: string;
  keep: boolean;
}

function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new Error(`cannot parse duration ${JSON.stringify(s)}: want e.g. 15s, 500ms, 1m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function parseTime(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`cannot parse time ${JSON.stringify(s)}: want RFC 3339 or ms since the epoch`);
  return t;
}

function positiveInt(name: string, s: string): number {
  const n = Number(s.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`cannot parse --${name} ${JSON.stringify(s)}: want a positive integer`);
  return n;
}

function parseOptions(argv: string[]): { opts: BenchOptions; child: { dbDir: string } | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string' },
      samples: { type: 'string' },
      interval: { type: 'string' },
      end: { type: 'string' },
      seed: { type: 'string' },
      jitter: { type: 'string' },
      batch: { type: 'string' },
      'rss-samples': { type: 'string' },
      peers: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
      'rss-child': { type: 'string' },
    },
    strict: true,
  });
  const d = DEFAULT_DATASET;
  const dataset: DatasetOptions = {
    series: values.series ? positiveInt('series', values.series) : d.series,
    samples: values.samples ? positiveInt('samples', values.samples) : d.samples,
    intervalMs: values.interval ? parseDuration(values.interval) : d.intervalMs,
    endMs: values.end ? parseTime(values.end) : d.endMs,
    seed: values.seed ? Number(values.seed) : d.seed,
    jitterMs: values.jitter ? Number(values.jitter) : d.jitterMs,
  };
  const opts: BenchOptions = {
    dataset,
    batch: values.batch ? positiveInt('batch', values.batch) : 1000,
    rssSamples: values['rss-samples'] ? positiveInt('rss-samples', values['rss-samples']) : 10,
    peers: new Set((values.peers ?? 'prometheus,victoria-metrics').split(',').filter((p) => p !== '')),
    dir: values.dir ?? tmpdir(),
    keep: values.keep ?? false,
  };
  for (const p of opts.peers) {
    if (p !== 'prometheus' && p !== 'victoria-metrics') throw new Error(`cannot use peer ${JSON.stringify(p)}: known peers are prometheus, victoria-metrics`);
  }
  if (opts.rssSamples > dataset.samples) opts.rssSamples = dataset.samples;
  return { opts, child: values['rss-child'] ? { dbDir: values['rss-child'] } : undefined };
}

// ---------------------------------------------------------------------------
// Results

type Dir = 'higher' | 'lower';

interface Row {
  key: string;
  title: string;
  unit: string;
  better: Dir;
  /** The peers whose figure measures the same thing as Vigil's (a ratio makes sense). */
  comparable: readonly System[];
  values: Partial<Record<System, number>>;
}

type System = 'vigil' | 'prometheus' | 'victoria-metrics';

class Results {
  readonly rows = new Map<string, Row>();
  readonly notes: string[] = [];

  define(key: string, title: string, unit: string, better: Dir, comparable: readonly System[] = ['prometheus', 'victoria-metrics']): void {
    this.rows.set(key, { key, title, unit, better, comparable, values: {} });
  }

  set(key: string, system: System, v: number): void {
    this.rows.get(key)!.values[system] = v;
  }
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

function printTable(r: Results): void {
  const header = ['figure', 'unit', 'Vigil', 'Prometheus', 'VictoriaMetrics', 'Vigil/Prom', 'Vigil/VM'];
  const lines: string[][] = [header];
  for (const row of r.rows.values()) {
    const v = row.values;
    lines.push([
      `${row.title} (${row.better} is better)`,
      row.unit,
      fmt(v.vigil),
      fmt(v.prometheus),
      fmt(v['victoria-metrics']),
      row.comparable.includes('prometheus') ? ratio(v.vigil, v.prometheus) : '—',
      row.comparable.includes('victoria-metrics') ? ratio(v.vigil, v['victoria-metrics']) : '—',
    ]);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const out = lines.map((l) => `| ${l.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`);
  out.splice(1, 0, `|${widths.map((w, c) => (c < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  console.log(out.join('\n'));
  for (const n of r.notes) console.log(`- ${n}`);
}

function log(msg: string): void {
  console.log(`  ${msg}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------
// Shared ingestion helpers

/** Labels of every series, created when a series is first needed. */
class LazyLabels {
  readonly #ds: Dataset;
  readonly #cache: (ReturnType<Dataset['seriesLabels']> | undefined)[];

  constructor(ds: Dataset) {
    this.#ds = ds;
    this.#cache = new Array(ds.seriesCount);
  }

  get(i: number): ReturnType<Dataset['seriesLabels']> {
    return (this.#cache[i] ??= this.#ds.seriesLabels(i));
  }
}

interface AppendStats {
  samples: number;
  rejected: number;
  firstError: string | undefined;
  wallMs: number;
  cpuMs: number;
}

/**
 * Appends one step (every present series at one scrape index) in commits of
 * `batch` series, the way scrapes of many targets land. Only the append and
 * commit calls are timed, not the generation of the values.
 */
async function appendStep(db: TSDB, step: Step, labels: LazyLabels, refs: Float64Array, batch: number, shiftMs: number, stats: AppendStats): Promise<void> {
  const n = step.present.length;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let from = 0; from < n; from += batch) {
    const app = db.appender();
    const to = Math.min(n, from + batch);
    for (let i = from; i < to; i++) {
      if (!step.present[i]) continue;
      try {
        const ref = refs[i];
        refs[i] = app.append(ref, ref === 0 ? labels.get(i) : undefined, step.timestamps[i] + shiftMs, step.values[i]);
        stats.samples++;
      } catch (e) {
        stats.rejected++;
        stats.firstError ??= (e as Error).message;
      }
    }
    await app.commit();
  }
  stats.wallMs += performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  stats.cpuMs += (cpu.user + cpu.system) / 1000;
}

function newAppendStats(): AppendStats {
  return { samples: 0, rejected: 0, firstError: undefined, wallMs: 0, cpuMs: 0 };
}

/** Reads every sample of every selected series; returns samples per second (median of 3 runs) and the count. */
function selectAndDecode(db: TSDB, mint: number, maxt: number, matchers: Matcher[]): { perSecond: number; samples: number; series: number } {
  const rates: number[] = [];
  let samples = 0;
  let series = 0;
  let checksum = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const q = db.querier(mint, maxt);
    const set = q.select({ start: mint, end: maxt }, matchers);
    samples = 0;
    for (const s of set) {
      const it = s.iterator();
      while (it.next() !== ValueType.None) {
        samples++;
        checksum += it.v;
      }
      const err = it.err();
      if (err) throw new Error(`cannot read ${s.labels.toString()}: ${err.message}`);
    }
    q.close();
    series = set.length;
    rates.push(samples / ((performance.now() - t0) / 1000));
  }
  if (Number.isNaN(checksum)) throw new Error('cannot decode: NaN in a dataset without NaN');
  rates.sort((a, b) => a - b);
  return { perSecond: rates[1], samples, series };
}

// ---------------------------------------------------------------------------
// Vigil

async function benchVigil(ds: Dataset, o: BenchOptions, work: string, r: Results): Promise<void> {
  console.log('\nVigil');
  const dir = join(work, 'vigil');
  mkdirSync(dir);
  const db = await openVigil(dir);
  const labels = new LazyLabels(ds);
  const refs = new Float64Array(ds.seriesCount);
  const stats = newAppendStats();
  for (const step of ds.steps()) await appendStep(db, step, labels, refs, o.batch, 0, stats);
  if (stats.rejected > 0) r.notes.push(`Vigil rejected ${stats.rejected} samples; first: ${stats.firstError}`);
  log(`appended ${stats.samples} samples in ${seconds(stats.wallMs)} (${seconds(stats.cpuMs)} CPU), commits of ${o.batch} series`);
  r.set('append', 'vigil', stats.samples / (stats.wallMs / 1000));

  const all = [new Matcher('=~', '__name__', '.+')];
  const one = [new Matcher('=', '__name__', 'node_cpu_seconds_total')];
  const mint = ds.minTimeMs;
  const maxt = ds.maxTimeMs;
  const headAll = selectAndDecode(db, mint, maxt, all);
  const headOne = selectAndDecode(db, mint, maxt, one);
  log(`head: full scan read ${headAll.samples} samples of ${headAll.series} series; node_cpu_seconds_total ${headOne.samples} of ${headOne.series}`);
  if (headAll.samples !== ds.totalSamples) r.notes.push(`Vigil's head returned ${headAll.samples} samples, the dataset has ${ds.totalSamples}`);
  r.set('selectAllHead', 'vigil', headAll.perSecond);
  r.set('selectOneHead', 'vigil', headOne.perSecond);

  const c0 = performance.now();
  await db.compact({ all: true });
  log(`compacted in ${seconds(performance.now() - c0)}`);
  const du = db.diskUsage();
  const blocksBytes = du.totalBytes - du.walBytes;
  log(`disk: ${db.blocks().length} blocks: chunks ${du.chunksBytes} B, index ${du.indexBytes} B, blocks total ${blocksBytes} B; WAL ${du.walBytes} B`);
  r.set('bpsChunks', 'vigil', du.chunksBytes / ds.totalSamples);
  r.set('bpsBlocks', 'vigil', blocksBytes / ds.totalSamples);

  const blockAll = selectAndDecode(db, mint, maxt, all);
  const blockOne = selectAndDecode(db, mint, maxt, one);
  if (blockAll.samples !== ds.totalSamples) r.notes.push(`Vigil's blocks returned ${blockAll.samples} samples, the dataset has ${ds.totalSamples}`);
  r.set('selectAllBlocks', 'vigil', blockAll.perSecond);
  r.set('selectOneBlocks', 'vigil', blockOne.perSecond);
  await db.close();

  const child = await runRssChild(o, join(work, 'vigil-rss'));
  log(`memory: ${child.series} active series with ${o.rssSamples} samples each: RSS ${mib(child.before.rssBytes)} → ${mib(child.after.rssBytes)}`);
  r.set('rss', 'vigil', (child.after.rssBytes - child.before.rssBytes) / child.series);
  r.set('anon', 'vigil', (child.after.anonBytes - child.before.anonBytes) / child.series);
}

interface ChildReport {
  series: number;
  before: MemoryReading;
  after: MemoryReading;
}

/** Runs the memory measurement in a fresh Node process, so nothing else on its heap counts. */
async function runRssChild(o: BenchOptions, dbDir: string): Promise<ChildReport> {
  const d = o.dataset;
  const runTs = fileURLToPath(new URL('./run.ts', import.meta.url));
  const args = [
    '--expose-gc',
    '--import',
    'tsx',
    runTs,
    'storage',
    `--rss-child=${dbDir}`,
    `--series=${d.series}`,
    `--samples=${d.samples}`,
    `--interval=${d.intervalMs}ms`,
    `--end=${d.endMs}`,
    `--seed=${d.seed}`,
    `--jitter=${d.jitterMs}`,
    `--batch=${o.batch}`,
    `--rss-samples=${o.rssSamples}`,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
  if (code !== 0) throw new Error(`cannot measure Vigil's memory: child exited with ${code}: ${out.slice(-1000)}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ChildReport;
}

/** In the child: load the last `rssSamples` steps into a fresh TSDB and report RSS before and after. */
async function rssChild(o: BenchOptions, dbDir: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('cannot measure memory: run with --expose-gc');
  const ds = new Dataset(o.dataset);
  const n = ds.seriesCount;
  const k = o.rssSamples;
  // Materialise the steps first: the generator's state must not count.
  const steps: Step[] = [];
  for (const s of ds.steps(o.dataset.samples - k)) {
    steps.push({ index: s.index, timestamps: s.timestamps.slice(), values: s.values.slice(), present: s.present.slice() });
  }
  const refs = new Float64Array(n);
  const labels = new LazyLabels(ds);
  let series = 0;
  for (let i = 0; i < n; i++) if (steps.some((s) => s.present[i])) series++;
  const shift = Date.now() - o.dataset.endMs;
  mkdirSync(dbDir, { recursive: true });
  const db = await openVigil(dbDir);
  gc();
  const before = await settledMemory(process.pid, 500, 3);
  const stats = newAppendStats();
  for (const s of steps) await appendStep(db, s, labels, refs, o.batch, shift, stats);
  gc();
  const after = await settledMemory(process.pid, 500, 3);
  await db.close();
  console.log(JSON.stringify({ series, before, after } satisfies ChildReport));
}

function mib(b: number): string {
  return `${(b / 1048576).toFixed(1)} MiB`;
}

/**
 * The dataset as Prometheus text with ms timestamps in time order (as scrapes
 * would have delivered it: Vigil's import, like its head, refuses samples
 * older than the out-of-order window), written once when first needed.
 */
class PromTextFile {
  readonly #ds: Dataset;
  readonly #path: string;
  #written: Promise<string> | undefined;

  constructor(ds: Dataset, path: string) {
    this.#ds = ds;
    this.#path = path;
  }

  get(): Promise<string> {
    this.#written ??= (async () => {
      const t0 = performance.now();
      const bytes = await writeText(this.#ds, this.#path, 'prometheus', 'time');
      log(`wrote ${mib(bytes)} of Prometheus text (in time order) in ${seconds(performance.now() - t0)}`);
      return this.#path;
    })();
    return this.#written;
  }
}

/**
 * Vigil's server importing the same Prometheus text file through the same
 * endpoint as VictoriaMetrics: parsing and appending, measured as the server
 * process's CPU time.
 */
async function benchVigilImport(ds: Dataset, work: string, promText: PromTextFile, r: Results): Promise<void> {
  const input = await promText.get();
  const dir = join(work, 'vigil-import');
  mkdirSync(dir);
  const srv = await startVigilServer({ dataDir: join(dir, 'data'), workDir: dir, extraFlags: ['--web.max-body-size=64GB'] });
  try {
    const cpu0 = readCpuSeconds(srv.pid);
    const t0 = performance.now();
    const body = JSON.parse(await importPrometheusText(srv, input)) as { data?: { samplesAccepted?: number; samplesRejected?: number } };
    const wall = performance.now() - t0;
    const cpu = readCpuSeconds(srv.pid) - cpu0;
    const accepted = body.data?.samplesAccepted ?? NaN;
    log(`server import of Prometheus text: ${accepted} samples accepted in ${seconds(wall)} (${cpu.toFixed(1)} s CPU)`);
    if (accepted !== ds.totalSamples) r.notes.push(`Vigil's import accepted ${accepted} samples (${body.data?.samplesRejected} rejected), the dataset has ${ds.totalSamples}`);
    r.set('ingestCpu', 'vigil', accepted / cpu);
  } finally {
    await srv.stop();
  }
}

// ---------------------------------------------------------------------------
// Peers: memory per active series, measured the same way for both.

/**
 * Starts a fresh peer, reads its settled RSS, remote-writes the dataset's
 * last `rssSamples` steps (timestamps moved to now), reads RSS again.
 */
async function peerMemory(
  start: () => Promise<PeerProcess>,
  writePath: string,
  afterPush: (peer: PeerProcess) => Promise<void>,
  ds: Dataset,
  o: BenchOptions,
): Promise<{ series: number; before: MemoryReading; after: MemoryReading; peer: PeerProcess }> {
  const peer = await start();
  try {
    const before = await settledMemory(peer.pid, 3_000);
    const labels = new LazyLabels(ds);
    const shift = Date.now() - o.dataset.endMs;
    const seen = new Uint8Array(ds.seriesCount);
    const b = new WriteRequestBuilder();
    const url = new URL(writePath, peer.url).href;
    for (const step of ds.steps(o.dataset.samples - o.rssSamples)) {
      for (let i = 0; i < step.present.length; i++) {
        if (!step.present[i]) continue;
        seen[i] = 1;
        b.add(labels.get(i), step.timestamps[i] + shift, step.values[i]);
        if (b.count >= 2_000) await postWriteRequest(url, b.finish());
      }
      if (b.count > 0) await postWriteRequest(url, b.finish());
    }
    await afterPush(peer);
    const after = await settledMemory(peer.pid, 3_000);
    return { series: seen.reduce((a, x) => a + x, 0), before, after, peer };
  } catch (e) {
    await peer.stop();
    throw e;
  }
}

/**
 * Counts the dataset's samples through a peer's PromQL API, one metric name
 * at a time (count_over_time drops the name, so series of different metrics
 * with equal other labels would collide in one query).
 */
async function countSamples(baseUrl: string, ds: Dataset): Promise<number> {
  const names = new Set<string>();
  for (const ls of ds.labels()) names.add(ls.metricName());
  const span = Math.ceil((ds.maxTimeMs - ds.minTimeMs) / 60_000) + 1;
  let total = 0;
  for (const n of names) total += await queryNumber(baseUrl, `sum(count_over_time(${n}[${span}m]))`, ds.maxTimeMs - 1);
  return total;
}

// ---------------------------------------------------------------------------
// Prometheus

async function benchPrometheus(ds: Dataset, o: BenchOptions, work: string, r: Results): Promise<void> {
  console.log('\nPrometheus');
  const prom = prometheusBinary();
  const promtool = promtoolBinary();
  if (!prom || !promtool) {
    const msg = missingPeerMessage(!prom ? 'prometheus' : 'promtool');
    log(msg);
    r.notes.push(`Prometheus: ${msg}`);
    return;
  }
  log(prometheusVersion(prom));
  const dir = join(work, 'prometheus');
  mkdirSync(dir);
  const input = join(dir, 'dataset.om');
  let t0 = performance.now();
  const bytes = await writeText(ds, input, 'openmetrics');
  log(`wrote ${mib(bytes)} of OpenMetrics in ${seconds(performance.now() - t0)}`);

  const blocksDir = join(dir, 'data');
  const bf = await createBlocksFromOpenMetrics(promtool, input, blocksDir, join(dir, 'promtool.log'));
  rmSync(input);
  const samples = bf.blocks.reduce((a, b) => a + b.samples, 0);
  log(`promtool backfill: ${bf.blocks.length} blocks, ${samples} samples in ${seconds(bf.wallMs)} (${bf.cpuSeconds.toFixed(1)} s CPU)`);
  if (samples !== ds.totalSamples) r.notes.push(`promtool wrote ${samples} samples, the dataset has ${ds.totalSamples}`);
  r.set('ingestCpu', 'prometheus', samples / bf.cpuSeconds);
  let chunks = 0;
  let total = 0;
  for (const b of bf.blocks) {
    chunks += diskBytes(join(blocksDir, b.ulid, 'chunks'));
    total += diskBytes(join(blocksDir, b.ulid));
  }
  log(`disk: chunks ${chunks} B, blocks total ${total} B`);
  r.set('bpsChunks', 'prometheus', chunks / samples);
  r.set('bpsBlocks', 'prometheus', total / samples);

  // The blocks must be readable by the server: count every sample through PromQL.
  const srv = await startPrometheus({ binary: prom, dataDir: blocksDir, workDir: dir });
  try {
    const counted = await countSamples(srv.url, ds);
    log(`server on the backfilled blocks counts ${counted} samples`);
    if (counted !== ds.totalSamples) r.notes.push(`Prometheus counted ${counted} samples in the backfilled blocks, the dataset has ${ds.totalSamples}`);
  } finally {
    await srv.stop();
  }

  const memDir = join(dir, 'memory');
  mkdirSync(join(memDir, 'data'), { recursive: true });
  const m = await peerMemory(
    () => startPrometheus({ binary: prom, dataDir: join(memDir, 'data'), workDir: memDir, remoteWriteReceiver: true }),
    '/api/v1/write',
    async () => {},
    ds,
    o,
  );
  try {
    const head = (await selfMetrics(m.peer.url)).get('prometheus_tsdb_head_series') ?? NaN;
    log(`memory: ${m.series} active series (head has ${head}) with ${o.rssSamples} samples each: RSS ${mib(m.before.rssBytes)} → ${mib(m.after.rssBytes)}`);
    r.set('rss', 'prometheus', (m.after.rssBytes - m.before.rssBytes) / m.series);
    r.set('anon', 'prometheus', (m.after.anonBytes - m.before.anonBytes) / m.series);
  } finally {
    await m.peer.stop();
  }
}

// ---------------------------------------------------------------------------
// VictoriaMetrics

async function benchVictoriaMetrics(ds: Dataset, o: BenchOptions, work: string, promText: PromTextFile, r: Results): Promise<void> {
  console.log('\nVictoriaMetrics');
  const bin = victoriaMetricsBinary();
  if (!bin) {
    const msg = missingPeerMessage('victoria-metrics');
    log(msg);
    r.notes.push(`VictoriaMetrics: ${msg}`);
    return;
  }
  const dir = join(work, 'victoria-metrics');
  mkdirSync(dir);
  const input = await promText.get();

  const dataDir = join(dir, 'data');
  const vm = await startVictoriaMetrics({ binary: bin, dataDir, workDir: dir });
  try {
    log(await victoriaMetricsVersion(vm));
    const cpu0 = readCpuSeconds(vm.pid);
    const t0 = performance.now();
    await importPrometheusText(vm, input);
    await flushAndMerge(vm);
    const wall = performance.now() - t0;
    const cpu = readCpuSeconds(vm.pid) - cpu0;
    log(`import + flush + merge: ${seconds(wall)} (${cpu.toFixed(1)} s CPU)`);
    r.set('ingestCpu', 'victoria-metrics', ds.totalSamples / cpu);
    const counted = await countSamples(vm.url, ds);
    log(`server counts ${counted} samples`);
    if (counted !== ds.totalSamples) r.notes.push(`VictoriaMetrics counted ${counted} samples, the dataset has ${ds.totalSamples}`);
  } finally {
    await vm.stop();
  }
  // Sizes after a clean shutdown (which flushes whatever is left).
  const data = diskBytes(join(dataDir, 'data'));
  const total = data + diskBytes(join(dataDir, 'indexdb'));
  log(`disk: data ${data} B, data + indexdb ${total} B (whole directory ${diskBytes(dataDir)} B)`);
  r.set('bpsChunks', 'victoria-metrics', data / ds.totalSamples);
  r.set('bpsBlocks', 'victoria-metrics', total / ds.totalSamples);

  const memDir = join(dir, 'memory');
  mkdirSync(join(memDir, 'data'), { recursive: true });
  const m = await peerMemory(
    () => startVictoriaMetrics({ binary: bin, dataDir: join(memDir, 'data'), workDir: memDir }),
    '/api/v1/write',
    async (peer) => {
      const res = await fetch(new URL('/internal/force_flush', peer.url));
      await res.arrayBuffer();
    },
    ds,
    o,
  );
  try {
    log(`memory: ${m.series} active series with ${o.rssSamples} samples each: RSS ${mib(m.before.rssBytes)} → ${mib(m.after.rssBytes)}`);
    r.set('rss', 'victoria-metrics', (m.after.rssBytes - m.before.rssBytes) / m.series);
    r.set('anon', 'victoria-metrics', (m.after.anonBytes - m.before.anonBytes) / m.series);
  } finally {
    await m.peer.stop();
  }
}

// ---------------------------------------------------------------------------

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1];
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

export async function run(argv: string[]): Promise<void> {
  const { opts, child } = parseOptions(argv);
  if (child) return rssChild(opts, child.dbDir);

  const ds = new Dataset(opts.dataset);
  const d = opts.dataset;
  console.log(
    `storage benchmark: ${ds.seriesCount} series (${ds.instanceCount} hosts) × ${d.samples} samples at ${d.intervalMs / 1000} s ` +
      `= ${ds.totalSamples} samples, ending ${new Date(d.endMs).toISOString()}, seed ${d.seed}`,
  );
  console.log(`machine: ${cpuModel()}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);

  const r = new Results();
  r.define('append', 'append throughput, one core', 'samples/s', 'higher');
  r.define('ingestCpu', 'text import per CPU-second (Prometheus: promtool backfill)', 'samples/s', 'higher', ['victoria-metrics']);
  r.define('bpsChunks', 'disk, sample data only', 'bytes/sample', 'lower');
  r.define('bpsBlocks', 'disk, data + index', 'bytes/sample', 'lower');
  r.define('rss', `RSS per active series (${opts.rssSamples} samples each)`, 'bytes', 'lower');
  r.define('anon', 'anonymous RSS per active series', 'bytes', 'lower');
  r.define('selectAllHead', 'select+decode all series, head', 'samples/s', 'higher');
  r.define('selectOneHead', 'select+decode one metric, head', 'samples/s', 'higher');
  r.define('selectAllBlocks', 'select+decode all series, blocks', 'samples/s', 'higher');
  r.define('selectOneBlocks', 'select+decode one metric, blocks', 'samples/s', 'higher');

  const work = mkdtempSync(join(opts.dir, 'vigil-bench-storage-'));
  try {
    const promText = new PromTextFile(ds, join(work, 'dataset.prom'));
    await benchVigil(ds, opts, work, r);
    await benchVigilImport(ds, work, promText, r);
    if (opts.peers.has('prometheus')) await benchPrometheus(ds, opts, work, r);
    if (opts.peers.has('victoria-metrics')) await benchVictoriaMetrics(ds, opts, work, promText, r);
  } finally {
    if (opts.keep) console.log(`\nkept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  console.log('');
  printTable(r);
}
