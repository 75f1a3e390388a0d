/**
 * Parser for Prometheus's promqltest script format (the conformance corpus
 * in /work/shared/conformance/promql; its README describes the format):
 * `load`, `load_with_nhcb`, `clear` and `eval` commands with their
 * expectation and result lines. Native histogram literals (`{{...}}`) are
 * recognised but not decoded: the runner skips what depends on them.
 */
import { Labels } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import { parseDuration, parseMetricSelector, unquote } from '../parser/index.js';

/** One value position of a sequence: a float, nothing (`_`), or a native histogram (not decoded). */
export type SequenceItem = { kind: 'float'; v: number } | { kind: 'none' } | { kind: 'histogram' };

export interface SeriesLine {
  labels: Labels;
  values: SequenceItem[];
  line: number;
}

export interface LoadCommand {
  kind: 'load';
  line: number;
  stepMs: number;
  withNhcb: boolean;
  series: SeriesLine[];
  /** `@st` start-timestamp lines were present (not supported). */
  startTimestamps: boolean;
}

export interface ClearCommand {
  kind: 'clear';
  line: number;
}

export interface AnnotationExpectation {
  kind: 'warn' | 'info';
  /** Exact text or regex; absent for a bare `expect warn`. */
  msg?: string;
  regex?: RegExp;
}

export interface ExpectedSeries {
  labels: Labels;
  values: SequenceItem[];
}

export interface EvalCommand {
  kind: 'eval';
  line: number;
  header: string;
  expr: string;
  instant: boolean;
  /** Instant: the time; range: start, end, step (ms). */
  start: number;
  end: number;
  step: number;
  fail: boolean;
  failMsg?: string;
  failRegex?: RegExp;
  annotations: AnnotationExpectation[];
  noWarn: boolean;
  noInfo: boolean;
  ordered: boolean;
  rangeVector?: { start: number; end: number; step: number };
  expectString?: string;
  scalar?: number;
  series: ExpectedSeries[];
  /** Some expected value is a native histogram. */
  expectsHistogram: boolean;
}

export type Command = LoadCommand | ClearCommand | EvalCommand;

export class ScriptError extends Error {}

export function parseScript(text: string): Command[] {
  const lines = text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    if (l === 'clear') {
      // A one-line command: the next line may start another one.
      cmds.push({ kind: 'clear', line: i + 1 });
      continue;
    }
    const block: Array<{ text: string; line: number }> = [];
    let j = i + 1;
    for (; j < lines.length && lines[j] !== ''; j++) block.push({ text: lines[j], line: j + 1 });
    const header = { text: l, line: i + 1 };
    i = j - 1;
    if (/^load(_with_nhcb)?\s/.test(l)) cmds.push(parseLoad(header, block));
    else if (/^eval(_fail|_warn|_info|_ordered)?\s/.test(l)) cmds.push(parseEval(header, block));
    else throw new ScriptError(`line ${header.line}: unknown command: ${l}`);
  }
  return cmds;
}

function parseLoad(header: { text: string; line: number }, block: Array<{ text: string; line: number }>): LoadCommand {
  const m = /^(load|load_with_nhcb)\s+(\S+)$/.exec(header.text);
  if (!m) throw new ScriptError(`line ${header.line}: bad load command: ${header.text}`);
  const cmd: LoadCommand = { kind: 'load', line: header.line, stepMs: parseDuration(m[2]), withNhcb: m[1] === 'load_with_nhcb', series: [], startTimestamps: false };
  for (const b of block) {
    const { labels, rest, suffix } = splitSeriesLine(b.text, b.line);
    if (suffix === '@st') {
      cmd.startTimestamps = true;
      continue;
    }
    cmd.series.push({ labels, values: parseSequence(rest, b.line), line: b.line });
  }
  return cmd;
}

/** Splits `name{labels} rest` into the label set and the rest of the line. */
export function splitSeriesLine(text: string, line: number): { labels: Labels; rest: string; suffix: string } {
  let end: number;
  const brace = text.indexOf('{');
  const firstSpace = text.search(/\s/);
  if (brace >= 0 && (firstSpace < 0 || brace < firstSpace)) {
    let inQuote = '';
    end = -1;
    for (let k = brace + 1; k < text.length; k++) {
      const c = text[k];
      if (inQuote) {
        if (c === '\\') k++;
        else if (c === inQuote) inQuote = '';
      } else if (c === '"' || c === "'" || c === '`') inQuote = c;
      else if (c === '}') {
        end = k + 1;
        break;
      }
    }
    if (end < 0) throw new ScriptError(`line ${line}: unterminated series literal: ${text}`);
  } else {
    const at = text.indexOf('@st');
    end = firstSpace < 0 ? text.length : firstSpace;
    if (at > 0 && at < end) end = at;
  }
  let literal = text.slice(0, end);
  let suffix = '';
  const rest = text.slice(end);
  const st = /^@st\b/.exec(rest);
  if (st) suffix = '@st';
  const restText = st ? rest.slice(3) : rest;
  if (literal === '{}') return { labels: Labels.EMPTY, rest: restText.trim(), suffix };
  let labels: Labels;
  try {
    const matchers = parseMetricSelector(literal);
    labels = Labels.fromPairs(matchers.flatMap((mm) => [mm.name, mm.value]));
  } catch (e) {
    literal = literal || text;
    throw new ScriptError(`line ${line}: bad series literal ${literal}: ${(e as Error).message}`);
  }
  return { labels, rest: restText.trim(), suffix };
}

/** Tokens of a value sequence; histogram literals `{{...}}` (with their `xN` forms) stay one token. */
function tokens(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    let j = i;
    if (s.startsWith('{{', i)) {
      // Up to the closing braces of the (last) histogram, then to the next space.
      let depth = 0;
      for (; j < s.length; j++) {
        if (s.startsWith('{{', j)) {
          depth++;
          j++;
        } else if (s.startsWith('}}', j)) {
          depth--;
          j++;
          if (depth === 0 && !s.startsWith('{{', j + 1) && !/^[+-]\{\{/.test(s.slice(j + 1))) {
            j++;
            while (j < s.length && !/\s/.test(s[j])) j++;
            break;
          }
        }
      }
    } else {
      while (j < s.length && !/\s/.test(s[j])) j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/** Go's strconv.ParseFloat, as the script's numbers are read. */
export function parseNumber(s: string): number | undefined {
  const l = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(l)) return l.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(l)) return NaN;
  if (/^[+-]?0x[0-9a-f]+$/.test(l)) {
    const v = parseInt(l.replace(/^[+-]/, ''), 16);
    return l.startsWith('-') ? -v : v;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(l)) return Number(s);
  return undefined;
}

export function parseSequence(text: string, line: number): SequenceItem[] {
  const out: SequenceItem[] = [];
  for (const tok of tokens(text)) {
    if (tok === '_') {
      out.push({ kind: 'none' });
      continue;
    }
    if (tok === 'stale') {
      out.push({ kind: 'float', v: STALE_NAN });
      continue;
    }
    if (tok.startsWith('{{')) {
      const m = /x(\d+)$/.exec(tok);
      const n = m && tok.endsWith('}}' + m[0]) ? Number(m[1]) + 1 : 1;
      for (let k = 0; k < n; k++) out.push({ kind: 'histogram' });
      continue;
    }
    // `0x59` in a sequence is "0 repeated 59 times", not hexadecimal.
    const single = /^[+-]?\d+x\d+$/.test(tok) ? undefined : parseNumber(tok);
    if (single !== undefined) {
      out.push({ kind: 'float', v: single });
      continue;
    }
    const m = /^(.*)x(\d+)$/.exec(tok);
    if (!m) throw new ScriptError(`line ${line}: bad value ${JSON.stringify(tok)}`);
    const times = Number(m[2]);
    const base = m[1];
    if (base === '_') {
      for (let k = 0; k < times; k++) out.push({ kind: 'none' });
      continue;
    }
    if (base === 'stale') {
      for (let k = 0; k <= times; k++) out.push({ kind: 'float', v: STALE_NAN });
      continue;
    }
    let a = parseNumber(base);
    let b = 0;
    if (a === undefined) {
      // a+b or a-b: split at a sign that is not the leading one nor an exponent's.
      let split = -1;
      for (let k = base.length - 1; k > 0; k--) {
        if ((base[k] === '+' || base[k] === '-') && !/[eE]/.test(base[k - 1])) {
          split = k;
          break;
        }
      }
      if (split < 0) throw new ScriptError(`line ${line}: bad value ${JSON.stringify(tok)}`);
      a = parseNumber(base.slice(0, split));
      const d = parseNumber(base.slice(split));
      if (a === undefined || d === undefined) throw new ScriptError(`line ${line}: bad value ${JSON.stringify(tok)}`);
      b = d;
    }
    let v = a;
    for (let k = 0; k <= times; k++) {
      out.push({ kind: 'float', v });
      v += b;
    }
  }
  return out;
}

function parseEval(header: { text: string; line: number }, block: Array<{ text: string; line: number }>): EvalCommand {
  const m = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.*)$/.exec(header.text);
  if (!m) throw new ScriptError(`line ${header.line}: bad eval command: ${header.text}`);
  const instant = m[3] !== undefined;
  const cmd: EvalCommand = {
    kind: 'eval',
    line: header.line,
    header: header.text,
    expr: m[7],
    instant,
    start: instant ? parseTime(m[3]) : parseTime(m[4]),
    end: instant ? parseTime(m[3]) : parseTime(m[5]),
    step: instant ? 0 : parseDuration(m[6]),
    fail: m[1] === 'eval_fail',
    annotations: [],
    noWarn: false,
    noInfo: false,
    ordered: m[1] === 'eval_ordered',
    series: [],
    expectsHistogram: false,
  };
  if (m[1] === 'eval_warn') cmd.annotations.push({ kind: 'warn' });
  if (m[1] === 'eval_info') cmd.annotations.push({ kind: 'info' });
  for (const b of block) {
    const t = b.text;
    let x: RegExpExecArray | null;
    if ((x = /^expect\s+fail(?:\s+(msg|regex):\s*(.*))?$/.exec(t))) {
      cmd.fail = true;
      if (x[1] === 'msg') cmd.failMsg = x[2].trim();
      if (x[1] === 'regex') cmd.failRegex = new RegExp(x[2].trim());
    } else if ((x = /^expected_fail_message\s+(.*)$/.exec(t))) {
      cmd.failMsg = x[1].trim();
    } else if ((x = /^expected_fail_regexp\s+(.*)$/.exec(t))) {
      cmd.failRegex = new RegExp(x[1].trim());
    } else if ((x = /^expect\s+(warn|info)(?:\s+(msg|regex):\s*(.*))?$/.exec(t))) {
      const a: AnnotationExpectation = { kind: x[1] as 'warn' | 'info' };
      if (x[2] === 'msg') a.msg = x[3].trim();
      if (x[2] === 'regex') a.regex = new RegExp(x[3].trim());
      cmd.annotations.push(a);
    } else if (/^expect\s+no_warn$/.test(t)) {
      cmd.noWarn = true;
    } else if (/^expect\s+no_info$/.test(t)) {
      cmd.noInfo = true;
    } else if (/^expect\s+ordered$/.test(t)) {
      cmd.ordered = true;
    } else if ((x = /^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/.exec(t))) {
      cmd.rangeVector = { start: parseTime(x[1]), end: parseTime(x[2]), step: parseDuration(x[3]) };
    } else if ((x = /^expect\s+string\s+(.*)$/.exec(t))) {
      cmd.expectString = unquote(x[1].trim());
    } else if (t.startsWith('expect')) {
      throw new ScriptError(`line ${b.line}: unknown expectation: ${t}`);
    } else if (parseNumber(t) !== undefined) {
      cmd.scalar = parseNumber(t);
    } else {
      const { labels, rest } = splitSeriesLine(t, b.line);
      const values = parseSequence(rest, b.line);
      if (values.some((v) => v.kind === 'histogram')) cmd.expectsHistogram = true;
      cmd.series.push({ labels, values });
    }
  }
  return cmd;
}

/** Times in headers: durations from the epoch (`50m`, `1m30s`, `0`), optionally negative. */
function parseTime(s: string): number {
  if (s.startsWith('-')) return -parseDuration(s.slice(1));
  return parseDuration(s);
}
