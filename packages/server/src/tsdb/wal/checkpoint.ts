/**
 * Checkpoints: the records of a run of old segments, filtered down to what
 * the head still needs (live series, samples at or after a time, their
 * tombstones), written as segment files in `checkpoint.NNNNNNNN/`. NNNNNNNN
 * is the last segment included. A checkpoint directory appears atomically
 * (written as `….tmp`, fsynced, renamed), so one that exists is complete.
 */
import * as path from 'node:path';
import type { Vfs, VfsFile } from '../vfs.js';
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
  scanSegment,
  sealFrame,
  segmentName,
  type SegmentScan,
} from './segment.js';

export interface CheckpointStats {
  /** Last segment covered; -1 when there was nothing to checkpoint. */
  index: number;
  /** Segments folded in (not counting the previous checkpoint). */
  segments: number;
  series: number;
  samples: number;
  tombstones: number;
  /** Bytes of the new checkpoint on disk. */
  sizeBytes: number;
  /** Records dropped by the filter. */
  droppedSeries: number;
  droppedSamples: number;
}

/** One input of a checkpoint run: a segment file and how many bytes of it to read. */
export interface CheckpointInput {
  path: string;
  limit?: number;
  /** Called when the file turns out damaged; the checkpoint still includes what came before. */
  onDamage?: (scan: SegmentScan) => Promise<void>;
}

const FLUSH_BYTES = 1 << 20;
const MERGE_ENTRIES = 64 * 1024;

/**
 * Writes frames into numbered segment files of a directory, one after
 * another. `add` only encodes into memory (it is called from a synchronous
 * record sink); `flush` does the I/O.
 */
class SegmentFilesWriter {
  #vfs: Vfs;
  #dir: string;
  #segmentSize: number;
  #w = new ByteWriter(FLUSH_BYTES * 2);
  /** Buffer offsets at which a new segment file must start. */
  #cuts: number[] = [];
  /** Where the end of the buffer will land in the current (possibly not yet opened) file. */
  #projected = 0;
  #file: VfsFile | undefined;
  #index = -1;
  #offset = 0;
  bytes = 0;

  constructor(vfs: Vfs, dir: string, segmentSize: number) {
    this.#vfs = vfs;
    this.#dir = dir;
    this.#segmentSize = segmentSize;
  }

  get buffered(): number {
    return this.#w.pos;
  }

  add(rec: WalRecord): void {
    const w = this.#w;
    const start = w.pos;
    w.ensure(FRAME_HEADER_SIZE);
    w.pos += FRAME_HEADER_SIZE;
    rec.encode(w);
    sealFrame(w.buf, start, w.pos, rec.type, false);
    const len = w.pos - start;
    if (this.#projected === 0 || (this.#projected > SEGMENT_HEADER_SIZE && this.#projected + len > this.#segmentSize)) {
      this.#cuts.push(start);
      this.#projected = SEGMENT_HEADER_SIZE;
    }
    this.#projected += len;
  }

  async flush(): Promise<void> {
    const w = this.#w;
    let from = 0;
    for (const cut of this.#cuts) {
      await this.#write(from, cut);
      await this.#next();
      from = cut;
    }
    await this.#write(from, w.pos);
    this.#cuts.length = 0;
    w.reset();
  }

  async #write(from: number, to: number): Promise<void> {
    if (to <= from || this.#file === undefined) return;
    await this.#file.pwrite(this.#w.buf, from, to - from, this.#offset);
    this.#offset += to - from;
    this.bytes += to - from;
  }

  async #next(): Promise<void> {
    await this.#closeFile();
    this.#index++;
    this.#file = await this.#vfs.open(path.join(this.#dir, segmentName(this.#index)), 'wx+');
    await this.#file.pwrite(SEGMENT_HEADER, 0, SEGMENT_HEADER_SIZE, 0);
    this.#offset = SEGMENT_HEADER_SIZE;
    this.bytes += SEGMENT_HEADER_SIZE;
  }

  async #closeFile(): Promise<void> {
    if (this.#file === undefined) return;
    const f = this.#file;
    this.#file = undefined;
    try {
      await f.sync();
    } finally {
      await f.close();
    }
  }

  /** Flushes and fsyncs everything written. */
  async finish(): Promise<void> {
    await this.flush();
    await this.#closeFile();
  }

  async abort(): Promise<void> {
    const f = this.#file;
    this.#file = undefined;
    if (f) await f.close().catch(() => {});
  }
}

export interface CheckpointLogger {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * Folds `inputs` (the previous checkpoint's files, then segments, in order)
 * into `walDir/checkpoint.<index>`: keeps series for which `keepSeries(ref)`
 * holds, their samples with t >= mint, their tombstones whose interval ends
 * at or after mint. Consecutive records of one type are merged. Atomic: the
 * directory is complete when it exists.
 */
export async function writeCheckpoint(
  vfs: Vfs,
  walDir: string,
  index: number,
  inputs: readonly CheckpointInput[],
  keepSeries: (ref: number) => boolean,
  mint: number,
  segmentSize: number,
  logger: CheckpointLogger,
): Promise<CheckpointStats> {
  const finalDir = path.join(walDir, checkpointName(index));
  const tmpDir = `${finalDir}.tmp`;
  await vfs.removeAll(tmpDir);
  await vfs.mkdir(tmpDir);
  const out = new SegmentFilesWriter(vfs, tmpDir, segmentSize);
  const stats: CheckpointStats = {
    index,
    segments: 0,
    series: 0,
    samples: 0,
    tombstones: 0,
    sizeBytes: 0,
    droppedSeries: 0,
    droppedSamples: 0,
  };

  const inSeries = new SeriesRecord();
  const inSamples = new SamplesRecord();
  const inTombs = new TombstonesRecord();
  const inDrops = new SeriesDropRecord();
  const outSeries = new SeriesRecord();
  const outSamples = new SamplesRecord(MERGE_ENTRIES);
  const outTombs = new TombstonesRecord();
  const outDrops = new SeriesDropRecord();
  const outs: WalRecord[] = [outSeries, outSamples, outTombs, outDrops];
  // Consecutive records of one type are merged into `open` until it is full.
  let open: WalRecord | undefined;
  const emit = (): void => {
    if (open !== undefined && open.n > 0) out.add(open);
    open?.reset();
    open = undefined;
  };
  const switchTo = (rec: WalRecord): void => {
    if (open !== rec || rec.n >= MERGE_ENTRIES) emit();
    open = rec;
  };
  let unknownTypes = 0;

  // Returns true when enough output is buffered to be worth writing out.
  const sink = (type: number, buf: Uint8Array, start: number, end: number): boolean => {
    try {
      switch (type) {
        case RecordType.Series: {
          inSeries.decode(buf, start, end);
          switchTo(outSeries);
          for (let i = 0; i < inSeries.n; i++) {
            if (keepSeries(inSeries.refs[i])) {
              outSeries.add(inSeries.refs[i], inSeries.labels[i]);
              stats.series++;
            } else stats.droppedSeries++;
          }
          break;
        }
        case RecordType.Samples: {
          inSamples.decode(buf, start, end);
          switchTo(outSamples);
          for (let i = 0; i < inSamples.n; i++) {
            const ref = inSamples.refs[i];
            const t = inSamples.ts[i];
            if (t >= mint && keepSeries(ref)) {
              // Copy the value through the typed arrays so its bits are untouched.
              const j = outSamples.n;
              outSamples.add(ref, t, 0);
              outSamples.vs[j] = inSamples.vs[i];
              stats.samples++;
            } else stats.droppedSamples++;
          }
          break;
        }
        case RecordType.Tombstones: {
          inTombs.decode(buf, start, end);
          switchTo(outTombs);
          for (let i = 0; i < inTombs.n; i++) {
            if (inTombs.maxts[i] >= mint && keepSeries(inTombs.refs[i])) {
              outTombs.add(inTombs.refs[i], inTombs.mints[i], inTombs.maxts[i]);
              stats.tombstones++;
            }
          }
          break;
        }
        case RecordType.SeriesDrop: {
          inDrops.decode(buf, start, end);
          switchTo(outDrops);
          for (let i = 0; i < inDrops.n; i++) if (keepSeries(inDrops.refs[i])) outDrops.add(inDrops.refs[i]);
          break;
        }
        default:
          unknownTypes++;
      }
    } catch (err) {
      if (!(err instanceof RecordDecodeError)) throw err;
      logger.warn('dropping undecodable WAL record from checkpoint', { type, error: err.message });
    }
    return out.buffered >= FLUSH_BYTES;
  };

  try {
    for (const input of inputs) {
      const scan = await scanSegment(vfs, input.path, sink, input.limit, () => out.flush());
      if (scan.damage && input.onDamage) await input.onDamage(scan);
      if (!input.path.includes(`${path.sep}checkpoint.`)) stats.segments++;
    }
    emit();
    await out.finish();
    await vfs.syncDir(tmpDir);
    await vfs.rename(tmpDir, finalDir);
    await vfs.syncDir(walDir);
  } catch (err) {
    await out.abort();
    await vfs.removeAll(tmpDir).catch(() => {});
    throw err;
  }
  if (unknownTypes > 0) logger.warn('dropped WAL records of unknown type from checkpoint', { count: unknownTypes });
  stats.sizeBytes = out.bytes;
  return stats;
}
