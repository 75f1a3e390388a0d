/**
 * Parsed samples in a form that crosses a thread boundary, and how they are
 * appended.
 *
 * A protocol's parse step (run in a parse worker, or inline on the main
 * thread: see parsepool.ts) turns a request body into `ParsedSamples`:
 * columns of (series id, timestamp, value) in typed arrays, plus the label
 * pairs of the series ids it has not described before. Series ids are the
 * parser's own small integers, kept by `SeriesIds` per series key (the series
 * as written on the wire), so a known series crosses the boundary as one
 * Int32 and costs no string and no label set on either side.
 *
 * On the main thread, `SeriesRefs` maps one parser's ids to storage refs
 * (and to the labels, for the first append or when the storage has
 * forgotten a ref), and `appendParsed` feeds the columns to an
 * `IngestBatch`: a tight loop over typed arrays, no object per sample.
 *
 * Rejections found while parsing (a bad line, invalid labels) travel as
 * `rejects`, each placed before the sample it preceded on the wire, so the
 * batch lists errors in the order the input had them.
 */
import { Labels } from '../../model/labels.js';
import type { IngestBatch } from './batch.js';
import { NEED_LABELS } from './batch.js';

/** Rejections found by the parser: message and how many samples it cost, placed before sample `before`. */
export interface ParseReject {
  message: string;
  samples: number;
  before: number;
  /** The line, for socket protocols' per-line error log (0 = not a line). */
  line: number;
}

/** What a parse step returns (all of it structured-cloneable; the typed arrays are transferred). */
export interface ParsedSamples {
  n: number;
  /** Per sample: the parser's series id. */
  ids: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  /** Per sample: where it came from, for messages (a line number, or a series' position in the request). */
  at: Int32Array;
  /** Series ids described for the first time here, and their labels (sorted, unique names, no empty values). */
  newIds: number[];
  newLabels: string[][];
  /** The parser forgot its ids before this parse: ids here start a new numbering. */
  reset: boolean;
  rejects: ParseReject[];
  /** Protocol counters (string fields skipped, histograms dropped …), summed by the caller. */
  counts: Record<string, number>;
}

/** Builds a `ParsedSamples`; `finish()` hands the arrays over and starts fresh ones. */
export class ParsedBuilder {
  n = 0;
  ids: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
  at: Int32Array;
  newIds: number[] = [];
  newLabels: string[][] = [];
  rejects: ParseReject[] = [];
  counts: Record<string, number> = {};
  reset = false;
  #cap: number;

  constructor(capacity = 1024) {
    this.#cap = capacity;
    this.ids = new Int32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.at = new Int32Array(capacity);
  }

  add(id: number, t: number, v: number, at: number): void {
    const n = this.n;
    if (n === this.ids.length) this.#grow();
    this.ids[n] = id;
    this.ts[n] = t;
    this.vs[n] = v;
    this.at[n] = at;
    this.n = n + 1;
  }

  reject(message: string, samples: number, line = 0): void {
    this.rejects.push({ message, samples, before: this.n, line });
  }

  count(name: string, n: number): void {
    if (n !== 0) this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  #grow(): void {
    const cap = this.ids.length * 2;
    const ids = new Int32Array(cap);
    const ts = new Float64Array(cap);
    const vs = new Float64Array(cap);
    const at = new Int32Array(cap);
    ids.set(this.ids);
    ts.set(this.ts);
    vs.set(this.vs);
    at.set(this.at);
    this.ids = ids;
    this.ts = ts;
    this.vs = vs;
    this.at = at;
  }

  finish(): ParsedSamples {
    const n = this.n;
    // Trimmed copies when mostly empty, so what crosses the boundary is what was parsed.
    const trim = <T extends Int32Array | Float64Array>(a: T): T => (a.length > 2 * n + 64 ? (a.slice(0, n) as T) : a);
    const out: ParsedSamples = {
      n,
      ids: trim(this.ids),
      ts: trim(this.ts),
      vs: trim(this.vs),
      at: trim(this.at),
      newIds: this.newIds,
      newLabels: this.newLabels,
      reset: this.reset,
      rejects: this.rejects,
      counts: this.counts,
    };
    const cap = Math.max(this.#cap, Math.min(n, 1 << 16));
    this.n = 0;
    this.ids = new Int32Array(cap);
    this.ts = new Float64Array(cap);
    this.vs = new Float64Array(cap);
    this.at = new Int32Array(cap);
    this.newIds = [];
    this.newLabels = [];
    this.rejects = [];
    this.counts = {};
    this.reset = false;
    return out;
  }
}

/**
 * The parser side: series id by series key. Bounded: when `max` series are
 * known at the start of a parse, they are all forgotten and the parse is
 * marked `reset`, so the receiver starts a new mapping too. A parser with a
 * cache of its own allocates ids with `alloc` and counts its entries in
 * `begin`.
 */
export class SeriesIds {
  readonly #map = new Map<string, number>();
  #next = 1;
  #allocated = 0;
  constructor(readonly max = 1_000_000) {}

  /**
   * Makes the next `begin` forget every id: for a parse that failed after
   * announcing ids its receiver never saw.
   */
  invalidate(): void {
    this.#allocated = this.max;
  }

  /** Call before each parse; true when every id was forgotten (a caller's own cache must be cleared). */
  begin(out: ParsedBuilder): boolean {
    if (this.#map.size + this.#allocated < this.max) return false;
    this.#map.clear();
    this.#next = 1;
    this.#allocated = 0;
    out.reset = true;
    return true;
  }

  /** The id of `key`, 0 when unknown. */
  get(key: string): number {
    return this.#map.get(key) ?? 0;
  }

  /** A new id for `key` with its labels, announced in `out`. */
  add(key: string, labels: string[], out: ParsedBuilder): number {
    const id = this.alloc(labels, out);
    this.#allocated--;
    this.#map.set(key, id);
    return id;
  }

  /** A new id with its labels, announced in `out`, for a caller that keeps its own key → id cache. */
  alloc(labels: string[], out: ParsedBuilder): number {
    const id = this.#next++;
    this.#allocated++;
    out.newIds.push(id);
    out.newLabels.push(labels);
    return id;
  }
}

/** The receiver side: one parser's series ids → storage refs and labels. */
export class SeriesRefs {
  refs = new Int32Array(1024);
  labels: (Labels | undefined)[] = [];

  /** Takes the new ids of a parse (call in the order the parser produced them). */
  describe(p: ParsedSamples): void {
    for (let k = 0; k < p.newIds.length; k++) {
      const id = p.newIds[k];
      if (id >= this.refs.length) {
        let cap = this.refs.length * 2;
        while (cap <= id) cap *= 2;
        const r = new Int32Array(cap);
        r.set(this.refs);
        this.refs = r;
      }
      this.refs[id] = 0;
      const pairs = p.newLabels[k];
      for (let i = 0; i < pairs.length; i++) pairs[i] = intern(pairs[i]);
      this.labels[id] = Labels.fromSortedPairs(pairs);
    }
  }
}

/**
 * Label strings arrive as fresh copies from a worker: the names and common
 * values are shared here (and the head adopts these strings for the series
 * it creates from them), so a series kept for its labels costs little more
 * than its array. Bounded: forgotten when full (strings in use stay alive).
 */
const SYMBOLS_MAX = 1 << 20;
const symbols = new Map<string, string>();

function intern(s: string): string {
  const k = symbols.get(s);
  if (k !== undefined) return k;
  if (symbols.size >= SYMBOLS_MAX) symbols.clear();
  symbols.set(s, s);
  return s;
}

/** Drops every interned label string (after the warm-up, whose made-up labels must not stay). */
export function forgetInterned(): void {
  symbols.clear();
}

/**
 * Every field is given, in this order, by every caller (the warm-up too):
 * objects of one shape, so V8's code for `appendParsed`, optimised during
 * the warm-up, is not thrown away when the first real request passes
 * another.
 */
export interface AppendParsedOptions {
  /** Commit whenever this many samples are pending. */
  commitEvery: number;
  /** Where sample `at` came from, for a storage rejection's message (`line 3`); the series' labels are named anyway. */
  where: ((at: number) => string) | undefined;
  /** A bad line, for socket protocols' log. */
  lineError: ((line: number, message: string) => void) | undefined;
}

/** `where` for line-oriented protocols: `line 3`. */
export const atLine = (line: number): string => `line ${line}`;

/** Appends parsed samples through `refs` to `batch`, with the parse's rejections in input order. */
export async function appendParsed(p: ParsedSamples, refs: SeriesRefs, batch: IngestBatch, o: AppendParsedOptions): Promise<void> {
  const { ids, ts, vs, n } = p;
  const { commitEvery, where, lineError } = o;
  const rejects = p.rejects;
  let r = 0;
  let nextReject = rejects.length > 0 ? rejects[0].before : n;
  // (Read again after each commit: while it is awaited, another parse's new series may replace the array.)
  let known = refs.refs;
  for (let i = 0; i <= n; i++) {
    while (i === nextReject && r < rejects.length) {
      const rej = rejects[r++];
      if (rej.line > 0) lineError?.(rej.line, rej.message);
      batch.receivedAndRejected(rej.message, rej.samples);
      nextReject = r < rejects.length ? rejects[r].before : n;
    }
    if (i === n) break;
    const id = ids[i];
    const t = ts[i];
    const v = vs[i];
    const ref0 = known[id];
    let ref = ref0 === 0 ? batch.append(0, refs.labels[id], t, v) : batch.append(ref0, undefined, t, v);
    if (ref === NEED_LABELS) ref = batch.append(0, refs.labels[id], t, v);
    if (ref > 0) {
      if (ref !== ref0) known[id] = ref;
    } else if (batch.wantsAnnotation) batch.annotateLast(`${where ? where(p.at[i]) + ', ' : ''}series ${refs.labels[id]?.toString() ?? '?'}`);
    if (batch.pending >= commitEvery) {
      await batch.commit();
      known = refs.refs;
    }
  }
}
