import { describe, expect, it } from 'vitest';
import { ParseError } from './errors.js';
import { Entry, type Parser } from './parser.js';
import { PromParser } from './promparse.js';

type Row =
  | { line: number; sample: string; series: string; value: number; ts?: number; type: string }
  | { line: number; help: string; text: string }
  | { line: number; typeOf: string; type: string }
  | { line: number; comment: string }
  | { error: string; line: number; column: number };

/** Every entry of a body, with errors in place (the parser resumes after each); `hints[i]` is given to `expectSeries` before the i-th sample. */
function collect(p: Parser, hints?: string[]): Row[] {
  const rows: Row[] = [];
  let sampleIndex = 0;
  for (let guard = 0; guard < 10000; guard++) {
    let k: Entry;
    try {
      if (hints !== undefined && sampleIndex < hints.length) p.expectSeries(hints[sampleIndex]);
      k = p.next();
      if (k === Entry.Sample) sampleIndex++;
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      rows.push({ error: e.reason, line: e.line, column: e.column });
      continue;
    }
    switch (k) {
      case Entry.EOF:
        return rows;
      case Entry.Sample: {
        let labels: string;
        try {
          labels = p.labels().toString();
        } catch (e) {
          if (!(e instanceof ParseError)) throw e;
          rows.push({ error: e.reason, line: e.line, column: e.column });
          break;
        }
        const row: Row = { line: p.line, sample: labels, series: p.seriesText(), value: p.value, type: p.type() };
        if (p.timestamp !== undefined) row.ts = p.timestamp;
        rows.push(row);
        break;
      }
      case Entry.Help:
        rows.push({ line: p.line, help: p.metricName(), text: p.help() });
        break;
      case Entry.Type:
        rows.push({ line: p.line, typeOf: p.metricName(), type: p.type() });
        break;
      case Entry.Comment:
        rows.push({ line: p.line, comment: p.comment() });
        break;
      default:
        throw new Error(`unexpected entry ${k}`);
    }
  }
  throw new Error('parser did not finish');
}

const parse = (body: string | Uint8Array) => collect(new PromParser(body));
const firstError = (body: string) => parse(body).find((r) => 'error' in r);

describe('PromParser: the exposition format documentation example', () => {
  const body = [
    '# HELP http_requests_total The total number of HTTP requests.',
    '# TYPE http_requests_total counter',
    'http_requests_total{method="post",code="200"} 1027 1395066363000',
    'http_requests_total{method="post",code="400"}    3 1395066363000',
    '',
    '# Escaping in label values:',
    'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
    '',
    '# Minimalistic line:',
    'metric_without_timestamp_and_labels 12.47',
    '',
    '# A weird metric from before the epoch:',
    'something_weird{problem="division by zero"} +Inf -3982045',
    '',
    '# A histogram, which has a pretty complex representation in the text format:',
    '# HELP http_request_duration_seconds A histogram of the request duration.',
    '# TYPE http_request_duration_seconds histogram',
    'http_request_duration_seconds_bucket{le="0.05"} 24054',
    'http_request_duration_seconds_bucket{le="0.1"} 33444',
    'http_request_duration_seconds_bucket{le="0.2"} 100392',
    'http_request_duration_seconds_bucket{le="0.5"} 129389',
    'http_request_duration_seconds_bucket{le="1"} 133988',
    'http_request_duration_seconds_bucket{le="+Inf"} 144320',
    'http_request_duration_seconds_sum 53423',
    'http_request_duration_seconds_count 144320',
    '',
    '# Finally a summary, which has a complex representation, too:',
    '# HELP rpc_duration_seconds A summary of the RPC duration in seconds.',
    '# TYPE rpc_duration_seconds summary',
    'rpc_duration_seconds{quantile="0.01"} 3102',
    'rpc_duration_seconds{quantile="0.05"} 3272',
    'rpc_duration_seconds{quantile="0.5"} 4773',
    'rpc_duration_seconds{quantile="0.9"} 9001',
    'rpc_duration_seconds{quantile="0.99"} 76656',
    'rpc_duration_seconds_sum 1.7560473e+07',
    'rpc_duration_seconds_count 2693',
    '',
  ].join('\n');

  it('yields every entry with its line', () => {
    const rows = parse(body);
    expect(rows.slice(0, 6)).toEqual([
      { line: 1, help: 'http_requests_total', text: 'The total number of HTTP requests.' },
      { line: 2, typeOf: 'http_requests_total', type: 'counter' },
      {
        line: 3,
        sample: 'http_requests_total{code="200", method="post"}',
        series: 'http_requests_total{method="post",code="200"}',
        value: 1027,
        ts: 1395066363000,
        type: 'counter',
      },
      {
        line: 4,
        sample: 'http_requests_total{code="400", method="post"}',
        series: 'http_requests_total{method="post",code="400"}',
        value: 3,
        ts: 1395066363000,
        type: 'counter',
      },
      { line: 6, comment: 'Escaping in label values:' },
      {
        line: 7,
        sample: 'msdos_file_access_time_seconds{error="Cannot find file:\\n\\"FILE.TXT\\"", path="C:\\\\DIR\\\\FILE.TXT"}',
        series: 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""}',
        value: 1458255915,
        type: 'unknown',
      },
    ]);
    expect(rows.find((r) => 'sample' in r && r.line === 13)).toEqual({
      line: 13,
      sample: 'something_weird{problem="division by zero"}',
      series: 'something_weird{problem="division by zero"}',
      value: Infinity,
      ts: -3982045,
      type: 'unknown',
    });
    expect(rows.filter((r) => 'error' in r)).toEqual([]);
    expect(rows.filter((r) => 'sample' in r)).toHaveLength(20);
  });

  it('unescapes label values into real characters', () => {
    const p = new PromParser(body);
    while (p.next() !== Entry.Sample || p.line !== 7);
    expect(p.labels().get('path')).toBe('C:\\DIR\\FILE.TXT');
    expect(p.labels().get('error')).toBe('Cannot find file:\n"FILE.TXT"');
  });

  it('canonicalizes le and quantile of histograms and summaries, as Prometheus 3 does', () => {
    const rows = parse(body).filter((r) => 'sample' in r) as Array<{ sample: string; type: string }>;
    expect(rows.find((r) => r.sample.includes('le="1.0"'))?.type).toBe('histogram');
    expect(rows.map((r) => r.sample)).toContain('http_request_duration_seconds_bucket{le="+Inf"}');
    expect(rows.map((r) => r.sample)).toContain('rpc_duration_seconds{quantile="0.5"}');
    expect(rows.at(-1)).toMatchObject({ sample: 'rpc_duration_seconds_count', type: 'summary' });
  });
});

describe('PromParser: syntax', () => {
  it('accepts blanks and tabs anywhere between tokens, and a trailing comma', () => {
    expect(parse('  \tfoo \t{ a = "1" , b="2", }\t 3 \t 4 \t\n')).toEqual([
      { line: 1, sample: 'foo{a="1", b="2"}', series: 'foo \t{ a = "1" , b="2", }', value: 3, ts: 4, type: 'unknown' },
    ]);
  });

  it('does not need a final line feed, and skips empty and blank lines', () => {
    expect(parse('\n\n \t\na 1\n\nb 2')).toEqual([
      { line: 4, sample: 'a', series: 'a', value: 1, type: 'unknown' },
      { line: 6, sample: 'b', series: 'b', value: 2, type: 'unknown' },
    ]);
  });

  it('reads special values and empty label sets', () => {
    const rows = parse('a{} NaN\nb -Inf\nc +inf\nd 1e-3\ne -0.5 -1\n');
    expect(rows.map((r) => ('value' in r ? r.value : undefined))).toEqual([NaN, -Infinity, Infinity, 0.001, -0.5]);
  });

  it('drops empty label values (absent labels) but keeps them in labelPairs', () => {
    const p = new PromParser('foo{a="",b="x"} 1\n');
    p.next();
    expect(p.labels().toString()).toBe('foo{b="x"}');
    expect([...p.labelPairs()]).toEqual(['__name__', 'foo', 'a', '', 'b', 'x']);
  });

  it('treats other # lines as comments, and HELP/TYPE only as whole words', () => {
    expect(parse('#\n# hello\n#HELP x y\n# HELPER x\n# TYPEx y z\n')).toEqual([
      { line: 1, comment: '' },
      { line: 2, comment: 'hello' },
      { line: 3, comment: 'HELP x y' },
      { line: 4, comment: 'HELPER x' },
      { line: 5, comment: 'TYPEx y z' },
    ]);
  });

  it('unescapes \\\\ and \\n in HELP, leaving other escapes as written', () => {
    expect(parse('# HELP foo a\\\\b\\nc \\"d\\" \\t\n# HELP bar\n# HELP baz  \n')).toEqual([
      { line: 1, help: 'foo', text: 'a\\b\nc \\"d\\" \\t' },
      { line: 2, help: 'bar', text: '' },
      { line: 3, help: 'baz', text: '' },
    ]);
  });

  it('keeps unknown escapes in label values as written', () => {
    const p = new PromParser('foo{a="x\\ty\\\\z"} 1\n');
    p.next();
    expect(p.labels().get('a')).toBe('x\\ty\\z');
  });

  it('reports untyped as unknown and types only the declared family', () => {
    expect(parse('# TYPE a untyped\na 1\n# TYPE b gauge\nb 1\nbb 2\n').filter((r) => 'type' in r)).toEqual([
      { line: 1, typeOf: 'a', type: 'unknown' },
      { line: 2, sample: 'a', series: 'a', value: 1, type: 'unknown' },
      { line: 3, typeOf: 'b', type: 'gauge' },
      { line: 4, sample: 'b', series: 'b', value: 1, type: 'gauge' },
      { line: 5, sample: 'bb', series: 'bb', value: 2, type: 'unknown' },
    ]);
  });

  it('reads _created lines of the text format as plain samples (Python clients write them)', () => {
    expect(parse('# TYPE c_total counter\nc_total 1\nc_created 1.7e9\n').slice(1)).toEqual([
      { line: 2, sample: 'c_total', series: 'c_total', value: 1, type: 'counter' },
      { line: 3, sample: 'c_created', series: 'c_created', value: 1.7e9, type: 'unknown' },
    ]);
  });

  it('finds escapes and line ends after long stretches of plain quoted values', () => {
    const plain = Array.from({ length: 50 }, (_, i) => `p{a="v${i}"} ${i}`).join('\n');
    const rows = parse(`${plain}\nq{a="x\\"y"} 1\n${plain}\nr{a="open\n"} 2\ns{a="z"} 3\n`);
    expect(rows[50]).toMatchObject({ sample: 'q{a="x\\"y"}' });
    expect(rows[101]).toEqual({ error: 'unterminated quoted label value, got "\\n"', line: 102, column: 10 });
    expect(rows.at(-1)).toMatchObject({ line: 104, sample: 's{a="z"}' });
  });

  it('does not canonicalize le outside histograms', () => {
    expect(parse('x_bucket{le="1"} 1\n')[0]).toMatchObject({ sample: 'x_bucket{le="1"}' });
  });
});

describe('PromParser: UTF-8', () => {
  it('reads quoted metric and label names (Prometheus 3)', () => {
    const body = [
      '# HELP "my.metric" Dotted.',
      '# TYPE "my.metric" gauge',
      '{"my.metric", "a.b"="x", c="y"} 1',
      '{"my.metric"} 2',
      'foo{"ünï.cödé"="✓"} 3',
      '{"esc\\"aped"} 4',
    ].join('\n');
    expect(parse(body)).toEqual([
      { line: 1, help: 'my.metric', text: 'Dotted.' },
      { line: 2, typeOf: 'my.metric', type: 'gauge' },
      { line: 3, sample: '{__name__="my.metric", "a.b"="x", c="y"}', series: '{"my.metric", "a.b"="x", c="y"}', value: 1, type: 'gauge' },
      { line: 4, sample: '{__name__="my.metric"}', series: '{"my.metric"}', value: 2, type: 'gauge' },
      { line: 5, sample: 'foo{"ünï.cödé"="✓"}', series: 'foo{"ünï.cödé"="✓"}', value: 3, type: 'unknown' },
      { line: 6, sample: '{__name__="esc\\"aped"}', series: '{"esc\\"aped"}', value: 4, type: 'unknown' },
    ]);
  });

  it('reads a body given as bytes', () => {
    const p = new PromParser(Buffer.from('foo{a="日本語 🚀"} 1\n'));
    expect(p.next()).toBe(Entry.Sample);
    expect(p.labels().get('a')).toBe('日本語 🚀');
  });

  it('reports lines with invalid UTF-8 and keeps the others', () => {
    const body = Buffer.concat([Buffer.from('a 1\nb{x="'), Buffer.from([0xff, 0xfe]), Buffer.from('"} 2\nc 3\n')]);
    expect(parse(body)).toEqual([
      { line: 1, sample: 'a', series: 'a', value: 1, type: 'unknown' },
      { error: 'invalid UTF-8', line: 2, column: 1 },
      { line: 3, sample: 'c', series: 'c', value: 3, type: 'unknown' },
    ]);
  });

  it('counts error columns in code points', () => {
    expect(firstError('foo{"🚀🚀"="x" b} 1\n')).toEqual({ error: 'expected comma or brace close, got "b"', line: 1, column: 14 });
  });
});

describe('PromParser: escape round trips', () => {
  const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const alphabet = ['a', 'z', ' ', '\\', '"', '\n', 'n', '\\n', '#', '{', '}', '=', ',', 'é', '🚀', '\t', '\0'];

  it('recovers arbitrary label values and help texts', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      let v = '';
      const n = rnd(12);
      for (let k = 0; k < n; k++) v += alphabet[rnd(alphabet.length)];
      const help = v.trimStart().replace(/^\t+/, '');
      const p = new PromParser(`# HELP m ${escapeHelp(help)}\nm{l="${escapeValue(v)}",x="1"} 1\n`);
      expect(p.next()).toBe(Entry.Help);
      expect(p.help()).toBe(help);
      expect(p.next()).toBe(Entry.Sample);
      expect(p.labelPairs()[3]).toBe(v);
      expect(p.labels().get('l')).toBe(v);
    }
  });
});

describe('PromParser: errors', () => {
  const cases: Array<[string, string, number]> = [
    ['@foo 1', '"@foo" is not a valid start token', 1],
    ['foo{a 1}', 'expected equal, got "1"', 7],
    ['foo{=', 'expected label name, got "="', 5],
    ['foo{a=b}', 'expected label value, got "b"', 7],
    ['foo{a="b" c="d"} 1', 'expected comma or brace close, got "c"', 11],
    ['foo{a="b', 'unterminated quoted label value, got end of input', 9],
    ['foo{a="b\n"} 1', 'unterminated quoted label value, got "\\n"', 9],
    ['foo{a="b\\', 'unterminated escape sequence in label value', 10],
    ['foo', 'expected value after metric, got end of input', 4],
    ['foo\n', 'expected value after metric, got "\\n"', 4],
    ['foo{a="b"}', 'expected value after metric, got end of input', 11],
    ['foo-1 2', 'expected value after metric, got "-1"', 4],
    ['foo abc', 'expected a float value, got "abc"', 5],
    ['foo 0x10', 'expected a float value, got "0x10"', 5],
    ['foo 1 abc', 'expected an integer timestamp in milliseconds, got "abc"', 7],
    ['foo 1 1.5', 'expected an integer timestamp in milliseconds, got "1.5"', 7],
    ['foo 1 2 3', 'expected next entry after timestamp, got "3"', 9],
    ["foo 1\r", "expected a float value, got \"1\\r\"", 5],
    ['# TYPE foo bar', 'invalid metric type "bar"', 12],
    ['# TYPE foo gaugehistogram', 'invalid metric type "gaugehistogram"', 12],
    ['# TYPE foo', 'expected metric type after metric name, got end of input', 11],
    ['# TYPE foo counter x', 'expected next entry after metric type, got "x"', 20],
    ['# TYPE', 'expected metric name after TYPE, got end of input', 7],
    ['# HELP \n', 'expected metric name after HELP, got "\\n"', 8],
    ['# HELP foo{ x', 'expected text in HELP, got "{"', 11],
    ['# HELP "" x', 'empty metric name in HELP', 8],
    ['{a="b"} 1', 'metric name is missing: expected a quoted name first in the braces', 1],
    ['{"a"="b"} 1', 'metric name is missing: expected a quoted name first in the braces', 1],
    ['foo{"a"} 1', 'expected equal, got "}"', 8],
    ['{a="b", "name"} 1', 'expected equal, got "}"', 15],
    ['{""} 1', 'empty metric name', 2],
    ['foo{""="x"} 1', 'empty label name', 5],
  ];
  for (const [line, reason, column] of cases) {
    it(`${JSON.stringify(line)} → ${reason}`, () => {
      expect(firstError(line)).toEqual({ error: reason, line: 1, column });
    });
  }

  it('finds duplicate label names when the labels are built', () => {
    const p = new PromParser('a 1\nfoo{b="1",a="2",b="3"} 1\n');
    p.next();
    p.next();
    expect(() => p.labels()).toThrow(new ParseError(2, 1, 'duplicate label name "b"'));
    expect(p.next()).toBe(Entry.EOF);
    const q = new PromParser('foo{__name__="bar"} 1\n');
    q.next();
    expect(() => q.labels()).toThrow('duplicate label name "__name__"');
  });

  it('resumes at the next line and keeps the good lines (import)', () => {
    const body = ['good 1', 'bad{ 1', 'good2{a="b"} 2 1000', 'bad2 x', '', '# TYPE t nope', 'good3 3', 'bad3{a="b"'].join('\n');
    expect(parse(body)).toEqual([
      { line: 1, sample: 'good', series: 'good', value: 1, type: 'unknown' },
      { error: 'expected label name, got "1"', line: 2, column: 6 },
      { line: 3, sample: 'good2{a="b"}', series: 'good2{a="b"}', value: 2, ts: 1000, type: 'unknown' },
      { error: 'expected a float value, got "x"', line: 4, column: 6 },
      { error: 'invalid metric type "nope"', line: 6, column: 10 },
      { line: 7, sample: 'good3', series: 'good3', value: 3, type: 'unknown' },
      { error: 'expected comma or brace close, got end of input', line: 8, column: 11 },
    ]);
  });

  it('stays at EOF', () => {
    const p = new PromParser('a 1');
    expect(p.next()).toBe(Entry.Sample);
    expect(p.next()).toBe(Entry.EOF);
    expect(p.next()).toBe(Entry.EOF);
    expect(p.metricName()).toBe('');
  });
});

describe('PromParser: series text hints (expectSeries)', () => {
  const body = [
    '# TYPE rpc_seconds histogram',
    'rpc_seconds_bucket{le="1"} 2',
    'rpc_seconds_bucket{le="+Inf"} 3',
    'rpc_seconds_count 3',
    'up 1',
    'up {job="x"} 1',
    'msg{text="a\\"b"} 7 1000',
    '',
  ].join('\n');

  /** Every sample's series text, in order. */
  const texts = parse(body).flatMap((r) => ('series' in r ? [r.series] : []));

  it('gives the same entries with each line hinted by its own text', () => {
    expect(collect(new PromParser(body), texts)).toEqual(parse(body));
  });

  it('scans the line when the hint is not its series text', () => {
    const wrong = ['rpc_seconds_bucket{le="2"}', 'rpc_seconds_bucket', 'rpc_seconds', 'rpc_seconds_count 3', 'up', 'up', 'msg{text="a\\"b"} 7'];
    // `up` is a prefix of `up {job="x"}`: the label block after the blank is part of the series.
    expect(collect(new PromParser(body), wrong)).toEqual(parse(body));
  });

  it('hands back the hint itself as the series text, and still finds labels, name and type when asked', () => {
    const p = new PromParser('# TYPE a_total counter\na_total{x="1"} 5\n');
    expect(p.next()).toBe(Entry.Type);
    const hint = 'a_total{x="1"}';
    p.expectSeries(hint);
    expect(p.next()).toBe(Entry.Sample);
    expect(p.seriesText()).toBe(hint);
    expect(p.value).toBe(5);
    expect(p.metricName()).toBe('a_total');
    expect(p.type()).toBe('counter');
    expect(p.labels().toString()).toBe('a_total{x="1"}');
  });
});
