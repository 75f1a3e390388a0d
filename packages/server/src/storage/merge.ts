/**
 * Merging of series and samples from several sources (head and blocks,
 * overlapping blocks): the read side of the fanout. Samples with equal
 * timestamps are deduplicated, the first source winning.
 */
import { compareLabels } from '../model/labels.js';
import { ValueType, type SampleIterator, type Series } from './interface.js';

/** Iterates the union of two iterators in timestamp order; on equal timestamps `a` wins. */
export class MergeIterator implements SampleIterator {
  t = 0;
  v = 0;
  #a: SampleIterator;
  #b: SampleIterator;
  #aOk: boolean;
  #bOk: boolean;
  #started = false;

  constructor(a: SampleIterator, b: SampleIterator) {
    this.#a = a;
    this.#b = b;
    this.#aOk = true;
    this.#bOk = true;
  }

  #pick(): ValueType {
    const aOk = this.#aOk, bOk = this.#bOk;
    if (!aOk && !bOk) return ValueType.None;
    if (aOk && (!bOk || this.#a.t <= this.#b.t)) {
      this.t = this.#a.t;
      this.v = this.#a.v;
    } else {
      this.t = this.#b.t;
      this.v = this.#b.v;
    }
    return ValueType.Float;
  }

  next(): ValueType {
    if (!this.#started) {
      this.#started = true;
      this.#aOk = this.#a.next() !== ValueType.None;
      this.#bOk = this.#b.next() !== ValueType.None;
      return this.#pick();
    }
    const t = this.t;
    if (this.#aOk && this.#a.t === t) this.#aOk = this.#a.next() !== ValueType.None;
    if (this.#bOk && this.#b.t === t) this.#bOk = this.#b.next() !== ValueType.None;
    return this.#pick();
  }

  seek(t: number): ValueType {
    if (this.#started && (this.#aOk || this.#bOk) && this.t >= t) return ValueType.Float;
    this.#started = true;
    this.#aOk = this.#aOk && this.#a.seek(t) !== ValueType.None;
    this.#bOk = this.#bOk && this.#b.seek(t) !== ValueType.None;
    return this.#pick();
  }

  err(): Error | undefined {
    return this.#a.err() ?? this.#b.err();
  }
}

/** Iterates iterators whose time ranges do not overlap, in the given order. */
export class ChainIterator implements SampleIterator {
  t = 0;
  v = 0;
  #its: SampleIterator[];
  #i = 0;

  constructor(its: SampleIterator[]) {
    this.#its = its;
  }

  next(): ValueType {
    while (this.#i < this.#its.length) {
      const it = this.#its[this.#i];
      if (it.next() !== ValueType.None) {
        this.t = it.t;
        this.v = it.v;
        return ValueType.Float;
      }
      if (it.err()) return ValueType.None;
      this.#i++;
    }
    return ValueType.None;
  }

  seek(t: number): ValueType {
    while (this.#i < this.#its.length) {
      const it = this.#its[this.#i];
      if (it.seek(t) !== ValueType.None) {
        this.t = it.t;
        this.v = it.v;
        return ValueType.Float;
      }
      if (it.err()) return ValueType.None;
      this.#i++;
    }
    return ValueType.None;
  }

  err(): Error | undefined {
    return this.#i < this.#its.length ? this.#its[this.#i].err() : undefined;
  }
}

/** Merges iterators that may overlap (a balanced tree of 2-way merges; earlier ones win ties). */
export function mergeIterators(its: SampleIterator[]): SampleIterator {
  if (its.length === 1) return its[0];
  if (its.length === 0) return new ChainIterator([]);
  const mid = its.length >> 1;
  return new MergeIterator(mergeIterators(its.slice(0, mid)), mergeIterators(its.slice(mid)));
}

/**
 * Merges label-sorted series lists into one sorted list; series with equal
 * labels become one series whose samples are merged. Earlier lists win ties
 * on equal timestamps.
 */
export function mergeSeriesLists(lists: Series[][]): Series[] {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return [];
  if (nonEmpty.length === 1) return nonEmpty[0];
  const out: Series[] = [];
  const pos = new Array<number>(nonEmpty.length).fill(0);
  for (;;) {
    let min: Series | undefined;
    for (let k = 0; k < nonEmpty.length; k++) {
      const s = nonEmpty[k][pos[k]];
      if (s && (!min || compareLabels(s.labels, min.labels) < 0)) min = s;
    }
    if (!min) break;
    const same: Series[] = [];
    for (let k = 0; k < nonEmpty.length; k++) {
      const s = nonEmpty[k][pos[k]];
      if (s && s.labels.equals(min.labels)) {
        same.push(s);
        pos[k]++;
      }
    }
    out.push(same.length === 1 ? same[0] : { labels: min.labels, iterator: () => mergeIterators(same.map((s) => s.iterator())) });
  }
  return out;
}

/**
 * Restricts an iterator to [mint, maxt]. The inner iterator is made on first
 * use, so a chunk that is never read is never loaded or decoded.
 */
export class BoundedIterator implements SampleIterator {
  t = 0;
  v = 0;
  #make: () => SampleIterator;
  #it: SampleIterator | undefined;
  #mint: number;
  #maxt: number;
  #done = false;

  constructor(make: () => SampleIterator, mint: number, maxt: number) {
    this.#make = make;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  #take(vt: ValueType): ValueType {
    const it = this.#it!;
    if (vt === ValueType.None || it.t > this.#maxt) {
      this.#done = true;
      return ValueType.None;
    }
    this.t = it.t;
    this.v = it.v;
    return ValueType.Float;
  }

  next(): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#it === undefined) {
      this.#it = this.#make();
      return this.#take(this.#it.seek(this.#mint));
    }
    return this.#take(this.#it.next());
  }

  seek(t: number): ValueType {
    if (this.#done) return ValueType.None;
    if (this.#it === undefined) this.#it = this.#make();
    return this.#take(this.#it.seek(t > this.#mint ? t : this.#mint));
  }

  err(): Error | undefined {
    return this.#it?.err();
  }
}

/** Skips samples inside deleted intervals (sorted, inclusive `[mint, maxt]` pairs). */
export class DeletedFilterIterator implements SampleIterator {
  t = 0;
  v = 0;
  #it: SampleIterator;
  #iv: readonly (readonly [number, number])[];

  constructor(it: SampleIterator, intervals: readonly (readonly [number, number])[]) {
    this.#it = it;
    this.#iv = intervals;
  }

  #skip(vt: ValueType): ValueType {
    const it = this.#it;
    while (vt !== ValueType.None) {
      const iv = this.#deletedAt(it.t);
      if (iv === undefined) {
        this.t = it.t;
        this.v = it.v;
        return vt;
      }
      vt = it.seek(iv[1] + 1);
    }
    return ValueType.None;
  }

  #deletedAt(t: number): readonly [number, number] | undefined {
    for (const iv of this.#iv) if (t >= iv[0] && t <= iv[1]) return iv;
    return undefined;
  }

  next(): ValueType {
    return this.#skip(this.#it.next());
  }

  seek(t: number): ValueType {
    return this.#skip(this.#it.seek(t));
  }

  err(): Error | undefined {
    return this.#it.err();
  }
}
