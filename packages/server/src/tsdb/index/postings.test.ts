import { describe, expect, it } from 'vitest';
import { Matcher } from '../../model/matcher.js';
import { MemPostings, intersect, postingsForMatchers, subtract, union } from './postings.js';

const arr = (p: ArrayLike<number>) => Array.from(p);

describe('postings algebra', () => {
  it('intersects, subtracts and unions sorted lists', () => {
    expect(arr(intersect([1, 3, 5, 7, 9], [3, 4, 5, 9, 10]))).toEqual([3, 5, 9]);
    expect(arr(intersect([], [1]))).toEqual([]);
    const big = Array.from({ length: 1000 }, (_, i) => i * 2);
    expect(arr(intersect([4, 500, 1998, 1999], big))).toEqual([4, 500, 1998]);
    expect(arr(subtract([1, 2, 3, 4], [2, 4, 6]))).toEqual([1, 3]);
    expect(arr(union([[1, 5], [2, 5, 9], [], [0]]))).toEqual([0, 1, 2, 5, 9]);
  });
});

describe('postingsForMatchers', () => {
  const ix = new MemPostings();
  const series = [
    ['__name__', 'up', 'job', 'api'],
    ['__name__', 'up', 'job', 'db'],
    ['__name__', 'up'],
    ['__name__', 'cpu', 'job', 'api', 'mode', 'idle'],
    ['__name__', 'cpu', 'job', 'api2', 'mode', 'user'],
  ];
  series.forEach((p, i) => ix.add(i + 1, p));
  const sel = (...ms: Matcher[]) => arr(postingsForMatchers(ix, ms));

  it('resolves equality, sets, prefixes and negations like Prometheus', () => {
    expect(sel(new Matcher('=', '__name__', 'up'))).toEqual([1, 2, 3]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('=', 'job', ''))).toEqual([3]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('!=', 'job', 'api'))).toEqual([2, 3]);
    expect(sel(new Matcher('=~', 'job', 'api|db'))).toEqual([1, 2, 4]);
    expect(sel(new Matcher('=~', 'job', 'api.*'))).toEqual([1, 4, 5]);
    expect(sel(new Matcher('!~', 'job', 'api.*'))).toEqual([2, 3]);
    expect(sel(new Matcher('=~', 'job', '.*'))).toEqual([1, 2, 3, 4, 5]);
    expect(sel(new Matcher('=~', 'job', '.+'))).toEqual([1, 2, 4, 5]);
    expect(sel(new Matcher('=', 'nope', 'x'))).toEqual([]);
    expect(sel(new Matcher('=', '__name__', 'cpu'), new Matcher('=~', 'mode', 'idle|user'), new Matcher('!=', 'job', 'api2'))).toEqual([4]);
  });

  it('drops deleted ids from every list', () => {
    const p = new MemPostings();
    series.forEach((s, i) => p.add(i + 1, s));
    p.delete(new Set([1, 4]));
    expect(arr(postingsForMatchers(p, [new Matcher('=', 'job', 'api')]))).toEqual([]);
    expect(p.sortedLabelValues('job')).toEqual(['api2', 'db']);
    expect(arr(p.allPostings())).toEqual([2, 3, 5]);
  });
});
