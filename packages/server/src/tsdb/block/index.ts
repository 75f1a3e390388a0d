/**
 * A block's index file: symbols, series (labels + chunk metas), postings and
 * a postings offset table, ending in a table of contents and a CRC32. The
 * layout is described in docs/storage-format/index.md. The whole file is read
 * into memory on open; postings lists are decoded on demand.
 */
import { crc32 } from 'node:zlib';
import { Labels } from '../../model/labels.js';
import { ByteReader, ByteWriter } from '../chunkenc/varint.js';
import { EMPTY_POSTINGS, type Postings, type PostingsIndex } from '../index/postings.js';

const MAGIC = 0x56494458; // "VIDX"
const VERSION = 1;
const TOC_SIZE = 5 * 8 + 4;

export interface ChunkMeta {
  mint: number;
  maxt: number;
  n: number;
  ref: number;
}

interface PendingSeries {
  labels: Labels;
  chunks: ChunkMeta[];
}

/** Collects series in label order, then writes the index in one go. */
export class IndexWriter {
  #series: PendingSeries[] = [];
  #last: Labels | undefined;

  /** Series must be added in label order, each once. */
  add(labels: Labels, chunks: ChunkMeta[]): void {
    this.#series.push({ labels, chunks });
    this.#last = labels;
  }

  get numSeries(): number {
    return this.#series.length;
  }

  encode(): Uint8Array {
    const w = new ByteWriter(1 << 16);
    w.byte(MAGIC >>> 24);
    w.byte((MAGIC >>> 16) & 0xff);
    w.byte((MAGIC >>> 8) & 0xff);
    w.byte(MAGIC & 0xff);
    w.byte(VERSION);

    // Symbols: every distinct name and value, sorted.
    const symSet = new Set<string>();
    for (const s of this.#series) for (const x of s.labels.pairs) symSet.add(x);
    const symbols = [...symSet].sort();
    const symId = new Map<string, number>();
    symbols.forEach((s, i) => symId.set(s, i));
    const symbolsOff = w.len;
    w.uvarint(symbols.length);
    const enc = new TextEncoder();
    for (const s of symbols) {
      const b = enc.encode(s);
      w.uvarint(b.length);
      w.bytes(b);
    }

    // Series, and the postings of each label pair as we go.
    const postings = new Map<string, Map<string, number[]>>();
    const seriesOff = w.len;
    const offsets: number[] = [];
    this.#series.forEach((s, id) => {
      offsets.push(w.len - seriesOff);
      const p = s.labels.pairs;
      w.uvarint(p.length >> 1);
      for (let i = 0; i < p.length; i += 2) {
        w.uvarint(symId.get(p[i])!);
        w.uvarint(symId.get(p[i + 1])!);
        let byValue = postings.get(p[i]);
        if (!byValue) postings.set(p[i], (byValue = new Map()));
        let ids = byValue.get(p[i + 1]);
        if (!ids) byValue.set(p[i + 1], (ids = []));
        ids.push(id);
      }
      w.uvarint(s.chunks.length);
      let prevT = 0;
      let prevRef = 0;
      for (const c of s.chunks) {
        w.varint(c.mint - prevT);
        w.uvarint(c.maxt - c.mint);
        w.uvarint(c.n);
        w.varint(c.ref - prevRef);
        prevT = c.maxt;
        prevRef = c.ref;
      }
    });
    const seriesTableOff = w.len;
    w.uvarint(offsets.length);
    let prev = 0;
    for (const o of offsets) {
      w.uvarint(o - prev);
      prev = o;
    }

    // Postings lists, by name then value, and their offset table.
    const postingsOff = w.len;
    const table: [string, [string, number][]][] = [];
    for (const name of [...postings.keys()].sort()) {
      const byValue = postings.get(name)!;
      const entries: [string, number][] = [];
      for (const value of [...byValue.keys()].sort()) {
        entries.push([value, w.len - postingsOff]);
        const ids = byValue.get(value)!;
        w.uvarint(ids.length);
        let p = -1;
        for (const id of ids) {
          w.uvarint(id - p - 1);
          p = id;
        }
      }
      table.push([name, entries]);
    }
    const tableOff = w.len;
    w.uvarint(table.length);
    for (const [name, entries] of table) {
      w.uvarint(symId.get(name)!);
      w.uvarint(entries.length);
      let p = 0;
      for (const [value, off] of entries) {
        w.uvarint(symId.get(value)!);
        w.uvarint(off - p);
        p = off;
      }
    }

    // Table of contents: five u64 offsets, then CRC32 of everything before it.
    const toc = Buffer.alloc(TOC_SIZE);
    [symbolsOff, seriesOff, seriesTableOff, postingsOff, tableOff].forEach((o, i) => toc.writeBigUInt64BE(BigInt(o), i * 8));
    w.bytes(toc.subarray(0, 40));
    const out = w.toBytes();
    const c = crc32(out);
    const withCrc = new Uint8Array(out.length + 4);
    withCrc.set(out);
    new DataView(withCrc.buffer).setUint32(out.length, c);
    return withCrc;
  }
}

/** An opened index. */
export class IndexReader implements PostingsIndex {
  readonly symbols: string[];
  readonly numSeries: number;
  #buf: Uint8Array;
  #seriesOff: number;
  #seriesOffsets: Float64Array;
  #postingsOff: number;
  /** name → sorted values and the offsets of their postings lists. */
  #table = new Map<string, { values: string[]; offsets: Float64Array }>();
  #r = new ByteReader();
  #all: Int32Array;

  constructor(buf: Uint8Array, what: string) {
    this.#buf = buf;
    if (buf.length < 5 + TOC_SIZE) throw new Error(`cannot open index ${what}: file too short (${buf.length} bytes)`);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (dv.getUint32(0) !== MAGIC) throw new Error(`cannot open index ${what}: bad magic number`);
    if (buf[4] !== VERSION) throw new Error(`cannot open index ${what}: unsupported version ${buf[4]}`);
    const crcAt = buf.length - 4;
    if (crc32(buf.subarray(0, crcAt)) !== dv.getUint32(crcAt)) throw new Error(`cannot open index ${what}: checksum mismatch`);
    const tocAt = crcAt - 40;
    const off = (i: number) => Number(dv.getBigUint64(tocAt + i * 8));
    const [symbolsOff, seriesOff, seriesTableOff, postingsOff, tableOff] = [0, 1, 2, 3, 4].map(off);
    const r = this.#r.reset(buf, symbolsOff, tocAt);
    const dec = new TextDecoder();
    const nsym = r.uvarint();
    this.symbols = new Array(nsym);
    for (let i = 0; i < nsym; i++) {
      const len = r.uvarint();
      this.symbols[i] = dec.decode(buf.subarray(r.pos, r.pos + len));
      r.pos += len;
    }
    this.#seriesOff = seriesOff;
    r.pos = seriesTableOff;
    this.numSeries = r.uvarint();
    this.#seriesOffsets = new Float64Array(this.numSeries);
    let o = 0;
    for (let i = 0; i < this.numSeries; i++) {
      o += r.uvarint();
      this.#seriesOffsets[i] = o;
    }
    this.#postingsOff = postingsOff;
    r.pos = tableOff;
    const nnames = r.uvarint();
    for (let i = 0; i < nnames; i++) {
      const name = this.symbols[r.uvarint()];
      const nvalues = r.uvarint();
      const values = new Array<string>(nvalues);
      const offsets = new Float64Array(nvalues);
      let p = 0;
      for (let j = 0; j < nvalues; j++) {
        values[j] = this.symbols[r.uvarint()];
        p += r.uvarint();
        offsets[j] = p;
      }
      this.#table.set(name, { values, offsets });
    }
    this.#all = new Int32Array(this.numSeries);
    for (let i = 0; i < this.numSeries; i++) this.#all[i] = i;
  }

  labelNames(): string[] {
    return [...this.#table.keys()].sort();
  }

  sortedLabelValues(name: string): readonly string[] {
    return this.#table.get(name)?.values ?? [];
  }

  allPostings(): Postings {
    return this.#all;
  }

  postings(name: string, value: string): Postings {
    const e = this.#table.get(name);
    if (!e) return EMPTY_POSTINGS;
    let lo = 0;
    let hi = e.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e.values[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= e.values.length || e.values[lo] !== value) return EMPTY_POSTINGS;
    const r = this.#r.reset(this.#buf, this.#postingsOff + e.offsets[lo], this.#buf.length);
    const n = r.uvarint();
    const out = new Int32Array(n);
    let p = -1;
    for (let i = 0; i < n; i++) {
      p += r.uvarint() + 1;
      out[i] = p;
    }
    return out;
  }

  /** Number of series with this label pair, without decoding the list. */
  postingsCount(name: string, value: string): number {
    const e = this.#table.get(name);
    if (!e) return 0;
    const i = e.values.indexOf(value);
    if (i < 0) return 0;
    return this.#r.reset(this.#buf, this.#postingsOff + e.offsets[i], this.#buf.length).uvarint();
  }

  /** Labels of series `id`. */
  labels(id: number): Labels {
    const r = this.#r.reset(this.#buf, this.#seriesOff + this.#seriesOffsets[id], this.#buf.length);
    const n = r.uvarint();
    const pairs = new Array<string>(n * 2);
    for (let i = 0; i < n * 2; i++) pairs[i] = this.symbols[r.uvarint()];
    return Labels.fromSortedPairs(pairs);
  }

  /** Labels and chunk metas of series `id`. */
  series(id: number): { labels: Labels; chunks: ChunkMeta[] } {
    const labels = this.labels(id);
    const r = this.#r;
    const nc = r.uvarint();
    const chunks: ChunkMeta[] = new Array(nc);
    let prevT = 0;
    let prevRef = 0;
    for (let i = 0; i < nc; i++) {
      const mint = prevT + r.varint();
      const maxt = mint + r.uvarint();
      const n = r.uvarint();
      const ref = prevRef + r.varint();
      chunks[i] = { mint, maxt, n, ref };
      prevT = maxt;
      prevRef = ref;
    }
    return { labels, chunks };
  }

  /** Bytes held in memory for this index. */
  get size(): number {
    return this.#buf.length;
  }
}
