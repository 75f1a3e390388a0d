import { describe, expect, it } from 'vitest';
import { parseExpr } from '../promql/parser/index.js';
import { translateAst } from './query_ast.js';
import { Labels } from '../model/labels.js';
import { formatGoFloat, formatGoFloatF, formatTimestamp, queryDataJson } from './query_json.js';
import { parseDurationParam } from './query_params.js';

// Expected strings are what Prometheus 2.42 wrote for the same values.
describe('value encoding', () => {
  it.each<[number, string]>([
    [1, '1'],
    [0.30000000000000004, '0.30000000000000004'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [1e-7, '1e-07'],
    [1e-6, '0.000001'],
    [1e21, '1e+21'],
    [1e300, '1e+300'],
    [-1.5e-300, '-1.5e-300'],
    [123456789012345678, '123456789012345680'],
  ])('vector/matrix value %s', (v, want) => expect(formatGoFloat(v)).toBe(want));

  it.each<[number, string]>([
    [1e-7, '0.0000001'],
    [1e21, '1000000000000000000000'],
    [-1e-300, '-0.' + '0'.repeat(299) + '1'],
    [1.25e22, '12500000000000000000000'],
    [0.5, '0.5'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-0, '-0'],
  ])('scalar value %s', (v, want) => expect(formatGoFloatF(v)).toBe(want));

  it.each<[number, string]>([
    [1500, '1.500'],
    [-1500, '-1.500'],
    [1735689600000, '1735689600'],
    [1735689600001, '1735689600.001'],
    [1735689600050, '1735689600.050'],
    [0, '0'],
  ])('timestamp %d ms', (ms, want) => expect(formatTimestamp(ms)).toBe(want));
});

describe('result encoding', () => {
  const base = { warnings: [], infos: [] };

  it('writes a matrix with every timestamp and value form, label values in UTF-8', () => {
    const labels = Labels.fromObject({ __name__: 'up', '1': 'x', job: 'ünï "q"' });
    const timestamps = Float64Array.of(-1500, 0, 999, 1735689600000, 1735689600001, 1735689600050, 17356896001234);
    const values = Float64Array.of(1, -0, NaN, Infinity, 1e-7, 0.30000000000000004, 1e21);
    const text = queryDataJson({ ...base, resultType: 'matrix', series: [{ labels, timestamps, values }, { labels: Labels.EMPTY, timestamps: new Float64Array(0), values: new Float64Array(0) }] });
    expect(text).toBe(
      '{"resultType":"matrix","result":[{"metric":{"1":"x","__name__":"up","job":"ünï \\"q\\""},"values":[' +
        '[-1.500,"1"],[0,"-0"],[0.999,"NaN"],[1735689600,"+Inf"],[1735689600.001,"1e-07"],[1735689600.050,"0.30000000000000004"],[17356896001.234,"1e+21"]' +
        ']},{"metric":{},"values":[]}]}',
    );
    expect(JSON.parse(text).result[0].metric.job).toBe('ünï "q"');
  });

  it('writes vectors, scalars, strings and empty results', () => {
    const one = { labels: Labels.fromObject({ a: 'b' }), timestamps: Float64Array.of(1500), values: Float64Array.of(2.5) };
    expect(queryDataJson({ ...base, resultType: 'vector', series: [one, one] })).toBe(
      '{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1.500,"2.5"]},{"metric":{"a":"b"},"value":[1.500,"2.5"]}]}',
    );
    expect(queryDataJson({ ...base, resultType: 'vector', series: [] })).toBe('{"resultType":"vector","result":[]}');
    expect(queryDataJson({ ...base, resultType: 'scalar', series: [], scalar: { t: 1500, v: 1e-7 } })).toBe('{"resultType":"scalar","result":[1.5,"0.0000001"]}');
    expect(queryDataJson({ ...base, resultType: 'string', series: [], string: { t: 1000, v: 'ä"' } })).toBe('{"resultType":"string","result":[1,"ä\\""]}');
  });

  it('writes every value exactly as formatGoFloat does, short decimals included', () => {
    const values: number[] = [0.07, 0.5, 12345.67, -0.001, 0.0001, 0.00001, 1e-7, 999999999999999, 1e15, -1e15 + 1, 123.4500, 4096, -7, 0.1 + 0.2, 1 / 3];
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 20_000; i++) {
      const decimals = Math.floor(rand() * 7);
      const scale = 10 ** Math.floor(rand() * 16);
      const v = Math.round((rand() - 0.3) * scale * 10 ** decimals) / 10 ** decimals;
      values.push(v, v * 1.0000001, rand() * scale);
    }
    const vs = Float64Array.from(values);
    const timestamps = new Float64Array(vs.length).fill(1000);
    const text = queryDataJson({ ...base, resultType: 'matrix', series: [{ labels: Labels.EMPTY, timestamps, values: vs }] });
    const got = (JSON.parse(text).result[0].values as [number, string][]).map((p) => p[1]);
    expect(got).toEqual(Array.from(vs, formatGoFloat));
  });

  it('writes repeated values, zeros of both signs and NaN as formatGoFloat does', () => {
    const vs = Float64Array.of(1.5, 1.5, -0, -0, 0, 0, -0, 1e21, 1e21, NaN, NaN, 0.1 + 0.2, 0.1 + 0.2, 7, 7, 7);
    const two = (labels: Labels) => ({ labels, timestamps: new Float64Array(vs.length).fill(1000), values: vs });
    const text = queryDataJson({ ...base, resultType: 'matrix', series: [two(Labels.fromObject({ a: '1' })), two(Labels.fromObject({ a: '2' }))] });
    const want = Array.from(vs, formatGoFloat);
    for (const s of JSON.parse(text).result as { values: [number, string][] }[]) expect(s.values.map((p) => p[1])).toEqual(want);
  });

  it('grows its buffer for large results', () => {
    const n = 50_000;
    const timestamps = new Float64Array(n).map((_, i) => 1735689600000 + i * 15_000);
    const values = new Float64Array(n).map((_, i) => i / 7);
    const parsed = JSON.parse(queryDataJson({ ...base, resultType: 'matrix', series: [{ labels: Labels.fromObject({ a: 'b' }), timestamps, values }] }));
    expect(parsed.result[0].values.length).toBe(n);
    expect(parsed.result[0].values[n - 1]).toEqual([(1735689600000 + (n - 1) * 15_000) / 1000, String((n - 1) / 7)]);
  });
});

describe('duration parameters', () => {
  it.each<[string, number]>([
    ['15', 15_000],
    ['0.5', 500],
    ['1e3', 1_000_000],
    ['1.0005', 1000],
    ['1m30s', 90_000],
    ['5m', 300_000],
    ['-1', -1000],
  ])('%s', (s, ms) => expect(parseDurationParam(s)).toBe(ms));

  it.each(['x', '', '1x', 'NaN', '1e20', 'Inf'])('rejects %j', (s) => expect(() => parseDurationParam(s)).toThrow(/cannot parse/));
});

describe('parse_query tree', () => {
  it('has translateAST shapes', () => {
    const tree = translateAst(parseExpr('sum by (job) (rate(x{a!="b"}[5m] offset 1m)) / on(job) group_left(i) -y @ 10'));
    expect(tree).toEqual({
      type: 'binaryExpr',
      op: '/',
      bool: false,
      matching: { card: 'many-to-one', labels: ['job'], on: true, include: ['i'], fillValues: { lhs: null, rhs: null } },
      lhs: {
        type: 'aggregation',
        op: 'sum',
        grouping: ['job'],
        without: false,
        param: null,
        expr: {
          type: 'call',
          func: { name: 'rate', argTypes: ['matrix'], variadic: 0, returnType: 'vector' },
          args: [
            {
              type: 'matrixSelector',
              name: 'x',
              range: 300_000,
              offset: 60_000,
              matchers: [
                { type: '!=', name: 'a', value: 'b' },
                { type: '=', name: '__name__', value: 'x' },
              ],
              timestamp: null,
              startOrEnd: null,
              anchored: false,
              smoothed: false,
            },
          ],
        },
      },
      rhs: {
        type: 'unaryExpr',
        op: '-',
        expr: {
          type: 'vectorSelector',
          name: 'y',
          offset: 0,
          matchers: [{ type: '=', name: '__name__', value: 'y' }],
          timestamp: 10_000,
          startOrEnd: null,
          anchored: false,
          smoothed: false,
        },
      },
    });
  });

  it('writes numbers as Go does and subqueries with their step', () => {
    expect(translateAst(parseExpr('1e-7'))).toEqual({ type: 'numberLiteral', val: '0.0000001' });
    expect(translateAst(parseExpr('max_over_time(x[10m:1m] @ end())'))).toMatchObject({
      args: [{ type: 'subquery', range: 600_000, step: 60_000, offset: 0, timestamp: null, startOrEnd: 'end' }],
    });
  });
});
