import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import type { Call, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.js';
import { DurationError, resolveDurations } from './duration_expr.js';
import { parseExpr } from './parser.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['1ms', 1],
    ['5m', 300000],
    ['1h30m', 5400000],
    ['10s53ms', 10053],
    ['1y', 31536000000],
    ['2w', 1209600000],
    ['1d1h1m1s1ms', 90061001],
  ])('%s', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each(['', '1', '1.5m', '1m1h', '5x', '-5m', '1hs', 'm'])('rejects %j', (s) => {
    expect(() => parseDuration(s)).toThrow(s === '' ? 'empty duration string' : `not a valid duration string: "${s}"`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [90000, '1m30s'],
    [86400000 * 90, '90d'],
    [86400000 * 14, '2w'],
    [31536000000, '1y'],
    [31536000000 + 86400000, '366d'],
    [3723004, '1h2m3s4ms'],
    [-60000, '-1m'],
  ])('%d', (ms, s) => {
    expect(formatDuration(ms)).toBe(s);
  });
});

describe('resolveDurations', () => {
  it('fills ranges, steps and offsets that depend on the query', () => {
    const e = parseExpr('sum_over_time(x[step()*2:step()] offset range()) + y offset -min_of(step(), 1s)') as unknown as {
      lhs: Call;
      rhs: VectorSelector;
    };
    resolveDurations(e as never, { stepMs: 5000, rangeMs: 60000 });
    const sq = e.lhs.args[0] as SubqueryExpr;
    expect([sq.range, sq.step, sq.offset]).toEqual([10000, 5000, 60000]);
    expect(e.rhs.offset).toBe(-1000);
  });

  it('rejects a range that is not positive', () => {
    const m = parseExpr('x[step() - 10s]') as MatrixSelector;
    expect(() => resolveDurations(m, { stepMs: 5000, rangeMs: 0 })).toThrow(DurationError);
    resolveDurations(m, { stepMs: 15000, rangeMs: 0 });
    expect(m.range).toBe(5000);
  });
});

describe('durationToMs', () => {
  it('keeps whole milliseconds written in ms (1001ms is 1.001 s)', async () => {
    const { durationToMs } = await import('./duration_expr.js');
    expect(durationToMs(1.001)).toBe(1001);
    expect(durationToMs(0.0015)).toBe(1);
    expect(durationToMs(-1.001)).toBe(-1001);
  });
});
