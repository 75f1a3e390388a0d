/**
 * Number syntax of the exposition formats, parsed straight from the body
 * string without slicing it (the common case allocates nothing), and Go's
 * float rendering, which OpenMetrics and Prometheus use for canonical `le`
 * and `quantile` label values.
 */

// Powers of ten that are exact doubles: the fast path below needs both
// operands exact so that one IEEE operation rounds the result once.
const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
// Accumulating one more digit stays an exact integer below 2^53.
const MANTISSA_LIMIT = Math.floor(Number.MAX_SAFE_INTEGER / 10);

const C_PLUS = 43;
const C_MINUS = 45;
const C_DOT = 46;
const C_0 = 48;
const C_9 = 57;

/**
 * Parses `s[start, end)` as a float with the syntax both formats share: an
 * optional sign, decimal digits with an optional fraction and exponent
 * (`1`, `-1.5`, `.5`, `5.`, `1e-3`), or case-insensitively `NaN`, `Inf`,
 * `Infinity` (the last two signed or not). Returns undefined when the token
 * is not a number.
 *
 * Exact: with at most 15 significant digits and a decimal exponent within
 * ±22 the result comes from one correctly rounded multiplication or division
 * of exact operands; other inputs go through `Number()`.
 */
export function parseFloatToken(s: string, start: number, end: number): number | undefined {
  let i = start;
  let neg = false;
  let c = s.charCodeAt(i);
  if (c === C_PLUS || c === C_MINUS) {
    neg = c === C_MINUS;
    c = s.charCodeAt(++i);
  }
  if (i >= end) return undefined;
  if (c > C_9) return parseSpecial(s, start, i, end, neg);

  let mantissa = 0;
  let exp10 = 0;
  let digits = 0;
  let exact = true;
  while (i < end && c >= C_0 && c <= C_9) {
    if (mantissa < MANTISSA_LIMIT) mantissa = mantissa * 10 + (c - C_0);
    else {
      exact = false;
      exp10++;
    }
    digits++;
    c = s.charCodeAt(++i);
  }
  if (i < end && c === C_DOT) {
    c = s.charCodeAt(++i);
    while (i < end && c >= C_0 && c <= C_9) {
      if (mantissa < MANTISSA_LIMIT) {
        mantissa = mantissa * 10 + (c - C_0);
        exp10--;
      } else exact = false;
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) return undefined;
  if (i < end && (c | 0x20) === 0x65 /* e or E */) {
    c = s.charCodeAt(++i);
    let expNeg = false;
    if (c === C_PLUS || c === C_MINUS) {
      expNeg = c === C_MINUS;
      c = s.charCodeAt(++i);
    }
    let e = 0;
    let expDigits = 0;
    while (i < end && c >= C_0 && c <= C_9) {
      if (e < 100000) e = e * 10 + (c - C_0);
      expDigits++;
      c = s.charCodeAt(++i);
    }
    if (expDigits === 0) return undefined;
    exp10 += expNeg ? -e : e;
  }
  if (i !== end) return undefined;

  if (exact) {
    let v: number;
    if (mantissa === 0) v = 0;
    else if (exp10 === 0) v = mantissa;
    else if (exp10 > 0 && exp10 <= 22) v = mantissa * POW10[exp10];
    else if (exp10 < 0 && exp10 >= -22) v = mantissa / POW10[-exp10];
    else return Number(s.slice(start, end));
    return neg ? -v : v;
  }
  return Number(s.slice(start, end));
}

function parseSpecial(s: string, start: number, i: number, end: number, neg: boolean): number | undefined {
  const n = end - i;
  if (n === 3) {
    const a = s.charCodeAt(i) | 0x20;
    const b = s.charCodeAt(i + 1) | 0x20;
    const d = s.charCodeAt(i + 2) | 0x20;
    // NaN takes no sign, as in Go's strconv and the OpenMetrics ABNF.
    if (a === 0x6e && b === 0x61 && d === 0x6e) return i === start ? NaN : undefined;
    if (a === 0x69 && b === 0x6e && d === 0x66) return neg ? -Infinity : Infinity;
    return undefined;
  }
  if (n === 8 && s.slice(i, end).toLowerCase() === 'infinity') return neg ? -Infinity : Infinity;
  return undefined;
}

/**
 * Parses `s[start, end)` as a decimal integer with an optional sign (the
 * text format's millisecond timestamps). Returns undefined otherwise.
 */
export function parseIntToken(s: string, start: number, end: number): number | undefined {
  let i = start;
  let c = s.charCodeAt(i);
  let neg = false;
  if (c === C_PLUS || c === C_MINUS) {
    neg = c === C_MINUS;
    i++;
  }
  if (i >= end) return undefined;
  let v = 0;
  for (; i < end; i++) {
    c = s.charCodeAt(i);
    if (c < C_0 || c > C_9) return undefined;
    v = v * 10 + (c - C_0);
  }
  // Beyond 2^53 the digit-by-digit sum may be off by a rounding; Number() rounds once.
  if (v > Number.MAX_SAFE_INTEGER) v = Math.abs(Number(s.slice(start, end)));
  return neg ? -v : v;
}

/**
 * Renders a float as Go's `strconv.FormatFloat(f, 'g', -1, 64)` does, with
 * `.0` appended when the result has neither a point nor an exponent, and
 * `+Inf`/`-Inf`/`NaN`: the canonical form of `le` and `quantile` values
 * (OpenMetrics "Canonical Numbers"; Prometheus normalizes to it).
 */
export function formatCanonicalFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() gives the shortest digits that round-trip, as Go's 'g' with precision -1 does.
  const e = x.toExponential();
  const ePos = e.indexOf('e');
  const neg = e.charCodeAt(0) === C_MINUS;
  const mantissa = e.slice(neg ? 1 : 0, ePos);
  const exp = Number(e.slice(ePos + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  const sign = neg ? '-' : '';
  // Go's shortest 'g' uses the exponent form below 1e-4 and from 1e+06 on, whatever the digit count.
  if (exp < -4 || exp >= 6) {
    const absExp = Math.abs(exp);
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  let out: string;
  if (exp < 0) out = '0.' + '0'.repeat(-exp - 1) + digits;
  else if (digits.length <= exp + 1) out = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
  else out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return sign + out;
}
