import { describe, expect, it } from 'vitest';
import { ParseError } from './errors.js';
import { OpenMetricsParser } from './openmetricsparse.js';
import { Entry } from './parser.js';

type Row = Record<string, unknown>;

/** Every entry of a body in a compact form, with errors in place (the parser resumes after each). */
function parse(body: string | Uint8Array): Row[] {
  const p = new OpenMetricsParser(body);
  const rows: Row[] = [];
  for (let guard = 0; guard < 10000; guard++) {
    let k: Entry;
    try {
      k = p.next();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      rows.push({ error: e.reason, line: e.line, column: e.column });
      continue;
    }
    const row: Row = { line: p.line };
    switch (k) {
      case Entry.EOF:
        return rows;
      case Entry.Sample:
      case Entry.Created:
        row[k === Entry.Sample ? 'sample' : 'created'] = p.labels().toString();
        row.value = p.value;
        if (k === Entry.Created) row.createdMs = p.createdTimestamp();
        if (p.timestamp !== undefined) row.ts = p.timestamp;
        row.type = p.type();
        if (p.hasExemplar()) {
          row.exemplar = p.exemplarLabels().toString();
          row.exemplarValue = p.exemplarValue;
          if (p.exemplarTimestamp !== undefined) row.exemplarTs = p.exemplarTimestamp;
        }
        break;
      case Entry.Type:
        row.typeOf = p.metricName();
        row.type = p.type();
        break;
      case Entry.Help:
        row.help = p.metricName();
        row.text = p.help();
        break;
      case Entry.Unit:
        row.unitOf = p.metricName();
        row.unit = p.unit();
        break;
      default:
        throw new Error(`unexpected entry ${k}`);
    }
    rows.push(row);
  }
  throw new Error('parser did not finish');
}

const errors = (body: string) => parse(body).filter((r) => 'error' in r);
const samples = (body: string) => parse(body).filter((r) => 'sample' in r || 'created' in r);

describe('OpenMetricsParser: the specification examples', () => {
  it('reads the complete exposition example', () => {
    const body = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.",
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0',
      'acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3',
      'acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0',
      'acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0',
      '# TYPE go_goroutines gauge',
      '# HELP go_goroutines Number of goroutines that currently exist.',
      'go_goroutines 69',
      '# TYPE process_cpu_seconds counter',
      '# UNIT process_cpu_seconds seconds',
      '# HELP process_cpu_seconds Total user and system CPU time spent in seconds.',
      'process_cpu_seconds_total 4.20072246e+06',
      '# EOF',
      '',
    ].join('\n');
    const rows = parse(body);
    expect(rows.slice(0, 6)).toEqual([
      { line: 1, typeOf: 'acme_http_router_request_seconds', type: 'summary' },
      { line: 2, unitOf: 'acme_http_router_request_seconds', unit: 'seconds' },
      { line: 3, help: 'acme_http_router_request_seconds', text: "Latency though all of ACME's HTTP request router." },
      { line: 4, sample: 'acme_http_router_request_seconds_sum{method="GET", path="/api/v1"}', value: 9036.32, type: 'summary' },
      { line: 5, sample: 'acme_http_router_request_seconds_count{method="GET", path="/api/v1"}', value: 807283, type: 'summary' },
      {
        line: 6,
        created: 'acme_http_router_request_seconds_created{method="GET", path="/api/v1"}',
        value: 1605281325,
        createdMs: 1605281325000,
        type: 'summary',
      },
    ]);
    expect(rows.at(-1)).toEqual({ line: 16, sample: 'process_cpu_seconds_total', value: 4200722.46, type: 'counter' });
    expect(rows).toHaveLength(16);
  });

  it('reads counters with timestamps and created times', () => {
    expect(samples('# TYPE foo counter\nfoo_total 17.0 1520879607.789\nfoo_created 1520430000.123 1520879607.789\n# EOF\n')).toEqual([
      { line: 2, sample: 'foo_total', value: 17, ts: 1520879607789, type: 'counter' },
      { line: 3, created: 'foo_created', value: 1520430000.123, createdMs: 1520430000123, ts: 1520879607789, type: 'counter' },
    ]);
  });

  it('reads histogram exemplars', () => {
    const body = [
      '# TYPE foo histogram',
      'foo_bucket{le="0.01"} 0',
      'foo_bucket{le="0.1"} 8 # {} 0.054',
      'foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67',
      'foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789',
      'foo_bucket{le="+Inf"} 17',
      'foo_count 17',
      'foo_sum 324789.3',
      'foo_created 1520430000.123',
      '# EOF',
    ].join('\n');
    expect(samples(body)).toEqual([
      { line: 2, sample: 'foo_bucket{le="0.01"}', value: 0, type: 'histogram' },
      { line: 3, sample: 'foo_bucket{le="0.1"}', value: 8, type: 'histogram', exemplar: '{}', exemplarValue: 0.054 },
      { line: 4, sample: 'foo_bucket{le="1.0"}', value: 11, type: 'histogram', exemplar: '{trace_id="KOO5S4vxi0o"}', exemplarValue: 0.67 },
      {
        line: 5,
        sample: 'foo_bucket{le="10.0"}',
        value: 17,
        type: 'histogram',
        exemplar: '{trace_id="oHg5SJYRHA0"}',
        exemplarValue: 9.8,
        exemplarTs: 1520879607789,
      },
      { line: 6, sample: 'foo_bucket{le="+Inf"}', value: 17, type: 'histogram' },
      { line: 7, sample: 'foo_count', value: 17, type: 'histogram' },
      { line: 8, sample: 'foo_sum', value: 324789.3, type: 'histogram' },
      { line: 9, created: 'foo_created', value: 1520430000.123, createdMs: 1520430000123, type: 'histogram' },
    ]);
  });

  it('reads the canonical le values of the histogram example unchanged', () => {
    const les = ['0.0', '1e-05', '0.0001', '0.1', '1.0', '10.0', '100000.0', '1e+06', '1e+23', '1.1e+23', '+Inf'];
    const body = `# TYPE foo histogram\n${les.map((le, i) => `foo_bucket{le="${le}"} ${i}`).join('\n')}\n# EOF\n`;
    expect(samples(body).map((r) => r.sample)).toEqual(les.map((le) => `foo_bucket{le="${le}"}`));
  });

  it('reads gauge histograms, statesets, infos, summaries and unknowns', () => {
    const body = [
      '# TYPE gh gaugehistogram',
      'gh_bucket{le="0.01"} 20.0',
      'gh_bucket{le="+Inf"} 42.0 # {a="b"} 1',
      'gh_gcount 42.0',
      'gh_gsum 3289.3',
      '# TYPE ss stateset',
      'ss{entity="controller",ss="a"} 1.0',
      'ss{entity="controller",ss="bb"} 0.0',
      '# TYPE inf info',
      'inf_info{name="pretty name",version="8.2.7"} 1',
      '# TYPE sm summary',
      'sm{quantile="0.95"} 123.7',
      'sm{quantile="0.99"} 150.0',
      'sm_count 17.0',
      '# TYPE u unknown',
      'u 42.23',
      'no_metadata_at_all 1',
      '# EOF',
    ].join('\n');
    expect(samples(body).map((r) => [r.sample, r.type])).toEqual([
      ['gh_bucket{le="0.01"}', 'gaugehistogram'],
      ['gh_bucket{le="+Inf"}', 'gaugehistogram'],
      ['gh_gcount', 'gaugehistogram'],
      ['gh_gsum', 'gaugehistogram'],
      ['ss{entity="controller", ss="a"}', 'stateset'],
      ['ss{entity="controller", ss="bb"}', 'stateset'],
      ['inf_info{name="pretty name", version="8.2.7"}', 'info'],
      ['sm{quantile="0.95"}', 'summary'],
      ['sm{quantile="0.99"}', 'summary'],
      ['sm_count', 'summary'],
      ['u', 'unknown'],
      ['no_metadata_at_all', 'unknown'],
    ]);
  });

  it('reads metric families without samples, and an empty exposition', () => {
    expect(parse('# TYPE foo gauge\n# EOF\n')).toEqual([{ line: 1, typeOf: 'foo', type: 'gauge' }]);
    expect(parse('# EOF')).toEqual([]);
  });

  it('unescapes \\\\, \\n and \\" in HELP and label values', () => {
    const rows = parse('# HELP foo Some text and \\n some \\" escaping \\\\ \\t\nfoo{a="x",b="escaping\\" example \\n "} 0\n# EOF\n');
    expect(rows[0]).toEqual({ line: 1, help: 'foo', text: 'Some text and \n some " escaping \\ \\t' });
    expect(rows[1]).toMatchObject({ sample: 'foo{a="x", b="escaping\\" example \\n "}' });
  });

  it('reads quoted UTF-8 names', () => {
    const rows = parse('# TYPE "my.metric" gauge\n# HELP "my.metric" h\n{"my.metric", "a.b"="x"} 1\n# EOF\n');
    expect(rows).toEqual([
      { line: 1, typeOf: 'my.metric', type: 'gauge' },
      { line: 2, help: 'my.metric', text: 'h' },
      { line: 3, sample: '{__name__="my.metric", "a.b"="x"}', value: 1, type: 'gauge' },
    ]);
  });

  it('exposes the series text and flat pairs without building Labels', () => {
    const p = new OpenMetricsParser('# TYPE h histogram\nh_bucket{x="1",le="1"} 1\n# EOF\n');
    p.next();
    expect(p.next()).toBe(Entry.Sample);
    expect(p.seriesText()).toBe('h_bucket{x="1",le="1"}');
    expect([...p.labelPairs()]).toEqual(['__name__', 'h_bucket', 'x', '1', 'le', '1.0']);
  });
});

describe('OpenMetricsParser: errors', () => {
  const cases: Array<[string, string, number, number]> = [
    ['foo 1\n', 'expected "# EOF" at the end of the exposition, got end of input', 2, 1],
    ['# EOF\nfoo 1\n', 'unexpected data after "# EOF", got "foo"', 2, 1],
    ['foo 1\n\n# EOF\n', 'unexpected empty line', 2, 1],
    ['# a comment\n# EOF\n', 'expected TYPE, HELP, UNIT or EOF after "# ", got "a"', 1, 3],
    ['#TYPE foo gauge\n# EOF\n', 'expected a space after "#", got "TYPE"', 1, 2],
    ['# TYPE foo untyped\n# EOF\n', 'invalid metric type "untyped"', 1, 12],
    ['# TYPE foo gauge extra\n# EOF\n', 'expected next entry after metric type, got " "', 1, 17],
    ['# TYPE foo\n# EOF\n', 'expected a space before the metric type, got "\\n"', 1, 11],
    ['# UNIT foo_seconds sec-onds\n# EOF\n', 'expected next entry after unit, got "-onds"', 1, 23],
    ['foo  1\n# EOF\n', 'expected value after metric, got " "', 1, 5],
    ['foo\t1\n# EOF\n', 'expected a space before the value, got "\\t"', 1, 4],
    ['foo 1 \n# EOF\n', 'expected a timestamp in seconds, got "\\n"', 1, 7],
    ['foo 1 NaN\n# EOF\n', 'expected a timestamp in seconds, got "NaN"', 1, 7],
    ['foo 1 2 3\n# EOF\n', 'expected next entry after timestamp, got "3"', 1, 9],
    ['foo{a="b"}1\n# EOF\n', 'expected a space before the value, got "1"', 1, 11],
    ['foo x\n# EOF\n', 'expected a float value, got "x"', 1, 5],
    ['# TYPE c counter\nc_total 1 # {a="b"}\n# EOF\n', 'expected a space before the exemplar value, got "\\n"', 2, 20],
    ['# TYPE c counter\nc_total 1 #{a="b"} 1\n# EOF\n', 'expected a space before the exemplar labels, got "{"', 2, 12],
    ['# TYPE c counter\nc_total 1 # a 1\n# EOF\n', 'expected label set for exemplar, got "a"', 2, 13],
    ['# TYPE c counter\nc_total 1 # {a="b"} x\n# EOF\n', 'expected a float exemplar value, got "x"', 2, 21],
    ['# TYPE c counter\nc_total 1 # {a="b"} 1 2 3\n# EOF\n', 'expected next entry after exemplar, got " "', 2, 24],
  ];
  for (const [body, reason, line, column] of cases) {
    it(`${JSON.stringify(body)} → ${reason}`, () => {
      expect(errors(body)[0]).toEqual({ error: reason, line, column });
    });
  }

  const semantic: Array<[string, string, number, number]> = [
    ['# TYPE g gauge\ng 1 # {a="b"} 1\n# EOF\n', 'exemplars are only allowed on counter _total and histogram _bucket samples', 2, 5],
    ['# TYPE c counter\nc_created 1 # {a="b"} 1\n# EOF\n', 'exemplars are only allowed on counter _total and histogram _bucket samples', 2, 13],
    [`# TYPE c counter\nc_total 1 # {a="${'x'.repeat(128)}"} 1\n# EOF\n`, 'exemplar labels have more than 128 UTF-8 characters', 2, 13],
    ['# TYPE foo counter\n# UNIT foo seconds\n# EOF\n', 'unit "seconds" is not a suffix of metric family "foo"', 2, 12],
    ['# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\n# UNIT foo_seconds seconds\n# EOF\n', 'second UNIT line for metric family "foo_seconds"', 3, 8],
    ['# TYPE foo gauge\n# TYPE foo gauge\n# EOF\n', 'second TYPE line for metric family "foo"', 2, 8],
    ['# TYPE foo gauge\nfoo 1\n# HELP foo late\n# EOF\n', 'HELP line for metric family "foo" after its samples', 3, 8],
    ['# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n', 'metric family "a" appears twice: families must not be interleaved', 5, 1],
    ['# TYPE foo counter\nfoo 1\n# EOF\n', 'invalid sample name "foo" for counter metric family "foo"', 2, 1],
    ['# TYPE h histogram\nh_bucket{x="1"} 1\n# EOF\n', 'histogram bucket without "le" label', 2, 1],
    ['# TYPE s summary\ns{x="1"} 1\n# EOF\n', 'summary sample without "quantile" label', 2, 1],
    ['# TYPE ss stateset\nss{x="1"} 1\n# EOF\n', 'stateset sample without a label named "ss"', 2, 1],
  ];
  for (const [body, reason, line, column] of semantic) {
    it(`${JSON.stringify(body)} → ${reason}`, () => {
      expect(errors(body)[0]).toEqual({ error: reason, line, column });
    });
  }

  it('accepts an exemplar of exactly 128 characters and counts code points', () => {
    expect(errors(`# TYPE c counter\nc_total 1 # {a="${'x'.repeat(127)}"} 1\n# EOF\n`)).toEqual([]);
    expect(errors(`# TYPE c counter\nc_total 1 # {a="${'🚀'.repeat(127)}"} 1\n# EOF\n`)).toEqual([]);
  });

  it('allows UNIT lines with an empty unit', () => {
    expect(parse('# TYPE foo gauge\n# UNIT foo\n# EOF\n')).toEqual([
      { line: 1, typeOf: 'foo', type: 'gauge' },
      { line: 2, unitOf: 'foo', unit: '' },
    ]);
  });

  it('resumes after errors and stops at EOF', () => {
    expect(parse('a 1\nb x\nc 3\n# EOF\n')).toEqual([
      { line: 1, sample: 'a', value: 1, type: 'unknown' },
      { error: 'expected a float value, got "x"', line: 2, column: 3 },
      { line: 3, sample: 'c', value: 3, type: 'unknown' },
    ]);
    const p = new OpenMetricsParser('a 1\n');
    expect(p.next()).toBe(Entry.Sample);
    expect(() => p.next()).toThrow(ParseError);
    expect(p.next()).toBe(Entry.EOF);
    expect(p.next()).toBe(Entry.EOF);
  });
});
