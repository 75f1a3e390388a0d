import { describe, expect, it } from 'vitest';
import { RegexSyntaxError, analyzeRE2, compileRE2, type RegexShape } from './re2.js';

interface MatchCase {
  pattern: string;
  match: string[];
  noMatch: string[];
  /** Why the case is here, when it pins down an RE2/JavaScript difference. */
  why?: string;
}

const KELVIN = '\u212a';
const LONG_S = '\u017f';

const matchCases: MatchCase[] = [
  // Literals, alternation, anchoring.
  { pattern: '', match: [''], noMatch: ['a'] },
  { pattern: 'abc', match: ['abc'], noMatch: ['ab', 'abcd', 'xabc', 'ABC'], why: 'fully anchored' },
  { pattern: 'a|b|c', match: ['a', 'b', 'c'], noMatch: ['ab', ''] },
  { pattern: 'a|', match: ['a', ''], noMatch: ['b'] },
  { pattern: 'ab|cd', match: ['ab', 'cd'], noMatch: ['abd', 'acd'], why: 'alternation binds loosest' },
  { pattern: '😀+', match: ['😀', '😀😀'], noMatch: [''], why: 'a quantifier repeats a whole code point' },
  { pattern: 'a/b', match: ['a/b'], noMatch: ['ab'] },
  // Dot and newlines.
  { pattern: '.', match: ['a', '\n', 'é', '😀'], noMatch: ['', 'ab'], why: 'Prometheus wraps in (?s:)' },
  { pattern: '.*', match: ['', 'foo\nbar'], noMatch: [] },
  { pattern: '(?-s).', match: ['a'], noMatch: ['\n'] },
  { pattern: '(?-s:.).', match: ['a\n', 'ab'], noMatch: ['\na'] },
  { pattern: '(?s-s).', match: ['x'], noMatch: ['\n'] },
  // Anchors.
  { pattern: 'a$', match: ['a'], noMatch: ['a\n'], why: '$ is \\z, not Perl/PCRE end-or-before-final-newline' },
  { pattern: 'a$\\nb', match: [], noMatch: ['a\nb'] },
  { pattern: '(?m)a$\\nb', match: ['a\nb'], noMatch: ['ab'] },
  { pattern: 'a\\n^b', match: [], noMatch: ['a\nb'] },
  { pattern: '(?m)a\\n^b', match: ['a\nb'], noMatch: [] },
  { pattern: '(?m)^a$', match: ['a'], noMatch: ['a\n'], why: 'the outer anchors still apply' },
  { pattern: '\\Aabc\\z', match: ['abc'], noMatch: ['abc\n'] },
  { pattern: '^*a', match: ['a'], noMatch: [''], why: 'RE2 lets an assertion be repeated' },
  // Perl classes are ASCII-only.
  { pattern: '\\d', match: ['0', '9'], noMatch: ['\u0663', '\u0660', '\uff11', 'a'], why: 'no Arabic-Indic or fullwidth digits' },
  { pattern: '\\D', match: ['\u0663', 'a', '\n'], noMatch: ['5'] },
  { pattern: '\\s', match: [' ', '\t', '\n', '\f', '\r'], noMatch: ['\v', '\u00a0', '\u2003', '\ufeff'], why: 'RE2 \\s has no \\v' },
  { pattern: '\\S', match: ['\v', 'a'], noMatch: [' '] },
  { pattern: '\\w+', match: ['az_09AZ'], noMatch: ['é', KELVIN, 'a-b'] },
  { pattern: '\\W', match: ['é', '-', KELVIN], noMatch: ['a', '_'] },
  { pattern: '(?i)\\w', match: ['a', KELVIN, LONG_S], noMatch: ['é'], why: 'Go folds the class under (?i)' },
  { pattern: '(?i)\\W', match: ['-'], noMatch: [KELVIN, LONG_S, 'k'], why: 'negation comes after folding' },
  { pattern: '[\\d\\s]+', match: ['1 2'], noMatch: ['1a'] },
  { pattern: '[^\\d]', match: ['a'], noMatch: ['1'] },
  // Word boundaries are ASCII.
  { pattern: 'a\\b', match: ['a'], noMatch: [] },
  { pattern: '\\bfoo\\b', match: ['foo'], noMatch: [] },
  { pattern: 'a\\bb', match: [], noMatch: ['ab'] },
  { pattern: 'a\\Bb', match: ['ab'], noMatch: [] },
  { pattern: 'a\\b-', match: ['a-'], noMatch: [] },
  { pattern: 'é\\b', match: [], noMatch: ['é'], why: 'é is not a word character for RE2' },
  { pattern: '(?i)\\bK', match: ['k', 'K'], noMatch: [KELVIN], why: '\\b stays ASCII under (?i), unlike JavaScript /iu' },
  // Unicode classes.
  { pattern: '\\pL+', match: ['héllo', 'Ωμέγα', '漢字'], noMatch: ['a1', ''] },
  { pattern: '\\p{L}', match: ['a'], noMatch: ['1'] },
  { pattern: '\\PL', match: ['1', '\n'], noMatch: ['a'] },
  { pattern: '\\p{Greek}+', match: ['αβγ'], noMatch: ['abc'] },
  { pattern: '\\p{^Greek}', match: ['a'], noMatch: ['α'] },
  { pattern: '\\P{^Greek}', match: ['α'], noMatch: ['a'] },
  { pattern: '[\\p{Greek}\\d]+', match: ['α1β2'], noMatch: ['a'] },
  { pattern: '[^\\p{Greek}]', match: ['a'], noMatch: ['α'] },
  { pattern: '\\pN', match: ['\u0663', '5', '½'], noMatch: ['a'] },
  { pattern: '\\p{Nd}', match: ['\u0663'], noMatch: ['½'] },
  { pattern: '\\p{Lu}', match: ['A', 'Ω'], noMatch: ['a', 'ω'] },
  { pattern: '(?i)\\p{Lu}', match: ['A', 'a', 'ω'], noMatch: ['1'], why: 'Go adds the fold-equivalents of the category' },
  { pattern: '(?i)\\P{Lu}', match: ['1'], noMatch: ['a', 'A'] },
  { pattern: '\\p{Han}', match: ['漢'], noMatch: ['a'] },
  { pattern: '\\p{Old_Italic}', match: ['\u{10300}'], noMatch: ['a'] },
  { pattern: '\\p{Any}', match: ['\n', '😀'], noMatch: [''] },
  { pattern: '\\p{ASCII}', match: ['\x7f'], noMatch: ['\x80'] },
  { pattern: '(?i)\\p{ASCII}', match: [KELVIN, LONG_S], noMatch: ['é'] },
  { pattern: '\\p{Assigned}', match: ['a'], noMatch: ['\u{e0fff}'] },
  { pattern: '\\p{Letter}\\p{lu}\\p{uppercase letter}', match: ['aBC'], noMatch: ['abc'], why: 'Go 1.25 name matching' },
  { pattern: '\\p{Cs}', match: ['\ud800'], noMatch: ['a'] },
  // Escapes.
  { pattern: '\\x41\\x{1F600}\\x{61}', match: ['A😀a'], noMatch: [] },
  { pattern: '\\101\\0\\12\\08', match: ['A\0\n\x008'], noMatch: [], why: 'octal escapes, \\12 is a newline' },
  { pattern: '\\a\\f\\t\\v\\r\\n', match: ['\x07\f\t\v\r\n'], noMatch: [] },
  { pattern: '\\^\\$\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\\\\\/\\_\\-\\<\\~', match: ['^$.*+?()[]{}|\\/_-<~'], noMatch: [] },
  { pattern: '\\Qa.b*c\\E', match: ['a.b*c'], noMatch: ['axbbc'] },
  { pattern: '\\Qa.b', match: ['a.b'], noMatch: ['axb'], why: '\\Q without \\E runs to the end' },
  { pattern: '\\Qab\\E*', match: ['a', 'abbb'], noMatch: ['abab'], why: 'the operator applies to the last literal' },
  { pattern: '\\Q(?i)\\E', match: ['(?i)'], noMatch: [] },
  { pattern: '(?i)\\Qab\\E', match: ['AB'], noMatch: [] },
  // Bracket classes.
  { pattern: '[[:alpha:]]+', match: ['abcXYZ'], noMatch: ['é', '1'] },
  { pattern: '[[:^alpha:]]', match: ['1', 'é', '\n'], noMatch: ['a'] },
  { pattern: '[[:digit:][:upper:]_]+', match: ['A1_'], noMatch: ['a'] },
  { pattern: '[[:space:]]', match: ['\v', ' '], noMatch: ['\u00a0'] },
  { pattern: '[[:word:]]', match: ['_'], noMatch: ['-'] },
  { pattern: '[[:punct:]]', match: ['!', '`', '~'], noMatch: ['a', ' '] },
  { pattern: '[:alpha:]', match: [':', 'a'], noMatch: ['b'], why: 'POSIX names only inside brackets' },
  { pattern: '[^a]', match: ['\n', 'b', '😀', '\ud800'], noMatch: ['a', ''] },
  { pattern: '[]a]', match: [']', 'a'], noMatch: ['b'] },
  { pattern: '[^]a]', match: ['b'], noMatch: [']', 'a'] },
  { pattern: '[a-]', match: ['-', 'a'], noMatch: ['b'] },
  { pattern: '[-a]', match: ['-', 'a'], noMatch: ['b'] },
  { pattern: '[a-c-e]', match: ['b', '-', 'e'], noMatch: ['d'] },
  { pattern: '[a\\-z]', match: ['-', 'z'], noMatch: ['b'] },
  { pattern: '[[a]]', match: ['[]', 'a]'], noMatch: ['a', '['], why: 'no nested sets: [[a] then ]' },
  { pattern: '[\\[\\]]', match: ['[', ']'], noMatch: [] },
  { pattern: '[\\x{1F600}-\\x{1F64F}]', match: ['😃'], noMatch: ['a'] },
  { pattern: '[\\n]', match: ['\n'], noMatch: ['n'] },
  { pattern: '[.]', match: ['.'], noMatch: ['a'] },
  { pattern: 'a[^\\x00-\\x{10FFFF}]?', match: ['a'], noMatch: ['ab'], why: 'an empty class matches nothing' },
  { pattern: '[$^]+', match: ['^$'], noMatch: [] },
  // Case folding.
  { pattern: '(?i)k', match: ['k', 'K', KELVIN], noMatch: ['j'], why: 'Kelvin sign per simple folding' },
  { pattern: '(?i)s', match: ['s', 'S', LONG_S], noMatch: [] },
  { pattern: '(?i)straße', match: ['STRAẞE', 'Straße'], noMatch: ['STRASSE'], why: 'simple, not full, folding' },
  { pattern: '(?i)σ', match: ['Σ', 'ς'], noMatch: [] },
  { pattern: '(?i)ǅ', match: ['Ǆ', 'ǆ'], noMatch: [] },
  { pattern: '(?i)ı', match: ['ı'], noMatch: ['I', 'i'], why: 'dotless i has no simple folding' },
  { pattern: '(?i)[a-z]+', match: ['ABC', KELVIN, LONG_S], noMatch: ['é'] },
  { pattern: '(?i)[^k]', match: ['j'], noMatch: ['k', 'K', KELVIN] },
  { pattern: '(?i)\\x{212A}', match: ['k', 'K'], noMatch: [] },
  { pattern: '(?i:A)b', match: ['ab', 'Ab'], noMatch: ['aB'] },
  { pattern: '(?i)a(?-i)b', match: ['Ab'], noMatch: ['AB'] },
  { pattern: '(?i)a(?-i:b)c', match: ['AbC'], noMatch: ['ABC'] },
  { pattern: 'a(?i)b|c', match: ['aB', 'C'], noMatch: ['AB'], why: 'flags carry across |' },
  { pattern: '(a(?i)b)c', match: ['aBc'], noMatch: ['aBC'], why: 'flags end with the group' },
  { pattern: '(?i)1_-', match: ['1_-'], noMatch: [] },
  // Repetition.
  { pattern: 'a{2}', match: ['aa'], noMatch: ['a', 'aaa'] },
  { pattern: 'a{2,}', match: ['aa', 'aaaa'], noMatch: ['a'] },
  { pattern: 'a{1,2}?', match: ['a', 'aa'], noMatch: ['aaa'] },
  { pattern: 'x{0}', match: [''], noMatch: ['x'] },
  { pattern: 'a{,2}', match: ['a{,2}'], noMatch: ['aa'], why: 'not a repeat, so literal' },
  { pattern: 'a{01}', match: ['a{01}'], noMatch: ['a'], why: 'leading zero: literal' },
  { pattern: 'a{', match: ['a{'], noMatch: [] },
  { pattern: '{', match: ['{'], noMatch: [] },
  { pattern: 'a{1000}', match: ['a'.repeat(1000)], noMatch: ['a'.repeat(999)] },
  { pattern: '(?:x{10}){100}', match: ['x'.repeat(1000)], noMatch: [] },
  { pattern: 'a*?b+?c??', match: ['b', 'aabbc'], noMatch: ['ac'] },
  { pattern: '(?U)a+b*', match: ['aaabb'], noMatch: [''], why: 'ungreedy does not change what matches' },
  { pattern: '(?U)a+?', match: ['aaa'], noMatch: [] },
  { pattern: 'a*\\Q\\E*', match: ['aaa'], noMatch: [], why: 'an empty \\Q\\E separates the operators' },
  { pattern: '(a*)*', match: ['', 'aaa'], noMatch: ['b'] },
  { pattern: '(a|b)*c', match: ['c', 'abbac'], noMatch: ['ab'] },
  // Groups.
  { pattern: '(?P<name>ab)+', match: ['abab'], noMatch: ['aba'] },
  { pattern: '(?<n>x)(?<n>y)', match: ['xy'], noMatch: [], why: 'duplicate names are allowed' },
  { pattern: '(?:a|b)c', match: ['ac'], noMatch: ['a'] },
  { pattern: '(?)a', match: ['a'], noMatch: [] },
  { pattern: '()', match: [''], noMatch: ['a'] },
];

describe('compileRE2', () => {
  for (const c of matchCases) {
    it(`${JSON.stringify(c.pattern)}${c.why ? ` (${c.why})` : ''}`, () => {
      const re = compileRE2(c.pattern);
      for (const s of c.match) expect(re.test(s), `should match ${JSON.stringify(s)}`).toBe(true);
      for (const s of c.noMatch) expect(re.test(s), `should not match ${JSON.stringify(s)}`).toBe(false);
    });
  }

  it('emits a u-flag RegExp without lookup state', () => {
    const re = compileRE2('a|b');
    expect(re.flags).toBe('u');
    expect(re.test('a')).toBe(true);
    expect(re.test('a')).toBe(true);
  });

  it('accepts strings with lone surrogates as input', () => {
    expect(compileRE2('.').test('\udc00')).toBe(true);
    expect(compileRE2('a.b').test('a\ud83db')).toBe(true);
    expect(compileRE2('..').test('😀')).toBe(false);
  });

  it('handles patterns JavaScript would read differently', () => {
    // In JavaScript these mean: backspace class, named backreference, control escape.
    for (const p of ['[\\b]', '\\k<a>', '\\cA', '\\u0041']) expect(() => compileRE2(p)).toThrow(RegexSyntaxError);
    // `$` and `^` in the middle are assertions, not literals.
    expect(compileRE2('a$b').test('a$b')).toBe(false);
  });
});

const errorCases: Array<[pattern: string, message: string]> = [
  ['\\o', 'invalid escape sequence: `\\o`'],
  ['\\1', 'invalid escape sequence: `\\1`'],
  ['\\8', 'invalid escape sequence: `\\8`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\u0041', 'invalid escape sequence: `\\u`'],
  ['\\é', 'invalid escape sequence: `\\é`'],
  ['\\x', 'invalid escape sequence: `\\x`'],
  ['\\xZ1', 'invalid escape sequence: `\\xZ1`'],
  ['\\xA', 'invalid escape sequence: `\\xA`'],
  ['\\x{}', 'invalid escape sequence: `\\x{}`'],
  ['\\x{12', 'invalid escape sequence: `\\x{12`'],
  ['\\x{110000}', 'invalid escape sequence: `\\x{110000`'],
  ['[\\b]', 'invalid escape sequence: `\\b`'],
  ['[\\Q]', 'invalid escape sequence: `\\Q`'],
  ['\\', 'trailing backslash at end of expression: ``'],
  ['a\\', 'trailing backslash at end of expression: ``'],
  ['(a', 'missing closing ): `(a`'],
  ['((a)', 'missing closing ): `((a)`'],
  ['(?P<n>a', 'missing closing ): `(?P<n>a`'],
  ['a)', 'unexpected ): `a)`'],
  [')', 'unexpected ): `)`'],
  ['(a))b', 'unexpected ): `(a))b`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['a?+', 'invalid nested repetition operator: `?+`'],
  ['a*?*', 'invalid nested repetition operator: `*?*`'],
  ['x{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['x{2}*', 'invalid nested repetition operator: `{2}*`'],
  ['*', 'missing argument to repetition operator: `*`'],
  ['??', 'missing argument to repetition operator: `??`'],
  ['(*)', 'missing argument to repetition operator: `*`'],
  ['a|*', 'missing argument to repetition operator: `*`'],
  ['{2}', 'missing argument to repetition operator: `{2}`'],
  ['(?i)+', 'missing argument to repetition operator: `+`'],
  ['x{1001}', 'invalid repeat count: `{1001}`'],
  ['x{2,1}', 'invalid repeat count: `{2,1}`'],
  ['x{1,1001}', 'invalid repeat count: `{1,1001}`'],
  ['x{99999999999}', 'invalid repeat count: `{99999999999}`'],
  ['(x{500}){3}', 'invalid repeat count: `{3}`'],
  ['(?:x{10}){101}', 'invalid repeat count: `{101}`'],
  ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
  ['(?#c)', 'invalid or unsupported Perl syntax: `(?#`'],
  ['(?P=n)', 'invalid or unsupported Perl syntax: `(?P`'],
  ['(?z)', 'invalid or unsupported Perl syntax: `(?z`'],
  ['(?i-)', 'invalid or unsupported Perl syntax: `(?i-)`'],
  ['(?-)', 'invalid or unsupported Perl syntax: `(?-)`'],
  ['(?--i)', 'invalid or unsupported Perl syntax: `(?--`'],
  ['(?i', 'invalid or unsupported Perl syntax: `(?i`'],
  ['(?<=a)', 'invalid named capture: `(?<=a)`'],
  ['(?<!a)', 'invalid named capture: `(?<!a)`'],
  ['(?P<>a)', 'invalid named capture: `(?P<>`'],
  ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
  ['(?P<name', 'invalid named capture: `(?P<name`'],
  ['[a', 'missing closing ]: `[a`'],
  ['x[a', 'missing closing ]: `[a`'],
  ['[]', 'missing closing ]: `[]`'],
  ['[^]', 'missing closing ]: `[^]`'],
  ['[a-', 'missing closing ]: `[a-`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
  ['\\pX', 'invalid character class range: `\\pX`'],
  ['\\p', 'invalid character class range: `\\p`'],
  ['\\p{Greek', 'invalid character class range: `\\p{Greek`'],
  ['\\p{Grek}', 'invalid character class range: `\\p{Grek}`'],
  ['\\p{Script=Greek}', 'invalid character class range: `\\p{Script=Greek}`'],
  ['a\ud800b', 'invalid UTF-8: `\ud800b`'],
  ['\\Q\udc00', 'invalid UTF-8: `\udc00`'],
];

describe('compileRE2 errors', () => {
  for (const [pattern, message] of errorCases) {
    it(`${JSON.stringify(pattern)} → ${message}`, () => {
      let caught: unknown;
      try {
        compileRE2(pattern);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(RegexSyntaxError);
      expect((caught as Error).message).toBe(`error parsing regexp: ${message}`);
    });
  }

  it('limits nesting depth like Go', () => {
    const deep = '('.repeat(1000) + ')'.repeat(1000);
    expect(() => compileRE2(deep)).toThrow(`error parsing regexp: expression nests too deeply: \`${deep}\``);
    expect(() => compileRE2('('.repeat(500) + 'a' + ')'.repeat(500))).not.toThrow();
  });

  it('limits program size like Go', () => {
    const big = `(?:${'a'.repeat(4000)}){1000}`;
    expect(() => compileRE2(big)).toThrow(`error parsing regexp: expression too large: \`${big}\``);
  });

  it('exposes the code and offending text', () => {
    try {
      compileRE2('a**');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid nested repetition operator', expr: '**' });
    }
  });
});

const shapeCases: Array<[pattern: string, shape: RegexShape]> = [
  ['foo', { setMatches: ['foo'], prefix: 'foo' }],
  ['a|b|c', { setMatches: ['a', 'b', 'c'] }],
  ['(foo|bar)', { setMatches: ['foo', 'bar'] }],
  ['foo|foobar', { setMatches: ['foo', 'foobar'], prefix: 'foo' }],
  ['api_(a|b)', { setMatches: ['api_a', 'api_b'], prefix: 'api_' }],
  ['', { setMatches: [''] }],
  ['a?', { setMatches: ['', 'a'] }],
  ['a|a', { setMatches: ['a'], prefix: 'a' }],
  ['[ab]c', { setMatches: ['ac', 'bc'] }],
  ['^foo$', { setMatches: ['foo'], prefix: 'foo' }],
  ['(?m)^foo$', { setMatches: ['foo'], prefix: 'foo' }],
  ['\\Qa.b\\E', { setMatches: ['a.b'], prefix: 'a.b' }],
  ['(?i)ab', { setMatches: ['AB', 'Ab', 'aB', 'ab'] }],
  ['(?i)k', { setMatches: ['K', 'k', KELVIN] }],
  ['(?i)1', { setMatches: ['1'], prefix: '1' }],
  ['foo.*', { prefix: 'foo', rest: 'any' }],
  ['foo.+', { prefix: 'foo', rest: 'nonEmpty' }],
  ['^foo.*$', { prefix: 'foo', rest: 'any' }],
  ['(foo.*)', { prefix: 'foo', rest: 'any' }],
  ['foo(.*?)', { prefix: 'foo', rest: 'any' }],
  ['.*', { rest: 'any' }],
  ['.+', { rest: 'nonEmpty' }],
  ['(?s:.*)', { rest: 'any' }],
  ['(?-s).*', {}],
  ['foo\\b.*', { prefix: 'foo' }],
  ['api_(a|b).*', { prefix: 'api_' }],
  ['(abc|abd).*', { prefix: 'ab' }],
  ['a+', { prefix: 'a' }],
  ['(ab){2,}c', { prefix: 'abab' }],
  ['.*foo', {}],
  ['[^a]', {}],
  ['(a|b){9}', {}],
  ['a\\bb', { prefix: 'ab' }],
  ['(?i)foo.*', {}],
  ['😀x|😁y', { setMatches: ['😀x', '😁y'] }],
];

describe('analyzeRE2', () => {
  for (const [pattern, shape] of shapeCases) {
    it(`${JSON.stringify(pattern)} → ${JSON.stringify(shape)}`, () => {
      expect(analyzeRE2(pattern)).toEqual(shape);
    });
  }

  it('gives up on sets past 256 strings', () => {
    const values = Array.from({ length: 257 }, (_, i) => `v${i}`);
    expect(analyzeRE2(values.join('|')).setMatches).toBeUndefined();
    expect(analyzeRE2(values.slice(0, 256).join('|')).setMatches).toHaveLength(256);
  });

  it('agrees with the compiled RegExp', () => {
    const samples = ['', 'a', 'ab', 'foo', 'foobar', 'FOO', 'api_a', 'api_c', 'a.b', 'k', KELVIN, 'foo\nbar'];
    for (const [pattern, shape] of shapeCases) {
      const re = compileRE2(pattern);
      for (const s of samples) {
        if (shape.setMatches) expect(shape.setMatches.includes(s), `${pattern} / ${s}`).toBe(re.test(s));
        if (shape.prefix && re.test(s)) expect(s.startsWith(shape.prefix)).toBe(true);
      }
    }
  });

  it('rejects invalid patterns like compileRE2', () => {
    expect(() => analyzeRE2('(a')).toThrow('error parsing regexp: missing closing ): `(a`');
  });
});
