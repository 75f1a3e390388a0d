/**
 * OTLP/HTTP metrics at `POST /v1/metrics` and `POST /api/v1/otlp/v1/metrics`
 * (Prometheus's path): `Content-Type: application/x-protobuf` or
 * `application/json`, optionally gzip (`Content-Encoding`). Answers as the
 * OTLP/HTTP spec says, in the request's encoding:
 *
 * - 200 with an empty `ExportMetricsServiceResponse` when everything was
 *   committed;
 * - 200 with `partial_success {rejected_data_points, error_message}` when
 *   some points were refused (delta temporality, exponential histograms,
 *   samples the storage refuses): the rest is committed, and the message
 *   names each refused metric and why;
 * - 400 with a `google.rpc.Status` naming the problem for a body that cannot
 *   be decoded; 415 for other content types; 413 over the body limit;
 *   429 with `Retry-After` when saturated (OTLP exporters retry 429/503).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler } from '../../api/router.js';
import type { Labels } from '../../model/labels.js';
import { NEED_LABELS } from '../common/batch.js';
import type { IngestCommon } from '../common/common.js';
import { IngestError, readBody, writeEndpoint, type ErrorRenderer } from '../common/http.js';
import { ProtoError } from '../common/protobuf.js';
import { decodeMetricsJson, JsonShapeError } from './json.js';
import type { ResourceMetrics } from './model.js';
import { decodeMetricsRequest } from './parser.js';
import { translate } from './translate.js';

export const PROTOCOL = 'otlp';
const MAX_CACHED_REFS = 500_000;

type Encoding = 'protobuf' | 'json';

function encodingOf(req: IncomingMessage): Encoding {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  throw new IngestError(415, `unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: OTLP/HTTP takes application/x-protobuf or application/json`);
}

/** Errors as `google.rpc.Status` {1 code, 2 message} in the request's encoding (gRPC code 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED …). */
export const otlpError: ErrorRenderer = (res, status, message, req) => {
  const code = status === 429 || status === 503 ? 8 : status === 401 ? 16 : status >= 500 ? 13 : 3;
  let json = false;
  try {
    json = encodingOf(req) === 'json';
  } catch {
    json = false;
  }
  const body = json ? Buffer.from(JSON.stringify({ code, message })) : encodeStatus(code, message);
  res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'application/x-protobuf', 'Content-Length': body.length });
  res.end(body);
};

function encodeStatus(code: number, message: string): Buffer {
  const msg = Buffer.from(message);
  return Buffer.concat([Buffer.from([0x08]), varint(code), Buffer.from([0x12]), varint(msg.length), msg]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}

function sendResponse(res: ServerResponse, enc: Encoding, rejected: number, message: string): void {
  let body: Buffer;
  if (enc === 'json') {
    body = Buffer.from(JSON.stringify(rejected > 0 || message !== '' ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } } : {}));
  } else if (rejected > 0 || message !== '') {
    const msg = Buffer.from(message);
    const inner = Buffer.concat([Buffer.from([0x08]), varint(rejected), Buffer.from([0x12]), varint(msg.length), msg]);
    body = Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
  } else body = Buffer.alloc(0);
  res.writeHead(200, { 'Content-Type': enc === 'json' ? 'application/json' : 'application/x-protobuf', 'Content-Length': body.length });
  res.end(body);
}

export function otlpHandler(common: IngestCommon): Handler {
  const refs = new Map<string, number>();
  return writeEndpoint({ protocol: PROTOCOL, common, overloadedStatus: 429, renderError: otlpError }, async ({ req, res }, w) => {
    const enc = encodingOf(req);
    const body = await readBody(req, w.maxBodyBytes);
    let request: ResourceMetrics[];
    try {
      request = enc === 'protobuf' ? decodeMetricsRequest(body) : decodeMetricsJson(body.toString('utf8'));
    } catch (err) {
      if (err instanceof ProtoError) throw new IngestError(400, `cannot decode ExportMetricsServiceRequest: ${err.message}`);
      if (err instanceof JsonShapeError) throw new IngestError(400, `cannot decode ExportMetricsServiceRequest (JSON): ${err.message}`);
      throw err;
    }
    // Translate first (labels are built per point anyway), then append with bounded commits.
    const labels: Labels[] = [];
    const ts: number[] = [];
    const vs: Float64Array[] = [];
    let chunk = new Float64Array(4096);
    let n = 0;
    const batch = w.batch();
    translate(
      request,
      (ls, t, v) => {
        if (n === chunk.length) {
          vs.push(chunk);
          chunk = new Float64Array(4096);
          n = 0;
        }
        labels.push(ls);
        ts.push(t);
        chunk[n++] = v;
      },
      (message, points) => batch.receivedAndRejected(message, points),
    );
    vs.push(chunk);
    await batch.run(async () => {
      for (let i = 0; i < labels.length; i++) {
        const ls = labels[i];
        const v = vs[i >> 12][i & 4095];
        const key = ls.key();
        const cached = refs.get(key) ?? 0;
        let ref = batch.append(cached, cached === 0 ? ls : undefined, ts[i], v);
        if (ref === NEED_LABELS) ref = batch.append(0, ls, ts[i], v);
        if (ref > 0 && ref !== cached) {
          if (refs.size >= MAX_CACHED_REFS) refs.clear();
          refs.set(key, ref);
        } else if (ref < 0 && batch.wantsAnnotation) batch.annotateLast(`series ${ls.toString()}`);
        await batch.maybeCommit();
      }
    });
    sendResponse(res, enc, batch.rejected, batch.rejected > 0 ? batch.summary() : '');
  });
}
