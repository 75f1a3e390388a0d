/**
 * Column buffers that decoders fill: parallel timestamp and value arrays,
 * grown geometrically and reused across chunks.
 */
export class SampleBuffers {
  ts: Float64Array;
  vs: Float64Array;
  /** `vs` as 32-bit words (low word first), for bit-exact writes of NaN payloads. */
  vsWords: Uint32Array;

  constructor(capacity = 256) {
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.vsWords = new Uint32Array(this.vs.buffer);
  }

  /** Makes room for `n` samples, keeping the contents (so merges can append). */
  ensure(n: number): void {
    if (n <= this.ts.length) return;
    let cap = Math.max(this.ts.length * 2, 16);
    while (cap < n) cap *= 2;
    const ts = new Float64Array(cap);
    const vs = new Float64Array(cap);
    ts.set(this.ts);
    vs.set(this.vs);
    this.ts = ts;
    this.vs = vs;
    this.vsWords = new Uint32Array(this.vs.buffer);
  }
}
