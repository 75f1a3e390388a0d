/**
 * Runs promqltest scripts against the engine over a MemoryStorage, judging
 * results as Prometheus's Go runner does (README of the corpus): results
 * compared as sets keyed by labels (or in order with `expect ordered`),
 * floats within 1e-6 relative, annotations when the eval asks for them, and
 * every instant eval re-run for step invariance (`@` pinned, other
 * evaluation times) and in range mode.
 */
import { Labels } from '../../model/labels.js';
import { MemoryStorage } from '../../storage/memory.js';
import type { Expr, SubqueryExpr, VectorSelector } from '../parser/index.js';
import { walk } from '../parser/index.js';
import { Engine, QueryError, type EngineOptions, type Result } from '../engine/index.js';
import { parseScript, type Command, type EvalCommand, type LoadCommand, type SequenceItem } from './script.js';

/** The engine settings the corpus assumes. */
export const CORPUS_ENGINE_OPTIONS: EngineOptions = {
  lookbackDeltaMs: 5 * 60_000,
  defaultSubqueryStepMs: 60_000,
  maxSamples: 10_000,
  timeoutMs: 100_000,
  delayedNameRemoval: true,
  enableExperimentalFunctions: true,
  enableExtendedRangeSelectors: true,
  enableBinopFillModifiers: true,
};

export interface EvalOutcome {
  line: number;
  header: string;
  /** Undefined when the eval passed. */
  failure?: string;
}

/** What the data loaded so far holds that the engine cannot query yet. */
export interface ScriptState {
  /** Metric names of series with native histogram samples (including those `load_with_nhcb` builds). */
  histogramMetrics: Set<string>;
  /** Label sets of those series. */
  histogramSeries: Labels[];
  startTimestamps: boolean;
}

export interface FileRun {
  outcomes: Array<EvalOutcome & { eval: EvalCommand; state: ScriptState }>;
}

export async function runScript(text: string, engine = new Engine(CORPUS_ENGINE_OPTIONS)): Promise<FileRun> {
  const cmds: Command[] = parseScript(text);
  let storage = new MemoryStorage();
  let state: ScriptState = { histogramMetrics: new Set(), histogramSeries: [], startTimestamps: false };
  const outcomes: FileRun['outcomes'] = [];
  for (const cmd of cmds) {
    if (cmd.kind === 'clear') {
      storage = new MemoryStorage();
      state = { histogramMetrics: new Set(), histogramSeries: [], startTimestamps: false };
    } else if (cmd.kind === 'load') {
      await load(storage, cmd, state);
    } else {
      const snapshot: ScriptState = { histogramMetrics: new Set(state.histogramMetrics), histogramSeries: [...state.histogramSeries], startTimestamps: state.startTimestamps };
      let failure: string | undefined;
      try {
        failure = await runEval(engine, storage, cmd);
      } catch (e) {
        failure = `runner error: ${(e as Error).stack ?? e}`;
      }
      outcomes.push({ line: cmd.line, header: cmd.header, failure, eval: cmd, state: snapshot });
    }
  }
  return { outcomes };
}

async function load(storage: MemoryStorage, cmd: LoadCommand, state: ScriptState): Promise<void> {
  if (cmd.startTimestamps) state.startTimestamps = true;
  const app = storage.appender();
  for (const s of cmd.series) {
    let ref = 0;
    s.values.forEach((item, k) => {
      if (item.kind === 'histogram') {
        if (!state.histogramMetrics.has(s.labels.metricName()) || !state.histogramSeries.some((l) => l.equals(s.labels))) state.histogramSeries.push(s.labels);
        state.histogramMetrics.add(s.labels.metricName());
        return;
      }
      if (item.kind === 'none') return;
      ref = app.append(ref, s.labels, k * cmd.stepMs, item.v);
    });
    if (cmd.withNhcb) {
      const name = s.labels.metricName();
      const base = name.replace(/_(bucket|count|sum)$/, '');
      if (base !== name) {
        state.histogramMetrics.add(base);
        state.histogramSeries.push(Labels.fromPairs([...s.labels.without('le').pairs, '__name__', base]));
      }
    }
  }
  await app.commit();
}

const EPSILON = 1e-6;
const MIN_NORMAL = 2.2250738585072014e-308;

export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < EPSILON;
}

async function runEval(engine: Engine, storage: MemoryStorage, cmd: EvalCommand): Promise<string | undefined> {
  let res: Result;
  try {
    res = cmd.instant
      ? await engine.instantQuery(storage, cmd.expr, cmd.start)
      : await engine.rangeQuery(storage, cmd.expr, cmd.start, cmd.end, cmd.step);
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    if (!cmd.fail) return `unexpected error: ${e.message}`;
    if (cmd.failMsg !== undefined && e.message !== cmd.failMsg) return `error message ${JSON.stringify(e.message)}, expected ${JSON.stringify(cmd.failMsg)}`;
    if (cmd.failRegex && !cmd.failRegex.test(e.message)) return `error message ${JSON.stringify(e.message)} does not match ${cmd.failRegex}`;
    return undefined;
  }
  if (cmd.fail) return `expected an error, got a ${res.resultType} result`;
  const problem = checkAnnotations(cmd, res) ?? compare(cmd, res, cmd.instant ? cmd.start : undefined);
  if (problem || !cmd.instant) return problem;
  return (await stepInvariance(engine, storage, cmd)) ?? (await rangeMode(engine, storage, cmd));
}

function checkAnnotations(cmd: EvalCommand, res: Result): string | undefined {
  if (cmd.noWarn && res.warnings.length > 0) return `unexpected warnings: ${res.warnings.map((w) => w.message).join('; ')}`;
  if (cmd.noInfo && res.infos.length > 0) return `unexpected infos: ${res.infos.map((w) => w.message).join('; ')}`;
  for (const kind of ['warn', 'info'] as const) {
    const expected = cmd.annotations.filter((a) => a.kind === kind);
    if (expected.length === 0) continue;
    const got = (kind === 'warn' ? res.warnings : res.infos).map((a) => a.message);
    if (got.length === 0) return `expected ${kind === 'warn' ? 'a warning' : 'an info'}, got none`;
    const matches = (a: (typeof expected)[number], m: string) => (a.msg !== undefined ? m === a.msg : a.regex ? a.regex.test(m) : true);
    for (const m of got) {
      if (!expected.some((a) => matches(a, m))) return `unexpected ${kind} ${JSON.stringify(m)}`;
    }
    for (const a of expected) {
      if (!got.some((m) => matches(a, m))) return `no ${kind} matches ${a.msg ?? a.regex}; got ${JSON.stringify(got)}`;
    }
  }
  return undefined;
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Compares a result with the eval's expectations; `instantAt` is the evaluation time of an instant query. */
function compare(cmd: EvalCommand, res: Result, instantAt: number | undefined): string | undefined {
  if (cmd.expectString !== undefined) {
    if (res.resultType !== 'string') return `expected string, got ${res.resultType}`;
    return res.string!.v === cmd.expectString ? undefined : `string ${JSON.stringify(res.string!.v)}, expected ${JSON.stringify(cmd.expectString)}`;
  }
  if (cmd.scalar !== undefined) {
    if (res.resultType !== 'scalar') return `expected scalar ${fmt(cmd.scalar)}, got ${res.resultType}`;
    return almostEqual(res.scalar!.v, cmd.scalar) ? undefined : `scalar ${fmt(res.scalar!.v)}, expected ${fmt(cmd.scalar)}`;
  }
  if (res.resultType === 'scalar' || res.resultType === 'string') {
    return cmd.series.length === 0 ? `expected an empty result, got ${res.resultType}` : `expected series, got ${res.resultType}`;
  }
  const expectMatrix = !cmd.instant || cmd.rangeVector !== undefined;
  if (expectMatrix !== (res.resultType === 'matrix') && !(res.series.length === 0 && cmd.series.length === 0)) {
    return `expected ${expectMatrix ? 'matrix' : 'vector'}, got ${res.resultType}`;
  }
  const got = new Map<string, (typeof res.series)[number]>();
  for (const s of res.series) {
    const k = s.labels.key();
    if (got.has(k)) return `duplicate series ${s.labels.toString()}`;
    got.set(k, s);
  }
  const exp = new Map<string, (typeof cmd.series)[number]>();
  for (const s of cmd.series) exp.set(s.labels.key(), s);
  for (const s of res.series) {
    if (!exp.has(s.labels.key())) return `unexpected series ${s.labels.toString()} ${[...s.values].map(fmt).join(' ')}`;
  }
  for (const e of cmd.series) {
    const g = got.get(e.labels.key());
    if (!g) return `missing series ${e.labels.toString()}`;
    if (!expectMatrix) {
      const item = e.values[0];
      if (e.values.length !== 1 || item.kind !== 'float') return `bad expectation for ${e.labels.toString()}`;
      if (!almostEqual(g.values[0], item.v)) return `${e.labels.toString()}: got ${fmt(g.values[0])}, expected ${fmt(item.v)}`;
      continue;
    }
    const start = cmd.rangeVector ? cmd.rangeVector.start : cmd.start;
    const step = cmd.rangeVector ? cmd.rangeVector.step : cmd.step;
    const points = expectedPoints(e.values, start, step);
    const gotPoints = [...g.timestamps].map((t, i) => `${t}:${fmt(g.values[i])}`).join(' ');
    if (points.length !== g.timestamps.length) return `${e.labels.toString()}: got ${gotPoints}, expected ${points.map((p) => `${p.t}:${fmt(p.v)}`).join(' ')}`;
    for (let i = 0; i < points.length; i++) {
      if (points[i].t !== g.timestamps[i] || !almostEqual(points[i].v, g.values[i])) {
        return `${e.labels.toString()}: got ${gotPoints}, expected ${points.map((p) => `${p.t}:${fmt(p.v)}`).join(' ')}`;
      }
    }
  }
  if (cmd.ordered && instantAt !== undefined) {
    for (let i = 0; i < cmd.series.length; i++) {
      if (!res.series[i].labels.equals(cmd.series[i].labels)) return `order: got ${res.series.map((s) => s.labels.toString()).join(', ')}`;
    }
  }
  return undefined;
}

function expectedPoints(values: SequenceItem[], start: number, step: number): Array<{ t: number; v: number }> {
  const out: Array<{ t: number; v: number }> = [];
  values.forEach((item, i) => {
    if (item.kind === 'float') out.push({ t: start + i * step, v: item.v });
  });
  return out;
}

function usesFunction(expr: Expr, pred: (name: string, evalTime: boolean) => boolean): boolean {
  let found = false;
  walk(expr, (e) => {
    if (e.kind === 'Call' && pred(e.func.name, e.func.dependsOnEvalTime)) found = true;
  });
  return found;
}

/** Pins every selector and outermost subquery without `@` to `t`. */
function pinAt(expr: Expr, t: number): void {
  walk(expr, (e) => {
    if (e.kind === 'SubqueryExpr') {
      if (e.timestamp === undefined && e.atMarker === undefined) (e as SubqueryExpr).timestamp = t;
      return false;
    }
    if (e.kind === 'VectorSelector' && e.timestamp === undefined && e.atMarker === undefined) (e as VectorSelector).timestamp = t;
    return undefined;
  });
}

async function stepInvariance(engine: Engine, storage: MemoryStorage, cmd: EvalCommand): Promise<string | undefined> {
  const expr = engine.parse(cmd.expr);
  if (usesFunction(expr, (_n, evalTime) => evalTime)) return undefined;
  pinAt(expr, cmd.start);
  const t = cmd.start;
  const times = t === 0 ? [-1000, 0, 1000] : [-10 * t, 0, t / 5, t, 10 * t];
  for (const at of times) {
    let res: Result;
    try {
      res = await engine.instantQuery(storage, expr, at);
    } catch (e) {
      return `step invariance (evaluated at ${at}ms with @ ${t}ms): ${(e as Error).message}`;
    }
    const p = compare(cmd, res, at);
    if (p) return `step invariance (evaluated at ${at}ms with @ ${t}ms): ${p}`;
  }
  return undefined;
}

async function rangeMode(engine: Engine, storage: MemoryStorage, cmd: EvalCommand): Promise<string | undefined> {
  if (cmd.ordered || cmd.rangeVector || cmd.expectString !== undefined) return undefined;
  const expr = engine.parse(cmd.expr);
  if (/\b(start|end|range|step)\s*\(\s*\)/.test(cmd.expr)) return undefined;
  const t = cmd.start;
  let res: Result;
  try {
    res = await engine.rangeQuery(storage, cmd.expr, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    return `range mode: ${(e as Error).message}`;
  }
  const series: Result['series'] = [];
  for (const s of res.series) {
    const i = [...s.timestamps].indexOf(t);
    if (i >= 0) series.push({ labels: s.labels, timestamps: Float64Array.of(t), values: Float64Array.of(s.values[i]) });
  }
  const asInstant: Result =
    cmd.scalar !== undefined
      ? { resultType: 'scalar', series: [], scalar: { t, v: series[0]?.values[0] ?? NaN }, warnings: [], infos: [] }
      : { resultType: 'vector', series, warnings: [], infos: [] };
  const p = compare({ ...cmd, ordered: false }, asInstant, t);
  return p ? `range mode: ${p}` : undefined;
}
