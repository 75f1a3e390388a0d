/**
 * THE skip list of the conformance corpus: every eval that is not required
 * to pass yet, each rule with its reason. Only two kinds of reasons are
 * allowed: data or functions of native histograms (not stored by Vigil
 * yet), and experimental Prometheus features that are not built yet.
 * Skipped evals are still run, and the report says how many pass anyway,
 * so that a rule can be dropped as soon as it is no longer needed.
 */
import type { Expr } from '../parser/index.js';
import { walk } from '../parser/index.js';
import type { EvalCommand } from './script.js';
import type { ScriptState } from './runner.js';

export interface SkipRule {
  reason: string;
  applies(e: EvalCommand, state: ScriptState, expr: Expr | undefined): boolean;
}

function someNode(expr: Expr | undefined, pred: (e: Expr) => boolean): boolean {
  if (!expr) return false;
  let found = false;
  walk(expr, (e) => {
    if (pred(e)) found = true;
  });
  return found;
}

const callsOneOf = (names: string[]) => (e: Expr) => e.kind === 'Call' && names.includes(e.func.name);

/** A whole identifier (metric name) in the query text. */
function mentions(text: string, name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_:])${esc}($|[^A-Za-z0-9_:])`).test(text);
}

export const SKIP_RULES: readonly SkipRule[] = [
  {
    reason: 'native histograms: the query reads or expects native histogram samples, which Vigil does not store yet',
    applies: (e, state, expr) =>
      e.expectsHistogram ||
      (expr
        ? someNode(expr, (n) => n.kind === 'VectorSelector' && state.histogramSeries.some((ls) => n.matchers.every((m) => m.matches(ls.get(m.name)))))
        : [...state.histogramMetrics].some((m) => m !== '' && mentions(e.expr, m))),
  },
  {
    reason: 'native histograms: histogram_quantiles() over several quantiles is experimental and not built yet',
    applies: (_e, _s, expr) => someNode(expr, callsOneOf(['histogram_quantiles'])),
  },
  {
    reason: 'experimental: start timestamps (`@st` data, use-start-timestamps, start_timestamp()) are not built yet',
    applies: (e, state, expr) => state.startTimestamps || someNode(expr, callsOneOf(['start_timestamp'])),
  },
  {
    reason: 'experimental: the `anchored`/`smoothed` range modifiers (promql-extended-range-selectors) are not built yet',
    applies: (_e, _s, expr) => someNode(expr, (n) => n.kind === 'VectorSelector' && (n.anchored || n.smoothed)),
  },
  {
    reason: 'experimental: info() (promql-experimental-functions) is not built yet',
    applies: (_e, _s, expr) => someNode(expr, callsOneOf(['info'])),
  },
];

export function skipReason(e: EvalCommand, state: ScriptState, expr: Expr | undefined): string | undefined {
  for (const r of SKIP_RULES) if (r.applies(e, state, expr)) return r.reason;
  return undefined;
}
