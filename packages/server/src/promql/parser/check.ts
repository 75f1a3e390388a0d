/**
 * Type checking of a parsed tree, in Prometheus's order and wording
 * (its parser's checkAST): operand types of operators, functions and
 * aggregations, vector matching rules, and selector sanity.
 */
import { argCountRange, functionsWith, type ValueType } from '../functions/catalogue.js';
import type { BinaryExpr, Call, Expr, VectorSelector } from './ast.js';
import { isComparisonOp, isSetOp } from './ast.js';
import { ParseError, type PositionRange } from './errors.js';
import { goQuote } from './strings.js';

/** Prometheus's DocumentedType: how value types are named in messages. */
export function documentedType(t: ValueType): string {
  switch (t) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    default:
      return t;
  }
}

/** Throws the first type error of the tree as a ParseError. */
export function checkExpr(root: Expr, input: string): void {
  const bypassEmptyMatcher = new Set<VectorSelector>();
  const fail = (pos: PositionRange, msg: string): never => {
    throw new ParseError(input, pos, msg);
  };

  const expectType = (e: Expr, want: ValueType, context: string) => {
    const t = check(e);
    if (t !== want) fail(e, `expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`);
  };

  const opRange = (n: BinaryExpr): PositionRange => {
    let start = n.lhs.end;
    while (/\s/.test(input[start] ?? '')) start++;
    let end = n.rhs.start - 1;
    while (end > start && /\s/.test(input[end] ?? '')) end--;
    return { start, end: end + 1 };
  };

  const checkBinary = (n: BinaryExpr) => {
    const lt = check(n.lhs);
    const rt = check(n.rhs);
    if (n.returnBool && !isComparisonOp(n.op)) fail(opRange(n), 'bool modifier can only be used on comparison operators');
    if (isComparisonOp(n.op) && !n.returnBool && lt === 'scalar' && rt === 'scalar') {
      fail(opRange(n), 'comparisons between scalars must use BOOL modifier');
    }
    const m = n.matching;
    if (m && m.on) {
      for (const l of m.labels) {
        if (m.include.includes(l)) fail(opRange(n), `label ${goQuote(l)} must not occur in ON and GROUP clause at once`);
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') fail(n.lhs, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') fail(n.rhs, 'binary expression must contain only scalar and instant vector types');
    if ((lt !== 'vector' || rt !== 'vector') && m) {
      if (m.labels.length > 0) fail(n, 'vector matching only allowed between instant vectors');
      if (m.fillLeft !== undefined || m.fillRight !== undefined) {
        fail(n, 'fill modifiers only allowed between instant vectors');
      }
      n.matching = null;
    } else if (m && isSetOp(n.op)) {
      if (m.card === 'one-to-many' || m.card === 'many-to-one') fail(n, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (m.card !== 'many-to-many') fail(n, 'set operations must always be many-to-many');
      if (m.fillLeft !== undefined || m.fillRight !== undefined) {
        fail(n, `fill modifiers not allowed for ${goQuote(n.op)} operation`);
      }
    }
    if ((lt === 'scalar' || rt === 'scalar') && isSetOp(n.op)) {
      fail(n, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
    }
  };

  const checkCall = (n: Call) => {
    const f = n.func;
    const { min, max } = argCountRange(f);
    const got = n.args.length;
    if (f.variadic === 0) {
      if (got !== min) fail(n, `expected ${min} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
    } else if (got < min) {
      fail(n, `expected at least ${min} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
    } else if (got > max) {
      fail(n, `expected at most ${max} argument(s) in call to ${goQuote(f.name)}, got ${got}`);
    }
    if (f.name === 'info' && n.args.length > 1) {
      const sel = n.args[1]!;
      if (sel.type !== 'vector') {
        fail(n, `expected type instant vector in call to function "info", got ${documentedType(sel.type)}`);
      }
      if (sel.kind !== 'VectorSelector' || sel.name !== '') {
        fail(sel, 'expected label selectors only, got vector selector instead');
      } else {
        bypassEmptyMatcher.add(sel);
      }
    }
    n.args.forEach((arg, i) => {
      if (i >= f.argTypes.length && f.variadic === 0) return;
      const want = f.argTypes[Math.min(i, f.argTypes.length - 1)]!;
      expectType(arg, want, `call to function ${goQuote(f.name)}`);
    });
  };

  const checkSelector = (n: VectorSelector) => {
    if (n.name !== '') {
      // The last matcher is the one for the name written before the braces.
      for (const m of n.matchers.slice(0, -1)) {
        if (m.name === '__name__') fail(n, `metric name must not be set twice: ${goQuote(n.name)} or ${goQuote(m.value)}`);
      }
      return;
    }
    if (bypassEmptyMatcher.has(n)) return;
    // At least one matcher must reject the empty value, so that a typo cannot select every series.
    if (!n.matchers.some((m) => !m.matchesEmpty())) fail(n, 'vector selector must contain at least one non-empty matcher');
  };

  function check(e: Expr): ValueType {
    switch (e.kind) {
      case 'AggregateExpr':
        expectType(e.expr, 'vector', 'aggregation expression');
        if (e.param) {
          expectType(e.param, e.op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
        }
        break;
      case 'BinaryExpr':
        checkBinary(e);
        break;
      case 'Call':
        checkCall(e);
        break;
      case 'ParenExpr':
        check(e.expr);
        break;
      case 'UnaryExpr': {
        const t = check(e.expr);
        if (t !== 'scalar' && t !== 'vector') {
          fail(e, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documentedType(t))}`);
        }
        break;
      }
      case 'SubqueryExpr': {
        const t = check(e.expr);
        if (t !== 'vector') fail(e, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'MatrixSelector':
        check(e.vectorSelector);
        break;
      case 'VectorSelector':
        checkSelector(e);
        break;
      case 'NumberLiteral':
      case 'StringLiteral':
        break;
    }
    return e.type;
  }

  check(root);
}
