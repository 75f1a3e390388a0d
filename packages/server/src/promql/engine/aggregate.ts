/**
 * Aggregation operators. Groups are resolved once per input series (a
 * group index per series); each step then folds the present points into
 * per-group accumulators held in typed arrays.
 *
 * topk/bottomk/limitk keep Go's container/heap order and sort.Reverse
 * behaviour, so ties come out in Prometheus's order.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { isLegacyLabelName } from '../../model/labels.js';
import type { AggregateExpr } from '../parser/index.js';
import { invalidQuantile, invalidRatio } from './annotations.js';
import { mergeSameLabels, type Evaluator } from './evaluator.js';
import { execError } from './errors.js';
import { formatFloatFixed } from './format.js';
import { GroupFolder, isFoldOp, type FoldOp } from './fold.js';
import { newStepSeries, type StepSeries, type Value } from './value.js';

const SEP = '\xff';

/** Neumaier-compensated summation step (Prometheus's kahanSumInc). Returns the new sum; the compensation goes to `c[0]`. */
export function kahanSumInc(inc: number, sum: number, c: Float64Array, ci: number): number {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) c[ci] = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c[ci] += sum - t + inc;
  else c[ci] += inc - t + sum;
  return t;
}

function groupingKeyFn(e: AggregateExpr, grouping: string[]): (ls: Labels) => string {
  if (e.without) {
    const skip = new Set([METRIC_NAME, ...grouping]);
    return (ls) => {
      const p = ls.pairs;
      let k = '';
      for (let i = 0; i < p.length; i += 2) if (!skip.has(p[i])) k += p[i] + SEP + p[i + 1] + SEP;
      return k;
    };
  }
  return (ls) => {
    let k = '';
    for (const n of grouping) k += ls.get(n) + SEP;
    return k;
  };
}

function groupLabels(e: AggregateExpr, grouping: string[], ls: Labels): Labels {
  if (e.without) return ls.without(METRIC_NAME, ...grouping);
  if (grouping.length === 0) return Labels.EMPTY;
  return ls.only(grouping);
}

export async function evalAggregate(ev: Evaluator, e: AggregateExpr): Promise<Value> {
  const grouping = [...e.grouping].sort();
  if (e.op === 'count_values') return countValues(ev, e, grouping);
  const param = e.param && e.param.type === 'scalar' ? await ev.evalScalar(e.param) : undefined;
  const keyOf = groupingKeyFn(e, grouping);
  if (isFoldOp(e.op)) return fold(ev, e, e.op, grouping, keyOf, param);
  return selectK(ev, e, keyOf, param!);
}

/**
 * The folding aggregations. Each input series is folded into its group as
 * a whole (fold.ts); when the input is a range function's output, its
 * series are folded as they are produced, never held together.
 */
async function fold(
  ev: Evaluator,
  e: AggregateExpr,
  op: FoldOp,
  grouping: string[],
  keyOf: (ls: Labels) => string,
  param: Float64Array | undefined,
): Promise<Value> {
  const steps = ev.steps;
  let folder = new GroupFolder(op, steps, param);
  let groupIndex = new Map<string, number>();
  const add = (s: StepSeries): void => {
    const k = keyOf(s.labels);
    let g = groupIndex.get(k);
    if (g === undefined) {
      g = folder.addGroup(groupLabels(e, grouping, s.labels));
      groupIndex.set(k, g);
    }
    folder.add(g, s);
  };
  const before = ev.ctx.sampleState();
  const streamed = await ev.streamVector(e.expr, add);
  if (streamed !== 'streamed') {
    if (streamed === 'duplicate') {
      // Start over the ordinary way, which merges or refuses the duplicates as Prometheus does.
      folder = new GroupFolder(op, steps, param);
      groupIndex = new Map();
      ev.ctx.restoreSamples(before);
    }
    for (const s of await ev.evalVector(e.expr)) add(s);
  }
  if (op === 'quantile' && param) {
    let min = Infinity;
    let max = -Infinity;
    let nan = false;
    for (const q of param) {
      if (Number.isNaN(q)) nan = true;
      else {
        min = Math.min(min, q);
        max = Math.max(max, q);
      }
    }
    const pos = { start: e.param!.start, end: e.param!.end };
    if (nan) ev.ctx.warn(invalidQuantile(NaN), pos);
    if (max > 1) ev.ctx.warn(invalidQuantile(max), pos);
    if (min < 0) ev.ctx.warn(invalidQuantile(min), pos);
  }
  const result = folder.finish();
  if (!ev.delayed) for (const s of result) s.dropName = false;
  return { kind: 'vector', series: result };
}

/** Prometheus's quantile over a group's values (sorted in place, NaN first). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort(byValueNaNFirst);
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

function byValueNaNFirst(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Item {
  si: number;
  v: number;
}

/** Go's container/heap over items with a less function. */
class GoHeap {
  items: Item[] = [];
  constructor(readonly less: (a: Item, b: Item) => boolean) {}

  push(x: Item): void {
    this.items.push(x);
    this.#up(this.items.length - 1);
  }

  fix(i: number): void {
    if (!this.#down(i, this.items.length)) this.#up(i);
  }

  #up(j: number): void {
    const h = this.items;
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !this.less(h[j], h[i])) break;
      [h[i], h[j]] = [h[j], h[i]];
      j = i;
    }
  }

  #down(i0: number, n: number): boolean {
    const h = this.items;
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(h[j2], h[j1])) j = j2;
      if (!this.less(h[j], h[i])) break;
      [h[i], h[j]] = [h[j], h[i]];
      i = j;
    }
    return i > i0;
  }
}

const topLess = (a: Item, b: Item) => Number.isNaN(a.v) || a.v < b.v;
const bottomLess = (a: Item, b: Item) => Number.isNaN(a.v) || a.v > b.v;

/** Go's sort.Sort(sort.Reverse(h)) for the short heaps of topk (insertion sort, as pdqsort does for small inputs). */
function sortReverse(items: Item[], less: (a: Item, b: Item) => boolean): void {
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j - 1], items[j]); j--) {
      [items[j], items[j - 1]] = [items[j - 1], items[j]];
    }
  }
}

const MAX_INT64 = 9223372036854775807;

/**
 * topk, bottomk, limitk and limit_ratio. Input series are taken one at a
 * time (streamed when the input is a selector or a range function) and
 * offered to a heap per group and step; each step's heaps see the series in
 * input order, as Prometheus's step-by-step loop offers them, so ties come
 * out the same. The output series are the selected input series, present
 * at the steps where they were selected.
 */
async function selectK(ev: Evaluator, e: AggregateExpr, keyOf: (ls: Labels) => string, param: Float64Array): Promise<Value> {
  const steps = ev.steps;
  const op = e.op;
  const less = op === 'bottomk' ? bottomLess : topLess;
  // Per step: k (topk, bottomk, limitk) or the clamped ratio (limit_ratio); below 1 (or a ratio of 0), nothing is selected.
  const ks = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const p = param[i];
    ks[i] = op === 'limit_ratio' ? (p === 0 ? 0 : Math.max(-1, Math.min(1, p))) : Math.trunc(p);
  }
  let labels: Labels[] = [];
  let dropName: boolean[] = [];
  let groupIndex = new Map<string, number>();
  /** heaps[group][step] */
  let heaps: (GoHeap | undefined)[][] = [];
  const add = (s: StepSeries): void => {
    const si = labels.length;
    labels.push(s.labels);
    dropName.push(s.dropName);
    const key = keyOf(s.labels);
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = heaps.length;
      groupIndex.set(key, g);
      heaps.push(new Array<GoHeap | undefined>(steps));
    }
    const hs = heaps[g];
    const offset = op === 'limit_ratio' ? ratioOffset(s.labels) : 0;
    const vs = s.vs;
    const ok = s.ok;
    for (let i = 0; i < steps; i++) {
      if (!ok[i]) continue;
      const v = vs[i];
      const k = ks[i];
      let h = hs[i];
      if (op === 'limit_ratio') {
        if (k === 0) continue;
        if (!h) hs[i] = h = new GoHeap(less);
        if (addRatioSample(k, offset)) h.push({ si, v });
        continue;
      }
      if (!(k >= 1)) continue;
      if (!h) {
        hs[i] = h = new GoHeap(less);
        h.push({ si, v });
        continue;
      }
      if (op === 'limitk') {
        if (h.items.length < k) h.push({ si, v });
        continue;
      }
      const top = h.items[0];
      if (h.items.length < k) h.push({ si, v });
      else if ((op === 'topk' ? top.v < v : top.v > v) || (Number.isNaN(top.v) && !Number.isNaN(v))) {
        h.items[0] = { si, v };
        if (k > 1) h.fix(0);
      }
    }
  };
  const before = ev.ctx.sampleState();
  const streamed = await ev.streamVector(e.expr, add);
  if (streamed !== 'streamed') {
    if (streamed === 'duplicate') {
      // Start over the ordinary way, which merges or refuses the duplicates as Prometheus does.
      labels = [];
      dropName = [];
      groupIndex = new Map();
      heaps = [];
      ev.ctx.restoreSamples(before);
    }
    for (const s of await ev.evalVector(e.expr)) add(s);
  }

  let min = Infinity;
  let max = -Infinity;
  let nan = false;
  for (const p of param) {
    if (Number.isNaN(p)) nan = true;
    else {
      min = Math.min(min, p);
      max = Math.max(max, p);
    }
  }
  if (op === 'limit_ratio') {
    if (!nan && max === 0 && min === 0) return { kind: 'vector', series: [] };
    if (nan) throw execError('Ratio value is NaN');
    const pos = { start: e.param!.start, end: e.param!.end };
    if (max > 1) ev.ctx.warn(invalidRatio(max, 1), pos);
    if (min < -1) ev.ctx.warn(invalidRatio(min, -1), pos);
  } else {
    if (!nan && max < 1) return { kind: 'vector', series: [] };
    if (nan) throw execError('Parameter value is NaN');
    if (min <= -MAX_INT64) throw execError(`Scalar value ${min} underflows int64`);
    if (max >= MAX_INT64) throw execError(`Scalar value ${max} overflows int64`);
  }
  const outs: (StepSeries | undefined)[] = new Array(labels.length);
  const order: number[] = [];
  for (let i = 0; i < steps; i++) {
    for (let g = 0; g < heaps.length; g++) {
      const h = heaps[g][i];
      if (!h) continue;
      if ((op === 'topk' || op === 'bottomk') && h.items.length > 1) sortReverse(h.items, less);
      for (const it of h.items) {
        let o = outs[it.si];
        if (!o) {
          o = newStepSeries(labels[it.si], steps, dropName[it.si]);
          outs[it.si] = o;
          order.push(it.si);
        }
        o.vs[i] = it.v;
        o.ok[i] = 1;
      }
    }
  }
  return { kind: 'vector', series: mergeSameLabels(order.map((si) => outs[si]!)) };
}

/**
 * limit_ratio's deterministic sampling: a series is kept when its offset in
 * [0, 1), derived from a hash of its labels, is below the ratio (or, for a
 * negative ratio, at least 1 + ratio), so `limit_ratio(r, x)` and
 * `limit_ratio(-(1-r), x)` split the series.
 */
function addRatioSample(r: number, offset: number): boolean {
  return (r >= 0 && offset < r) || (r < 0 && offset >= 1 + r);
}

function ratioOffset(ls: Labels): number {
  // Two independent 32-bit FNV-1a hashes make a 53-bit fraction.
  const key = ls.key();
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return ((fmix32(h1) >>> 0) * 2 ** 21 + (fmix32(h2 ^ h1) >>> 11)) / 2 ** 53;
}

/** MurmurHash3's finalizer: spreads every input bit over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function countValues(ev: Evaluator, e: AggregateExpr, grouping: string[]): Promise<Value> {
  return (async () => {
    const p = await ev.eval(e.param!);
    const labelName = p.kind === 'string' ? p.s : '';
    if (!isValidLabelName(labelName)) throw execError(`invalid label name ${JSON.stringify(labelName)}`);
    const input = await ev.evalVector(e.expr);
    const steps = ev.steps;
    const groupingWith = e.without ? grouping : [...grouping, labelName].sort();
    const keyOf = groupingKeyFn(e, groupingWith);
    const byKey = new Map<string, StepSeries>();
    const out: StepSeries[] = [];
    const b = new LabelsBuilder();
    for (let i = 0; i < steps; i++) {
      for (const s of input) {
        if (!s.ok[i]) continue;
        b.reset(s.labels);
        b.set(labelName, formatFloatFixed(s.vs[i]));
        const ls = b.labels();
        const k = keyOf(ls);
        let o = byKey.get(k);
        if (!o) {
          o = newStepSeries(groupLabels(e, groupingWith, ls), steps);
          byKey.set(k, o);
          out.push(o);
        }
        if (!o.ok[i]) {
          o.ok[i] = 1;
          o.vs[i] = 0;
        }
        o.vs[i]++;
      }
    }
    return { kind: 'vector', series: mergeSameLabels(out) };
  })();
}

function isValidLabelName(s: string): boolean {
  return s.length > 0 && (isLegacyLabelName(s) || /^[\s\S]+$/u.test(s));
}
