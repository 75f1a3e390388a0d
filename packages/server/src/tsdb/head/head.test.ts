import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import { Matcher } from '../../model/matcher.js';
import { ValueType } from '../../storage/interface.js';
import { Head } from './head.js';

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
});
