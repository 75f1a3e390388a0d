import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import type { Call } from '../parser/index.js';
import { getFunction } from './catalogue.js';
import './range.js';
import type { RangeImpl, RangeWindow } from './types.js';

/** A series with counter resets, NaNs, zeros of both signs and repeats, sampled every 15 s with gaps. */
function series(seed: number, n: number): { ts: Float64Array; vs: Float64Array } {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let t = 1_000_000;
  let v = 0;
  for (let i = 0; i < n; i++) {
    t += rand() < 0.05 ? 15_000 * (2 + Math.floor(rand() * 20)) : 15_000;
    const r = rand();
    if (r < 0.03) v = 0;
    else if (r < 0.05) v = NaN;
    else if (r < 0.07) v = -0;
    else if (r < 0.3) v = Number.isNaN(v) ? 1 : v;
    else v = (Number.isNaN(v) ? 0 : v) + Math.floor(rand() * 100) / 4 - (rand() < 0.1 ? 30 : 0);
    ts[i] = t;
    vs[i] = v;
  }
  return { ts, vs };
}

const bits = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

describe('whole-series range kernels', () => {
  for (const name of ['rate', 'increase', 'delta', 'max_over_time', 'min_over_time']) {
    it(`${name} gives what its per-window function gives, at every step`, () => {
      const impl = getFunction(name)!.impl as RangeImpl;
      expect(impl.steps).toBeDefined();
      for (const [seed, range, step] of [
        [1, 300_000, 60_000],
        [2, 60_000, 60_000],
        [3, 900_000, 15_000],
        [4, 30_000, 120_000],
      ]) {
        const { ts, vs } = series(seed, 800);
        const steps = Math.floor((ts[799] - ts[0]) / step) + 3;
        const ends = Float64Array.from({ length: steps }, (_, i) => ts[0] - step + i * step);
        const los = new Int32Array(steps);
        const his = new Int32Array(steps);
        let lo = 0;
        let hi = 0;
        for (let i = 0; i < steps; i++) {
          while (lo < ts.length && ts[lo] <= ends[i] - range) lo++;
          if (hi < lo) hi = lo;
          while (hi < ts.length && ts[hi] <= ends[i]) hi++;
          los[i] = lo;
          his[i] = hi;
        }
        const w: RangeWindow = {
          ts,
          vs,
          n: ts.length,
          lo: 0,
          hi: 0,
          rangeStart: 0,
          rangeEnd: 0,
          evalT: 0,
          args: new Float64Array(0),
          labels: Labels.EMPTY,
          call: {} as Call,
          annotate: () => {},
          anchored: false,
          smoothed: false,
        };
        impl.prepare?.(w);
        const want: string[] = [];
        for (let i = 0; i < steps; i++) {
          if (his[i] <= los[i]) {
            want.push('-');
            continue;
          }
          w.lo = los[i];
          w.hi = his[i];
          w.rangeStart = ends[i] - range;
          w.rangeEnd = ends[i];
          const v = impl.fn(w);
          want.push(v === undefined ? '-' : bits(v));
        }
        const out = new Float64Array(steps);
        const ok = new Uint8Array(steps);
        const present = impl.steps!(w, los, his, ends, range, out, ok);
        const got = Array.from(out, (v, i) => (ok[i] ? bits(v) : '-'));
        expect(got).toEqual(want);
        expect(present).toBe(want.filter((x) => x !== '-').length);
      }
    });
  }
});
