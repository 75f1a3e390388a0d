/**
 * The TSDB's appender: buffers a batch in typed arrays, validates each sample
 * against the head, and on commit writes the batch to the WAL first, then
 * stages it in the head (which every read flushes first).
 */
import { validateLabels, type Labels } from '../model/labels.js';
import { StorageError, errDuplicate, errTooOld } from '../storage/errors.js';
import type { Appender, SeriesRef } from '../storage/interface.js';
import { sameBits } from '../storage/memory.js';
import { valueAt, type Head } from './head/head.js';
import type { MemSeries } from './head/series.js';

/** What the appender needs from the DB: the head, and a durable commit. */
export interface AppendTarget {
  head: Head;
  /** Writes series and samples to the WAL, then applies them to the head. */
  commitBatch(newSeries: MemSeries[], refs: Int32Array, ts: Float64Array, vs: Float64Array, n: number): Promise<void>;
  /** Counts refused samples by reason, for self-metrics. */
  onRejected(code: StorageError['code']): void;
  readonly closed: boolean;
  /** Newest timestamp accepted now: a sample far in the future would move the head's window and make every current sample too old. */
  maxFutureTime(): number;
  readonly maxFutureMs: number;
  /** Buffers of finished appenders, reused so a commit allocates nothing in steady state. */
  readonly bufferPool: BatchBuffers[];
}

/** The columns of a batch. */
export interface BatchBuffers {
  refs: Int32Array;
  ts: Float64Array;
  vs: Float64Array;
}

const POOL_MAX = 8;

export class TSDBAppender implements Appender {
  #db: AppendTarget;
  #refs: Int32Array;
  #ts: Float64Array;
  #vs: Float64Array;
  #n = 0;
  #newSeries = new Set<MemSeries>();
  #done = false;
  /**
   * Newest and oldest timestamps accepted: read once per appender (a batch's
   * life is short), not once per sample, as Prometheus's head appender does.
   * A sample that the head's window passed meanwhile is dropped at commit
   * (counted as dropped_at_commit).
   */
  readonly #maxT: number;
  readonly #minT: number;

  constructor(db: AppendTarget, backfill: boolean) {
    this.#db = db;
    const b = db.bufferPool.pop();
    this.#refs = b?.refs ?? new Int32Array(64);
    this.#ts = b?.ts ?? new Float64Array(64);
    this.#vs = b?.vs ?? new Float64Array(64);
    this.#maxT = db.maxFutureTime();
    this.#minT = backfill ? -Infinity : db.head.minValidTime();
  }

  /** Hands the columns back for the next appender. */
  #release(): void {
    const pool = this.#db.bufferPool;
    if (pool.length < POOL_MAX) pool.push({ refs: this.#refs, ts: this.#ts, vs: this.#vs });
  }

  append(ref: SeriesRef, labels: Labels | undefined, t: number, v: number): SeriesRef {
    const head = this.#db.head;
    // The common case, from the head's columns alone: a series whose record is in the WAL (so `ref` is
    // its own, not a replay alias), a sample newer than any taken for it, in range.
    const appendedMaxT = head.appendedMaxT;
    if (ref > 0 && ref < appendedMaxT.length && head.logged[ref] === 1 && t > appendedMaxT[ref] && t <= this.#maxT && t >= this.#minT && Number.isSafeInteger(t) && !this.#done) {
      appendedMaxT[ref] = t;
      this.#push(ref, t, v);
      return ref;
    }
    if (this.#done) throw new StorageError('closed', 'cannot append: this appender was already committed or rolled back');
    let s = ref > 0 ? head.get(ref) : undefined;
    if (s === undefined) {
      if (labels === undefined) throw new StorageError('unknown_series_ref', `cannot append: unknown series ref ${ref} and no labels given`);
      s = head.lookup(labels);
      if (s === undefined) {
        const bad = labels.length === 0 ? 'empty label set' : validateLabels(labels);
        if (bad) {
          this.#db.onRejected('invalid_labels');
          throw new StorageError('invalid_labels', `invalid labels ${labels.toString()}: ${bad}`);
        }
        s = head.create(labels);
      }
    }
    if (!Number.isSafeInteger(t)) {
      this.#db.onRejected('out_of_bounds');
      throw new StorageError('out_of_bounds', `out of bounds: timestamp ${t} is not an integer number of milliseconds in range`);
    }
    if (t > this.#maxT) {
      this.#db.onRejected('out_of_bounds');
      throw new StorageError(
        'out_of_bounds',
        `out of bounds: timestamp ${t} (${new Date(t).toISOString()}) is too far in the future; samples may be at most ${this.#db.maxFutureMs / 3600_000} h ahead of the server's clock`,
      );
    }
    // Not newer than a sample taken before (so maybe not newer than the series' newest sample): that
    // one may be staged still, so the head flushes first. Newer ones, the usual case, need no check.
    if (t <= head.appendedMaxT[s.ref]) {
      if (head.staged > 0) head.flush();
      if (t <= s.maxT) {
        const old = valueAt(s, t);
        if (old !== undefined && !sameBits(old, v)) {
          this.#db.onRejected('duplicate_sample');
          throw errDuplicate(t);
        }
      }
    }
    if (t < this.#minT) {
      this.#db.onRejected('too_old');
      throw errTooOld(t, this.#minT);
    }
    if (t > head.appendedMaxT[s.ref]) head.appendedMaxT[s.ref] = t;
    if (head.logged[s.ref] === 0) this.#newSeries.add(s);
    this.#push(s.ref, t, v);
    return s.ref;
  }

  #push(ref: number, t: number, v: number): void {
    const n = this.#n;
    if (n === this.#refs.length) this.#grow();
    this.#refs[n] = ref;
    this.#ts[n] = t;
    this.#vs[n] = v;
    this.#n = n + 1;
  }

  #grow(): void {
    const cap = this.#refs.length * 2;
    const r = new Int32Array(cap);
    const t = new Float64Array(cap);
    const v = new Float64Array(cap);
    r.set(this.#refs);
    t.set(this.#ts);
    v.set(this.#vs);
    this.#refs = r;
    this.#ts = t;
    this.#vs = v;
  }

  async commit(): Promise<void> {
    if (this.#done) throw new StorageError('closed', 'cannot commit: this appender was already committed or rolled back');
    this.#done = true;
    if (this.#n === 0 && this.#newSeries.size === 0) return this.#release();
    if (this.#db.closed) throw new StorageError('closed', 'cannot commit: storage is closed');
    try {
      await this.#db.commitBatch([...this.#newSeries], this.#refs, this.#ts, this.#vs, this.#n);
    } finally {
      this.#release();
    }
  }

  rollback(): void {
    if (!this.#done) this.#release();
    this.#done = true;
    this.#n = 0;
    this.#newSeries.clear();
  }
}
