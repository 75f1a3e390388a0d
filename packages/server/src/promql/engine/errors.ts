/**
 * The engine's typed errors. Every error a query can end with is a
 * `QueryError` with a stable `code`; the HTTP API maps the code to
 * Prometheus's `errorType` and status with {@link apiErrorType}. Messages are
 * Prometheus's own wording, so users and tools recognise them.
 */
import type { PositionRange } from '../parser/index.js';

/**
 * - `parse_error`: the query text is not valid PromQL (has a position).
 * - `bad_data`: the query is valid but cannot run with these parameters
 *   (e.g. a duration expression that divides by zero, too many points).
 * - `execution`: evaluation failed on the data (many-to-many matching,
 *   duplicate output series, bad `label_replace` regex, ...).
 * - `too_many_samples`: the query would hold more than `maxSamples` samples.
 * - `timeout`, `canceled`: the query was stopped (in the queue or while running).
 * - `internal`: the storage failed.
 */
export type QueryErrorCode = 'parse_error' | 'bad_data' | 'execution' | 'too_many_samples' | 'timeout' | 'canceled' | 'internal';

export class QueryError extends Error {
  readonly code: QueryErrorCode;
  /** The offending part of the query, when known. */
  readonly position: PositionRange | undefined;

  constructor(code: QueryErrorCode, message: string, position?: PositionRange) {
    super(message);
    this.name = 'QueryError';
    this.code = code;
    this.position = position;
  }
}

/** Where the limit was hit, as Prometheus names it in its messages. */
export type QueryPhase = 'query queue' | 'query execution';

export const tooManySamples = (): QueryError =>
  new QueryError('too_many_samples', 'query processing would load too many samples into memory in query execution');
export const queryTimeout = (phase: QueryPhase): QueryError => new QueryError('timeout', `query timed out in ${phase}`);
export const queryCanceled = (phase: QueryPhase): QueryError => new QueryError('canceled', `query was canceled in ${phase}`);
export const execError = (message: string, position?: PositionRange): QueryError => new QueryError('execution', message, position);
export const badData = (message: string, position?: PositionRange): QueryError => new QueryError('bad_data', message, position);

/**
 * Prometheus's API `errorType` for a query error (web/api/v1/api.go):
 * parse and parameter errors are `bad_data` (400), a stopped query is
 * `timeout`/`canceled` (503), storage trouble `internal` (500), anything
 * else — too many samples included — `execution` (422).
 */
export function apiErrorType(code: QueryErrorCode): 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' {
  switch (code) {
    case 'parse_error':
    case 'bad_data':
      return 'bad_data';
    case 'timeout':
      return 'timeout';
    case 'canceled':
      return 'canceled';
    case 'internal':
      return 'internal';
    case 'execution':
    case 'too_many_samples':
      return 'execution';
  }
}
