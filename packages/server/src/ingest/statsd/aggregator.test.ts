import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../model/value.js';
import { StatsdAggregator, type StatsdAggregationOptions } from './aggregator.js';
import { LineKind, StatsdParser } from './parser.js';

function feed(agg: StatsdAggregator, text: string, now = 0): string[] {
  const p = new StatsdParser().reset(text);
  const errors: string[] = [];
  for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
    if (k === LineKind.Error) errors.push(p.error);
    else {
      const e = agg.add(p, now);
      if (e !== undefined) errors.push(e);
    }
  }
  return errors;
}

function flush(agg: StatsdAggregator, t = 1000): Record<string, number> {
  const out: Record<string, number> = {};
  agg.flush(t, (ls, _ref, v) => {
    out[ls.toString()] = v;
    return 1;
  });
  return out;
}

const agg = (o: Partial<StatsdAggregationOptions> = {}) => new StatsdAggregator(o);

describe('statsd aggregation', () => {
  it('counters accumulate across flushes, scaled by the sample rate', () => {
    const a = agg();
    feed(a, 'hits:1|c\nhits:2|c|@0.5\nhits:1|c|#route:/x');
    expect(flush(a)).toEqual({ hits: 5, 'hits{route="/x"}': 1 });
    feed(a, 'hits:1|c');
    expect(flush(a)).toEqual({ hits: 6, 'hits{route="/x"}': 1 });
  });

  it('gauges keep the last value and take deltas', () => {
    const a = agg();
    feed(a, 'temp:10|g\ntemp:+5|g\ntemp:-2|g');
    expect(flush(a)).toEqual({ temp: 13 });
    feed(a, 'temp:4|g');
    expect(flush(a)).toEqual({ temp: 4 });
  });

  it('sets count distinct members per interval', () => {
    const a = agg();
    feed(a, 'users:a|s\nusers:b|s\nusers:a|s');
    expect(flush(a)).toEqual({ users: 2 });
    expect(flush(a)).toEqual({ users: 0 });
  });

  it('timers as summaries: quantiles, min and max per interval, sum and count cumulative, ms to seconds', () => {
    const a = agg({ quantiles: [0.5, 0.9] });
    feed(a, Array.from({ length: 10 }, (_, i) => `rt:${(i + 1) * 100}|ms`).join('\n'));
    expect(flush(a)).toEqual({
      'rt{quantile="0.5"}': 0.5,
      'rt{quantile="0.9"}': 0.9,
      rt_sum: 5.5,
      rt_count: 10,
      rt_min: 0.1,
      rt_max: 1,
    });
    feed(a, 'rt:2000|ms|@0.5');
    expect(flush(a)).toEqual({ 'rt{quantile="0.5"}': 2, 'rt{quantile="0.9"}': 2, rt_sum: 9.5, rt_count: 12, rt_min: 2, rt_max: 2 });
    expect(flush(a)).toEqual({ rt_sum: 9.5, rt_count: 12 });
  });

  it('histograms and distributions keep their unit; histogram mode writes cumulative buckets', () => {
    const a = agg({ timerType: 'histogram', buckets: [1, 10] });
    feed(a, 'size:0.5|h\nsize:5|d\nsize:50|h\nlat:2000|ms');
    expect(flush(a)).toEqual({
      'size_bucket{le="1"}': 1,
      'size_bucket{le="10"}': 2,
      'size_bucket{le="+Inf"}': 3,
      size_sum: 55.5,
      size_count: 3,
      'lat_bucket{le="1"}': 0,
      'lat_bucket{le="10"}': 1,
      'lat_bucket{le="+Inf"}': 1,
      lat_sum: 2,
      lat_count: 1,
    });
  });

  it('maps names and tag names as statsd_exporter does; tag order does not split a series', () => {
    const a = agg();
    feed(a, 'api.req-count:1|c|#http.method:GET,zone:a\napi.req-count:1|c|#zone:a,http.method:GET');
    expect(flush(a)).toEqual({ 'api_req_count{http_method="GET", zone="a"}': 2 });
  });

  it('refuses a sample of another kind for an existing series', () => {
    const a = agg();
    expect(feed(a, 'x:1|c\nx:1|g')).toEqual(['metric "x" is already a counter, cannot take a gauge sample']);
  });

  it('bounds the number of series', () => {
    const a = agg({ maxSeries: 2 });
    expect(feed(a, 'a:1|c\nb:1|c\nc:1|c')).toEqual(['too many StatsD series (the limit is 2)']);
  });

  it('forgets idle series after a staleness marker', () => {
    const a = agg({ seriesTtlMs: 1000 });
    feed(a, 'g:1|g', 0);
    expect(flush(a, 500)).toEqual({ g: 1 });
    const out = flush(a, 2000);
    expect(isStaleNaN(out.g)).toBe(true);
    expect(a.series).toBe(0);
    expect(flush(a, 3000)).toEqual({});
  });

  it('keeps a bounded reservoir of timer values', () => {
    const a = agg({ maxValuesPerInterval: 100, quantiles: [0.5] });
    feed(a, Array.from({ length: 10_000 }, (_, i) => `t:${i}|h`).join('\n'));
    const out = flush(a);
    expect(out.t_count).toBe(10_000);
    expect(out.t_max).toBe(9999);
    expect(out.t_min).toBe(0);
    expect(out['t{quantile="0.5"}']).toBeGreaterThan(1000);
    expect(out['t{quantile="0.5"}']).toBeLessThan(9000);
  });
});
