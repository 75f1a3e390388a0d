/**
 * The one response envelope of /api/v1, as Prometheus's:
 *
 * ```json
 * {"status":"success","data":…,"warnings":["…"],"infos":["…"]}
 * {"status":"error","errorType":"bad_data","error":"…","data":…}
 * ```
 *
 * `warnings` and `infos` are omitted when empty; `data` is omitted on errors
 * unless the error carries some.
 */
import type { ServerResponse } from 'node:http';
import type { ApiError } from './errors.js';

export interface Envelope {
  status: 'success' | 'error';
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

export interface Annotations {
  warnings?: string[];
  infos?: string[];
}

export function successEnvelope(data: unknown, notes: Annotations = {}): Envelope {
  const env: Envelope = { status: 'success', data };
  if (notes.warnings && notes.warnings.length > 0) env.warnings = notes.warnings;
  if (notes.infos && notes.infos.length > 0) env.infos = notes.infos;
  return env;
}

export function errorEnvelope(err: ApiError): Envelope {
  const env: Envelope = { status: 'error', errorType: err.kind, error: err.message };
  if (err.data !== undefined) env.data = err.data;
  return env;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendSuccess(res: ServerResponse, data: unknown, notes?: Annotations): void {
  sendJson(res, 200, successEnvelope(data, notes));
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    // A streaming response already started: all we can do is cut it short.
    res.destroy(err);
    return;
  }
  sendJson(res, err.status, errorEnvelope(err));
}
