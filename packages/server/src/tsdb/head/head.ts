/**
 * The head: the in-memory, appendable part of the TSDB. It holds the most
 * recent data (at most a couple of block ranges) in compressed chunks, with a
 * postings index for selection. Writes reach it only after they are in the
 * WAL (see ../appender.ts); it is rebuilt from the WAL on start.
 *
 * Committed samples are staged (`stage`: copied into flat columns) and
 * moved into their series' chunks in bulk (`flush`), grouped by series: a
 * sample appended alone touches its series, its open chunk and the chunk's
 * bytes, each most likely out of the CPU caches by then (everything a
 * request does between two samples of one series evicts them), while a
 * series' samples appended together share those misses. Every read of the
 * head flushes first, so a reader never sees the difference; the TSDB
 * flushes when enough is staged and shortly after a commit.
 */
import { Labels, compareLabels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import { ValueType, type SampleIterator, type Series } from '../../storage/interface.js';
import { ArraySampleIterator } from '../../storage/arrayiter.js';
import { MergeIterator } from '../../storage/merge.js';
import { sameBits } from '../../storage/memory.js';
import { ChunkSeqIterator } from '../chunkenc/chunkseq.js';
import { XorIterator } from '../chunkenc/xor.js';
import { MemPostings, postingsForMatchers } from '../index/postings.js';
import { ChunkEncoding, MemSeries, chunkIterator, decodeHeadChunk, type ClosedChunk } from './series.js';

export interface HeadOptions {
  /** Block range in ms; head chunks never cross a multiple of it. */
  blockRange: number;
  /** Out-of-order samples are accepted back to this far behind the newest sample. */
  oooWindow: number;
  now?: () => number;
}

/** What applying a batch did, for self-metrics. */
export interface ApplyResult {
  inOrder: number;
  outOfOrder: number;
  /** Dropped: same timestamp already present (different value raced in), or too old by then. */
  dropped: number;
  chunksCreated: number;
}

/** Samples staged before a flush is due (see `Head.stage`); the columns and their sorted copies take 20 bytes each, twice. */
export const STAGE_SAMPLES = 1 << 17;
/** A flush of fewer samples applies them in commit order (grouping would not pay). */
const SORT_MIN = 256;
/** Radix of the stable sort by ref: 16 bits per pass. */
const RADIX = 1 << 16;

export class Head {
  readonly opts: HeadOptions;
  /** Series by ref; refs are dense from 1, holes after garbage collection. */
  readonly series: (MemSeries | undefined)[] = [undefined];
  readonly postings = new MemPostings();
  #byHash = new Map<number, MemSeries | MemSeries[]>();
  #symbols = new Map<string, string>();
  numSeries = 0;
  /** Newest timestamp of any committed sample (or of the newest block). */
  maxT = -Infinity;
  /** Oldest timestamp still held (data older is in blocks). */
  minT = Infinity;
  /** Samples are refused below this time (data before it is in blocks; backfill it). */
  floor = -Infinity;
  chunksCreated = 0;
  chunksRemoved = 0;
  chunksRecoded = 0;
  /** Series with closed XOR chunks waiting to be re-encoded. */
  #toRecode: MemSeries[] = [];
  seriesCreated = 0;
  seriesRemoved = 0;
  /** What staged appends did once flushed, summed since the head was made (for self-metrics). */
  readonly applied: ApplyResult = { inOrder: 0, outOfOrder: 0, dropped: 0, chunksCreated: 0 };
  /** Staged samples: (ref, t, v) columns in commit order, then their copies sorted by ref. */
  #stRefs = new Int32Array(0);
  #stTs = new Float64Array(0);
  #stVs = new Float64Array(0);
  #soRefs = new Int32Array(0);
  #soTs = new Float64Array(0);
  #soVs = new Float64Array(0);
  #counts = new Int32Array(RADIX + 1);
  #staged = 0;
  /** Oldest staged timestamp (Infinity when nothing is staged): with `minT`, how far back the head reaches once flushed. */
  stagedMinT = Infinity;

  /**
   * Per series, indexed by its ref (its own, not a replay alias's): the
   * newest timestamp an appender took for it, committed or not, never
   * below its `maxT` (raised after a WAL replay, see `settleReplay`);
   * -Infinity for none. A sample newer than it needs no duplicate check;
   * one at or before it may meet a sample not flushed into the chunks yet
   * (see `stage`), so the appender flushes before checking it.
   *
   * This and `logged` are columns, not fields of `MemSeries`: the
   * appender's common case reads only these two, nine bytes per series
   * that stay in the CPU caches, instead of a series object per sample.
   */
  appendedMaxT = new Float64Array(1024).fill(-Infinity);
  /** Per series, by ref: 1 once its series record is in the WAL. */
  logged = new Uint8Array(1024);

  constructor(opts: HeadOptions) {
    this.opts = opts;
  }

  /** After a WAL replay (samples applied directly): each series' `appendedMaxT` is raised to its `maxT`. */
  settleReplay(): void {
    const a = this.appendedMaxT;
    for (let r = 1; r < this.series.length; r++) {
      const s = this.series[r];
      if (s !== undefined && s.ref === r && s.maxT > a[r]) a[r] = s.maxT;
    }
  }

  /** Makes the columns hold `ref`. */
  #columnsFor(ref: number): void {
    if (ref < this.logged.length) return;
    let cap = this.logged.length * 2;
    while (cap <= ref) cap *= 2;
    const a = new Float64Array(cap).fill(-Infinity);
    a.set(this.appendedMaxT);
    this.appendedMaxT = a;
    const l = new Uint8Array(cap);
    l.set(this.logged);
    this.logged = l;
  }

  /** Samples committed and not yet in their series' chunks. */
  get staged(): number {
    return this.#staged;
  }

  /**
   * Takes committed samples (already in the WAL) for a later `flush`, in
   * commit order. The head's newest time moves now (it bounds what the next
   * appends may be); the series' own state moves at the flush.
   */
  stage(refs: Int32Array, ts: Float64Array, vs: Float64Array, n: number): void {
    if (n > STAGE_SAMPLES) {
      // A commit bigger than the stage (a large scrape or import) is applied now, after what is staged: the stage's memory stays bounded.
      this.flush();
      this.apply(refs, ts, vs, n, this.applied);
      return;
    }
    const at = this.#staged;
    if (at + n > this.#stRefs.length) this.#growStage(at + n);
    this.#stRefs.set(refs.subarray(0, n), at);
    this.#stTs.set(ts.subarray(0, n), at);
    this.#stVs.set(vs.subarray(0, n), at);
    this.#staged = at + n;
    let maxT = this.maxT;
    let minT = this.stagedMinT;
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      if (t > maxT) maxT = t;
      if (t < minT) minT = t;
    }
    this.maxT = maxT;
    this.stagedMinT = minT;
  }

  #growStage(need: number): void {
    let cap = Math.max(1024, this.#stRefs.length * 2);
    while (cap < need) cap *= 2;
    const r = new Int32Array(cap);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    r.set(this.#stRefs.subarray(0, this.#staged));
    t.set(this.#stTs.subarray(0, this.#staged));
    v.set(this.#stVs.subarray(0, this.#staged));
    this.#stRefs = r;
    this.#stTs = t;
    this.#stVs = v;
    this.#soRefs = new Int32Array(cap);
    this.#soTs = new Float64Array(cap);
    this.#soVs = new Float64Array(cap);
  }

  /**
   * Moves the staged samples into their series, each series' samples
   * together and in the order they were committed; what they did is added
   * to `applied`.
   */
  flush(): void {
    const n = this.#staged;
    if (n === 0) return;
    this.#staged = 0;
    this.stagedMinT = Infinity;
    if (n < SORT_MIN) this.apply(this.#stRefs, this.#stTs, this.#stVs, n, this.applied);
    else if (this.#sortStaged(n)) this.apply(this.#soRefs, this.#soTs, this.#soVs, n, this.applied);
    else this.apply(this.#stRefs, this.#stTs, this.#stVs, n, this.applied);
  }

  /**
   * Sorts the `n` staged samples by ref, stably (LSD radix, 16 bits per
   * pass). Returns whether the result is in the `#so*` columns (one pass)
   * or back in the `#st*` ones (two).
   */
  #sortStaged(n: number): boolean {
    const refs = this.#stRefs;
    let maxRef = 0;
    for (let i = 0; i < n; i++) if (refs[i] > maxRef) maxRef = refs[i];
    radixPass(this.#counts, 0, n, this.#stRefs, this.#stTs, this.#stVs, this.#soRefs, this.#soTs, this.#soVs);
    if (maxRef < RADIX) return true;
    radixPass(this.#counts, 16, n, this.#soRefs, this.#soTs, this.#soVs, this.#stRefs, this.#stTs, this.#stVs);
    return false;
  }

  /** Oldest timestamp an append may have: `oooWindow` behind the newest sample. */
  minValidTime(): number {
    return this.maxT === -Infinity ? -Infinity : this.maxT - this.opts.oooWindow;
  }

  nextRef(): number {
    return this.series.length;
  }

  get(ref: number): MemSeries | undefined {
    return this.series[ref];
  }

  lookup(labels: Labels): MemSeries | undefined {
    const e = this.#byHash.get(labels.hash());
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return e.labels.equals(labels) ? e : undefined;
    for (const s of e) if (s.labels.equals(labels)) return s;
    return undefined;
  }

  /**
   * Finds or creates the series; `ref` forces the ref (WAL replay). A replayed
   * label set that already exists under another ref (the series was removed
   * and created again, and a crash came before the WAL checkpoint) becomes an
   * alias of it, so samples logged under either ref reach the same series.
   */
  getOrCreate(labels: Labels, ref?: number): MemSeries {
    const found = this.lookup(labels);
    if (found) {
      if (ref !== undefined && ref !== found.ref && this.series[ref] === undefined) {
        while (this.series.length <= ref) this.series.push(undefined);
        this.series[ref] = found;
      }
      return found;
    }
    return this.create(labels, ref);
  }

  /** Creates the series; the caller has seen `lookup(labels)` find nothing. */
  create(labels: Labels, ref?: number): MemSeries {
    const r = ref ?? this.series.length;
    const s = new MemSeries(r, this.#intern(labels));
    while (this.series.length < r) this.series.push(undefined);
    this.series[r] = s;
    this.#columnsFor(r);
    const h = labels.hash();
    const e = this.#byHash.get(h);
    if (e === undefined) this.#byHash.set(h, s);
    else if (Array.isArray(e)) e.push(s);
    else this.#byHash.set(h, [e, s]);
    this.postings.add(r, s.labels.pairs);
    this.numSeries++;
    this.seriesCreated++;
    return s;
  }

  /** Shares label strings between series: names and common values are stored once. */
  #intern(labels: Labels): Labels {
    const p = labels.pairs;
    const out = new Array<string>(p.length);
    for (let i = 0; i < p.length; i++) {
      const s = p[i];
      let k = this.#symbols.get(s);
      if (k === undefined) {
        k = s;
        this.#symbols.set(s, s);
      }
      out[i] = k;
    }
    return Labels.fromSortedPairs(out);
  }

  /**
   * Applies committed samples (already in the WAL) in the given order, now
   * (WAL replay; appends go through `stage`). Adds to `out`'s counts.
   */
  apply(refs: Int32Array, ts: Float64Array, vs: Float64Array, n: number, out: ApplyResult): void {
    const created = out.chunksCreated;
    const range = this.opts.blockRange;
    const now = this.opts.now ? this.opts.now() : Date.now();
    const series = this.series;
    let maxT = this.maxT;
    let minT = this.minT;
    for (let i = 0; i < n; i++) {
      const s = series[refs[i]];
      if (s === undefined) {
        out.dropped++;
        continue;
      }
      const t = ts[i];
      const v = vs[i];
      if (t > s.maxT) {
        if (s.appendInOrder(t, v, range)) {
          out.chunksCreated++;
          if (s.closed.length > 0 && s.closed[s.closed.length - 1].enc === ChunkEncoding.Xor) this.#toRecode.push(s);
        }
        out.inOrder++;
      } else if (t === s.maxT) {
        // A duplicate of the newest sample: nothing to store. A different value
        // here lost a race with another appender's commit; the first one stays.
        if (!sameBits(v, s.lastV)) out.dropped++;
        continue;
      } else if (inChunks(s, t) || !s.insertOOO(t, v)) {
        out.dropped++;
        continue;
      } else {
        out.outOfOrder++;
      }
      s.lastAppend = now;
      if (t > maxT) maxT = t;
      if (t < minT) minT = t;
    }
    this.maxT = maxT;
    this.minT = minT;
    this.chunksCreated += out.chunksCreated - created;
  }

  get recodePending(): number {
    return this.#toRecode.length;
  }

  /**
   * Re-encodes cut chunks compactly for up to `budgetMs`; returns whether
   * work is left. Run in slices so the event loop keeps serving.
   */
  recodeChunks(budgetMs: number): boolean {
    const until = performance.now() + budgetMs;
    const list = this.#toRecode;
    while (list.length > 0) {
      const s = list.pop()!;
      if (this.series[s.ref] === s) this.chunksRecoded += s.recode();
      if ((list.length & 63) === 0 && performance.now() >= until) break;
    }
    return list.length > 0;
  }

  /**
   * Series matching the matchers with data in [mint, maxt], sorted by
   * labels. With `newestOnly` (SelectHints.newestOnly), a series whose
   * newest sample lies in range and that has no out-of-order samples is
   * given with that sample alone: nothing is decoded.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number, newestOnly = false): Series[] {
    this.flush();
    const ids = postingsForMatchers(this.postings, matchers);
    const out: Series[] = [];
    for (let i = 0; i < ids.length; i++) {
      const s = this.series[ids[i]];
      if (s === undefined || !s.hasData() || s.minTime > maxt || s.maxTime < mint) continue;
      if (newestOnly && s.oooN === 0 && s.maxT <= maxt && s.maxT >= mint) out.push(new NewestSampleView(s.labels, s.maxT, s.lastV));
      else out.push(new HeadSeriesView(s, mint, maxt));
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }

  /** The series matching the matchers with data in range (unsorted). */
  matching(matchers: readonly Matcher[], mint: number, maxt: number): MemSeries[] {
    this.flush();
    const ids = postingsForMatchers(this.postings, matchers);
    const out: MemSeries[] = [];
    for (let i = 0; i < ids.length; i++) {
      const s = this.series[ids[i]];
      if (s !== undefined && s.hasData() && s.minTime <= maxt && s.maxTime >= mint) out.push(s);
    }
    return out;
  }

  /** Drops the samples of matching series in [mint, maxt] (chunks are rewritten). */
  deleteRange(matchers: readonly Matcher[], mint: number, maxt: number): number {
    let touched = 0;
    for (const s of this.matching(matchers, mint, maxt)) {
      deleteFromSeries(s, mint, maxt, this.opts.blockRange);
      touched++;
    }
    return touched;
  }

  /** Applies a deletion to one series by ref (WAL replay of a tombstone). */
  deleteRef(ref: number, mint: number, maxt: number): void {
    this.flush();
    const s = this.series[ref];
    if (s) deleteFromSeries(s, mint, maxt, this.opts.blockRange);
  }

  /**
   * Drops all data older than `t` (it is in a block now) and removes series
   * that have no data left and were not appended to since `idleBefore`.
   * Returns the refs removed.
   */
  truncate(t: number, idleBefore: number): Set<number> {
    this.flush();
    const removed = new Set<number>();
    let minT = Infinity;
    for (let r = 1; r < this.series.length; r++) {
      const s = this.series[r];
      if (s === undefined) continue;
      if (s.ref !== r) {
        // A replay alias (see getOrCreate): it goes when its series goes.
        if (this.series[s.ref] !== s) this.series[r] = undefined;
        continue;
      }
      const before = s.closed.length;
      s.truncateBefore(t);
      this.chunksRemoved += before - s.closed.length;
      if (!s.hasData() && s.lastAppend < idleBefore) {
        removed.add(r);
        this.#removeSeries(s);
      } else if (s.hasData()) {
        minT = Math.min(minT, s.minTime);
      }
    }
    this.postings.delete(removed);
    this.minT = minT;
    if (t > this.floor) this.floor = t;
    return removed;
  }

  #removeSeries(s: MemSeries): void {
    this.series[s.ref] = undefined;
    this.appendedMaxT[s.ref] = -Infinity;
    this.logged[s.ref] = 0;
    const h = s.labels.hash();
    const e = this.#byHash.get(h);
    if (Array.isArray(e)) {
      const rest = e.filter((x) => x !== s);
      if (rest.length === 1) this.#byHash.set(h, rest[0]);
      else this.#byHash.set(h, rest);
    } else {
      this.#byHash.delete(h);
    }
    this.numSeries--;
    this.seriesRemoved++;
  }

  /** Number of chunks held (closed + open). */
  numChunks(): number {
    this.flush();
    let n = 0;
    for (let r = 1; r < this.series.length; r++) {
      const s = this.series[r];
      if (s && s.ref === r) n += s.closed.length + (s.open && s.open.numSamples > 0 ? 1 : 0);
    }
    return n;
  }

  /** Samples in [mint, maxt) of one series, merged and sorted, into reusable buffers. */
  readRange(s: MemSeries, mint: number, maxt: number, buf: SampleBuffer): void {
    this.flush();
    buf.n = 0;
    const it = new HeadSeriesView(s, mint, maxt - 1).iterator();
    while (it.next() !== ValueType.None) buf.push(it.t, it.v);
  }
}

/** A growable pair of typed arrays. */
/** One counting-sort pass over bits [shift, shift + 16) of the refs, from the `a` columns into the `b` ones. */
function radixPass(
  counts: Int32Array,
  shift: number,
  n: number,
  aRefs: Int32Array,
  aTs: Float64Array,
  aVs: Float64Array,
  bRefs: Int32Array,
  bTs: Float64Array,
  bVs: Float64Array,
): void {
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[((aRefs[i] >>> shift) & (RADIX - 1)) + 1]++;
  for (let k = 1; k <= RADIX; k++) counts[k] += counts[k - 1];
  for (let i = 0; i < n; i++) {
    const d = counts[(aRefs[i] >>> shift) & (RADIX - 1)]++;
    bRefs[d] = aRefs[i];
    bTs[d] = aTs[i];
    bVs[d] = aVs[i];
  }
}

export class SampleBuffer {
  ts = new Float64Array(256);
  vs = new Float64Array(256);
  n = 0;

  push(t: number, v: number): void {
    if (this.n === this.ts.length) {
      const nt = new Float64Array(this.n * 2);
      const nv = new Float64Array(this.n * 2);
      nt.set(this.ts);
      nv.set(this.vs);
      this.ts = nt;
      this.vs = nv;
    }
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
  }
}

/**
 * The value already stored at timestamp t (older than the newest sample), or
 * undefined: used to refuse out-of-order duplicates with a different value.
 */
export function valueAt(s: MemSeries, t: number): number | undefined {
  if (t === s.maxT) return s.lastV;
  for (let i = 0; i < s.oooN; i++) if (s.oooT![i] === t) return s.oooV![i];
  for (const c of s.closed) {
    if (t < c.mint || t > c.maxt) continue;
    const it = chunkIterator(c);
    if (it.seek(t) !== ValueType.None && it.t === t) return it.v;
  }
  if (s.open && s.open.numSamples > 0 && t >= s.openMint) {
    const it = new XorIterator().reset(s.open.bytes());
    if (it.seek(t) !== ValueType.None && it.t === t) return it.v;
  }
  return undefined;
}

/** Whether an in-order chunk already holds timestamp t (out-of-order duplicate check). */
function inChunks(s: MemSeries, t: number): boolean {
  if (t > s.maxT || (s.closed.length === 0 && (s.open === null || t < s.openMint))) return false;
  for (const c of s.closed) {
    if (t < c.mint || t > c.maxt) continue;
    const it = chunkIterator(c);
    if (it.seek(t) !== ValueType.None && it.t === t) return true;
  }
  if (s.open && s.open.numSamples > 0 && t >= s.openMint) {
    const it = new XorIterator().reset(s.open.bytes());
    if (it.seek(t) !== ValueType.None && it.t === t) return true;
  }
  return false;
}

function deleteFromSeries(s: MemSeries, mint: number, maxt: number, blockRange: number): void {
  const keepT: number[] = [];
  const keepV: number[] = [];
  const it = new HeadSeriesView(s, -Infinity, Infinity).iterator();
  while (it.next() !== ValueType.None) {
    if (it.t < mint || it.t > maxt) {
      keepT.push(it.t);
      keepV.push(it.v);
    }
  }
  const lastAppend = s.lastAppend;
  s.closed = [];
  s.open = null;
  s.maxT = -Infinity;
  s.oooT = s.oooV = null;
  s.oooN = 0;
  for (let i = 0; i < keepT.length; i++) s.appendInOrder(keepT[i], keepV[i], blockRange);
  s.cutOpen();
  s.lastAppend = lastAppend;
}

/** A head series reduced to its newest sample (select with `newestOnly`). */
class NewestSampleView implements Series {
  readonly labels: Labels;
  readonly #t: number;
  readonly #v: number;

  constructor(labels: Labels, t: number, v: number) {
    this.labels = labels;
    this.#t = t;
    this.#v = v;
  }

  iterator(): SampleIterator {
    return new OneSampleIterator(this.#t, this.#v);
  }
}

class OneSampleIterator implements SampleIterator {
  t = 0;
  v = 0;
  readonly #t: number;
  readonly #v: number;
  /** 0 before the sample, 1 at it, 2 past it. */
  #state = 0;

  constructor(t: number, v: number) {
    this.#t = t;
    this.#v = v;
  }

  next(): ValueType {
    if (this.#state !== 0) {
      this.#state = 2;
      return ValueType.None;
    }
    this.#state = 1;
    this.t = this.#t;
    this.v = this.#v;
    return ValueType.Float;
  }

  seek(t: number): ValueType {
    if (this.#state === 1 && this.t >= t) return ValueType.Float;
    if (this.#state === 0 && this.#t >= t) return this.next();
    this.#state = 2;
    return ValueType.None;
  }

  err(): Error | undefined {
    return undefined;
  }
}

/**
 * A point-in-time view of a head series for a querier: it captures the chunk
 * list and sample counts when created, so later appends are not seen.
 */
class HeadSeriesView implements Series {
  readonly labels: Labels;
  #chunks: ClosedChunk[];
  #oooT: Float64Array | null;
  #oooV: Float64Array | null;
  #mint: number;
  #maxt: number;

  constructor(s: MemSeries, mint: number, maxt: number) {
    this.labels = s.labels;
    this.#mint = mint;
    this.#maxt = maxt;
    const chunks: ClosedChunk[] = [];
    for (const c of s.closed) if (c.maxt >= mint && c.mint <= maxt) chunks.push(c);
    if (s.open && s.open.numSamples > 0 && s.maxT >= mint && s.openMint <= maxt) {
      chunks.push({ mint: s.openMint, maxt: s.maxT, n: s.open.numSamples, enc: ChunkEncoding.Xor, bytes: s.open.bytes() });
    }
    this.#chunks = chunks;
    if (s.oooN > 0) {
      this.#oooT = s.oooT!.slice(0, s.oooN);
      this.#oooV = s.oooV!.slice(0, s.oooN);
    } else {
      this.#oooT = this.#oooV = null;
    }
  }

  iterator(): SampleIterator {
    const inOrder = new ChunkSeqIterator(this.#chunks, decodeHeadChunk, this.#mint, this.#maxt);
    if (this.#oooT === null) return inOrder;
    return new MergeIterator(inOrder, new ArraySampleIterator(this.#oooT, this.#oooV!, this.#oooT.length, this.#mint, this.#maxt));
  }
}
