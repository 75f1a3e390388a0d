/**
 * Parser for RE2 syntax as Go's regexp/syntax reads it with the flags
 * Prometheus uses (`syntax.Perl | syntax.DotNL`): Perl extensions, Unicode
 * groups, `^`/`$` at text edges unless `(?m)`, `.` matching newline unless
 * `(?-s)`. It accepts and rejects exactly what Go does, with Go's error
 * messages, and produces a small tree the translator and analyzer walk.
 *
 * Positions are UTF-16 indices into the pattern; a lone surrogate plays the
 * part of an invalid UTF-8 byte in Go.
 */
import {
  MAX_RUNE,
  cleanRanges,
  foldOrbit,
  foldRanges,
  lookupUnicodeClass,
  negateRanges,
  unicodeClassRanges,
} from './re2_unicode.js';

/** Go's regexp/syntax error codes, which are also the message text. */
export type RegexErrorCode =
  | 'invalid character class range'
  | 'invalid escape sequence'
  | 'invalid named capture'
  | 'invalid or unsupported Perl syntax'
  | 'invalid nested repetition operator'
  | 'invalid repeat count'
  | 'invalid UTF-8'
  | 'missing closing ]'
  | 'missing closing )'
  | 'missing argument to repetition operator'
  | 'trailing backslash at end of expression'
  | 'unexpected )'
  | 'expression nests too deeply'
  | 'expression too large';

/**
 * A pattern Go's regexp package would refuse. The message is Go's, e.g.
 * "error parsing regexp: missing closing ): `(a`".
 */
export class RegexSyntaxError extends Error {
  readonly code: RegexErrorCode;
  /** The offending part of the pattern, as Go reports it. */
  readonly expr: string;

  constructor(code: RegexErrorCode, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'RegexSyntaxError';
    this.code = code;
    this.expr = expr;
  }
}

export type AssertionKind =
  | 'beginLine'
  | 'endLine'
  | 'beginText'
  | 'endText'
  | 'wordBoundary'
  | 'noWordBoundary';

/** A parsed RE2 expression. Nodes are never mutated after construction. */
export type RegexNode =
  | { op: 'empty' }
  /** One code point; with `fold`, any code point of its case folding orbit. */
  | { op: 'literal'; cp: number; fold: boolean }
  /** A clean code point set (see re2_unicode.ts). */
  | { op: 'class'; ranges: readonly number[] }
  /** `.`; `nl` when it also matches newline (the default under Prometheus's `(?s)`). */
  | { op: 'anyChar'; nl: boolean }
  | { op: 'assert'; kind: AssertionKind }
  | { op: 'capture'; sub: RegexNode; name: string | undefined }
  | { op: 'concat'; subs: readonly RegexNode[] }
  | { op: 'alternate'; subs: readonly RegexNode[] }
  /** `max` is -1 when unbounded; `counted` for the `{n,m}` form, which Go limits to 1000. */
  | { op: 'repeat'; sub: RegexNode; min: number; max: number; greedy: boolean; counted: boolean };

const FOLD_CASE = 1;
const DOT_NL = 2;
const ONE_LINE = 4;
const NON_GREEDY = 8;

const MAX_REPEAT = 1000;
const MAX_HEIGHT = 1000;
/** Go's limit on the compiled program: 128 MiB of 40-byte instructions. */
const MAX_SIZE = Math.floor((128 << 20) / 40);

const PERL_GROUPS: Readonly<Record<string, { negated: boolean; ranges: number[] }>> = {
  d: { negated: false, ranges: [0x30, 0x39] },
  D: { negated: true, ranges: [0x30, 0x39] },
  s: { negated: false, ranges: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20] },
  S: { negated: true, ranges: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20] },
  w: { negated: false, ranges: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a] },
  W: { negated: true, ranges: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a] },
};

const POSIX_CLASSES: Readonly<Record<string, number[]>> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};

interface Frame {
  /** The concatenation being built since the last `|` or `(`. */
  items: RegexNode[];
  /** Finished alternatives of this group. */
  alts: RegexNode[];
  /** Flags to restore when the group closes. */
  savedFlags: number;
  capture: boolean;
  name: string | undefined;
}

interface Rune {
  /** The code point, or -1 at the end of the pattern (Go's zero-width RuneError). */
  cp: number;
  size: number;
}

function isAlnum(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
}

function unhex(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (cp >= 0x61 && cp <= 0x66) return cp - 0x61 + 10;
  if (cp >= 0x41 && cp <= 0x46) return cp - 0x41 + 10;
  return -1;
}

function isLoneSurrogate(s: string, i: number): boolean {
  const cp = s.codePointAt(i)!;
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** Go's checkUTF8: the first invalid position reported with the rest of the text. */
function checkUTF8(s: string): void {
  for (let i = 0; i < s.length; i++) {
    if (isLoneSurrogate(s, i)) throw new RegexSyntaxError('invalid UTF-8', s.slice(i));
    if (s.codePointAt(i)! > 0xffff) i++;
  }
}

const sizeCache = new WeakMap<RegexNode, number>();
const heightCache = new WeakMap<RegexNode, number>();

/** Go's estimate of the compiled program size (regexp/syntax calcSize). */
function programSize(node: RegexNode): number {
  const cached = sizeCache.get(node);
  if (cached !== undefined) return cached;
  let size = 0;
  switch (node.op) {
    case 'literal':
      size = 1;
      break;
    case 'capture':
      size = 2 + programSize(node.sub);
      break;
    case 'concat':
      for (const sub of node.subs) size += programSize(sub);
      break;
    case 'alternate':
      for (const sub of node.subs) size += programSize(sub);
      size += node.subs.length - 1;
      break;
    case 'repeat': {
      const sub = programSize(node.sub);
      if (node.max === -1) size = node.min === 0 ? 2 + sub : 1 + node.min * sub;
      else if (!node.counted) size = 1 + sub; // x?
      else size = node.max * sub + (node.max - node.min); // x{2,5} = xx(x(x(x)?)?)?
      break;
    }
    default:
      size = 1;
  }
  size = Math.max(1, size);
  sizeCache.set(node, size);
  return size;
}

/** Tree height, counting a run of plain literals as one node as Go's literal strings are. */
function treeHeight(node: RegexNode): number {
  const cached = heightCache.get(node);
  if (cached !== undefined) return cached;
  let height = 1;
  switch (node.op) {
    case 'capture':
    case 'repeat':
      height = 1 + treeHeight(node.sub);
      break;
    case 'concat':
    case 'alternate':
      if (node.op === 'concat' && node.subs.every((s) => s.op === 'literal' && !s.fold)) break;
      for (const sub of node.subs) height = Math.max(height, 1 + treeHeight(sub));
      break;
    default:
      break;
  }
  heightCache.set(node, height);
  return height;
}

/** Go's repeatIsValid: nested counted repetitions may not multiply past `n` copies. */
function repeatIsValid(node: RegexNode, n: number): boolean {
  if (node.op === 'repeat' && node.counted) {
    let m = node.max;
    if (m === 0) return true;
    if (m < 0) m = node.min;
    if (m > n) return false;
    if (m > 0) n = Math.floor(n / m);
  }
  switch (node.op) {
    case 'capture':
    case 'repeat':
      return repeatIsValid(node.sub, n);
    case 'concat':
    case 'alternate':
      return node.subs.every((s) => repeatIsValid(s, n));
    default:
      return true;
  }
}

function makeConcat(items: RegexNode[]): RegexNode {
  if (items.length === 0) return { op: 'empty' };
  if (items.length === 1) return items[0];
  const subs: RegexNode[] = [];
  for (const item of items) {
    if (item.op === 'concat') subs.push(...item.subs);
    else subs.push(item);
  }
  return { op: 'concat', subs };
}

function makeAlternate(alts: RegexNode[]): RegexNode {
  if (alts.length === 1) return alts[0];
  const subs: RegexNode[] = [];
  for (const alt of alts) {
    if (alt.op === 'alternate') subs.push(...alt.subs);
    else subs.push(alt);
  }
  return { op: 'alternate', subs };
}

class Parser {
  private readonly s: string;
  private flags = ONE_LINE | DOT_NL;
  private readonly frames: Frame[] = [];

  constructor(pattern: string) {
    this.s = pattern;
    this.frames.push({ items: [], alts: [], savedFlags: this.flags, capture: false, name: undefined });
  }

  parse(): RegexNode {
    const s = this.s;
    const n = s.length;
    let i = 0;
    /** Start of the repetition operator just parsed, or -1. */
    let lastRepeat = -1;
    while (i < n) {
      let repeatAt = -1;
      const ch = s[i];
      if (ch === '(') {
        if (s[i + 1] === '?') {
          i = this.parsePerlFlags(i);
        } else {
          this.openGroup(true, undefined);
          i++;
        }
      } else if (ch === '|') {
        const top = this.top();
        top.alts.push(makeConcat(top.items));
        top.items = [];
        i++;
      } else if (ch === ')') {
        this.closeGroup();
        i++;
      } else if (ch === '^') {
        this.push({ op: 'assert', kind: this.flags & ONE_LINE ? 'beginText' : 'beginLine' });
        i++;
      } else if (ch === '$') {
        this.push({ op: 'assert', kind: this.flags & ONE_LINE ? 'endText' : 'endLine' });
        i++;
      } else if (ch === '.') {
        this.push({ op: 'anyChar', nl: (this.flags & DOT_NL) !== 0 });
        i++;
      } else if (ch === '[') {
        i = this.parseClass(i);
      } else if (ch === '*' || ch === '+' || ch === '?') {
        const min = ch === '+' ? 1 : 0;
        const max = ch === '?' ? 1 : -1;
        repeatAt = i;
        i = this.repeat(min, max, false, i, i + 1, lastRepeat);
      } else if (ch === '{') {
        const counts = this.parseRepeatCounts(i);
        if (!counts) {
          this.literal(0x7b);
          i++;
        } else {
          const { min, max, next } = counts;
          if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
            throw new RegexSyntaxError('invalid repeat count', s.slice(i, next));
          }
          repeatAt = i;
          i = this.repeat(min, max, true, i, next, lastRepeat);
        }
      } else if (ch === '\\') {
        i = this.parseBackslash(i);
      } else {
        const r = this.nextRune(i);
        this.literal(r.cp);
        i += r.size;
      }
      lastRepeat = repeatAt;
    }
    if (this.frames.length !== 1) throw new RegexSyntaxError('missing closing )', s);
    const root = this.finishFrame(this.frames[0]);
    this.checkLimits(root);
    return root;
  }

  private top(): Frame {
    return this.frames[this.frames.length - 1];
  }

  private push(node: RegexNode): void {
    this.top().items.push(node);
  }

  private checkLimits(node: RegexNode): void {
    if (treeHeight(node) > MAX_HEIGHT) throw new RegexSyntaxError('expression nests too deeply', this.s);
    if (programSize(node) > MAX_SIZE) throw new RegexSyntaxError('expression too large', this.s);
  }

  /** Go's nextRune: decodes at i, failing on a lone surrogate; at the end, cp -1 and size 0. */
  private nextRune(i: number): Rune {
    if (i >= this.s.length) return { cp: -1, size: 0 };
    if (isLoneSurrogate(this.s, i)) throw new RegexSyntaxError('invalid UTF-8', this.s.slice(i));
    const cp = this.s.codePointAt(i)!;
    return { cp, size: cp > 0xffff ? 2 : 1 };
  }

  private literal(cp: number): void {
    const fold = (this.flags & FOLD_CASE) !== 0 && foldOrbit(cp).length > 1;
    this.push({ op: 'literal', cp, fold });
  }

  private openGroup(capture: boolean, name: string | undefined): void {
    this.frames.push({ items: [], alts: [], savedFlags: this.flags, capture, name });
  }

  private finishFrame(frame: Frame): RegexNode {
    frame.alts.push(makeConcat(frame.items));
    return makeAlternate(frame.alts);
  }

  private closeGroup(): void {
    if (this.frames.length === 1) throw new RegexSyntaxError('unexpected )', this.s);
    const frame = this.frames.pop()!;
    let node = this.finishFrame(frame);
    this.flags = frame.savedFlags;
    if (frame.capture) node = { op: 'capture', sub: node, name: frame.name };
    this.checkLimits(node);
    this.push(node);
  }

  /**
   * Applies a repetition operator spanning [before, after) to the last item.
   * Returns the index after the operator and its optional `?`.
   */
  private repeat(
    min: number,
    max: number,
    counted: boolean,
    before: number,
    after: number,
    lastRepeat: number,
  ): number {
    let greedy = (this.flags & NON_GREEDY) === 0;
    if (this.s[after] === '?') {
      after++;
      greedy = !greedy;
    }
    if (lastRepeat >= 0) {
      // Perl forbids stacking operators: a** is an error, and a++ would be possessive.
      throw new RegexSyntaxError('invalid nested repetition operator', this.s.slice(lastRepeat, after));
    }
    const items = this.top().items;
    if (items.length === 0) {
      throw new RegexSyntaxError('missing argument to repetition operator', this.s.slice(before, after));
    }
    const node: RegexNode = { op: 'repeat', sub: items.pop()!, min, max, greedy, counted };
    items.push(node);
    this.checkLimits(node);
    if (counted && (min >= 2 || max >= 2) && !repeatIsValid(node, MAX_REPEAT)) {
      throw new RegexSyntaxError('invalid repeat count', this.s.slice(before, after));
    }
    return after;
  }

  /** Go's parseInt for repeat counts: no leading zeros; -1 when too big. */
  private parseInt(i: number): { value: number; next: number } | undefined {
    const s = this.s;
    const isDigit = (k: number): boolean => k < s.length && s[k] >= '0' && s[k] <= '9';
    if (!isDigit(i)) return undefined;
    if (s[i] === '0' && isDigit(i + 1)) return undefined;
    let j = i;
    while (isDigit(j)) j++;
    let value = 0;
    for (let k = i; k < j; k++) {
      if (value >= 1e8) {
        value = -1;
        break;
      }
      value = value * 10 + (s.charCodeAt(k) - 0x30);
    }
    return { value, next: j };
  }

  /** `{n}`, `{n,}` or `{n,m}` at i; undefined when it is not one (then `{` is a literal). */
  private parseRepeatCounts(i: number): { min: number; max: number; next: number } | undefined {
    const s = this.s;
    const lo = this.parseInt(i + 1);
    if (!lo) return undefined;
    let min = lo.value;
    let max: number;
    let j = lo.next;
    if (j >= s.length) return undefined;
    if (s[j] !== ',') {
      max = min;
    } else {
      j++;
      if (j >= s.length) return undefined;
      if (s[j] === '}') {
        max = -1;
      } else {
        const hi = this.parseInt(j);
        if (!hi) return undefined;
        max = hi.value;
        j = hi.next;
        if (max < 0) min = -1;
      }
    }
    if (j >= s.length || s[j] !== '}') return undefined;
    return { min, max, next: j + 1 };
  }

  /** Parses `(?...`: named groups, non-capturing groups and flag changes. */
  private parsePerlFlags(start: number): number {
    const s = this.s;
    const t = s.slice(start);
    const startsWithP = t.length > 4 && t[2] === 'P' && t[3] === '<';
    const startsWithName = t.length > 3 && t[2] === '<';
    if (startsWithP || startsWithName) {
      const exprStart = startsWithP ? 4 : 3;
      const end = t.indexOf('>');
      if (end < 0) {
        checkUTF8(t);
        throw new RegexSyntaxError('invalid named capture', t);
      }
      const name = t.slice(exprStart, end);
      checkUTF8(name);
      if (!/^[A-Za-z0-9_]+$/.test(name)) throw new RegexSyntaxError('invalid named capture', t.slice(0, end + 1));
      this.openGroup(true, name);
      return start + end + 1;
    }

    let i = start + 2;
    let flags = this.flags;
    let sign = 1;
    let sawFlag = false;
    while (i < s.length) {
      const r = this.nextRune(i);
      i += r.size;
      const c = String.fromCodePoint(r.cp);
      if (c === 'i') {
        flags |= FOLD_CASE;
        sawFlag = true;
      } else if (c === 'm') {
        flags &= ~ONE_LINE;
        sawFlag = true;
      } else if (c === 's') {
        flags |= DOT_NL;
        sawFlag = true;
      } else if (c === 'U') {
        flags |= NON_GREEDY;
        sawFlag = true;
      } else if (c === '-') {
        if (sign < 0) break;
        sign = -1;
        // Invert so the |= above clear flags; inverted back at the end.
        flags = ~flags;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (sign < 0) {
          if (!sawFlag) break;
          flags = ~flags;
        }
        if (c === ':') this.openGroup(false, undefined);
        this.flags = flags;
        return i;
      } else {
        break;
      }
    }
    throw new RegexSyntaxError('invalid or unsupported Perl syntax', s.slice(start, i));
  }

  private parseBackslash(i: number): number {
    const s = this.s;
    if (i + 1 < s.length) {
      switch (s[i + 1]) {
        case 'A':
          this.push({ op: 'assert', kind: 'beginText' });
          return i + 2;
        case 'b':
          this.push({ op: 'assert', kind: 'wordBoundary' });
          return i + 2;
        case 'B':
          this.push({ op: 'assert', kind: 'noWordBoundary' });
          return i + 2;
        case 'C':
          throw new RegexSyntaxError('invalid escape sequence', s.slice(i, i + 2));
        case 'Q': {
          const end = s.indexOf('\\E', i + 2);
          const lit = end < 0 ? s.slice(i + 2) : s.slice(i + 2, end);
          for (let k = 0; k < lit.length; ) {
            if (isLoneSurrogate(lit, k)) throw new RegexSyntaxError('invalid UTF-8', lit.slice(k));
            const cp = lit.codePointAt(k)!;
            this.literal(cp);
            k += cp > 0xffff ? 2 : 1;
          }
          return end < 0 ? s.length : end + 2;
        }
        case 'z':
          this.push({ op: 'assert', kind: 'endText' });
          return i + 2;
        default:
          break;
      }
    }
    const unicode = this.parseUnicodeClass(i);
    if (unicode) {
      this.push({ op: 'class', ranges: unicode.ranges });
      return unicode.next;
    }
    const perl = this.parsePerlClass(i);
    if (perl) {
      this.push({ op: 'class', ranges: perl.ranges });
      return perl.next;
    }
    const esc = this.parseEscape(i);
    this.literal(esc.cp);
    return esc.next;
  }

  /** A single-character escape at i (the backslash). */
  private parseEscape(i: number): { cp: number; next: number } {
    const s = this.s;
    let j = i + 1;
    if (j >= s.length) throw new RegexSyntaxError('trailing backslash at end of expression', '');
    const first = this.nextRune(j);
    j += first.size;
    const c = first.cp;
    const invalid = (): RegexSyntaxError => new RegexSyntaxError('invalid escape sequence', s.slice(i, j));
    const isOctal = (k: number): boolean => k < s.length && s[k] >= '0' && s[k] <= '7';

    if (c >= 0x31 && c <= 0x37 && !isOctal(j)) {
      // A lone non-zero digit would be a backreference, which RE2 does not support.
      throw invalid();
    }
    if (c >= 0x30 && c <= 0x37) {
      let r = c - 0x30;
      for (let k = 1; k < 3 && isOctal(j); k++, j++) r = r * 8 + (s.charCodeAt(j) - 0x30);
      return { cp: r, next: j };
    }
    switch (c) {
      case 0x78: {
        // \x
        if (j >= s.length) throw invalid();
        const open = this.nextRune(j);
        j += open.size;
        if (open.cp === 0x7b) {
          let nhex = 0;
          let r = 0;
          for (;;) {
            if (j >= s.length) throw invalid();
            const d = this.nextRune(j);
            j += d.size;
            if (d.cp === 0x7d) break;
            const v = unhex(d.cp);
            if (v < 0) throw invalid();
            r = r * 16 + v;
            if (r > MAX_RUNE) throw invalid();
            nhex++;
          }
          if (nhex === 0) throw invalid();
          return { cp: r, next: j };
        }
        const x = unhex(open.cp);
        const second = this.nextRune(j);
        j += second.size;
        const y = unhex(second.cp);
        if (x < 0 || y < 0) throw invalid();
        return { cp: x * 16 + y, next: j };
      }
      case 0x61:
        return { cp: 0x07, next: j };
      case 0x66:
        return { cp: 0x0c, next: j };
      case 0x6e:
        return { cp: 0x0a, next: j };
      case 0x72:
        return { cp: 0x0d, next: j };
      case 0x74:
        return { cp: 0x09, next: j };
      case 0x76:
        return { cp: 0x0b, next: j };
      default:
        // Escaped ASCII punctuation stands for itself; anything else is reserved.
        if (c < 0x80 && !isAlnum(c)) return { cp: c, next: j };
        throw invalid();
    }
  }

  /** Folds and negates a named group's set the way Go's appendGroup does. */
  private groupRanges(ranges: readonly number[], negated: boolean): number[] {
    const base = this.flags & FOLD_CASE ? foldRanges(ranges) : ranges.slice();
    return negated ? negateRanges(base) : base;
  }

  /** `\d \s \w \D \S \W` at i. */
  private parsePerlClass(i: number): { ranges: number[]; next: number } | undefined {
    if (this.s[i] !== '\\' || i + 1 >= this.s.length) return undefined;
    if (!Object.hasOwn(PERL_GROUPS, this.s[i + 1])) return undefined;
    const group = PERL_GROUPS[this.s[i + 1]];
    return { ranges: this.groupRanges(group.ranges, group.negated), next: i + 2 };
  }

  /** `[:alpha:]` or `[:^alpha:]` inside a bracket class at i. */
  private parseNamedClass(i: number): { ranges: number[]; next: number } | undefined {
    const s = this.s;
    if (s[i] !== '[' || s[i + 1] !== ':') return undefined;
    const end = s.indexOf(':]', i + 2);
    if (end < 0) return undefined;
    const name = s.slice(i, end + 2);
    const inner = name.slice(2, -2);
    const negated = inner.startsWith('^');
    const key = negated ? inner.slice(1) : inner;
    if (!Object.hasOwn(POSIX_CLASSES, key)) throw new RegexSyntaxError('invalid character class range', name);
    return { ranges: this.groupRanges(POSIX_CLASSES[key], negated), next: end + 2 };
  }

  /** `\pL`, `\p{Greek}`, `\PL`, `\p{^Greek}` at i. */
  private parseUnicodeClass(i: number): { ranges: number[]; next: number } | undefined {
    const s = this.s;
    if (s[i] !== '\\' || (s[i + 1] !== 'p' && s[i + 1] !== 'P')) return undefined;
    let negated = s[i + 1] === 'P';
    const r = this.nextRune(i + 2);
    let seq: string;
    let name: string;
    let next: number;
    if (r.cp !== 0x7b) {
      next = i + 2 + r.size;
      seq = s.slice(i, next);
      name = seq.slice(2);
    } else {
      const end = s.indexOf('}', i);
      if (end < 0) {
        checkUTF8(s.slice(i));
        throw new RegexSyntaxError('invalid character class range', s.slice(i));
      }
      seq = s.slice(i, end + 1);
      name = s.slice(i + 3, end);
      checkUTF8(name);
      next = end + 1;
    }
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const ref = lookupUnicodeClass(name);
    if (!ref) throw new RegexSyntaxError('invalid character class range', seq);
    if (ref.inverted) negated = !negated;
    return { ranges: this.groupRanges(unicodeClassRanges(ref), negated), next };
  }

  /** A class character at i, for the bracket expression starting at classStart. */
  private parseClassChar(i: number, classStart: number): { cp: number; next: number } {
    if (i >= this.s.length) throw new RegexSyntaxError('missing closing ]', this.s.slice(classStart));
    if (this.s[i] === '\\') return this.parseEscape(i);
    const r = this.nextRune(i);
    return { cp: r.cp, next: i + r.size };
  }

  /** A bracket expression `[...]` at start. */
  private parseClass(start: number): number {
    const s = this.s;
    const fold = (this.flags & FOLD_CASE) !== 0;
    let t = start + 1;
    let negated = false;
    if (s[t] === '^') {
      negated = true;
      t++;
    }
    const parts: number[] = [];
    let first = true;
    // `]` right after `[` or `[^` is a literal.
    while (t >= s.length || s[t] !== ']' || first) {
      first = false;
      if (s.length - t > 2 && s[t] === '[' && s[t + 1] === ':') {
        const named = this.parseNamedClass(t);
        if (named) {
          parts.push(...named.ranges);
          t = named.next;
          continue;
        }
      }
      const unicode = this.parseUnicodeClass(t);
      if (unicode) {
        parts.push(...unicode.ranges);
        t = unicode.next;
        continue;
      }
      const perl = this.parsePerlClass(t);
      if (perl) {
        parts.push(...perl.ranges);
        t = perl.next;
        continue;
      }
      const rangeStart = t;
      const lo = this.parseClassChar(t, start);
      t = lo.next;
      let hi = lo.cp;
      // `[a-]` is `a` or `-`.
      if (s.length - t >= 2 && s[t] === '-' && s[t + 1] !== ']') {
        const end = this.parseClassChar(t + 1, start);
        t = end.next;
        hi = end.cp;
        if (hi < lo.cp) throw new RegexSyntaxError('invalid character class range', s.slice(rangeStart, t));
      }
      if (fold) parts.push(...foldRanges([lo.cp, hi]));
      else parts.push(lo.cp, hi);
    }
    const ranges = cleanRanges(parts);
    this.push({ op: 'class', ranges: negated ? negateRanges(ranges) : ranges });
    return t + 1;
  }
}

/** Parses an RE2 pattern with Prometheus's flags; throws RegexSyntaxError as Go would. */
export function parseRE2(pattern: string): RegexNode {
  return new Parser(pattern).parse();
}
