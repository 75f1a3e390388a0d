/**
 * Functions over series identities and order: `label_replace`,
 * `label_join`, `sort`, `sort_desc`, `sort_by_label`, `sort_by_label_desc`.
 */
import { LabelsBuilder, METRIC_NAME, compareLabels, isWellFormed } from '../../model/labels.js';
import { compileRE2Captures } from '../../model/re2.js';
import type { Call } from '../parser/index.js';
import { sortInRangeQuery } from '../engine/annotations.js';
import { execError } from '../engine/errors.js';
import { mergeSameLabels, type Evaluator } from '../engine/evaluator.js';
import type { StepSeries, Value } from '../engine/value.js';
import { implement } from './catalogue.js';

async function stringArg(ev: Evaluator, call: Call, i: number): Promise<string> {
  const v = await ev.eval(call.args[i]);
  if (v.kind !== 'string') throw new Error(`argument ${i + 1} of ${call.func.name} is not a string`);
  return v.s;
}

/** Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, match: RegExpExecArray, names: Map<string, number>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name = '';
    let end = i + 1;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      name = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[A-Za-z0-9_]+$/.test(name)) {
        out += '$';
        continue;
      }
      end = close + 1;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!m) {
        out += '$';
        continue;
      }
      name = m[0];
      end = i + 1 + name.length;
    }
    let group: number | undefined;
    if (/^[0-9]+$/.test(name)) group = Number(name);
    else group = names.get(name);
    if (group !== undefined && group < match.length) out += match[group] ?? '';
    i = end - 1;
  }
  return out;
}

function relabeled(ev: Evaluator, series: StepSeries[]): Value {
  return { kind: 'vector', series: mergeSameLabels(series, ev.steps === 1) };
}

implement('label_replace', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const dst = await stringArg(ev, call, 1);
    const repl = await stringArg(ev, call, 2);
    const src = await stringArg(ev, call, 3);
    const pattern = await stringArg(ev, call, 4);
    let re: { regexp: RegExp; names: Map<string, number> };
    try {
      re = compileRE2Captures(pattern);
    } catch {
      throw execError(`invalid regular expression in label_replace(): ${pattern}`);
    }
    if (dst === '' || !isWellFormed(dst)) throw execError(`invalid destination label name in label_replace(): ${dst}`);
    const series = await ev.evalVector(call.args[0]);
    const b = new LabelsBuilder();
    for (const s of series) {
      const m = re.regexp.exec(s.labels.get(src));
      if (!m) continue;
      b.reset(s.labels);
      b.set(dst, expandTemplate(repl, m, re.names));
      s.labels = b.labels();
      if (dst === METRIC_NAME) s.dropName = false;
    }
    return relabeled(ev, series);
  },
});

implement('label_join', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const dst = await stringArg(ev, call, 1);
    const sep = await stringArg(ev, call, 2);
    const srcs: string[] = [];
    for (let i = 3; i < call.args.length; i++) srcs.push(await stringArg(ev, call, i));
    if (dst === '' || !isWellFormed(dst)) throw execError(`invalid destination label name in label_join(): ${dst}`);
    for (const s of srcs) if (s === '') throw execError(`invalid source label name in label_join(): ${s}`);
    const series = await ev.evalVector(call.args[0]);
    const b = new LabelsBuilder();
    for (const s of series) {
      b.reset(s.labels);
      b.set(dst, srcs.map((n) => s.labels.get(n)).join(sep));
      s.labels = b.labels();
      if (dst === METRIC_NAME) s.dropName = false;
    }
    return relabeled(ev, series);
  },
});

function warnIfRange(ev: Evaluator, call: Call): void {
  if (ev.ctx.queryStep !== 0) ev.ctx.warn(sortInRangeQuery('sort'), { start: call.start, end: call.end });
}

function sortByValue(desc: boolean) {
  return async (call: Call, ev: Evaluator): Promise<Value> => {
    warnIfRange(ev, call);
    const series = await ev.evalVector(call.args[0]);
    if (ev.steps !== 1) return { kind: 'vector', series };
    // NaN sorts last either way; equal values keep their order.
    series.sort((a, b) => {
      const x = a.vs[0];
      const y = b.vs[0];
      const xn = Number.isNaN(x);
      const yn = Number.isNaN(y);
      if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1;
      return desc ? y - x || 0 : x - y || 0;
    });
    return { kind: 'vector', series };
  };
}

implement('sort', { kind: 'custom', fn: sortByValue(false) });
implement('sort_desc', { kind: 'custom', fn: sortByValue(true) });

/** Natural order: digit runs compare as numbers, everything else as text. */
export function naturalCompare(a: string, b: string): number {
  const chunk = /(\d+|\D+)/g;
  const xa = a.match(chunk) ?? [];
  const xb = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const p = xa[i];
    const q = xb[i];
    if (p === q) continue;
    const pd = /^\d/.test(p);
    const qd = /^\d/.test(q);
    if (pd && qd) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d < 0 ? -1 : 1;
      return p.length - q.length < 0 ? -1 : 1;
    }
    return p < q ? -1 : 1;
  }
  return xa.length - xb.length;
}

function sortByLabel(desc: boolean) {
  return async (call: Call, ev: Evaluator): Promise<Value> => {
    warnIfRange(ev, call);
    const names: string[] = [];
    for (let i = 1; i < call.args.length; i++) names.push(await stringArg(ev, call, i));
    const series = await ev.evalVector(call.args[0]);
    if (ev.steps !== 1) return { kind: 'vector', series };
    series.sort((a, b) => {
      for (const n of names) {
        const x = a.labels.get(n);
        const y = b.labels.get(n);
        if (x === y) continue;
        const c = naturalCompare(x, y);
        return desc ? -c : c;
      }
      const c = compareLabels(a.labels, b.labels);
      return desc ? -c : c;
    });
    return { kind: 'vector', series };
  };
}

implement('sort_by_label', { kind: 'custom', fn: sortByLabel(false) });
implement('sort_by_label_desc', { kind: 'custom', fn: sortByLabel(true) });
