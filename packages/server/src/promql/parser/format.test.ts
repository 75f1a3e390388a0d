import { describe, expect, it } from 'vitest';
import { formatExpr, formatNumber, prettyExpr } from './format.js';
import { parseExpr } from './parser.js';
import { normalize } from './testing.js';

describe('formatExpr', () => {
  it.each([
    ['foo', 'foo'],
    ['foo{b="2", a="1"}', 'foo{a="1",b="2"}'],
    ['{__name__="foo"}', '{__name__="foo"}'],
    ['{"my.metric", "a.b"="x"}', '{"my.metric","a.b"="x"}'],
    ['foo{a=~"x\\\\d", b!~"y", c!="z"}', 'foo{a=~"x\\\\d",b!~"y",c!="z"}'],
    ['foo offset 90s', 'foo offset 1m30s'],
    ['foo offset -1h', 'foo offset -1h'],
    ['foo offset 5m @ 100', 'foo @ 100.000 offset 5m'],
    ['foo @ start()', 'foo @ start()'],
    ['foo[1w]', 'foo[1w]'],
    ['foo[14d] offset 1y', 'foo[2w] offset 1y'],
    ['foo[120s:1m] @ end()', 'foo[2m:1m] @ end()'],
    ['foo[5m:]', 'foo[5m:]'],
    ['rate(foo[5m] anchored)', 'rate(foo[5m] anchored)'],
    ['foo[5m+1m]', 'foo[5m + 1m]'],
    ['foo offset (1h*2)', 'foo offset (1h * 2)'],
    ['foo[max_of(min_of(step()+1,1h),1ms)]', 'foo[max_of(min_of(step() + 1, 1h), 1ms)]'],
    ['1+2*3', '1 + 2 * 3'],
    ['(1+2)*3', '(1 + 2) * 3'],
    ['-foo', '-foo'],
    ['-(1)', '-(1)'],
    ['a == bool b', 'a == bool b'],
    ['a + on(x,y) group_left(z) b', 'a + on (x, y) group_left (z) b'],
    ['a + ignoring(x) group_right b', 'a + ignoring (x) group_right () b'],
    ['a + on() b', 'a + on () b'],
    ['a + fill(0) b', 'a + fill(0) b'],
    ['a + fill_left(1) fill_right(2) b', 'a + fill_left(1) fill_right(2) b'],
    ['a AND b', 'a and b'],
    ['sum(x) by (a,b)', 'sum by (a, b) (x)'],
    ['sum without () (x)', 'sum without () (x)'],
    ['sum by () (x)', 'sum(x)'],
    ['topk(5, x)', 'topk(5, x)'],
    ['count_values("v", x)', 'count_values("v", x)'],
    ['label_replace(x, "a", "$1", "b", "(.*)")', 'label_replace(x, "a", "$1", "b", "(.*)")'],
    ['"a\\nb\\u00e9"', '"a\\nbé"'],
    ["'single'", '"single"'],
    ['`raw"`', '"raw\\""'],
    ['0x10', '16'],
    ['1e3', '1000'],
    ['1m', '1m'],
    ['-1m', '-1m'],
    ['Inf', '+Inf'],
    ['-Inf', '-Inf'],
    ['NaN', 'NaN'],
  ])('%s -> %s', (input, out) => {
    const e = parseExpr(input);
    expect(formatExpr(e)).toBe(out);
    expect(normalize(parseExpr(out))).toEqual(normalize(e));
  });

  it('prints floats like Go without exponents', () => {
    expect(formatNumber(1e21)).toBe('1000000000000000000000');
    expect(formatNumber(1.5e-7)).toBe('0.00000015');
    expect(formatNumber(-2.5e22)).toBe('-25000000000000000000000');
    expect(formatNumber(0.1)).toBe('0.1');
    expect(formatNumber(-0)).toBe('-0');
  });
});

describe('prettyExpr', () => {
  it('splits an aggregation whose text is over 100 characters', () => {
    const q = `sum by (job) (rate(http_requests_total{job="api-server",handler="/api/v1/query_range",code="200"}[5m]))`;
    expect(prettyExpr(parseExpr(q))).toBe(
      ['sum by (job) (', '  rate(http_requests_total{code="200",handler="/api/v1/query_range",job="api-server"}[5m])', ')'].join('\n'),
    );
  });

  it('keeps short expressions on one line', () => {
    expect(prettyExpr(parseExpr('sum by (job) (rate(x[5m]))'))).toBe('sum by (job) (rate(x[5m]))');
  });

  it('splits long ones and still parses to the same tree', () => {
    const q =
      'sum by (job, instance) (rate(http_requests_total{job="api-server",handler="/api/v1/query"}[5m])) / on (job) group_left sum by (job) (rate(http_requests_total[5m]))';
    const pretty = prettyExpr(parseExpr(q));
    expect(pretty).toBe(
      [
        '  sum by (job, instance) (rate(http_requests_total{handler="/api/v1/query",job="api-server"}[5m]))',
        '/ on (job) group_left ()',
        '  sum by (job) (rate(http_requests_total[5m]))',
      ].join('\n'),
    );
    expect(normalize(parseExpr(pretty))).toEqual(normalize(parseExpr(q)));
  });
});
