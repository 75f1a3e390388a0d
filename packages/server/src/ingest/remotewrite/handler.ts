/**
 * `POST /api/v1/write`: Prometheus remote write 1.0 and 2.0 into the
 * Appender.
 *
 * - Content negotiation by `Content-Type` (see stream.ts); 415 for other
 *   types or encodings.
 * - Success: 204. Every sample of the request is committed to the WAL first.
 * - A sample the storage refuses (too old, duplicate timestamp with another
 *   value) or a series with invalid labels: the good samples of the request
 *   are committed, the answer is 400 naming how many were rejected and why
 *   (the sender must not retry a 4xx).
 * - 2.0 answers carry `X-Prometheus-Remote-Write-Samples-Written`,
 *   `-Histograms-Written` (always 0: native histograms are not stored yet)
 *   and `-Exemplars-Written` (always 0: exemplars are not stored).
 * - Saturated: 503 with `Retry-After` (Prometheus always retries a 5xx; it
 *   drops a 429 unless `retry_on_http_429` is set).
 *
 * The body is decompressed and decoded, and its series found, off the main
 * thread (parse.ts, run by the parse pool); the main thread appends.
 *
 * Dropped (the storage seam has no place for them yet): native histograms,
 * exemplars, metadata (type, help, unit), created timestamps. Counted in
 * `vigil_ingest_remote_write_dropped_total{kind}`.
 */
import type { ServerResponse } from 'node:http';
import type { Counter } from '../../metrics/registry.js';
import type { IngestCommon } from '../common/common.js';
import { badRequest, writeEndpoint } from '../common/http.js';
import { appendParsed } from '../common/parsed.js';
import type { Handler } from '../../api/router.js';
import { negotiateVersion, readSnappyBody } from './stream.js';

export const PROTOCOL = 'remote_write';

export function remoteWriteHandler(common: IngestCommon): Handler {
  const dropped = declareDropped(common);
  return writeEndpoint({ protocol: PROTOCOL, common, overloadedStatus: 503 }, async ({ req, res }, w) => {
    const version = negotiateVersion(req.headers['content-type']);
    const body = await readSnappyBody(req, w.maxBodyBytes);
    // Decompressed, decoded and series found in a parse worker (parse.ts).
    const { samples: p, refs } = await common.parsePool.parse('remote_write', body, { version, limit: w.maxBodyBytes });
    for (const kind of ['histogram', 'exemplar', 'metadata']) if (p.counts[kind]) dropped.labels(kind).inc(p.counts[kind]);
    const batch = w.batch();
    await batch.run(() => appendParsed(p, refs, batch, { commitEvery: common.options.batchSamples, where: undefined, lineError: undefined }));
    if (version === 2) writtenHeaders(res, batch.accepted, 0, 0);
    if (batch.rejected > 0) throw badRequest(batch.summary());
    res.writeHead(204);
    res.end();
  });
}

function declareDropped(common: IngestCommon): Counter {
  return common.registry.counter({
    name: 'vigil_ingest_remote_write_dropped_total',
    help: 'Remote-write items the storage cannot keep yet and were dropped, by kind (histogram, exemplar, metadata).',
    labelNames: ['kind'],
  });
}

function writtenHeaders(res: ServerResponse, samples: number, histograms: number, exemplars: number): void {
  res.setHeader('X-Prometheus-Remote-Write-Samples-Written', String(samples));
  res.setHeader('X-Prometheus-Remote-Write-Histograms-Written', String(histograms));
  res.setHeader('X-Prometheus-Remote-Write-Exemplars-Written', String(exemplars));
}
