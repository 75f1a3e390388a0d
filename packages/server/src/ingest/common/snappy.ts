/**
 * Snappy block decompression (the format remote write bodies use), written
 * here because it is on the remote-write hot path: into a caller's reused
 * buffer, with short literals moved byte by byte and copies four bytes at a
 * time (cheaper than a native call per element), it runs faster than the
 * native `snappy` package's `uncompressSync` on remote-write bodies and
 * allocates nothing.
 *
 * Block format: a varint of the uncompressed length, then elements, each a
 * tag byte whose low two bits say literal (00), copy with an 11-bit offset
 * (01), a 16-bit offset (10) or a 32-bit offset (11).
 */
export class SnappyError extends Error {}

/** The uncompressed length a block declares (its leading varint) and where its elements start. */
export function snappyHeader(src: Uint8Array): { length: number; start: number } {
  let v = 0;
  for (let i = 0, mul = 1; i < 5; i++, mul *= 128) {
    if (i >= src.length) throw new SnappyError('it is empty or truncated');
    v += (src[i] & 0x7f) * mul;
    if (src[i] < 0x80) return { length: v, start: i + 1 };
  }
  throw new SnappyError('invalid length header');
}

/** Decompresses `src` into `out` (at least the declared length long); returns the length. */
export function snappyDecode(input: Uint8Array, output: Uint8Array): number {
  const { length, start } = snappyHeader(input);
  if (output.length < length) throw new RangeError(`snappy output buffer too small: ${output.length} < ${length}`);
  if (length > 0x7fffffff) throw new SnappyError(`declared length ${length} is too large`);
  // Plain Uint8Array views: element access on a Buffer (a subclass) beside a Uint8Array is polymorphic, and slower.
  const src = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const out = new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
  const words = new DataView(output.buffer, output.byteOffset, output.byteLength);
  // Lengths, offsets and positions are small integers (int32 arithmetic in
  // optimised code): a length from the header as a double made every
  // comparison with it a floating-point one, and the loop about half as fast.
  const n = length | 0;
  const o = inflate(src, start, out, words, n);
  if (o !== n) throw new SnappyError(`the block holds ${o} bytes, its header declares ${n}`);
  return n;
}

/**
 * The element loop, apart from the views' creation: compiled on its own it
 * runs steadily faster (in `snappyDecode` itself its speed varied by up to
 * 2× from one process to the next, with how V8 happened to compile it).
 * Returns the number of bytes written.
 */
function inflate(src: Uint8Array, start: number, out: Uint8Array, words: DataView, n: number): number {
  const end = src.length;
  let i = start;
  let o = 0;
  while (i < end) {
    const at = i;
    const tag = src[i++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const k = len - 59;
        if (i + k > end) throw new SnappyError(`truncated literal length at byte ${at}`);
        // 1–4 bytes, little-endian; past 2^31 it reads negative, refused below.
        len = src[i];
        if (k > 1) len |= src[i + 1] << 8;
        if (k > 2) len |= src[i + 2] << 16;
        if (k > 3) len |= src[i + 3] << 24;
        i += k;
      }
      len += 1;
      if (len <= 0 || i + len > end || o + len > n) {
        throw new SnappyError(`literal of ${((len - 1) >>> 0) + 1} bytes at byte ${at} runs past the ${len > 0 && i + len <= end ? 'declared length' : 'input'}`);
      }
      if (len <= 16) for (let j = 0; j < len; j++) out[o + j] = src[i + j];
      else out.set(src.subarray(i, i + len), o);
      i += len;
      o += len;
      continue;
    }
    let len: number;
    let off: number;
    if (type === 1) {
      if (i >= end) throw new SnappyError(`truncated copy at byte ${at}`);
      len = 4 + ((tag >>> 2) & 7);
      off = ((tag >>> 5) << 8) | src[i++];
    } else if (type === 2) {
      if (i + 2 > end) throw new SnappyError(`truncated copy at byte ${at}`);
      len = 1 + (tag >>> 2);
      off = src[i] | (src[i + 1] << 8);
      i += 2;
    } else {
      if (i + 4 > end) throw new SnappyError(`truncated copy at byte ${at}`);
      len = 1 + (tag >>> 2);
      // Past 2^31 it reads negative: refused below as any offset beyond the output.
      off = src[i] | (src[i + 1] << 8) | (src[i + 2] << 16) | (src[i + 3] << 24);
      i += 4;
    }
    if (off <= 0 || off > o) throw new SnappyError(`copy at byte ${at} refers to offset ${off >>> 0} before the start of the output`);
    if (o + len > n) throw new SnappyError(`copy at byte ${at} runs past the declared length`);
    let from = o - off;
    const stop = o + len;
    // Copies (1–64 bytes) move four 4-byte words per step, which may run up
    // to 15 bytes past their end: only where the output has that much room
    // left before `n`, so the extra bytes are overwritten by the elements
    // that follow. Each word is read after every byte before it was written,
    // so an offset of 4 or more is enough for an overlapping copy to repeat
    // its pattern as the format means; shorter ones go byte by byte.
    if (off >= 4 && stop + 16 <= n) {
      do {
        words.setInt32(o, words.getInt32(from, true), true);
        words.setInt32(o + 4, words.getInt32(from + 4, true), true);
        words.setInt32(o + 8, words.getInt32(from + 8, true), true);
        words.setInt32(o + 12, words.getInt32(from + 12, true), true);
        o += 16;
        from += 16;
      } while (o < stop);
    } else {
      for (; o < stop; o++) out[o] = out[from++];
    }
    o = stop;
  }
  return o;
}
