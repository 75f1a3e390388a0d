/**
 * Line-oriented request bodies for the text protocols' HTTP endpoints:
 * the body (decoded per `Content-Encoding`, limited per
 * `--web.max-body-size`) cut into blocks of whole lines (still bytes: the
 * parse step decodes them, off the main thread when it runs in a parse
 * worker), so a block's samples can be committed before the next block is
 * read.
 */
import type { IncomingMessage } from 'node:http';
import { bodyChunks } from '../../api/body.js';

/** Yields `[bytes, firstLine]` blocks of whole lines (the last one may lack its newline). */
export async function* lineBlocks(req: IncomingMessage, limit: number, minBlockBytes = 256 * 1024): AsyncGenerator<[Buffer, number]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  for await (const chunk of bodyChunks(req, limit)) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < minBlockBytes) continue;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    const last = buf.lastIndexOf(10);
    if (last < 0) {
      pending = [buf];
      continue;
    }
    const block = buf.subarray(0, last + 1);
    const rest = buf.subarray(last + 1);
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    const first = line;
    for (let i = buf.indexOf(10); i >= 0 && i <= last; i = buf.indexOf(10, i + 1)) line++;
    yield [block, first];
  }
  if (pendingBytes > 0) yield [pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes), line];
}
