import { describe, expect, it } from 'vitest';
import { parseProtobufPush } from './protobuf.js';

/** A minimal protobuf writer for the test's messages. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};
const key = (field: number, wire: number) => varint((field << 3) | wire);
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s)]);
const dbl = (field: number, v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...key(field, 1), ...b];
};
const uint = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const label = (k: string, v: string) => bytes(1, [...str(1, k), ...str(2, v)]);
const family = (name: string, type: number, metrics: number[][]) => {
  const msg = [...str(1, name), ...str(2, 'help'), ...uint(3, type), ...metrics.flatMap((m) => bytes(4, m))];
  return [...varint(msg.length), ...msg];
};

function flatten(f: ReturnType<typeof parseProtobufPush>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const samples of f.values()) for (const s of samples) out[s.labels.toString()] = s.value;
  return out;
}

describe('pushed protobuf (delimited MetricFamily)', () => {
  it('reads counters, gauges, summaries and histograms, with grouping labels winning', () => {
    const body = Buffer.from([
      ...family('jobs_total', 0, [[...label('kind', 'a'), ...label('job', 'ignored'), ...bytes(3, dbl(1, 7))]]),
      ...family('temp', 1, [[...bytes(2, dbl(1, 21.5))]]),
      ...family('rpc', 2, [[...bytes(4, [...uint(1, 10), ...dbl(2, 2.5), ...bytes(3, [...dbl(1, 0.5), ...dbl(2, 0.2)])])]]),
      ...family('lat', 4, [[...bytes(7, [...uint(1, 3), ...dbl(2, 1.5), ...bytes(3, [...uint(1, 1), ...dbl(2, 0.1)]), ...bytes(3, [...uint(1, 2), ...dbl(2, 1)])])]]),
    ]);
    const f = parseProtobufPush(body, { job: 'batch' });
    expect([...f.keys()]).toEqual(['jobs_total', 'temp', 'rpc', 'lat']);
    expect(flatten(f)).toEqual({
      'jobs_total{job="batch", kind="a"}': 7,
      'temp{job="batch"}': 21.5,
      'rpc{job="batch", quantile="0.5"}': 0.2,
      'rpc_sum{job="batch"}': 2.5,
      'rpc_count{job="batch"}': 10,
      'lat_bucket{job="batch", le="0.1"}': 1,
      'lat_bucket{job="batch", le="1.0"}': 2,
      'lat_bucket{job="batch", le="+Inf"}': 3,
      'lat_sum{job="batch"}': 1.5,
      'lat_count{job="batch"}': 3,
    });
  });

  it('refuses timestamps and malformed input with a 400-style error', () => {
    const withTs = Buffer.from(family('m', 1, [[...bytes(2, dbl(1, 1)), ...uint(6, 1700000000000)]]));
    expect(() => parseProtobufPush(withTs, { job: 'j' })).toThrow(/must not have timestamps/);
    expect(() => parseProtobufPush(Buffer.from([0x05, 0x0a, 0xff]), { job: 'j' })).toThrow(/cannot parse the pushed protobuf metrics/);
    // Fuzz: truncations and byte flips of a valid body never throw anything but the 400 error.
    const valid = Buffer.from(family('x', 0, [[...label('a', 'b'), ...bytes(3, dbl(1, 1))]]));
    for (let i = 0; i < valid.length; i++) {
      for (const mutated of [valid.subarray(0, i), Buffer.from(valid.map((b, j) => (j === i ? b ^ 0x5a : b)))]) {
        try {
          parseProtobufPush(mutated, { job: 'j' });
        } catch (err) {
          expect((err as Error).name).toBe('IngestError');
        }
      }
    }
  });
});
