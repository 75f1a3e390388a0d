/**
 * The storage conformance suite: every backend behind the seam runs these
 * cases (as Hono runs one router suite over every router). A backend may skip
 * a case only with a written reason.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { STALE_NAN } from '../model/value.js';
import { StorageError } from './errors.js';
import { ValueType, type Storage } from './interface.js';

export interface ConformanceHarness {
  /** A fresh, empty storage. */
  open(): Promise<Storage>;
  /** Closes and opens the same storage again, when the backend is durable. */
  reopen?(s: Storage): Promise<Storage>;
  /** Case name → reason. */
  skips?: Record<string, string>;
}



export function floatBits(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16).padStart(16, '0');
}

const L = (o: Record<string, string>) => Labels.fromObject(o);

export function readAll(s: Storage, matchers: Matcher[], mint = -1e15, maxt = 1e15) {
  const q = s.querier(mint, maxt);
  try {
    return q.select({ start: mint, end: maxt }, matchers).map((series) => {
      const it = series.iterator();
      const ts: number[] = [];
      // Plain arrays of doubles canonicalize NaN payloads in V8: keep the bits from a typed array.
      let raw = new Float64Array(16);
      while (it.next() !== ValueType.None) {
        if (ts.length === raw.length) {
          const g = new Float64Array(raw.length * 2);
          g.set(raw);
          raw = g;
        }
        raw[ts.length] = it.v;
        ts.push(it.t);
      }
      const values = raw.subarray(0, ts.length);
      return { labels: series.labels.toString(), ts, vs: Array.from(values), bits: Array.from(values, floatBits) };
    });
  } finally {
    q.close();
  }
}

export function storageConformance(name: string, h: ConformanceHarness): void {
  describe(`storage conformance: ${name}`, () => {
    let open: Storage[] = [];
    afterEach(async () => {
      for (const s of open) await s.close().catch(() => {});
      open = [];
    });
    const fresh = async () => {
      const s = await h.open();
      open.push(s);
      return s;
    };
    const test = (title: string, fn: () => Promise<void>) => {
      const reason = h.skips?.[title];
      if (reason) it.skip(`${title} (skipped: ${reason})`, fn);
      else it(title, fn);
    };

    test('appended samples are invisible until commit and visible after', async () => {
      const s = await fresh();
      const app = s.appender();
      app.append(0, L({ __name__: 'up', job: 'a' }), 1000, 1);
      expect(readAll(s, [new Matcher('=', '__name__', 'up')])).toEqual([]);
      await app.commit();
      expect(readAll(s, [new Matcher('=', '__name__', 'up')])).toMatchObject([{ labels: 'up{job="a"}', ts: [1000], vs: [1] }]);
    });

    test('rollback drops the batch', async () => {
      const s = await fresh();
      const app = s.appender();
      app.append(0, L({ __name__: 'up' }), 1000, 1);
      app.rollback();
      expect(readAll(s, [new Matcher('=', '__name__', 'up')])).toEqual([]);
    });

    test('refs returned by append address the same series in later batches', async () => {
      const s = await fresh();
      let app = s.appender();
      const ref = app.append(0, L({ __name__: 'x', a: '1' }), 1000, 1);
      await app.commit();
      app = s.appender();
      expect(app.append(ref, undefined, 2000, 2)).toBe(ref);
      await app.commit();
      expect(readAll(s, [new Matcher('=', 'a', '1')])).toMatchObject([{ labels: 'x{a="1"}', ts: [1000, 2000], vs: [1, 2] }]);
    });

    test('special float values round-trip bit-exactly', async () => {
      const s = await fresh();
      const app = s.appender();
      const odd = new DataView(new ArrayBuffer(8));
      odd.setBigUint64(0, 0x7ff8_0000_dead_beefn);
      const values = [NaN, STALE_NAN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE, odd.getFloat64(0), 1e-300, 0.1];
      values.forEach((v, i) => app.append(0, L({ __name__: 'special' }), 1000 * (i + 1), v));
      await app.commit();
      const [got] = readAll(s, [new Matcher('=', '__name__', 'special')]);
      expect(got.bits).toEqual(values.map(floatBits));
    });

    test('select sorts series by labels and applies all four matcher types', async () => {
      const s = await fresh();
      const app = s.appender();
      for (const [i, inst] of ['b', 'a', 'c', 'ab'].entries()) {
        app.append(0, L({ __name__: 'm', instance: inst, job: i % 2 ? 'odd' : 'even' }), 1000, i);
      }
      app.append(0, L({ __name__: 'other', instance: 'a' }), 1000, 9);
      await app.commit();
      const names = (ms: Matcher[]) => readAll(s, ms).map((r) => r.labels);
      expect(names([new Matcher('=', '__name__', 'm')])).toEqual([
        'm{instance="a", job="odd"}',
        'm{instance="ab", job="odd"}',
        'm{instance="b", job="even"}',
        'm{instance="c", job="even"}',
      ]);
      expect(names([new Matcher('=', '__name__', 'm'), new Matcher('!=', 'job', 'odd')])).toEqual([
        'm{instance="b", job="even"}',
        'm{instance="c", job="even"}',
      ]);
      expect(names([new Matcher('=~', 'instance', 'a|c')])).toEqual(['m{instance="a", job="odd"}', 'm{instance="c", job="even"}', 'other{instance="a"}']);
      expect(names([new Matcher('=~', 'instance', 'a.*'), new Matcher('!~', '__name__', 'oth.*')])).toEqual([
        'm{instance="a", job="odd"}',
        'm{instance="ab", job="odd"}',
      ]);
      // A regex is anchored: "b" does not match "ab".
      expect(names([new Matcher('=~', 'instance', 'b')])).toEqual(['m{instance="b", job="even"}']);
    });

    test('a matcher that matches the empty string selects series without the label', async () => {
      const s = await fresh();
      const app = s.appender();
      app.append(0, L({ __name__: 'm', env: 'prod' }), 1000, 1);
      app.append(0, L({ __name__: 'm' }), 1000, 2);
      await app.commit();
      const names = (ms: Matcher[]) => readAll(s, ms).map((r) => r.labels);
      expect(names([new Matcher('=', '__name__', 'm'), new Matcher('=', 'env', '')])).toEqual(['m']);
      expect(names([new Matcher('=', '__name__', 'm'), new Matcher('!=', 'env', '')])).toEqual(['m{env="prod"}']);
      expect(names([new Matcher('=', '__name__', 'm'), new Matcher('=~', 'env', 'prod|')])).toEqual(['m', 'm{env="prod"}']);
      expect(names([new Matcher('=', '__name__', 'm'), new Matcher('!~', 'env', '.+')])).toEqual(['m']);
    });

    test('time range bounds are inclusive and series without samples in range are not returned', async () => {
      const s = await fresh();
      const app = s.appender();
      for (let t = 0; t <= 10_000; t += 1000) app.append(0, L({ __name__: 'a' }), t, t / 1000);
      app.append(0, L({ __name__: 'b' }), 50_000, 1);
      await app.commit();
      const got = readAll(s, [new Matcher('=~', '__name__', 'a|b')], 2000, 4000);
      expect(got).toMatchObject([{ labels: 'a', ts: [2000, 3000, 4000], vs: [2, 3, 4] }]);
    });

    test('iterator seek moves to the first sample at or after t and never backwards', async () => {
      const s = await fresh();
      const app = s.appender();
      for (let t = 0; t < 1000; t++) app.append(0, L({ __name__: 'a' }), t * 10, t);
      await app.commit();
      const q = s.querier(0, 1e9);
      const [series] = q.select({ start: 0, end: 1e9 }, [new Matcher('=', '__name__', 'a')]);
      const it = series.iterator();
      expect(it.seek(55)).toBe(ValueType.Float);
      expect(it.t).toBe(60);
      expect(it.seek(10)).toBe(ValueType.Float);
      expect(it.t).toBe(60);
      expect(it.next()).toBe(ValueType.Float);
      expect(it.t).toBe(70);
      expect(it.seek(9990)).toBe(ValueType.Float);
      expect(it.seek(9991)).toBe(ValueType.None);
      q.close();
    });

    test('a duplicate timestamp with a different value is refused; with the same value it is accepted', async () => {
      const s = await fresh();
      let app = s.appender();
      const ref = app.append(0, L({ __name__: 'd' }), 1000, 1);
      await app.commit();
      app = s.appender();
      expect(() => app.append(ref, undefined, 1000, 2)).toThrowError(StorageError);
      try {
        app.append(ref, undefined, 1000, 2);
      } catch (e) {
        expect((e as StorageError).code).toBe('duplicate_sample');
      }
      app.append(ref, undefined, 1000, 1);
      await app.commit();
      expect(readAll(s, [new Matcher('=', '__name__', 'd')])[0].vs).toEqual([1]);
    });

    test('invalid labels are refused with a typed error', async () => {
      const s = await fresh();
      const app = s.appender();
      expect(() => app.append(0, Labels.EMPTY, 1000, 1)).toThrowError(/empty label set/);
      expect(() => app.append(0, Labels.fromSortedPairs(['', 'x']), 1000, 1)).toThrowError(/empty label name/);
      expect(() => app.append(12345, undefined, 1000, 1)).toThrowError(StorageError);
      // UTF-8 names are valid, as in Prometheus 3.
      app.append(0, L({ __name__: 'my.metric', 'a.b': 'ü' }), 1000, 1);
      await app.commit();
      expect(readAll(s, [new Matcher('=', 'a.b', 'ü')]).map((r) => r.labels)).toEqual(['{"my.metric", "a.b"="ü"}'.replace('{"my.metric", ', '{__name__="my.metric", ')]);
    });

    test('label names and values, filtered by matchers', async () => {
      const s = await fresh();
      const app = s.appender();
      app.append(0, L({ __name__: 'a', job: 'x', zone: 'eu' }), 1000, 1);
      app.append(0, L({ __name__: 'a', job: 'y' }), 1000, 1);
      app.append(0, L({ __name__: 'b', job: 'z', host: 'h' }), 1000, 1);
      await app.commit();
      const q = s.querier(0, 10_000);
      expect(q.labelNames([])).toEqual(['__name__', 'host', 'job', 'zone']);
      expect(q.labelNames([new Matcher('=', '__name__', 'a')])).toEqual(['__name__', 'job', 'zone']);
      expect(q.labelValues('job', [])).toEqual(['x', 'y', 'z']);
      expect(q.labelValues('job', [new Matcher('=', '__name__', 'a')])).toEqual(['x', 'y']);
      expect(q.labelValues('nope', [])).toEqual([]);
      q.close();
    });

    test('deleteSeries removes samples of matching series within the range', async () => {
      const s = await fresh();
      const app = s.appender();
      for (let t = 1000; t <= 5000; t += 1000) {
        app.append(0, L({ __name__: 'a', k: '1' }), t, t);
        app.append(0, L({ __name__: 'a', k: '2' }), t, t);
      }
      await app.commit();
      await s.deleteSeries([new Matcher('=', 'k', '1')], 2000, 4000);
      expect(readAll(s, [new Matcher('=', '__name__', 'a')])).toMatchObject([
        { labels: 'a{k="1"}', ts: [1000, 5000], vs: [1000, 5000] },
        { labels: 'a{k="2"}', ts: [1000, 2000, 3000, 4000, 5000], vs: [1000, 2000, 3000, 4000, 5000] },
      ]);
      await s.deleteSeries([new Matcher('=', 'k', '2')], -Infinity, Infinity);
      expect(readAll(s, [new Matcher('=', '__name__', 'a')]).map((r) => r.labels)).toEqual(['a{k="1"}']);
    });

    test('out-of-order samples within the window are merged in timestamp order', async () => {
      const s = await fresh();
      let app = s.appender();
      const ref = app.append(0, L({ __name__: 'o' }), 100_000, 3);
      await app.commit();
      app = s.appender();
      app.append(ref, undefined, 90_000, 2);
      app.append(ref, undefined, 80_000, 1);
      app.append(ref, undefined, 110_000, 4);
      await app.commit();
      expect(readAll(s, [new Matcher('=', '__name__', 'o')])[0]).toMatchObject({ labels: 'o', ts: [80_000, 90_000, 100_000, 110_000], vs: [1, 2, 3, 4] });
    });

    test('many series and samples read back exactly', async () => {
      const s = await fresh();
      const refs: number[] = [];
      for (let t = 0; t < 300; t++) {
        const app = s.appender();
        for (let i = 0; i < 200; i++) {
          const v = t % 7 === 0 ? i * 1.5 + t : Math.sin(i + t);
          refs[i] = app.append(refs[i] ?? 0, refs[i] ? undefined : L({ __name__: 'm', i: String(i) }), t * 15_000, v);
        }
        await app.commit();
      }
      const got = readAll(s, [new Matcher('=', '__name__', 'm')]);
      expect(got.length).toBe(200);
      for (const r of got) {
        const i = Number(/i="(\d+)"/.exec(r.labels)![1]);
        expect(r.ts.length).toBe(300);
        for (let t = 0; t < 300; t++) {
          expect(r.ts[t]).toBe(t * 15_000);
          expect(r.vs[t]).toBe(t % 7 === 0 ? i * 1.5 + t : Math.sin(i + t));
        }
      }
    });

    test('data survives close and reopen', async () => {
      if (!h.reopen) return;
      let s = await fresh();
      const app = s.appender();
      for (let t = 0; t < 100; t++) app.append(0, L({ __name__: 'p', x: 'y' }), t * 1000, t === 50 ? STALE_NAN : t);
      await app.commit();
      s = await h.reopen(s);
      open.push(s);
      const [got] = readAll(s, [new Matcher('=', 'x', 'y')]);
      expect(got.ts.length).toBe(100);
      expect(got.bits[50]).toBe(floatBits(STALE_NAN));
      expect(got.vs[99]).toBe(99);
    });
  });
}
