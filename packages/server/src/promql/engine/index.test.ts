import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { MemoryStorage } from '../../storage/memory.js';
import { Engine, QueryError, apiErrorType } from './index.js';

async function storage(series: number, points: number, stepMs = 15_000): Promise<MemoryStorage> {
  const db = new MemoryStorage();
  const app = db.appender();
  for (let s = 0; s < series; s++) {
    const ls = Labels.fromObject({ __name__: 'http_requests_total', job: `j${s % 10}`, instance: `i${s}` });
    let ref = 0;
    for (let p = 0; p < points; p++) ref = app.append(ref, ls, p * stepMs, p * (s + 1));
  }
  await app.commit();
  return db;
}

async function errorOf(p: Promise<unknown>): Promise<QueryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error('expected the query to fail');
}

describe('Engine', () => {
  it('answers instant and range queries in column shape', async () => {
    const db = await storage(2, 41);
    const e = new Engine();
    const r = await e.instantQuery(db, 'sum by (job) (rate(http_requests_total[1m]))', 600_000);
    expect(r.resultType).toBe('vector');
    expect(r.series.map((s) => s.labels.toString())).toEqual(['{job="j0"}', '{job="j1"}']);
    expect(r.series[0].values[0]).toBeCloseTo(1 / 15, 12);
    expect(r.series[1].values[0]).toBeCloseTo(2 / 15, 12);
    const m = await e.rangeQuery(db, 'http_requests_total{instance="i0"}', 0, 60_000, 30_000);
    expect(m.resultType).toBe('matrix');
    expect([...m.series[0].timestamps]).toEqual([0, 30_000, 60_000]);
    expect(m.series[0].values).toBeInstanceOf(Float64Array);
  });

  it('folds a range function streamed into an aggregation like the materialised one, duplicates included', async () => {
    const db = new MemoryStorage();
    const app = db.appender();
    // a_total and b_total share their labels once rate() drops the name: b only in [0, 5m), a only in [10m, 15m).
    const add = (name: string, instance: string, from: number, to: number, per: number) => {
      const ls = Labels.fromObject({ __name__: name, instance, job: 'j' });
      let ref = 0;
      for (let t = from; t < to; t += 15_000) ref = app.append(ref, ls, t, (t / 1000) * per);
    };
    add('a_total', 'x', 600_000, 900_000, 1);
    add('b_total', 'x', 0, 300_000, 2);
    add('c_total', 'y', 0, 900_000, 3);
    add('c_total', 'z', 0, 900_000, 0.1);
    add('d_total', 'y', 0, 900_000, 5);
    await app.commit();
    const e = new Engine();
    const streamed = await e.rangeQuery(db, 'sum by (job) (rate({__name__=~"a_total|b_total|c_total"}[1m]))', 60_000, 840_000, 60_000);
    // The same fold over a materialised input: `+ 0` keeps rate() from being streamed.
    const plain = await e.rangeQuery(db, 'sum by (job) (rate({__name__=~"a_total|b_total|c_total"}[1m]) + 0)', 60_000, 840_000, 60_000);
    expect(streamed.series.map((x) => [x.labels.toString(), [...x.timestamps], [...x.values]])).toEqual(
      plain.series.map((x) => [x.labels.toString(), [...x.timestamps], [...x.values]]),
    );
    expect(streamed.series[0].values[0]).toBeCloseTo(2 + 3 + 0.1, 9);
    expect(streamed.series[0].values.at(-1)).toBeCloseTo(1 + 3 + 0.1, 9);
    for (const op of ['avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar']) {
      const a = await e.rangeQuery(db, `${op}(rate(c_total[1m]))`, 60_000, 840_000, 60_000);
      const b = await e.rangeQuery(db, `${op}(rate(c_total[1m]) + 0)`, 60_000, 840_000, 60_000);
      expect([op, a.series.map((x) => [...x.values])]).toEqual([op, b.series.map((x) => [...x.values])]);
      // A selector streams too (label_replace, a no-op here, keeps it from streaming).
      const c = await e.rangeQuery(db, `${op} by (instance) ({__name__=~".+_total"})`, 0, 900_000, 30_000);
      const d = await e.rangeQuery(db, `${op} by (instance) (label_replace({__name__=~".+_total"}, "zz", "", "zz", ""))`, 0, 900_000, 30_000);
      expect([op, c.series.map((x) => [x.labels.toString(), [...x.values]])]).toEqual([op, d.series.map((x) => [x.labels.toString(), [...x.values]])]);
    }
    // topk and friends take streamed series too; ties (c and d share rates) come out in the same order.
    const x = new Engine({ enableExperimentalFunctions: true });
    for (const q of ['topk(2, %)', 'bottomk(1, %)', 'limitk(2, %)', 'limit_ratio(0.5, %)', 'topk by (instance) (1, %)']) {
      const a = await x.rangeQuery(db, q.replace('%', 'rate({__name__=~"a_total|b_total|c_total"}[1m])'), 60_000, 840_000, 60_000);
      const b = await x.rangeQuery(db, q.replace('%', '(rate({__name__=~"a_total|b_total|c_total"}[1m]) + 0)'), 60_000, 840_000, 60_000);
      expect([q, a.series.map((r) => [r.labels.toString(), [...r.timestamps], [...r.values]])]).toEqual([q, b.series.map((r) => [r.labels.toString(), [...r.timestamps], [...r.values]])]);
    }
    // Subqueries stream their inner series too, merging or refusing duplicates the same way.
    const sub = await e.rangeQuery(db, 'max_over_time(rate({__name__=~"a_total|b_total|c_total"}[1m])[5m:1m])', 60_000, 840_000, 60_000);
    const subPlain = await e.rangeQuery(db, 'max_over_time((rate({__name__=~"a_total|b_total|c_total"}[1m]) + 0)[5m:1m])', 60_000, 840_000, 60_000);
    expect(sub.series.map((x) => [x.labels.toString(), [...x.timestamps], [...x.values]])).toEqual(
      subPlain.series.map((x) => [x.labels.toString(), [...x.timestamps], [...x.values]]),
    );
    expect((await errorOf(e.rangeQuery(db, 'max_over_time(rate({__name__=~"c_total|d_total"}[1m])[5m:1m])', 60_000, 840_000, 60_000))).message).toMatch(
      /vector cannot contain metrics with the same labelset/,
    );
    // c_total and d_total collide at the same steps: refused, as Prometheus does, in range and instant queries.
    for (const p of [
      e.rangeQuery(db, 'sum(rate({__name__=~"c_total|d_total"}[1m]))', 60_000, 840_000, 60_000),
      e.instantQuery(db, 'sum(rate({__name__=~"c_total|d_total"}[1m]))', 120_000),
      e.instantQuery(db, 'sum(rate({__name__=~"a_total|b_total"}[10m]))', 660_000),
    ]) {
      expect((await errorOf(p)).message).toMatch(/vector cannot contain metrics with the same labelset/);
    }
  });

  it('reports parse errors with position and bad_data type', async () => {
    const db = await storage(1, 1);
    const err = await errorOf(new Engine().instantQuery(db, 'sum(', 0));
    expect(err.code).toBe('parse_error');
    expect(err.position).toBeDefined();
    expect(apiErrorType(err.code)).toBe('bad_data');
  });

  it('refuses range vectors in range queries and too many points', async () => {
    const db = await storage(1, 1);
    const e = new Engine();
    expect((await errorOf(e.rangeQuery(db, 'x[5m]', 0, 60_000, 1000))).message).toBe(
      'invalid expression type "range vector" for range query, must be Scalar or instant Vector',
    );
    expect((await errorOf(e.rangeQuery(db, 'x', 0, 20_000_000, 1000))).code).toBe('bad_data');
  });

  it('fails with Prometheus\'s message when a query would hold too many samples', async () => {
    const db = await storage(50, 100);
    const err = await errorOf(new Engine({ maxSamples: 1000 }).rangeQuery(db, 'http_requests_total', 0, 1_500_000, 15_000));
    expect(err.code).toBe('too_many_samples');
    expect(err.message).toBe('query processing would load too many samples into memory in query execution');
    expect(apiErrorType(err.code)).toBe('execution');
  });

  it('stops a query when its signal aborts, and on timeout', async () => {
    const db = await storage(200, 2000);
    const e = new Engine({ timeoutMs: 5 });
    const timeout = await errorOf(e.rangeQuery(db, 'sum(rate(http_requests_total[5m]))', 0, 30_000_000, 15_000));
    expect(timeout.code).toBe('timeout');
    expect(timeout.message).toBe('query timed out in query execution');

    const ac = new AbortController();
    const p = new Engine().rangeQuery(db, 'sum(rate(http_requests_total[5m]))', 0, 30_000_000, 15_000, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    const canceled = await errorOf(p);
    expect(canceled.code).toBe('canceled');
    expect(canceled.message).toBe('query was canceled in query execution');
  });

  it('queues queries beyond maxConcurrent and cancels them in the queue', async () => {
    const db = await storage(200, 2000);
    const e = new Engine({ maxConcurrent: 1 });
    const slow = e.rangeQuery(db, 'sum(rate(http_requests_total[5m]))', 0, 30_000_000, 15_000);
    const ac = new AbortController();
    const queued = e.instantQuery(db, '1', 0, { signal: ac.signal });
    ac.abort();
    const err = await errorOf(queued);
    expect(err.message).toBe('query was canceled in query queue');
    await slow;
    expect((await e.instantQuery(db, '1+1', 0)).scalar?.v).toBe(2);
  });

  it('ends a series at a staleness marker', async () => {
    const db = new MemoryStorage();
    const app = db.appender();
    const ls = Labels.fromObject({ __name__: 'up' });
    app.append(0, ls, 0, 1);
    app.append(0, ls, 15_000, STALE_NAN);
    await app.commit();
    const e = new Engine();
    expect((await e.instantQuery(db, 'up', 10_000)).series).toHaveLength(1);
    expect((await e.instantQuery(db, 'up', 20_000)).series).toHaveLength(0);
  });

  it('collects stats on request', async () => {
    const db = await storage(3, 10);
    const r = await new Engine().instantQuery(db, 'http_requests_total', 100_000, { stats: true });
    expect(r.stats?.samples.totalQueryableSamples).toBe(3);
    expect(r.stats?.samples.peakSamples).toBeGreaterThanOrEqual(3);
  });
});
