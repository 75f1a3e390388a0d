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
import { PARSE_KINDS, ParserHost, type ParseArgs, type ParseKind } from './host.js';

export interface WorkerJob {
  id: number;
  kind: ParseKind;
  body: Uint8Array | string;
  args: ParseArgs[ParseKind];
}

export type WorkerReply = { id: number; result: ParsedSamples; error?: undefined } | { id: number; result?: undefined; error: { status: number; message: string } };

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

  /** `workers` threads; 0 parses inline on the calling thread. */
  constructor(workers: number, logger: Logger) {
    this.#logger = logger;
    this.#slots = Array.from({ length: workers }, () => new Slot());
    this.#inline = workers === 0 ? new ParserHost() : undefined;
    for (const s of this.#slots) this.#start(s);
  }

  get workers(): number {
    return this.#slots.length;
  }

  /** Parses `body`; rejects with an `IngestError` (400, 413 …) for a bad body. */
  parse<K extends ParseKind>(kind: K, body: Uint8Array | string, args: ParseArgs[K]): Promise<Parsed> {
    if (this.#closed) return Promise.reject(new IngestError(503, 'cannot parse: the server is shutting down'));
    if (this.#inline !== undefined) {
      try {
        return Promise.resolve(this.#take(this.#inlineRefs, kind, this.#inline.run(kind, body, args)));
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
      const job: WorkerJob = { id, kind, body, args };
      if (typeof body === 'string') worker.postMessage(job);
      else {
        // A copy, transferred: the caller's buffer may be a view into memory Node itself still uses.
        const bytes = new Uint8Array(body); // (Buffer#slice would be a view, not a copy)
        job.body = bytes;
        worker.postMessage(job, [bytes.buffer as ArrayBuffer]);
      }
    });
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
    w.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (reply.result !== undefined) p.resolve(this.#take(slot.refs, p.kind, reply.result));
      else if (reply.error.status >= 500) p.reject(new Error(reply.error.message));
      else p.reject(new IngestError(reply.error.status, reply.error.message));
    });
    const fail = (why: string) => {
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
