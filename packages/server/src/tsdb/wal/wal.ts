/**
 * The write-ahead log: a directory of numbered segment files plus at most
 * one checkpoint directory. Batches of records are framed and appended to
 * the active segment; concurrent commits are written together (group
 * commit); replay reads the newest checkpoint, then every later segment.
 * Format and durability guarantees: docs/storage-format/wal.md.
 */
import * as path from 'node:path';
import { StorageError } from '../../storage/errors.js';
import { NodeVfs, type Vfs, type VfsFile } from '../vfs.js';
import { writeCheckpoint, type CheckpointInput, type CheckpointStats } from './checkpoint.js';
import {
  ByteWriter,
  RecordDecodeError,
  RecordType,
  SamplesRecord,
  SeriesDropRecord,
  SeriesRecord,
  TombstonesRecord,
  type WalRecord,
} from './records.js';
import {
  FRAME_HEADER_SIZE,
  SEGMENT_HEADER,
  SEGMENT_HEADER_SIZE,
  checkpointName,
  parseCheckpointName,
  parseSegmentName,
  scanSegment,
  sealFrame,
  segmentName,
  type SegmentScan,
} from './segment.js';

export interface WalLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
}

const silentLogger: WalLogger = { warn() {}, info() {} };

/**
 * When the WAL calls fsync.
 * - `commit`: every group of commits is fsynced before their promises
 *   resolve. Nothing acknowledged is lost on power loss; each commit waits
 *   for a disk flush (group commit shares it among concurrent commits).
 * - `interval` (default): commits resolve once their bytes are written to
 *   the OS; the active segment is fsynced every `syncIntervalMs`. A process
 *   crash loses nothing acknowledged; a power loss or kernel crash may lose
 *   up to about the last interval.
 */
export type WalSyncMode = 'commit' | 'interval';

export const DEFAULT_SEGMENT_SIZE = 128 * 1024 * 1024;
export const DEFAULT_SYNC_INTERVAL_MS = 1000;
const MIN_SEGMENT_SIZE = 4096;
const ZERO_BYTE = new Uint8Array(1);

export interface WalOptions {
  /** The WAL directory; created when missing. */
  dir: string;
  /** The file layer; the real file system by default. */
  vfs?: Vfs;
  logger?: WalLogger;
  /** Maximum segment file size in bytes (a single batch larger than that gets a segment of its own). */
  segmentSize?: number;
  sync?: WalSyncMode;
  /** For `sync: 'interval'`. */
  syncIntervalMs?: number;
}

/**
 * Receives the records of a replay in log order. Each record object is
 * reused for the next record of its type: copy what you keep (the `Labels`
 * of a series record are fresh objects and may be kept).
 */
export interface WalReplayVisitor {
  series?(rec: SeriesRecord): void;
  samples?(rec: SamplesRecord): void;
  tombstones?(rec: TombstonesRecord): void;
  seriesDrop?(rec: SeriesDropRecord): void;
}

export interface WalReplayStats {
  checkpoint: number;
  segments: number;
  records: number;
  samples: number;
  /** Segments found damaged and truncated during this replay. */
  repairs: number;
}

/** Self-metrics, read by the owner and exposed under the names in `WAL_METRICS`. */
export interface WalStats {
  segments: number;
  currentSegment: number;
  /** Segments plus checkpoint, bytes. */
  sizeBytes: number;
  fsyncs: number;
  fsyncErrors: number;
  bytesWritten: number;
  writeErrors: number;
  /** Batches acknowledged. */
  commits: number;
  /** Writes to the segment; commits / writes is the group-commit factor. */
  writes: number;
  checkpoints: number;
  /** Damaged tails truncated (on open, replay or checkpoint). */
  repairs: number;
}

/** Exposed names of the WAL's self-metrics, keyed by `WalStats` field. */
export const WAL_METRICS: Record<keyof WalStats, { name: string; help: string; type: 'counter' | 'gauge' }> = {
  segments: { name: 'vigil_tsdb_wal_segments', help: 'Segment files in the WAL directory.', type: 'gauge' },
  currentSegment: { name: 'vigil_tsdb_wal_segment_current', help: 'Index of the segment being written.', type: 'gauge' },
  sizeBytes: { name: 'vigil_tsdb_wal_storage_size_bytes', help: 'Bytes on disk of WAL segments and checkpoint.', type: 'gauge' },
  fsyncs: { name: 'vigil_tsdb_wal_fsyncs_total', help: 'fsync calls on WAL files.', type: 'counter' },
  fsyncErrors: { name: 'vigil_tsdb_wal_fsync_errors_total', help: 'fsync calls on WAL files that failed.', type: 'counter' },
  bytesWritten: { name: 'vigil_tsdb_wal_written_bytes_total', help: 'Bytes written to WAL segments.', type: 'counter' },
  writeErrors: { name: 'vigil_tsdb_wal_writes_failed_total', help: 'Writes to WAL segments that failed.', type: 'counter' },
  commits: { name: 'vigil_tsdb_wal_commits_total', help: 'Batches made durable in the WAL.', type: 'counter' },
  writes: { name: 'vigil_tsdb_wal_group_writes_total', help: 'Group writes to WAL segments (each carries one or more commits).', type: 'counter' },
  checkpoints: { name: 'vigil_tsdb_checkpoint_creations_total', help: 'WAL checkpoints created.', type: 'counter' },
  repairs: { name: 'vigil_tsdb_wal_corruptions_total', help: 'Damaged WAL segment tails truncated.', type: 'counter' },
};

/** Commits written together: one buffer, one write, one promise shared by all. */
interface Group {
  w: ByteWriter;
  batches: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** Work other than writing a group that must run in the writer's order. */
interface Control {
  run: () => Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

type Op = Group | Control;

const isGroup = (op: Op): op is Group => (op as Group).w !== undefined;

export class Wal {
  readonly dir: string;
  #vfs: Vfs;
  #log: WalLogger;
  #segmentSize: number;
  #syncMode: WalSyncMode;

  #segIndex = 0;
  #segFile!: VfsFile;
  /** End of the good data in the active segment: the next write goes here. */
  #segOffset = 0;
  /** Set when a failed write could not be truncated away: truncate to it before writing again. */
  #dirtyTail = -1;
  #unsynced = false;
  #syncDue = false;
  #timer: NodeJS.Timeout | undefined;

  /** Sizes of the segment files, by index. */
  #segments = new Map<number, number>();
  #checkpointIndex = -1;
  #checkpointSize = 0;
  #checkpointing = false;

  #ops: Op[] = [];
  /** The group that accepts new batches (the last op, not yet being written). */
  #open: Group | undefined;
  /** Where the open group is projected to land, to split groups at segment boundaries. */
  #projected = 0;
  #spare: ByteWriter[] = [];
  #draining: Promise<void> | undefined;
  #kickScheduled = false;
  #closed = false;

  #stats = {
    fsyncs: 0,
    fsyncErrors: 0,
    bytesWritten: 0,
    writeErrors: 0,
    commits: 0,
    writes: 0,
    checkpoints: 0,
    repairs: 0,
  };

  private constructor(opts: WalOptions) {
    this.dir = opts.dir;
    this.#vfs = opts.vfs ?? new NodeVfs();
    this.#log = opts.logger ?? silentLogger;
    this.#segmentSize = Math.max(MIN_SEGMENT_SIZE, opts.segmentSize ?? DEFAULT_SEGMENT_SIZE);
    this.#syncMode = opts.sync ?? 'interval';
  }

  /**
   * Opens (or creates) the WAL in `opts.dir`. Finishes what a crash may have
   * left half done (a checkpoint not yet renamed or whose old segments were
   * not yet deleted) and repairs a torn tail of the last segment, truncating
   * it to its last complete batch with a warning. Appending continues in the
   * last segment.
   */
  static async open(opts: WalOptions): Promise<Wal> {
    const wal = new Wal(opts);
    await wal.#open_();
    const interval = opts.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    if (wal.#syncMode === 'interval') {
      wal.#timer = setInterval(() => {
        if (!wal.#unsynced) return;
        wal.#syncDue = true;
        wal.#kick();
      }, interval);
      wal.#timer.unref();
    }
    return wal;
  }

  async #open_(): Promise<void> {
    const vfs = this.#vfs;
    if ((await vfs.stat(this.dir)) === undefined) {
      await vfs.mkdir(this.dir);
      await vfs.syncDir(path.dirname(this.dir));
    }
    const names = await vfs.readdir(this.dir);
    const segs: number[] = [];
    const cps: number[] = [];
    for (const name of names) {
      const s = parseSegmentName(name);
      if (s >= 0) segs.push(s);
      const c = parseCheckpointName(name);
      if (c >= 0) cps.push(c);
      if (name.startsWith('checkpoint.') && name.endsWith('.tmp')) await vfs.removeAll(path.join(this.dir, name));
    }
    segs.sort((a, b) => a - b);
    cps.sort((a, b) => a - b);
    if (cps.length > 0) {
      this.#checkpointIndex = cps[cps.length - 1];
      for (const c of cps.slice(0, -1)) await vfs.removeAll(path.join(this.dir, checkpointName(c)));
      this.#checkpointSize = await this.#dirSize(path.join(this.dir, checkpointName(this.#checkpointIndex)));
    }
    // Segments a checkpoint already covers are leftovers of an interrupted cleanup.
    while (segs.length > 0 && segs[0] <= this.#checkpointIndex) {
      await vfs.unlink(this.#segPath(segs.shift()!));
    }
    for (const s of segs) this.#segments.set(s, (await vfs.stat(this.#segPath(s)))?.size ?? 0);

    if (segs.length === 0) {
      await this.#createSegment(this.#checkpointIndex + 1);
      return;
    }
    const last = segs[segs.length - 1];
    const p = this.#segPath(last);
    const scan = await scanSegment(vfs, p, undefined);
    const file = await vfs.open(p, 'r+');
    try {
      if (scan.damage) await this.#repair(file, last, scan);
      if (scan.goodEnd < SEGMENT_HEADER_SIZE) {
        await file.pwrite(SEGMENT_HEADER, 0, SEGMENT_HEADER_SIZE, 0);
        await file.sync();
        this.#segOffset = SEGMENT_HEADER_SIZE;
      } else this.#segOffset = scan.goodEnd;
    } catch (err) {
      await file.close();
      throw err;
    }
    this.#segFile = file;
    this.#segIndex = last;
    this.#segments.set(last, this.#segOffset);
    this.#projected = this.#segOffset;
  }

  /** Truncates a damaged segment to its last good batch, with a warning naming what was dropped. */
  async #repair(file: VfsFile, index: number, scan: SegmentScan): Promise<void> {
    const d = scan.damage!;
    this.#log.warn('WAL segment has a torn or corrupt tail; truncating it to the last complete batch', {
      segment: segmentName(index),
      offset: d.offset,
      droppedBytes: d.dropped,
      reason: d.reason,
    });
    await file.truncate(d.offset);
    await file.sync();
    this.#stats.repairs++;
  }

  async #dirSize(dir: string): Promise<number> {
    let size = 0;
    for (const name of await this.#vfs.readdir(dir)) size += (await this.#vfs.stat(path.join(dir, name)))?.size ?? 0;
    return size;
  }

  #segPath(index: number): string {
    return path.join(this.dir, segmentName(index));
  }

  /** Creates segment `index` with its header and makes its directory entry durable. */
  async #createSegment(index: number): Promise<void> {
    const p = this.#segPath(index);
    const file = await this.#vfs.open(p, 'w+');
    try {
      await file.pwrite(SEGMENT_HEADER, 0, SEGMENT_HEADER_SIZE, 0);
      await this.#vfs.syncDir(this.dir);
    } catch (err) {
      await file.close().catch(() => {});
      await this.#vfs.unlink(p).catch(() => {});
      throw err;
    }
    this.#segFile = file;
    this.#segIndex = index;
    this.#segOffset = SEGMENT_HEADER_SIZE;
    this.#segments.set(index, SEGMENT_HEADER_SIZE);
    // The header is fsynced with the first group (commit mode), or by the interval timer.
    this.#unsynced = true;
  }

  /**
   * Appends one batch atomically: after a crash, replay sees all of its
   * records or none. Records with no entries are skipped. The records are
   * encoded before `log` returns, so the caller may reset and reuse them
   * right away.
   *
   * Resolves when the batch is written to the OS (and fsynced, in `commit`
   * sync mode). Rejects with a `StorageError` ('wal_write_failed') when the
   * write failed: then none of the batch is in the WAL — series records in
   * it must be logged again before samples that refer to them.
   */
  log(...records: WalRecord[]): Promise<void> {
    if (this.#closed) return Promise.reject(new StorageError('closed', 'cannot write to WAL: it is closed'));
    let last = -1;
    for (let i = 0; i < records.length; i++) if (records[i].n > 0) last = i;
    if (last < 0) return Promise.resolve();

    let g = this.#open;
    if (g === undefined) g = this.#newGroup();
    const w = g.w;
    const batchStart = w.pos;
    try {
      for (let i = 0; i <= last; i++) {
        const rec = records[i];
        if (rec.n === 0) continue;
        const start = w.pos;
        w.ensure(FRAME_HEADER_SIZE);
        w.pos += FRAME_HEADER_SIZE;
        rec.encode(w);
        sealFrame(w.buf, start, w.pos, rec.type, i < last);
      }
    } catch (err) {
      w.pos = batchStart;
      return Promise.reject(err);
    }
    const len = w.pos - batchStart;
    // A group is written in one piece into one segment: when this batch
    // would cross the segment boundary, it starts a new group.
    if (batchStart > 0 && this.#projected + len > this.#segmentSize) {
      const moved = w.buf.slice(batchStart, w.pos);
      w.pos = batchStart;
      g = this.#newGroup();
      g.w.ensure(moved.length);
      g.w.buf.set(moved, 0);
      g.w.pos = moved.length;
      this.#projected = SEGMENT_HEADER_SIZE;
    } else if (batchStart === 0 && this.#projected > SEGMENT_HEADER_SIZE && this.#projected + len > this.#segmentSize) {
      this.#projected = SEGMENT_HEADER_SIZE;
    }
    this.#projected += len;
    g.batches++;
    this.#scheduleKick();
    return g.promise;
  }

  #newGroup(): Group {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const w = this.#spare.pop() ?? new ByteWriter(256 * 1024);
    w.reset();
    const g: Group = { w, batches: 0, promise, resolve, reject };
    this.#ops.push(g);
    this.#open = g;
    return g;
  }

  /** Lets every commit of the current tick join the group before it is written. */
  #scheduleKick(): void {
    if (this.#kickScheduled) return;
    this.#kickScheduled = true;
    queueMicrotask(() => {
      this.#kickScheduled = false;
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#draining === undefined) this.#draining = this.#drain().finally(() => (this.#draining = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#ops.length > 0 || this.#syncDue) {
      if (this.#syncDue) {
        this.#syncDue = false;
        await this.#intervalSync();
        continue;
      }
      const op = this.#ops[0];
      if (op === this.#open) this.#open = undefined;
      try {
        if (isGroup(op)) await this.#writeGroup(op);
        else await op.run();
        this.#ops.shift();
        op.resolve();
      } catch (err) {
        this.#ops.shift();
        op.reject(err as Error);
      }
      if (isGroup(op)) {
        if (op.w.buf.length <= 16 << 20 && this.#spare.length < 2) this.#spare.push(op.w);
        if (this.#ops.length === 0) this.#projected = this.#segOffset;
      }
    }
  }

  async #writeGroup(g: Group): Promise<void> {
    const len = g.w.pos;
    if (this.#segOffset > SEGMENT_HEADER_SIZE && this.#segOffset + len > this.#segmentSize) await this.#cut();
    const file = this.#segFile;
    if (this.#dirtyTail >= 0) {
      try {
        await file.truncate(this.#dirtyTail);
        this.#dirtyTail = -1;
      } catch (err) {
        this.#stats.writeErrors++;
        throw this.#writeError('truncate', this.#dirtyTail, err);
      }
    }
    const start = this.#segOffset;
    try {
      // Without a per-commit fsync, a synchronous write to the page cache
      // (tens of microseconds) beats a round trip through the thread pool.
      if (this.#syncMode === 'interval') file.pwriteSync(g.w.buf, 0, len, start);
      else await file.pwrite(g.w.buf, 0, len, start);
    } catch (err) {
      this.#stats.writeErrors++;
      await this.#rollback(start);
      throw this.#writeError('write', start, err);
    }
    this.#segOffset = start + len;
    this.#segments.set(this.#segIndex, this.#segOffset);
    this.#stats.bytesWritten += len;
    this.#stats.writes++;
    this.#unsynced = true;
    if (this.#syncMode === 'commit') {
      try {
        await file.sync();
        this.#stats.fsyncs++;
        this.#unsynced = false;
      } catch (err) {
        // After a failed fsync the kernel may have dropped the dirty pages:
        // the bytes are not durable, so the commits must not count.
        this.#stats.fsyncErrors++;
        await this.#rollback(start);
        throw this.#writeError('fsync', start, err);
      }
    }
    this.#stats.commits += g.batches;
  }

  /** Cuts the active segment back to `offset` after a failed write; remembers to retry if that fails too. */
  async #rollback(offset: number): Promise<void> {
    this.#segOffset = offset;
    this.#segments.set(this.#segIndex, offset);
    try {
      await this.#segFile.truncate(offset);
    } catch (err) {
      this.#dirtyTail = offset;
      // Whole frames of the failed group may be on disk with valid checksums.
      // Zeroing the first type byte (an overwrite, needing no new space)
      // makes a reader stop there should the process die before the retry.
      const invalidated = await this.#segFile.pwrite(ZERO_BYTE, 0, 1, offset).then(
        () => true,
        () => false,
      );
      this.#log.warn('cannot truncate WAL segment after a failed write; will retry before the next write', {
        segment: segmentName(this.#segIndex),
        offset,
        error: (err as Error).message,
        invalidated,
      });
    }
  }

  #writeError(what: string, offset: number, cause: unknown): StorageError {
    const msg = cause instanceof Error ? cause.message : String(cause);
    const err = new StorageError(
      'wal_write_failed',
      `cannot ${what} WAL segment ${segmentName(this.#segIndex)} at offset ${offset}: ${msg}`,
    );
    (err as Error & { cause?: unknown }).cause = cause;
    return err;
  }

  /** Closes the active segment (fsynced) and starts the next one; on failure the active one stays. */
  async #cut(): Promise<void> {
    const old = this.#segFile;
    const oldIndex = this.#segIndex;
    const oldOffset = this.#segOffset;
    try {
      await old.sync();
      this.#stats.fsyncs++;
    } catch (err) {
      this.#stats.fsyncErrors++;
      throw this.#writeError('fsync', oldOffset, err);
    }
    try {
      await this.#createSegment(oldIndex + 1);
    } catch (err) {
      this.#stats.writeErrors++;
      throw new StorageError(
        'wal_write_failed',
        `cannot create WAL segment ${segmentName(oldIndex + 1)}: ${(err as Error).message}`,
      );
    }
    this.#dirtyTail = -1;
    await old.close().catch((err: Error) => this.#log.warn('cannot close WAL segment', { segment: segmentName(oldIndex), error: err.message }));
  }

  async #intervalSync(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.#segFile.sync();
      this.#stats.fsyncs++;
    } catch (err) {
      // Commits were acknowledged already; the next interval tries again.
      this.#unsynced = true;
      this.#stats.fsyncErrors++;
      this.#log.warn('cannot fsync WAL segment', { segment: segmentName(this.#segIndex), error: (err as Error).message });
    }
  }

  /** Runs `fn` in the writer's order: after every batch logged before, before any logged after. */
  #control(fn: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#ops.push({ run: fn, resolve, reject });
      this.#open = undefined;
      this.#scheduleKick();
    });
  }

  /** Resolves when everything logged so far is written and fsynced. */
  flush(): Promise<void> {
    return this.#control(async () => {
      await this.#segFile.sync();
      this.#stats.fsyncs++;
      this.#unsynced = false;
    });
  }

  /**
   * Replays the newest checkpoint, then every later segment, in log order.
   * Damage inside a segment (not only at the very end) is repaired the same
   * way as on open: the segment is truncated at its last complete batch with
   * a warning, and replay goes on with the next segment. Call it before
   * logging; records logged during a replay may or may not be seen.
   */
  async replay(visitor: WalReplayVisitor): Promise<WalReplayStats> {
    const stats: WalReplayStats = { checkpoint: this.#checkpointIndex, segments: 0, records: 0, samples: 0, repairs: 0 };
    const series = new SeriesRecord();
    const samples = new SamplesRecord();
    const tombs = new TombstonesRecord();
    const drops = new SeriesDropRecord();
    const unknown = new Map<number, number>();
    let undecodable = 0;
    const sink = (type: number, buf: Uint8Array, start: number, end: number): void => {
      stats.records++;
      try {
        switch (type) {
          case RecordType.Series:
            series.decode(buf, start, end);
            visitor.series?.(series);
            break;
          case RecordType.Samples:
            samples.decode(buf, start, end);
            stats.samples += samples.n;
            visitor.samples?.(samples);
            break;
          case RecordType.Tombstones:
            tombs.decode(buf, start, end);
            visitor.tombstones?.(tombs);
            break;
          case RecordType.SeriesDrop:
            drops.decode(buf, start, end);
            visitor.seriesDrop?.(drops);
            break;
          default:
            unknown.set(type, (unknown.get(type) ?? 0) + 1);
        }
      } catch (err) {
        if (!(err instanceof RecordDecodeError)) throw err;
        undecodable++;
        if (undecodable <= 10) this.#log.warn('skipping undecodable WAL record', { type, error: err.message });
      }
    };

    if (this.#checkpointIndex >= 0) {
      const cpDir = path.join(this.dir, checkpointName(this.#checkpointIndex));
      for (const name of await this.#vfs.readdir(cpDir)) {
        if (parseSegmentName(name) < 0) continue;
        const scan = await scanSegment(this.#vfs, path.join(cpDir, name), sink);
        if (scan.damage) {
          // A checkpoint is written atomically, so damage here is the disk's doing; keep going with what is readable.
          this.#log.warn('WAL checkpoint file is damaged; records after the damage are lost', {
            checkpoint: checkpointName(this.#checkpointIndex),
            file: name,
            offset: scan.damage.offset,
            droppedBytes: scan.damage.dropped,
            reason: scan.damage.reason,
          });
        }
      }
    }
    let expected = this.#checkpointIndex + 1;
    for (const index of this.#segmentIndexes()) {
      if (index !== expected && expected !== 0) {
        this.#log.warn('WAL segments are missing; records in them are lost', { from: segmentName(expected), to: segmentName(index - 1) });
      }
      expected = index + 1;
      const scan = await this.#scanWithRepair(index, sink);
      stats.segments++;
      if (scan.damage) stats.repairs++;
    }
    for (const [type, count] of unknown) this.#log.warn('skipped WAL records of unknown type (written by a newer version?)', { type, count });
    return stats;
  }

  /** Segments after the checkpoint, ascending (older ones are leftovers of an interrupted cleanup). */
  #segmentIndexes(): number[] {
    return [...this.#segments.keys()].filter((s) => s > this.#checkpointIndex).sort((a, b) => a - b);
  }

  /** Scans a segment, truncating it at the first damage; the active one is read only up to the writer's offset. */
  async #scanWithRepair(index: number, sink: ((type: number, buf: Uint8Array, start: number, end: number) => void) | undefined): Promise<SegmentScan> {
    const active = index === this.#segIndex;
    const limit = active ? this.#segOffset : undefined;
    const scan = await scanSegment(this.#vfs, this.#segPath(index), sink, limit);
    if (scan.damage) await this.#repairClosed(index, scan);
    return scan;
  }

  async #repairClosed(index: number, scan: SegmentScan): Promise<void> {
    if (index === this.#segIndex) {
      // Only reachable if the disk changed under us: cut the writer back too.
      await this.#control(async () => {
        await this.#repair(this.#segFile, index, scan);
        this.#segOffset = Math.max(SEGMENT_HEADER_SIZE, scan.damage!.offset);
        if (scan.damage!.offset < SEGMENT_HEADER_SIZE) await this.#segFile.pwrite(SEGMENT_HEADER, 0, SEGMENT_HEADER_SIZE, 0);
        this.#segments.set(index, this.#segOffset);
      });
      return;
    }
    const f = await this.#vfs.open(this.#segPath(index), 'r+');
    try {
      await this.#repair(f, index, scan);
    } finally {
      await f.close();
    }
    this.#segments.set(index, scan.damage!.offset);
  }

  /**
   * Folds everything logged so far into a new checkpoint and deletes the
   * segments and the older checkpoint it replaces. Keeps series for which
   * `keepSeries(ref)` is true, their samples with t >= mint, and their
   * tombstones whose interval ends at or after mint. Logging goes on
   * meanwhile (into a fresh segment). If it fails, the previous state stays
   * as it was.
   */
  async checkpoint(keepSeries: (ref: number) => boolean, mint: number): Promise<CheckpointStats> {
    if (this.#closed) throw new StorageError('closed', 'cannot checkpoint WAL: it is closed');
    if (this.#checkpointing) throw new Error('cannot checkpoint WAL: a checkpoint is already running');
    this.#checkpointing = true;
    try {
      // Close the active segment so every record logged so far is in an immutable one.
      await this.#control(async () => {
        if (this.#segOffset > SEGMENT_HEADER_SIZE) await this.#cut();
      });
      const last = this.#segIndex - 1;
      const segs = this.#segmentIndexes().filter((s) => s <= last);
      const none: CheckpointStats = {
        index: -1,
        segments: 0,
        series: 0,
        samples: 0,
        tombstones: 0,
        sizeBytes: 0,
        droppedSeries: 0,
        droppedSamples: 0,
      };
      if (segs.length === 0) return none;

      const inputs: CheckpointInput[] = [];
      const prev = this.#checkpointIndex;
      if (prev >= 0) {
        const cpDir = path.join(this.dir, checkpointName(prev));
        for (const name of await this.#vfs.readdir(cpDir)) {
          if (parseSegmentName(name) < 0) continue;
        inputs.push({
          path: path.join(cpDir, name),
          onDamage: async (scan) => {
            this.#log.warn('WAL checkpoint file is damaged; records after the damage are lost', {
              checkpoint: checkpointName(prev),
              file: name,
              offset: scan.damage!.offset,
              droppedBytes: scan.damage!.dropped,
              reason: scan.damage!.reason,
            });
          },
        });
        }
      }
      for (const s of segs) {
        inputs.push({ path: this.#segPath(s), onDamage: (scan) => this.#repairClosed(s, scan) });
      }
      const stats = await writeCheckpoint(this.#vfs, this.dir, last, inputs, keepSeries, mint, this.#segmentSize, this.#log);
      this.#checkpointIndex = last;
      this.#checkpointSize = stats.sizeBytes;
      this.#stats.checkpoints++;

      // The new checkpoint is durable; what it replaces can go. A crash in
      // between leaves leftovers that open() removes.
      for (const s of segs) {
        await this.#vfs.unlink(this.#segPath(s));
        this.#segments.delete(s);
      }
      if (prev >= 0) await this.#vfs.removeAll(path.join(this.dir, checkpointName(prev)));
      await this.#vfs.syncDir(this.dir);
      this.#log.info('WAL checkpoint written', {
        checkpoint: checkpointName(last),
        segments: stats.segments,
        series: stats.series,
        samples: stats.samples,
        bytes: stats.sizeBytes,
      });
      return stats;
    } finally {
      this.#checkpointing = false;
    }
  }

  stats(): WalStats {
    let size = this.#checkpointSize;
    for (const s of this.#segments.values()) size += s;
    return {
      segments: this.#segments.size,
      currentSegment: this.#segIndex,
      sizeBytes: size,
      ...this.#stats,
    };
  }

  /** Writes what is pending, fsyncs and closes. Later `log` calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#ops.length > 0 || this.#draining) {
      this.#kick();
      await this.#draining;
    }
    try {
      await this.#segFile.sync();
      this.#stats.fsyncs++;
    } finally {
      await this.#segFile.close();
    }
  }
}
