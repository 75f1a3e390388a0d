import { describe, expect, it } from 'vitest';
import { formatCanonicalFloat, parseFloatToken, parseIntToken } from './numbers.js';

const pf = (s: string) => parseFloatToken(s, 0, s.length);

describe('parseFloatToken', () => {
  it('reads the syntax both formats share', () => {
    expect(pf('1')).toBe(1);
    expect(pf('-1.5')).toBe(-1.5);
    expect(pf('+2')).toBe(2);
    expect(pf('.5')).toBe(0.5);
    expect(pf('5.')).toBe(5);
    expect(pf('1e3')).toBe(1000);
    expect(pf('1E-3')).toBe(0.001);
    expect(pf('1.458255915e9')).toBe(1458255915);
    expect(pf('0042')).toBe(42);
    expect(Object.is(pf('-0'), -0)).toBe(true);
    expect(pf('1e400')).toBe(Infinity);
    expect(pf('1e-400')).toBe(0);
  });

  it('reads NaN and infinities case-insensitively, NaN unsigned', () => {
    for (const s of ['NaN', 'nan', 'NAN']) expect(pf(s)).toBeNaN();
    for (const s of ['+Inf', 'Inf', 'inf', '+infinity', 'Infinity']) expect(pf(s)).toBe(Infinity);
    for (const s of ['-Inf', '-inf', '-Infinity']) expect(pf(s)).toBe(-Infinity);
    expect(pf('+NaN')).toBeUndefined();
    expect(pf('-nan')).toBeUndefined();
  });

  it('rejects what is not a number', () => {
    for (const s of ['', '+', '-', '.', 'e5', '1e', '1e+', '1.2.3', '0x10', '1_000', ' 1', '1 ', 'abc', 'Infx', 'in', '--1', '1e5.0', 'infinit']) {
      expect(pf(s), s).toBeUndefined();
    }
  });

  it('matches Number() exactly on random decimals (fast path and fallback)', () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 20000; i++) {
      const intDigits = Math.floor(rnd() * 20);
      const fracDigits = Math.floor(rnd() * 20);
      let s = rnd() < 0.3 ? '-' : '';
      for (let k = 0; k < intDigits; k++) s += Math.floor(rnd() * 10);
      if (fracDigits > 0 || intDigits === 0) {
        s += '.';
        for (let k = 0; k < Math.max(1, fracDigits); k++) s += Math.floor(rnd() * 10);
      }
      if (rnd() < 0.4) s += 'e' + (rnd() < 0.5 ? '-' : '+') + Math.floor(rnd() * 40);
      expect(pf(s), s).toBe(Number(s));
    }
  });

  it('parses inside a larger string without slicing', () => {
    const s = 'foo 12.5 99';
    expect(parseFloatToken(s, 4, 8)).toBe(12.5);
  });
});

describe('parseIntToken', () => {
  it('reads signed integers only', () => {
    const pi = (s: string) => parseIntToken(s, 0, s.length);
    expect(pi('1395066363000')).toBe(1395066363000);
    expect(pi('-3982045')).toBe(-3982045);
    expect(pi('+5')).toBe(5);
    expect(pi('12345678901234567890')).toBe(12345678901234567890);
    for (const s of ['', '-', '1.5', '1e3', 'x', '12a']) expect(pi(s), s).toBeUndefined();
  });
});

describe('formatCanonicalFloat', () => {
  it('renders the OpenMetrics canonical examples as Go does', () => {
    const cases: Array<[number, string]> = [
      [0, '0.0'],
      [0.001, '0.001'],
      [0.002, '0.002'],
      [0.01, '0.01'],
      [0.1, '0.1'],
      [0.9, '0.9'],
      [0.95, '0.95'],
      [0.99, '0.99'],
      [0.999, '0.999'],
      [1, '1.0'],
      [1.7, '1.7'],
      [10, '10.0'],
      [1e-10, '1e-10'],
      [1e-9, '1e-09'],
      [1e-5, '1e-05'],
      [0.0001, '0.0001'],
      [100000, '100000.0'],
      [1e6, '1e+06'],
      [1e10, '1e+10'],
      [1e23, '1e+23'],
      [1.1e23, '1.1e+23'],
      [1234567, '1.234567e+06'],
      [123456.7, '123456.7'],
      [0.00011, '0.00011'],
      [1.5e-5, '1.5e-05'],
      [-2.5, '-2.5'],
      [-1e6, '-1e+06'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [NaN, 'NaN'],
      [1e300, '1e+300'],
    ];
    for (const [x, want] of cases) expect(formatCanonicalFloat(x), String(x)).toBe(want);
  });
});
