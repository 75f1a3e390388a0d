/**
 * `ParsePool`: runs the parse step of remote write and Influx line protocol
 * in worker threads (`--ingest.parse-workers`), so decompressing, decoding
 * and finding series happen on other cores while the main thread appends.
 * With 0 workers the same step runs inline on the main thread.
 *
 * A job goes to the worker with the fewest jobs in flight. Each worker
 * numbers series its own way; the pool keeps, per worker and protocol, the
 * `SeriesRefs` that map those numbers to storage refs, and takes each
 * result's new series into it as the result arrives (the order the worker
 * produced them), so a later result of the same worker can be appended
 * before an earlier one. A worker that forgot its numbering (its series
 * cache was full) gets a fresh `SeriesRefs`; results already handed out
 * keep the one they were made with.
 *
 * A worker that dies fails its jobs in flight (500, logged) and is started
 * again for the next job.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../server/logger.js';
import { IngestError } from '../common/http.js';
import { SeriesRefs, type ParsedSamples } from '../common/parsed.js';
import { PARSE_KINDS, ParserHost, detachOnce, type ParseArgs, type ParseKind } from './host.js';

export interface WorkerJob {
  id: number;
  kind: ParseKind;
  body: Uint8Array | string;
  args: ParseArgs[ParseKind];
}

/** `body`: the job's body buffer, handed back for the next job (the worker keeps no reference to it). */
export type WorkerReply = ({ id: number; result: ParsedSamples; error?: undefined } | { id: number; result?: undefined; error: { status: number; message: string } }) & {
  body?: ArrayBuffer;
};

/** Makes a worker forget its series ids (see `ParsePool.forget`). */
export interface WorkerControl {
  forget: true;
}

/** What a worker posts once, when its modules are loaded and it takes jobs. */
export interface WorkerReady {
  ready: true;
}

/** Body buffers kept for reuse. */
const SPARE_BODIES = 8;
/** New body buffers are sized in these units, so one fits the next, slightly bigger bodies too. */
const BODY_UNIT = 64 * 1024;
/** Bodies bigger than this are copied into a fresh buffer and not kept (a rare huge request must not pin memory). */
const SPARE_MAX_BYTES = 4 << 20;

/** A parse result and the ids → refs map it was made against. */
export interface Parsed {
  samples: ParsedSamples;
  refs: SeriesRefs;
}

interface Pending {
  kind: ParseKind;
  resolve(p: Parsed): void;
  reject(err: Error): void;
}

type RefsByKind = Record<ParseKind, SeriesRefs>;

function freshRefs(): RefsByKind {
  const r = {} as RefsByKind;
  for (const k of PARSE_KINDS) r[k] = new SeriesRefs();
  return r;
}

class Slot {
  worker: Worker | undefined;
  readonly pending = new Map<number, Pending>();
  refs = freshRefs();
  /** Settles when the current worker has loaded (or stopped before it did). */
  online: Promise<void> = Promise.resolve();
}

/**
 * Starts a worker on `worker.js` beside this module; from source (tsx,
 * vitest) on `worker.ts`, through tsx's API: Node 20 does not apply tsx's
 * loader hooks to a worker's entry module.
 */
function newWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { name: 'vigil-parse' });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./worker.ts', self).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(self)}))`;
  return new Worker(boot, { eval: true, name: 'vigil-parse' });
}

export class ParsePool {
  readonly #slots: Slot[];
  readonly #inline: ParserHost | undefined;
  readonly #inlineRefs = freshRefs();
  readonly #logger: Logger;
  #nextId = 1;
  #closed = false;
  /**
   * Buffers that carried earlier bodies to a worker and came back with the
   * result: a body is copied into one of them instead of a new allocation
   * (each a fresh block outside the V8 heap, zeroed, and garbage to collect).
   */
  readonly #spareBodies: ArrayBuffer[] = [];

  /** `workers` threads; 0 parses inline on the calling thread. */
  constructor(workers: number, logger: Logger) {
    this.#logger = logger;
    this.#slots = Array.from({ length: workers }, () => new Slot());
    this.#inline = workers === 0 ? new ParserHost() : undefined;
    // Bodies will be transferred to the workers: pay V8's first-detach cost now, before the append path is compiled.
    if (workers > 0) detachOnce();
    for (const s of this.#slots) this.#start(s);
  }

  get workers(): number {
    return this.#slots.length;
  }

  /**
   * Resolves when every worker has loaded its modules and takes jobs (a
   * worker that failed to start counts too: it is started again for the
   * next job). The server reports ready only after this, so a first request
   * does not wait for a worker's start-up.
   */
  async ready(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.online));
  }

  /**
   * Parses `body` (bytes, the chunks they arrived in, or text); rejects with
   * an `IngestError` (400, 413 …) for a bad body.
   */
  parse<K extends ParseKind>(kind: K, body: Uint8Array | readonly Uint8Array[] | string, args: ParseArgs[K]): Promise<Parsed> {
    if (this.#closed) return Promise.reject(new IngestError(503, 'cannot parse: the server is shutting down'));
    if (this.#inline !== undefined) {
      try {
        const whole = typeof body === 'string' || body instanceof Uint8Array ? body : body.length === 1 ? body[0] : Buffer.concat(body);
        return Promise.resolve(this.#take(this.#inlineRefs, kind, this.#inline.run(kind, whole, args)));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let slot = this.#slots[0];
    for (const s of this.#slots) if (s.pending.size < slot.pending.size) slot = s;
    const worker = slot.worker ?? this.#start(slot);
    const id = this.#nextId++;
    return new Promise<Parsed>((resolve, reject) => {
      slot.pending.set(id, { kind, resolve, reject });
      if (typeof body === 'string') {
        worker.postMessage({ id, kind, body, args } satisfies WorkerJob);
        return;
      }
      // A copy, transferred: the caller's buffers may be views into memory Node itself still uses.
      const chunks = body instanceof Uint8Array ? [body] : body;
      let n = 0;
      for (const c of chunks) n += c.length;
      const bytes = new Uint8Array(this.#bodyBuffer(n), 0, n);
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      worker.postMessage({ id, kind, body: bytes, args } satisfies WorkerJob, [bytes.buffer as ArrayBuffer]);
    });
  }

  /**
   * Makes every parser forget the series it numbered, so the next parse of
   * each protocol starts a new numbering (its result marked `reset`, which
   * starts fresh ids → refs maps here). For the warm-up, whose series went
   * to a throwaway storage: their refs must never reach the real one.
   */
  forget(): void {
    this.#inline?.forget();
    for (const s of this.#slots) s.worker?.postMessage({ forget: true } satisfies WorkerControl);
  }

  /** A buffer of at least `n` bytes: a spare one that fits, else a new one (in whole units, so it fits the next bodies too). */
  #bodyBuffer(n: number): ArrayBuffer {
    const spares = this.#spareBodies;
    for (let i = spares.length - 1; i >= 0; i--) {
      if (spares[i].byteLength >= n) {
        const b = spares[i];
        spares[i] = spares[spares.length - 1];
        spares.pop();
        return b;
      }
    }
    return new ArrayBuffer(n > SPARE_MAX_BYTES ? n : Math.ceil(Math.max(n, 1) / BODY_UNIT) * BODY_UNIT);
  }

  #keepBody(b: ArrayBuffer | undefined): void {
    if (b === undefined || b.byteLength > SPARE_MAX_BYTES) return;
    const spares = this.#spareBodies;
    if (spares.length < SPARE_BODIES) spares.push(b);
    else {
      // Full: keep the bigger ones (they fit more bodies).
      let k = 0;
      for (let i = 1; i < spares.length; i++) if (spares[i].byteLength < spares[k].byteLength) k = i;
      if (spares[k].byteLength < b.byteLength) spares[k] = b;
    }
  }

  /** Spare body buffers held (for tests). */
  get spareBodies(): number {
    return this.#spareBodies.length;
  }

  /** Takes a result's new series into the ids → refs map it belongs to. */
  #take(refs: RefsByKind, kind: ParseKind, samples: ParsedSamples): Parsed {
    if (samples.reset) refs[kind] = new SeriesRefs();
    const r = refs[kind];
    r.describe(samples);
    return { samples, refs: r };
  }

  #start(slot: Slot): Worker {
    const w = newWorker();
    w.unref();
    slot.worker = w;
    slot.refs = freshRefs();
    let online!: () => void;
    slot.online = new Promise<void>((resolve) => (online = resolve));
    w.on('message', (reply: WorkerReply | WorkerReady) => {
      if ('ready' in reply) return online();
      this.#keepBody(reply.body);
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (reply.result !== undefined) p.resolve(this.#take(slot.refs, p.kind, reply.result));
      else if (reply.error.status >= 500) p.reject(new Error(reply.error.message));
      else p.reject(new IngestError(reply.error.status, reply.error.message));
    });
    const fail = (why: string) => {
      online();
      if (slot.worker !== w) return;
      slot.worker = undefined;
      if (!this.#closed) this.#logger.error('Parse worker stopped; it is started again for the next request', { err: why });
      const err = new Error(`the parse worker stopped: ${why}`);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    w.on('error', (err) => fail(err.message));
    w.on('exit', (code) => fail(`exit code ${code}`));
    return w;
  }

  /** Stops worker `i` (its jobs in flight fail); a new one starts for the next job. */
  restartWorker(i: number): void {
    const w = this.#slots[i]?.worker;
    if (w !== undefined) void w.terminate();
  }

  /** Refuses new jobs, lets those in flight finish, then stops the workers (a reload changed their number). */
  async retire(): Promise<void> {
    this.#closed = true;
    while (this.#slots.some((s) => s.pending.size > 0)) await new Promise((r) => setTimeout(r, 50));
    await this.close();
  }

  /** Stops the workers; jobs in flight fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#slots.map(async (s) => {
        const w = s.worker;
        s.worker = undefined;
        for (const p of s.pending.values()) p.reject(new IngestError(503, 'cannot parse: the server is shutting down'));
        s.pending.clear();
        if (w !== undefined) await w.terminate();
      }),
    );
  }
}
