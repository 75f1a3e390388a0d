/**
 * `/api/v1/status/*`, with Prometheus's shapes:
 *
 * - `buildinfo`: `{version, revision, branch, buildUser, buildDate, goVersion}`.
 *   `version` is the Prometheus version whose API Vigil serves, because
 *   clients gate features on it (Grafana needs ≥ 2.24 for `match[]` on the
 *   labels endpoints); Vigil's own version is in `revision`, and
 *   `application` says which program answered. `goVersion` names the Node
 *   runtime instead.
 * - `runtimeinfo`: `{startTime, CWD, hostname, serverTime, reloadConfigSuccess,
 *   lastConfigTime, corruptionCount, goroutineCount, GOMAXPROCS, GOMEMLIMIT,
 *   GOGC, GODEBUG, storageRetention}`; the Go-runtime fields carry the Node
 *   equivalents (active handles, usable cores, V8 heap limit).
 * - `flags`: every flag with its effective value, as strings.
 * - `config`: `{yaml}` — the config file as loaded, or the effective global
 *   section when there is no file.
 * - `tsdb?limit=10`: `{headStats: {numSeries, numLabelPairs, chunkCount,
 *   minTime, maxTime}, seriesCountByMetricName, labelValueCountByLabelName,
 *   memoryInBytesByLabelName, seriesCountByLabelValuePair}`, each list the
 *   top `limit` `{name, value}` by value (ties by name). Memory by label
 *   name is the bytes of its values times the series holding each, as
 *   Prometheus 2.x counts it.
 */
import { availableParallelism, hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { HeadStats } from '../tsdb/db.js';
import type { Storage } from '../storage/interface.js';
import { Matcher } from '../model/matcher.js';
import { sendSuccess, successEnvelope } from './envelope.js';
import { badData } from './errors.js';
import type { Router } from './router.js';

/** The Prometheus release whose HTTP API and PromQL semantics Vigil follows. */
export const PROMETHEUS_COMPATIBLE_VERSION = '3.0.0';
export const VIGIL_VERSION = '0.1.0';

/** What a storage with a head (the embedded TSDB) can tell about itself. */
export interface HeadStatsSource {
  stats(): HeadStats;
  /** Label pairs of the head with their series counts. */
  headCardinality(): Iterable<[string, string, number]>;
}

export interface StatusDeps {
  storage: Storage;
  /** Effective value of every command-line flag. */
  flags: () => Readonly<Record<string, string>>;
  /** The loaded configuration as YAML. */
  configYaml: () => string;
  startTimeMs: number;
  /** Time of the last (re)load of the configuration, and whether it applied. */
  lastConfig: () => { timeMs: number; success: boolean };
  /** e.g. `15d`, `15d or 10GiB`. */
  storageRetention: string;
  now: () => number;
}

export function registerStatusApi(router: Router, deps: StatusDeps): void {
  router
    .on('GET', '/api/v1/status/buildinfo', ({ res }) =>
      sendSuccess(res, {
        version: PROMETHEUS_COMPATIBLE_VERSION,
        revision: `vigil-${VIGIL_VERSION}`,
        branch: 'main',
        buildUser: 'vigil',
        buildDate: '',
        goVersion: `node${process.versions.node}`,
        application: 'Vigil',
      }),
    )
    .on('GET', '/api/v1/status/runtimeinfo', ({ res }) => {
      const last = deps.lastConfig();
      sendSuccess(res, {
        startTime: new Date(deps.startTimeMs).toISOString(),
        CWD: process.cwd(),
        hostname: hostname(),
        serverTime: new Date(deps.now()).toISOString(),
        reloadConfigSuccess: last.success,
        lastConfigTime: new Date(last.timeMs).toISOString(),
        corruptionCount: 0,
        goroutineCount: process.getActiveResourcesInfo().length,
        GOMAXPROCS: availableParallelism(),
        GOMEMLIMIT: getHeapStatistics().heap_size_limit,
        GOGC: '',
        GODEBUG: '',
        storageRetention: deps.storageRetention,
      });
    })
    .on('GET', '/api/v1/status/flags', ({ res }) => sendSuccess(res, deps.flags()))
    .on('GET', '/api/v1/status/config', ({ res }) => sendSuccess(res, { yaml: deps.configYaml() }))
    .on('GET', '/api/v1/status/tsdb', ({ res, url }) => {
      const s = url.searchParams.get('limit');
      let limit = 10;
      if (s !== null && s !== '') {
        limit = Number(s);
        if (!/^\d+$/.test(s) || limit < 1) throw badData('limit must be a positive number');
      }
      // An empty head has Prometheus's int64 sentinels as its times, which only raw JSON can carry.
      const text = JSON.stringify(successEnvelope(tsdbStatus(deps.storage, limit)))
        .replace('"minTime":null', '"minTime":9223372036854775807')
        .replace('"maxTime":null', '"maxTime":-9223372036854775808');
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
}

export interface TsdbStat {
  name: string;
  value: number;
}

export interface TsdbStatus {
  /** Times in ms; null for an empty head (Prometheus: MaxInt64 and MinInt64). */
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number | null; maxTime: number | null };
  seriesCountByMetricName: TsdbStat[];
  labelValueCountByLabelName: TsdbStat[];
  memoryInBytesByLabelName: TsdbStat[];
  seriesCountByLabelValuePair: TsdbStat[];
}

function hasHead(s: unknown): s is HeadStatsSource {
  return typeof (s as HeadStatsSource).stats === 'function' && typeof (s as HeadStatsSource).headCardinality === 'function';
}

function headTime(t: number): number | null {
  return Number.isFinite(t) ? t : null;
}

/**
 * Head statistics and the top-`limit` cardinality lists. With the embedded
 * TSDB they come from the head's postings; any other storage is scanned
 * through its querier (every series over all time).
 */
export function tsdbStatus(storage: Storage, limit: number): TsdbStatus {
  let pairs: Iterable<[string, string, number]>;
  let head: TsdbStatus['headStats'];
  if (hasHead(storage)) {
    const st = storage.stats();
    pairs = storage.headCardinality();
    head = {
      numSeries: st.numSeries,
      numLabelPairs: 0,
      chunkCount: st.numChunks,
      minTime: headTime(st.minTime),
      maxTime: headTime(st.maxTime),
    };
  } else {
    const scanned = scanStorage(storage);
    pairs = scanned.pairs;
    head = scanned.head;
  }
  const byMetric: TsdbStat[] = [];
  const byPair: TsdbStat[] = [];
  const valueCount = new Map<string, number>();
  const memory = new Map<string, number>();
  let numPairs = 0;
  for (const [name, value, count] of pairs) {
    if (count === 0 || name === '') continue;
    numPairs++;
    if (name === '__name__') byMetric.push({ name: value, value: count });
    byPair.push({ name: `${name}=${value}`, value: count });
    valueCount.set(name, (valueCount.get(name) ?? 0) + 1);
    memory.set(name, (memory.get(name) ?? 0) + Buffer.byteLength(value) * count);
  }
  head.numLabelPairs = numPairs;
  const top = (xs: TsdbStat[]): TsdbStat[] => xs.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, limit);
  const fromMap = (m: Map<string, number>): TsdbStat[] => top([...m].map(([name, value]) => ({ name, value })));
  return {
    headStats: head,
    seriesCountByMetricName: top(byMetric),
    labelValueCountByLabelName: fromMap(valueCount),
    memoryInBytesByLabelName: fromMap(memory),
    seriesCountByLabelValuePair: top(byPair),
  };
}

function scanStorage(storage: Storage): { pairs: Iterable<[string, string, number]>; head: TsdbStatus['headStats'] } {
  const q = storage.querier(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const counts = new Map<string, Map<string, number>>();
  let numSeries = 0;
  let minTime = Infinity;
  let maxTime = -Infinity;
  try {
    const all = q.select({ start: -Number.MAX_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }, [new Matcher('=~', '__name__', '.+')]);
    for (const s of all) {
      numSeries++;
      const p = s.labels.pairs;
      for (let i = 0; i < p.length; i += 2) {
        let values = counts.get(p[i]);
        if (values === undefined) counts.set(p[i], (values = new Map()));
        values.set(p[i + 1], (values.get(p[i + 1]) ?? 0) + 1);
      }
      const it = s.iterator();
      while (it.next()) {
        if (it.t < minTime) minTime = it.t;
        if (it.t > maxTime) maxTime = it.t;
      }
    }
  } finally {
    q.close();
  }
  const pairs: Array<[string, string, number]> = [];
  for (const [name, values] of counts) for (const [value, n] of values) pairs.push([name, value, n]);
  return {
    pairs,
    head: {
      numSeries,
      numLabelPairs: 0,
      chunkCount: 0,
      minTime: headTime(minTime),
      maxTime: headTime(maxTime),
    },
  };
}
