import { describe, expect, it } from 'vitest';
import { Labels } from '../model/labels.js';
import { formatJsonLine, formatJsonValue, isStaleNaN, parseJsonLine, STALE_NAN } from './jsonline.js';

const bits = (v: number) => {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, v, true);
  return Buffer.from(d.buffer).toString('hex');
};

describe('JSON lines', () => {
  it('formats values as VictoriaMetrics does, with the staleness marker as "StaleNaN"', () => {
    const vs = new Float64Array([1, 0.1, -0, 1e21, 5e-324, NaN, Infinity, -Infinity, 0]);
    vs[8] = STALE_NAN;
    expect(Array.from(vs, formatJsonValue)).toEqual([
      '1',
      '0.1',
      '-0',
      '1e+21',
      '5e-324',
      'NaN',
      '+Inf',
      '-Inf',
      '"StaleNaN"',
    ]);
  });

  it('round-trips every special value bit for bit', () => {
    const vs = new Float64Array([1.5, -0, 0, NaN, Infinity, -Infinity, 0, Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2]);
    vs[6] = STALE_NAN; // not through an array literal, which would quiet the signalling NaN
    const ts = new Float64Array(vs.length).map((_, i) => 1_700_000_000_000 + i);
    const ls = Labels.fromObject({ __name__: 'x', '1': 'one', 'a"b': 'q\n"' });
    const line = formatJsonLine(ls, ts, vs, vs.length);
    expect(line.endsWith('\n')).toBe(true);
    const row = parseJsonLine(line.trimEnd());
    expect(row.labels.equals(ls)).toBe(true);
    expect(row.timestamps).toEqual(ts);
    // Array.from with a map function reads each value straight from the typed array (a spread would quiet the NaN).
    expect(Array.from(row.values, bits)).toEqual(Array.from(vs, bits));
    expect(bits(row.values[6])).toBe('020000000000f07f');
    expect(isStaleNaN(row.values[6])).toBe(true);
    expect(isStaleNaN(row.values[3])).toBe(false);
  });

  it('accepts VictoriaMetrics special spellings', () => {
    const row = parseJsonLine('{"metric":{"a":"b"},"values":[null,"Infinity","-inf","nan",Infinity,-Infinity,-Inf],"timestamps":[1,2,3,4,5,6,7]}');
    expect([...row.values]).toEqual([NaN, Infinity, -Infinity, NaN, Infinity, -Infinity, -Infinity]);
  });

  it.each<[string, RegExp]>([
    ['', /unexpected end of line/],
    ['{"metric":{"a":"b"},"values":[1],"timestamps":[1]} x', /unexpected data after/],
    ['[1]', /expected a JSON object/],
    ['{"values":[1],"timestamps":[1]}', /missing "metric" object/],
    ['{"metric":{},"values":[1],"timestamps":[1]}', /no labels/],
    ['{"metric":{"a":1},"values":[1],"timestamps":[1]}', /value of label "a" must be a string/],
    ['{"metric":{"a":"b"},"timestamps":[1]}', /missing "values" array/],
    ['{"metric":{"a":"b"},"values":[1]}', /missing "timestamps" array/],
    ['{"metric":{"a":"b"},"values":[1,2],"timestamps":[1]}', /size must match/],
    ['{"metric":{"a":"b"},"values":["x"],"timestamps":[1]}', /cannot parse value at position 0/],
    ['{"metric":{"a":"b"},"values":[1],"timestamps":[1.5]}', /cannot parse timestamp at position 0/],
    ['{"metric":{"a":"b"},"values":[01],"timestamps":[1]}', /expected "," or "\]"/],
    ['{"metric":{"a":"b","a":"c"},"values":[1],"timestamps":[1]}', /duplicate key "a"/],
    ['{"metric":{"a":"b\\x"},"values":[1],"timestamps":[1]}', /invalid string/],
    ['{"metric":' + '['.repeat(100), /nesting too deep/],
  ])('rejects %j', (line, re) => expect(() => parseJsonLine(line)).toThrow(re));
});
