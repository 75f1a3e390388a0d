/** Go's float and label formatting, for texts that must read exactly as Prometheus's. */
import type { Labels } from '../../model/labels.js';
import { isLegacyLabelName } from '../../model/labels.js';
import { goQuote } from '../parser/index.js';

/** Go's `%g` / strconv 'g' with shortest precision: exponent form below 1e-4 and from 1e21. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatFloatFixed(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = v < 0;
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [ip, fp = ''] = mant.split('.');
  const digits = ip + fp;
  const point = ip.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + out;
}

/** Go's labels.Labels.String(): `{a="1", b="2"}`, with every label (the name too) inside the braces. */
export function formatLabelsGo(ls: Labels): string {
  const p = ls.pairs;
  const parts: string[] = [];
  for (let i = 0; i < p.length; i += 2) parts.push(`${isLegacyLabelName(p[i]) ? p[i] : goQuote(p[i])}=${goQuote(p[i + 1])}`);
  return `{${parts.join(', ')}}`;
}
