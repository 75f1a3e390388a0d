/**
 * Bounded concurrency and backpressure for every write path. A writer (an
 * HTTP request, a TCP connection's flush, a UDP flush) takes a slot before it
 * appends and gives it back after its last commit. At most `maxConcurrent`
 * writers append at once; up to `maxQueued` more wait, each at most
 * `maxWaitMs`; beyond that, or after waiting too long, the writer is refused
 * with `OverloadedError` (HTTP: 429/503 with `Retry-After`). Since a writer
 * commits every `batchSamples` samples (see batch.ts), samples pending commit
 * never exceed `maxConcurrent × batchSamples`: nothing buffers without bound.
 */

export interface LimiterOptions {
  maxConcurrent: number;
  maxQueued: number;
  maxWaitMs: number;
}

export class OverloadedError extends Error {
  /** What to put in `Retry-After` (seconds). */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.name = 'OverloadedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Gives the slot back; calling it more than once is harmless. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  timer: NodeJS.Timeout;
}

export class WriteLimiter {
  #opts: LimiterOptions;
  #inflight = 0;
  #queue: Waiter[] = [];
  /** Samples appended but not yet committed, over all writers (kept by IngestBatch). */
  pendingSamples = 0;

  constructor(opts: LimiterOptions) {
    this.#opts = { ...opts };
  }

  /** New limits apply to later acquisitions (config reload). */
  setOptions(opts: LimiterOptions): void {
    this.#opts = { ...opts };
    this.#drain();
  }

  get inflight(): number {
    return this.#inflight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** A slot now, or undefined when all are taken (for UDP and other paths that cannot wait). */
  tryAcquire(): Release | undefined {
    if (this.#inflight >= this.#opts.maxConcurrent || this.#queue.length > 0) return undefined;
    this.#inflight++;
    return this.#releaser();
  }

  /** A slot, waiting in a bounded queue for a bounded time; rejects with `OverloadedError`. */
  acquire(): Promise<Release> {
    const now = this.tryAcquire();
    if (now !== undefined) return Promise.resolve(now);
    const retry = Math.max(1, Math.ceil(this.#opts.maxWaitMs / 1000));
    if (this.#queue.length >= this.#opts.maxQueued || this.#opts.maxWaitMs <= 0) {
      return Promise.reject(
        new OverloadedError(`too many concurrent writes (${this.#inflight} appending, ${this.#queue.length} waiting): retry later`, retry),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const w: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const i = this.#queue.indexOf(w);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(new OverloadedError(`storage is saturated: no write slot became free within ${this.#opts.maxWaitMs} ms; retry later`, retry));
        }, this.#opts.maxWaitMs),
      };
      this.#queue.push(w);
    });
  }

  #releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#inflight--;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#queue.length > 0 && this.#inflight < this.#opts.maxConcurrent) {
      const w = this.#queue.shift()!;
      clearTimeout(w.timer);
      this.#inflight++;
      w.grant(this.#releaser());
    }
  }
}
