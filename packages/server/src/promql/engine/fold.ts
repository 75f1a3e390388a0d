/**
 * The accumulators of the folding aggregations (`sum`, `avg`, `min`,
 * `max`, `count`, `group`, `stddev`, `stdvar`, `quantile`), series by
 * series: each input series is folded into its group over all steps in one
 * pass, with the group's state in typed arrays indexed by step. A group's
 * value at a step sees its series in the order they are added — the order
 * in which Prometheus folds them step by step — so compensated sums and
 * running means round exactly as Prometheus's do. Series-major folding
 * reads every input series once, sequentially, and lets an aggregation
 * fold a function's output series as they are produced
 * (`Evaluator.streamVector`) instead of holding them all.
 */
import type { Labels } from '../../model/labels.js';
import { kahanSumInc, quantile } from './aggregate.js';
import { newStepSeries, type StepSeries } from './value.js';

export type FoldOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'quantile';

const FOLD_OPS: ReadonlySet<string> = new Set<FoldOp>(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'quantile']);

export function isFoldOp(op: string): op is FoldOp {
  return FOLD_OPS.has(op);
}

/** One group's running state. `out.vs` holds the running value (sum, min, max, M2 of stddev, ...); `out.ok` where it has one. */
interface GroupState {
  out: StepSeries;
  /** Kahan compensation (sum, avg). */
  comp: Float64Array | undefined;
  /** Values folded (avg, count, stddev, stdvar). */
  count: Float64Array | undefined;
  /** Running mean (avg once incremental, stddev, stdvar). */
  mean: Float64Array | undefined;
  /** 1 where avg switched to the incremental mean (the plain sum overflowed). */
  incremental: Uint8Array | undefined;
  /** Values per step (quantile). */
  values: number[][] | undefined;
}

export class GroupFolder {
  readonly #op: FoldOp;
  readonly #steps: number;
  /** The quantile parameter per step. */
  readonly #q: Float64Array | undefined;
  readonly #groups: GroupState[] = [];

  constructor(op: FoldOp, steps: number, q?: Float64Array) {
    this.#op = op;
    this.#steps = steps;
    this.#q = q;
  }

  get size(): number {
    return this.#groups.length;
  }

  /** Adds a group with the output labels `labels`; returns its index. */
  addGroup(labels: Labels): number {
    const op = this.#op;
    const n = this.#steps;
    const needsComp = op === 'sum' || op === 'avg';
    const needsCount = op === 'avg' || op === 'count' || op === 'stddev' || op === 'stdvar';
    const needsMean = op === 'avg' || op === 'stddev' || op === 'stdvar';
    this.#groups.push({
      out: newStepSeries(labels, n),
      comp: needsComp ? new Float64Array(n) : undefined,
      count: needsCount ? new Float64Array(n) : undefined,
      mean: needsMean ? new Float64Array(n) : undefined,
      incremental: op === 'avg' ? new Uint8Array(n) : undefined,
      values: op === 'quantile' ? new Array<number[]>(n) : undefined,
    });
    return this.#groups.length - 1;
  }

  /** Folds the present points of `s` into group `g`. `s` may be reused by the caller afterwards. */
  add(g: number, s: StepSeries): void {
    const st = this.#groups[g];
    const vs = s.vs;
    const ok = s.ok;
    const value = st.out.vs;
    const seen = st.out.ok;
    const n = this.#steps;
    let any = false;
    switch (this.#op) {
      case 'sum': {
        const comp = st.comp!;
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          if (!seen[i]) {
            seen[i] = 1;
            value[i] = vs[i];
            comp[i] = 0;
          } else value[i] = kahanSumInc(vs[i], value[i], comp, i);
        }
        break;
      }
      case 'avg': {
        const comp = st.comp!;
        const count = st.count!;
        const mean = st.mean!;
        const incremental = st.incremental!;
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          const f = vs[i];
          if (!seen[i]) {
            seen[i] = 1;
            value[i] = f;
            mean[i] = f;
            comp[i] = 0;
            count[i] = 1;
            incremental[i] = 0;
            continue;
          }
          count[i]++;
          if (!incremental[i]) {
            const c0 = comp[i];
            const nv = kahanSumInc(f, value[i], comp, i);
            if (Number.isFinite(nv) || Number.isNaN(nv)) {
              value[i] = nv;
              continue;
            }
            // The sum overflowed: continue with an incremental mean.
            comp[i] = c0;
            incremental[i] = 1;
            mean[i] = value[i] / (count[i] - 1);
            comp[i] /= count[i] - 1;
          }
          const q = (count[i] - 1) / count[i];
          comp[i] = q * comp[i];
          mean[i] = kahanSumInc(f / count[i], q * mean[i], comp, i);
        }
        break;
      }
      case 'max':
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          const f = vs[i];
          if (!seen[i]) {
            seen[i] = 1;
            value[i] = f;
          } else if (value[i] < f || Number.isNaN(value[i])) value[i] = f;
        }
        break;
      case 'min':
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          const f = vs[i];
          if (!seen[i]) {
            seen[i] = 1;
            value[i] = f;
          } else if (value[i] > f || Number.isNaN(value[i])) value[i] = f;
        }
        break;
      case 'count': {
        const count = st.count!;
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          if (!seen[i]) {
            seen[i] = 1;
            count[i] = 1;
          } else count[i]++;
        }
        break;
      }
      case 'group':
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          seen[i] = 1;
          value[i] = 1;
        }
        break;
      case 'stddev':
      case 'stdvar': {
        const count = st.count!;
        const mean = st.mean!;
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          const f = vs[i];
          if (!seen[i]) {
            seen[i] = 1;
            count[i] = 1;
            mean[i] = f;
            value[i] = Number.isFinite(f) ? 0 : NaN;
            continue;
          }
          count[i]++;
          const delta = f - mean[i];
          mean[i] += delta / count[i];
          value[i] += delta * (f - mean[i]);
        }
        break;
      }
      case 'quantile': {
        const values = st.values!;
        for (let i = 0; i < n; i++) {
          if (!ok[i]) continue;
          any = true;
          if (!seen[i]) {
            seen[i] = 1;
            values[i] = [vs[i]];
          } else values[i].push(vs[i]);
        }
        break;
      }
    }
    if (any && s.dropName) st.out.dropName = true;
  }

  /** The groups' output series, in the order the groups were added, leaving out groups without any point. */
  finish(): StepSeries[] {
    const out: StepSeries[] = [];
    const n = this.#steps;
    for (const st of this.#groups) {
      const value = st.out.vs;
      const seen = st.out.ok;
      let any = false;
      for (let i = 0; i < n; i++) {
        if (!seen[i]) continue;
        any = true;
        switch (this.#op) {
          case 'sum':
            value[i] += st.comp![i];
            break;
          case 'avg': {
            const c = st.count![i];
            value[i] = st.incremental![i] ? st.mean![i] + st.comp![i] : value[i] / c + st.comp![i] / c;
            break;
          }
          case 'count':
            value[i] = st.count![i];
            break;
          case 'stdvar':
            value[i] = value[i] / st.count![i];
            break;
          case 'stddev':
            value[i] = Math.sqrt(value[i] / st.count![i]);
            break;
          case 'quantile':
            value[i] = quantile(this.#q![i], st.values![i]);
            break;
          default:
            break;
        }
      }
      if (any) out.push(st.out);
    }
    return out;
  }
}
