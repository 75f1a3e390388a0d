/**
 * Compares two Prometheus API query responses the way PromLabs' compliance
 * tester does: same HTTP status and `status`; for errors the same
 * `errorType` (messages may differ); for results the same `resultType`,
 * series sorted by labels, labels exactly equal, timestamps equal, values
 * equal within 1e-6 relative (NaN equals NaN, infinities must match
 * exactly). Returns undefined when they agree, otherwise a one-line
 * description of the first difference.
 *
 * Two kinds of query need more care, because which of several equal
 * values comes first is left to the implementation (Go's sorts and heaps
 * are not stable, in either Prometheus version):
 * - `ordered` (sort, sort_desc): the sequence of values in response order
 *   must match as well.
 * - `ties` (topk, bottomk): which series win a tie may differ, so at every
 *   timestamp the sorted list of values must match instead of the series.
 */
export type CompareMode = 'unordered' | 'ordered' | 'ties';

export interface ApiResponse {
  httpStatus: number;
  body: {
    status: string;
    errorType?: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  };
}

type Point = [number, string];
interface SeriesJson {
  metric: Record<string, string>;
  value?: Point;
  values?: Point[];
}

export const RELATIVE_TOLERANCE = 1e-6;

export function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
  return Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.min(Math.abs(x), Math.abs(y));
}

function labelKey(m: Record<string, string>): string {
  return JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function samePoint(a: Point, b: Point): string | undefined {
  if (a[0] !== b[0]) return `timestamp ${a[0]} vs ${b[0]}`;
  if (!sameValue(a[1], b[1])) return `value at ${a[0]}: ${a[1]} vs ${b[1]}`;
  return undefined;
}

export function compareResponses(want: ApiResponse, got: ApiResponse, mode: CompareMode = 'unordered'): string | undefined {
  if (want.httpStatus !== got.httpStatus) {
    return `HTTP status ${want.httpStatus} vs ${got.httpStatus} (${want.body.error ?? 'ok'} | ${got.body.error ?? 'ok'})`;
  }
  if (want.body.status !== got.body.status) return `status ${want.body.status} vs ${got.body.status}`;
  if (want.body.status === 'error') {
    return want.body.errorType === got.body.errorType ? undefined : `errorType ${want.body.errorType} vs ${got.body.errorType}`;
  }
  const w = want.body.data!;
  const g = got.body.data!;
  if (w.resultType !== g.resultType) return `resultType ${w.resultType} vs ${g.resultType}`;
  if (w.resultType === 'scalar' || w.resultType === 'string') {
    const a = w.result as Point;
    const b = g.result as Point;
    return w.resultType === 'string' ? (a[0] === b[0] && a[1] === b[1] ? undefined : `${JSON.stringify(a)} vs ${JSON.stringify(b)}`) : samePoint(a, b);
  }
  let ws = w.result as SeriesJson[];
  let gs = g.result as SeriesJson[];
  if (mode === 'ties') return compareValuesPerStep(ws, gs);
  if (ws.length !== gs.length) return `${ws.length} series vs ${gs.length}: ${summary(ws)} | ${summary(gs)}`;
  if (mode === 'ordered' && w.resultType === 'vector') {
    for (let i = 0; i < ws.length; i++) {
      if (!sameValue(ws[i].value![1], gs[i].value![1])) return `order: value ${i} is ${ws[i].value![1]} vs ${gs[i].value![1]}`;
    }
  }
  const byLabels = (a: SeriesJson, b: SeriesJson) => (labelKey(a.metric) < labelKey(b.metric) ? -1 : labelKey(a.metric) > labelKey(b.metric) ? 1 : 0);
  ws = [...ws].sort(byLabels);
  gs = [...gs].sort(byLabels);
  for (let i = 0; i < ws.length; i++) {
    const a = ws[i];
    const b = gs[i];
    if (labelKey(a.metric) !== labelKey(b.metric)) return `series ${i}: labels ${JSON.stringify(a.metric)} vs ${JSON.stringify(b.metric)}`;
    const where = JSON.stringify(a.metric);
    if (w.resultType === 'vector') {
      const d = samePoint(a.value!, b.value!);
      if (d !== undefined) return `${where}: ${d}`;
      continue;
    }
    const av = a.values ?? [];
    const bv = b.values ?? [];
    for (let j = 0; j < Math.min(av.length, bv.length); j++) {
      const d = samePoint(av[j], bv[j]);
      if (d !== undefined) return `${where}: point ${j}: ${d}`;
    }
    if (av.length !== bv.length) return `${where}: ${av.length} points vs ${bv.length}`;
  }
  return undefined;
}

/** At every timestamp, the same number of points and the same sorted values. */
function compareValuesPerStep(ws: SeriesJson[], gs: SeriesJson[]): string | undefined {
  const perStep = (ss: SeriesJson[]): Map<number, string[]> => {
    const m = new Map<number, string[]>();
    for (const s of ss) {
      for (const p of s.values ?? [s.value!]) {
        let l = m.get(p[0]);
        if (l === undefined) m.set(p[0], (l = []));
        l.push(p[1]);
      }
    }
    for (const l of m.values()) l.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
    return m;
  };
  const a = perStep(ws);
  const b = perStep(gs);
  if (a.size !== b.size) return `${a.size} timestamps vs ${b.size}`;
  for (const [t, av] of a) {
    const bv = b.get(t);
    if (bv === undefined) return `no points at ${t}`;
    if (av.length !== bv.length) return `at ${t}: ${av.length} points vs ${bv.length}`;
    for (let i = 0; i < av.length; i++) if (!sameValue(av[i], bv[i])) return `at ${t}: values ${av.join(',')} vs ${bv.join(',')}`;
  }
  return undefined;
}

function summary(s: SeriesJson[]): string {
  const shown = s.slice(0, 3).map((x) => JSON.stringify(x.metric));
  return s.length > 3 ? `${shown.join(', ')}, …` : shown.join(', ');
}
