/**
 * Durations and byte sizes in the syntax Prometheus's flags and config use.
 *
 * Durations: one or more `<integer><unit>` in decreasing unit order, units
 * `y` (365d), `w`, `d`, `h`, `m`, `s`, `ms`; or `0`. Example: `1h30m`, `15d`.
 *
 * Sizes: one or more `<number><unit>`, units `B`, `KB`, `MB`, `GB`, `TB`,
 * `PB`, `EB` (and the same with `iB`), all base 2 as in Prometheus's
 * `--storage.tsdb.retention.size` (`1KB` = 1024 bytes); or `0`.
 */

const DURATION_UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration into milliseconds; throws with a message naming the input. */
export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const m = s === '' ? null : DURATION_RE.exec(s);
  if (m === null) throw new Error(`not a valid duration string: ${JSON.stringify(s)}`);
  let ms = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const g = m[i + 1];
    if (g !== undefined) ms += Number(g) * DURATION_UNITS[i][1];
  }
  if (!Number.isSafeInteger(ms)) throw new Error(`duration out of range: ${JSON.stringify(s)}`);
  return ms;
}

/** Formats milliseconds the way Prometheus prints durations (`1h30m`, `15d`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of DURATION_UNITS) {
    if (unit === 'w' && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 2 ** 10,
  MB: 2 ** 20,
  GB: 2 ** 30,
  TB: 2 ** 40,
  PB: 2 ** 50,
  EB: 2 ** 60,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
  EiB: 2 ** 60,
};

const SIZE_PART_RE = /(\d+(?:\.\d+)?)([A-Za-z]+)/y;

/** Parses a byte size (`512MB`, `10GB`, `1GB512MB`, `0`) into bytes. */
export function parseBytes(s: string): number {
  if (s === '0') return 0;
  let total = 0;
  let pos = 0;
  SIZE_PART_RE.lastIndex = 0;
  while (pos < s.length) {
    SIZE_PART_RE.lastIndex = pos;
    const m = SIZE_PART_RE.exec(s);
    const mult = m ? SIZE_UNITS[m[2]] : undefined;
    if (!m || mult === undefined) {
      throw new Error(`not a valid size: ${JSON.stringify(s)} (use a number with a unit B, KB, MB, GB, TB, PB, EB; e.g. 512MB)`);
    }
    total += Number(m[1]) * mult;
    pos = SIZE_PART_RE.lastIndex;
  }
  if (pos === 0) throw new Error(`not a valid size: ${JSON.stringify(s)}`);
  return Math.floor(total);
}

/** Formats bytes with the largest exact base-2 unit (`512MB`, `0B`). */
export function formatBytes(n: number): string {
  for (const unit of ['EB', 'PB', 'TB', 'GB', 'MB', 'KB']) {
    const size = SIZE_UNITS[unit];
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}
