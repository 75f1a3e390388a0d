import { describe, expect, it } from 'vitest';
import { fuzz } from '../net/fuzz.js';
import { escapeStatsdName, LineKind, StatsdParser, StatsdType } from './parser.js';

function parse(text: string) {
  const p = new StatsdParser().reset(text);
  const out: unknown[] = [];
  for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
    if (k === LineKind.Error) out.push({ line: p.line, error: p.error });
    else {
      const tags: Record<string, string> = {};
      for (let i = 0; i < p.tagCount; i++) tags[p.tags[2 * i]] = p.tags[2 * i + 1];
      const row: Record<string, unknown> = { name: p.name, type: p.type, value: p.value };
      if (p.tagCount > 0) row.tags = tags;
      if (p.sampleRate !== 1) row.rate = p.sampleRate;
      if (p.relative) row.relative = true;
      if (p.type === StatsdType.Set) row.member = p.member;
      out.push(row);
    }
  }
  return out;
}

describe('statsd parser', () => {
  it('reads every type', () => {
    expect(parse('a:1|c\nb:2.5|g\nc:320|ms\nd:7|h\ne:9|d\nf:user42|s')).toEqual([
      { name: 'a', type: StatsdType.Counter, value: 1 },
      { name: 'b', type: StatsdType.Gauge, value: 2.5 },
      { name: 'c', type: StatsdType.Timer, value: 320 },
      { name: 'd', type: StatsdType.Histogram, value: 7 },
      { name: 'e', type: StatsdType.Distribution, value: 9 },
      { name: 'f', type: StatsdType.Set, value: 0, member: 'user42' },
    ]);
  });

  it('sample rates', () => {
    expect(parse('a:1|c|@0.1\nt:5|ms|@0.5')).toEqual([
      { name: 'a', type: StatsdType.Counter, value: 1, rate: 0.1 },
      { name: 't', type: StatsdType.Timer, value: 5, rate: 0.5 },
    ]);
    expect(parse('a:1|c|@0\na:1|c|@2\na:1|c|@x')).toMatchObject([{ line: 1 }, { line: 2 }, { line: 3 }]);
  });

  it('gauge deltas', () => {
    expect(parse('g:+4|g\ng:-3|g\ng:-3.5e1|g')).toEqual([
      { name: 'g', type: StatsdType.Gauge, value: 4, relative: true },
      { name: 'g', type: StatsdType.Gauge, value: -3, relative: true },
      { name: 'g', type: StatsdType.Gauge, value: -35, relative: true },
    ]);
  });

  it('DogStatsD tags (valueless tags dropped), InfluxDB and Librato tags', () => {
    expect(parse('a:1|c|#env:prod,region:eu-west:1,flag\nb,env=dev,x=y:2|g\nc#env=qa:3|ms|@0.5|#k:v')).toEqual([
      { name: 'a', type: StatsdType.Counter, value: 1, tags: { env: 'prod', region: 'eu-west:1' } },
      { name: 'b', type: StatsdType.Gauge, value: 2, tags: { env: 'dev', x: 'y' } },
      { name: 'c', type: StatsdType.Timer, value: 3, tags: { env: 'qa', k: 'v' }, rate: 0.5 },
    ]);
  });

  it('several samples per line and per packet', () => {
    expect(parse('a:1|c:2|c:3|ms\nd:1:2:3|d|#k:v')).toEqual([
      { name: 'a', type: StatsdType.Counter, value: 1 },
      { name: 'a', type: StatsdType.Counter, value: 2 },
      { name: 'a', type: StatsdType.Timer, value: 3 },
      { name: 'd', type: StatsdType.Distribution, value: 1, tags: { k: 'v' } },
      { name: 'd', type: StatsdType.Distribution, value: 2, tags: { k: 'v' } },
      { name: 'd', type: StatsdType.Distribution, value: 3, tags: { k: 'v' } },
    ]);
  });

  it('ignores container ids, timestamps, events and service checks', () => {
    expect(parse('a:1|c|c:abc|T1700000000\nb:2|g|#k:v|c:ci-1|e:it-false,cn-x|card:low\n_e{5,4}:title|text\n_sc|check|0')).toEqual([
      { name: 'a', type: StatsdType.Counter, value: 1 },
      { name: 'b', type: StatsdType.Gauge, value: 2, tags: { k: 'v' } },
    ]);
  });

  it('rejects bad lines whole, with a reason', () => {
    expect(parse('nocolon\n:1|c\na:\na:1\na:1|x\na:x|c\na:-1|c\na:1|c:2\nok:1|c')).toEqual([
      { line: 1, error: 'missing ":" in "nocolon"' },
      { line: 2, error: 'empty metric name' },
      { line: 3, error: 'missing value of "a"' },
      { line: 4, error: 'missing type of value "1" (expected value|type)' },
      { line: 5, error: 'unknown metric type "x" (expected c, g, ms, h, d or s)' },
      { line: 6, error: 'invalid value "x"' },
      { line: 7, error: 'counter value "-1" is negative' },
      { line: 8, error: 'missing type of value "2" (expected value|type)' },
      { name: 'ok', type: StatsdType.Counter, value: 1 },
    ]);
  });

  it('maps names as statsd_exporter does by default', () => {
    expect(escapeStatsdName('api.request-time')).toBe('api_request_time');
    expect(escapeStatsdName('9lives')).toBe('_9lives');
    expect(escapeStatsdName('ok_name')).toBe('ok_name');
    expect(escapeStatsdName('a/b c😀')).toBe('a_b_c_');
  });

  it('fuzz: never throws, never loops', () => {
    const p = new StatsdParser();
    fuzz({
      seed: 5,
      rounds: 20_000,
      alphabet: 'ab.:|@#,=cgmshd0123456789.-+\n',
      valid: ['a.b:1|c|@0.5|#k:v,x:y', 'g:-3|g', 't:1:2:3|ms', 's:u1|s', 'x,k=v:1|c:2|h'],
      parseAll: (text) => {
        p.reset(text);
        let n = 0;
        for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
          n++;
          if (k === LineKind.Row && p.type !== StatsdType.Set) expect(Number.isFinite(p.value)).toBe(true);
        }
        return n;
      },
    });
  });
});
