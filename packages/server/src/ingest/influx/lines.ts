/**
 * Line-protocol text for a label set, the way Vigil reads it back: the
 * metric name as the measurement, the other labels as tags (escaped per the
 * line-protocol spec), one field `value`. For the ingest warm-up's made-up
 * requests and the benchmarks' bodies.
 */

const escapeMeasurement = (s: string): string => s.replace(/[, \\]/g, '\\$&');
const escapeTag = (s: string): string => s.replace(/[,= \\]/g, '\\$&');

/** `name,tag=value,… value=` for sorted label pairs `[name, value, …]`; append the value and a timestamp. */
export function linePrefix(pairs: readonly string[]): string {
  let name = '';
  let tags = '';
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i] === '__name__') name = escapeMeasurement(pairs[i + 1]);
    else tags += `,${escapeTag(pairs[i])}=${escapeTag(pairs[i + 1])}`;
  }
  return `${name}${tags} value=`;
}
