/**
 * Functions of the query rather than of samples, and type conversions:
 * `time`, `pi`, `start`, `end`, `step`, `range`, `min_of`, `max_of`,
 * `scalar`, `vector`, `absent`, `timestamp`.
 */
import { Labels } from '../../model/labels.js';
import type { Call } from '../parser/index.js';
import { absentLabels, unwrapParens, type Evaluator } from '../engine/evaluator.js';
import { newStepSeries, type Value } from '../engine/value.js';
import { implement } from './catalogue.js';

function perStep(f: (ev: Evaluator, t: number) => number) {
  return async (_call: Call, ev: Evaluator): Promise<Value> => {
    const vs = new Float64Array(ev.steps);
    for (let i = 0; i < ev.steps; i++) vs[i] = f(ev, ev.time(i));
    return { kind: 'scalar', vs };
  };
}

implement('time', { kind: 'custom', fn: perStep((_ev, t) => t / 1000) });
implement('pi', { kind: 'custom', fn: perStep(() => Math.PI) });
implement('start', { kind: 'custom', fn: perStep((ev) => ev.ctx.queryStart / 1000) });
implement('end', { kind: 'custom', fn: perStep((ev) => ev.ctx.queryEnd / 1000) });
implement('step', { kind: 'custom', fn: perStep((ev) => ev.ctx.queryStep / 1000) });
implement('range', { kind: 'custom', fn: perStep((ev) => (ev.ctx.queryEnd - ev.ctx.queryStart) / 1000) });

function binaryScalar(f: (a: number, b: number) => number) {
  return async (call: Call, ev: Evaluator): Promise<Value> => {
    const a = await ev.evalScalar(call.args[0]);
    const b = await ev.evalScalar(call.args[1]);
    const vs = new Float64Array(ev.steps);
    for (let i = 0; i < vs.length; i++) vs[i] = f(a[i], b[i]);
    return { kind: 'scalar', vs };
  };
}

implement('min_of', { kind: 'custom', fn: binaryScalar(Math.min) });
implement('max_of', { kind: 'custom', fn: binaryScalar(Math.max) });

implement('scalar', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const series = await ev.evalVector(call.args[0]);
    const vs = new Float64Array(ev.steps).fill(NaN);
    const seen = new Uint32Array(ev.steps);
    for (const s of series) {
      for (let i = 0; i < ev.steps; i++) {
        if (!s.ok[i]) continue;
        seen[i]++;
        vs[i] = s.vs[i];
      }
    }
    for (let i = 0; i < ev.steps; i++) if (seen[i] !== 1) vs[i] = NaN;
    return { kind: 'scalar', vs };
  },
});

implement('vector', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const vs = await ev.evalScalar(call.args[0]);
    const s = newStepSeries(Labels.EMPTY, ev.steps);
    s.vs.set(vs);
    s.ok.fill(1);
    return { kind: 'vector', series: [s] };
  },
});

implement('absent', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const series = await ev.evalVector(call.args[0]);
    const s = newStepSeries(absentLabels(call.args[0]), ev.steps);
    let any = false;
    for (let i = 0; i < ev.steps; i++) {
      if (series.some((x) => x.ok[i])) continue;
      s.vs[i] = 1;
      s.ok[i] = 1;
      any = true;
    }
    return { kind: 'vector', series: any ? [s] : [] };
  },
});

implement('timestamp', {
  kind: 'custom',
  fn: async (call: Call, ev: Evaluator): Promise<Value> => {
    const arg = unwrapParens(call.args[0]);
    if (arg.kind === 'VectorSelector') {
      return { kind: 'vector', series: ev.dropNames(await ev.selectVector(arg, true)) };
    }
    const series = await ev.evalVector(arg);
    for (const s of series) for (let i = 0; i < ev.steps; i++) if (s.ok[i]) s.vs[i] = ev.time(i) / 1000;
    return { kind: 'vector', series: ev.dropNames(series) };
  },
});
