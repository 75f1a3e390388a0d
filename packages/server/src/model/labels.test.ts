import { describe, expect, it } from 'vitest';
import { Labels, isWellFormed, validateLabels } from './labels.js';

describe('isWellFormed', () => {
  it('is false exactly for strings with a lone surrogate (which no UTF-8 decodes to)', () => {
    const cases: [string, boolean][] = [
      ['', true],
      ['job', true],
      ['héllo wörld', true],
      ['\u{1F600}', true],
      ['a\u{1F600}b', true],
      ['\ud83d', false],
      ['\ude00', false],
      ['a\ud83db', false],
      ['\ude00\ud83d', false],
      ['x\ud83d\ude00\ud83d', false],
    ];
    for (const [s, ok] of cases) expect([s, isWellFormed(s)]).toEqual([s, ok]);
  });

  it('agrees with a round trip through UTF-8 on random strings of surrogates and letters', () => {
    const alphabet = ['a', 'é', '\ud83d', '\ude00', '\u{1F600}'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let k = 0; k < 2000; k++) {
      let s = '';
      for (let i = 0, n = Math.floor(rnd() * 6); i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(isWellFormed(s)).toBe(Buffer.from(s, 'utf8').toString('utf8') === s);
    }
  });
});

describe('validateLabels', () => {
  it('names what is wrong', () => {
    expect(validateLabels(Labels.fromSortedPairs(['a', '1', 'b', '2']))).toBeUndefined();
    expect(validateLabels(Labels.fromSortedPairs(['', '1']))).toBe('empty label name');
    expect(validateLabels(Labels.fromSortedPairs(['a\ud800', '1']))).toMatch(/invalid label name .*not valid UTF-8/);
    expect(validateLabels(Labels.fromSortedPairs(['a', '\udfff']))).toMatch(/invalid value for label "a": not valid UTF-8/);
    expect(validateLabels(Labels.fromSortedPairs(['a', '1', 'a', '2']))).toBe('duplicate label name "a"');
    expect(validateLabels(Labels.fromSortedPairs(['b', '1', 'a', '2']))).toBe('labels not sorted');
  });
});
