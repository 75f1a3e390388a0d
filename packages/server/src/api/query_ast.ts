/**
 * `/api/v1/parse_query`'s tree: the syntax tree as the JSON that
 * Prometheus's `translateAST` produces for its UI's tree view. Node types:
 * `aggregation`, `binaryExpr`, `call`, `matrixSelector`, `subquery`,
 * `numberLiteral`, `parenExpr`, `stringLiteral`, `unaryExpr`,
 * `vectorSelector`. Durations are milliseconds; `timestamp` is the `@` time
 * in ms or null; `startOrEnd` is `"start"`, `"end"` or null.
 */
import type { Matcher } from '../model/matcher.js';
import type { Expr } from '../promql/parser/index.js';
import { formatGoFloatF } from './query_json.js';

export type AstJson = Record<string, unknown> | null;

function matchers(ms: readonly Matcher[]): Array<{ name: string; value: string; type: string }> {
  return ms.map((m) => ({ name: m.name, value: m.value, type: m.type }));
}

export function translateAst(node: Expr): AstJson {
  switch (node.kind) {
    case 'AggregateExpr':
      return {
        type: 'aggregation',
        op: node.op,
        expr: translateAst(node.expr),
        param: node.param === null ? null : translateAst(node.param),
        grouping: [...node.grouping],
        without: node.without,
      };
    case 'BinaryExpr': {
      const m = node.matching;
      return {
        type: 'binaryExpr',
        op: node.op,
        lhs: translateAst(node.lhs),
        rhs: translateAst(node.rhs),
        matching:
          m === null
            ? null
            : {
                card: m.card,
                labels: [...m.labels],
                on: m.on,
                include: [...m.include],
                fillValues: { lhs: m.fillLeft ?? null, rhs: m.fillRight ?? null },
              },
        bool: node.returnBool,
      };
    }
    case 'Call':
      return {
        type: 'call',
        func: {
          name: node.func.name,
          argTypes: [...node.func.argTypes],
          variadic: node.func.variadic,
          returnType: node.func.returnType,
        },
        args: node.args.map(translateAst),
      };
    case 'MatrixSelector': {
      const vs = node.vectorSelector;
      return {
        type: 'matrixSelector',
        name: vs.name,
        range: node.range,
        offset: vs.offset,
        matchers: matchers(vs.matchers),
        timestamp: vs.timestamp ?? null,
        startOrEnd: vs.atMarker ?? null,
        anchored: vs.anchored,
        smoothed: vs.smoothed,
      };
    }
    case 'SubqueryExpr':
      return {
        type: 'subquery',
        expr: translateAst(node.expr),
        range: node.range,
        offset: node.offset,
        step: node.step,
        timestamp: node.timestamp ?? null,
        startOrEnd: node.atMarker ?? null,
      };
    case 'NumberLiteral':
      return { type: 'numberLiteral', val: formatGoFloatF(node.value) };
    case 'ParenExpr':
      return { type: 'parenExpr', expr: translateAst(node.expr) };
    case 'StringLiteral':
      return { type: 'stringLiteral', val: node.value };
    case 'UnaryExpr':
      return { type: 'unaryExpr', op: node.op, expr: translateAst(node.expr) };
    case 'VectorSelector':
      return {
        type: 'vectorSelector',
        name: node.name,
        offset: node.offset,
        matchers: matchers(node.matchers),
        timestamp: node.timestamp ?? null,
        startOrEnd: node.atMarker ?? null,
        anchored: node.anchored,
        smoothed: node.smoothed,
      };
  }
}
