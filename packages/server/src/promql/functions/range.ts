/**
 * Functions over range vectors: `rate` and friends, `deriv`,
 * `predict_linear`, `*_over_time`, `double_exponential_smoothing`. Each is
 * called per series and step with the window's sample columns; none
 * allocates per sample except the quantile family, which sorts.
 */
import { implement } from './catalogue.js';
import type { RangeFn, RangeImpl, RangePrepareFn, RangeStepsFn, RangeWindow } from './types.js';
import { invalidQuantile } from '../engine/annotations.js';
import { execError } from '../engine/errors.js';

/** Neumaier-compensated sum step; the compensation lives in `acc[1]`, the sum in `acc[0]`. */
function kahanAdd(acc: Float64Array, inc: number): void {
  const sum = acc[0];
  const t = sum + inc;
  if (t === Infinity || t === -Infinity) acc[1] = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) acc[1] += sum - t + inc;
  else acc[1] += inc - t + sum;
  acc[0] = t;
}

const acc = new Float64Array(2);
const acc2 = new Float64Array(2);

/**
 * resetsUpTo[i]: counter resets among samples [0, i] of the current series,
 * filled once per series (countResets), so a window without a reset — the
 * usual case — skips the scan that adds the values before each reset.
 */
let resetsUpTo = new Int32Array(1024);

function countResets(w: RangeWindow): void {
  const { vs, n } = w;
  if (resetsUpTo.length < n) resetsUpTo = new Int32Array(Math.max(n, 2 * resetsUpTo.length));
  let k = 0;
  resetsUpTo[0] = 0;
  for (let i = 1; i < n; i++) {
    if (vs[i] < vs[i - 1]) k++;
    resetsUpTo[i] = k;
  }
}

/** Prometheus's extrapolatedRate for floats: `rate`, `increase`, `delta`. */
function extrapolated(w: RangeWindow, isCounter: boolean, isRate: boolean): number | undefined {
  if (w.hi - w.lo < 2) return undefined;
  return extrapolatedAt(w.ts, w.vs, w.lo, w.hi, w.rangeStart, w.rangeEnd, isCounter, isRate);
}

/** extrapolated() over samples [lo, hi), at least two, of a window (rangeStart, rangeEnd]. */
function extrapolatedAt(ts: Float64Array, vs: Float64Array, lo: number, hi: number, rangeStart: number, rangeEnd: number, isCounter: boolean, isRate: boolean): number {
  const n = hi - lo;
  const firstT = ts[lo];
  const lastT = ts[hi - 1];
  let result = vs[hi - 1] - vs[lo];
  if (isCounter && resetsUpTo[hi - 1] !== resetsUpTo[lo]) {
    let prev = vs[lo];
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const avg = sampledInterval / (n - 1);
  const threshold = avg * 1.1;
  if (durationToStart >= threshold) durationToStart = avg / 2;
  if (isCounter) {
    let durationToZero = durationToStart;
    if (result > 0 && vs[lo] >= 0) durationToZero = sampledInterval * (vs[lo] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = avg / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}

/** `rate`, `increase`, `delta` over every step of a series in one loop (see RangeStepsFn). */
function extrapolatedSteps(isCounter: boolean, isRate: boolean): RangeStepsFn {
  return (w, los, his, ends, range, out, ok) => {
    const ts = w.ts;
    const vs = w.vs;
    let present = 0;
    for (let i = 0; i < los.length; i++) {
      const lo = los[i];
      const hi = his[i];
      if (hi - lo < 2) continue;
      out[i] = extrapolatedAt(ts, vs, lo, hi, ends[i] - range, ends[i], isCounter, isRate);
      ok[i] = 1;
      present++;
    }
    return present;
  };
}

/** `irate` / `idelta`: the last two samples. */
function instant(w: RangeWindow, isRate: boolean): number | undefined {
  const { ts, vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const t1 = ts[hi - 1];
  const t0 = ts[hi - 2];
  const interval = t1 - t0;
  if (interval === 0) return undefined;
  const v1 = vs[hi - 1];
  const v0 = vs[hi - 2];
  let r = v1;
  if (!isRate || !(v1 < v0)) r = v1 - v0;
  if (isRate) r /= interval / 1000;
  return r;
}

/** Least-squares fit of the window's samples with x in seconds from `interceptT`; [slope, intercept]. */
const reg = new Float64Array(2);
function linearRegression(w: RangeWindow, interceptT: number): Float64Array {
  const { ts, vs, lo, hi } = w;
  const initY = vs[lo];
  let constY = true;
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  for (let i = lo; i < hi; i++) {
    const y = vs[i];
    if (constY && i > lo && y !== initY) constY = false;
    n++;
    const x = (ts[i] - interceptT) / 1000;
    // Four Neumaier-compensated sums, inlined: this is a hot loop.
    let t = sumX + x;
    cX = t === Infinity || t === -Infinity ? 0 : Math.abs(sumX) >= Math.abs(x) ? cX + (sumX - t + x) : cX + (x - t + sumX);
    sumX = t;
    t = sumY + y;
    cY = t === Infinity || t === -Infinity ? 0 : Math.abs(sumY) >= Math.abs(y) ? cY + (sumY - t + y) : cY + (y - t + sumY);
    sumY = t;
    const xy = x * y;
    t = sumXY + xy;
    cXY = t === Infinity || t === -Infinity ? 0 : Math.abs(sumXY) >= Math.abs(xy) ? cXY + (sumXY - t + xy) : cXY + (xy - t + sumXY);
    sumXY = t;
    const xx = x * x;
    t = sumX2 + xx;
    cX2 = t === Infinity || t === -Infinity ? 0 : Math.abs(sumX2) >= Math.abs(xx) ? cX2 + (sumX2 - t + xx) : cX2 + (xx - t + sumX2);
    sumX2 = t;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) {
      reg[0] = NaN;
      reg[1] = NaN;
    } else {
      reg[0] = 0;
      reg[1] = initY;
    }
    return reg;
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  reg[0] = slope;
  reg[1] = sumY / n - (slope * sumX) / n;
  return reg;
}

function avgOverTime(w: RangeWindow): number {
  const { vs, lo, hi } = w;
  let sum = vs[lo];
  let count = 1;
  let mean = 0;
  acc[0] = sum;
  acc[1] = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = vs[i];
    count = i - lo + 1;
    if (!incremental) {
      const c0 = acc[1];
      kahanAdd(acc, f);
      if (acc[0] !== Infinity && acc[0] !== -Infinity) {
        sum = acc[0];
        continue;
      }
      incremental = true;
      acc[1] = c0 / (count - 1);
      mean = sum / (count - 1);
    }
    const q = (count - 1) / count;
    acc[0] = q * mean;
    acc[1] = q * acc[1];
    kahanAdd(acc, f / count);
    mean = acc[0];
  }
  if (incremental) return mean + acc[1];
  return sum / count + acc[1] / count;
}

function sumOverTime(w: RangeWindow): number {
  acc[0] = 0;
  acc[1] = 0;
  for (let i = w.lo; i < w.hi; i++) kahanAdd(acc, w.vs[i]);
  return acc[0] + acc[1];
}

function varianceOverTime(w: RangeWindow): number {
  let count = 0;
  acc[0] = 0; // mean
  acc[1] = 0;
  acc2[0] = 0; // aux
  acc2[1] = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.vs[i];
    count++;
    const delta = f - (acc[0] + acc[1]);
    kahanAdd(acc, delta / count);
    kahanAdd(acc2, delta * (f - (acc[0] + acc[1])));
  }
  return (acc2[0] + acc2[1]) / count;
}

const scratch: number[] = [];

/** Prometheus's quantile with linear interpolation, NaN sorted first. */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

function windowValues(w: RangeWindow): number[] {
  scratch.length = 0;
  for (let i = w.lo; i < w.hi; i++) scratch.push(w.vs[i]);
  return scratch;
}

function extremeOverTime(w: RangeWindow, max: boolean): number {
  let best = w.vs[w.lo];
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.vs[i];
    if ((max ? f > best : f < best) || Number.isNaN(best)) best = f;
  }
  return best;
}

let deque = new Int32Array(1024);

/**
 * `max_over_time` / `min_over_time` over every step of a series with a
 * monotonic queue of sample indices, in time linear in the samples rather
 * than in samples × steps. The queue keeps, in order, the samples that can
 * still be the extreme of a later window; equal values are kept, so the
 * earliest of equal extremes wins, as in extremeOverTime (which matters for
 * 0 and -0). NaN is the result only when the window holds nothing else.
 */
function extremeSteps(max: boolean): RangeStepsFn {
  return (w, los, his, _ends, _range, out, ok) => {
    const vs = w.vs;
    if (deque.length < w.n) deque = new Int32Array(Math.max(w.n, 2 * deque.length));
    const q = deque;
    let head = 0;
    let tail = 0;
    let next = 0;
    let present = 0;
    for (let i = 0; i < los.length; i++) {
      const lo = los[i];
      const hi = his[i];
      if (hi <= lo) continue;
      if (next < lo) next = lo;
      for (; next < hi; next++) {
        const f = vs[next];
        if (f !== f) continue;
        while (tail > head && (max ? vs[q[tail - 1]] < f : vs[q[tail - 1]] > f)) tail--;
        q[tail++] = next;
      }
      while (head < tail && q[head] < lo) head++;
      out[i] = head < tail ? vs[q[head]] : NaN;
      ok[i] = 1;
      present++;
    }
    return present;
  };
}

function tsOfExtremeOverTime(w: RangeWindow, max: boolean): number {
  let best = w.vs[w.lo];
  let at = w.ts[w.lo];
  for (let i = w.lo; i < w.hi; i++) {
    const f = w.vs[i];
    if ((max ? f >= best : f <= best) || Number.isNaN(best)) {
      best = f;
      at = w.ts[i];
    }
  }
  return at / 1000;
}

/** Go's %f. */
const fixed6 = (v: number) => (Number.isFinite(v) ? v.toFixed(6) : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

function doubleExponentialSmoothing(w: RangeWindow): number | undefined {
  const sf = w.args[0];
  const tf = w.args[1];
  if (!(sf > 0 && sf < 1)) throw execError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${fixed6(sf)}`);
  if (!(tf > 0 && tf < 1)) throw execError(`invalid trend factor. Expected: 0 < tf < 1, got: ${fixed6(tf)}`);
  const { vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  let s0 = 0;
  let s1 = vs[lo];
  let b = vs[lo + 1] - vs[lo];
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * vs[lo + i];
    if (i - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

const fns: Record<string, RangeFn> = {
  rate: (w) => extrapolated(w, true, true),
  increase: (w) => extrapolated(w, true, false),
  delta: (w) => extrapolated(w, false, false),
  irate: (w) => instant(w, true),
  idelta: (w) => instant(w, false),
  deriv: (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.ts[w.lo])[0]),
  predict_linear: (w) => {
    if (w.hi - w.lo < 2) return undefined;
    const r = linearRegression(w, w.evalT);
    return r[0] * w.args[0] + r[1];
  },
  resets: (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.vs[i] < w.vs[i - 1]) n++;
    return n;
  },
  changes: (w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = w.vs[i - 1];
      const b = w.vs[i];
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  },
  avg_over_time: avgOverTime,
  sum_over_time: sumOverTime,
  count_over_time: (w) => w.hi - w.lo,
  min_over_time: (w) => extremeOverTime(w, false),
  max_over_time: (w) => extremeOverTime(w, true),
  last_over_time: (w) => w.vs[w.hi - 1],
  first_over_time: (w) => w.vs[w.lo],
  present_over_time: () => 1,
  absent_over_time: () => 1,
  stddev_over_time: (w) => Math.sqrt(varianceOverTime(w)),
  stdvar_over_time: varianceOverTime,
  quantile_over_time: (w) => {
    const q = w.args[0];
    if (Number.isNaN(q) || q < 0 || q > 1) {
      const a = w.call.args[0];
      w.annotate('warn', invalidQuantile(q), { start: a.start, end: a.end });
    }
    return quantileOf(q, windowValues(w));
  },
  mad_over_time: (w) => {
    for (let i = w.lo; i < w.hi; i++) if (Number.isNaN(w.vs[i])) return NaN;
    const values = windowValues(w);
    const median = quantileOf(0.5, values);
    for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i] - median);
    return quantileOf(0.5, values);
  },
  ts_of_first_over_time: (w) => w.ts[w.lo] / 1000,
  ts_of_last_over_time: (w) => w.ts[w.hi - 1] / 1000,
  ts_of_min_over_time: (w) => tsOfExtremeOverTime(w, false),
  ts_of_max_over_time: (w) => tsOfExtremeOverTime(w, true),
  double_exponential_smoothing: doubleExponentialSmoothing,
};

/** Per-series preparation of the functions that have one. */
const prepares: Record<string, RangePrepareFn> = {
  rate: countResets,
  increase: countResets,
};

/** Whole-series loops of the functions that have one. */
const stepsFns: Record<string, RangeStepsFn> = {
  rate: extrapolatedSteps(true, true),
  increase: extrapolatedSteps(true, false),
  delta: extrapolatedSteps(false, false),
  max_over_time: extremeSteps(true),
  min_over_time: extremeSteps(false),
};

for (const [name, fn] of Object.entries(fns)) implement(name, { kind: 'range', fn, prepare: prepares[name], steps: stepsFns[name] } satisfies RangeImpl);
