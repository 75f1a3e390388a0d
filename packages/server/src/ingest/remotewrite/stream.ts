/**
 * The stream reader of remote write: request body (read on the main
 * thread) → snappy block decompression (in the parse step; the
 * uncompressed length, written first in the block, is checked against the
 * body limit before anything is inflated) → the protobuf decoder. Errors are `IngestError`s naming what was wrong.
 */
import type { IncomingMessage } from 'node:http';
import { IngestError, readRawBody, tooLargeError } from '../common/http.js';
import { ProtoError } from '../common/protobuf.js';
import { SnappyError, snappyDecode, snappyHeader } from '../common/snappy.js';
import type { RemoteWriteParser, RemoteWriteVersion } from './parser.js';

export const V1_PROTO = 'prometheus.WriteRequest';
export const V2_PROTO = 'io.prometheus.write.v2.Request';

/**
 * The message version from `Content-Type` (the spec's content negotiation):
 * `application/x-protobuf` alone or with `proto=prometheus.WriteRequest` is
 * 1.0, `proto=io.prometheus.write.v2.Request` is 2.0; no header at all is
 * 1.0 (old senders). Anything else is 415.
 */
export function negotiateVersion(contentType: string | undefined): RemoteWriteVersion {
  if (contentType === undefined || contentType.trim() === '') return 1;
  const parts = contentType.split(';').map((p) => p.trim());
  if (parts[0].toLowerCase() !== 'application/x-protobuf') {
    throw new IngestError(415, `unsupported Content-Type ${JSON.stringify(contentType)}: expected application/x-protobuf;proto=${V1_PROTO} or ;proto=${V2_PROTO}`);
  }
  let version: RemoteWriteVersion = 1;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'proto') continue;
    const proto = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (proto === V1_PROTO) version = 1;
    else if (proto === V2_PROTO) version = 2;
    else throw new IngestError(415, `unsupported remote-write message ${JSON.stringify(proto)}: this receiver accepts ${V1_PROTO} and ${V2_PROTO}`);
  }
  return version;
}

/** Checks `Content-Encoding` (snappy, or absent as old senders do) and reads the still-compressed body. */
export async function readSnappyBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const enc = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (enc !== '' && enc !== 'snappy') {
    throw new IngestError(415, `unsupported Content-Encoding ${JSON.stringify(enc)}: remote write bodies are snappy-compressed (Content-Encoding: snappy)`);
  }
  return readRawBody(req, limit);
}

/**
 * Inflates a snappy block into `scratch.buf` (replaced by a larger buffer
 * when too small); the length the block declares is checked against `limit`
 * before anything is inflated.
 */
export function unsnappy(raw: Uint8Array, limit: number, scratch: { buf: Buffer }): Buffer {
  try {
    const { length } = snappyHeader(raw);
    if (length > limit) throw new IngestError(413, tooLargeError(limit).message);
    if (scratch.buf.length < length) scratch.buf = Buffer.allocUnsafeSlow(Math.max(length, scratch.buf.length * 2));
    return scratch.buf.subarray(0, snappyDecode(raw, scratch.buf));
  } catch (err) {
    if (err instanceof SnappyError) throw new IngestError(400, `cannot decompress snappy body: ${err.message}`);
    throw err;
  }
}

/** Decodes the message into `parser`; a malformed body is a 400 naming the message and the byte. */
export function decodeBody(parser: RemoteWriteParser, body: Buffer, version: RemoteWriteVersion): void {
  try {
    if (version === 1) parser.decodeV1(body);
    else parser.decodeV2(body);
  } catch (err) {
    if (err instanceof ProtoError) throw new IngestError(400, `cannot decode ${version === 1 ? V1_PROTO : V2_PROTO}: ${err.message}`);
    throw err;
  }
}
