/**
 * Evaluation of duration expressions (`[5m+1m]`, `offset (1h*2)`,
 * `[step()*2]`). Numbers are seconds. Expressions without `step()` or
 * `range()` are folded by the parser; the others are resolved per query by
 * resolveDurations(), which the engine calls before evaluation.
 */
import type { DurationNode, Expr, SubqueryExpr, VectorSelector } from './ast.js';
import { walk } from './ast.js';

/** What `step()` and `range()` stand for in one query, in ms. */
export interface DurationContext {
  stepMs: number;
  rangeMs: number;
}

export class DurationError extends Error {
  readonly code = 'bad_data';
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
    this.name = 'DurationError';
  }
}

/** True when the value does not depend on the query (no step(), range()). */
export function durationIsConstant(node: DurationNode): boolean {
  if (node.kind === 'NumberLiteral') return true;
  if (node.op === 'step' || node.op === 'range') return false;
  return (!node.lhs || durationIsConstant(node.lhs)) && (!node.rhs || durationIsConstant(node.rhs));
}

/** The value in seconds. Throws DurationError for division or modulo by zero, or a missing context. */
export function evalDuration(node: DurationNode, ctx?: DurationContext): number {
  if (node.kind === 'NumberLiteral') return node.value;
  const need = (n: DurationNode | undefined) => evalDuration(n!, ctx);
  switch (node.op) {
    case 'step':
    case 'range':
      if (!ctx) throw new DurationError(`${node.op}() is only known at evaluation`, node.start, node.end);
      return (node.op === 'step' ? ctx.stepMs : ctx.rangeMs) / 1000;
    case '()':
      return need(node.rhs);
    case 'min_of':
      return Math.min(need(node.lhs), need(node.rhs));
    case 'max_of':
      return Math.max(need(node.lhs), need(node.rhs));
    case '+':
      return node.lhs ? need(node.lhs) + need(node.rhs) : need(node.rhs);
    case '-':
      return node.lhs ? need(node.lhs) - need(node.rhs) : -need(node.rhs);
    case '*':
      return need(node.lhs) * need(node.rhs);
    case '/': {
      const d = need(node.rhs);
      if (d === 0) throw new DurationError('division by zero', node.start, node.end);
      return need(node.lhs) / d;
    }
    case '%': {
      const d = need(node.rhs);
      if (d === 0) throw new DurationError('modulo by zero', node.start, node.end);
      return need(node.lhs) % d;
    }
    case '^':
      return Math.pow(need(node.lhs), need(node.rhs));
  }
}

/** Seconds to whole milliseconds, truncating as Prometheus does. Throws for values beyond int64 nanoseconds. */
export function durationToMs(seconds: number): number {
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 9223372036.854775) {
    throw new Error('duration is out of range');
  }
  // Durations written in ms come back through seconds (1001ms = 1.001 s = 1000.9999... ms): snap
  // values within float error of a whole ms before truncating as Prometheus does.
  const ms = seconds * 1000;
  const whole = Math.round(ms);
  return Math.abs(ms - whole) < 1e-6 * Math.max(1, Math.abs(ms)) ? whole : Math.trunc(ms);
}

/**
 * Fills `range`, `step` and `offset` of every node whose duration is an
 * expression, for one query. Mutates the tree (parse a fresh tree per query,
 * or call again with the next query's context). Throws DurationError.
 */
export function resolveDurations(root: Expr, ctx: DurationContext): void {
  const ms = (node: DurationNode, positive: boolean): number => {
    let v: number;
    try {
      v = durationToMs(evalDuration(node, ctx));
    } catch (e) {
      if (e instanceof DurationError) throw e;
      throw new DurationError((e as Error).message, node.start, node.end);
    }
    if (positive && v <= 0) throw new DurationError('duration must be greater than 0', node.start, node.end);
    return v;
  };
  const offsets = (n: VectorSelector | SubqueryExpr) => {
    if (n.offsetExpr) n.offset = ms(n.offsetExpr, false);
  };
  walk(root, (e) => {
    switch (e.kind) {
      case 'VectorSelector':
        offsets(e);
        break;
      case 'MatrixSelector':
        if (e.rangeExpr) e.range = ms(e.rangeExpr, true);
        break;
      case 'SubqueryExpr':
        if (e.rangeExpr) e.range = ms(e.rangeExpr, true);
        if (e.stepExpr) e.step = ms(e.stepExpr, true);
        offsets(e);
        break;
    }
  });
}
