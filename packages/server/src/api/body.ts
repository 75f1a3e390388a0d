/**
 * Request bodies as a stream of chunks, decompressed per `Content-Encoding`
 * (gzip, deflate, identity), with the size limit enforced on the bytes
 * received and on the bytes after decompression (so a small gzip bomb cannot
 * blow up memory). Going over the limit is a 413 naming the limit.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import { ApiError, badData } from './errors.js';

export function tooLarge(limit: number): ApiError {
  return new ApiError('too_large', `request body too large: the limit is ${limit} bytes (--web.max-body-size)`);
}

/** Yields the (decoded) body in chunks; throws `ApiError` (413, 400) on the way. */
export async function* bodyChunks(req: IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);

  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  let source: Readable;
  let raw = 0;
  if (encoding === 'identity' || encoding === '') source = req;
  else if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') {
    const inflater = encoding === 'deflate' ? createInflate() : createGunzip();
    req.on('data', (c: Buffer) => {
      raw += c.length;
      if (raw > limit) inflater.destroy(tooLarge(limit));
    });
    req.on('error', (e) => inflater.destroy(e));
    source = req.pipe(inflater);
  } else throw badData(`unsupported Content-Encoding ${JSON.stringify(encoding)} (use gzip, deflate or identity)`);

  let total = 0;
  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > limit) throw tooLarge(limit);
      yield buf;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw badData(`cannot decompress ${encoding} body: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    if (source !== req) source.destroy();
  }
}

/** The whole body as a string (for form bodies, which are small). */
export async function readBodyText(req: IncomingMessage, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of bodyChunks(req, limit)) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Splits a chunk stream into lines, yielding `[lineNumber, text]` (1-based,
 * `\r\n` accepted). Lines are cut on bytes, so UTF-8 sequences split across
 * chunks join up; a line that is not valid UTF-8 yields `undefined` as text
 * (rather than being silently mangled into U+FFFD).
 */
export async function* lines(chunks: AsyncIterable<Buffer>): AsyncGenerator<[number, string | undefined]> {
  let rest: Buffer = Buffer.alloc(0);
  let n = 0;
  const decode = (b: Buffer): string | undefined => {
    const end = b.length > 0 && b[b.length - 1] === 13 ? b.length - 1 : b.length;
    const line = b.subarray(0, end);
    return isUtf8(line) ? line.toString('utf8') : undefined;
  };
  for await (const chunk of chunks) {
    const buf = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      yield [++n, decode(buf.subarray(start, nl))];
      start = nl + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length > 0) yield [++n, decode(rest)];
}
