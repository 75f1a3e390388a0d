/**
 * A minimal Prometheus remote-write 1.0 client for benchmarks: encodes a
 * `WriteRequest` protobuf by hand (only the fields samples need), compresses
 * it with snappy's block format and POSTs it.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */
import { compressSync } from 'snappy';
import type { Labels } from '../../packages/server/src/model/labels.js';

/** A growable protobuf writer; length-delimited fields are written into a scratch writer first. */
class ProtoWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  len = 0;

  #ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  varint(v: number): void {
    this.#ensure(10);
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
    this.#ensure(n);
    this.len += this.buf.write(s, this.len);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.#ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  bytes(field: number, src: ProtoWriter): void {
    this.tag(field, 2);
    this.varint(src.len);
    this.#ensure(src.len);
    src.buf.copy(this.buf, this.len, 0, src.len);
    this.len += src.len;
  }

  reset(): void {
    this.len = 0;
  }
}

export class WriteRequestBuilder {
  #req = new ProtoWriter();
  #series = new ProtoWriter();
  #field = new ProtoWriter();
  #count = 0;

  /** Adds one series with one sample (timestamps in ms, non-negative). */
  add(labels: Labels, t: number, v: number): void {
    const s = this.#series;
    const f = this.#field;
    s.reset();
    const p = labels.pairs;
    for (let i = 0; i < p.length; i += 2) {
      f.reset();
      f.string(1, p[i]);
      f.string(2, p[i + 1]);
      s.bytes(1, f);
    }
    f.reset();
    f.double(1, v);
    f.tag(2, 0);
    f.varint(t);
    s.bytes(2, f);
    this.#req.bytes(1, s);
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** The snappy-compressed request body; the builder is empty afterwards. */
  finish(): Buffer {
    const body = compressSync(this.#req.buf.subarray(0, this.#req.len));
    this.#req.reset();
    this.#count = 0;
    return body;
  }
}

/** POSTs a compressed WriteRequest to e.g. `http://127.0.0.1:9090/api/v1/write`. */
export async function postWriteRequest(url: string, body: Buffer): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
    },
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`cannot remote-write to ${url}: HTTP ${res.status}: ${text.slice(0, 500)}`);
}
