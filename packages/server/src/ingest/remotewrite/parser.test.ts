import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../model/value.js';
import { ProtoError } from '../common/protobuf.js';
import { encodeV1, encodeV2, type EncodedSeries } from './encoder.js';
import { RemoteWriteParser } from './parser.js';

/** `[1, staleness marker]`, built bit by bit: an array literal would quiet the signalling NaN. */
function withStale(): Float64Array {
  const v = new Float64Array(2);
  v[0] = 1;
  new Uint32Array(v.buffer).set([2, 0x7ff00000], 2);
  return v;
}

const series: EncodedSeries[] = [
  { labels: ['__name__', 'up', 'job', 'node'], timestamps: [1000, 2000], values: withStale() },
  { labels: ['__name__', 'temp_ü', 'room', 'a b'], timestamps: [-5, 2 ** 52], values: new Float64Array([-0.5, Infinity]) },
];

function decoded(p: RemoteWriteParser) {
  const out = [];
  for (let s = 0; s < p.series; s++) {
    const labels: string[] = [];
    for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) {
      if (p.version === 1) {
        labels.push(p.buf.toString('utf8', p.nameStart[l], p.nameEnd[l]), p.buf.toString('utf8', p.valueStart[l], p.valueEnd[l]));
      } else {
        for (const i of [p.nameStart[l], p.valueStart[l]]) labels.push(p.buf.toString('utf8', p.symStart[i], p.symEnd[i]));
      }
    }
    const ts = Array.from(p.ts.subarray(p.sampleStart[s], p.sampleEnd[s]));
    const vs = p.vs.subarray(p.sampleStart[s], p.sampleEnd[s]);
    out.push({ labels, ts, vs });
  }
  return out;
}

describe('RemoteWriteParser', () => {
  it.each([
    ['1.0', (s: EncodedSeries[]) => encodeV1(s), (p: RemoteWriteParser, b: Buffer) => p.decodeV1(b)],
    ['2.0', (s: EncodedSeries[]) => encodeV2(s), (p: RemoteWriteParser, b: Buffer) => p.decodeV2(b)],
  ])('decodes %s: labels, negative and large timestamps, NaN payloads bit-exact', (_, enc, dec) => {
    const p = new RemoteWriteParser();
    dec(p, enc(series));
    const d = decoded(p);
    expect(d.map((x) => x.labels)).toEqual(series.map((s) => [...s.labels]));
    expect(d.map((x) => x.ts)).toEqual([[1000, 2000], [-5, 2 ** 52]]);
    expect(d[0].vs[0]).toBe(1);
    expect(isStaleNaN(d[0].vs[1])).toBe(true);
    const bits = new Uint32Array(d[0].vs.buffer, d[0].vs.byteOffset + 8, 2);
    expect([bits[0], bits[1]]).toEqual([2, 0x7ff00000]);
    expect(Array.from(d[1].vs)).toEqual([-0.5, Infinity]);
  });

  it('reuses its arrays across decodes and grows them for big requests', () => {
    const p = new RemoteWriteParser();
    const many: EncodedSeries[] = Array.from({ length: 3000 }, (_, i) => ({
      labels: ['__name__', 'm', 'i', String(i)],
      timestamps: [i],
      values: new Float64Array([i / 2]),
    }));
    p.decodeV1(encodeV1(many));
    expect(p.series).toBe(3000);
    expect(p.samples).toBe(3000);
    expect(p.vs[2999]).toBe(1499.5);
    p.decodeV1(encodeV1(series));
    expect(p.series).toBe(2);
    // 1.0 keeps the label bytes as the series' cache key.
    expect(p.keyEnd[0]).toBeGreaterThan(p.keyStart[0]);
  });

  it.each<[string, Buffer, RegExp]>([
    ['a truncated varint', Buffer.from([0x0a, 0x80]), /truncated varint/],
    ['a length past the end', Buffer.from([0x0a, 0x05, 0x0a]), /length 5 runs past the end/],
    ['field 0', Buffer.from([0x00]), /invalid field number 0/],
    ['a wrong wire type', Buffer.from([0x08, 0x01]), /WriteRequest field 1 has wire type 0/],
    ['wire type 7', Buffer.from([0x3f]), /unsupported wire type 7/],
    ['a truncated double', Buffer.from([0x0a, 0x04, 0x12, 0x02, 0x09, 0x00]), /truncated 8-byte field|runs past/],
    ['an 11-byte varint', Buffer.from([0x0a, 0x0c, 0x12, 0x0a, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), /longer than 10 bytes|runs past|truncated/],
  ])('refuses 1.0 with %s', (_, body, re) => {
    expect(() => new RemoteWriteParser().decodeV1(body)).toThrow(re);
  });

  it('refuses 2.0 symbol problems', () => {
    const p = new RemoteWriteParser();
    // Symbols ["x"], no leading empty string.
    expect(() => p.decodeV2(Buffer.from([0x22, 0x01, 0x78]))).toThrow(/first symbol must be the empty string/);
    // Series with refs [0, 5] and only one symbol.
    expect(() => p.decodeV2(Buffer.from([0x22, 0x00, 0x2a, 0x04, 0x0a, 0x02, 0x00, 0x05]))).toThrow(/label reference 5 is outside the symbols table/);
    // An odd number of refs.
    expect(() => p.decodeV2(Buffer.from([0x22, 0x00, 0x2a, 0x03, 0x0a, 0x01, 0x00]))).toThrow(/odd number/);
    expect(() => p.decodeV2(Buffer.from([0x2a, 0x00]))).toThrow(ProtoError);
  });

  it('counts histograms, exemplars and metadata it does not keep', () => {
    const p = new RemoteWriteParser();
    // 1.0: one series with an exemplar (field 3) and a histogram (field 4); one metadata (field 3 of the request).
    p.decodeV1(Buffer.from([0x0a, 0x04, 0x1a, 0x00, 0x22, 0x00, 0x1a, 0x00]));
    expect([p.series, p.exemplars, p.histograms, p.metadata]).toEqual([1, 1, 1, 1]);
  });
});
