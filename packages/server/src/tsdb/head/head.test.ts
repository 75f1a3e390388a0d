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
});
