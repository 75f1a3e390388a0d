/**
 * Prometheus duration strings (`1h30m`, `5m`, `10s53ms`, `0`): whole numbers
 * with units y w d h m s ms, largest unit first, each at most once.
 * Values are milliseconds.
 */

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600 * 1000],
  ['w', 7 * 24 * 3600 * 1000],
  ['d', 24 * 3600 * 1000],
  ['h', 3600 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Largest duration Prometheus accepts: int64 nanoseconds. */
const MAX_MS = 9223372036854;

export class DurationSyntaxError extends Error {}

/** Parses a duration into milliseconds; throws DurationSyntaxError with Prometheus's wording. */
export function parseDuration(s: string): number {
  if (s === '') throw new DurationSyntaxError('empty duration string');
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m || m.slice(1).every((g) => g === undefined)) {
    throw new DurationSyntaxError(`not a valid duration string: "${s}"`);
  }
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const g = m[i + 1];
    if (g === undefined) continue;
    const n = Number(g);
    ms += n * UNITS[i]![1];
    if (!Number.isSafeInteger(n) || ms > MAX_MS) throw new DurationSyntaxError('duration out of range');
  }
  return ms;
}

/**
 * Formats milliseconds the way Prometheus prints a duration: `0s`, `1h30m`,
 * `90d` (years and weeks only when exact). Negative values get a leading `-`.
 */
export function formatDuration(ms: number): string {
  if (ms < 0) return '-' + formatDuration(-ms);
  ms = Math.trunc(ms);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, mult] of UNITS) {
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && ms % mult !== 0) continue;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      ms -= v * mult;
    }
  }
  return out;
}
