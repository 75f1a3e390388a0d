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
import type { Queryable, SampleBatch, SampleIterator } from '../../storage/interface.js';
import { isStaleNaN } from '../../model/value.js';
import type { Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from '../parser/index.js';
import { documentedType, resolveDurations } from '../parser/index.js';
import { functionsWith } from '../functions/catalogue.js';
import type { FunctionImpl, RangeImpl, RangeWindow } from '../functions/types.js';
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
    const out: StepSeries[] = [];
    await this.#selectSeries(vs, timestamps, undefined, (r) => out.push(r));
    return out;
  }

  /** selectVector's series, passed to `sink` one at a time; with `scratch`, each in that buffer, overwritten by the next. */
  async #selectSeries(vs: VectorSelector, timestamps: boolean, scratch: StepSeries | undefined, sink: (r: StepSeries) => void): Promise<void> {
    const steps = this.steps;
    if (steps === 0) return;
    const at = this.atTime(vs);
    const firstRef = (at ?? this.start) - vs.offset;
    const lastRef = (at ?? this.time(steps - 1)) - vs.offset;
    const lookback = this.ctx.lookback;
    // At a single reference time only each series' newest sample counts.
    const series = this.ctx.select(vs.matchers, firstRef - lookback + 1, lastRef, firstRef === lastRef);
    const buf = this.#buf;
    for (let si = 0; si < series.length; si++) {
      if ((si & 255) === 255) await this.ctx.checkpoint();
      const s = series[si];
      readAll(s.iterator(), buf);
      if (buf.n === 0) continue;
      let r: StepSeries | undefined;
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
        r ??= outputSeries(scratch, s.labels, false, steps);
        r.vs[i] = timestamps ? ts[k] / 1000 : v;
        r.ok[i] = 1;
        present++;
      }
      if (present === 0) continue;
      this.ctx.totalSamples += present;
      this.ctx.addSamples(present);
      sink(r!);
    }
  }


  /** A range vector evaluated at this (one-step) evaluator's time: the result of an instant query for `x[5m]` or a subquery. */
  async rangeVectorAt(e: MatrixSelector | SubqueryExpr): Promise<RangeSeries[]> {
    const out: RangeSeries[] = [];
    await this.forEachSeriesWindows(e, (src, los, his) => {
      const lo = los[0];
      const hi = his[0];
      if (hi <= lo) return;
      const ts = src.ts.slice(lo, hi);
      const vs = src.vs.slice(lo, hi);
      out.push({ labels: src.labels, ts, vs, n: hi - lo, dropName: src.dropName });
    });
    return out;
  }

  /**
   * The end of the window of every step of a range-vector expression
   * (matrix selector or subquery), after `@` and offset: the window of
   * step i is (ends[i] - range, ends[i]].
   */
  windowEnds(e: MatrixSelector | SubqueryExpr): Float64Array {
    const node = e.kind === 'MatrixSelector' ? e.vectorSelector : e;
    const at = this.atTime(node);
    const ends = new Float64Array(this.steps);
    for (let i = 0; i < this.steps; i++) ends[i] = (at ?? this.start + i * this.interval) - node.offset;
    return ends;
  }

  /**
   * Streams the series of a range-vector expression (matrix selector or
   * subquery) and, for each, calls `perSeries` once with the series and the
   * bounds of every step's window: samples [los[i], his[i]) lie in step i's
   * window (see windowEnds). The bounds are found in one sliding pass over
   * the series; the arrays are reused for the next series.
   */
  async forEachSeriesWindows(e: MatrixSelector | SubqueryExpr, perSeries: (src: RangeSeries, los: Int32Array, his: Int32Array) => void): Promise<void> {
    const steps = this.steps;
    if (steps === 0) return;
    const ends = this.windowEnds(e);
    const range = e.range;
    const los = new Int32Array(steps);
    const his = new Int32Array(steps);
    const visit = (src: RangeSeries) => {
      const ts = src.ts;
      const n = src.n;
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < steps; i++) {
        const end = ends[i];
        const start = end - range;
        while (lo < n && ts[lo] <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < n && ts[hi] <= end) hi++;
        los[i] = lo;
        his[i] = hi;
      }
      perSeries(src, los, his);
    };
    if (e.kind === 'SubqueryExpr') {
      for (const s of await this.subquerySeries(e)) visit(s);
      return;
    }
    const vs = e.vectorSelector;
    const series = this.ctx.select(vs.matchers, ends[0] - range + 1, ends[steps - 1]);
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
    let out: RangeSeries[] = [];
    const add = (s: StepSeries): void => {
      let n = 0;
      for (let i = 0; i < s.ok.length; i++) n += s.ok[i];
      if (n === 0) return;
      const ts = new Float64Array(n);
      const vs = new Float64Array(n);
      for (let i = 0, k = 0; i < s.ok.length; i++) {
        if (!s.ok[i]) continue;
        ts[k] = child.time(i);
        vs[k] = s.vs[i];
        k++;
      }
      out.push({ labels: s.labels, ts, vs, n, dropName: s.dropName });
    };
    // The inner series are streamed when they can be (no step-shaped copy of each is kept).
    const before = this.ctx.sampleState();
    const streamed = await child.streamVector(sq.expr, add);
    if (streamed !== 'streamed') {
      out = [];
      this.ctx.restoreSamples(before);
      const v = await child.eval(sq.expr);
      if (v.kind !== 'vector') throw new Error('subquery of a non-vector expression');
      for (const s of v.series) add(s);
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
        return this.#rangeCall(call, impl);
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

  async #rangeCall(call: Call, impl: RangeImpl): Promise<Value> {
    const steps = this.steps;
    if (call.func.name === 'absent_over_time') {
      const found = new Uint8Array(steps);
      await this.#rangeSeries(call, impl, found, () => {});
      const s = newStepSeries(absentLabels(call.args[0]), steps);
      let any = false;
      for (let i = 0; i < steps; i++) {
        if (found[i]) continue;
        s.vs[i] = 1;
        s.ok[i] = 1;
        any = true;
      }
      return { kind: 'vector', series: any ? [s] : [] };
    }
    const out: StepSeries[] = [];
    await this.#rangeSeries(call, impl, undefined, (r) => out.push(r), false);
    if (!call.func.dropsMetricName) {
      return { kind: 'vector', series: this.delayed ? out : mergeSameLabels(out, steps === 1) };
    }
    return { kind: 'vector', series: this.dropNames(out) };
  }

  /**
   * Streams the result series of `e` to `sink` one at a time, when `e` is a
   * selector or a call of a range function (`rate(x[5m])`, ...):
   * each series is passed in a buffer reused for the next one, with its
   * final labels (name dropped or, with delayed removal, marked). This lets
   * an aggregation fold a function's output without materialising it.
   * Returns 'unsupported' (nothing streamed) for other expressions, and
   * 'duplicate' when two output series have the same labels — the sink must
   * then discard what it received and evaluate `e` normally, which merges or
   * refuses them as Prometheus does.
   */
  async streamVector(e: Expr, sink: (s: StepSeries) => void): Promise<'streamed' | 'unsupported' | 'duplicate'> {
    const node = unwrapParens(e);
    if (node.kind === 'VectorSelector') {
      // Storage series have distinct label sets: no duplicates to look for.
      await this.ctx.checkpoint();
      await this.#selectSeries(node, false, newStepSeries(Labels.EMPTY, this.steps), sink);
      return 'streamed';
    }
    if (node.kind !== 'Call' || node.func.name === 'absent_over_time') return 'unsupported';
    const call = node;
    const impl = call.func.impl as FunctionImpl | undefined;
    if (impl?.kind !== 'range') return 'unsupported';
    await this.ctx.checkpoint();
    const drop = call.func.dropsMetricName;
    const delayed = this.delayed;
    const seen = new Set<string>();
    try {
      await this.#rangeSeries(call, impl, undefined, (s) => {
        if (drop) {
          if (delayed) s.dropName = true;
          else s.labels = s.labels.without(...NAME_LABELS);
        }
        const k = s.labels.key();
        if (seen.has(k)) throw DUPLICATE;
        seen.add(k);
        sink(s);
      }, true);
    } catch (err) {
      if (err === DUPLICATE) return 'duplicate';
      throw err;
    }
    return 'streamed';
  }

  /**
   * Evaluates a range function over every series of its range-vector
   * argument and passes each series with at least one point to `sink`
   * (with the argument's labels). With `reuse`, the series passed is one
   * buffer overwritten for the next series. With `found`, only marks the
   * steps where some window holds samples (absent_over_time).
   */
  async #rangeSeries(call: Call, impl: RangeImpl, found: Uint8Array | undefined, sink: (r: StepSeries) => void, reuse = false): Promise<void> {
    const argIndex = call.args.findIndex((a) => a.type === 'matrix');
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
    const fn = impl.fn;
    const prepare = impl.prepare;
    const rateLike = RATE_LIKE.has(call.func.name);
    const argPosition = { start: call.args[argIndex].start, end: call.args[argIndex].end };
    const w: RangeWindow = {
      ts: new Float64Array(0),
      vs: new Float64Array(0),
      n: 0,
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
    const ends = this.windowEnds(arg);
    const range = arg.range;
    const maxSamples = ctx.settings.maxSamples;
    const base = ctx.currentSamples;
    const scratch = reuse ? newStepSeries(Labels.EMPTY, steps) : undefined;
    const stepsFn = extra.length === 0 && !found ? impl.steps : undefined;
    await this.forEachSeriesWindows(arg, (src, los, his) => {
      let r: StepSeries | undefined;
      w.ts = src.ts;
      w.vs = src.vs;
      w.n = src.n;
      w.labels = src.labels;
      if (prepare && !found) prepare(w);
      let present = 0;
      let held = 0;
      if (stepsFn) {
        for (let i = 0; i < steps; i++) {
          const inWindow = his[i] - los[i];
          if (inWindow <= 0) continue;
          if (base + inWindow > maxSamples) ctx.addSamples(inWindow);
          held += inWindow;
        }
        r = outputSeries(scratch, src.labels, src.dropName, steps);
        present = stepsFn(w, los, his, ends, range, r.vs, r.ok);
        if (present === 0) r = undefined;
      } else {
        for (let i = 0; i < steps; i++) {
          const lo = los[i];
          const hi = his[i];
          if (hi <= lo) continue;
          const inWindow = hi - lo;
          if (base + inWindow > maxSamples) ctx.addSamples(inWindow);
          held += inWindow;
          if (found) {
            found[i] = 1;
            continue;
          }
          w.lo = lo;
          w.hi = hi;
          w.rangeEnd = ends[i];
          w.rangeStart = ends[i] - range;
          w.evalT = this.start + i * this.interval;
          for (let a = 0; a < extra.length; a++) w.args[a] = extra[a][i];
          const v = fn(w);
          if (v === undefined) continue;
          r ??= outputSeries(scratch, src.labels, src.dropName, steps);
          r.vs[i] = v;
          r.ok[i] = 1;
          present++;
        }
      }
      ctx.totalSamples += held;
      if (r) {
        ctx.addSamples(present);
        if (rateLike) {
          const metric = src.labels.get(METRIC_NAME);
          if (metric !== '' && !/(_total|_sum|_count|_bucket)$/.test(metric)) ctx.info(possibleNonCounter(metric), argPosition);
        }
        sink(r);
      }
    });
  }
}

/** The series a range function writes a source series' output into: the reused `scratch`, emptied, or a new one. */
function outputSeries(scratch: StepSeries | undefined, labels: Labels, dropName: boolean, steps: number): StepSeries {
  if (!scratch) return newStepSeries(labels, steps, dropName);
  scratch.ok.fill(0);
  scratch.labels = labels;
  scratch.dropName = dropName;
  return scratch;
}

/** Thrown inside streamVector's sink to stop streaming at a duplicate label set. */
const DUPLICATE = new Error('duplicate label set');

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
function readAll(it: SampleIterator, buf: SampleBuffer, dropStale = false): void {
  buf.n = 0;
  if (it.nextBatch) {
    while (it.nextBatch(BATCH)) buf.append(BATCH.ts, BATCH.vs, BATCH.start, BATCH.end);
    if (dropStale) dropStaleMarkers(buf);
  } else {
    while (it.next() !== 0) {
      const v = it.v;
      if (dropStale && isStaleNaN(v)) continue;
      buf.push(it.t, v);
    }
  }
  const err = it.err();
  if (err) throw execError(`cannot read series: ${err.message}`);
}

const BATCH: SampleBatch = { ts: new Float64Array(0), vs: new Float64Array(0), start: 0, end: 0 };

/** Removes staleness markers from the buffer in place. */
function dropStaleMarkers(buf: SampleBuffer): void {
  const ts = buf.ts;
  const vs = buf.vs;
  const n = buf.n;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (v !== v && isStaleNaN(v)) continue;
    if (k !== i) {
      ts[k] = ts[i];
      vs[k] = v;
    }
    k++;
  }
  buf.n = k;
}
