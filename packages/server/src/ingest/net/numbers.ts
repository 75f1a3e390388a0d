/**
 * Number parsing shared by the text protocols' parsers, without allocation
 * on the common path.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * `[-+]digits[.digits]` in `s[a, b)` with at most 15 significant digits:
 * the digits form an exact integer m and the result m / 10^k is one
 * correctly rounded division (Clinger's fast path), so it equals what
 * `Number()` returns. NaN when the text does not qualify (exponents, more
 * digits, anything else): the caller then falls back to `Number(slice)`.
 */
export function fastDecimal(s: string, a: number, b: number): number {
  let i = a;
  let neg = false;
  const c0 = s.charCodeAt(i);
  if (c0 === 45) {
    neg = true;
    i++;
  } else if (c0 === 43) i++;
  if (i === b) return NaN;
  let m = 0;
  let digits = 0;
  let frac = -1;
  let any = false;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      any = true;
      if (m !== 0 || c !== 48) digits++;
      m = m * 10 + (c - 48);
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return NaN;
  }
  if (!any || digits > 15 || frac > 22) return NaN;
  const v = frac > 0 ? m / POW10[frac] : m;
  return neg ? -v : v;
}
