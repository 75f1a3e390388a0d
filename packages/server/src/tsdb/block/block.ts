/**
 * An immutable on-disk block: `<ulid>/meta.json`, `index`, `chunks/NNNNNN`
 * and an optional `tombstones` file, covering [minTime, maxTime).
 * Blocks are written to `<ulid>.tmp` and renamed into place, so a crash
 * never leaves a half-written block where the DB would open it.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { SampleIterator, Series } from '../../storage/interface.js';
import { ChainIterator, DeletedFilterIterator } from '../../storage/merge.js';
import { decodeBlockChunk, encodeBlockChunk } from '../chunkenc/block.js';
import { ChunkSeqIterator } from '../chunkenc/chunkseq.js';
import type { SampleBuffers } from '../chunkenc/samples.js';
import { postingsForMatchers } from '../index/postings.js';
import { ChunkReader, ChunkWriter } from './chunks.js';
import { IndexReader, IndexWriter, type ChunkMeta } from './index.js';
import { ulid } from './ulid.js';

export interface BlockMeta {
  ulid: string;
  /** Inclusive. */
  minTime: number;
  /** Exclusive, as in Prometheus. */
  maxTime: number;
  stats: { numSeries: number; numSamples: number; numChunks: number };
  /** `sources`: the head-cut blocks this one descends from; `parents`: the blocks merged into it (deleted after). */
  compaction: { level: number; sources: string[]; parents?: string[] };
  version: 1;
}

/** Upper bound of samples per block chunk: bounds the work of decoding for a short query. */
export const MAX_SAMPLES_PER_BLOCK_CHUNK = 4096;

export type Interval = readonly [number, number];

/** One series' samples to write, in timestamp order (no duplicates). */
export interface SeriesSamples {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeFileDurable(path: string, data: Uint8Array | string): void {
  writeFileSync(path, data);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a block from series given in label order. Series with no samples are
 * skipped. Returns undefined when nothing was written (no samples at all).
 */
export function writeBlock(
  parent: string,
  range: { minTime: number; maxTime: number },
  series: Iterable<SeriesSamples>,
  compaction: { level: number; sources?: string[]; parents?: BlockMeta[] },
): BlockMeta | undefined {
  const id = ulid();
  const tmp = join(parent, `${id}.tmp`);
  mkdirSync(join(tmp, 'chunks'), { recursive: true });
  try {
    const cw = new ChunkWriter(join(tmp, 'chunks'));
    const iw = new IndexWriter();
    let numSamples = 0;
    let numChunks = 0;
    let mint = Infinity;
    let maxt = -Infinity;
    for (const s of series) {
      if (s.n === 0) continue;
      const metas: ChunkMeta[] = [];
      for (let from = 0; from < s.n; from += MAX_SAMPLES_PER_BLOCK_CHUNK) {
        const to = Math.min(s.n, from + MAX_SAMPLES_PER_BLOCK_CHUNK);
        const ts = s.ts.subarray(from, to);
        const vs = s.vs.subarray(from, to);
        const bytes = encodeBlockChunk(ts, vs, to - from);
        metas.push({ mint: ts[0], maxt: ts[to - from - 1], n: to - from, ref: cw.write(bytes) });
        numChunks++;
      }
      numSamples += s.n;
      if (s.ts[0] < mint) mint = s.ts[0];
      if (s.ts[s.n - 1] > maxt) maxt = s.ts[s.n - 1];
      iw.add(s.labels, metas);
    }
    cw.close();
    if (iw.numSeries === 0) {
      rmSync(tmp, { recursive: true, force: true });
      return undefined;
    }
    writeFileDurable(join(tmp, 'index'), iw.encode());
    const sources = compaction.parents ? compaction.parents.flatMap((p) => p.compaction.sources) : (compaction.sources ?? [id]);
    const meta: BlockMeta = {
      ulid: id,
      minTime: range.minTime,
      maxTime: range.maxTime,
      stats: { numSeries: iw.numSeries, numSamples, numChunks },
      compaction: {
        level: compaction.level,
        sources: [...new Set(sources)].sort(),
        ...(compaction.parents ? { parents: compaction.parents.map((p) => p.ulid) } : {}),
      },
      version: 1,
    };
    writeFileDurable(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
    fsyncDir(join(tmp, 'chunks'));
    fsyncDir(tmp);
    renameSync(tmp, join(parent, id));
    fsyncDir(parent);
    return meta;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** An opened block. Readers keep it open until they are done (reference counted by the DB). */
export class Block {
  readonly dir: string;
  readonly meta: BlockMeta;
  readonly index: IndexReader;
  #chunks: ChunkReader;
  /** Series id → deleted intervals. */
  tombstones: Map<number, Interval[]>;
  #size: { chunks: number; index: number; total: number } | undefined;

  private constructor(dir: string, meta: BlockMeta, index: IndexReader, tombstones: Map<number, Interval[]>) {
    this.dir = dir;
    this.meta = meta;
    this.index = index;
    this.#chunks = new ChunkReader(join(dir, 'chunks'));
    this.tombstones = tombstones;
  }

  static open(dir: string): Block {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as BlockMeta;
    if (meta.version !== 1) throw new Error(`cannot open block ${dir}: unsupported meta version ${meta.version}`);
    const index = new IndexReader(readFileSync(join(dir, 'index')), join(dir, 'index'));
    const tombstones = new Map<number, Interval[]>();
    const tf = join(dir, 'tombstones');
    if (existsSync(tf)) {
      const list = JSON.parse(readFileSync(tf, 'utf8')) as { id: number; intervals: Interval[] }[];
      for (const t of list) tombstones.set(t.id, t.intervals);
    }
    return new Block(dir, meta, index, tombstones);
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  get maxTime(): number {
    return this.meta.maxTime;
  }

  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime > mint;
  }

  /** Series matching the matchers with samples in [mint, maxt], in label order. */
  select(matchers: readonly Matcher[], mint: number, maxt: number, seriesOnly = false): Series[] {
    const ids = postingsForMatchers(this.index, matchers);
    const out: Series[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const { labels, chunks } = this.index.series(id);
      const inRange = chunks.filter((c) => c.maxt >= mint && c.mint <= maxt);
      if (inRange.length === 0) continue;
      const deleted = this.tombstones.get(id);
      if (deleted && inRange.every((c) => deleted.some(([a, b]) => a <= c.mint && b >= c.maxt))) continue;
      if (seriesOnly) {
        out.push({ labels, iterator: () => new ChainIterator([]) });
        continue;
      }
      out.push({ labels, iterator: () => this.#iterator(inRange, mint, maxt, deleted) });
    }
    return out;
  }

  /** All samples of series `id`, deletions applied. */
  seriesIterator(id: number): SampleIterator {
    const { chunks } = this.index.series(id);
    return this.#iterator(chunks, -Infinity, Infinity, this.tombstones.get(id));
  }

  readonly #decodeChunk = (c: ChunkMeta, buf: SampleBuffers): number => decodeBlockChunk(this.#chunks.read(c.ref), buf);

  #iterator(chunks: ChunkMeta[], mint: number, maxt: number, deleted: Interval[] | undefined): SampleIterator {
    const it: SampleIterator = new ChunkSeqIterator(chunks, this.#decodeChunk, mint, maxt);
    return deleted ? new DeletedFilterIterator(it, deleted) : it;
  }

  /** Adds deletion intervals for matching series (applied for real at the next compaction). */
  delete(matchers: readonly Matcher[], mint: number, maxt: number): number {
    const ids = postingsForMatchers(this.index, matchers);
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const list = this.tombstones.get(ids[i]) ?? [];
      list.push([mint, maxt]);
      this.tombstones.set(ids[i], list);
      n++;
    }
    if (n > 0) {
      // JSON has no infinities: intervals are clamped to the block's own bounds.
      const tmp = join(this.dir, 'tombstones.tmp');
      const list = [...this.tombstones].map(([id, intervals]) => ({
        id,
        intervals: intervals.map(([a, b]) => [Math.max(a, this.minTime), Math.min(b, this.maxTime)]),
      }));
      writeFileDurable(tmp, JSON.stringify(list));
      renameSync(tmp, join(this.dir, 'tombstones'));
      fsyncDir(this.dir);
    }
    return n;
  }

  sizes(): { chunks: number; index: number; total: number } {
    if (!this.#size) {
      let chunks = 0;
      for (const f of readdirSync(join(this.dir, 'chunks'))) chunks += statSync(join(this.dir, 'chunks', f)).size;
      const index = statSync(join(this.dir, 'index')).size;
      let total = chunks + index + statSync(join(this.dir, 'meta.json')).size;
      if (existsSync(join(this.dir, 'tombstones'))) total += statSync(join(this.dir, 'tombstones')).size;
      this.#size = { chunks, index, total };
    }
    return this.#size;
  }

  close(): void {
    this.#chunks.close();
  }
}
