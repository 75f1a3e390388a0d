import { describe, expect, it } from 'vitest';
import { MAX_TIME, MAX_TIME_FORMATTED, MIN_TIME, MIN_TIME_FORMATTED, parseTime } from './time.js';

describe('parseTime', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['1700000000', 1700000000_000],
    ['1700000000.123', 1700000000_123],
    ['1700000000.1234', 1700000000_123],
    ['1700000000.1236', 1700000000_124],
    ['-1.5', -1500],
    ['1e3', 1000_000],
    ['.5', 500],
    ['2015-06-03T13:21:58.555Z', Date.UTC(2015, 5, 3, 13, 21, 58, 555)],
    ['2015-06-03T13:21:58Z', Date.UTC(2015, 5, 3, 13, 21, 58)],
    ['2015-06-03T14:21:58.555+01:00', Date.UTC(2015, 5, 3, 13, 21, 58, 555)],
    ['2015-06-03T13:21:58.555999999Z', Date.UTC(2015, 5, 3, 13, 21, 58, 555)],
    ['2016-02-29T00:00:00-00:30', Date.UTC(2016, 1, 29, 0, 30)],
    [MIN_TIME_FORMATTED, MIN_TIME],
    [MAX_TIME_FORMATTED, MAX_TIME],
  ])('%s', (s, ms) => expect(parseTime(s)).toBe(ms));

  it.each(['', 'now', 'NaN', 'Inf', '2015-06-03', '2015-13-03T13:21:58Z', '2015-02-30T00:00:00Z', '2015-06-03T13:21:58', '1h', '0x10', '1e400'])(
    'rejects %j',
    (s) => expect(() => parseTime(s)).toThrow(`cannot parse ${JSON.stringify(s)} to a valid timestamp`),
  );

  it('orders the sentinels around every real time', () => {
    expect(MIN_TIME).toBeLessThan(-8.64e15);
    expect(MAX_TIME).toBeGreaterThan(8.64e15);
  });
});
