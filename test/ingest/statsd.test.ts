/**
 * StatsD end to end with npm's hot-shots client over UDP and TCP: counters
 * with sample rates, gauges and deltas, timers, histograms, distributions,
 * sets and DogStatsD tags, aggregated per flush interval and read back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import StatsD from 'hot-shots';
import { killAll, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, metricValue, sendUdp, startWithListeners, type Row } from './net.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

function last(rows: Row[], name: string, labels: Record<string, string> = {}): number | undefined {
  const r = rows.find((x) => x.metric.__name__ === name && Object.entries(labels).every(([k, v]) => x.metric[k] === v));
  return r?.values[r.values.length - 1];
}

function close(c: StatsD): Promise<void> {
  return new Promise((resolve) => c.close(() => resolve()));
}

describe('StatsD', () => {
  for (const protocol of ['udp', 'tcp'] as const) {
    it(`aggregates what hot-shots sends over ${protocol}`, async () => {
      const l = await startWithListeners(tempDir(), ['statsd'], ['--statsd.flush-interval=200ms', '--statsd.quantiles=0.5,0.9']);
      servers.push(l.server);
      const { host, port } = l.addr('statsd', protocol);
      const c = new StatsD({ host, port, protocol, prefix: 'app.', globalTags: { env: 'test' }, errorHandler: () => {} });
      c.increment('requests', 1, { route: '/a' });
      c.increment('requests', 2, { route: '/a' });
      c.increment('sampled', 1, 0.5);
      c.gauge('queue-size', 10);
      c.gauge('queue-size', 5);
      c.gaugeDelta('temperature', 20);
      c.gaugeDelta('temperature', -3);
      for (const ms of [100, 200, 300, 400]) c.timing('db.query', ms, { table: 'users' });
      c.histogram('payload', 512);
      c.distribution('latency', 7);
      c.set('visitors', 'alice');
      c.set('visitors', 'bob');
      c.set('visitors', 'alice');
      await close(c);

      const rows = await eventually(
        () => exportSeries(l.server.base, '{__name__=~"app_.*"}'),
        (r) => last(r, 'app_db_query_count', { table: 'users' }) === 4 && last(r, 'app_visitors') !== undefined && last(r, 'app_requests', { route: '/a' }) === 3,
      );
      expect(last(rows, 'app_requests', { route: '/a', env: 'test' })).toBe(3);
      // hot-shots applies the sample rate on the client: a sample sent with @0.5 counts 2, one not sent counts 0.
      expect([0, 2]).toContain(last(rows, 'app_sampled') ?? 0);
      expect(last(rows, 'app_queue_size')).toBe(5);
      expect(last(rows, 'app_temperature')).toBe(17);
      expect(last(rows, 'app_db_query_sum', { table: 'users' })).toBeCloseTo(1.0);
      const q = rows.filter((r) => r.metric.__name__ === 'app_db_query' && r.metric.quantile !== undefined);
      expect(q.map((r) => [r.metric.quantile, r.values[0]]).sort()).toEqual([
        ['0.5', 0.2],
        ['0.9', 0.4],
      ]);
      expect(last(rows, 'app_db_query_min', { table: 'users' })).toBe(0.1);
      expect(last(rows, 'app_db_query_max', { table: 'users' })).toBe(0.4);
      expect(last(rows, 'app_payload_sum')).toBe(512);
      expect(last(rows, 'app_latency_count')).toBe(1);
      const visitors = rows.find((r) => r.metric.__name__ === 'app_visitors')!;
      expect(visitors.values[0]).toBe(2);
      expect(visitors.metric.env).toBe('test');
    });
  }

  it('histogram mode, several metrics per packet, bad lines counted', async () => {
    const l = await startWithListeners(tempDir(), ['statsd'], ['--statsd.flush-interval=200ms', '--statsd.timer-type=histogram', '--statsd.buckets=0.1,1']);
    servers.push(l.server);
    await sendUdp(l.addr('statsd', 'udp'), ['rt:50|ms\nrt:500|ms|#svc:api\nrt:5000|ms|#svc:api\nbogus\nc:1|c:2|c']);
    const rows = await eventually(
      () => exportSeries(l.server.base, '{__name__=~"rt_.*|c"}'),
      (r) => last(r, 'rt_count', { svc: 'api' }) === 2 && last(r, 'c') === 3,
    );
    expect(last(rows, 'rt_bucket', { svc: 'api', le: '0.1' })).toBe(0);
    expect(last(rows, 'rt_bucket', { svc: 'api', le: '1' })).toBe(1);
    expect(last(rows, 'rt_bucket', { svc: 'api', le: '+Inf' })).toBe(2);
    expect(last(rows, 'rt_bucket', { le: '0.1' })).toBe(1);
    expect(await metricValue(l.server.base, 'vigil_ingest_parse_errors_total', { protocol: 'statsd' })).toBe(1);
  });
});
