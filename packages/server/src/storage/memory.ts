/**
 * The in-memory reference storage: the simplest correct implementation of the
 * seam. Every backend runs the same conformance suite as this one; tests of
 * components above the seam (PromQL, API) use it as a real, fast double.
 * Not durable, no retention: it is not for production.
 */
import { Labels, compareLabels, validateLabels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { ArraySampleIterator, lowerBound } from './arrayiter.js';
import { StorageError, errDuplicate } from './errors.js';
import type { Appender, Querier, SelectHints, Series, SeriesRef, Storage } from './interface.js';

/** Samples in typed arrays: plain arrays of doubles would canonicalize NaN payloads (the staleness marker). */
interface MemSeries {
  ref: SeriesRef;
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Bitwise float equality: distinguishes NaN payloads (the staleness marker from NaN). */
export function sameBits(a: number, b: number): boolean {
  if (a === b) return a !== 0 || 1 / a === 1 / b;
  if (a !== a && b !== b) {
    f64[0] = a;
    const a0 = u32[0], a1 = u32[1];
    f64[0] = b;
    return a0 === u32[0] && a1 === u32[1];
  }
  return false;
}

export class MemoryStorage implements Storage {
  #byKey = new Map<string, MemSeries>();
  #byRef: MemSeries[] = [undefined as unknown as MemSeries];
  #closed = false;

  appender(): Appender {
    return new MemoryAppender(this);
  }

  /** @internal */
  getOrCreate(labels: Labels): MemSeries {
    const k = labels.key();
    let s = this.#byKey.get(k);
    if (!s) {
      s = { ref: this.#byRef.length, labels, ts: new Float64Array(8), vs: new Float64Array(8), n: 0 };
      this.#byKey.set(k, s);
      this.#byRef.push(s);
    }
    return s;
  }

  /** @internal */
  byRef(ref: SeriesRef): MemSeries | undefined {
    return ref > 0 ? this.#byRef[ref] : undefined;
  }

  /** @internal */
  lookup(labels: Labels): MemSeries | undefined {
    return this.#byKey.get(labels.key());
  }

  /** @internal Inserts in timestamp order; an equal timestamp overwrites. */
  insert(s: MemSeries, t: number, v: number): void {
    const n = s.n;
    const i = n === 0 || s.ts[n - 1] < t ? n : lowerBound(s.ts, n, t);
    if (i < n && s.ts[i] === t) {
      s.vs[i] = v;
      return;
    }
    if (n === s.ts.length) {
      const ts = new Float64Array(n * 2);
      const vs = new Float64Array(n * 2);
      ts.set(s.ts);
      vs.set(s.vs);
      s.ts = ts;
      s.vs = vs;
    }
    s.ts.copyWithin(i + 1, i, n);
    s.vs.copyWithin(i + 1, i, n);
    s.ts[i] = t;
    s.vs[i] = v;
    s.n = n + 1;
  }

  querier(mint: number, maxt: number): Querier {
    if (this.#closed) throw new StorageError('closed', 'storage is closed');
    const all = [...this.#byKey.values()];
    return new MemoryQuerier(all, mint, maxt);
  }

  async deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void> {
    for (const s of this.#byKey.values()) {
      if (!matchesAll(s.labels, matchers)) continue;
      let k = 0;
      for (let i = 0; i < s.n; i++) {
        if (s.ts[i] < mint || s.ts[i] > maxt) {
          s.ts[k] = s.ts[i];
          s.vs[k] = s.vs[i];
          k++;
        }
      }
      s.n = k;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

class MemoryAppender implements Appender {
  #db: MemoryStorage;
  #pendingLabels: Labels[] = [];
  #pendingRefs: SeriesRef[] = [];
  #ts: number[] = [];
  #vs = new Float64Array(16);

  constructor(db: MemoryStorage) {
    this.#db = db;
  }

  append(ref: SeriesRef, labels: Labels | undefined, t: number, v: number): SeriesRef {
    let s = this.#db.byRef(ref);
    if (!s) {
      if (!labels) throw new StorageError('unknown_series_ref', `unknown series ref ${ref} and no labels given`);
      const bad = labels.length === 0 ? 'empty label set' : validateLabels(labels);
      if (bad) throw new StorageError('invalid_labels', `invalid labels ${labels.toString()}: ${bad}`);
      s = this.#db.lookup(labels);
    }
    if (!Number.isSafeInteger(t)) throw new StorageError('out_of_bounds', `out of bounds: timestamp ${t} is not an integer number of milliseconds`);
    if (s) {
      const i = lowerBound(s.ts, s.n, t);
      if (i < s.n && s.ts[i] === t && !sameBits(s.vs[i], v)) throw errDuplicate(t);
      this.#pendingRefs.push(s.ref);
      this.#pendingLabels.push(s.labels);
    } else {
      this.#pendingRefs.push(0);
      this.#pendingLabels.push(labels!);
    }
    if (this.#ts.length === this.#vs.length) {
      const g = new Float64Array(this.#vs.length * 2);
      g.set(this.#vs);
      this.#vs = g;
    }
    this.#vs[this.#ts.length] = v;
    this.#ts.push(t);
    return s ? s.ref : this.#db.getOrCreate(labels!).ref;
  }

  async commit(): Promise<void> {
    for (let i = 0; i < this.#ts.length; i++) {
      const s = this.#db.byRef(this.#pendingRefs[i]) ?? this.#db.getOrCreate(this.#pendingLabels[i]);
      this.#db.insert(s, this.#ts[i], this.#vs[i]);
    }
    this.rollback();
  }

  rollback(): void {
    this.#pendingLabels = [];
    this.#pendingRefs = [];
    this.#ts = [];
    this.#vs = new Float64Array(16);
  }
}

class MemoryQuerier implements Querier {
  #series: MemSeries[];
  #mint: number;
  #maxt: number;

  constructor(series: MemSeries[], mint: number, maxt: number) {
    // Snapshot the arrays so later commits don't change what this querier sees.
    this.#series = series.map((s) => ({ ...s, ts: s.ts.slice(0, s.n), vs: s.vs.slice(0, s.n) }));
    this.#mint = mint;
    this.#maxt = maxt;
  }

  #matching(matchers: readonly Matcher[], start: number, end: number): MemSeries[] {
    const lo = Math.max(start, this.#mint);
    const hi = Math.min(end, this.#maxt);
    return this.#series
      .filter((s) => matchesAll(s.labels, matchers) && hasSampleIn(s, lo, hi))
      .sort((a, b) => compareLabels(a.labels, b.labels));
  }

  select(hints: SelectHints, matchers: readonly Matcher[]): Series[] {
    const lo = Math.max(hints.start, this.#mint);
    const hi = Math.min(hints.end, this.#maxt);
    return this.#matching(matchers, hints.start, hints.end).map((s) => ({
      labels: s.labels,
      iterator: () => new ArraySampleIterator(s.ts, s.vs, s.n, lo, hi),
    }));
  }

  labelNames(matchers: readonly Matcher[]): string[] {
    const names = new Set<string>();
    for (const s of this.#matching(matchers, this.#mint, this.#maxt)) s.labels.forEach((n) => names.add(n));
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[]): string[] {
    const values = new Set<string>();
    for (const s of this.#matching(matchers, this.#mint, this.#maxt)) {
      const v = s.labels.get(name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }

  close(): void {}
}

function hasSampleIn(s: MemSeries, lo: number, hi: number): boolean {
  const i = lowerBound(s.ts, s.n, lo);
  return i < s.n && s.ts[i] <= hi;
}

export function matchesAll(labels: Labels, matchers: readonly Matcher[]): boolean {
  for (const m of matchers) if (!m.matches(labels.get(m.name))) return false;
  return true;
}
