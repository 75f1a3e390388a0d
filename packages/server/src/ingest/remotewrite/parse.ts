/**
 * The parse step of remote write (runs in a parse worker, or inline): the
 * snappy body → `ParsedSamples`. Series are known by their labels as
 * written (1.0: the bytes of the series' label fields; 2.0: the label
 * strings), so a known series costs neither a string decode of its labels
 * nor a label set. A new series' labels are checked here: sorted if the
 * sender did not, empty values dropped, empty or duplicate names and invalid
 * UTF-8 refused (its samples rejected, named by the series' position).
 */
import { isUtf8 } from 'node:buffer';
import { IngestError } from '../common/http.js';
import { ProtoError } from '../common/protobuf.js';
import { compareStrings } from '../../model/labels.js';
import { ByteKeyIds } from '../common/bytekeys.js';
import type { ParsedBuilder, SeriesIds } from '../common/parsed.js';
import { RemoteWriteParser, type RemoteWriteVersion } from './parser.js';
import { decodeBody, unsnappy, V1_PROTO } from './stream.js';

export interface RemoteWriteParseArgs {
  version: RemoteWriteVersion;
  /** Body limit after decompression. */
  limit: number;
}

const KEY_SEP = '\xff';

export class RemoteWriteParse {
  readonly #p = new RemoteWriteParser();
  readonly #ids: SeriesIds;
  /** 1.0 series by the bytes of their label fields (ids from `#ids`). */
  readonly #byBytes = new ByteKeyIds();
  /** The decompressed body, reused (keys and labels are copied out of it). */
  readonly #scratch = { buf: Buffer.allocUnsafeSlow(1 << 20) };

  constructor(ids: SeriesIds) {
    this.#ids = ids;
    // 1.0 labels are decoded only for series not recognised by their bytes.
    this.#p.lazyLabels = true;
  }

  run(body: Uint8Array, args: RemoteWriteParseArgs, out: ParsedBuilder): void {
    const p = this.#p;
    const ids = this.#ids;
    decodeBody(p, unsnappy(body, args.limit, this.#scratch), args.version);
    if (ids.begin(out)) this.#byBytes.clear();
    const byBytes = this.#byBytes;
    out.count('histogram', p.histograms);
    out.count('exemplar', p.exemplars);
    out.count('metadata', p.metadata);
    const buf = p.buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let sym: ((i: number) => string) | undefined;
    if (args.version === 2) {
      const syms: (string | undefined)[] = new Array(p.symbols);
      sym = (i) => (syms[i] ??= buf.toString('utf8', p.symStart[i], p.symEnd[i]));
    }
    for (let s = 0; s < p.series; s++) {
      const from = p.sampleStart[s];
      const to = p.sampleEnd[s];
      if (from === to) continue;
      let id = 0;
      let byKey = false;
      let key = '';
      if (sym !== undefined) {
        key = '\x02';
        for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) key += sym(p.nameStart[l]) + KEY_SEP + sym(p.valueStart[l]) + KEY_SEP;
        id = ids.get(key);
      } else if (p.keyEnd[s] > p.keyStart[s]) {
        byKey = true;
        id = byBytes.get(view, p.keyStart[s], p.keyEnd[s]);
      }
      if (id === 0) {
        if (sym === undefined) decodeLabels(p, s);
        const labels = sym !== undefined ? labelsV2(p, s, sym) : labelsV1(p, s);
        if (typeof labels === 'string') {
          out.reject(`series ${s + 1}: ${labels}`, to - from);
          continue;
        }
        if (byKey) {
          id = ids.alloc(labels, out);
          byBytes.set(buf, p.keyStart[s], p.keyEnd[s], id);
        } else {
          // Labels split around other fields have no byte key: their strings are the key.
          if (key === '') key = '\x03' + labels.join(KEY_SEP);
          id = ids.get(key) || ids.add(key, labels, out);
        }
      }
      for (let j = from; j < to; j++) out.add(id, p.ts[j], p.vs[j], s + 1);
    }
  }
}

/** Decodes 1.0 labels skipped by the lazy decoder; malformed ones fail the request as any malformed body does. */
function decodeLabels(p: RemoteWriteParser, s: number): void {
  try {
    p.decodeLabelsV1(s);
  } catch (err) {
    if (err instanceof ProtoError) throw new IngestError(400, `cannot decode ${V1_PROTO}: ${err.message}`);
    throw err;
  }
}

/** The series' label pairs (sorted, checked), or why they are invalid. */
function labelsV1(p: RemoteWriteParser, s: number): string[] | string {
  const buf = p.buf;
  const pairs: string[] = [];
  for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) {
    const ns = p.nameStart[l];
    const ne = p.nameEnd[l];
    const vs = p.valueStart[l];
    const ve = p.valueEnd[l];
    if (!isUtf8(buf.subarray(ns, ne)) || !isUtf8(buf.subarray(vs, ve))) return 'label name or value is not valid UTF-8';
    pairs.push(buf.toString('utf8', ns, ne), buf.toString('utf8', vs, ve));
  }
  return checkedLabels(pairs);
}

function labelsV2(p: RemoteWriteParser, s: number, sym: (i: number) => string): string[] | string {
  const buf = p.buf;
  const pairs: string[] = [];
  for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) {
    for (const i of [p.nameStart[l], p.valueStart[l]]) {
      if (!isUtf8(buf.subarray(p.symStart[i], p.symEnd[i]))) return `symbol ${i} is not valid UTF-8`;
    }
    pairs.push(sym(p.nameStart[l]), sym(p.valueStart[l]));
  }
  return checkedLabels(pairs);
}

/**
 * Sorts if needed (1.0 senders are not all careful), drops empty values
 * (an empty value means the label is absent), refuses empty and duplicate
 * names.
 */
function checkedLabels(pairs: string[]): string[] | string {
  let sorted = true;
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i] === '') return 'empty label name';
    if (i > 0 && pairs[i] <= pairs[i - 2]) sorted = false;
  }
  let out = pairs;
  if (!sorted) {
    const idx = Array.from({ length: pairs.length / 2 }, (_, i) => i).sort((a, b) => compareStrings(pairs[2 * a], pairs[2 * b]));
    out = [];
    for (const i of idx) out.push(pairs[2 * i], pairs[2 * i + 1]);
  }
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (i > 0 && out[i] === out[i - 2]) return `duplicate label name ${JSON.stringify(out[i])}`;
    if (out[i + 1] !== '') kept.push(out[i], out[i + 1]);
  }
  if (kept.length === 0) return 'no labels';
  return kept;
}
