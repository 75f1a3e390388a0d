/**
 * The one table of PromQL functions: every function Prometheus 3.14 documents,
 * with its signature and traits. The parser reads signatures from here to
 * type-check calls; the engine registers implementations into the same
 * entries with {@link implement}, from its own family files, so adding an
 * implementation never means editing this table.
 *
 * @example
 *   // engine/functions/math.ts
 *   implement('abs', absImpl);
 *   // engine/eval.ts
 *   const fn = call.func.impl as MyImplType;
 */

/** The PromQL value types, named as Prometheus's ValueType strings. */
export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

export interface FunctionDef {
  readonly name: string;
  /**
   * Declared argument types. With `variadic` 0 the call takes exactly these.
   * Otherwise the last entry is optional and repeats: up to `variadic` times
   * (so `argTypes.length - 1 .. argTypes.length - 1 + variadic` arguments),
   * or without limit when `variadic` is -1. This is Prometheus's convention.
   */
  readonly argTypes: readonly ValueType[];
  readonly variadic: number;
  readonly returnType: ValueType;
  /** Needs `promql-experimental-functions` in Prometheus. */
  readonly experimental: boolean;
  /** Output series lose `__name__` (and `__type__`/`__unit__`). */
  readonly dropsMetricName: boolean;
  /**
   * The result depends on the evaluation time or the query's start/end/step,
   * not only on the data: the step-invariance check must skip it.
   */
  readonly dependsOnEvalTime: boolean;
  /** May take a range selector with the `anchored` modifier. */
  readonly allowsAnchored: boolean;
  /** May take a range selector with the `smoothed` modifier. */
  readonly allowsSmoothed: boolean;
  /** Filled by the engine through {@link implement}; its type is the engine's. */
  impl?: unknown;
}

/** The minimum and maximum argument counts of a function (max is Infinity when unbounded). */
export function argCountRange(f: FunctionDef): { min: number; max: number } {
  const n = f.argTypes.length;
  if (f.variadic === 0) return { min: n, max: n };
  return { min: n - 1, max: f.variadic < 0 ? Infinity : n - 1 + f.variadic };
}

interface Spec {
  args: ValueType[];
  ret: ValueType;
  variadic?: number;
  experimental?: boolean;
  /** Defaults to true when the function returns a vector computed from input series. */
  dropsName?: boolean;
  evalTime?: boolean;
  anchored?: boolean;
  smoothed?: boolean;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const vv: Spec = { args: [V], ret: V };
const mv: Spec = { args: [M], ret: V };
const mvExp: Spec = { args: [M], ret: V, experimental: true };
/** Date functions: optional vector argument (defaults to vector(time())). */
const dateFn: Spec = { args: [V], ret: V, variadic: 1, evalTime: true };
/** Functions of the query itself (start(), end(), step(), range()). */
const queryFn: Spec = { args: [], ret: S, experimental: true, evalTime: true };

const specs: Record<string, Spec> = {
  abs: vv,
  absent: { args: [V], ret: V, dropsName: false },
  absent_over_time: { args: [M], ret: V, dropsName: false },
  acos: vv,
  acosh: vv,
  asin: vv,
  asinh: vv,
  atan: vv,
  atanh: vv,
  avg_over_time: mv,
  ceil: vv,
  changes: { args: [M], ret: V, anchored: true },
  clamp: { args: [V, S, S], ret: V },
  clamp_max: { args: [V, S], ret: V },
  clamp_min: { args: [V, S], ret: V },
  cos: vv,
  cosh: vv,
  count_over_time: mv,
  day_of_month: dateFn,
  day_of_week: dateFn,
  day_of_year: dateFn,
  days_in_month: dateFn,
  deg: vv,
  delta: { args: [M], ret: V, anchored: true, smoothed: true },
  deriv: mv,
  double_exponential_smoothing: { args: [M, S, S], ret: V, experimental: true },
  end: queryFn,
  exp: vv,
  first_over_time: { args: [M], ret: V, dropsName: false },
  floor: vv,
  histogram_avg: vv,
  histogram_count: vv,
  histogram_fraction: { args: [S, S, V], ret: V },
  histogram_quantile: { args: [S, V], ret: V },
  histogram_quantiles: { args: [V, STR, S, S], ret: V, variadic: -1, experimental: true },
  histogram_stddev: vv,
  histogram_stdvar: vv,
  histogram_sum: vv,
  hour: dateFn,
  idelta: mv,
  increase: { args: [M], ret: V, anchored: true, smoothed: true },
  info: { args: [V, V], ret: V, variadic: 1, experimental: true, dropsName: false },
  irate: mv,
  label_join: { args: [V, STR, STR, STR], ret: V, variadic: -1, dropsName: false },
  label_replace: { args: [V, STR, STR, STR, STR], ret: V, dropsName: false },
  last_over_time: { args: [M], ret: V, dropsName: false },
  ln: vv,
  log10: vv,
  log2: vv,
  mad_over_time: mvExp,
  max_of: { args: [S, S], ret: S, experimental: true },
  max_over_time: mv,
  min_of: { args: [S, S], ret: S, experimental: true },
  min_over_time: mv,
  minute: dateFn,
  month: dateFn,
  pi: { args: [], ret: S },
  predict_linear: { args: [M, S], ret: V, evalTime: true },
  present_over_time: mv,
  quantile_over_time: { args: [S, M], ret: V },
  rad: vv,
  range: queryFn,
  rate: { args: [M], ret: V, anchored: true, smoothed: true },
  resets: { args: [M], ret: V, anchored: true },
  round: { args: [V, S], ret: V, variadic: 1 },
  scalar: { args: [V], ret: S },
  sgn: vv,
  sin: vv,
  sinh: vv,
  sort: { args: [V], ret: V, dropsName: false },
  sort_by_label: { args: [V, STR], ret: V, variadic: -1, experimental: true, dropsName: false },
  sort_by_label_desc: { args: [V, STR], ret: V, variadic: -1, experimental: true, dropsName: false },
  sort_desc: { args: [V], ret: V, dropsName: false },
  sqrt: vv,
  start: queryFn,
  start_timestamp: vv,
  stddev_over_time: mv,
  stdvar_over_time: mv,
  step: queryFn,
  sum_over_time: mv,
  tan: vv,
  tanh: vv,
  time: { args: [], ret: S, evalTime: true },
  timestamp: { args: [V], ret: V, evalTime: true },
  ts_of_first_over_time: mvExp,
  ts_of_last_over_time: mvExp,
  ts_of_max_over_time: mvExp,
  ts_of_min_over_time: mvExp,
  vector: { args: [S], ret: V, dropsName: false },
  year: dateFn,
};

const table = new Map<string, FunctionDef>();
for (const [name, s] of Object.entries(specs)) {
  table.set(name, {
    name,
    argTypes: Object.freeze([...s.args]),
    variadic: s.variadic ?? 0,
    returnType: s.ret,
    experimental: s.experimental ?? false,
    dropsMetricName: s.dropsName ?? s.ret === 'vector',
    dependsOnEvalTime: s.evalTime ?? false,
    allowsAnchored: s.anchored ?? false,
    allowsSmoothed: s.smoothed ?? false,
  });
}

/** Every function, by name. Entries are shared: the engine's `impl` lands here. */
export const FUNCTIONS: ReadonlyMap<string, FunctionDef> = table;

export function getFunction(name: string): FunctionDef | undefined {
  return table.get(name);
}

/**
 * Registers the engine's implementation of a function. Throws for an unknown
 * name or a second registration, so a typo or a duplicate fails at startup.
 */
export function implement(name: string, impl: unknown): void {
  const f = table.get(name);
  if (!f) throw new Error(`cannot implement function ${JSON.stringify(name)}: not in the catalogue`);
  if (f.impl !== undefined) throw new Error(`cannot implement function ${JSON.stringify(name)}: already implemented`);
  f.impl = impl;
}

/** Names of functions with a trait, sorted (used in error messages). */
export function functionsWith(trait: 'allowsAnchored' | 'allowsSmoothed'): string[] {
  return [...table.values()].filter((f) => f[trait]).map((f) => f.name).sort();
}
