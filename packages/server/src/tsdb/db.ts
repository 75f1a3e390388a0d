/**
 * The embedded time-series database: the default backend behind the storage
 * seam. A head in memory (rebuilt from the WAL on start), immutable blocks on
 * disk, and a background loop that cuts the head into blocks, compacts
 * blocks and applies retention. Layout of the data directory:
 *
 *   lock            the PID of the server that has it open
 *   wal/            write-ahead log segments and checkpoints
 *   <ulid>/         blocks (meta.json, index, chunks/, tombstones)
 *   snapshots/      snapshots made through the admin API
 */
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import type { Registry } from '../metrics/registry.js';
import type { Logger } from '../server/logger.js';
import { StorageError } from '../storage/errors.js';
import type { Appender, AppenderOptions, Querier, SelectHints, Series, Storage } from '../storage/interface.js';
import { mergeSeriesLists } from '../storage/merge.js';
import { TSDBAppender, type AppendTarget, type BatchBuffers } from './appender.js';
import { Block, writeBlock, type BlockMeta } from './block/block.js';
import { isULID } from './block/ulid.js';
import { compactBlocks, headSeries, levelRanges, nextHeadRange, oooRangesBelow, planBlockCompaction } from './compact.js';
import { Head, STAGE_SAMPLES } from './head/head.js';
import type { MemSeries } from './head/series.js';
import { DirLock } from './lock.js';
import { TSDBWal } from './dbwal.js';
import type { Vfs } from './vfs.js';
import { WAL_METRICS, type WalStats } from './wal/index.js';

export interface TSDBOptions {
  dir: string;
  /** Blocks older than this (relative to the newest data) are deleted; 0 = keep forever. */
  retentionMs?: number;
  /** Oldest blocks are deleted while blocks + WAL exceed this many bytes; 0 = no limit. */
  retentionBytes?: number;
  /** How far behind the newest sample out-of-order samples are accepted (default 1h). */
  oooWindowMs?: number;
  /** 'commit': fsync before each commit resolves; a number: fsync every that many ms (default 1000). */
  walFsync?: 'commit' | number;
  /** Samples more than this far ahead of the clock are refused (default 24 h). */
  maxFutureMs?: number;
  /** Block range in ms (default 2h). */
  blockRangeMs?: number;
  /** Run compaction and retention in the background every this many ms (default 60 s); 0 = only when asked. */
  compactionIntervalMs?: number;
  logger?: Logger;
  registry?: Registry;
  /** File layer for the WAL (fault injection in tests). */
  vfs?: Vfs;
  now?: () => number;
}

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface DiskUsage {
  chunksBytes: number;
  indexBytes: number;
  walBytes: number;
  totalBytes: number;
}

export interface HeadStats {
  numSeries: number;
  numChunks: number;
  minTime: number;
  maxTime: number;
  numBlocks: number;
}

/** Committed samples wait at most this long in the head's staging (see Head.stage) when no read or full stage flushes them. */
const STAGE_FLUSH_MS = 250;

export class TSDB implements Storage, AppendTarget {
  readonly dir: string;
  readonly head: Head;
  closed = false;
  readonly bufferPool: BatchBuffers[] = [];
  readonly maxFutureMs: number;
  #clock: () => number;
  #opts: Required<Pick<TSDBOptions, 'retentionMs' | 'retentionBytes' | 'blockRangeMs' | 'compactionIntervalMs'>>;
  #log: Logger;
  #lock: DirLock;
  #wal: TSDBWal;
  #blocks: Block[] = [];
  /** Blocks replaced by compaction or retention, deleted once no querier uses them. */
  #retired = new Map<Block, number>();
  #readers = new Map<Block, number>();
  #ranges: number[];
  #timer: NodeJS.Timeout | undefined;
  #recodeTimer: NodeJS.Timeout | undefined;
  #recoding = false;
  #compacting: Promise<void> | undefined;
  #m: ReturnType<typeof declareMetrics>;
  /** The head's dropped samples already counted in the metrics. */
  #droppedSeen = 0;
  #flushTimer: NodeJS.Timeout | undefined;

  private constructor(opts: TSDBOptions, lock: DirLock, wal: TSDBWal, head: Head, log: Logger) {
    this.dir = opts.dir;
    this.#lock = lock;
    this.#wal = wal;
    this.head = head;
    this.#log = log;
    this.maxFutureMs = opts.maxFutureMs ?? 24 * 3600_000;
    this.#clock = opts.now ?? Date.now;
    const blockRangeMs = opts.blockRangeMs ?? 2 * 3600_000;
    this.#opts = {
      retentionMs: opts.retentionMs ?? 15 * 24 * 3600_000,
      retentionBytes: opts.retentionBytes ?? 0,
      blockRangeMs,
      compactionIntervalMs: opts.compactionIntervalMs ?? 60_000,
    };
    const maxRange = this.#opts.retentionMs > 0 ? Math.max(blockRangeMs, this.#opts.retentionMs / 10) : 31 * 24 * 3600_000;
    this.#ranges = levelRanges(blockRangeMs, Math.min(maxRange, 31 * 24 * 3600_000));
    this.#m = declareMetrics(opts.registry, this);
  }

  /** Opens (or creates) the database in `opts.dir`, taking its lock and replaying the WAL. */
  static async open(opts: TSDBOptions): Promise<TSDB> {
    const log = opts.logger ?? noopLogger;
    mkdirSync(opts.dir, { recursive: true });
    const lock = DirLock.acquire(opts.dir, (m, f) => log.warn(m, f));
    try {
      const head = new Head({
        blockRange: opts.blockRangeMs ?? 2 * 3600_000,
        oooWindow: opts.oooWindowMs ?? 3600_000,
        now: opts.now,
      });
      const blocks = openBlocks(opts.dir, log);
      // The head's data starts where the newest block ends.
      for (const b of blocks) head.floor = Math.max(head.floor, b.maxTime);
      const started = Date.now();
      const wal = await TSDBWal.open({ dir: join(opts.dir, 'wal'), fsync: opts.walFsync ?? 1000, logger: log, vfs: opts.vfs });
      const replayed = await wal.replay(head);
      head.settleReplay();
      // The newest block bounds what is "recent" when the head is empty.
      for (const b of blocks) if (b.maxTime - 1 > head.maxT && head.numSeries === 0) head.maxT = Math.max(head.maxT, b.maxTime - 1);
      log.info('WAL replay completed', { series: head.numSeries, samples: replayed, duration: `${Date.now() - started}ms` });
      const db = new TSDB(opts, lock, wal, head, log);
      db.#blocks = blocks;
      if (db.#opts.compactionIntervalMs > 0) {
        db.#timer = setInterval(() => void db.#background(), db.#opts.compactionIntervalMs);
        db.#timer.unref();
      }
      db.#recodeTimer = setInterval(() => db.#recodeSlice(), 1000);
      db.#recodeTimer.unref();
      return db;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  appender(opts?: AppenderOptions): Appender {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
    return new TSDBAppender(this, opts?.allowBackfill ?? false);
  }

  /** @internal AppendTarget */
  async commitBatch(newSeries: MemSeries[], refs: Int32Array, ts: Float64Array, vs: Float64Array, n: number): Promise<void> {
    const logged = this.head.logged;
    const toLog = newSeries.filter((s) => logged[s.ref] === 0);
    for (const s of toLog) logged[s.ref] = 1;
    try {
      await this.#wal.logBatch(toLog, refs, ts, vs, n);
    } catch (e) {
      // (The columns may have grown meanwhile: the head's current ones.)
      for (const s of toLog) this.head.logged[s.ref] = 0;
      this.#m.walFailures.inc();
      throw new StorageError('wal_write_failed', `cannot commit: the write-ahead log write failed: ${(e as Error).message}`);
    }
    // Into the head in bulk (see Head.stage): when enough is staged, or soon after.
    this.head.stage(refs, ts, vs, n);
    if (this.head.staged >= STAGE_SAMPLES) this.flushHead();
    else if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        this.flushHead();
      }, STAGE_FLUSH_MS);
      this.#flushTimer.unref();
    }
    this.#syncSeriesCounters();
    // A head spanning more than 1.5 block ranges (staged samples count) is cut now, not at the next interval.
    if (this.head.maxT - Math.min(this.head.minT, this.head.stagedMinT) > this.#opts.blockRangeMs * 1.5 && this.#opts.compactionIntervalMs > 0) {
      queueMicrotask(() => void this.#background());
    }
  }

  /**
   * Moves the head's staged samples into their series (every read of the
   * head does it too) and counts the samples it dropped.
   */
  flushHead(): void {
    this.head.flush();
    const dropped = this.head.applied.dropped;
    if (dropped !== this.#droppedSeen) this.#m.rejected.labels('dropped_at_commit').inc(dropped - this.#droppedSeen);
    this.#droppedSeen = dropped;
  }

  #seenCreated = 0;
  #seenRemoved = 0;

  #syncSeriesCounters(): void {
    const h = this.head;
    if (h.seriesCreated !== this.#seenCreated) this.#m.seriesCreated.inc(h.seriesCreated - this.#seenCreated);
    if (h.seriesRemoved !== this.#seenRemoved) this.#m.seriesRemoved.inc(h.seriesRemoved - this.#seenRemoved);
    this.#seenCreated = h.seriesCreated;
    this.#seenRemoved = h.seriesRemoved;
  }

  /** @internal AppendTarget */
  maxFutureTime(): number {
    return this.#clock() + this.maxFutureMs;
  }

  /** @internal AppendTarget */
  onRejected(code: StorageError['code']): void {
    this.#m.rejected.labels(code).inc();
  }

  querier(mint: number, maxt: number): Querier {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
    this.flushHead();
    return new DBQuerier(this, mint, maxt);
  }

  /**
   * @internal The blocks overlapping a range, pinned for the caller until
   * `releaseBlocks`. Taken together with a head selection in the same turn of
   * the event loop, they hold every sample exactly once or twice (a head cut
   * adds the block and truncates the head without yielding; merging dedupes).
   */
  pinBlocks(mint: number, maxt: number): Block[] {
    const blocks = this.#blocks.filter((b) => b.overlaps(mint, maxt));
    for (const b of blocks) this.#readers.set(b, (this.#readers.get(b) ?? 0) + 1);
    return blocks;
  }

  /** @internal */
  releaseBlocks(blocks: Iterable<Block>): void {
    for (const b of blocks) {
      const n = (this.#readers.get(b) ?? 1) - 1;
      if (n > 0) this.#readers.set(b, n);
      else {
        this.#readers.delete(b);
        if (this.#retired.has(b)) this.#deleteBlock(b);
      }
    }
  }

  async deleteSeries(matchers: readonly Matcher[], mint: number, maxt: number): Promise<void> {
    if (this.closed) throw new StorageError('closed', 'storage is closed');
    // The WAL stores integers: open ends become the widest safe timestamps.
    mint = Math.max(mint, Number.MIN_SAFE_INTEGER);
    maxt = Math.min(maxt, Number.MAX_SAFE_INTEGER);
    this.flushHead();
    const touched = this.head.matching(matchers, mint, maxt);
    await this.#wal.logTombstones(touched.map((s) => s.ref), mint, maxt);
    for (const s of touched) this.head.deleteRef(s.ref, mint, maxt);
    for (const b of this.#blocks) if (b.overlaps(mint, maxt)) b.delete(matchers, mint, maxt);
  }

  /**
   * Re-encodes cut head chunks in slices of 10 ms, yielding to the event loop
   * between slices, until none are left.
   */
  #recodeSlice(): void {
    if (this.#recoding || this.closed) return;
    this.#recoding = true;
    const step = () => {
      if (this.closed || !this.head.recodeChunks(10)) {
        this.#recoding = false;
        return;
      }
      setImmediate(step);
    };
    step();
  }

  /** Re-encodes every cut head chunk now (the background does it within seconds). */
  recodeHeadChunks(): void {
    while (this.head.recodeChunks(1000));
  }

  /** Runs head persistence, compaction and retention now (the loop does this periodically). */
  async compact(opts: { all?: boolean } = {}): Promise<void> {
    while (this.#compacting) await this.#compacting;
    this.#compacting = this.#compactOnce(opts.all ?? false).finally(() => (this.#compacting = undefined));
    await this.#compacting;
  }

  async #background(): Promise<void> {
    if (this.closed || this.#compacting) return;
    try {
      await this.compact();
    } catch (e) {
      this.#log.error('Compaction failed; will retry', { err: (e as Error).message });
      this.#m.compactionFailures.inc();
    }
  }

  async #compactOnce(all: boolean): Promise<void> {
    this.flushHead();
    const R = this.#opts.blockRangeMs;
    let changed = false;
    // 1. Persist old head ranges.
    for (;;) {
      let range = nextHeadRange(this.head, this.#ranges);
      if (!range && all && this.head.minT !== Infinity) {
        const a = Math.floor(this.head.minT / R) * R;
        range = [a, Math.max(a + R, Math.floor(this.head.maxT / R) * R + R)];
      }
      if (!range) break;
      await this.#persistHead(range[0], range[1]);
      changed = true;
    }
    // 2. Out-of-order data below the persisted floor.
    if (this.head.floor > -Infinity) {
      for (const [a, b] of oooRangesBelow(this.head, this.head.floor, R)) {
        this.#addBlock(this.#timed(() => writeBlock(this.dir, { minTime: a, maxTime: b }, headSeries(this.head, a, b), { level: 1 })));
        changed = true;
      }
      if (changed) await this.#truncateHead(this.head.floor);
    }
    // 3. Merge blocks.
    for (;;) {
      const plan = planBlockCompaction(
        this.#blocks.map((b) => b.meta),
        this.#ranges,
        this.head.floor,
      );
      if (plan.length === 0) break;
      const group = plan[0].map((m) => this.#blocks.find((b) => b.meta.ulid === m.ulid)!);
      const meta = this.#timed(() => compactBlocks(this.dir, group));
      for (const b of group) this.#retire(b);
      this.#addBlock(meta);
    }
    // 4. Retention.
    this.#applyRetention();
  }

  #timed<T>(fn: () => T): T {
    const end = this.#m.compactionDuration.startTimer();
    const r = fn();
    end();
    this.#m.compactions.inc();
    return r;
  }

  async #persistHead(mint: number, maxt: number): Promise<void> {
    const meta = this.#timed(() => writeBlock(this.dir, { minTime: mint, maxTime: maxt }, headSeries(this.head, mint, maxt), { level: 1 }));
    this.#addBlock(meta);
    this.head.floor = Math.max(this.head.floor, maxt);
    await this.#truncateHead(maxt);
  }

  async #truncateHead(t: number): Promise<void> {
    const idleBefore = this.#clock() - this.#opts.blockRangeMs;
    const removed = this.head.truncate(t, idleBefore);
    this.#syncSeriesCounters();
    this.#m.headTruncations.inc();
    await this.#wal.checkpoint(this.head, t, removed);
  }

  #addBlock(meta: BlockMeta | undefined): void {
    if (!meta) return;
    this.#blocks.push(Block.open(join(this.dir, meta.ulid)));
    this.#blocks.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  }

  #retire(b: Block): void {
    this.#blocks = this.#blocks.filter((x) => x !== b);
    this.#retired.set(b, Date.now());
    if (!this.#readers.has(b)) this.#deleteBlock(b);
  }

  #deleteBlock(b: Block): void {
    this.#retired.delete(b);
    b.close();
    rmSync(b.dir, { recursive: true, force: true });
  }

  #applyRetention(): void {
    const { retentionMs, retentionBytes } = this.#opts;
    if (this.#blocks.length === 0) return;
    if (retentionMs > 0) {
      const newest = Math.max(this.head.maxT, ...this.#blocks.map((b) => b.maxTime));
      for (const b of [...this.#blocks]) {
        if (b.maxTime <= newest - retentionMs) {
          this.#log.info('Deleting block past the time retention', { ulid: b.meta.ulid, maxTime: new Date(b.maxTime).toISOString() });
          this.#retire(b);
          this.#m.retentionDeletions.labels('time').inc();
        }
      }
    }
    if (retentionBytes > 0) {
      let total = this.diskUsage().totalBytes;
      while (total > retentionBytes && this.#blocks.length > 0) {
        const oldest = this.#blocks[0];
        total -= oldest.sizes().total;
        this.#log.info('Deleting block past the size retention', { ulid: oldest.meta.ulid, bytes: oldest.sizes().total });
        this.#retire(oldest);
        this.#m.retentionDeletions.labels('size').inc();
      }
    }
  }

  diskUsage(): DiskUsage {
    let chunksBytes = 0;
    let indexBytes = 0;
    let total = 0;
    for (const b of this.#blocks) {
      const s = b.sizes();
      chunksBytes += s.chunks;
      indexBytes += s.index;
      total += s.total;
    }
    const walBytes = this.#wal.sizeBytes();
    return { chunksBytes, indexBytes, walBytes, totalBytes: total + walBytes };
  }

  walStats(): WalStats {
    return this.#wal.stats();
  }

  blocks(): readonly BlockMeta[] {
    return this.#blocks.map((b) => b.meta);
  }

  stats(): HeadStats {
    this.flushHead();
    return {
      numSeries: this.head.numSeries,
      numChunks: this.head.numChunks(),
      minTime: this.head.minT,
      maxTime: this.head.maxT,
      numBlocks: this.#blocks.length,
    };
  }

  /** Label pairs of the head with their series counts (for /api/v1/status/tsdb). */
  headCardinality(): Iterable<[string, string, number]> {
    return this.head.postings.entries();
  }

  /** Rewrites every block that has tombstones without the deleted samples. */
  async cleanTombstones(): Promise<void> {
    while (this.#compacting) await this.#compacting.catch(() => {});
    const run = (async () => {
      for (const b of this.#blocks.filter((x) => x.tombstones.size > 0)) {
        const meta = this.#timed(() => compactBlocks(this.dir, [b]));
        this.#retire(b);
        this.#addBlock(meta);
      }
    })();
    this.#compacting = run.finally(() => (this.#compacting = undefined));
    await this.#compacting;
  }

  /**
   * Writes a snapshot into `snapshots/<name>`: hard links of every block and,
   * unless `skipHead`, a block of the head's current data. Returns its name.
   */
  async snapshot(skipHead = false): Promise<string> {
    const name = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${Math.random().toString(16).slice(2, 10)}`;
    const dir = join(this.dir, 'snapshots', name);
    mkdirSync(dir, { recursive: true });
    for (const b of this.#blocks) linkTree(b.dir, join(dir, b.meta.ulid));
    this.flushHead();
    if (!skipHead && this.head.minT !== Infinity) {
      writeBlock(dir, { minTime: this.head.minT, maxTime: this.head.maxT + 1 }, headSeries(this.head, this.head.minT, this.head.maxT + 1), { level: 1 });
    }
    return name;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.flushHead();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#recodeTimer) clearInterval(this.#recodeTimer);
    while (this.#compacting) await this.#compacting.catch(() => {});
    try {
      await this.#wal.close();
    } finally {
      for (const b of this.#blocks) b.close();
      this.#lock.release();
    }
  }
}

function openBlocks(dir: string, log: Logger): Block[] {
  const blocks: Block[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.endsWith('.tmp')) {
      log.warn('Removing a block left half-written by an interrupted run', { dir: p });
      rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (!isULID(name) || !statSync(p).isDirectory()) continue;
    try {
      blocks.push(Block.open(p));
    } catch (e) {
      log.error('Cannot open block; it is skipped (move it away to silence this)', { dir: p, err: (e as Error).message });
    }
  }
  // A crash right after a compaction leaves its parents behind: the merged block has their data.
  const replaced = new Set(blocks.flatMap((b) => b.meta.compaction.parents ?? []));
  const kept = blocks.filter((b) => {
    if (!replaced.has(b.meta.ulid)) return true;
    log.info('Removing a block already merged into a compacted one', { ulid: b.meta.ulid });
    b.close();
    rmSync(b.dir, { recursive: true, force: true });
    return false;
  });
  return kept.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
}

function linkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) {
    const s = join(src, name);
    const d = join(dst, name);
    if (statSync(s).isDirectory()) linkTree(s, d);
    else linkSync(s, d);
  }
}

/**
 * A querier: reads the head and the blocks as they are when `select` is
 * called, and keeps every block it handed out open until `close`.
 */
class DBQuerier implements Querier {
  #db: TSDB;
  #pinned = new Set<Block>();
  #mint: number;
  #maxt: number;
  #closed = false;

  constructor(db: TSDB, mint: number, maxt: number) {
    this.#db = db;
    this.#mint = mint;
    this.#maxt = maxt;
  }

  #blocks(mint: number, maxt: number): Block[] {
    const blocks = this.#db.pinBlocks(mint, maxt);
    const fresh: Block[] = [];
    for (const b of blocks) {
      if (this.#pinned.has(b)) fresh.push(b);
      else this.#pinned.add(b);
    }
    // Pinned once per querier: release the extra pins taken just now.
    this.#db.releaseBlocks(fresh);
    return blocks;
  }

  select(hints: SelectHints, matchers: readonly Matcher[]): Series[] {
    if (this.#closed) throw new StorageError('closed', 'querier is closed');
    const mint = Math.max(hints.start, this.#mint);
    const maxt = Math.min(hints.end, this.#maxt);
    if (mint > maxt) return [];
    const lists: Series[][] = [this.#db.head.select(matchers, mint, maxt, hints.newestOnly)];
    for (const b of this.#blocks(mint, maxt)) lists.push(b.select(matchers, mint, maxt, hints.seriesOnly));
    return mergeSeriesLists(lists);
  }

  labelNames(matchers: readonly Matcher[]): string[] {
    const names = new Set<string>();
    if (matchers.length === 0) {
      for (const n of this.#db.head.postings.labelNames()) names.add(n);
      for (const b of this.#blocks(this.#mint, this.#maxt)) for (const n of b.index.labelNames()) names.add(n);
    } else {
      for (const s of this.select({ start: this.#mint, end: this.#maxt, seriesOnly: true }, matchers)) s.labels.forEach((n) => names.add(n));
    }
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly Matcher[]): string[] {
    const values = new Set<string>();
    if (matchers.length === 0) {
      for (const v of this.#db.head.postings.sortedLabelValues(name)) values.add(v);
      for (const b of this.#blocks(this.#mint, this.#maxt)) for (const v of b.index.sortedLabelValues(name)) values.add(v);
    } else {
      for (const s of this.select({ start: this.#mint, end: this.#maxt, seriesOnly: true }, matchers)) {
        const v = s.labels.get(name);
        if (v !== '') values.add(v);
      }
    }
    return [...values].sort();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.releaseBlocks(this.#pinned);
    this.#pinned.clear();
  }
}

function declareMetrics(registry: Registry | undefined, db: TSDB) {
  const r = registry;
  const counter = (name: string, help: string, labelNames?: string[]) =>
    r ? r.counter({ name, help, labelNames }) : { inc() {}, labels: () => ({ inc() {} }) };
  const gauge = (name: string, help: string, collect: () => number) => r?.gauge({ name, help, collect });
  // Read from the head's totals, staged samples flushed first, so an exposition is exact.
  r?.counter({
    name: 'vigil_tsdb_head_samples_appended_total',
    help: 'Samples appended to the head.',
    collect: () => {
      db.flushHead();
      return db.head.applied.inOrder + db.head.applied.outOfOrder;
    },
  });
  r?.counter({
    name: 'vigil_tsdb_out_of_order_samples_appended_total',
    help: 'Out-of-order samples accepted.',
    collect: () => {
      db.flushHead();
      return db.head.applied.outOfOrder;
    },
  });
  gauge('vigil_tsdb_head_series', 'Series in the head.', () => db.head.numSeries);
  gauge('vigil_tsdb_head_chunks', 'Chunks in the head.', () => db.head.numChunks());
  gauge('vigil_tsdb_head_chunks_recode_pending', 'Series whose cut head chunks wait to be re-encoded compactly.', () => db.head.recodePending);
  r?.counter({ name: 'vigil_tsdb_head_chunks_recoded_total', help: 'Head chunks re-encoded from XOR to the compact encoding.', collect: () => db.head.chunksRecoded });
  gauge('vigil_tsdb_head_min_time_seconds', 'Oldest timestamp in the head.', () => {
    db.flushHead();
    return db.head.minT === Infinity ? 0 : db.head.minT / 1000;
  });
  gauge('vigil_tsdb_head_max_time_seconds', 'Newest timestamp in the head.', () => (db.head.maxT === -Infinity ? 0 : db.head.maxT / 1000));
  gauge('vigil_tsdb_blocks_loaded', 'Blocks open.', () => db.blocks().length);
  gauge('vigil_tsdb_storage_blocks_bytes', 'Bytes of all blocks on disk.', () => {
    const u = db.diskUsage();
    return u.totalBytes - u.walBytes;
  });
  for (const [key, m] of Object.entries(WAL_METRICS) as [keyof WalStats, (typeof WAL_METRICS)[keyof WalStats]][]) {
    const collect = () => db.walStats()[key];
    if (m.type === 'counter') r?.counter({ name: m.name, help: m.help, collect });
    else r?.gauge({ name: m.name, help: m.help, collect });
  }
  return {
    seriesCreated: counter('vigil_tsdb_head_series_created_total', 'Series created in the head.'),
    seriesRemoved: counter('vigil_tsdb_head_series_removed_total', 'Series removed from the head (no data left and idle).'),

    rejected: counter('vigil_tsdb_samples_rejected_total', 'Samples refused, by reason (too_old is an out-of-order sample outside the window).', ['reason']),
    walFailures: counter('vigil_tsdb_wal_write_failures_total', 'Commits that failed because the WAL could not be written.'),
    compactions: counter('vigil_tsdb_compactions_total', 'Blocks written (head cuts and merges).'),
    compactionFailures: counter('vigil_tsdb_compactions_failed_total', 'Compaction runs that failed.'),
    headTruncations: counter('vigil_tsdb_head_truncations_total', 'Head truncations after data was persisted.'),
    retentionDeletions: counter('vigil_tsdb_retention_deleted_blocks_total', 'Blocks deleted by retention, by kind.', ['kind']),
    compactionDuration: r
      ? r.histogram({ name: 'vigil_tsdb_compaction_duration_seconds', help: 'Duration of writing one block.', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] })
      : { startTimer: () => () => 0, observe() {} },
  };
}

export type { Labels };
