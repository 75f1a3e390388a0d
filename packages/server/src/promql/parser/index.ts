/** The PromQL front end: parse, check, print. */
export type {
  AggregateExpr,
  AggregateOp,
  ArithmeticOp,
  AtMarker,
  BinaryExpr,
  BinaryOp,
  Call,
  ComparisonOp,
  DurationExpr,
  DurationNode,
  Expr,
  MatchCardinality,
  MatrixSelector,
  Node,
  NumberLiteral,
  ParenExpr,
  SetOp,
  StringLiteral,
  SubqueryExpr,
  TrimOp,
  UnaryExpr,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast.js';
export { AGGREGATORS_WITH_PARAM, children, isComparisonOp, isSetOp, walk } from './ast.js';
export { documentedType } from './check.js';
export { DurationSyntaxError, formatDuration, parseDuration } from './duration.js';
export {
  DurationError,
  durationIsConstant,
  evalDuration,
  resolveDurations,
  type DurationContext,
} from './duration_expr.js';
export { ParseError, type PositionRange } from './errors.js';
export { formatDurationNode, formatExpr, formatMatcher, formatNumber, prettyExpr } from './format.js';
export { parseExpr, parseMetricSelector, parseSeriesSelector, type ParseOptions } from './parser.js';
export { goQuote, isWellFormed, unquote } from './strings.js';
