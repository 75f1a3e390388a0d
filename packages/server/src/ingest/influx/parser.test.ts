import { describe, expect, it } from 'vitest';
import { FieldType, LineKind, LineProtocolParser, parsePrecision, type Precision } from './parser.js';

interface Row {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, [FieldType, number]>;
  ts: number;
  seriesKey: string;
}

function parse(text: string, precision: Precision = 'ns'): (Row | { line: number; error: string })[] {
  const p = new LineProtocolParser().reset(text, precision);
  const out: (Row | { line: number; error: string })[] = [];
  for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
    if (k === LineKind.Error) {
      out.push({ line: p.line, error: p.error });
      continue;
    }
    const tags: Record<string, string> = {};
    for (let i = 0; i < p.tagCount; i++) tags[p.tagKey(i)] = p.tagValue(i);
    const fields: Record<string, [FieldType, number]> = {};
    for (let i = 0; i < p.fieldCount; i++) {
      expect(p.fieldKeyIs(i, p.rawFieldKey(i))).toBe(true);
      fields[p.fieldKey(i)] = [p.fieldTypes[i] as FieldType, p.fieldValues[i]];
    }
    expect(p.seriesIs(p.seriesKey())).toBe(true);
    out.push({ measurement: p.measurement(), tags, fields, ts: p.timestampMs, seriesKey: p.seriesKey() });
  }
  return out;
}

function one(text: string, precision?: Precision): Row {
  const rows = parse(text, precision);
  expect(rows).toHaveLength(1);
  if ('error' in rows[0]) throw new Error(rows[0].error);
  return rows[0];
}

function err(text: string): string {
  const rows = parse(text);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveProperty('error');
  return (rows[0] as { error: string }).error;
}

describe('line protocol: structure', () => {
  it('reads measurement, tags, fields and timestamp', () => {
    const r = one('cpu,host=a,region=eu usage=1.5,idle=98i 1556813561098000000');
    expect(r.measurement).toBe('cpu');
    expect(r.tags).toEqual({ host: 'a', region: 'eu' });
    expect(r.fields).toEqual({ usage: [FieldType.Float, 1.5], idle: [FieldType.Integer, 98] });
    expect(r.ts).toBe(1556813561098);
    expect(r.seriesKey).toBe('cpu,host=a,region=eu');
  });

  it('takes lines without tags and without timestamp (NaN)', () => {
    const r = one('mem free=1');
    expect(r.tags).toEqual({});
    expect(Number.isNaN(r.ts)).toBe(true);
  });

  it('skips empty lines, comments and CRLF', () => {
    const rows = parse('# comment\n\n  \r\ncpu v=1\r\n# another\ncpu v=2\n');
    expect(rows.map((r) => ('fields' in r ? r.fields.v[1] : r))).toEqual([1, 2]);
  });

  it('numbers lines from firstLine, counting skipped ones', () => {
    const p = new LineProtocolParser().reset('# c\n\nbad\ncpu v=1', 'ns', 10);
    expect(p.next()).toBe(LineKind.Error);
    expect(p.line).toBe(12);
    expect(p.next()).toBe(LineKind.Row);
    expect(p.line).toBe(13);
    expect(p.next()).toBe(LineKind.EOF);
  });

  it('keeps good lines around bad ones', () => {
    const rows = parse('cpu v=1\ncpu v=\ncpu v=3');
    expect(rows[0]).toHaveProperty('fields');
    expect(rows[1]).toEqual({ line: 2, error: 'missing value of field "v"' });
    expect(rows[2]).toHaveProperty('fields');
  });

  it('tolerates several spaces between sections and trailing spaces', () => {
    const r = one('cpu,a=b  v=1   123  ', 'ms');
    expect(r.fields.v[1]).toBe(1);
    expect(r.ts).toBe(123);
  });

  it('reports structural errors', () => {
    expect(err(',a=b v=1')).toBe('missing measurement');
    expect(err('cpu')).toBe('missing fields');
    expect(err('cpu,a=b')).toBe('missing fields');
    expect(err('cpu,a v=1')).toContain('missing "=" after tag key "a"');
    expect(err('cpu,=b v=1')).toBe('empty tag key');
    expect(err('cpu,a= v=1')).toBe('missing value of tag "a"');
    expect(err('cpu,a=b=c v=1')).toContain('unescaped "="');
    expect(err('cpu v')).toContain('missing "=" after field key "v"');
    expect(err('cpu =1')).toBe('empty field key');
    expect(err('cpu v=1,')).toBe('trailing comma after the fields');
    expect(err('cpu v=1 12x')).toBe('invalid timestamp "12x"');
    expect(err('cpu v=1 1 2')).toBe('invalid timestamp "1 2"');
  });
});

describe('line protocol: escaping', () => {
  it('measurement: escaped comma and space; "=" needs no escape', () => {
    expect(one('my\\ cpu\\,x v=1').measurement).toBe('my cpu,x');
    expect(one('a=b v=1').measurement).toBe('a=b');
  });

  it('tag keys and values: escaped comma, equals sign and space', () => {
    const r = one('m,k\\ 1\\,\\==v\\ 1\\,\\= f=1');
    expect(r.tags).toEqual({ 'k 1,=': 'v 1,=' });
  });

  it('field keys: escaped comma, equals sign and space', () => {
    expect(Object.keys(one('m f\\ 1\\,\\==1').fields)).toEqual(['f 1,=']);
  });

  it('backslashes: two read as one, a lone one before another character is literal', () => {
    expect(one('m,k=a\\\\b f=1').tags.k).toBe('a\\b');
    expect(one('m,k=a\\b f=1').tags.k).toBe('a\\b');
    expect(one('m,k=a\\\\\\ b f=1').tags.k).toBe('a\\ b');
    expect(one('m\\\\ f=1').measurement).toBe('m\\');
    expect(one('c:\\path f=1').measurement).toBe('c:\\path');
  });

  it('string fields: escaped quotes and backslashes, commas and spaces inside quotes', () => {
    const r = one('m s="a \\"b\\", c\\\\",v=2 1000000');
    expect(r.fields.s[0]).toBe(FieldType.String);
    expect(r.fields.v).toEqual([FieldType.Float, 2]);
    expect(r.ts).toBe(1);
  });

  it('unterminated strings are errors', () => {
    expect(err('m s="abc')).toBe('unterminated string value of field "s"');
    expect(err('m s="abc\\"')).toBe('unterminated string value of field "s"');
  });

  it('bytes read as their whole UTF-8 decoding would: names, escapes, invalid sequences as U+FFFD', () => {
    const body = Buffer.concat([
      Buffer.from('temp\u00e9rature,ville=Z\u00fcrich,k\\ x=a\\,b \u00b0C=21.5 1\n'),
      Buffer.from([0x6d, 0xff, 0x2c, 0x74, 0x3d, 0xe2, 0x82, 0x20, 0x76, 0xf0, 0x9f, 0x98, 0x3d, 0x31, 0x0a]),
      Buffer.from('\ufeffbom v=1\nbad\u00ff v=1 x\u00ff\n'),
    ]);
    const read = (q: LineProtocolParser) => {
      const out: unknown[] = [];
      for (let k = q.next(); k !== LineKind.EOF; k = q.next()) {
        if (k === LineKind.Error) {
          out.push(q.error);
          continue;
        }
        const tags: string[] = [];
        for (let i = 0; i < q.tagCount; i++) tags.push(q.tagKey(i), q.tagValue(i));
        out.push([q.measurement(), q.seriesKey(), tags, q.fieldKey(0), q.rawFieldKey(0), q.fieldValues[0]]);
      }
      return out;
    };
    const fromBytes = read(new LineProtocolParser().reset(body, 'ms'));
    expect(fromBytes).toEqual(read(new LineProtocolParser().reset(body.toString('utf8'), 'ms')));
    expect(fromBytes).toEqual([
      ['temp\u00e9rature', 'temp\u00e9rature,ville=Z\u00fcrich,k\\ x=a\\,b', ['ville', 'Z\u00fcrich', 'k x', 'a,b'], '\u00b0C', '\u00b0C', 21.5],
      ['m\ufffd', 'm\ufffd,t=\ufffd', ['t', '\ufffd'], 'v\ufffd', 'v\ufffd', 1],
      ['\ufeffbom', '\ufeffbom', [], 'v', 'v', 1],
      'invalid timestamp "x\u00ff"',
    ]);
  });

  it('unicode in names and values', () => {
    const r = one('température,ville=Zürich °C=21.5');
    expect(r).toMatchObject({ measurement: 'température', tags: { ville: 'Zürich' }, fields: { '°C': [FieldType.Float, 21.5] } });
  });
});

describe('line protocol: field types', () => {
  it('floats in every spelling', () => {
    const r = one('m a=1,b=-1.5,c=1e3,d=1.5E-2,e=.5,f=+2,g=-0');
    expect(Object.values(r.fields).map((f) => f[1])).toEqual([1, -1.5, 1000, 0.015, 0.5, 2, -0]);
    expect(Object.values(r.fields).every((f) => f[0] === FieldType.Float)).toBe(true);
  });

  it('rejects NaN, Inf and malformed floats', () => {
    for (const v of ['NaN', 'Inf', '-Inf', '1e', '1.2.3', '-', '1e400', '0x10', '1_000']) {
      expect(err(`m a=${v}`), v).toMatch(/invalid (float )?value/);
    }
  });

  it('integers: i suffix, int64 range', () => {
    expect(one('m a=-42i').fields.a).toEqual([FieldType.Integer, -42]);
    expect(one('m a=9223372036854775807i').fields.a[1]).toBe(9223372036854775807);
    expect(one('m a=-9223372036854775808i').fields.a[1]).toBe(-9223372036854775808);
    expect(err('m a=9223372036854775808i')).toContain('out of range');
    expect(err('m a=-9223372036854775809i')).toContain('out of range');
    expect(err('m a=1.5i')).toContain('invalid integer');
    expect(err('m a=i')).toContain('invalid integer');
  });

  it('unsigned: u suffix, uint64 range, no sign', () => {
    expect(one('m a=42u').fields.a).toEqual([FieldType.Unsigned, 42]);
    expect(one('m a=18446744073709551615u').fields.a[1]).toBe(18446744073709551615);
    expect(err('m a=18446744073709551616u')).toContain('out of range');
    expect(err('m a=-1u')).toContain('invalid unsigned');
  });

  it('booleans in every spelling', () => {
    const r = one('m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE');
    expect(Object.values(r.fields)).toEqual([
      ...Array(5).fill([FieldType.Boolean, 1]),
      ...Array(5).fill([FieldType.Boolean, 0]),
    ]);
    expect(err('m a=tRuE')).toBe('invalid value "tRuE" of field "a"');
  });

  it('decimal fast path agrees with Number()', () => {
    for (const v of ['0.1', '-0.3', '123456789012345', '1234567890.12345', '0.000001', '99.99', '1.', '-0', '+7.25', '1234567890123456', '0.1234567890123456789']) {
      expect(Object.is(one(`m a=${v}`).fields.a[1], Number(v)), v).toBe(true);
    }
  });

  it('the series hash and comparison see the text as written', () => {
    const p = new LineProtocolParser().reset('m,a=1 v=1\nm,a=1 v=2\nm,a=2 v=1', 'ns');
    p.next();
    const h1 = p.seriesHash;
    const k1 = p.seriesKey();
    p.next();
    expect(p.seriesHash).toBe(h1);
    expect(p.seriesIs(k1)).toBe(true);
    p.next();
    expect(p.seriesIs(k1)).toBe(false);
  });

  it('many tags and fields grow the reused arrays', () => {
    const tags = Array.from({ length: 40 }, (_, i) => `t${i}=v${i}`).join(',');
    expect(Object.keys(one(`m,${tags} f=1`).tags)).toHaveLength(40);
  });

  it('many fields grow the reused arrays', () => {
    const fields = Array.from({ length: 40 }, (_, i) => `f${i}=${i}`).join(',');
    const r = one(`m ${fields}`);
    expect(Object.keys(r.fields)).toHaveLength(40);
    expect(r.fields.f39[1]).toBe(39);
  });
});

describe('line protocol: precisions', () => {
  const cases: [Precision, string, number][] = [
    ['ns', '1700000000123456789', 1700000000123],
    ['us', '1700000000123456', 1700000000123],
    ['ms', '1700000000123', 1700000000123],
    ['s', '1700000000', 1700000000000],
    ['m', '28333333', 28333333 * 60_000],
    ['h', '472222', 472222 * 3_600_000],
  ];
  for (const [p, raw, ms] of cases) {
    it(`precision ${p}`, () => expect(one(`m v=1 ${raw}`, p).ts).toBe(ms));
  }

  it('cuts sub-millisecond digits toward minus infinity', () => {
    expect(one('m v=1 999999', 'ns').ts).toBe(0);
    expect(one('m v=1 -1', 'ns').ts).toBe(-1);
    expect(one('m v=1 -1000000', 'ns').ts).toBe(-1);
    expect(one('m v=1 -1000001', 'ns').ts).toBe(-2);
    expect(one('m v=1 0', 'ns').ts).toBe(0);
  });

  it('parses the precision parameter spellings', () => {
    expect(parsePrecision(undefined)).toBe('ns');
    expect(parsePrecision('n')).toBe('ns');
    expect(parsePrecision('u')).toBe('us');
    expect(parsePrecision('µ')).toBe('us');
    expect(parsePrecision('ms')).toBe('ms');
    expect(parsePrecision('s')).toBe('s');
    expect(parsePrecision('x')).toBeUndefined();
  });
});

describe('line protocol: the one-pass read of a known series (nextRowOf)', () => {
  /** The series bytes of the first line of `text`, as a cache stores them. */
  function stored(text: string): { words: Int32Array; length: number } {
    const p = new LineProtocolParser().reset(text);
    expect(p.next()).toBe(LineKind.Row);
    const length = p.seriesEnd - p.seriesStart;
    const words = new Int32Array((length + 3) >> 2);
    p.copySeries(words, 0);
    return { words, length };
  }
  const key = stored('cpu,host=a v=0');

  it('reads plain rows of the stored series, and only those', () => {
    const p = new LineProtocolParser().reset('cpu,host=a usage=-1.5,idle=98 1556813561098765432\ncpu,host=a v=7\ncpu,host=b v=1\n', 'ns', 5);
    expect(p.nextRowOf(key.words, 0, key.length)).toBe(true);
    expect(p.line).toBe(5);
    expect(p.seriesKnown).toBe(true);
    expect([p.fieldCount, p.fieldKey(0), p.fieldValues[0], p.fieldKey(1), p.fieldValues[1], p.fieldTypes[1]]).toEqual([2, 'usage', -1.5, 'idle', 98, FieldType.Float]);
    expect(p.timestampMs).toBe(1556813561098);
    expect([p.measurement(), p.tagKey(0), p.tagValue(0)]).toEqual(['cpu', 'host', 'a']);
    expect(p.nextRowOf(key.words, 0, key.length)).toBe(true);
    expect([p.line, p.fieldValues[0], Number.isNaN(p.timestampMs)]).toEqual([6, 7, true]);
    // Another series: nothing moves, next() reads it.
    expect(p.nextRowOf(key.words, 0, key.length)).toBe(false);
    expect(p.next()).toBe(LineKind.Row);
    expect([p.line, p.tagValue(0)]).toEqual([7, 'b']);
    expect(p.nextRowOf(key.words, 0, key.length)).toBe(false);
    expect(p.next()).toBe(LineKind.EOF);
  });

  it('leaves every other shape to next(), which reads it as always', () => {
    for (const line of [
      'cpu,host=a v=1i',
      'cpu,host=a v=1u',
      'cpu,host=a v=true',
      'cpu,host=a v="s"',
      'cpu,host=a v=1e3',
      'cpu,host=a v=+1',
      'cpu,host=a v=1234567890.1234567',
      'cpu,host=a v\\ x=1',
      'cpu,host=a v=1 -5',
      'cpu,host=a v=1 5 ',
      'cpu,host=a v=1  5',
      'cpu,host=a v=1 5\r',
      'cpu,host=a v=1\r',
      'cpu,host=a  v=1',
      'cpu,host=a v=',
      'cpu,host=a v=1,',
      'cpu,host=abc v=1',
    ]) {
      const p = new LineProtocolParser().reset(`${line}\nnext v=1`);
      expect(p.nextRowOf(key.words, 0, key.length), line).toBe(false);
      expect(p.line).toBe(0);
      const k = p.next();
      const again = new LineProtocolParser().reset(line);
      expect(k, line).toBe(again.next());
      expect(p.next()).toBe(LineKind.Row);
      expect(p.line).toBe(2);
    }
  });

  it('cuts sub-millisecond digits exactly, in every precision', () => {
    const cases: [Precision, string, number][] = [
      ['ns', '1556813561098999999', 1556813561098],
      ['ns', '999999', 0],
      ['us', '1556813561098999', 1556813561098],
      ['ms', '1556813561098', 1556813561098],
      ['s', '1556813561', 1556813561000],
      ['m', '25946892', 1556813520000],
      ['h', '432448', 1556812800000],
    ];
    for (const [precision, digits, ms] of cases) {
      const p = new LineProtocolParser().reset(`cpu,host=a v=1 ${digits}`, precision);
      expect(p.nextRowOf(key.words, 0, key.length)).toBe(true);
      expect(p.timestampMs, `${digits} ${precision}`).toBe(ms);
      expect(one(`m v=1 ${digits}`, precision).ts).toBe(ms);
    }
  });
});
