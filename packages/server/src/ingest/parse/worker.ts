/**
 * A parse worker's entry: takes `{ id, kind, body, args }` jobs from the
 * pool, answers `{ id, result }` (typed arrays transferred) or
 * `{ id, error: { status, message } }`.
 */
import { parentPort } from 'node:worker_threads';
import { IngestError } from '../common/http.js';
import { ParserHost } from './host.js';
import type { WorkerJob, WorkerReply } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('the parse worker runs only as a worker thread');
const host = new ParserHost();

port.on('message', (job: WorkerJob) => {
  let reply: WorkerReply;
  try {
    const result = host.run(job.kind, job.body, job.args);
    reply = { id: job.id, result };
    port.postMessage(reply, [result.ids.buffer, result.ts.buffer, result.vs.buffer, result.at.buffer] as ArrayBuffer[]);
    return;
  } catch (err) {
    reply = { id: job.id, error: { status: err instanceof IngestError ? err.status : 500, message: err instanceof Error ? err.message : String(err) } };
  }
  port.postMessage(reply);
});
