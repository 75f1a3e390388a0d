import { describe, expect, it } from 'vitest';
import { exponentialBuckets, Registry } from './registry.js';

describe('Registry', () => {
  it('exposes counters with HELP/TYPE lines, sorted by name', () => {
    const r = new Registry();
    const b = r.counter({ name: 'vigil_b_total', help: 'B.' });
    const a = r.counter({ name: 'vigil_a_total', help: 'A with \\ and\nnewline.' });
    b.inc();
    a.inc(2.5);
    expect(r.expose()).toBe(
      '# HELP vigil_a_total A with \\\\ and\\nnewline.\n' +
        '# TYPE vigil_a_total counter\n' +
        'vigil_a_total 2.5\n' +
        '# HELP vigil_b_total B.\n' +
        '# TYPE vigil_b_total counter\n' +
        'vigil_b_total 1\n',
    );
  });

  it('renders labelled children with escaped values', () => {
    const r = new Registry();
    const c = r.counter({ name: 'vigil_http_requests_total', help: 'Requests.', labelNames: ['handler', 'code'] });
    c.labels('/api/v1/series', '200').inc();
    c.labels('/api/v1/series', '200').inc(2);
    c.labels('a"b\\c\nd', '400').inc();
    const text = r.expose();
    expect(text).toContain('vigil_http_requests_total{handler="/api/v1/series",code="200"} 3\n');
    expect(text).toContain('vigil_http_requests_total{handler="a\\"b\\\\c\\nd",code="400"} 1\n');
  });

  it('rejects decreasing counters, wrong label arity and unlabelled use of labelled metrics', () => {
    const r = new Registry();
    const c = r.counter({ name: 'vigil_x_total', help: 'X.', labelNames: ['a'] });
    expect(() => c.inc()).toThrow(/use \.labels/);
    expect(() => c.labels('1', '2')).toThrow(/expected 1 label values/);
    expect(() => c.labels('1').inc(-1)).toThrow(/cannot decrease/);
  });

  it('rejects duplicate and invalid names', () => {
    const r = new Registry();
    r.gauge({ name: 'vigil_g', help: 'G.' });
    expect(() => r.gauge({ name: 'vigil_g', help: 'G.' })).toThrow(/already registered/);
    expect(() => r.counter({ name: 'bad-name', help: 'x' })).toThrow(/invalid metric name/);
    expect(() => r.counter({ name: 'ok', help: 'x', labelNames: ['__x'] })).toThrow(/invalid label name/);
  });

  it('gauges set/inc/dec and read collect() at exposition time', () => {
    const r = new Registry();
    const g = r.gauge({ name: 'vigil_g', help: 'G.' });
    g.set(5);
    g.inc();
    g.dec(3);
    let n = 7;
    r.gauge({ name: 'vigil_collected', help: 'C.', collect: () => n });
    expect(r.expose()).toContain('vigil_collected 7\n');
    n = 8;
    expect(r.expose()).toContain('vigil_collected 8\n');
    expect(r.expose()).toContain('vigil_g 3\n');
    g.set(NaN);
    expect(r.expose()).toContain('vigil_g NaN\n');
    g.set(-Infinity);
    expect(r.expose()).toContain('vigil_g -Inf\n');
  });

  it('exposes cumulative histogram buckets with +Inf, _sum and _count', () => {
    const r = new Registry();
    const h = r.histogram({ name: 'vigil_latency_seconds', help: 'L.', buckets: [0.1, 1] });
    h.observe(0.05);
    h.observe(0.1);
    h.observe(0.5);
    h.observe(3);
    expect(r.expose()).toBe(
      '# HELP vigil_latency_seconds L.\n' +
        '# TYPE vigil_latency_seconds histogram\n' +
        'vigil_latency_seconds_bucket{le="0.1"} 2\n' +
        'vigil_latency_seconds_bucket{le="1"} 3\n' +
        'vigil_latency_seconds_bucket{le="+Inf"} 4\n' +
        'vigil_latency_seconds_sum 3.65\n' +
        'vigil_latency_seconds_count 4\n',
    );
    const hl = r.histogram({ name: 'vigil_h2', help: 'H.', buckets: [1], labelNames: ['op'] });
    hl.labels('read').observe(2);
    expect(r.expose()).toContain('vigil_h2_bucket{op="read",le="+Inf"} 1\n');
    expect(r.expose()).toContain('vigil_h2_count{op="read"} 1\n');
    expect(() => r.histogram({ name: 'vigil_h3', help: 'H.', buckets: [2, 1] })).toThrow(/strictly increasing/);
  });

  it('builds exponential buckets', () => {
    expect(exponentialBuckets(1, 2, 4)).toEqual([1, 2, 4, 8]);
  });
});
