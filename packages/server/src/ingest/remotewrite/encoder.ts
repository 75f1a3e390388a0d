/**
 * Encoders of the two remote-write messages (snappy-compressed), for tests,
 * benchmarks and senders. Series are given as label pairs plus parallel
 * timestamp/value arrays; values are written bit-exact (staleness markers
 * survive).
 */
import { compressSync } from 'snappy';

class Writer {
  buf = Buffer.allocUnsafe(1 << 12);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Varint of an integer in (-2^63, 2^64); negative ones as 10-byte two's complement. */
  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) {
        this.buf[this.len++] = Number(big & 0x7fn) | 0x80;
        big >>= 7n;
      }
      this.buf[this.len++] = Number(big);
      return;
    }
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(n);
    this.ensure(n);
    this.len += this.buf.write(s, this.len);
  }

  double(field: number, v: number, bits?: Float64Array, i?: number): void {
    this.tag(field, 1);
    this.ensure(8);
    if (bits !== undefined && i !== undefined) {
      Buffer.from(bits.buffer, bits.byteOffset + i * 8, 8).copy(this.buf, this.len);
    } else this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  message(field: number, fill: (w: Writer) => void): void {
    const inner = new Writer();
    fill(inner);
    this.tag(field, 2);
    this.varint(inner.len);
    this.ensure(inner.len);
    inner.buf.copy(this.buf, this.len, 0, inner.len);
    this.len += inner.len;
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export interface EncodedSeries {
  /** `[name, value, …]`, sorted by name (as senders must). */
  labels: readonly string[];
  timestamps: ArrayLike<number>;
  /** A Float64Array keeps NaN payloads exact. */
  values: Float64Array;
}

/** A `prometheus.WriteRequest`, uncompressed. */
export function encodeV1(series: readonly EncodedSeries[]): Buffer {
  const w = new Writer();
  for (const s of series) {
    w.message(1, (ts) => {
      for (let i = 0; i < s.labels.length; i += 2) {
        ts.message(1, (l) => {
          l.string(1, s.labels[i]);
          l.string(2, s.labels[i + 1]);
        });
      }
      for (let j = 0; j < s.timestamps.length; j++) {
        ts.message(2, (smp) => {
          smp.double(1, s.values[j], s.values, j);
          smp.tag(2, 0);
          smp.varint(s.timestamps[j]);
        });
      }
    });
  }
  return w.bytes();
}

/** An `io.prometheus.write.v2.Request`, uncompressed (symbols interned, refs packed). */
export function encodeV2(series: readonly EncodedSeries[]): Buffer {
  const symbols = [''];
  const index = new Map<string, number>([['', 0]]);
  const ref = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const refs = series.map((s) => s.labels.map(ref));
  const w = new Writer();
  for (const s of symbols) w.string(4, s);
  series.forEach((s, k) => {
    w.message(5, (ts) => {
      ts.message(1, (packed) => {
        for (const r of refs[k]) packed.varint(r);
      });
      for (let j = 0; j < s.timestamps.length; j++) {
        ts.message(2, (smp) => {
          smp.double(1, s.values[j], s.values, j);
          smp.tag(2, 0);
          smp.varint(s.timestamps[j]);
        });
      }
    });
  });
  return w.bytes();
}

export function snappy(body: Buffer): Buffer {
  return compressSync(body);
}

export const V1_HEADERS = Object.freeze({
  'Content-Type': 'application/x-protobuf',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
});

export const V2_HEADERS = Object.freeze({
  'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
  'Content-Encoding': 'snappy',
  'X-Prometheus-Remote-Write-Version': '2.0.0',
});
