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

/**
 * A block of whole lines (the body's last block may lack its final newline)
 * as the chunks it arrived in, not joined: the parse pool copies them
 * straight into the buffer that travels to the worker.
 */
export interface LineBlock {
  chunks: Buffer[];
  bytes: number;
  /** Line number of the block's first line (from 1). */
  firstLine: number;
}

/** Yields blocks of whole lines of at least `minBlockBytes` (but the last). */
export async function* lineBlocks(req: IncomingMessage, limit: number, minBlockBytes = 256 * 1024): AsyncGenerator<LineBlock> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  for await (const chunk of bodyChunks(req, limit)) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < minBlockBytes) continue;
    // The block ends at the last newline, in the last chunk that has one.
    let k = pending.length - 1;
    let nl = -1;
    for (; k >= 0; k--) {
      nl = pending[k].lastIndexOf(10);
      if (nl >= 0) break;
    }
    if (k < 0) continue;
    const block = pending.slice(0, k);
    block.push(pending[k].subarray(0, nl + 1));
    const rest = pending.slice(k + 1);
    if (nl + 1 < pending[k].length) rest.unshift(pending[k].subarray(nl + 1));
    let bytes = 0;
    for (const c of block) bytes += c.length;
    const first = line;
    for (const c of block) for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) line++;
    pending = rest;
    pendingBytes -= bytes;
    yield { chunks: block, bytes, firstLine: first };
  }
  if (pendingBytes > 0) yield { chunks: pending, bytes: pendingBytes, firstLine: line };
}
