/**
 * Binary operators: scalar/scalar, vector/scalar and vector/vector with
 * Prometheus's vector matching (`on`, `ignoring`, `group_left`,
 * `group_right`, `fill*`), set operators, `bool`, and its error texts.
 *
 * Join signatures are computed once per series (an ordinal per distinct
 * signature); each step then pairs series through typed arrays indexed by
 * ordinal.
 */
import { Labels, LabelsBuilder, METRIC_NAME, compareLabels } from '../../model/labels.js';
import type { BinaryExpr, BinaryOp, VectorMatching } from '../parser/index.js';
import { isComparisonOp } from '../parser/index.js';
import { NAME_LABELS, mergeSameLabels, type Evaluator } from './evaluator.js';
import { execError } from './errors.js';
import { formatLabelsGo } from './format.js';
import { newStepSeries, type StepSeries, type Value } from './value.js';

const SEP = '\xff';

/** Float result of an arithmetic operator, or the 0/1 of a comparison. */
export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return goMod(l, r);
    case '^':
      return Math.pow(l, r);
    case 'atan2':
      return Math.atan2(l, r);
    case '==':
      return l === r ? 1 : 0;
    case '!=':
      return l !== r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '<':
      return l < r ? 1 : 0;
    case '>=':
      return l >= r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    default:
      return NaN;
  }
}

/** Go's math.Mod: the result has the sign of the dividend (as JS's %), NaN for x%0. */
function goMod(l: number, r: number): number {
  return l % r;
}

/** Whether an arithmetic result drops the metric name (Prometheus's changesMetricSchema). */
function changesSchema(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

/** `</` and `>/` only apply to native histograms; on floats the pair is dropped with an info. */
function isTrim(op: BinaryOp): boolean {
  return op === '</' || op === '>/';
}

export async function evalBinary(ev: Evaluator, e: BinaryExpr): Promise<Value> {
  const lhs = await ev.eval(e.lhs);
  const rhs = await ev.eval(e.rhs);
  const steps = ev.steps;
  const cmp = isComparisonOp(e.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const vs = new Float64Array(steps);
    for (let i = 0; i < steps; i++) vs[i] = scalarBinop(e.op, lhs.vs[i], rhs.vs[i]);
    return { kind: 'scalar', vs };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalar(ev, e, lhs.series, rhs.vs, false, cmp);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalar(ev, e, rhs.series, lhs.vs, true, cmp);
  if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw new Error(`binary operator on ${lhs.kind} and ${rhs.kind}`);
  const matching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
  if (e.op === 'and' || e.op === 'or' || e.op === 'unless') return setOp(ev, e.op, lhs.series, rhs.series, matching);
  return vectorVector(ev, e, lhs.series, rhs.series, matching, cmp);
}

function vectorScalar(ev: Evaluator, e: BinaryExpr, series: StepSeries[], sc: Float64Array, swap: boolean, cmp: boolean): Value {
  const steps = ev.steps;
  const out: StepSeries[] = [];
  if (isTrim(e.op)) {
    if (series.some((s) => s.ok.includes(1))) {
      ev.ctx.info(`PromQL info: incompatible sample types encountered for binary operator ${JSON.stringify(e.op)}: float ${e.op} float`, e);
    }
    return { kind: 'vector', series: [] };
  }
  for (const s of series) {
    let present = 0;
    for (let i = 0; i < steps; i++) {
      if (!s.ok[i]) continue;
      const v = s.vs[i];
      const l = swap ? sc[i] : v;
      const r = swap ? v : sc[i];
      if (cmp) {
        const keep = scalarBinop(e.op, l, r) === 1;
        if (e.returnBool) s.vs[i] = keep ? 1 : 0;
        else if (!keep) s.ok[i] = 0;
        // A kept comparison keeps the vector's value, whichever side it is on.
      } else {
        s.vs[i] = scalarBinop(e.op, l, r);
      }
      present += s.ok[i];
    }
    if (present > 0) out.push(s);
  }
  if (changesSchema(e.op) || e.returnBool) return { kind: 'vector', series: ev.dropNames(out) };
  return { kind: 'vector', series: out };
}

/** The join signature of a label set under a matching: the `on` labels, or all but the `ignoring` ones and the name. */
export function signatureFn(matching: VectorMatching): (ls: Labels) => string {
  if (matching.on) {
    const names = [...matching.labels].sort();
    return (ls) => {
      let k = '';
      for (const n of names) k += ls.get(n) + SEP;
      return k;
    };
  }
  const skip = new Set([METRIC_NAME, ...matching.labels]);
  return (ls) => {
    const p = ls.pairs;
    let k = '';
    for (let i = 0; i < p.length; i += 2) if (!skip.has(p[i])) k += p[i] + SEP + p[i + 1] + SEP;
    return k;
  };
}

/** The two series of a many-to-many error, in label order. */
function pair(a: Labels, b: Labels): string {
  const [x, y] = compareLabels(a, b) <= 0 ? [a, b] : [b, a];
  return `${formatLabelsGo(x)}, ${formatLabelsGo(y)}`;
}

/** The labels a matching compares: Prometheus's Labels.MatchLabels. */
function matchLabels(ls: Labels, matching: VectorMatching): Labels {
  return matching.on ? ls.only(matching.labels) : ls.without(METRIC_NAME, ...matching.labels);
}

/** Ordinals of the join signatures of both sides (equal signatures share an ordinal). */
function signatures(lhs: StepSeries[], rhs: StepSeries[], matching: VectorMatching): { l: Int32Array; r: Int32Array; count: number } {
  const sig = signatureFn(matching);
  const ord = new Map<string, number>();
  const of = (s: StepSeries) => {
    const k = sig(s.labels);
    let o = ord.get(k);
    if (o === undefined) {
      o = ord.size;
      ord.set(k, o);
    }
    return o;
  };
  const l = Int32Array.from(lhs, of);
  const r = Int32Array.from(rhs, of);
  return { l, r, count: ord.size };
}

function setOp(ev: Evaluator, op: 'and' | 'or' | 'unless', lhs: StepSeries[], rhs: StepSeries[], matching: VectorMatching): Value {
  const steps = ev.steps;
  const { l, r, count } = signatures(lhs, rhs, matching);
  // For each signature, the last step at which it was seen present on the other side, +1 (0 = never).
  const seenAt = new Int32Array(count);
  const mark = (side: StepSeries[], sigs: Int32Array, i: number) => {
    for (let k = 0; k < side.length; k++) if (side[k].ok[i]) seenAt[sigs[k]] = i + 1;
  };
  if (op === 'or') {
    for (let i = 0; i < steps; i++) {
      mark(lhs, l, i);
      for (let k = 0; k < rhs.length; k++) {
        if (rhs[k].ok[i] && seenAt[r[k]] === i + 1) rhs[k].ok[i] = 0;
      }
    }
    const out = [...lhs.filter((s) => s.ok.includes(1)), ...rhs.filter((s) => s.ok.includes(1))];
    return { kind: 'vector', series: mergeSameLabels(out) };
  }
  const keepIfSeen = op === 'and';
  for (let i = 0; i < steps; i++) {
    mark(rhs, r, i);
    for (let k = 0; k < lhs.length; k++) {
      if (!lhs[k].ok[i]) continue;
      const seen = seenAt[l[k]] === i + 1;
      if (seen !== keepIfSeen) lhs[k].ok[i] = 0;
    }
  }
  return { kind: 'vector', series: lhs.filter((s) => s.ok.includes(1)) };
}

function vectorVector(ev: Evaluator, e: BinaryExpr, lhs: StepSeries[], rhs: StepSeries[], matching: VectorMatching, cmp: boolean): Value {
  const steps = ev.steps;
  const op = e.op;
  const { l, r, count } = signatures(lhs, rhs, matching);
  const swap = matching.card === 'one-to-many';
  const many = swap ? rhs : lhs;
  const manySig = swap ? r : l;
  const one = swap ? lhs : rhs;
  const oneSig = swap ? l : r;
  const fillOne = matching.fillRight;
  const fillMany = matching.fillLeft;
  const delayed = ev.delayed;
  const oneAt = new Int32Array(count).fill(-1);
  const matched = new Int32Array(count);
  const outByKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  // Output series per (many, one) pair; `one` index -1 stands for a fill value.
  const pairOut = new Map<number, StepSeries>();
  const oneCount = one.length + 1;
  const builder = new LabelsBuilder();
  let trimInfo = false;

  const resultFor = (mi: number, oi: number, manyLabels: Labels, oneLabels: Labels): StepSeries => {
    const key = mi * oneCount + (oi + 1);
    let s = pairOut.get(key);
    if (s) return s;
    builder.reset(manyLabels);
    if (changesSchema(op)) builder.del(...NAME_LABELS);
    if (matching.card === 'one-to-one') {
      if (matching.on) {
        const keep = new Set(matching.labels);
        manyLabels.forEach((n) => {
          if (!keep.has(n)) builder.del(n);
        });
      } else builder.del(...matching.labels);
    }
    for (const n of matching.include) builder.set(n, oneLabels.get(n));
    if (!delayed && e.returnBool) builder.del(...NAME_LABELS);
    const labels = builder.labels();
    const k = labels.key();
    s = outByKey.get(k);
    if (!s) {
      s = newStepSeries(labels, steps, delayed && e.returnBool);
      outByKey.set(k, s);
      out.push(s);
    }
    pairOut.set(key, s);
    return s;
  };

  const apply = (i: number, mi: number, oi: number, manyLabels: Labels, manyV: number, oneLabels: Labels, oneV: number, sig: number) => {
    const lv = swap ? oneV : manyV;
    const rv = swap ? manyV : oneV;
    if (isTrim(op)) {
      trimInfo = true;
      return;
    }
    let value: number;
    let keep = true;
    if (cmp) {
      keep = scalarBinop(op, lv, rv) === 1;
      value = e.returnBool ? (keep ? 1 : 0) : lv;
    } else {
      value = scalarBinop(op, lv, rv);
    }
    const s = resultFor(mi, oi, manyLabels, oneLabels);
    if (matching.card === 'one-to-one') {
      if (matched[sig] === i + 1) throw execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched[sig] = i + 1;
    }
    if (s.ok[i]) {
      throw execError(
        matching.card === 'one-to-one' ? 'vector cannot contain metrics with the same labelset' : 'multiple matches for labels: grouping labels must ensure unique matches',
      );
    }
    if (!keep && !e.returnBool) {
      // Still reserve the slot so that a second match of the same labels is detected.
      s.ok[i] = 2;
      return;
    }
    s.vs[i] = value;
    s.ok[i] = 1;
  };

  const oneSide = swap ? 'left' : 'right';
  const usedOne = new Int32Array(count);
  for (let i = 0; i < steps; i++) {
    const stamp = i + 1;
    // Index the "one" side by signature; two series with one signature is many-to-many.
    for (let k = 0; k < one.length; k++) {
      if (!one[k].ok[i]) continue;
      const sig = oneSig[k];
      if (usedOne[sig] === stamp) {
        const prev = oneAt[sig];
        throw execError(
          `found duplicate series for the match group ${formatLabelsGo(matchLabels(one[k].labels, matching))} on the ${oneSide} hand-side of the operation: ` +
            `[${pair(one[prev].labels, one[k].labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      usedOne[sig] = stamp;
      oneAt[sig] = k;
    }
    let anyMany = false;
    for (let k = 0; k < many.length; k++) {
      if (!many[k].ok[i]) continue;
      anyMany = true;
      const sig = manySig[k];
      if (usedOne[sig] === stamp) {
        const o = oneAt[sig];
        apply(i, k, o, many[k].labels, many[k].vs[i], one[o].labels, one[o].vs[i], sig);
      } else if (fillOne !== undefined) {
        apply(i, k, -1, many[k].labels, many[k].vs[i], matchLabels(many[k].labels, matching), fillOne, sig);
      }
    }
    if (fillMany !== undefined) {
      // "One" series nobody matched are paired with the fill value on the other side.
      for (let k = 0; k < one.length; k++) {
        if (!one[k].ok[i]) continue;
        const sig = oneSig[k];
        if (oneAt[sig] !== k || matched[sig] === stamp) continue;
        let hit = false;
        for (let m = 0; m < many.length && !hit; m++) hit = many[m].ok[i] === 1 && manySig[m] === sig;
        if (hit) continue;
        apply(i, many.length + k, k, matchLabels(one[k].labels, matching), fillMany, one[k].labels, one[k].vs[i], sig);
      }
    }
    void anyMany;
  }
  if (trimInfo) ev.ctx.info(`PromQL info: incompatible sample types encountered for binary operator ${JSON.stringify(op)}: float ${op} float`, e);
  for (const s of out) for (let i = 0; i < steps; i++) if (s.ok[i] === 2) s.ok[i] = 0;
  return { kind: 'vector', series: out.filter((s) => s.ok.includes(1)) };
}
