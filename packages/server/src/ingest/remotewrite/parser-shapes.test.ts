/**
 * The 1.0 decoder reads the shapes senders write (a label skipped by its
 * one-byte length, a Sample of value then timestamp) straight from the
 * bytes, and everything else through the general decoder: both must agree.
 * Requests here are written by hand, field by field, in shapes the encoder
 * never produces.
 */
import { describe, expect, it } from 'vitest';
import { ProtoError } from '../common/protobuf.js';
import { RemoteWriteParser } from './parser.js';

/** A varint of a non-negative integer below 2^53, or of a negative int64 (ten bytes, two's complement). */
function varint(v: number): number[] {
  const out: number[] = [];
  if (v < 0) {
    let x = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 10; i++, x >>= 7n) out.push(Number(x & 0x7fn) | (i < 9 ? 0x80 : 0));
    return out;
  }
  for (; v >= 0x80; v = Math.floor(v / 0x80)) out.push((v % 0x80) | 0x80);
  out.push(v);
  return out;
}
function bigVarint(v: bigint): number[] {
  const out: number[] = [];
  for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
  out.push(Number(v));
  return out;
}
const field = (tag: number, bytes: number[]) => [tag, ...varint(bytes.length), ...bytes];
const str = (s: string) => [...Buffer.from(s)];
const label = (n: string, v: string) => field(0x0a, [...field(0x0a, str(n)), ...field(0x12, str(v))]);
const double = (v: number) => [...Buffer.from(new Float64Array([v]).buffer)];
const STALE = [2, 0, 0, 0, 0, 0, 0xf0, 0x7f];
const value = (bytes: number[]) => [0x09, ...bytes];
const timestamp = (t: number, bytes = varint(t)) => [0x10, ...bytes];
const sample = (...parts: number[][]) => field(0x12, parts.flat());
const series = (...parts: number[][]) => field(0x0a, parts.flat());

/** Decodes `body` with a parser whose arrays hold an earlier request's samples: absent fields must not show them. */
function decode(body: number[], lazy: boolean): RemoteWriteParser {
  const p = new RemoteWriteParser();
  p.lazyLabels = lazy;
  const earlier = sample(value(double(99)), timestamp(99));
  p.decodeV1(Buffer.from(series(label('x', 'y'), ...new Array(40).fill(earlier))));
  p.decodeV1(Buffer.from(body));
  return p;
}

/** Each sample's timestamp and the hex of its value's bits. */
function samples(p: RemoteWriteParser): [number, string][] {
  const bytes = Buffer.from(p.vs.buffer, 0, p.samples * 8);
  return Array.from({ length: p.samples }, (_, i) => [p.ts[i], bytes.subarray(8 * i, 8 * i + 8).toString('hex')]);
}
const bits = (v: number[] | number) => Buffer.from(typeof v === 'number' ? double(v) : v).toString('hex');

describe('RemoteWriteParser 1.0: every shape of Sample and Label decodes alike', () => {
  const shapes: [string, number[], [number, string]][] = [
    ['value then timestamp', sample(value(double(1.5)), timestamp(1_700_000_000_000)), [1_700_000_000_000, bits(1.5)]],
    ['staleness marker', sample(value(STALE), timestamp(5)), [5, bits(STALE)]],
    ['7-byte timestamp', sample(value(double(-2)), timestamp(2 ** 49 - 1)), [2 ** 49 - 1, bits(-2)]],
    ['8-byte timestamp', sample(value(double(3)), timestamp(2 ** 49)), [2 ** 49, bits(3)]],
    ['2^52', sample(value(double(3)), timestamp(2 ** 52)), [2 ** 52, bits(3)]],
    // Past 2^53 a timestamp is rounded once, to the nearest double, as int64 reading does.
    ['9-byte timestamp', sample(value(double(3)), timestamp(0, bigVarint(2n ** 62n + 12345n))), [Number(2n ** 62n + 12345n), bits(3)]],
    ['negative timestamp', sample(value(double(4)), timestamp(-5)), [-5, bits(4)]],
    ['padded varint', sample(value(double(6)), timestamp(0, [0x85, 0x80, 0x00])), [5, bits(6)]],
    ['value omitted (0)', sample(timestamp(7)), [7, bits(0)]],
    ['timestamp omitted (0)', sample(value(double(8))), [0, bits(8)]],
    ['empty sample', sample(), [0, bits(0)]],
    ['timestamp then value', sample(timestamp(9), value(double(10))), [9, bits(10)]],
    ['value twice: the last counts', sample(value(double(1)), timestamp(11), value(double(12))), [11, bits(12)]],
    ['timestamp twice: the last counts', sample(value(double(1)), timestamp(1), timestamp(13)), [13, bits(1)]],
    ['unknown field', sample(value(double(14)), timestamp(15), [0x18, 0x01]), [15, bits(14)]],
    ['two-byte length', sample(value(double(16)), timestamp(17), field(0x22, new Array(130).fill(7))), [17, bits(16)]],
  ];

  it.each(shapes)('%s', (_, s, expected) => {
    for (const lazy of [true, false]) {
      const p = decode(series(label('__name__', 'up'), s, s), lazy);
      expect(samples(p)).toEqual([expected, expected]);
    }
  });

  it('several samples of mixed shapes in one series, and over many series', () => {
    const all = shapes.map((x) => x[1]);
    const body = [...series(label('a', '1'), ...all), ...series(...all.reverse(), label('b', '2'))];
    const p = decode(body, true);
    const want = shapes.map((x) => x[2]);
    expect(samples(p)).toEqual([...want, ...[...want].reverse()]);
    expect([p.sampleStart[1], p.sampleEnd[1]]).toEqual([shapes.length, 2 * shapes.length]);
  });

  it('series of one-, two- and three-byte lengths, empty ones, and a padded length', () => {
    const padded = (inner: number[]) => [0x0a, 0x80 | inner.length, 0x00, ...inner];
    const body = [
      ...series(label('a', 'x'.repeat(20)), sample(timestamp(1))),
      ...series(label('a', 'x'.repeat(300)), sample(timestamp(2))),
      ...series(label('a', 'x'.repeat(20_000)), sample(timestamp(3))),
      ...series(),
      // A length below 128 written in two bytes (0x80 | n, 0): a valid, if wasteful, varint.
      ...padded([...label('a', 'b'), ...sample(timestamp(4))]),
      ...series(),
    ];
    for (const lazy of [true, false]) {
      const p = decode(body, lazy);
      expect(p.series).toBe(6);
      expect(Array.from(p.ts.subarray(0, p.samples))).toEqual([1, 2, 3, 4]);
      expect(p.keyEnd[2] - p.keyStart[2]).toBeGreaterThan(20_000);
      expect(p.keyEnd[3]).toBe(p.keyStart[3]);
    }
  });

  it('refuses what the general decoder refuses: a series past the request, a sample or label past its series, a truncated value', () => {
    const cut = (s: number[], n: number) => [0x0a, ...varint(s.length - n), ...s.slice(0, s.length - n)];
    for (const body of [
      cut([...label('a', '1'), ...sample(value(double(1)), timestamp(2))], 3),
      cut([...sample(value(double(1)), timestamp(2)), ...label('a', 'bcdef')], 2),
      series(label('a', '1'), sample(timestamp(2))).slice(0, -1),
      [...series(label('a', '1')), ...series(label('a', 'x'.repeat(300))).slice(0, -1)],
      series(field(0x12, [0x09, 1, 2, 3])),
      series(field(0x12, [0x10, 0x80])),
    ]) {
      for (const lazy of [true, false]) expect(() => decode(body, lazy)).toThrow(ProtoError);
    }
  });

  it('finds the same label bytes (the series key) whether labels are skipped or decoded, short or long', () => {
    const long = 'v'.repeat(200);
    const body = [
      ...series(label('__name__', 'm'), label('job', 'x'), sample(value(double(1)), timestamp(1))),
      ...series(label('__name__', 'm'), label('long', long), label('z', '1'), sample(timestamp(2))),
      ...series(label('__name__', 'm'), sample(timestamp(3)), label('after', 'sample')),
    ];
    const lazy = decode(body, true);
    const eager = decode(body, false);
    for (let s = 0; s < 3; s++) {
      expect([lazy.keyStart[s], lazy.keyEnd[s]]).toEqual([eager.keyStart[s], eager.keyEnd[s]]);
      lazy.decodeLabelsV1(s);
      const names = (p: RemoteWriteParser) => {
        const out: string[] = [];
        for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) out.push(p.buf.toString('utf8', p.nameStart[l], p.nameEnd[l]), p.buf.toString('utf8', p.valueStart[l], p.valueEnd[l]));
        return out;
      };
      expect(names(lazy)).toEqual(names(eager));
    }
    // Contiguous labels are a key; labels split by a sample are not.
    expect(eager.keyEnd[0]).toBeGreaterThan(eager.keyStart[0]);
    expect(eager.keyEnd[1] - eager.keyStart[1]).toBeGreaterThan(200);
    expect(eager.keyEnd[2]).toBe(eager.keyStart[2]);
  });
});
