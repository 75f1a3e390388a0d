/**
 * Chunk segment files of a block (`chunks/000001`, ...). See
 * docs/storage-format/index.md. A chunk is addressed by a ref:
 * segment number × 2^32 + byte offset in that segment.
 */
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ByteWriter } from '../chunkenc/varint.js';

const MAGIC = 0x56434b31; // "VCK1"
const HEADER = 8; // magic u32 + version u8 + 3 reserved
export const SEGMENT_MAX = 512 * 1024 * 1024;
const TWO32 = 4294967296;

export function segmentName(n: number): string {
  return String(n).padStart(6, '0');
}

export class ChunkWriter {
  #dir: string;
  #seg = 0;
  #fd = -1;
  #off = 0;
  #buf = new ByteWriter(1 << 16);
  bytesWritten = 0;

  constructor(chunksDir: string) {
    this.#dir = chunksDir;
  }

  #cut(): void {
    this.#flush();
    if (this.#fd >= 0) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
    }
    this.#seg++;
    this.#fd = openSync(join(this.#dir, segmentName(this.#seg)), 'w');
    const h = Buffer.alloc(HEADER);
    h.writeUInt32BE(MAGIC, 0);
    h[4] = 1;
    writeSync(this.#fd, h);
    this.#off = HEADER;
    this.bytesWritten += HEADER;
  }

  /** Writes one chunk (length, bytes, CRC32) and returns its ref. */
  write(chunk: Uint8Array): number {
    const size = chunk.length + 5 + 4;
    if (this.#fd < 0 || this.#off + this.#buf.len + size > SEGMENT_MAX) this.#cut();
    const ref = this.#seg * TWO32 + this.#off + this.#buf.len;
    const b = this.#buf;
    b.uvarint(chunk.length);
    b.bytes(chunk);
    const c = crc32(chunk);
    b.byte(c >>> 24);
    b.byte((c >>> 16) & 0xff);
    b.byte((c >>> 8) & 0xff);
    b.byte(c & 0xff);
    if (b.len >= 1 << 20) this.#flush();
    return ref;
  }

  #flush(): void {
    if (this.#fd < 0 || this.#buf.len === 0) return;
    writeSync(this.#fd, this.#buf.buf, 0, this.#buf.len);
    this.#off += this.#buf.len;
    this.bytesWritten += this.#buf.len;
    this.#buf.reset();
  }

  /** Flushes, fsyncs and closes the current segment. */
  close(): void {
    this.#flush();
    if (this.#fd >= 0) {
      fsyncSync(this.#fd);
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }
}

/** Reads chunks by ref with positioned reads; one descriptor per segment, opened lazily. */
export class ChunkReader {
  #dir: string;
  #fds = new Map<number, number>();
  #scratch = Buffer.alloc(16);

  constructor(chunksDir: string) {
    this.#dir = chunksDir;
  }

  #fd(seg: number): number {
    let fd = this.#fds.get(seg);
    if (fd === undefined) {
      fd = openSync(join(this.#dir, segmentName(seg)), 'r');
      this.#fds.set(seg, fd);
    }
    return fd;
  }

  /** The chunk's bytes (a fresh buffer); throws naming the ref on corruption. */
  read(ref: number): Uint8Array {
    const seg = Math.floor(ref / TWO32);
    const off = ref % TWO32;
    const fd = this.#fd(seg);
    const head = this.#scratch;
    const got = readSync(fd, head, 0, 10, off);
    let len = 0;
    let shift = 1;
    let p = 0;
    for (; p < got; p++) {
      len += (head[p] & 0x7f) * shift;
      shift *= 128;
      if (head[p] < 0x80) break;
    }
    if (p >= got) throw new Error(`cannot read chunk ${ref} in ${this.#dir}: truncated length`);
    const start = off + p + 1;
    const body = Buffer.allocUnsafe(len + 4);
    const n = readSync(fd, body, 0, len + 4, start);
    if (n !== len + 4) throw new Error(`cannot read chunk ${ref} in ${this.#dir}: truncated (${n} of ${len + 4} bytes)`);
    const data = body.subarray(0, len);
    if (crc32(data) !== body.readUInt32BE(len)) throw new Error(`cannot read chunk ${ref} in ${this.#dir}: checksum mismatch`);
    return data;
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }
}
