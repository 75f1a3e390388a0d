/**
 * Segment files: naming, the 8-byte file header, record framing, and a
 * streaming reader that validates frames and finds where the good data ends.
 * Layout: docs/storage-format/wal.md.
 *
 * Frame (9-byte header, then the payload):
 *   byte 0     record type in bits 0-6; bit 7 set when more records of the
 *              same batch follow (a batch is valid only if all its frames are)
 *   bytes 1-4  payload length, uint32 little-endian
 *   bytes 5-8  CRC-32 (IEEE, as zlib computes it) of bytes 0-4 then the
 *              payload, uint32 little-endian
 */
import { crc32 } from 'node:zlib';
import type { Vfs } from '../vfs.js';

export const SEGMENT_MAGIC = 0x4c415756; // "VWAL" read as uint32 LE
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_SIZE = 8;
export const FRAME_HEADER_SIZE = 9;
export const FRAME_CONTINUED = 0x80;
/** No single record may be larger; a length above it means the header is garbage. */
export const MAX_RECORD_SIZE = 1 << 30;

export function segmentName(index: number): string {
  return String(index).padStart(8, '0');
}

/** The index of a segment file name, or -1 when the name is not one. */
export function parseSegmentName(name: string): number {
  return /^\d{8}$/.test(name) ? Number(name) : -1;
}

export function checkpointName(index: number): string {
  return `checkpoint.${segmentName(index)}`;
}

/** The segment index a checkpoint directory name covers up to, or -1. */
export function parseCheckpointName(name: string): number {
  const m = /^checkpoint\.(\d{8})$/.exec(name);
  return m ? Number(m[1]) : -1;
}

export function writeSegmentHeader(b: Uint8Array, p: number): void {
  b[p] = 0x56; // V
  b[p + 1] = 0x57; // W
  b[p + 2] = 0x41; // A
  b[p + 3] = 0x4c; // L
  b[p + 4] = SEGMENT_VERSION;
  b[p + 5] = 0;
  b[p + 6] = 0;
  b[p + 7] = 0;
}

export const SEGMENT_HEADER = new Uint8Array(SEGMENT_HEADER_SIZE);
writeSegmentHeader(SEGMENT_HEADER, 0);

/**
 * Finishes a frame whose 9 header bytes were reserved at `start` and whose
 * payload fills `[start + 9, end)`: writes type, length and checksum.
 */
export function sealFrame(b: Uint8Array, start: number, end: number, type: number, continued: boolean): void {
  const len = end - start - FRAME_HEADER_SIZE;
  if (len > MAX_RECORD_SIZE) throw new RangeError(`cannot frame WAL record: ${len} bytes exceeds the limit of ${MAX_RECORD_SIZE}`);
  b[start] = type | (continued ? FRAME_CONTINUED : 0);
  writeU32(b, start + 1, len);
  const crc = crc32(b.subarray(start + FRAME_HEADER_SIZE, end), crc32(b.subarray(start, start + 5)));
  writeU32(b, start + 5, crc);
}

function writeU32(b: Uint8Array, p: number, x: number): void {
  b[p] = x & 0xff;
  b[p + 1] = (x >>> 8) & 0xff;
  b[p + 2] = (x >>> 16) & 0xff;
  b[p + 3] = x >>> 24;
}

function readU32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Where and why reading a segment stopped before its end. */
export interface SegmentDamage {
  /** Offset of the first byte not accepted: the start of the damaged batch. */
  offset: number;
  /** Bytes from `offset` to the end of what was read. */
  dropped: number;
  reason: string;
}

export interface SegmentScan {
  /** Offset just past the last complete, valid batch (0 for an empty file). */
  goodEnd: number;
  /** Bytes looked at (the file size, or the limit). */
  size: number;
  records: number;
  damage?: SegmentDamage;
}

/**
 * Receives each record of each complete, valid batch, in order. The payload
 * is `buf[start, end)` and is only valid during the call. Returning true asks
 * the reader to await its `drain` callback before going on.
 */
export type RecordSink = (type: number, buf: Uint8Array, start: number, end: number) => boolean | void;

const READ_CHUNK = 4 << 20;

/**
 * Reads a segment file frame by frame, checking every checksum, handing each
 * complete batch's records to `sink`, and stops at the first damage (torn
 * tail, bad checksum, garbage). Reads at most `limit` bytes when given (the
 * writer's offset in the active segment). Never throws for damage — it is
 * reported in the result — only for I/O errors.
 */
export async function scanSegment(
  vfs: Vfs,
  path: string,
  sink: RecordSink | undefined,
  limit?: number,
  drain?: () => Promise<void>,
): Promise<SegmentScan> {
  const f = await vfs.open(path, 'r');
  try {
    let size = await f.size();
    if (limit !== undefined && limit < size) size = limit;
    if (size === 0) return { goodEnd: 0, size, records: 0 };
    let buf = new Uint8Array(Math.min(READ_CHUNK, Math.max(size, 64)));
    let bufStart = 0; // file offset of buf[0]
    let bufLen = 0;

    // Ensures file bytes [keepFrom, off + n) are in buf; false at end of data.
    const have = async (keepFrom: number, off: number, n: number): Promise<boolean> => {
      if (off + n > size) return false;
      if (off + n <= bufStart + bufLen) return true;
      const keep = bufStart + bufLen - keepFrom;
      const need = off + n - keepFrom;
      if (need > buf.length) {
        let cap = buf.length * 2;
        while (cap < need) cap *= 2;
        const nb = new Uint8Array(Math.min(cap, size - keepFrom));
        nb.set(buf.subarray(keepFrom - bufStart, bufLen));
        buf = nb;
      } else if (keepFrom > bufStart) {
        buf.copyWithin(0, keepFrom - bufStart, bufLen);
      }
      bufStart = keepFrom;
      bufLen = keep;
      while (bufStart + bufLen < off + n) {
        const want = Math.min(buf.length - bufLen, size - (bufStart + bufLen));
        const got = await f.read(buf, bufLen, want, bufStart + bufLen);
        if (got === 0) return false;
        bufLen += got;
      }
      return true;
    };

    if (!(await have(0, 0, SEGMENT_HEADER_SIZE))) {
      return { goodEnd: 0, size, records: 0, damage: { offset: 0, dropped: size, reason: 'segment header is incomplete' } };
    }
    if (readU32(buf, 0) !== SEGMENT_MAGIC) {
      return { goodEnd: 0, size, records: 0, damage: { offset: 0, dropped: size, reason: 'segment header has a bad magic number' } };
    }
    if (buf[4] !== SEGMENT_VERSION) {
      return { goodEnd: 0, size, records: 0, damage: { offset: 0, dropped: size, reason: `unsupported segment version ${buf[4]}` } };
    }

    let goodEnd = SEGMENT_HEADER_SIZE;
    let records = 0;
    // Frames of the batch being read: [type, start, end] as file offsets.
    const pending: number[] = [];
    let pos = SEGMENT_HEADER_SIZE;
    let reason = '';
    while (pos < size) {
      if (!(await have(goodEnd, pos, FRAME_HEADER_SIZE))) {
        reason = `partial frame header (${size - pos} bytes)`;
        break;
      }
      let h = pos - bufStart;
      const typeByte = buf[h];
      const type = typeByte & 0x7f;
      const len = readU32(buf, h + 1);
      if (type === 0) {
        reason = typeByte === 0 && len === 0 ? 'zeroed bytes' : 'invalid record type 0';
        break;
      }
      if (len > MAX_RECORD_SIZE) {
        reason = `record length ${len} exceeds the limit`;
        break;
      }
      if (!(await have(goodEnd, pos, FRAME_HEADER_SIZE + len))) {
        reason = `record of ${len} bytes extends past the end of the data`;
        break;
      }
      h = pos - bufStart;
      const want = readU32(buf, h + 5);
      const got = crc32(buf.subarray(h + FRAME_HEADER_SIZE, h + FRAME_HEADER_SIZE + len), crc32(buf.subarray(h, h + 5)));
      if (want !== got) {
        reason = 'checksum mismatch';
        break;
      }
      pending.push(type, pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + len);
      pos += FRAME_HEADER_SIZE + len;
      if (typeByte & FRAME_CONTINUED) continue;
      records += pending.length / 3;
      goodEnd = pos;
      if (sink) {
        let wantsDrain = false;
        for (let i = 0; i < pending.length; i += 3) {
          if (sink(pending[i], buf, pending[i + 1] - bufStart, pending[i + 2] - bufStart) === true) wantsDrain = true;
        }
        pending.length = 0;
        if (wantsDrain && drain) await drain();
      } else pending.length = 0;
    }
    if (goodEnd < size && reason === '') reason = 'batch is missing its last record';
    const scan: SegmentScan = { goodEnd, size, records };
    if (goodEnd < size) scan.damage = { offset: goodEnd, dropped: size - goodEnd, reason };
    return scan;
  } finally {
    await f.close();
  }
}
