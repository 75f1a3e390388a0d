import { describe, expect, it } from 'vitest';
import { ParsedBuilder, SeriesIds, type ParsedSamples } from '../common/parsed.js';
import { InfluxParse, type InfluxParseArgs } from './stream.js';

const NOW = Date.UTC(2025, 0, 1);

function args(db = 'bench', firstLine = 1): InfluxParseArgs {
  return { db, precision: 'ms', now: NOW, firstLine };
}

/** The parse's samples as [labels, t, v], with the labels each id was announced with (across parses). */
class Reader {
  readonly labels = new Map<number, string>();
  read(p: ParsedSamples): [string, number, number][] {
    if (p.reset) this.labels.clear();
    p.newIds.forEach((id, k) => {
      expect(this.labels.has(id)).toBe(false);
      this.labels.set(id, p.newLabels[k].join(' '));
    });
    const out: [string, number, number][] = [];
    for (let i = 0; i < p.n; i++) out.push([this.labels.get(p.ids[i]) ?? `unknown id ${p.ids[i]}`, p.ts[i], p.vs[i]]);
    return out;
  }
}

describe('InfluxParse', () => {
  it('maps fields to series, reuses ids for series met before, in any order', () => {
    const parse = new InfluxParse(new SeriesIds());
    const out = new ParsedBuilder();
    const r = new Reader();
    parse.run(Buffer.from('cpu,host=a user=1,sys=2 1000\ncpu,host=b user=3 1000\nmem free=7i 1000\n'), args(), out);
    const first = out.finish();
    expect(first.newIds).toHaveLength(4);
    expect(r.read(first)).toEqual([
      ['__name__ cpu_user db bench host a', 1000, 1],
      ['__name__ cpu_sys db bench host a', 1000, 2],
      ['__name__ cpu_user db bench host b', 1000, 3],
      ['__name__ mem_free db bench', 1000, 7],
    ]);
    // Other order, a new field on a known series, a string field, a bad line, one too far ahead.
    parse.run('mem free=8i 2000\ncpu,host=b user=4,idle=5,note="x" 2000\ncpu,host=a sys=6 2000\ncpu,host=a user= 2000\ncpu,host=a user=1 99999999999999\n', args(), out);
    const second = out.finish();
    expect(second.newIds).toHaveLength(1);
    expect(r.read(second)).toEqual([
      ['__name__ mem_free db bench', 2000, 8],
      ['__name__ cpu_user db bench host b', 2000, 4],
      ['__name__ cpu_idle db bench host b', 2000, 5],
      ['__name__ cpu_sys db bench host a', 2000, 6],
    ]);
    expect(second.counts).toEqual({ strings: 1 });
    expect(second.rejects.map((x) => x.message)).toEqual([
      'line 4: missing value of field "user"',
      expect.stringMatching(/^line 5: timestamp .* ahead of the server's clock/),
    ]);
  });

  it('keeps databases apart, and a line db tag wins over the request database', () => {
    const parse = new InfluxParse(new SeriesIds());
    const out = new ParsedBuilder();
    const r = new Reader();
    parse.run('m v=1 1\nm,db=own v=2 1\n', args('x'), out);
    parse.run('m v=3 1\n', args('y'), out);
    parse.run('m v=4 1\n', args(''), out);
    parse.run('m v=5 1\n', args('x'), out);
    expect(r.read(out.finish())).toEqual([
      ['__name__ m_v db x', 1, 1],
      ['__name__ m_v db own', 1, 2],
      ['__name__ m_v db y', 1, 3],
      ['__name__ m_v', 1, 4],
      ['__name__ m_v db x', 1, 5],
    ]);
  });

  it('names series with escapes and UTF-8 as written, from bytes and from strings alike', () => {
    const text = 'my\\ m\\,x,k\\=1=v\\ 1,t=Z\u00fcrich f\\ 1=1 5\n';
    const labels = ['__name__ my m,x_f 1 db bench k=1 v 1 t Z\u00fcrich'];
    for (const body of [text, Buffer.from(text)]) {
      const out = new ParsedBuilder();
      new InfluxParse(new SeriesIds()).run(body, args(), out);
      const p = out.finish();
      expect(p.newLabels.map((l) => l.join(' '))).toEqual(labels);
      expect(p.n).toBe(1);
    }
  });

  it('holds many series (the table and key store grow) and finds each again', () => {
    const parse = new InfluxParse(new SeriesIds());
    const out = new ParsedBuilder();
    const r = new Reader();
    const lines = (t: number, order: number[]) => order.map((i) => `m_${i % 7},host=h${i},k=${'x'.repeat(1 + (i % 13))} v=${i},w=${-i - 1} ${t}`).join('\n');
    const n = 5000;
    const order = Array.from({ length: n }, (_, i) => i);
    parse.run(lines(1, order), args(), out);
    const first = r.read(out.finish());
    expect(first).toHaveLength(2 * n);
    // Reversed, then shuffled: every series known, whatever the order.
    const shuffled = [...order].sort((a, b) => ((a * 7919) % n) - ((b * 7919) % n));
    for (const o of [[...order].reverse(), shuffled]) {
      parse.run(lines(2, o), args(), out);
      const p = out.finish();
      expect(p.newIds).toHaveLength(0);
      const got = r.read(p);
      expect(got).toHaveLength(2 * n);
      for (let k = 0; k < o.length; k++) {
        const i = o[k];
        expect(got[2 * k]).toEqual([`__name__ m_${i % 7}_v db bench host h${i} k ${'x'.repeat(1 + (i % 13))}`, 2, i]);
        expect(got[2 * k + 1]).toEqual([`__name__ m_${i % 7}_w db bench host h${i} k ${'x'.repeat(1 + (i % 13))}`, 2, -i - 1]);
      }
    }
  });

  it('forgets every series when the ids are reset', () => {
    const parse = new InfluxParse(new SeriesIds(3));
    const out = new ParsedBuilder();
    const r = new Reader();
    parse.run('a v=1,w=2,x=3 1\n', args(), out);
    r.read(out.finish());
    parse.run('a v=4 1\nb v=5 1\n', args(), out);
    const p = out.finish();
    expect(p.reset).toBe(true);
    expect(p.newIds).toEqual([1, 2]);
    expect(r.read(p)).toEqual([
      ['__name__ a_v db bench', 1, 4],
      ['__name__ b_v db bench', 1, 5],
    ]);
  });
});
