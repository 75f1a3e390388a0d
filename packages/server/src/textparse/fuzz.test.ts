/**
 * Seeded fuzzing of both parsers: random bytes and mutations of valid
 * bodies. Whatever the input, the only exception is a ParseError, and every
 * `next()` consumes a line or returns EOF (so a body of n lines ends within
 * n + 2 calls).
 */
import { describe, expect, it } from 'vitest';
import { ParseError } from './errors.js';
import { OpenMetricsParser } from './openmetricsparse.js';
import { Entry, type Parser } from './parser.js';
import { PromParser } from './promparse.js';

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** xorshift32 in [0, n). */
  int(n: number): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s % n;
  }
}

const PROM_BODY = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9
# TYPE h histogram
h_bucket{le="0.05"} 24054
h_bucket{le="+Inf"} 144320
h_sum 53423
h_count 144320
{"my.metric", "a.b"="x"} NaN
# TYPE s summary
s{quantile="0.5"} 4773 -5
`;

const OM_BODY = `# TYPE foo histogram
# UNIT foo
# HELP foo Some text and \\n some \\" escaping
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE c counter
c_total 17.0 1520879607.789 # {a="b"} 1
c_created 1520430000.123
# TYPE ss stateset
ss{ss="a"} 1
# TYPE i info
i_info{v="1"} 1
{"my.metric","a.b"="x"} +Inf
# EOF
`;

const INTERESTING = ['\n', ' ', '\t', '"', '\\', '{', '}', '=', ',', '#', '# EOF\n', 'e', '.', '-', '+', 'Inf', 'NaN', '_total', '_bucket', '_created', '\r', '\u00e9', '\ud83d\ude80', '\ud800', '\0'];

function mutate(body: string, rng: Rng): string {
  let s = body;
  const n = 1 + rng.int(4);
  for (let k = 0; k < n; k++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(6)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + rng.int(8));
        break;
      case 1:
        s = s.slice(0, at) + INTERESTING[rng.int(INTERESTING.length)] + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + String.fromCharCode(rng.int(0x80)) + s.slice(at + 1);
        break;
      case 3: {
        const from = rng.int(s.length + 1);
        s = s.slice(0, at) + s.slice(from, from + rng.int(40)) + s.slice(at);
        break;
      }
      case 4:
        s = s.slice(0, at);
        break;
      default: {
        const lines = s.split('\n');
        const i = rng.int(lines.length);
        const j = rng.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        s = lines.join('\n');
      }
    }
  }
  return s;
}

/** Drives a parser to the end, touching every accessor; returns the number of errors. */
function drain(p: Parser, lines: number): number {
  let errors = 0;
  for (let calls = 0; ; calls++) {
    if (calls > lines + 2) throw new Error(`no progress: ${calls} calls for ${lines} lines`);
    let k: Entry;
    try {
      k = p.next();
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      errors++;
      continue;
    }
    if (k === Entry.EOF) return errors;
    p.metricName();
    p.type();
    p.help();
    p.unit();
    p.comment();
    if (k === Entry.Sample || k === Entry.Created) {
      p.seriesText();
      p.labelPairs();
      try {
        p.labels();
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
      }
      if (p.hasExemplar()) p.exemplarLabels();
      expect(typeof p.value).toBe('number');
    }
  }
}

const lineCount = (s: string) => s.split('\n').length;

describe('fuzz', () => {
  const parsers: Array<[string, (b: string | Uint8Array) => Parser, string]> = [
    ['PromParser', (b) => new PromParser(b), PROM_BODY],
    ['OpenMetricsParser', (b) => new OpenMetricsParser(b), OM_BODY],
  ];

  for (const [name, make, valid] of parsers) {
    it(`${name}: the seed bodies parse without errors`, () => {
      expect(drain(make(valid), lineCount(valid))).toBe(0);
    });

    it(`${name}: random bytes`, () => {
      const rng = new Rng(name.length * 7919);
      for (let i = 0; i < 3000; i++) {
        const bytes = new Uint8Array(rng.int(200));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(4) === 0 ? [10, 32, 34, 35, 61, 123, 125, 92][rng.int(8)] : rng.int(256);
        const text = Buffer.from(bytes).toString('utf8');
        drain(make(bytes), lineCount(text));
      }
    });

    it(`${name}: mutations of a valid body`, () => {
      const rng = new Rng(name.length * 104729);
      for (let i = 0; i < 5000; i++) {
        const body = mutate(valid, rng);
        drain(make(body), lineCount(body));
      }
    });
  }
});
