/**
 * What every push protocol shares. Layout of a protocol (the same three
 * parts every time): `ingest/<protocol>/` with a pure parser (bytes in,
 * reusable rows out, no I/O), a stream reader (request body, TCP stream or
 * UDP packet → parser → `IngestBatch`), and a handler (routes or listeners,
 * built by the protocol's `ComponentFactory`, appended to
 * `server/components.ts` after `ingestCommonFactory`).
 *
 * ## Getting the shared pieces
 *
 * ```ts
 * export const influxFactory: ComponentFactory = {
 *   name: 'influx',
 *   create: async (ctx) => {
 *     const common = ingestCommon(ctx);          // throws if 'ingest' is not started before
 *     ctx.router.on('POST', '/write', writeEndpoint({ protocol: 'influx', common }, async ({ req }, w) => {
 *       const batch = w.batch();
 *       for await (const chunk of bodyChunks(req, w.maxBodyBytes)) { … batch.append(…); await batch.maybeCommit(); }
 *       await batch.commit();
 *       batch.record();
 *       if (batch.rejected > 0) throw badRequest(batch.summary());
 *     }));
 *     return { name: 'influx', stop: async () => {} };
 *   },
 * };
 * ```
 *
 * ## API
 *
 * - `IngestCommon` (`ingestCommon(ctx)`): `storage`, `logger`, `now`,
 *   `limiter`, `metrics`, `auth`, `maxBodyBytes` (= `--web.max-body-size`),
 *   `options` (`IngestOptions`: `batchSamples` …), `batch(metrics)`.
 * - `writeEndpoint({ protocol, common, overloadedStatus?, renderError?, credential? }, handler)`:
 *   a router `Handler` that authenticates (401 + `WWW-Authenticate`), takes
 *   a limiter slot (429, or 503 if asked, + `Retry-After`; counted in
 *   `vigil_ingest_requests_throttled_total`), runs `handler(ctx, w)` and maps
 *   its errors: `IngestError(status, message, headers)` as given (400/415
 *   also count a parse error), `ApiError` (from `bodyChunks`: 413, bad gzip
 *   400) and `StorageError` through the API's error table. `w` holds the
 *   protocol's `metrics`, `batch()`, `maxBodyBytes`, `now()`.
 *   `credential(ctx)` offers a credential from elsewhere than the
 *   `Authorization` header (Influx `u`/`p`: `{username, password}`; a token: `{token}`).
 * - `readBody(req, limit)`: the whole body, gzip/deflate decoded, limit
 *   before and after decompression (413). `readRawBody(req, limit)`: the
 *   bytes as sent (for protocols with their own compression).
 * - `IngestBatch`: `append(ref, labels | undefined, t, v)` → ref (> 0) to
 *   cache, `REJECTED` (the storage refused this sample: counted, message
 *   kept) or `NEED_LABELS` (stale ref: call again with 0 and the labels);
 *   `reject(message, n)` / `receivedAndRejected(message, n)` for samples the
 *   protocol itself refuses; `maybeCommit()` after each append (commits every
 *   `batchSamples`), `commit()` at the end (durable in the WAL when it
 *   resolves: only then acknowledge), `rollback()`, `record()` once to add
 *   accepted/rejected to the counters, `summary()` for a 400 message;
 *   `accepted`, `rejected`, `errors` (first distinct messages).
 * - `WriteLimiter`: `acquire()` (waits in a bounded queue, bounded time;
 *   rejects with `OverloadedError{retryAfterSeconds}`), `tryAcquire()` for
 *   UDP and other paths that cannot wait (undefined when saturated: count
 *   with `metrics.throttled` and drop). Release the slot after the last
 *   commit.
 * - `WriteAuthenticator.check(req, extra?)` → `'ok' | 'missing' | 'wrong'`;
 *   `open` when no credential is configured (TCP/UDP listeners cannot
 *   authenticate; document that).
 * - `ProtocolMetrics` (`common.metrics.forProtocol('influx')`): `received`,
 *   `accepted`, `rejected`, `parseErrors`, `throttled`, `unauthorized`
 *   children of `vigil_ingest_*_total{protocol="influx"}`. `IngestBatch`
 *   bumps `received` on append and the rest in `record()`; bump
 *   `parseErrors` yourself for lines/packets (writeEndpoint does it for a
 *   thrown 400/415).
 */
export { WriteAuthenticator, type AuthOutcome, type WriteAuth } from './auth.js';
export { IngestBatch, MAX_LISTED_ERRORS, NEED_LABELS, REJECTED, type IngestBatchOptions } from './batch.js';
export { IngestCommon, INGEST_COMPONENT, ingestCommon, ingestCommonFactory } from './common.js';
export {
  badRequest,
  IngestError,
  plainTextError,
  readBody,
  readRawBody,
  tooLargeError,
  writeEndpoint,
  type ErrorRenderer,
  type WriteContext,
  type WriteEndpointOptions,
  type WriteHandler,
} from './http.js';
export { OverloadedError, WriteLimiter, type LimiterOptions, type Release } from './limiter.js';
export { IngestMetrics, type ProtocolMetrics } from './metrics.js';
export { ProtoError, ProtoReader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, wrongWireType } from './protobuf.js';
