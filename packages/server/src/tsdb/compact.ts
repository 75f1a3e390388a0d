/**
 * Compaction: cutting the head into blocks, flushing out-of-order data into
 * blocks, and merging blocks (vertically when they overlap, by level when
 * several fill an aligned larger range). Pure planning functions plus the
 * merge of block contents; the DB decides when to run them.
 */
import { compareLabels, type Labels } from '../model/labels.js';
import { ValueType } from '../storage/interface.js';
import { Block, writeBlock, type BlockMeta, type SeriesSamples } from './block/block.js';
import { SampleBuffer, type Head } from './head/head.js';

/** Block ranges by level: 2h, 6h, 18h, 54h (each three of the previous), as Prometheus's defaults. */
export function levelRanges(blockRange: number, maxRange: number): number[] {
  const out = [blockRange];
  while (out[out.length - 1] * 3 <= maxRange) out.push(out[out.length - 1] * 3);
  return out;
}

/**
 * The next head range to persist, or undefined. The head keeps 1.5 block
 * ranges of data; older in-order data is cut in aligned ranges, as large as
 * the level ranges allow when the head holds much old data (after a backfill).
 */
export function nextHeadRange(head: Head, ranges: number[]): [number, number] | undefined {
  const R = ranges[0];
  if (head.minT === Infinity || head.maxT - head.minT <= (R * 3) / 2) return undefined;
  const limit = head.maxT - R / 2;
  for (let i = ranges.length - 1; i >= 0; i--) {
    const L = ranges[i];
    const a = Math.floor(head.minT / L) * L;
    if (a + L <= limit) return [a, a + L];
  }
  const a = Math.floor(head.minT / R) * R;
  return a + R <= limit ? [a, a + R] : undefined;
}

/** The head's series with samples in [mint, maxt), read in label order. */
export function* headSeries(head: Head, mint: number, maxt: number): Generator<SeriesSamples> {
  const list = head.matching([], mint, maxt - 1).sort((a, b) => compareLabels(a.labels, b.labels));
  const buf = new SampleBuffer();
  for (const s of list) {
    head.readRange(s, mint, maxt, buf);
    if (buf.n > 0) yield { labels: s.labels, ts: buf.ts, vs: buf.vs, n: buf.n };
  }
}

/** Aligned ranges below `floor` that hold out-of-order head samples. */
export function oooRangesBelow(head: Head, floor: number, R: number): [number, number][] {
  const starts = new Set<number>();
  for (let r = 1; r < head.series.length; r++) {
    const s = head.series[r];
    if (!s || s.ref !== r || s.oooN === 0) continue;
    for (let i = 0; i < s.oooN && s.oooT![i] < floor; i++) starts.add(Math.floor(s.oooT![i] / R) * R);
  }
  return [...starts].sort((a, b) => a - b).map((a) => [a, Math.min(a + R, floor)]);
}

/**
 * Groups of blocks to merge, oldest first: blocks that overlap in time, then
 * blocks that together lie within one aligned range of the next level and
 * end before `stableBefore` (so no new data is expected in the range).
 */
export function planBlockCompaction(blocks: BlockMeta[], ranges: number[], stableBefore: number): BlockMeta[][] {
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  // Overlapping blocks first: they slow every query that touches them.
  const groups: BlockMeta[][] = [];
  let cur: BlockMeta[] = [];
  let curMax = -Infinity;
  for (const b of sorted) {
    if (cur.length && b.minTime < curMax) {
      cur.push(b);
      curMax = Math.max(curMax, b.maxTime);
    } else {
      if (cur.length > 1) groups.push(cur);
      cur = [b];
      curMax = b.maxTime;
    }
  }
  if (cur.length > 1) groups.push(cur);
  if (groups.length) return groups;
  for (let i = 1; i < ranges.length; i++) {
    const L = ranges[i];
    const windows = new Map<number, BlockMeta[]>();
    for (const b of sorted) {
      const w = Math.floor(b.minTime / L) * L;
      if (b.maxTime > w + L || b.maxTime - b.minTime >= L) continue;
      const list = windows.get(w) ?? [];
      list.push(b);
      windows.set(w, list);
    }
    for (const [w, list] of [...windows].sort((a, b) => a[0] - b[0])) {
      if (list.length > 1 && w + L <= stableBefore) groups.push(list);
    }
    if (groups.length) return groups;
  }
  return [];
}

/** Merges the series of several blocks (label order, samples deduplicated, deletions applied). */
export function* mergeBlockSeries(blocks: Block[]): Generator<SeriesSamples> {
  const cursors = blocks.map((b) => ({ b, id: 0, labels: b.index.numSeries > 0 ? b.index.labels(0) : undefined }));
  const buf = new SampleBuffer();
  for (;;) {
    let min: Labels | undefined;
    for (const c of cursors) if (c.labels && (!min || compareLabels(c.labels, min) < 0)) min = c.labels;
    if (!min) return;
    const parts: { t: Float64Array; v: Float64Array; n: number }[] = [];
    for (const c of cursors) {
      if (!c.labels || !c.labels.equals(min)) continue;
      const part = new SampleBuffer();
      const it = c.b.seriesIterator(c.id);
      while (it.next() !== ValueType.None) part.push(it.t, it.v);
      parts.push({ t: part.ts, v: part.vs, n: part.n });
      c.id++;
      c.labels = c.id < c.b.index.numSeries ? c.b.index.labels(c.id) : undefined;
    }
    mergeSorted(parts, buf);
    if (buf.n > 0) yield { labels: min, ts: buf.ts, vs: buf.vs, n: buf.n };
  }
}

/** k-way merge of sorted sample arrays into `out`, first part winning equal timestamps. */
function mergeSorted(parts: { t: Float64Array; v: Float64Array; n: number }[], out: SampleBuffer): void {
  out.n = 0;
  const pos = new Array<number>(parts.length).fill(0);
  for (;;) {
    let best = -1;
    let bt = Infinity;
    for (let k = 0; k < parts.length; k++) {
      if (pos[k] < parts[k].n && parts[k].t[pos[k]] < bt) {
        bt = parts[k].t[pos[k]];
        best = k;
      }
    }
    if (best < 0) return;
    out.push(bt, parts[best].v[pos[best]]);
    for (let k = 0; k < parts.length; k++) if (pos[k] < parts[k].n && parts[k].t[pos[k]] === bt) pos[k]++;
  }
}

/** Writes the merge of `blocks` as one new block one level above the highest. */
export function compactBlocks(dir: string, blocks: Block[]): BlockMeta | undefined {
  const minTime = Math.min(...blocks.map((b) => b.minTime));
  const maxTime = Math.max(...blocks.map((b) => b.maxTime));
  const level = Math.max(...blocks.map((b) => b.meta.compaction.level)) + 1;
  return writeBlock(dir, { minTime, maxTime }, mergeBlockSeries(blocks), { level, parents: blocks.map((b) => b.meta) });
}
