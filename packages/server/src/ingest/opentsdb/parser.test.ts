import { describe, expect, it } from 'vitest';
import { fuzz } from '../net/fuzz.js';
import { checkDataPoint, LineKind, openTsdbTimestampMs, TelnetParser } from './parser.js';

function parse(text: string) {
  const p = new TelnetParser().reset(text);
  const out: unknown[] = [];
  for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
    if (k === LineKind.Error) out.push({ line: p.line, error: p.error });
    else {
      const tags: Record<string, string> = {};
      for (let i = 0; i < p.tagCount; i++) tags[p.tags[2 * i]] = p.tags[2 * i + 1];
      out.push({ metric: p.metric, tags, value: p.value, t: p.timestampMs, key: p.seriesKey });
    }
  }
  return out;
}

describe('opentsdb telnet parser', () => {
  it('reads put lines', () => {
    expect(parse('put sys.cpu.user 1356998400 42.5 host=webserver01 cpu=0')).toEqual([
      { metric: 'sys.cpu.user', tags: { host: 'webserver01', cpu: '0' }, value: 42.5, t: 1_356_998_400_000, key: 'sys.cpu.user host=webserver01 cpu=0' },
    ]);
  });

  it('tells seconds from milliseconds as OpenTSDB does', () => {
    expect(parse('put m 1356998400123 1 a=b')).toMatchObject([{ t: 1_356_998_400_123 }]);
    expect(parse('put m 1356998400.5 1 a=b')).toMatchObject([{ t: 1_356_998_400_500 }]);
    expect(openTsdbTimestampMs(4294967295)).toBe(4_294_967_295_000);
    expect(openTsdbTimestampMs(4294967296)).toBe(4294967296);
    expect(openTsdbTimestampMs(-1)).toBeUndefined();
  });

  it('rejects bad lines with a reason', () => {
    expect(parse('version\nput\nput m\nput m x 1 a=b\nput m 1 x a=b\nput m 1 1\nput m 1 1 a\nput m 1 1 =b\nput m 1 1 a=\nput ok 1 2 a=b')).toEqual([
      { line: 1, error: 'unsupported command "version" (only "put" is)' },
      { line: 2, error: 'missing metric' },
      { line: 3, error: 'missing timestamp' },
      { line: 4, error: 'invalid timestamp "x"' },
      { line: 5, error: 'invalid value "x"' },
      { line: 6, error: 'metric "m" has no tags (OpenTSDB requires at least one)' },
      { line: 7, error: 'tag "a" is not name=value' },
      { line: 8, error: 'empty tag name in "=b"' },
      { line: 9, error: 'empty value of tag "a"' },
      { metric: 'ok', tags: { a: 'b' }, value: 2, t: 1000, key: 'ok a=b' },
    ]);
  });

  it('checks /api/put data points', () => {
    expect(checkDataPoint({ metric: 'm', timestamp: 1356998400, value: 18, tags: { host: 'a' } })).toEqual({
      metric: 'm',
      timestampMs: 1_356_998_400_000,
      value: 18,
      tags: { host: 'a' },
    });
    expect(checkDataPoint({ metric: 'm', timestamp: '1356998400123', value: '1.5', tags: { h: 'a' } })).toMatchObject({ timestampMs: 1_356_998_400_123, value: 1.5 });
    expect(checkDataPoint(null)).toBe('data point is not a JSON object');
    expect(checkDataPoint({ timestamp: 1, value: 1, tags: { a: 'b' } })).toBe('metric name is missing or not a string');
    expect(checkDataPoint({ metric: 'm', value: 1, tags: { a: 'b' } })).toBe('invalid timestamp undefined');
    expect(checkDataPoint({ metric: 'm', timestamp: 1, value: 'x', tags: { a: 'b' } })).toBe('invalid value "x"');
    expect(checkDataPoint({ metric: 'm', timestamp: 1, value: 1, tags: {} })).toBe('at least one tag is required');
    expect(checkDataPoint({ metric: 'm', timestamp: 1, value: 1, tags: { a: 1 } })).toBe('value of tag "a" is missing or not a string');
  });

  it('fuzz: never throws, never loops', () => {
    const p = new TelnetParser();
    fuzz({
      seed: 4,
      rounds: 20_000,
      alphabet: 'put m.= \t\n0123456789.-ab',
      valid: ['put sys.cpu.user 1356998400 42.5 host=web01 cpu=0', 'put m 1356998400123 -1e3 a=b'],
      parseAll: (text) => {
        p.reset(text);
        let n = 0;
        for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
          n++;
          if (k === LineKind.Row) expect(p.tagCount).toBeGreaterThan(0);
        }
        return n;
      },
    });
    const rnd = Math.random;
    for (let i = 0; i < 2000; i++) {
      const v = [null, 1, 'x', [], {}, { metric: 'm', timestamp: rnd() * 1e13, value: rnd(), tags: { a: String(rnd()) } }][i % 6];
      const r = checkDataPoint(v);
      expect(typeof r === 'string' || typeof r === 'object').toBe(true);
    }
  });
});
