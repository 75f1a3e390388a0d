/**
 * `ByteKeyIds`: series ids by a byte range of a request (a series as
 * written on the wire), without making a string of it. For parse steps whose
 * series keys are bytes (remote write 1.0's label fields), where a string
 * key would cost a decode and a string hash per series per request.
 *
 * The range is hashed in place four bytes at a time (MurmurHash3's mixing,
 * 30 bits) and compared with the stored copy four bytes at a time. Copies
 * live in one arena; entries are columns of typed arrays chained per hash,
 * so a million keys are a handful of objects, not a million.
 *
 * Senders repeat their series in the same order request after request
 * (Prometheus's shards, vmagent), so each entry remembers which entry was
 * looked up right after it last time, and that one is compared first: a
 * hit costs one byte comparison, no hash and no Map lookup. A miss falls
 * back to the hash; the comparison is always in full, so a guess can only
 * be slow, never wrong.
 */
/**
 * A 30-bit hash of `[start, end)` of `view`'s bytes: MurmurHash3's mixing a
 * little-endian word at a time, FNV-1a steps for the last 1–3 bytes, then
 * MurmurHash3's finalizer. 30 bits: a small integer in V8, so a Map keyed by
 * it neither allocates nor hashes a heap number.
 */
export function hashBytes30(view: DataView, start: number, end: number): number {
  let h = end - start;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = view.getInt32(i, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  for (; i < end; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

export class ByteKeyIds {
  /** hash → first entry (index + 1) of its chain. */
  readonly #heads = new Map<number, number>();
  #arena = new Uint8Array(1 << 16);
  #arenaView = new DataView(this.#arena.buffer);
  #arenaUsed = 0;
  #keyStart = new Int32Array(1024);
  #keyLen = new Int32Array(1024);
  #ids = new Int32Array(1024);
  /** Next entry (index + 1) in the same chain, 0 at its end. */
  #next = new Int32Array(1024);
  /** The entry (index + 1) found or stored right after this one last time, 0 when none: the next-in-order guess. */
  #follow = new Int32Array(1024);
  /** The entry (index + 1) found or stored last, 0 when none. */
  #last = 0;
  #size = 0;

  clear(): void {
    this.#heads.clear();
    this.#size = 0;
    this.#arenaUsed = 0;
    this.#last = 0;
  }

  /** The id stored for `[start, end)` of `view`, 0 when none. */
  get(view: DataView, start: number, end: number): number {
    const len = end - start;
    const last = this.#last;
    if (last !== 0) {
      const g = this.#follow[last - 1];
      if (g !== 0 && this.#keyLen[g - 1] === len && sameBytes(this.#arenaView, this.#keyStart[g - 1], view, start, len)) {
        this.#last = g;
        return this.#ids[g - 1];
      }
    }
    for (let e = this.#heads.get(hashBytes30(view, start, end)) ?? 0; e !== 0; e = this.#next[e - 1]) {
      const i = e - 1;
      if (this.#keyLen[i] === len && sameBytes(this.#arenaView, this.#keyStart[i], view, start, len)) {
        this.#followedBy(e);
        return this.#ids[i];
      }
    }
    return 0;
  }

  /** Stores `id` for `[start, end)` of `bytes`, a key `get` did not find (a copy of the bytes is kept). */
  set(bytes: Uint8Array, start: number, end: number, id: number): void {
    const len = end - start;
    if (this.#arenaUsed + len > this.#arena.length) this.#growArena(len);
    const at = this.#arenaUsed;
    this.#arena.set(bytes.subarray(start, end), at);
    this.#arenaUsed += len;
    const i = this.#size++;
    if (i === this.#ids.length) this.#growEntries();
    const h = hashBytes30(this.#arenaView, at, at + len);
    this.#keyStart[i] = at;
    this.#keyLen[i] = len;
    this.#ids[i] = id;
    this.#next[i] = this.#heads.get(h) ?? 0;
    this.#follow[i] = 0;
    this.#heads.set(h, i + 1);
    this.#followedBy(i + 1);
  }

  /** Records entry `e` (index + 1) as the one after the last, and as the last. */
  #followedBy(e: number): void {
    if (this.#last !== 0) this.#follow[this.#last - 1] = e;
    this.#last = e;
  }

  #growArena(need: number): void {
    let cap = this.#arena.length * 2;
    while (cap < this.#arenaUsed + need) cap *= 2;
    const a = new Uint8Array(cap);
    a.set(this.#arena.subarray(0, this.#arenaUsed));
    this.#arena = a;
    this.#arenaView = new DataView(a.buffer);
  }

  #growEntries(): void {
    const cap = this.#ids.length * 2;
    const grow = (x: Int32Array) => {
      const y = new Int32Array(cap);
      y.set(x);
      return y;
    };
    this.#keyStart = grow(this.#keyStart);
    this.#keyLen = grow(this.#keyLen);
    this.#ids = grow(this.#ids);
    this.#next = grow(this.#next);
    this.#follow = grow(this.#follow);
  }
}

/** Whether `len` bytes of `a` at `at` and of `b` at `start` are equal; eight at a time while they last. */
function sameBytes(a: DataView, at: number, b: DataView, start: number, len: number): boolean {
  let j = 0;
  for (; j + 8 <= len; j += 8) {
    if (a.getInt32(at + j, true) !== b.getInt32(start + j, true) || a.getInt32(at + j + 4, true) !== b.getInt32(start + j + 4, true)) return false;
  }
  for (; j < len; j++) if (a.getUint8(at + j) !== b.getUint8(start + j)) return false;
  return true;
}
