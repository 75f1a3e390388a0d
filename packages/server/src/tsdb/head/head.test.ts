import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { ValueType } from '../../storage/interface.js';
import { Head, STAGE_SAMPLES } from './head.js';

const H = 3600_000;
const apply = (head: Head, ref: number, t: number, v: number) =>
  head.apply(Int32Array.of(ref), Float64Array.of(t), Float64Array.of(v), 1, { inOrder: 0, outOfOrder: 0, dropped: 0, chunksCreated: 0 });

describe('head', () => {
  it('aliases a replayed series record that names an existing label set under another ref', () => {
    const head = new Head({ blockRange: 2 * H, oooWindow: H });
    const a = Labels.fromObject({ __name__: 'a' });
    const first = head.getOrCreate(a, 5);
    const again = head.getOrCreate(a, 9);
    expect(again).toBe(first);
    expect(head.get(9)).toBe(first);
    apply(head, 5, 1000, 1);
    apply(head, 9, 2000, 2);
    const [s] = head.select([new Matcher('=', '__name__', 'a')], 0, 10_000);
    const it = s.iterator();
    const ts: number[] = [];
    while (it.next() !== ValueType.None) ts.push(it.t);
    expect(ts).toEqual([1000, 2000]);
    expect(head.numSeries).toBe(1);
    expect(head.numChunks()).toBe(1);
    // When the series goes, its alias goes too.
    head.truncate(10_000, Infinity);
    expect(head.get(5)).toBeUndefined();
    expect(head.get(9)).toBeUndefined();
  });

  it('re-encodes cut chunks compactly without changing what queries read', () => {
    const head = new Head({ blockRange: 2 * H, oooWindow: H });
    const s = head.getOrCreate(Labels.fromObject({ __name__: 'r' }));
    for (let k = 0; k < 1000; k++) apply(head, s.ref, k * 1000, Math.round(k * 1.37 * 100) / 100);
    const read = () => {
      const [series] = head.select([], 0, 1e9);
      const it = series.iterator();
      const vs = new Float64Array(1000);
      let n = 0;
      while (it.next() !== ValueType.None) vs[n++] = it.v;
      return Array.from(vs.subarray(0, n));
    };
    const before = read();
    const xorBytes = s.closed.reduce((a, c) => a + c.bytes.length, 0);
    expect(head.recodePending).toBeGreaterThan(0);
    while (head.recodeChunks(100));
    expect(head.recodePending).toBe(0);
    const blockBytes = s.closed.reduce((a, c) => a + c.bytes.length, 0);
    expect(blockBytes * 3).toBeLessThan(xorBytes);
    expect(read()).toEqual(before);
  });

  it('gives only the newest sample with newestOnly when it is in range and nothing is out of order', () => {
    const head = new Head({ blockRange: 2 * H, oooWindow: H });
    const a = head.getOrCreate(Labels.fromObject({ __name__: 'a' }));
    const b = head.getOrCreate(Labels.fromObject({ __name__: 'b' }));
    for (let k = 1; k <= 300; k++) {
      apply(head, a.ref, k * 1000, k);
      if (k !== 150) apply(head, b.ref, k * 1000, -k);
    }
    apply(head, b.ref, 150_000, -150); // out of order: b keeps its full view
    const read = (mint: number, maxt: number, newestOnly: boolean) =>
      head.select([], mint, maxt, newestOnly).map((series) => {
        const it = series.iterator();
        const got: number[] = [];
        while (it.next() !== ValueType.None) got.push(it.t, it.v);
        return got;
      });
    const full = read(250_000, 400_000, false);
    expect(full[0]).toHaveLength(2 * 51);
    expect(read(250_000, 400_000, true)).toEqual([[300_000, 300], full[1]]);
    // The newest sample is past maxt: all samples in range.
    expect(read(250_000, 290_000, true)).toEqual(read(250_000, 290_000, false));
    // seek on the one-sample iterator.
    const [one] = head.select([new Matcher('=', '__name__', 'a')], 0, 400_000, true);
    const it = one.iterator();
    expect(it.seek(299_000)).toBe(ValueType.Float);
    expect(it.seek(300_000)).toBe(ValueType.Float);
    expect(it.t).toBe(300_000);
    expect(it.seek(300_001)).toBe(ValueType.None);
    expect(it.next()).toBe(ValueType.None);
  });

  /** Every series' (t, v) pairs as a read sees them. */
  const readAll = (head: Head): Record<string, [number, number][]> => {
    const out: Record<string, [number, number][]> = {};
    for (const series of head.select([], -Infinity, Infinity)) {
      const it = series.iterator();
      const got: [number, number][] = (out[series.labels.get('__name__')] = []);
      while (it.next() !== ValueType.None) got.push([it.t, it.v]);
    }
    return out;
  };

  it('stages committed samples and applies them per series, in commit order, before any read', () => {
    // Refs below and above 2^16, so the sort by ref takes both radix passes.
    const head = new Head({ blockRange: 2 * H, oooWindow: H });
    const refs = [3, 70_000, 65_535, 65_536, 1].map((ref, k) => head.getOrCreate(Labels.fromObject({ __name__: `s${k}` }), ref).ref);
    const expected: Record<string, [number, number][]> = {};
    let staged = 0;
    for (let step = 0; step < 200; step++) {
      // One commit per step, the series in a different order each time; series s4 gets one out-of-order sample.
      const order = step % 2 === 0 ? [0, 1, 2, 3, 4] : [4, 3, 2, 1, 0];
      const r = new Int32Array(order.length);
      const t = new Float64Array(order.length);
      const v = new Float64Array(order.length);
      order.forEach((k, i) => {
        r[i] = refs[k];
        t[i] = step === 150 && k === 4 ? 149_000 - 500 : step * 1000;
        v[i] = step * 10 + k;
      });
      head.stage(r, t, v, order.length);
      staged += order.length;
      order.forEach((k, i) => (expected[`s${k}`] ??= []).push([t[i], v[i]]));
    }
    expect(head.staged).toBe(staged);
    expect(head.maxT).toBe(199_000);
    for (const k of Object.keys(expected)) expected[k].sort((a, b) => a[0] - b[0]);
    expect(readAll(head)).toEqual(expected);
    expect(head.staged).toBe(0);
    expect(head.applied).toMatchObject({ inOrder: staged - 1, outOfOrder: 1, dropped: 0 });
  });

  it('flushes before every read and before truncation', () => {
    const head = new Head({ blockRange: 2 * H, oooWindow: H });
    const s = head.getOrCreate(Labels.fromObject({ __name__: 'm' }));
    const stageOne = (t: number, v: number) => head.stage(Int32Array.of(s.ref), Float64Array.of(t), Float64Array.of(v), 1);
    stageOne(1000, 1);
    expect(head.numChunks()).toBe(1);
    stageOne(2000, 2);
    expect(head.matching([], 0, 10_000)).toEqual([s]);
    expect(s.maxT).toBe(2000);
    stageOne(3000, 3);
    head.truncate(0, -Infinity);
    expect(head.staged).toBe(0);
    expect(s.maxT).toBe(3000);
    // Commits that together outgrow the columns grow them; one bigger than the stage is applied at once, after what was staged.
    const ramp = (from: number, n: number) => Float64Array.from({ length: n }, (_, i) => from + i);
    const half = STAGE_SAMPLES / 2 + 10;
    head.stage(new Int32Array(half).fill(s.ref), ramp(4000, half), new Float64Array(half).fill(7), half);
    head.stage(new Int32Array(half).fill(s.ref), ramp(4000 + half, half), new Float64Array(half).fill(7), half);
    expect(head.staged).toBe(2 * half);
    const big = STAGE_SAMPLES + 10;
    const before = head.applied.inOrder;
    head.stage(new Int32Array(big).fill(s.ref), ramp(4000 + 2 * half, big), new Float64Array(big).fill(8), big);
    expect(head.staged).toBe(0);
    expect(head.applied.inOrder - before).toBe(2 * half + big);
    expect(s.maxT).toBe(4000 + 2 * half + big - 1);
  });
});
