/**
 * Prometheus regex matchers in JavaScript: RE2 (Go regexp) syntax translated
 * to an equivalent RegExp, and a shape analysis the postings index uses to
 * avoid testing every label value.
 *
 * Prometheus compiles a matcher's pattern as `^(?s:<pattern>)$`: fully
 * anchored, `.` matching newline. The translation is built from the parse
 * tree (re2_parse.ts), never by passing pattern text through, because the
 * dialects differ: RE2's `\d \s \w \b` are ASCII-only, `$` matches only at
 * the very end, `(?i)` uses Unicode simple case folding (so `(?i)k` matches
 * the Kelvin sign), `\Q...\E`, octal escapes, POSIX classes and inline flag
 * groups exist, and many things JavaScript accepts (backreferences,
 * lookarounds, `\Z`) are errors. The emitted RegExp uses the `u` flag and no
 * other: case folding is expanded into classes, and `^ $ .` under `(?m)`/
 * `(?-s)` become explicit constructs.
 *
 * The emitted RegExp runs on a backtracking engine, unlike Go's linear-time
 * one: nested quantifiers such as `(a+)+b` can take exponential time on
 * adversarial input. Callers that test untrusted patterns against long
 * values should bound value length or time.
 */
import { parseRE2, type RegexNode } from './re2_parse.js';
import { MAX_RUNE, foldOrbit, negateRanges, rangesSize } from './re2_unicode.js';

export { RegexSyntaxError, type RegexErrorCode } from './re2_parse.js';

/**
 * What can be said about a regex matcher's language without running it.
 * Every field is optional; a missing field means "unknown", never "none".
 */
export interface RegexShape {
  /** The regex matches exactly these strings and no others (e.g. `a|b|c`, `(foo|bar)`). */
  setMatches?: string[];
  /** A non-empty literal prefix every match starts with (`api_(a|b).*` → `api_`). */
  prefix?: string;
  /**
   * Set when the regex is exactly `prefix` (or nothing) followed by `.*`
   * (`'any'`: any rest, newlines included) or `.+` (`'nonEmpty'`), so a
   * match is a startsWith test plus, for `'nonEmpty'`, a length test.
   */
  rest?: 'any' | 'nonEmpty';
}

/** Prometheus's cap on the strings a set matcher expands to. */
const MAX_SET_MATCHES = 256;

/**
 * Compiles an RE2 pattern the way Prometheus does for `=~`/`!~`: the RegExp
 * matches a string exactly when Go's `^(?s:pattern)$` would.
 *
 * @throws RegexSyntaxError with Go's message when Go would reject the pattern.
 * @example compileRE2('(?i)api_.*').test('API_v1') // true
 */
export function compileRE2(pattern: string): RegExp {
  return new RegExp(`^(?:${emit(parseRE2(pattern))})$`, 'u');
}

/**
 * Compiles an RE2 pattern anchored as `compileRE2` does, keeping capture
 * groups (numbered as Go numbers them: by opening parenthesis) for
 * relabeling's `$1`/`${name}` replacements. `names` maps each named group
 * (`(?P<name>…)`) to its number.
 *
 * @throws RegexSyntaxError with Go's message when Go would reject the pattern.
 * @example compileRE2Captures('(.*):(?P<port>\\d+)').regexp.exec('a:80')![2] // "80"
 */
export function compileRE2Captures(pattern: string): { regexp: RegExp; names: Map<string, number> } {
  const root = parseRE2(pattern);
  const names = new Map<string, number>();
  let n = 0;
  const walk = (node: RegexNode): void => {
    if (node.op === 'capture') {
      n++;
      if (node.name !== undefined && !names.has(node.name)) names.set(node.name, n);
      walk(node.sub);
    } else if (node.op === 'concat' || node.op === 'alternate') node.subs.forEach(walk);
    else if (node.op === 'repeat') walk(node.sub);
  };
  walk(root);
  return { regexp: new RegExp(`^(?:${emit(root, true)})$`, 'u'), names };
}

/**
 * Derives a RegexShape from the parse tree; fields are set only when certain.
 *
 * @throws RegexSyntaxError when Go would reject the pattern.
 * @example analyzeRE2('foo|bar') // { setMatches: ['foo', 'bar'] }
 */
export function analyzeRE2(pattern: string): RegexShape {
  const root = parseRE2(pattern);
  const shape: RegexShape = {};
  const set = finiteStrings(root, true, true);
  if (set) shape.setMatches = set;
  const prefix = prefixInfo(root).prefix;
  if (prefix !== '') shape.prefix = prefix;
  const rest = restShape(root);
  if (rest) {
    shape.rest = rest.rest;
    if (rest.prefix !== '') shape.prefix = rest.prefix;
  }
  return shape;
}

// ---------------------------------------------------------------------------
// Translation.

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function isWordChar(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f
  );
}

const SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/');

function literalSource(cp: number): string {
  if (isWordChar(cp)) return String.fromCharCode(cp);
  const ch = String.fromCharCode(cp);
  if (cp < 0x7f && SYNTAX_CHARS.has(ch)) return `\\${ch}`;
  if (cp > 0x20 && cp < 0x7f) return ch;
  return hex(cp);
}

function classItemsSource(r: readonly number[]): string {
  const item = (cp: number): string => (isWordChar(cp) ? String.fromCharCode(cp) : hex(cp));
  let out = '';
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i];
    const hi = r[i + 1];
    if (lo === hi) out += item(lo);
    else if (hi === lo + 1) out += item(lo) + item(hi);
    else out += `${item(lo)}-${item(hi)}`;
  }
  return out;
}

function classSource(r: readonly number[]): string {
  if (r.length === 0) return '[]';
  if (r.length === 2 && r[0] === r[1]) return literalSource(r[0]);
  if (r.length === 2 && r[0] === 0 && r[1] === MAX_RUNE) return '[^]';
  const complement = negateRanges(r);
  if (complement.length < r.length) return `[^${classItemsSource(complement)}]`;
  return `[${classItemsSource(r)}]`;
}

function orbitRanges(cp: number): number[] {
  const out: number[] = [];
  for (const o of foldOrbit(cp)) out.push(o, o);
  return out;
}

const ASSERTION_SOURCE = {
  beginText: '^',
  endText: '$',
  // The RegExp has no `m` flag, so `^`/`$` only match at the edges; line
  // anchors look at the neighbouring character instead.
  beginLine: '(?<![^\\n])',
  endLine: '(?![^\\n])',
  // JavaScript's \b without the `i` flag uses the same ASCII word characters as RE2.
  wordBoundary: '\\b',
  noWordBoundary: '\\B',
} as const;

function emit(node: RegexNode, captures = false): string {
  switch (node.op) {
    case 'empty':
      return '';
    case 'literal':
      return node.fold ? classSource(orbitRanges(node.cp)) : literalSource(node.cp);
    case 'class':
      return classSource(node.ranges);
    case 'anyChar':
      return node.nl ? '[^]' : '[^\\n]';
    case 'assert':
      return ASSERTION_SOURCE[node.kind];
    case 'capture':
      // Matchers never read captures, so they become plain groups; relabeling reads them by number.
      return captures ? `(${emit(node.sub, true)})` : `(?:${emit(node.sub)})`;
    case 'concat':
      return node.subs.map((sub) => (sub.op === 'alternate' ? `(?:${emit(sub, captures)})` : emit(sub, captures))).join('');
    case 'alternate':
      return node.subs.map((sub) => emit(sub, captures)).join('|');
    case 'repeat':
      return atom(node.sub, captures) + quantifier(node.min, node.max) + (node.greedy ? '' : '?');
  }
}

/** Source for node that a quantifier can follow. */
function atom(node: RegexNode, captures: boolean): string {
  switch (node.op) {
    case 'literal':
    case 'class':
    case 'anyChar':
    case 'capture':
      return emit(node, captures);
    default:
      return `(?:${emit(node, captures)})`;
  }
}

function quantifier(min: number, max: number): string {
  if (min === 0 && max === -1) return '*';
  if (min === 1 && max === -1) return '+';
  if (min === 0 && max === 1) return '?';
  if (max === -1) return `{${min},}`;
  if (min === max) return `{${min}}`;
  return `{${min},${max}}`;
}

// ---------------------------------------------------------------------------
// Analysis.

/** Cross product of two string sets, or undefined past the cap. */
function crossProduct(left: readonly string[], right: readonly string[]): string[] | undefined {
  if (left.length * right.length > MAX_SET_MATCHES) return undefined;
  const out = new Set<string>();
  for (const l of left) for (const r of right) out.add(l + r);
  return [...out];
}

/**
 * The finite set of strings node matches, or undefined when it is infinite,
 * too large, or depends on context (assertions away from the edges).
 * atStart/atEnd: node sits at the very start/end of the whole match.
 */
function finiteStrings(node: RegexNode, atStart: boolean, atEnd: boolean): string[] | undefined {
  switch (node.op) {
    case 'empty':
      return [''];
    case 'literal':
      return node.fold ? foldOrbit(node.cp).map((cp) => String.fromCodePoint(cp)) : [String.fromCodePoint(node.cp)];
    case 'class': {
      const size = rangesSize(node.ranges);
      if (size === 0 || size > MAX_SET_MATCHES) return undefined;
      const out: string[] = [];
      for (let i = 0; i < node.ranges.length; i += 2) {
        for (let cp = node.ranges[i]; cp <= node.ranges[i + 1]; cp++) out.push(String.fromCodePoint(cp));
      }
      return out;
    }
    case 'anyChar':
      return undefined;
    case 'assert':
      if (atStart && (node.kind === 'beginText' || node.kind === 'beginLine')) return [''];
      if (atEnd && (node.kind === 'endText' || node.kind === 'endLine')) return [''];
      return undefined;
    case 'capture':
      return finiteStrings(node.sub, atStart, atEnd);
    case 'concat': {
      let acc: string[] | undefined = [''];
      node.subs.forEach((sub, i) => {
        if (!acc) return;
        const part = finiteStrings(sub, atStart && i === 0, atEnd && i === node.subs.length - 1);
        acc = part && crossProduct(acc, part);
      });
      return acc;
    }
    case 'alternate': {
      const out = new Set<string>();
      for (const sub of node.subs) {
        const part = finiteStrings(sub, atStart, atEnd);
        if (!part) return undefined;
        for (const s of part) out.add(s);
        if (out.size > MAX_SET_MATCHES) return undefined;
      }
      return [...out];
    }
    case 'repeat': {
      if (node.max === -1) return undefined;
      const part = finiteStrings(node.sub, false, false);
      if (!part) return undefined;
      const out = new Set<string>();
      let power: string[] | undefined = [''];
      for (let k = 0; k <= node.max; k++) {
        if (k >= node.min) for (const s of power) out.add(s);
        if (out.size > MAX_SET_MATCHES) return undefined;
        if (k === node.max) break;
        power = crossProduct(power, part);
        if (!power) return undefined;
        // Powers of a set holding only "" stay {""}.
        if (power.length === 1 && power[0] === '' && k >= node.min) break;
      }
      return [...out];
    }
  }
}

/**
 * The literal prefix of every match; `complete` when node matches nothing
 * but that prefix (zero-width assertions aside), so a concatenation may
 * continue the prefix past it.
 */
function prefixInfo(node: RegexNode): { prefix: string; complete: boolean } {
  switch (node.op) {
    case 'empty':
    case 'assert':
      return { prefix: '', complete: true };
    case 'literal':
      return node.fold ? { prefix: '', complete: false } : { prefix: String.fromCodePoint(node.cp), complete: true };
    case 'class':
      if (node.ranges.length === 2 && node.ranges[0] === node.ranges[1]) {
        return { prefix: String.fromCodePoint(node.ranges[0]), complete: true };
      }
      return { prefix: '', complete: false };
    case 'anyChar':
      return { prefix: '', complete: false };
    case 'capture':
      return prefixInfo(node.sub);
    case 'concat': {
      let prefix = '';
      for (const sub of node.subs) {
        const info = prefixInfo(sub);
        prefix += info.prefix;
        if (!info.complete) return { prefix, complete: false };
      }
      return { prefix, complete: true };
    }
    case 'alternate': {
      const infos = node.subs.map(prefixInfo);
      let common = infos[0].prefix;
      for (const info of infos) {
        let n = 0;
        while (n < common.length && n < info.prefix.length && common[n] === info.prefix[n]) n++;
        common = common.slice(0, n);
      }
      const last = common.charCodeAt(common.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) common = common.slice(0, -1);
      const complete = infos.every((info) => info.complete && info.prefix === common);
      return { prefix: common, complete };
    }
    case 'repeat': {
      if (node.min === 0) return { prefix: '', complete: node.max === 0 };
      const info = prefixInfo(node.sub);
      if (!info.complete) return { prefix: info.prefix, complete: false };
      return { prefix: info.prefix.repeat(node.min), complete: node.min === node.max };
    }
  }
}

/** The node as a sequence, with captures and nested concatenations opened up. */
function flattenConcat(node: RegexNode): RegexNode[] {
  if (node.op === 'capture') return flattenConcat(node.sub);
  if (node.op === 'concat') return node.subs.flatMap(flattenConcat);
  return [node];
}

/** The string node matches when it is a plain literal string without assertions. */
function literalString(nodes: readonly RegexNode[]): string | undefined {
  let out = '';
  for (const node of nodes) {
    if (node.op === 'literal' && !node.fold) out += String.fromCodePoint(node.cp);
    else if (node.op === 'class' && node.ranges.length === 2 && node.ranges[0] === node.ranges[1]) {
      out += String.fromCodePoint(node.ranges[0]);
    } else if (node.op !== 'empty') return undefined;
  }
  return out;
}

/** Recognises `literal.*` and `literal.+` (up to captures and edge anchors). */
function restShape(root: RegexNode): { prefix: string; rest: 'any' | 'nonEmpty' } | undefined {
  const seq = flattenConcat(root);
  let start = 0;
  let end = seq.length;
  const isAssert = (n: RegexNode, kinds: string[]): boolean => n.op === 'assert' && kinds.includes(n.kind);
  while (start < end && isAssert(seq[start], ['beginText', 'beginLine'])) start++;
  while (end > start && isAssert(seq[end - 1], ['endText', 'endLine'])) end--;
  if (end === start) return undefined;
  let last = seq[end - 1];
  while (last.op === 'capture') last = last.sub;
  if (last.op !== 'repeat' || last.max !== -1 || last.min > 1) return undefined;
  let sub = last.sub;
  while (sub.op === 'capture') sub = sub.sub;
  if (sub.op !== 'anyChar' || !sub.nl) return undefined;
  const prefix = literalString(seq.slice(start, end - 1));
  if (prefix === undefined) return undefined;
  return { prefix, rest: last.min === 0 ? 'any' : 'nonEmpty' };
}
