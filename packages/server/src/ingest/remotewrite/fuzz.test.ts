import { describe, expect, it } from 'vitest';
import { ProtoError } from '../common/protobuf.js';
import { decodeMetricsRequest } from '../otlp/parser.js';
import { decodeMetricsJson, JsonShapeError } from '../otlp/json.js';
import { encodeV1, encodeV2 } from './encoder.js';
import { RemoteWriteParser } from './parser.js';

/** Seeded PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

function mutate(good: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(good);
  const kind = Math.floor(rnd() * 3);
  if (kind === 0) for (let k = 0; k < 1 + rnd() * 5; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
  if (kind === 1) return b.subarray(0, Math.floor(rnd() * b.length));
  if (kind === 2) return Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
  return b;
}

const series = Array.from({ length: 30 }, (_, i) => ({
  labels: ['__name__', 'm', 'i', String(i), 'z', 'ü'.repeat(i % 3)],
  timestamps: [i, i + 1, -i],
  values: new Float64Array([i, NaN, -Infinity]),
}));

describe('fuzz: decoders never crash nor hang, and fail only with a ProtoError', () => {
  it.each([
    ['remote write 1.0', encodeV1(series), (b: Buffer) => new RemoteWriteParser().decodeV1(b)],
    ['remote write 2.0', encodeV2(series), (b: Buffer) => new RemoteWriteParser().decodeV2(b)],
    // A remote-write body is a fine source of random-but-plausible protobuf for the OTLP decoder too.
    ['OTLP protobuf', encodeV1(series), (b: Buffer) => decodeMetricsRequest(b)],
  ])('%s: 3000 mutated bodies', (_, good, decode) => {
    const rnd = prng(7);
    for (let i = 0; i < 3000; i++) {
      const b = mutate(good, rnd);
      try {
        decode(b);
      } catch (err) {
        expect(err, `body ${b.toString('hex')}`).toBeInstanceOf(ProtoError);
      }
    }
  });

  it('OTLP JSON: mutated bodies fail only with JsonShapeError', () => {
    const good = JSON.stringify({
      resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1000000', asDouble: 1 }] } }] }] }],
    });
    const rnd = prng(3);
    for (let i = 0; i < 3000; i++) {
      const chars = [...good];
      for (let k = 0; k < 1 + rnd() * 3; k++) chars[Math.floor(rnd() * chars.length)] = '{}[]":,0a-'[Math.floor(rnd() * 10)];
      try {
        decodeMetricsJson(chars.join(''));
      } catch (err) {
        expect(err).toBeInstanceOf(JsonShapeError);
      }
    }
  });
});
