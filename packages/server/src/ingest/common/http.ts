/**
 * The HTTP side every push protocol shares: `writeEndpoint` wraps a
 * protocol's handler with, in order, authentication (401 with
 * `WWW-Authenticate`), a write slot from the limiter (429 or 503 with
 * `Retry-After` when saturated), and one error mapping: `IngestError` carries
 * its own status; the API's errors (`ApiError`: 413 for bodies over the
 * limit, 400 for bad gzip) and `StorageError`s (closed: 503, WAL failure:
 * 500) map through the API's one error table. Error bodies are plain text by
 * default (what Prometheus's remote-write receiver sends); a protocol passes
 * `renderError` to speak its own format (Influx JSON, OTLP Status).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyChunks } from '../../api/body.js';
import { ApiError, toApiError } from '../../api/errors.js';
import type { Handler, RequestContext } from '../../api/router.js';
import type { IngestBatch } from './batch.js';
import type { IngestCommon } from './common.js';
import { OverloadedError } from './limiter.js';
import type { ProtocolMetrics } from './metrics.js';

/** An error with the HTTP status and headers to answer it with. */
export class IngestError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'IngestError';
    this.status = status;
    this.headers = headers;
  }
}

export const badRequest = (message: string) => new IngestError(400, message);

/** Writes an error response: `status`, `message`, extra `headers` already set on `res`. */
export type ErrorRenderer = (res: ServerResponse, status: number, message: string, req: IncomingMessage) => void;

export const plainTextError: ErrorRenderer = (res, status, message) => {
  const text = `${message}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

export interface WriteEndpointOptions {
  protocol: string;
  common: IngestCommon;
  /**
   * Status when the limiter refuses: 429 (default) or 503. Remote write uses
   * 503 because Prometheus's sender drops a batch answered 429 unless
   * `retry_on_http_429` is set, and always retries a 5xx.
   */
  overloadedStatus?: 429 | 503;
  renderError?: ErrorRenderer;
  /** A credential from outside the `Authorization` header (query parameters …). */
  credential?: (ctx: RequestContext) => { username: string; password: string } | { token: string } | undefined;
}

/** What a protocol handler gets besides the request. */
export interface WriteContext {
  metrics: ProtocolMetrics;
  /** A fresh batch for this request (commits in bounded pieces). */
  batch(opts?: { allowBackfill?: boolean }): IngestBatch;
  /** Body limit in bytes (before and after decompression). */
  maxBodyBytes: number;
  now(): number;
}

export type WriteHandler = (ctx: RequestContext, w: WriteContext) => Promise<void>;

export function writeEndpoint(o: WriteEndpointOptions, handler: WriteHandler): Handler {
  const { common } = o;
  const metrics = common.metrics.forProtocol(o.protocol);
  const render = o.renderError ?? plainTextError;
  const w: WriteContext = {
    metrics,
    batch: (b) => common.batch(metrics, b),
    get maxBodyBytes() {
      return common.maxBodyBytes;
    },
    now: common.now,
  };
  const fail = (ctx: RequestContext, status: number, message: string, headers: Record<string, string> = {}) => {
    const { res } = ctx;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    render(res, status, message, ctx.req);
  };
  return async (ctx) => {
    const auth = common.auth.check(ctx.req, o.credential?.(ctx));
    if (auth !== 'ok') {
      metrics.unauthorized.inc();
      ctx.req.resume();
      fail(ctx, 401, auth === 'missing' ? 'authentication required' : 'wrong credentials', { 'WWW-Authenticate': common.auth.challenge });
      return;
    }
    let release;
    try {
      release = await common.limiter.acquire();
    } catch (err) {
      if (!(err instanceof OverloadedError)) throw err;
      metrics.throttled.inc();
      ctx.req.resume();
      fail(ctx, o.overloadedStatus ?? 429, err.message, { 'Retry-After': String(err.retryAfterSeconds) });
      return;
    }
    try {
      await handler(ctx, w);
    } catch (err) {
      if (err instanceof IngestError) {
        if (err.status === 400 || err.status === 415) metrics.parseErrors.inc();
        fail(ctx, err.status, err.message, err.headers);
        return;
      }
      const e = toApiError(err);
      if (e.kind === 'internal') common.logger.error('cannot ingest', { protocol: o.protocol, err: e.message });
      // A gzip body that does not inflate is a parse error too.
      if (e.kind === 'bad_data') metrics.parseErrors.inc();
      fail(ctx, e.status, e.message, e.kind === 'unavailable' ? { 'Retry-After': '5' } : {});
    } finally {
      release();
    }
  };
}

/**
 * The whole request body, decompressed per `Content-Encoding` (gzip,
 * deflate, identity) with the size limit applied before and after
 * decompression (413 over it).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of bodyChunks(req, limit)) {
    parts.push(c);
    n += c.length;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
}

/**
 * The raw request body, whatever its `Content-Encoding` (for protocols with
 * their own compression, such as remote write's snappy), up to `limit` bytes.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLargeError(limit);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    const c = chunk as Buffer;
    n += c.length;
    if (n > limit) {
      req.resume();
      throw tooLargeError(limit);
    }
    parts.push(c);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
}

export function tooLargeError(limit: number): ApiError {
  return new ApiError('too_large', `request body too large: the limit is ${limit} bytes (--web.max-body-size)`);
}
