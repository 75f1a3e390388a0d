import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['15d', 15 * 86400_000],
    ['1h30m', 5400_000],
    ['1y', 365 * 86400_000],
    ['2w', 14 * 86400_000],
    ['1s500ms', 1500],
    ['1m', 60_000],
  ])('%s', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', '1', '1.5h', '30m1h', '-1s', '1 h', 'h', '1x'])('rejects %j', (s) => {
    expect(() => parseDuration(s)).toThrow(/not a valid duration/);
  });

  it('formats', () => {
    expect(formatDuration(15 * 86400_000)).toBe('15d');
    expect(formatDuration(14 * 86400_000)).toBe('2w');
    expect(formatDuration(5400_000)).toBe('1h30m');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(0)).toBe('0s');
  });
});

describe('parseBytes', () => {
  it.each([
    ['0', 0],
    ['512MB', 512 * 2 ** 20],
    ['10GB', 10 * 2 ** 30],
    ['1GiB', 2 ** 30],
    ['1GB512MB', 2 ** 30 + 512 * 2 ** 20],
    ['100B', 100],
    ['1.5KB', 1536],
  ])('%s', (s, n) => expect(parseBytes(s)).toBe(n));

  it.each(['', '10', 'MB', '10XB', '10 MB', '-1GB'])('rejects %j', (s) => {
    expect(() => parseBytes(s)).toThrow(/not a valid size/);
  });

  it('formats', () => {
    expect(formatBytes(512 * 2 ** 20)).toBe('512MB');
    expect(formatBytes(100)).toBe('100B');
  });
});
