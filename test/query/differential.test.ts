/**
 * Differential test against Debian's Prometheus (2.42): the same generated
 * dataset is loaded into Prometheus (`promtool tsdb create-blocks-from
 * openmetrics`) and into Vigil (`/api/v1/import/prometheus` of the real
 * server); a few hundred expressions run as instant and range queries on
 * both over HTTP, and the responses are compared as PromLabs' compliance
 * tester compares them (compare.ts).
 *
 * Evaluation times carry a millisecond part that no sample timestamp has,
 * so no range or lookback window starts exactly on a sample: there 3.x's
 * left-open windows and 2.x's closed ones would legitimately differ. The
 * only differences allowed are the documented 2.x→3.x changes listed in
 * `ALLOWED_DIFFERENCES`, each with its reason.
 *
 * Without `prometheus`/`promtool` the test is skipped (Debian package
 * `prometheus`); under CI=true their absence is a failure.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, DEFAULT_END_MS, writeText } from '../../bench/dataset.js';
import { findBinary, missingPeerMessage, type PeerProcess } from '../../bench/peers/process.js';
import { createBlocksFromOpenMetrics, startPrometheus } from '../../bench/peers/prometheus.js';
import { startServer, tempDir, type Running } from '../server/harness.js';
import { compareResponses, type ApiResponse } from './compare.js';
import { generateQueries, type QueryCase } from './differential_queries.js';

/** The push protocols' socket listeners stay off: their default ports belong to nobody in a test run. */
const LISTENERS_OFF = ['--influx.listen-address=', '--graphite.listen-address=', '--statsd.listen-address=', '--opentsdb.listen-address='];

/**
 * Differences between Prometheus 2.42 and Vigil that are 2.x→3.x semantic
 * changes (Vigil follows 3.x). `expr` is matched exactly against the
 * expression; every entry says why 3.x answers differently.
 */
const ALLOWED_DIFFERENCES: ReadonlyArray<{ expr: string; reason: string }> = [
  {
    expr: 'holt_winters(node_load1[10m], 0.5, 0.5)',
    reason: 'Prometheus 3.0 renamed holt_winters to double_exponential_smoothing (behind promql-experimental-functions): unknown function in 3.x',
  },
  {
    expr: 'holt_winters(node_memory_MemFree_bytes[10m], 0.5, 0.5)',
    reason: 'Prometheus 3.0 renamed holt_winters to double_exponential_smoothing (behind promql-experimental-functions): unknown function in 3.x',
  },
  ...['node_load1 atan2 2', '3 atan2 node_load5', 'node_load1 atan2 node_load5'].map((expr) => ({
    expr,
    reason: 'Prometheus 3.x drops __name__ for atan2 as for the other arithmetic operators; 2.x kept it',
  })),
  { expr: 'label_replace(node_load1, "1a", "x", "instance", ".*")', reason: 'Prometheus 3.0 accepts any UTF-8 string as a label name (UTF-8 name validation is the default); 2.x refuses names outside [a-zA-Z_][a-zA-Z0-9_]*' },
  { expr: 'count_values("a b", node_load1)', reason: 'Prometheus 3.0 accepts any UTF-8 string as a label name (UTF-8 name validation is the default); 2.x refuses names outside [a-zA-Z_][a-zA-Z0-9_]*' },
];

const DATASET = { series: 500, samples: 240, intervalMs: 15_000, endMs: DEFAULT_END_MS, seed: 1, jitterMs: 0 };

const prometheus = findBinary('prometheus');
const promtool = findBinary('promtool');
const missing = prometheus === undefined || promtool === undefined;
const mustRun = process.env.CI === 'true';

if (missing && !mustRun) {
  console.warn(`differential test: ${missingPeerMessage(prometheus === undefined ? 'prometheus' : 'promtool')}`);
}

interface Request {
  path: '/api/v1/query' | '/api/v1/query_range';
  params: Record<string, string>;
  c: QueryCase;
}

async function call(base: string, r: Request): Promise<ApiResponse> {
  const u = new URL(r.path, base);
  for (const [k, v] of Object.entries(r.params)) u.searchParams.set(k, v);
  const res = await fetch(u, { signal: AbortSignal.timeout(60_000) });
  return { httpStatus: res.status, body: (await res.json()) as ApiResponse['body'] };
}

/** Seconds with the ms part, as a client sends them. */
const sec = (ms: number) => (ms / 1000).toFixed(3);

describe.skipIf(missing && !mustRun)('PromQL differential test against Prometheus 2.42', () => {
  let work: string;
  let prom: PeerProcess | undefined;
  let vigil: Running | undefined;
  let msPart = 0;

  beforeAll(async () => {
    if (missing) throw new Error(`CI=true: ${missingPeerMessage(prometheus === undefined ? 'prometheus' : 'promtool')}`);
    work = tempDir('vigil-differential-');
    const ds = new Dataset(DATASET);
    // A millisecond part that no sample has (the scrape offsets are whole ms per host).
    const taken = new Set<number>([0]);
    for (const s of ds.series()) taken.add(s.timestamps[0] % 1000);
    msPart = [321, 123, 777, 555, 999, 1].find((m) => !taken.has(m))!;

    const om = join(work, 'data.om');
    await writeText(ds, om, 'openmetrics');
    mkdirSync(join(work, 'prom'));
    await createBlocksFromOpenMetrics(promtool!, om, join(work, 'prom', 'data'), join(work, 'promtool.log'));
    rmSync(om);
    prom = await startPrometheus({ binary: prometheus!, dataDir: join(work, 'prom', 'data'), workDir: join(work, 'prom') });

    const text = join(work, 'data.prom');
    await writeText(ds, text, 'prometheus', 'time');
    vigil = await startServer(join(work, 'vigil'), ['--storage.tsdb.retention.time=0', ...LISTENERS_OFF]);
    const res = await fetch(`${vigil.base}/api/v1/import/prometheus`, { method: 'POST', body: readFileSync(text) });
    expect(res.status, await res.text()).toBeLessThan(300);
  }, 300_000);

  afterAll(async () => {
    await prom?.stop(10_000);
    await vigil?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('answers every query as Prometheus does, except documented 3.x changes', async () => {
    const end = DATASET.endMs;
    // Instant times: early (windows reach before the first sample), middle, late, and past the data (lookback).
    const instants = [end - 3_540_000, end - 1_800_000, end - 60_000, end + 150_000].map((t) => t + msPart);
    const ranges = [
      { start: end - 3_300_000 + msPart, end: end - 300_000 + msPart, step: 60_000 },
      { start: end - 2_400_000 + msPart, end: end + 240_000 + msPart, step: 37_000 },
    ];
    const cases = generateQueries(end - 1_200_000 + msPart);
    const requests: Request[] = [];
    for (const c of cases) {
      for (const t of instants) requests.push({ path: '/api/v1/query', params: { query: c.expr, time: sec(t) }, c });
      if (c.instantOnly) continue;
      for (const r of ranges) {
        requests.push({ path: '/api/v1/query_range', params: { query: c.expr, start: sec(r.start), end: sec(r.end), step: String(r.step / 1000) }, c });
      }
    }

    const unexpected: string[] = [];
    const allowed = new Map<string, number>();
    let nonEmpty = 0;
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const r = requests[next++];
        const [want, got] = await Promise.all([call(prom!.url, r), call(vigil!.base, r)]);
        const data = want.body.data;
        if (data !== undefined && (!Array.isArray(data.result) || data.result.length > 0)) nonEmpty++;
        const diff = compareResponses(want, got, r.c.mode);
        if (diff === undefined) continue;
        const rule = ALLOWED_DIFFERENCES.find((a) => a.expr === r.c.expr);
        if (rule) allowed.set(rule.expr, (allowed.get(rule.expr) ?? 0) + 1);
        else unexpected.push(`${r.path} ${JSON.stringify(r.params)}: ${diff}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    const lines = [
      `differential: ${cases.length} expressions, ${requests.length} queries (${instants.length} instant times, ${ranges.length} ranges each)`,
      `  Prometheus answered ${nonEmpty} with data, ${requests.length - nonEmpty} with an error or an empty result`,
      `  agree: ${requests.length - unexpected.length - [...allowed.values()].reduce((a, b) => a + b, 0)}`,
      `  allowed 2.x→3.x differences: ${[...allowed.values()].reduce((a, b) => a + b, 0)}`,
      ...[...allowed].map(([expr, n]) => `    ${n}× ${expr}: ${ALLOWED_DIFFERENCES.find((a) => a.expr === expr)!.reason}`),
      `  unexpected differences: ${unexpected.length}`,
      ...unexpected.slice(0, 60).map((u) => `    ${u}`),
    ];
    console.log(lines.join('\n'));
    expect(unexpected.length, unexpected.slice(0, 20).join('\n')).toBe(0);
    // The comparison means something only if most answers carry data.
    expect(nonEmpty).toBeGreaterThan(requests.length * 0.8);
  }, 600_000);
});
