import { describe, expect, it } from 'vitest';
import { fuzz } from '../net/fuzz.js';
import { GraphiteParser, LineKind, parseGraphiteFloat } from './parser.js';

const NOW = 1_700_000_000_000;

function parse(text: string) {
  const p = new GraphiteParser().reset(text, NOW);
  const out: unknown[] = [];
  for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
    if (k === LineKind.Error) out.push({ line: p.line, error: p.error });
    else {
      const tags: Record<string, string> = {};
      for (let i = 0; i < p.tagCount; i++) tags[p.tagName(i)] = p.tagValue(i);
      expect(p.seriesIs(p.seriesKey())).toBe(true);
      out.push({ path: p.path(), tags, value: p.value, t: p.timestampMs, key: p.seriesKey() });
    }
  }
  return out;
}

describe('graphite parser', () => {
  it('reads path, value and timestamp in seconds', () => {
    expect(parse('servers.web1.cpu.user 12.5 1700000001')).toEqual([
      { path: 'servers.web1.cpu.user', tags: {}, value: 12.5, t: 1_700_000_001_000, key: 'servers.web1.cpu.user' },
    ]);
  });

  it('-1 or no timestamp means now; fractional seconds are kept to the ms', () => {
    expect(parse('a 1 -1\na 2\na 3 1700000000.1234')).toMatchObject([{ t: NOW }, { t: NOW }, { t: 1_700_000_000_123 }]);
  });

  it('reads tags after ";"', () => {
    expect(parse('disk.used;datacenter=dc1;rack=a1;server=web01 42 1700000000')).toMatchObject([
      { path: 'disk.used', tags: { datacenter: 'dc1', rack: 'a1', server: 'web01' }, value: 42 },
    ]);
  });

  it('accepts tabs and several blanks, CRLF, blank lines', () => {
    expect(parse('\ta.b \t 1\t 1700000000 \r\n\n   \nc 2')).toMatchObject([{ path: 'a.b', value: 1 }, { path: 'c', value: 2 }]);
  });

  it('rejects bad lines with a reason, keeping the good ones', () => {
    expect(parse('a 1\nb\nc x\nd 1 y\ne 1 2 3\n;t=v 1\nf;t 1\nf;=v 1\ng;t= 1\nh;t=~x 1\ni;t!=x 1\nok 5')).toEqual([
      { path: 'a', tags: {}, value: 1, t: NOW, key: 'a' },
      { line: 2, error: 'missing value after "b"' },
      { line: 3, error: 'invalid value "x"' },
      { line: 4, error: 'invalid timestamp "y"' },
      { line: 5, error: 'unexpected text after the timestamp: "3"' },
      { line: 6, error: 'empty metric path' },
      { line: 7, error: 'tag "t" is not name=value' },
      { line: 8, error: 'invalid tag name ""' },
      { line: 9, error: 'invalid value "" of tag "t"' },
      { line: 10, error: 'invalid value "~x" of tag "t"' },
      { line: 11, error: 'invalid tag name "t!"' },
      { path: 'ok', tags: {}, value: 5, t: NOW, key: 'ok' },
    ]);
  });

  it('the fast number path agrees with the general one', () => {
    expect(parse('a 0.1 1700000000.123\na 1e3 1700000000\na -7 +1700000000\na 8 1700000000.\na .5 -1')).toMatchObject([
      { value: 0.1, t: 1_700_000_000_123 },
      { value: 1000, t: 1_700_000_000_000 },
      { line: 3, error: 'invalid timestamp "+1700000000"' },
      { line: 4, error: 'invalid timestamp "1700000000."' },
      { value: 0.5, t: NOW },
    ]);
  });

  it('parses floats as Graphite does', () => {
    expect(parseGraphiteFloat('1e3')).toBe(1000);
    expect(parseGraphiteFloat('-.5')).toBe(-0.5);
    expect(parseGraphiteFloat('nan')).toBeNaN();
    expect(parseGraphiteFloat('-Inf')).toBe(-Infinity);
    expect(parseGraphiteFloat('0x1')).toBeUndefined();
    expect(parseGraphiteFloat('')).toBeUndefined();
  });

  it('fuzz: never throws, never loops', () => {
    const p = new GraphiteParser();
    fuzz({
      seed: 3,
      rounds: 20_000,
      alphabet: 'ab.;=~!^ \t\n-0123456789.e',
      valid: ['a.b.c 1 1700000000', 'x;k=v;k2=v2 -1.5e3 -1', 'collectd.host.cpu-0.cpu-idle 99.5 1700000000.5'],
      parseAll: (text) => {
        p.reset(text, NOW);
        let n = 0;
        for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
          n++;
          if (k === LineKind.Row) {
            expect(p.path()).not.toBe('');
            expect(Number.isNaN(p.timestampMs)).toBe(false);
          }
        }
        return n;
      },
    });
  });
});
