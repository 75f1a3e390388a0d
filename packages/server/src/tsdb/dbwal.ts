/**
 * The TSDB's use of the write-ahead log: how a committed batch, a deletion
 * and a checkpoint are written, and how a replay rebuilds the head.
 */
import type { Vfs } from './vfs.js';
import type { Logger } from '../server/logger.js';
import type { Head } from './head/head.js';
import type { MemSeries } from './head/series.js';
import { RecordType, SeriesRecord, TombstonesRecord, Wal, encodeSamples, type ByteWriter, type WalRecord } from './wal/index.js';

/** A samples record over the appender's own arrays: encoded without copying them. */
class BatchSamples implements WalRecord {
  readonly type = RecordType.Samples;
  n = 0;
  refs: Int32Array = new Int32Array(0);
  ts: Float64Array = new Float64Array(0);
  vs: Float64Array = new Float64Array(0);

  encode(w: ByteWriter): void {
    encodeSamples(w, this.refs, this.ts, this.vs, this.n);
  }

  decode(): void {
    throw new Error('BatchSamples is write-only');
  }

  reset(): void {
    this.n = 0;
  }
}

export class TSDBWal {
  #wal: Wal;

  private constructor(wal: Wal) {
    this.#wal = wal;
  }

  static async open(opts: { dir: string; fsync: 'commit' | number; logger: Logger; vfs?: Vfs }): Promise<TSDBWal> {
    const wal = await Wal.open({
      dir: opts.dir,
      vfs: opts.vfs,
      logger: opts.logger,
      sync: opts.fsync === 'commit' ? 'commit' : 'interval',
      syncIntervalMs: opts.fsync === 'commit' ? undefined : opts.fsync,
    });
    return new TSDBWal(wal);
  }

  /** Rebuilds the head from the newest checkpoint and the segments after it; returns the samples replayed. */
  async replay(head: Head): Promise<number> {
    let refs = new Int32Array(1024);
    const result = { inOrder: 0, outOfOrder: 0, dropped: 0, chunksCreated: 0 };
    const stats = await this.#wal.replay({
      series(rec) {
        for (let i = 0; i < rec.n; i++) head.logged[head.getOrCreate(rec.labels[i], rec.refs[i]).ref] = 1;
      },
      samples(rec) {
        if (refs.length < rec.n) refs = new Int32Array(rec.n);
        for (let i = 0; i < rec.n; i++) refs[i] = rec.refs[i];
        head.apply(refs, rec.ts, rec.vs, rec.n, result);
      },
      tombstones(rec) {
        for (let i = 0; i < rec.n; i++) head.deleteRef(rec.refs[i], rec.mints[i], rec.maxts[i]);
      },
    });
    return stats.samples;
  }

  #series = new SeriesRecord();
  #samples = new BatchSamples();

  /** Logs the series first seen in this batch, then its samples, as one durable write. */
  logBatch(newSeries: MemSeries[], refs: Int32Array, ts: Float64Array, vs: Float64Array, n: number): Promise<void> {
    // Records are encoded synchronously inside log(), so the two reused records are free again on return.
    const sr = this.#series;
    sr.reset();
    for (const s of newSeries) sr.add(s.ref, s.labels);
    const smp = this.#samples;
    smp.refs = refs;
    smp.ts = ts;
    smp.vs = vs;
    smp.n = n;
    return this.#wal.log(sr, smp);
  }

  logTombstones(refs: number[], mint: number, maxt: number): Promise<void> {
    const rec = new TombstonesRecord();
    for (const r of refs) rec.add(r, mint, maxt);
    return this.#wal.log(rec);
  }

  /** Drops WAL data older than `mint` and series no longer in the head. */
  async checkpoint(head: Head, mint: number, removed: Set<number>): Promise<void> {
    await this.#wal.checkpoint((ref) => !removed.has(ref) && head.get(ref) !== undefined, mint);
  }

  sizeBytes(): number {
    return this.#wal.stats().sizeBytes;
  }

  stats() {
    return this.#wal.stats();
  }

  close(): Promise<void> {
    return this.#wal.close();
  }
}
