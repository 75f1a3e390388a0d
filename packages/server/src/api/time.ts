/**
 * Time parameters as Prometheus's API parses them: Unix seconds with an
 * optional fraction (rounded to the millisecond), or RFC 3339 with optional
 * fractional seconds. Prometheus's clients send its min/max time sentinels
 * (years beyond 9999) for "unbounded"; they parse to `MIN_TIME`/`MAX_TIME`.
 * Results are integer milliseconds.
 */

/** Prometheus's `MinTime` (`time.Unix(math.MinInt64/1000+62135596801, 0)`) in ms. */
export const MIN_TIME = -9223309901257974 * 1000;
/** Prometheus's `MaxTime` (`time.Unix(math.MaxInt64/1000-62135596801, 999999999)`) in ms. */
export const MAX_TIME = 9223309901257974 * 1000 + 999;

export const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
export const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

const FLOAT_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Parses a time; throws `cannot parse "<s>" to a valid timestamp`. */
export function parseTime(s: string): number {
  if (FLOAT_RE.test(s)) {
    const f = Number(s);
    if (Number.isFinite(f)) {
      const sec = Math.trunc(f);
      const frac = Math.round((f - sec) * 1000) / 1000;
      const ms = sec * 1000 + Math.round(frac * 1000);
      if (ms >= MIN_TIME && ms <= MAX_TIME) return ms;
    }
  }
  const ms = parseRFC3339(s);
  if (ms !== undefined) return ms;
  if (s === MIN_TIME_FORMATTED) return MIN_TIME;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME;
  throw new Error(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

function parseRFC3339(s: string): number | undefined {
  const m = RFC3339_RE.exec(s);
  if (m === null) return undefined;
  const [year, month, day, hour, min, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || min > 59 || sec > 59) return undefined;
  let ms = Date.UTC(year, month - 1, day, hour, min, sec);
  // Date.UTC maps years 0..99 to 1900..1999.
  if (year < 100) ms = new Date(ms).setUTCFullYear(year);
  if (m[7] !== undefined) ms += Number((m[7] + '00').slice(0, 3));
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    const offset = (oh * 60 + om) * 60_000;
    ms += m[9] === '+' ? -offset : offset;
  }
  return ms;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Renders ms as Prometheus renders times in API responses: Unix seconds as a number. */
export function toUnixSeconds(ms: number): number {
  return ms / 1000;
}
