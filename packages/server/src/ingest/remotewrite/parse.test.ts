import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { ParsedBuilder, SeriesIds, type ParsedSamples } from '../common/parsed.js';
import { encodeV1, type EncodedSeries } from './encoder.js';
import { RemoteWriteParse } from './parse.js';

const series = (labels: string[], t: number): EncodedSeries => ({ labels, timestamps: [t], values: new Float64Array([t / 2]) });

/** Series i of a node_exporter-like target: names share long prefixes, as real ones do. */
const labelsOf = (i: number) => ['__name__', `node_disk_io_time_seconds_total${i % 3 === 0 ? '' : '_x'}`, 'device', `sd${i}`, 'instance', 'host-1:9100', 'job', 'node'];

/** Parses one 1.0 request; the series' labels by id, as the receiver would know them, and the samples. */
function parse(p: RemoteWriteParse, known: Map<number, string>, body: EncodedSeries[]): { labels: string[]; t: number; v: number }[] {
  const out = new ParsedBuilder();
  p.run(compressSync(encodeV1(body)), { version: 1, limit: 1 << 20 }, out);
  const r: ParsedSamples = out.finish();
  r.newIds.forEach((id, k) => {
    expect(known.has(id)).toBe(false);
    known.set(id, r.newLabels[k].join(','));
  });
  return Array.from({ length: r.n }, (_, i) => ({ labels: known.get(r.ids[i])!.split(','), t: r.ts[i], v: r.vs[i] }));
}

describe('RemoteWriteParse (1.0)', () => {
  it('finds each series by its bytes whatever the order, new series and invalid ones in between', () => {
    const p = new RemoteWriteParse(new SeriesIds());
    const known = new Map<number, string>();
    const all = Array.from({ length: 40 }, (_, i) => labelsOf(i));
    const check = (order: string[][], t: number) => {
      const got = parse(p, known, order.map((l) => series(l, t)));
      expect(got).toEqual(order.map((labels) => ({ labels, t, v: t / 2 })));
    };
    check(all, 1);
    expect(known.size).toBe(40);
    check(all, 2);
    check([...all].reverse(), 3);
    check(all.filter((_, i) => i % 4 !== 2), 4);
    check([...all.slice(0, 5), labelsOf(100), ...all.slice(5, 20), labelsOf(101), ...all.slice(20)], 5);
    check([...all.slice(0, 5), labelsOf(100), ...all.slice(5, 20), labelsOf(101), ...all.slice(20)], 6);
    expect(known.size).toBe(42);
    // An invalid series (duplicate label name) between known ones: rejected, its neighbours found as before.
    const out = new ParsedBuilder();
    const bad = ['__name__', 'm', 'a', '1', 'a', '2'];
    p.run(compressSync(encodeV1([series(all[0], 7), series(bad, 7), series(all[1], 7)])), { version: 1, limit: 1 << 20 }, out);
    const r = out.finish();
    expect(r.rejects.map((x) => x.message)).toEqual(['series 2: duplicate label name "a"']);
    expect(r.newIds).toEqual([]);
    expect(Array.from(r.ids.subarray(0, r.n)).map((id) => known.get(id))).toEqual([all[0].join(','), all[1].join(',')]);
    check(all, 8);
    expect(known.size).toBe(42);
  });
});
