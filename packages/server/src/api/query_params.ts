/**
 * The query endpoints' parameters, parsed as Prometheus's API parses them
 * (`web/api/v1/api.go`): durations (`step`, `timeout`, `lookback_delta`) as
 * float seconds or Prometheus duration strings, required times for
 * `query_range`, and the checks on `start`/`end`/`step` in Prometheus's
 * order and wording.
 */
import { DurationSyntaxError, parseDuration } from '../promql/parser/index.js';
import { badData } from './errors.js';
import type { Params } from './params.js';
import { parseTime } from './time.js';

/** Largest duration Go can hold (int64 nanoseconds), in seconds. */
const MAX_DURATION_SECONDS = 9223372036.854775807;

// Go's strconv.ParseFloat: decimal with optional exponent, or inf/infinity/nan in any case.
const GO_FLOAT_RE = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;

/**
 * A duration parameter in milliseconds: float seconds (`15`, `0.5`, `1e3`)
 * or a Prometheus duration (`1m30s`). Like Prometheus, the seconds are
 * converted to whole nanoseconds first, then truncated to milliseconds.
 */
export function parseDurationParam(s: string): number {
  if (GO_FLOAT_RE.test(s)) {
    const f = /^[+-]?inf/i.test(s) ? (s.startsWith('-') ? -Infinity : Infinity) : /nan/i.test(s) ? NaN : Number(s);
    if (f !== f) throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
    if (f > MAX_DURATION_SECONDS || f < -MAX_DURATION_SECONDS) {
      throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    }
    const ns = Math.trunc(f * 1e9);
    return Math.trunc(ns / 1e6);
  }
  try {
    return parseDuration(s);
  } catch (err) {
    if (err instanceof DurationSyntaxError) throw new Error(`cannot parse ${JSON.stringify(s)} to a valid duration`);
    throw err;
  }
}

/** An optional duration parameter; undefined when absent or empty. */
export function durationParam(params: Params, name: string): number | undefined {
  const s = params.get(name);
  if (s === undefined || s === '') return undefined;
  try {
    return parseDurationParam(s);
  } catch (err) {
    throw badData(`invalid parameter ${JSON.stringify(name)}: ${(err as Error).message}`);
  }
}

/** `lookback_delta`, worded as Prometheus's `extractQueryOpts`. */
export function lookbackDeltaParam(params: Params): number | undefined {
  const s = params.get('lookback_delta');
  if (s === undefined || s === '') return undefined;
  try {
    return parseDurationParam(s);
  } catch (err) {
    throw badData(`error parsing lookback delta duration: ${(err as Error).message}`);
  }
}

/** An optional time parameter (`time` of instant queries), worded as Prometheus's `parseTimeParam`. */
export function timeParam(params: Params, name: string, dflt: number): number {
  const s = params.get(name);
  if (s === undefined || s === '') return dflt;
  try {
    return parseTime(s);
  } catch (err) {
    throw badData(`invalid parameter ${JSON.stringify(name)}: Invalid time value for '${name}': ${(err as Error).message}`);
  }
}

/** A time parameter that must be present (`start`/`end` of query_range). */
export function requiredTime(params: Params, name: string): number {
  const s = params.get(name) ?? '';
  try {
    return parseTime(s);
  } catch (err) {
    throw badData(`invalid parameter ${JSON.stringify(name)}: ${(err as Error).message}`);
  }
}

/** Prometheus's API limit on points per series of a range query. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface RangeParams {
  start: number;
  end: number;
  step: number;
}

/** `start`, `end`, `step` with Prometheus's checks, in its order. */
export function rangeParams(params: Params): RangeParams {
  const start = requiredTime(params, 'start');
  const end = requiredTime(params, 'end');
  if (end < start) throw badData('invalid parameter "end": end timestamp must not be before start time');
  let step: number;
  try {
    step = parseDurationParam(params.get('step') ?? '');
  } catch (err) {
    throw badData(`invalid parameter "step": ${(err as Error).message}`);
  }
  if (step <= 0) throw badData('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  // Go divides two durations as integers: a fraction of a point does not count.
  if (Math.floor((end - start) / step) > MAX_POINTS_PER_SERIES) {
    throw badData('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  return { start, end, step };
}
