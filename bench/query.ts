/**
 * Query benchmark: the standard query set over the benchmark dataset, on
 * Vigil's server, Debian's Prometheus and VictoriaMetrics, loaded with the
 * same data in the same run.
 *
 *   npm run bench -- query [--series N] [--samples N] [--interval 15s]
 *                          [--end 2025-01-01T00:00:00Z] [--seed N]
 *                          [--runs 7] [--warmup 3] [--step 60s] [--peers prometheus,victoria-metrics]
 *                          [--dir /tmp] [--keep]
 *
 * Vigil runs as a server process without self-scraping or push listeners
 * (the peers run bare too). Loading: Vigil and VictoriaMetrics get the dataset as Prometheus text in
 * time order through `/api/v1/import/prometheus` (VictoriaMetrics is then
 * flushed and merged); Prometheus gets blocks from `promtool tsdb
 * create-blocks-from openmetrics`. Every query is sent `--warmup` times to
 * each system to warm up (Vigil's JavaScript is optimised by V8 over the
 * first executions of a code path: the figure is a running server's, not a
 * fresh process's), then `--runs` times to each system in turn (round-robin, so drift on the
 * machine hits all three alike); the figure is the median wall time of the
 * HTTP request, client side. VictoriaMetrics gets `nocache=1` so its
 * rollup result cache does not answer repeats. Range queries cover the
 * whole dataset at `--step`; the cardinality query is an instant query at
 * the end of the data. Result sizes (series × points) are compared across
 * systems and a mismatch is printed under the table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, DEFAULT_DATASET, writeText, type DatasetOptions } from './dataset.js';
import { importPrometheusText } from './peers/http.js';
import { missingPeerMessage, type PeerProcess } from './peers/process.js';
import { createBlocksFromOpenMetrics, prometheusBinary, prometheusVersion, promtoolBinary, startPrometheus } from './peers/prometheus.js';
import { startVigilServer } from './peers/vigil.js';
import { flushAndMerge, startVictoriaMetrics, victoriaMetricsBinary, victoriaMetricsVersion } from './peers/victoriametrics.js';

/** The standard query set (issue 3, point 10). */
export const QUERY_SET: ReadonlyArray<{ name: string; query: string; instant?: boolean }> = [
  { name: 'raw series', query: 'node_cpu_seconds_total{mode="user"}' },
  { name: 'sum by rate', query: 'sum by (instance) (rate(node_cpu_seconds_total[5m]))' },
  { name: 'topk', query: 'topk(5, rate(node_network_receive_bytes_total[5m]))' },
  { name: 'regex matchers', query: 'node_filesystem_avail_bytes{mountpoint=~"/|/var.*", fstype!~"tmpfs|overlay"}' },
  { name: 'max_over_time', query: 'max_over_time(node_load1[15m])' },
  { name: 'avg_over_time', query: 'avg_over_time(node_memory_MemAvailable_bytes[10m])' },
  { name: 'histogram_quantile', query: 'histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[5m])))' },
  { name: 'subquery', query: 'max_over_time(rate(http_requests_total[1m])[30m:1m])' },
  { name: 'cardinality (instant)', query: 'count by (__name__) ({__name__=~".+"})', instant: true },
  {
    name: 'wide 5-metric regex rate',
    query:
      // Five counters whose label sets stay distinct once rate() drops the name (else PromQL refuses the duplicates).
      'sum by (instance) (rate({__name__=~"node_cpu_seconds_total|node_network_receive_bytes_total|node_disk_read_bytes_total|node_context_switches_total|http_requests_total"}[5m]))',
  },
];

interface Options {
  dataset: DatasetOptions;
  runs: number;
  warmup: number;
  stepMs: number;
  peers: Set<string>;
  dir: string;
  keep: boolean;
}

function parseDurationFlag(s: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(s);
  if (!m) throw new Error(`cannot parse duration ${JSON.stringify(s)}: want e.g. 15s, 500ms, 1m`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function positiveInt(name: string, s: string): number {
  const n = Number(s.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`cannot parse --${name} ${JSON.stringify(s)}: want a positive integer`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string' },
      samples: { type: 'string' },
      interval: { type: 'string' },
      end: { type: 'string' },
      seed: { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      step: { type: 'string' },
      peers: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const d = DEFAULT_DATASET;
  const end = values.end === undefined ? d.endMs : /^\d+$/.test(values.end) ? Number(values.end) : Date.parse(values.end);
  if (Number.isNaN(end)) throw new Error(`cannot parse --end ${JSON.stringify(values.end)}: want RFC 3339 or ms since the epoch`);
  const peers = new Set((values.peers ?? 'prometheus,victoria-metrics').split(',').filter((p) => p !== ''));
  for (const p of peers) {
    if (p !== 'prometheus' && p !== 'victoria-metrics') throw new Error(`cannot use peer ${JSON.stringify(p)}: known peers are prometheus, victoria-metrics`);
  }
  return {
    dataset: {
      series: values.series ? positiveInt('series', values.series) : d.series,
      samples: values.samples ? positiveInt('samples', values.samples) : d.samples,
      intervalMs: values.interval ? parseDurationFlag(values.interval) : d.intervalMs,
      endMs: end,
      seed: values.seed ? Number(values.seed) : d.seed,
      jitterMs: 0,
    },
    runs: values.runs ? positiveInt('runs', values.runs) : 7,
    warmup: values.warmup ? positiveInt('warmup', values.warmup) : 3,
    stepMs: values.step ? parseDurationFlag(values.step) : 60_000,
    peers,
    dir: values.dir ?? tmpdir(),
    keep: values.keep ?? false,
  };
}

function log(msg: string): void {
  console.log(`  ${msg}`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

interface System {
  key: 'vigil' | 'prometheus' | 'victoria-metrics';
  peer: PeerProcess;
  extra: Record<string, string>;
}

interface Answer {
  ms: number;
  /** series × points, to check the systems answered the same question. */
  size: string;
}

async function runQuery(sys: System, q: (typeof QUERY_SET)[number], range: { start: number; end: number; step: number }): Promise<Answer> {
  const u = new URL(q.instant ? '/api/v1/query' : '/api/v1/query_range', sys.peer.url);
  u.searchParams.set('query', q.query);
  if (q.instant) u.searchParams.set('time', String(range.end / 1000));
  else {
    u.searchParams.set('start', String(range.start / 1000));
    u.searchParams.set('end', String(range.end / 1000));
    u.searchParams.set('step', String(range.step / 1000));
  }
  for (const [k, v] of Object.entries(sys.extra)) u.searchParams.set(k, v);
  const t0 = performance.now();
  const res = await fetch(u, { signal: AbortSignal.timeout(600_000) });
  const text = await res.text();
  const ms = performance.now() - t0;
  const body = JSON.parse(text) as { status: string; error?: string; data: { resultType: string; result: Array<{ values?: unknown[] }> } };
  if (body.status !== 'success') throw new Error(`${sys.key}: ${q.name}: ${body.error ?? res.status}`);
  const series = body.data.result.length;
  const points = body.data.result.reduce((a, s) => a + (s.values?.length ?? 1), 0);
  return { ms, size: `${series} series × ${points} points` };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function fmtMs(v: number | undefined): string {
  if (v === undefined) return '—';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const out = rows.map((r) => `| ${r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`);
  out.splice(1, 0, `|${widths.map((w, c) => (c < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  return out.join('\n');
}

async function loadVigil(work: string, promText: string): Promise<PeerProcess> {
  console.log('\nVigil');
  const dir = join(work, 'vigil');
  mkdirSync(dir);
  // Like the peers: no self-scrape and no push listeners, so only the benchmark's queries run; the import is one large body.
  const conf = join(dir, 'vigil.yml');
  writeFileSync(conf, 'scrape_configs: []\n');
  const quiet = ['influx', 'graphite', 'statsd', 'opentsdb'].map((p) => `--${p}.listen-address=`);
  const peer = await startVigilServer({ dataDir: join(dir, 'data'), workDir: dir, extraFlags: [`--config.file=${conf}`, '--web.max-body-size=64GB', ...quiet] });
  const t0 = performance.now();
  await importPrometheusText(peer, promText);
  log(`import: ${seconds(performance.now() - t0)}`);
  return peer;
}

async function loadPrometheus(ds: Dataset, work: string): Promise<PeerProcess | undefined> {
  console.log('\nPrometheus');
  const prom = prometheusBinary();
  const promtool = promtoolBinary();
  if (!prom || !promtool) {
    log(missingPeerMessage(!prom ? 'prometheus' : 'promtool'));
    return undefined;
  }
  log(prometheusVersion(prom));
  const dir = join(work, 'prometheus');
  mkdirSync(dir);
  const input = join(dir, 'dataset.om');
  await writeText(ds, input, 'openmetrics');
  const bf = await createBlocksFromOpenMetrics(promtool, input, join(dir, 'data'), join(dir, 'promtool.log'));
  rmSync(input);
  log(`promtool backfill: ${bf.blocks.length} blocks in ${seconds(bf.wallMs)}`);
  return startPrometheus({ binary: prom, dataDir: join(dir, 'data'), workDir: dir });
}

async function loadVictoriaMetrics(work: string, promText: string): Promise<PeerProcess | undefined> {
  console.log('\nVictoriaMetrics');
  const bin = victoriaMetricsBinary();
  if (!bin) {
    log(missingPeerMessage('victoria-metrics'));
    return undefined;
  }
  const dir = join(work, 'victoria-metrics');
  mkdirSync(dir);
  const peer = await startVictoriaMetrics({ binary: bin, dataDir: join(dir, 'data'), workDir: dir });
  log(await victoriaMetricsVersion(peer));
  const t0 = performance.now();
  await importPrometheusText(peer, promText);
  await flushAndMerge(peer);
  log(`import + flush + merge: ${seconds(performance.now() - t0)}`);
  return peer;
}

export async function run(argv: string[]): Promise<void> {
  const o = parseOptions(argv);
  const ds = new Dataset(o.dataset);
  const d = o.dataset;
  console.log(
    `query benchmark: ${ds.seriesCount} series (${ds.instanceCount} hosts) × ${d.samples} samples at ${d.intervalMs / 1000} s ` +
      `= ${ds.totalSamples} samples, ending ${new Date(d.endMs).toISOString()}; ${o.warmup} warm-up + ${o.runs} runs per query, range step ${o.stepMs / 1000} s`,
  );
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);

  const work = mkdtempSync(join(o.dir, 'vigil-bench-query-'));
  const systems: System[] = [];
  try {
    const promText = join(work, 'dataset.prom');
    await writeText(ds, promText, 'prometheus', 'time');
    systems.push({ key: 'vigil', peer: await loadVigil(work, promText), extra: {} });
    if (o.peers.has('prometheus')) {
      const p = await loadPrometheus(ds, work);
      if (p) systems.push({ key: 'prometheus', peer: p, extra: {} });
    }
    if (o.peers.has('victoria-metrics')) {
      const p = await loadVictoriaMetrics(work, promText);
      if (p) systems.push({ key: 'victoria-metrics', peer: p, extra: { nocache: '1' } });
    }
    rmSync(promText);

    // The whole dataset, aligned to the step as dashboards align it.
    const first = d.endMs - (d.samples + 1) * d.intervalMs;
    const range = { start: Math.ceil(first / o.stepMs) * o.stepMs, end: Math.floor(d.endMs / o.stepMs) * o.stepMs, step: o.stepMs };
    const medians = new Map<string, Partial<Record<System['key'], number>>>();
    const notes: string[] = [];
    // Other work on the machine moves every figure: say how busy it was.
    const loadBefore = loadavg()[0];
    for (const q of QUERY_SET) {
      const sizes = new Map<string, string>();
      for (const s of systems) sizes.set(s.key, (await runQuery(s, q, range)).size);
      for (let i = 1; i < o.warmup; i++) for (const s of systems) await runQuery(s, q, range);
      const times = new Map<string, number[]>(systems.map((s) => [s.key, []]));
      for (let i = 0; i < o.runs; i++) for (const s of systems) times.get(s.key)!.push((await runQuery(s, q, range)).ms);
      const row: Partial<Record<System['key'], number>> = {};
      for (const s of systems) row[s.key] = median(times.get(s.key)!);
      medians.set(q.name, row);
      const distinct = new Set(sizes.values());
      if (distinct.size > 1) notes.push(`${q.name}: result sizes differ: ${[...sizes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
      log(`${q.name}: ${[...sizes].map(([k, v]) => `${k} ${v}`).join('; ')}`);
    }

    console.log('');
    const rows = [['query', 'kind', 'Vigil ms', 'Prometheus ms', 'VictoriaMetrics ms', 'Vigil/Prom', 'Vigil/VM']];
    let atMostProm = 0;
    let atMostVm = 0;
    for (const q of QUERY_SET) {
      const m = medians.get(q.name)!;
      if (m.vigil !== undefined && m.prometheus !== undefined && m.vigil <= m.prometheus) atMostProm++;
      if (m.vigil !== undefined && m['victoria-metrics'] !== undefined && m.vigil <= m['victoria-metrics']) atMostVm++;
      rows.push([q.name, q.instant ? 'instant' : 'range', fmtMs(m.vigil), fmtMs(m.prometheus), fmtMs(m['victoria-metrics']), ratio(m.vigil, m.prometheus), ratio(m.vigil, m['victoria-metrics'])]);
    }
    console.log(table(rows));
    console.log(`- median latency per query (lower is better); Vigil at most Prometheus on ${atMostProm}/${QUERY_SET.length}, at most VictoriaMetrics on ${atMostVm}/${QUERY_SET.length}`);
    console.log(`- 1-minute load average ${loadBefore.toFixed(2)} before the queries, ${loadavg()[0].toFixed(2)} after (${cpus().length} cores)`);
    for (const n of notes) console.log(`- ${n}`);
  } finally {
    for (const s of systems) await s.peer.stop();
    if (o.keep) console.log(`\nkept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}
