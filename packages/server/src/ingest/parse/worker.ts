/**
 * A parse worker's entry: takes `{ id, kind, body, args }` jobs from the
 * pool, answers `{ id, result }` (typed arrays transferred) or
 * `{ id, error: { status, message } }`, with the body's buffer handed back
 * (`body`) for the pool to reuse; `{ forget: true }` makes it forget its
 * series ids.
 */
import { parentPort } from 'node:worker_threads';
import { IngestError } from '../common/http.js';
import { ParserHost, detachOnce } from './host.js';
import type { WorkerControl, WorkerJob, WorkerReady, WorkerReply } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('the parse worker runs only as a worker thread');
detachOnce();
const host = new ParserHost();

port.on('message', (job: WorkerJob | WorkerControl) => {
  if ('forget' in job) {
    host.forget();
    return;
  }
  let reply: WorkerReply;
  // The body's buffer goes back with the answer, for the pool to reuse (the parse step keeps no reference to it).
  const body = typeof job.body === 'string' ? undefined : (job.body.buffer as ArrayBuffer);
  const back: ArrayBuffer[] = body === undefined ? [] : [body];
  try {
    const result = host.run(job.kind, job.body, job.args);
    reply = { id: job.id, result, body };
    port.postMessage(reply, [result.ids.buffer, result.ts.buffer, result.vs.buffer, result.at.buffer, ...back] as ArrayBuffer[]);
    return;
  } catch (err) {
    reply = { id: job.id, error: { status: err instanceof IngestError ? err.status : 500, message: err instanceof Error ? err.message : String(err) }, body };
  }
  port.postMessage(reply, back);
});

port.postMessage({ ready: true } satisfies WorkerReady);
