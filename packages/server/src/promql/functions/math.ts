/**
 * Element-wise functions of instant vectors: math, trigonometry, clamping,
 * rounding, and the date functions (whose argument is a Unix time in
 * seconds; without an argument, the evaluation time).
 */
import { implement } from './catalogue.js';
import type { ElementwiseFn } from './types.js';

function dateOf(v: number): Date | undefined {
  if (!Number.isFinite(v)) return undefined;
  return new Date(Math.trunc(v) * 1000);
}

const date = (f: (d: Date) => number): ElementwiseFn => (v) => {
  const d = dateOf(v);
  return d === undefined ? NaN : f(d);
};

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start) / 86_400_000) + 1;
}

const fns: Record<string, ElementwiseFn> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
  sgn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
  clamp: (v, a) => (a[1] < a[0] ? undefined : Math.max(a[0], Math.min(a[1], v))),
  clamp_min: (v, a) => Math.max(a[0], v),
  clamp_max: (v, a) => Math.min(a[0], v),
  round: (v, a) => {
    const toNearest = a.length > 0 ? a[0] : 1;
    // Dividing by the inverse keeps results like round(x, 0.1) exact more often, as Prometheus does.
    const inv = 1 / toNearest;
    return Math.floor(v * inv + 0.5) / inv;
  },
  day_of_month: date((d) => d.getUTCDate()),
  day_of_week: date((d) => d.getUTCDay()),
  day_of_year: date(dayOfYear),
  days_in_month: date((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  hour: date((d) => d.getUTCHours()),
  minute: date((d) => d.getUTCMinutes()),
  month: date((d) => d.getUTCMonth() + 1),
  year: date((d) => d.getUTCFullYear()),
};

for (const [name, fn] of Object.entries(fns)) implement(name, { kind: 'elementwise', fn });
