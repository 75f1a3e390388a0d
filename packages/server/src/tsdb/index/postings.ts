/**
 * Postings: sorted lists of series ids per label pair, and the set algebra
 * that resolves label matchers through them, as Prometheus's index does.
 * Lists are sorted ascending `Int32Array`s (or plain arrays); operations
 * return new sorted lists and never mutate their inputs.
 */
import type { Matcher } from '../../model/matcher.js';

export type Postings = ArrayLike<number>;

export const EMPTY_POSTINGS: Postings = new Int32Array(0);

/** What the matcher resolution needs from an index (head or block). */
export interface PostingsIndex {
  /** Sorted ids of series with label name=value. */
  postings(name: string, value: string): Postings;
  /** Sorted distinct values of a label name. */
  sortedLabelValues(name: string): readonly string[];
  /** Sorted ids of every series. */
  allPostings(): Postings;
}

export function intersect(a: Postings, b: Postings): Postings {
  if (a.length === 0 || b.length === 0) return EMPTY_POSTINGS;
  // Gallop from the smaller list into the larger one.
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  const out = new Int32Array(s.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < s.length && j < l.length; i++) {
    const x = s[i];
    if (l[j] < x) j = gallop(l, j, x);
    if (j < l.length && l[j] === x) {
      out[n++] = x;
      j++;
    }
  }
  return out.subarray(0, n);
}

/** First index >= from with l[i] >= x, by exponential then binary search. */
function gallop(l: Postings, from: number, x: number): number {
  let step = 1;
  let hi = from + 1;
  while (hi < l.length && l[hi] < x) {
    from = hi;
    step <<= 1;
    hi = from + step;
  }
  if (hi > l.length) hi = l.length;
  let lo = from;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (l[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function subtract(a: Postings, b: Postings): Postings {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Int32Array(a.length);
  let n = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    while (j < b.length && b[j] < x) j++;
    if (j < b.length && b[j] === x) continue;
    out[n++] = x;
  }
  return out.subarray(0, n);
}

/** Union of many sorted lists (k-way merge through pairwise merging). */
export function union(lists: Postings[]): Postings {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return EMPTY_POSTINGS;
  if (nonEmpty.length === 1) return nonEmpty[0];
  let layer = nonEmpty;
  while (layer.length > 1) {
    const next: Postings[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(i + 1 < layer.length ? merge2(layer[i], layer[i + 1]) : layer[i]);
    layer = next;
  }
  return layer[0];
}

function merge2(a: Postings, b: Postings): Postings {
  const out = new Int32Array(a.length + b.length);
  let i = 0, j = 0, n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i], y = b[j];
    if (x < y) { out[n++] = x; i++; }
    else if (y < x) { out[n++] = y; j++; }
    else { out[n++] = x; i++; j++; }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out.subarray(0, n);
}

/**
 * Values of `name` accepted by `m`. Equality, literal sets and literal
 * prefixes are resolved without testing every value.
 */
export function matchingValues(ix: PostingsIndex, name: string, m: Matcher, invert: boolean): string[] {
  const values = ix.sortedLabelValues(name);
  const accept = (v: string) => m.matches(v) !== invert;
  if (!invert && m.type === '=') return binaryHas(values, m.value) ? [m.value] : [];
  if (!invert && m.type === '=~' && m.setMatches) return m.setMatches.filter((v) => binaryHas(values, v));
  if (invert && m.type === '!=') return binaryHas(values, m.value) ? [m.value] : [];
  if (invert && m.type === '!~' && m.setMatches) return m.setMatches.filter((v) => binaryHas(values, v));
  if (m.prefix && ((!invert && m.type === '=~') || (invert && m.type === '!~'))) {
    // Only values starting with the prefix can match.
    const out: string[] = [];
    for (let i = lowerBoundStr(values, m.prefix); i < values.length && values[i].startsWith(m.prefix); i++) {
      if (accept(values[i])) out.push(values[i]);
    }
    return out;
  }
  return values.filter(accept);
}

/**
 * Sorted ids of the series that match every matcher. Matchers that match the
 * empty string also select series without the label, as in Prometheus.
 */
export function postingsForMatchers(ix: PostingsIndex, matchers: readonly Matcher[]): Postings {
  if (matchers.length === 0) return ix.allPostings();
  const positive: Postings[] = [];
  const negative: Postings[] = [];
  for (const m of matchers) {
    if (m.matchesEmpty()) {
      // `l=""`, `l!="x"`, `l=~".*"`, `l!~"x.+"`: every series except those whose
      // value for l is non-empty and fails the matcher.
      if ((m.type === '=~' && m.value === '.*') || (m.type === '!~' && m.value === '')) continue;
      const failing = matchingValues(ix, m.name, m, true);
      negative.push(union(failing.map((v) => ix.postings(m.name, v))));
    } else {
      const ok = matchingValues(ix, m.name, m, false);
      const p = union(ok.map((v) => ix.postings(m.name, v)));
      if (p.length === 0) return EMPTY_POSTINGS;
      positive.push(p);
    }
  }
  // Intersect smallest first: the result only shrinks.
  positive.sort((a, b) => a.length - b.length);
  let result: Postings = positive.length ? positive[0] : ix.allPostings();
  for (let i = 1; i < positive.length && result.length > 0; i++) result = intersect(result, positive[i]);
  for (const n of negative) result = subtract(result, n);
  return result;
}

function binaryHas(sorted: readonly string[], v: string): boolean {
  const i = lowerBoundStr(sorted, v);
  return i < sorted.length && sorted[i] === v;
}

export function lowerBoundStr(sorted: readonly string[], v: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The head's in-memory postings. Ids are added in increasing order, so each
 * list stays sorted by appending. Sorted value lists are cached per name and
 * invalidated when a new value appears.
 */
export class MemPostings implements PostingsIndex {
  #byName = new Map<string, Map<string, GrowableIds>>();
  #sortedValues = new Map<string, string[]>();
  #all = new GrowableIds();

  add(id: number, pairs: readonly string[]): void {
    this.#all.push(id);
    for (let i = 0; i < pairs.length; i += 2) {
      const name = pairs[i];
      let values = this.#byName.get(name);
      if (!values) {
        values = new Map();
        this.#byName.set(name, values);
      }
      let ids = values.get(pairs[i + 1]);
      if (!ids) {
        ids = new GrowableIds();
        values.set(pairs[i + 1], ids);
        this.#sortedValues.delete(name);
      }
      ids.push(id);
    }
  }

  /** Removes ids (series garbage-collected from the head). */
  delete(ids: ReadonlySet<number>): void {
    if (ids.size === 0) return;
    this.#all.removeAll(ids);
    for (const [name, values] of this.#byName) {
      for (const [value, list] of values) {
        list.removeAll(ids);
        if (list.length === 0) {
          values.delete(value);
          this.#sortedValues.delete(name);
        }
      }
      if (values.size === 0) this.#byName.delete(name);
    }
  }

  postings(name: string, value: string): Postings {
    return this.#byName.get(name)?.get(value)?.view() ?? EMPTY_POSTINGS;
  }

  sortedLabelValues(name: string): readonly string[] {
    let s = this.#sortedValues.get(name);
    if (!s) {
      const values = this.#byName.get(name);
      s = values ? [...values.keys()].sort() : [];
      this.#sortedValues.set(name, s);
    }
    return s;
  }

  labelNames(): string[] {
    return [...this.#byName.keys()].sort();
  }

  allPostings(): Postings {
    return this.#all.view();
  }

  /** Label pairs by number of series, for cardinality stats. */
  *entries(): IterableIterator<[string, string, number]> {
    for (const [name, values] of this.#byName) for (const [value, ids] of values) yield [name, value, ids.length];
  }
}

class GrowableIds {
  #a = new Int32Array(2);
  length = 0;

  push(id: number): void {
    if (this.length === this.#a.length) {
      const b = new Int32Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    this.#a[this.length++] = id;
  }

  removeAll(ids: ReadonlySet<number>): void {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (!ids.has(this.#a[i])) this.#a[n++] = this.#a[i];
    this.length = n;
  }

  /** A copy: callers may hold it while more ids are pushed. */
  view(): Int32Array {
    return this.#a.slice(0, this.length);
  }
}
