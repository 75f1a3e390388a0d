/**
 * The PromQL syntax tree. Every node has `kind` (its class), `type` (the
 * PromQL value type it evaluates to) and `start`/`end` offsets into the query
 * text (half-open). Semantics follow Prometheus's AST: offsets, `@` and range
 * modifiers of a range selector live on its inner vector selector; durations
 * are milliseconds, `@` timestamps are milliseconds.
 */
import type { Matcher } from '../../model/matcher.js';
import type { FunctionDef, ValueType } from '../functions/catalogue.js';

export type { ValueType };

interface NodeBase {
  start: number;
  end: number;
}

export interface NumberLiteral extends NodeBase {
  kind: 'NumberLiteral';
  type: 'scalar';
  value: number;
  /** Written as a duration (`5m` means 300); printed back as one. */
  duration: boolean;
}

export interface StringLiteral extends NodeBase {
  kind: 'StringLiteral';
  type: 'string';
  value: string;
}

/** `@ start()` / `@ end()`. */
export type AtMarker = 'start' | 'end';

export interface VectorSelector extends NodeBase {
  kind: 'VectorSelector';
  type: 'vector';
  /** Metric name written before the braces; '' otherwise. */
  name: string;
  /** All matchers, including `__name__="<name>"` for a name written before the braces. */
  matchers: Matcher[];
  /** Offset in ms (negative looks ahead). 0 while `offsetExpr` awaits resolution. */
  offset: number;
  /** The offset as written, when it is a duration expression rather than a literal. */
  offsetExpr?: DurationNode;
  /** `@ <timestamp>` in ms. */
  timestamp?: number;
  atMarker?: AtMarker;
  /** Experimental range modifiers (`promql-extended-range-selectors`). */
  anchored: boolean;
  smoothed: boolean;
}

export interface MatrixSelector extends NodeBase {
  kind: 'MatrixSelector';
  type: 'matrix';
  vectorSelector: VectorSelector;
  /** Range in ms. 0 while `rangeExpr` awaits resolution. */
  range: number;
  rangeExpr?: DurationNode;
}

export interface SubqueryExpr extends NodeBase {
  kind: 'SubqueryExpr';
  type: 'matrix';
  expr: Expr;
  range: number;
  rangeExpr?: DurationNode;
  /** Step in ms; 0 means "the default evaluation interval" (`[5m:]`). */
  step: number;
  stepExpr?: DurationNode;
  offset: number;
  offsetExpr?: DurationNode;
  timestamp?: number;
  atMarker?: AtMarker;
}

export interface ParenExpr extends NodeBase {
  kind: 'ParenExpr';
  type: ValueType;
  expr: Expr;
}

export interface UnaryExpr extends NodeBase {
  kind: 'UnaryExpr';
  type: ValueType;
  op: '-' | '+';
  expr: Expr;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
/** Native-histogram trimming: `h </ x` drops observations above x, `h >/ x` those below. */
export type TrimOp = '</' | '>/';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

export type MatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** How the series of two vector operands are paired. */
export interface VectorMatching {
  card: MatchCardinality;
  /** `on(...)` when true, `ignoring(...)` (or nothing) when false. */
  on: boolean;
  labels: string[];
  /** Extra labels of `group_left(...)` / `group_right(...)`. */
  include: string[];
  /** Values substituted for a missing left / right operand (`fill`, `fill_left`, `fill_right`). */
  fillLeft?: number;
  fillRight?: number;
}

export interface BinaryExpr extends NodeBase {
  kind: 'BinaryExpr';
  type: ValueType;
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** The `bool` modifier of comparisons. */
  returnBool: boolean;
  /** Null unless both operands are instant vectors. */
  matching: VectorMatching | null;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

export interface AggregateExpr extends NodeBase {
  kind: 'AggregateExpr';
  type: 'vector';
  op: AggregateOp;
  expr: Expr;
  /** The first argument of topk, bottomk, quantile, count_values, limitk, limit_ratio. */
  param: Expr | null;
  grouping: string[];
  without: boolean;
}

export interface Call extends NodeBase {
  kind: 'Call';
  type: ValueType;
  func: FunctionDef;
  args: Expr[];
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | ParenExpr
  | UnaryExpr
  | BinaryExpr
  | AggregateExpr
  | Call;

/**
 * Arithmetic on durations inside `[...]` and after `offset`. Numbers are
 * seconds. `step()` and `range()` are the query's step and range, known only
 * at evaluation: see resolveDurations().
 */
export interface DurationExpr extends NodeBase {
  kind: 'DurationExpr';
  type: 'scalar';
  op: '+' | '-' | '*' | '/' | '%' | '^' | '()' | 'step' | 'range' | 'min_of' | 'max_of';
  /** Absent for unary +/-, parentheses, step() and range(). */
  lhs?: DurationNode;
  /** Absent for step() and range(). */
  rhs?: DurationNode;
}

export type DurationNode = NumberLiteral | DurationExpr;

export type Node = Expr | DurationExpr;

export function isSetOp(op: BinaryOp): op is SetOp {
  return op === 'and' || op === 'or' || op === 'unless';
}

export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export const AGGREGATORS_WITH_PARAM: ReadonlySet<AggregateOp> = new Set([
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Direct sub-expressions of a node, in source order. Duration expressions are not included. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'MatrixSelector':
      return [e.vectorSelector];
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'Call':
      return e.args;
    default:
      return [];
  }
}

/** Pre-order walk; return false from `visit` to skip a node's children. */
export function walk(e: Expr, visit: (e: Expr, path: readonly Expr[]) => boolean | void, path: Expr[] = []): void {
  if (visit(e, path) === false) return;
  path.push(e);
  for (const c of children(e)) walk(c, visit, path);
  path.pop();
}
