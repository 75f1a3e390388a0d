import { describe, expect, it } from 'vitest';
import { fuzz } from '../net/fuzz.js';
import { FieldType, LineKind, LineProtocolParser, type KnownSeries } from './parser.js';

const VALID = [
  'cpu,host=a,region=eu usage=1.5,idle=98i 1556813561098000000',
  'm\\ x,k\\,1=v\\=1 f\\ 1="a \\"q\\" \\\\",b=t,u=18446744073709551615u',
  'weather,location=us-midwest temperature=82 1465839830100400200',
  'x v=-1e-3,w=FALSE',
  '# comment',
];

/** What a parser read at one step, for comparing two parsers over the same text (-0 told apart from 0). */
function readRow(q: LineProtocolParser, k: LineKind): unknown {
  if (k !== LineKind.Row) return { k, line: q.line, error: q.error };
  const tags: string[] = [];
  for (let i = 0; i < q.tagCount; i++) tags.push(q.tagKey(i), q.tagValue(i));
  const fields: unknown[] = [];
  for (let i = 0; i < q.fieldCount; i++) fields.push(q.fieldKey(i), q.rawFieldKey(i), q.fieldTypes[i], Object.is(q.fieldValues[i], -0) ? '-0' : q.fieldValues[i]);
  return { k, line: q.line, m: q.measurement(), key: q.seriesKey(), hash: q.seriesHash, tags, fields, ts: q.timestampMs };
}

describe('line protocol parser fuzz', () => {
  for (const precision of ['ns', 's'] as const) {
    it(`never throws, never loops (precision ${precision})`, () => {
      const p = new LineProtocolParser();
      const r = fuzz({
        seed: precision === 'ns' ? 1 : 2,
        rounds: 20_000,
        alphabet: 'ab=, \\"\n#0123456789.-eiutf',
        valid: VALID,
        parseAll: (text) => {
          p.reset(text, precision);
          let steps = 0;
          for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
            steps++;
            if (k === LineKind.Row) {
              expect(p.fieldCount).toBeGreaterThan(0);
              expect(p.measurement()).not.toBe('');
              for (let i = 0; i < p.tagCount; i++) expect(p.tagKey(i)).not.toBe('');
              expect(p.seriesIs(p.seriesKey())).toBe(true);
              for (let i = 0; i < p.fieldCount; i++) {
                if (p.fieldTypes[i] !== FieldType.String) expect(Number.isFinite(p.fieldValues[i])).toBe(true);
                expect(p.fieldKey(i)).not.toBe('');
              }
            } else expect(p.error).not.toBe('');
          }
          return steps;
        },
      });
      expect(r.steps).toBeGreaterThan(0);
    });
  }

  it('a KnownSeries changes what is parsed, never what comes out', () => {
    // Series that parsed before, by their text (ASCII here, so text and bytes agree).
    const seen = new Set<string>();
    const known: KnownSeries = { isKnown: (q) => seen.has(q.seriesKey()) };
    const plain = new LineProtocolParser();
    const fast = new LineProtocolParser();
    let hits = 0;
    const r = fuzz({
      seed: 3,
      rounds: 20_000,
      alphabet: 'ab=, \\"\n#0123456789.-eiutf',
      valid: VALID,
      parseAll: (text) => {
        plain.reset(text, 'ns');
        fast.reset(text, 'ns', 1, known);
        let steps = 0;
        for (let k = plain.next(); ; k = plain.next()) {
          const kf = fast.next();
          steps++;
          expect(readRow(fast, kf)).toEqual(readRow(plain, k));
          if (k === LineKind.EOF) break;
          if (k === LineKind.Row) {
            if (fast.seriesKnown) hits++;
            seen.add(plain.seriesKey());
          }
        }
        return steps;
      },
    });
    expect(r.steps).toBeGreaterThan(0);
    expect(hits).toBeGreaterThan(1000);
  });
  it('nextRowOf reads a row exactly as next() does, or leaves it to next()', () => {
    // Plain rows (what nextRowOf takes) beside everything it must leave alone.
    const valid = [
      ...VALID,
      'cpu,host=a,region=eu usage=1.5,idle=98 1556813561098000000',
      'cpu,host=a,region=eu usage=-0.25,idle=.5 1556813561098123456',
      'cpu,host=b usage=0012.50',
      'x v=-1.5',
      'weather,location=us-midwest temperature=82 1465839830100400200',
    ];
    let hits = 0;
    for (const precision of ['ns', 'us', 'ms', 's', 'h'] as const) {
      const plain = new LineProtocolParser();
      const fast = new LineProtocolParser();
      // The series bytes of the last rows, as a cache stores them (copySeries).
      const stored: { words: Int32Array; length: number }[] = [];
      const r = fuzz({
        seed: 4 + precision.length,
        rounds: 8_000,
        alphabet: 'ab=, \\"\n\r#0123456789.-eiutf',
        valid,
        parseAll: (text) => {
          plain.reset(text, precision);
          fast.reset(text, precision);
          let steps = 0;
          for (;;) {
            const k = plain.next();
            let kf: LineKind | undefined;
            for (let j = stored.length - 1; j >= 0 && kf === undefined; j--) {
              if (fast.nextRowOf(stored[j].words, 0, stored[j].length)) {
                kf = LineKind.Row;
                hits++;
                expect(fast.seriesKnown).toBe(true);
              }
            }
            kf ??= fast.next();
            steps++;
            expect(readRow(fast, kf)).toEqual(readRow(plain, k));
            if (k === LineKind.EOF) break;
            if (k === LineKind.Row) {
              const length = plain.seriesEnd - plain.seriesStart;
              const words = new Int32Array((length + 3) >> 2);
              plain.copySeries(words, 0);
              stored.push({ words, length });
              if (stored.length > 4) stored.shift();
            }
          }
          return steps;
        },
      });
      expect(r.steps).toBeGreaterThan(0);
    }
    expect(hits).toBeGreaterThan(1000);
  });
});
