/**
 * Step-wise evaluation, the way Prometheus evaluates range queries: every
 * node is evaluated once over all steps of its evaluator's grid
 * (`start, start+interval, ... <= end`) and yields column-shaped series (see
 * value.ts). An instant query is a grid of one step. Subqueries run a child
 * evaluator over their own aligned grid.
 *
 * Series from storage are streamed one at a time through a reused sample
 * buffer; only results are kept.
 */
import { Labels, METRIC_NAME, compareLabels } from '../../model/labels.js';
import type { Queryable } from '../../storage/interface.js';
import { isStaleNaN } from '../../model/value.js';
import type { Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../parser/index.js';
import { documentedType, resolveDurations } from '../parser/index.js';
import { functionsWith } from '../functions/catalogue.js';
import type { FunctionImpl, RangeWindow } from '../functions/types.js';
import { evalAggregate } from './aggregate.js';
import { possibleNonCounter } from './annotations.js';
import { evalBinary } from './binary.js';
import { QueryContext } from './context.js';
import { badData, execError } from './errors.js';
import type { EngineSettings } from './index.js';
import type { Result, ResultSeries } from './result.js';
import { SampleBuffer, newStepSeries, sizeOf, type RangeSeries, type StepSeries, type Value } from './value.js';

/** Labels dropped together with the metric name. */
export const NAME_LABELS = [METRIC_NAME, '__type__', '__unit__'];

export interface RunOptions {
  settings: Readonly<EngineSettings>;
  queryable: Queryable;
  expr: Expr;
  query: string;
  start: number;
  end: number;
  /** 0 for an instant query. */
  step: number;
  lookbackDeltaMs: number;
  deadline: number;
  signal: AbortSignal | undefined;
  stats: boolean;
}

export async function runQuery(o: RunOptions): Promise<Result> {
  const began = performance.now();
  const expr = cloneExpr(o.expr);
  resolveDurations(expr, { stepMs: o.step, rangeMs: o.end - o.start });
  const ctx = new QueryContext({
    settings: o.settings,
    queryable: o.queryable,
    query: o.query,
    lookback: o.lookbackDeltaMs,
    start: o.start,
    end: o.end,
    step: o.step,
    deadline: o.deadline,
    signal: o.signal,
  });
  const instant = o.step === 0;
  if (!instant && expr.type !== 'vector' && expr.type !== 'scalar') {
    throw badData(`invalid expression type ${JSON.stringify(documentedType(expr.type))} for range query, must be Scalar or instant Vector`);
  }
  try {
    const ev = new Evaluator(ctx, o.start, o.end, instant ? 1 : o.step);
    let v = await ev.eval(expr);
    const evalDone = performance.now();
    if (o.settings.delayedNameRemoval) v = cleanupNames(v, instant);
    const result = assemble(v, ev, instant);
    result.warnings = ctx.warnings;
    result.infos = ctx.infos;
    if (o.stats) {
      const now = performance.now();
      result.stats = {
        timings: {
          evalTotalTime: (now - began) / 1000,
          resultSortTime: (now - evalDone) / 1000,
          queryPreparationTime: 0,
          innerEvalTime: (evalDone - began) / 1000,
          execQueueTime: 0,
          execTotalTime: 0,
        },
        samples: { totalQueryableSamples: ctx.totalSamples, peakSamples: ctx.peakSamples },
      };
    }
    return result;
  } finally {
    ctx.close();
  }
}

function assemble(v: Value, ev: Evaluator, instant: boolean): Result {
  const base = { series: [] as ResultSeries[], warnings: [], infos: [] };
  switch (v.kind) {
    case 'string':
      return { ...base, resultType: 'string', string: { t: ev.start, v: v.s } };
    case 'scalar':
      if (instant) return { ...base, resultType: 'scalar', scalar: { t: ev.start, v: v.vs[0] } };
      return { ...base, resultType: 'matrix', series: [toResultSeries(newScalarSeries(v.vs), ev)] };
    case 'matrix':
      return {
        ...base,
        resultType: 'matrix',
        series: v.series.map((s) => ({ labels: s.labels, timestamps: s.ts.slice(0, s.n), values: s.vs.slice(0, s.n) })),
      };
    case 'vector': {
      if (instant) {
        return {
          ...base,
          resultType: 'vector',
          series: v.series.filter((s) => s.ok[0]).map((s) => ({ labels: s.labels, timestamps: Float64Array.of(ev.start), values: Float64Array.of(s.vs[0]) })),
        };
      }
      const series = v.series.filter((s) => s.ok.includes(1)).sort((a, b) => compareLabels(a.labels, b.labels));
      return { ...base, resultType: 'matrix', series: series.map((s) => toResultSeries(s, ev)) };
    }
  }
}

function newScalarSeries(vs: Float64Array): StepSeries {
  return { labels: Labels.EMPTY, vs, ok: new Uint8Array(vs.length).fill(1), dropName: false };
}

function toResultSeries(s: StepSeries, ev: Evaluator): ResultSeries {
  let n = 0;
  for (let i = 0; i < s.ok.length; i++) n += s.ok[i];
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0, k = 0; i < s.ok.length; i++) {
    if (!s.ok[i]) continue;
    timestamps[k] = ev.time(i);
    values[k] = s.vs[i];
    k++;
  }
  return { labels: s.labels, timestamps, values };
}

/** Delayed name removal: drop the names marked for dropping, then refuse (or, over a range, merge) equal label sets. */
function cleanupNames(v: Value, instant: boolean): Value {
  if (v.kind === 'vector') {
    for (const s of v.series) {
      if (s.dropName) {
        s.labels = s.labels.without(...NAME_LABELS);
        s.dropName = false;
      }
    }
    return { kind: 'vector', series: mergeSameLabels(v.series.filter((s) => s.ok.includes(1)), instant) };
  }
  if (v.kind === 'matrix') {
    for (const s of v.series) {
      if (s.dropName) {
        s.labels = s.labels.without(...NAME_LABELS);
        s.dropName = false;
      }
    }
    const seen = new Set<string>();
    for (const s of v.series) {
      const k = s.labels.key();
      if (seen.has(k)) throw execError('vector cannot contain metrics with the same labelset');
      seen.add(k);
    }
  }
  return v;
}

/**
 * Merges series with equal labels that are present at different steps;
 * fails as Prometheus does when two are present at the same step (always
 * for an instant query).
 */
export function mergeSameLabels(series: StepSeries[], strict = false): StepSeries[] {
  if (series.length < 2) return series;
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of series) {
    const k = s.labels.key();
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    if (strict) throw execError('vector cannot contain metrics with the same labelset');
    for (let i = 0; i < s.ok.length; i++) {
      if (!s.ok[i]) continue;
      if (prev.ok[i]) throw execError('vector cannot contain metrics with the same labelset');
      prev.ok[i] = 1;
      prev.vs[i] = s.vs[i];
    }
    prev.dropName ||= s.dropName;
  }
  return out;
}

/** A copy of the tree's nodes (matchers and functions shared), so per-query duration resolution leaves the caller's tree alone. */
function cloneExpr<T extends Expr>(e: T): T {
  const c = { ...e } as Expr;
  switch (c.kind) {
    case 'MatrixSelector':
      c.vectorSelector = cloneExpr(c.vectorSelector);
      break;
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      c.expr = cloneExpr(c.expr);
      break;
    case 'BinaryExpr':
      c.lhs = cloneExpr(c.lhs);
      c.rhs = cloneExpr(c.rhs);
      break;
    case 'AggregateExpr':
      c.expr = cloneExpr(c.expr);
      if (c.param) c.param = cloneExpr(c.param);
      break;
    case 'Call':
      c.args = c.args.map(cloneExpr);
      break;
  }
  return c as T;
}

export function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

const RATE_LIKE = new Set(['rate', 'increase']);

export class Evaluator {
  readonly ctx: QueryContext;
  readonly start: number;
  readonly end: number;
  readonly interval: number;
  readonly steps: number;
  readonly #buf = new SampleBuffer();

  constructor(ctx: QueryContext, start: number, end: number, interval: number) {
    this.ctx = ctx;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.steps = end < start ? 0 : Math.floor((end - start) / interval) + 1;
  }

  time(i: number): number {
    return this.start + i * this.interval;
  }

  get delayed(): boolean {
    return this.ctx.settings.delayedNameRemoval;
  }

  /** Evaluates a node over this evaluator's steps. */
  async eval(e: Expr): Promise<Value> {
    await this.ctx.checkpoint();
    const before = this.ctx.currentSamples;
    const v = await this.#eval(e);
    this.ctx.setSamples(before + sizeOf(v));
    return v;
  }

  async evalVector(e: Expr): Promise<StepSeries[]> {
    const v = await this.eval(e);
    if (v.kind !== 'vector') throw new Error(`expected an instant vector, got ${v.kind}`);
    return v.series;
  }

  async evalScalar(e: Expr): Promise<Float64Array> {
    const v = await this.eval(e);
    if (v.kind !== 'scalar') throw new Error(`expected a scalar, got ${v.kind}`);
    return v.vs;
  }

  /** The name-dropping rule of functions and operators: mark (delayed removal) or drop now, refusing duplicates. */
  dropNames(series: StepSeries[]): StepSeries[] {
    if (this.delayed) {
      for (const s of series) s.dropName = true;
      return series;
    }
    for (const s of series) s.labels = s.labels.without(...NAME_LABELS);
    return mergeSameLabels(series, this.steps === 1);
  }

  async #eval(e: Expr): Promise<Value> {
    switch (e.kind) {
      case 'NumberLiteral':
        return { kind: 'scalar', vs: new Float64Array(this.steps).fill(e.value) };
      case 'StringLiteral':
        return { kind: 'string', s: e.value };
      case 'ParenExpr':
        return this.eval(e.expr);
      case 'UnaryExpr': {
        const v = await this.eval(e.expr);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', vs: v.vs.map((x) => -x) };
        if (v.kind !== 'vector') throw new Error('unary minus on a non-numeric value');
        for (const s of v.series) for (let i = 0; i < s.vs.length; i++) s.vs[i] = -s.vs[i];
        return { kind: 'vector', series: this.dropNames(v.series) };
      }
      case 'VectorSelector':
        return { kind: 'vector', series: await this.selectVector(e, false) };
      case 'MatrixSelector':
        return { kind: 'matrix', series: await this.rangeVectorAt(e) };
      case 'SubqueryExpr':
        return { kind: 'matrix', series: await this.rangeVectorAt(e) };
      case 'BinaryExpr':
        return evalBinary(this, e);
      case 'AggregateExpr':
        return evalAggregate(this, e);
      case 'Call':
        return this.#call(e);
    }
  }

  /** The `@` time of a selector or subquery, if any. */
  atTime(n: VectorSelector | SubqueryExpr): number | undefined {
    if (n.atMarker === 'start') return this.ctx.queryStart;
    if (n.atMarker === 'end') return this.ctx.queryEnd;
    return n.timestamp;
  }

  /**
   * An instant vector selector over all steps: the newest sample in
   * (ref - lookback, ref] with ref = (`@` or step time) - offset, unless it
   * is a staleness marker. With `timestamps`, the value is the sample's time
   * in seconds (for `timestamp()`).
   */
  async selectVector(vs: VectorSelector, timestamps: boolean): Promise<StepSeries[]> {
    const steps = this.steps;
    if (steps === 0) return [];
    const at = this.atTime(vs);
    const firstRef = (at ?? this.start) - vs.offset;
    const lastRef = (at ?? this.time(steps - 1)) - vs.offset;
    const lookback = this.ctx.lookback;
    const series = this.ctx.select(vs.matchers, firstRef - lookback + 1, lastRef);
    const buf = this.#buf;
    const out: StepSeries[] = [];
    for (let si = 0; si < series.length; si++) {
      if ((si & 255) === 255) await this.ctx.checkpoint();
      const s = series[si];
      readAll(s.iterator(), buf);
      if (buf.n === 0) continue;
      const r = newStepSeries(s.labels, steps);
      const ts = buf.ts;
      const vals = buf.vs;
      let j = 0;
      let present = 0;
      for (let i = 0; i < steps; i++) {
        const ref = at !== undefined ? firstRef : this.start + i * this.interval - vs.offset;
        while (j < buf.n && ts[j] <= ref) j++;
        const k = j - 1;
        if (k < 0 || ts[k] <= ref - lookback) continue;
        const v = vals[k];
        if (isStaleNaN(v)) continue;
        r.vs[i] = timestamps ? ts[k] / 1000 : v;
        r.ok[i] = 1;
        present++;
      }
      if (present === 0) continue;
      this.ctx.totalSamples += present;
      this.ctx.addSamples(present);
      out.push(r);
    }
    return out;
  }

  /** A range vector evaluated at this (one-step) evaluator's time: the result of an instant query for `x[5m]` or a subquery. */
  async rangeVectorAt(e: MatrixSelector | SubqueryExpr): Promise<RangeSeries[]> {
    const out: RangeSeries[] = [];
    await this.forEachWindowSeries(e, (src, lo, hi) => {
      if (hi <= lo) return;
      const ts = src.ts.slice(lo, hi);
      const vs = src.vs.slice(lo, hi);
      out.push({ labels: src.labels, ts, vs, n: hi - lo, dropName: src.dropName });
    });
    return out;
  }

  /**
   * Streams the series of a range-vector expression (matrix selector or
   * subquery) and, for each, calls `perSeries` once with the series and,
   * through `windowAt`, the window bounds of every step.
   */
  async forEachSeriesWindows(
    e: MatrixSelector | SubqueryExpr,
    perSeries: (src: RangeSeries, windowAt: (step: number, w: { lo: number; hi: number; start: number; end: number }) => void) => void,
  ): Promise<void> {
    const steps = this.steps;
    if (steps === 0) return;
    const node = e.kind === 'MatrixSelector' ? e.vectorSelector : e;
    const at = this.atTime(node);
    const offset = node.offset;
    const range = e.range;
    const endAt = (i: number) => (at ?? this.start + i * this.interval) - offset;
    const visit = (src: RangeSeries) => {
      let lo = 0;
      let hi = 0;
      const ts = src.ts;
      const n = src.n;
      perSeries(src, (i, w) => {
        const end = endAt(i);
        const start = end - range;
        if (at !== undefined && i > 0) {
          // The window does not move: keep the bounds of step 0.
        } else {
          while (lo < n && ts[lo] <= start) lo++;
          if (hi < lo) hi = lo;
          while (hi < n && ts[hi] <= end) hi++;
        }
        w.lo = lo;
        w.hi = hi;
        w.start = start;
        w.end = end;
      });
    };
    if (e.kind === 'SubqueryExpr') {
      for (const s of await this.subquerySeries(e)) visit(s);
      return;
    }
    const vs = e.vectorSelector;
    const mint = endAt(0) - range + 1;
    const maxt = endAt(steps - 1);
    const series = this.ctx.select(vs.matchers, mint, maxt);
    const buf = this.#buf;
    const src: RangeSeries = { labels: Labels.EMPTY, ts: buf.ts, vs: buf.vs, n: 0, dropName: false };
    for (let si = 0; si < series.length; si++) {
      if ((si & 63) === 63) await this.ctx.checkpoint();
      const s = series[si];
      readAll(s.iterator(), buf, true);
      if (buf.n === 0) continue;
      src.labels = s.labels;
      src.ts = buf.ts;
      src.vs = buf.vs;
      src.n = buf.n;
      visit(src);
    }
  }

  /** Like forEachSeriesWindows, for one step (instant evaluation of a range vector). */
  async forEachWindowSeries(e: MatrixSelector | SubqueryExpr, fn: (src: RangeSeries, lo: number, hi: number) => void): Promise<void> {
    const w = { lo: 0, hi: 0, start: 0, end: 0 };
    await this.forEachSeriesWindows(e, (src, windowAt) => {
      windowAt(0, w);
      fn(src, w.lo, w.hi);
    });
  }

  /** Evaluates a subquery's inner expression over the aligned grid that covers every window of this evaluator. */
  async subquerySeries(sq: SubqueryExpr): Promise<RangeSeries[]> {
    const at = this.atTime(sq);
    const step = sq.step || this.ctx.settings.defaultSubqueryStepMs;
    const anchorStart = at ?? this.start;
    const anchorEnd = at ?? this.time(this.steps - 1);
    const childEnd = anchorEnd - sq.offset;
    const first = anchorStart - sq.offset - sq.range;
    let childStart = step * Math.trunc(first / step);
    if (childStart <= first) childStart += step;
    if (childStart > childEnd) return [];
    const child = new Evaluator(this.ctx, childStart, childEnd, step);
    const v = await child.eval(sq.expr);
    if (v.kind !== 'vector') throw new Error('subquery of a non-vector expression');
    const out: RangeSeries[] = [];
    for (const s of v.series) {
      let n = 0;
      for (let i = 0; i < s.ok.length; i++) n += s.ok[i];
      if (n === 0) continue;
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let i = 0, k = 0; i < s.ok.length; i++) {
        if (!s.ok[i]) continue;
        ts[k] = child.time(i);
        vs[k] = s.vs[i];
        k++;
      }
      out.push({ labels: s.labels, ts, vs, n, dropName: s.dropName });
    }
    return out;
  }

  async #call(call: Call): Promise<Value> {
    const impl = call.func.impl as FunctionImpl | undefined;
    if (!impl) throw execError(`function ${JSON.stringify(call.func.name)} is not supported`);
    switch (impl.kind) {
      case 'custom':
        return impl.fn(call, this);
      case 'elementwise':
        return this.#elementwise(call, impl.fn);
      case 'range':
        return this.#rangeCall(call, impl.fn);
    }
  }

  /** Scalar arguments per step, in order; null where the argument is not a scalar. */
  async scalarArgs(args: readonly Expr[], skip: number): Promise<Array<Float64Array | null>> {
    const out: Array<Float64Array | null> = [];
    for (let i = 0; i < args.length; i++) {
      if (i === skip || args[i].type !== 'scalar') {
        out.push(null);
        continue;
      }
      out.push(await this.evalScalar(args[i]));
    }
    return out;
  }

  async #elementwise(call: Call, fn: (v: number, args: Float64Array, t: number) => number | undefined): Promise<Value> {
    const steps = this.steps;
    let series: StepSeries[];
    if (call.args.length === 0) {
      // Date functions default to vector(time()).
      const s = newStepSeries(Labels.EMPTY, steps);
      for (let i = 0; i < steps; i++) {
        s.vs[i] = this.time(i) / 1000;
        s.ok[i] = 1;
      }
      series = [s];
    } else {
      series = await this.evalVector(call.args[0]);
    }
    const scalars = await this.scalarArgs(call.args, 0);
    const extra = scalars.filter((x): x is Float64Array => x !== null);
    const args = new Float64Array(extra.length);
    for (const s of series) {
      const vs = s.vs;
      const ok = s.ok;
      for (let i = 0; i < steps; i++) {
        if (!ok[i]) continue;
        for (let a = 0; a < extra.length; a++) args[a] = extra[a][i];
        const r = fn(vs[i], args, this.time(i));
        if (r === undefined) ok[i] = 0;
        else vs[i] = r;
      }
    }
    series = series.filter((s) => s.ok.includes(1));
    return { kind: 'vector', series: call.func.dropsMetricName ? this.dropNames(series) : series };
  }

  async #rangeCall(call: Call, fn: (w: RangeWindow) => number | undefined): Promise<Value> {
    let argIndex = call.args.findIndex((a) => a.type === 'matrix');
    const arg = unwrapParens(call.args[argIndex]) as MatrixSelector | SubqueryExpr;
    const vsel = arg.kind === 'MatrixSelector' ? arg.vectorSelector : undefined;
    if (vsel?.anchored || vsel?.smoothed) {
      const which = vsel.anchored ? 'anchored' : 'smoothed';
      const allowed = vsel.anchored ? call.func.allowsAnchored : call.func.allowsSmoothed;
      if (!allowed) {
        const list = functionsWith(vsel.anchored ? 'allowsAnchored' : 'allowsSmoothed').join(', ');
        throw execError(`${which} modifier can only be used with: ${list} - not with ${call.func.name}`);
      }
    }
    const scalars = await this.scalarArgs(call.args, argIndex);
    const extra = scalars.filter((x): x is Float64Array => x !== null);
    const steps = this.steps;
    const ctx = this.ctx;
    const name = call.func.name;
    const out: StepSeries[] = [];
    const absentFound = name === 'absent_over_time' ? new Uint8Array(steps) : undefined;
    const w: RangeWindow = {
      ts: new Float64Array(0),
      vs: new Float64Array(0),
      lo: 0,
      hi: 0,
      rangeStart: 0,
      rangeEnd: 0,
      evalT: 0,
      args: new Float64Array(extra.length),
      labels: Labels.EMPTY,
      call,
      annotate: (kind, message, position) => (kind === 'warn' ? ctx.warn(message, position) : ctx.info(message, position)),
      anchored: vsel?.anchored ?? false,
      smoothed: vsel?.smoothed ?? false,
    };
    const bounds = { lo: 0, hi: 0, start: 0, end: 0 };
    const base = ctx.currentSamples;
    await this.forEachSeriesWindows(arg, (src, windowAt) => {
      let r: StepSeries | undefined;
      w.ts = src.ts;
      w.vs = src.vs;
      w.labels = src.labels;
      let present = 0;
      for (let i = 0; i < steps; i++) {
        windowAt(i, bounds);
        if (bounds.hi <= bounds.lo) continue;
        const held = bounds.hi - bounds.lo;
        if (base + held > ctx.settings.maxSamples) ctx.addSamples(held);
        ctx.totalSamples += held;
        if (absentFound) {
          absentFound[i] = 1;
          continue;
        }
        w.lo = bounds.lo;
        w.hi = bounds.hi;
        w.rangeStart = bounds.start;
        w.rangeEnd = bounds.end;
        w.evalT = this.time(i);
        for (let a = 0; a < extra.length; a++) w.args[a] = extra[a][i];
        const v = fn(w);
        if (v === undefined) continue;
        r ??= newStepSeries(src.labels, steps, src.dropName);
        r.vs[i] = v;
        r.ok[i] = 1;
        present++;
      }
      if (r) {
        ctx.addSamples(present);
        out.push(r);
        if (RATE_LIKE.has(name)) {
          const metric = src.labels.get(METRIC_NAME);
          if (metric !== '' && !/(_total|_sum|_count|_bucket)$/.test(metric)) {
            ctx.info(possibleNonCounter(metric), { start: call.args[argIndex].start, end: call.args[argIndex].end });
          }
        }
      }
    });
    if (absentFound) {
      const s = newStepSeries(absentLabels(call.args[0]), steps);
      let any = false;
      for (let i = 0; i < steps; i++) {
        if (absentFound[i]) continue;
        s.vs[i] = 1;
        s.ok[i] = 1;
        any = true;
      }
      return { kind: 'vector', series: any ? [s] : [] };
    }
    if (!call.func.dropsMetricName) {
      return { kind: 'vector', series: this.delayed ? out : mergeSameLabels(out, steps === 1) };
    }
    return { kind: 'vector', series: this.dropNames(out) };
  }
}

/**
 * The labels of `absent()` / `absent_over_time()` output: the equality
 * matchers of the selector (not the name), unless a label is matched twice.
 */
export function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const vs = e.kind === 'VectorSelector' ? e : e.kind === 'MatrixSelector' ? e.vectorSelector : undefined;
  if (!vs) return Labels.EMPTY;
  const seen = new Map<string, number>();
  for (const m of vs.matchers) seen.set(m.name, (seen.get(m.name) ?? 0) + 1);
  const pairs: string[] = [];
  for (const m of vs.matchers) {
    if (m.type !== '=' || m.name === METRIC_NAME || seen.get(m.name)! > 1) continue;
    pairs.push(m.name, m.value);
  }
  return Labels.fromPairs(pairs);
}

/** Reads every sample of an iterator into the buffer; `dropStale` leaves staleness markers out (range vectors). */
function readAll(it: { next(): number; t: number; v: number; err(): Error | undefined }, buf: SampleBuffer, dropStale = false): void {
  buf.n = 0;
  while (it.next() !== 0) {
    const v = it.v;
    if (dropStale && isStaleNaN(v)) continue;
    buf.push(it.t, v);
  }
  const err = it.err();
  if (err) throw execError(`cannot read series: ${err.message}`);
}
