import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { lineBlocks, type LineBlock } from './body.js';

/** A request whose body arrives in exactly these chunks. */
function request(chunks: string[]): IncomingMessage {
  const r = Readable.from(chunks.map((c) => Buffer.from(c)), { objectMode: false }) as unknown as IncomingMessage;
  (r as { headers: Record<string, string> }).headers = {};
  return r;
}

async function blocks(chunks: string[], minBlockBytes: number): Promise<LineBlock[]> {
  const out: LineBlock[] = [];
  for await (const b of lineBlocks(request(chunks), 1 << 20, minBlockBytes)) out.push(b);
  return out;
}

const text = (b: LineBlock) => Buffer.concat(b.chunks).toString();

describe('lineBlocks', () => {
  it('cuts at the last newline of the last chunk that has one, counting lines across chunks', async () => {
    const got = await blocks(['a 1\nb ', '2\nc 3', ' (no newline in this chunk)', '\nd 4\ne', ' 5\n', 'f 6'], 10);
    // The rest after the second block ('e', ' 5\n', 'f 6') stays under the block size: one last block.
    expect(got.map(text)).toEqual(['a 1\nb 2\n', 'c 3 (no newline in this chunk)\nd 4\n', 'e 5\nf 6']);
    expect(got.map((b) => b.firstLine)).toEqual([1, 3, 5]);
    for (const b of got) expect(b.bytes).toBe(Buffer.concat(b.chunks).length);
  });

  it('keeps a body below the block size as one block of its chunks, not joined', async () => {
    const got = await blocks(['x 1\n', 'y 2\n', 'z 3'], 1 << 20);
    expect(got).toHaveLength(1);
    expect(got[0].chunks).toHaveLength(3);
    expect(text(got[0])).toBe('x 1\ny 2\nz 3');
    expect(got[0].firstLine).toBe(1);
  });

  it('waits for a newline when a long line spans chunks', async () => {
    const got = await blocks(['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cc\nd'], 8);
    expect(got.map(text)).toEqual(['aaaaaaaaaaaabbbbbbbbbbbbcc\n', 'd']);
    expect(got.map((b) => b.firstLine)).toEqual([1, 2]);
  });
});
