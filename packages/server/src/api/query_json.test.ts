import { describe, expect, it } from 'vitest';
import { parseExpr } from '../promql/parser/index.js';
import { translateAst } from './query_ast.js';
import { formatGoFloat, formatGoFloatF, formatTimestamp } from './query_json.js';
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
