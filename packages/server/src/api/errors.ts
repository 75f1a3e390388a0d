/**
 * The API's error kinds and the ONE table from kind to HTTP status. The kinds
 * and statuses are Prometheus's (`web/api/v1/api.go`); `too_large` is Vigil's
 * for bodies over `--web.max-body-size`. Handlers throw `ApiError`; anything
 * else thrown is mapped by `toApiError`.
 */
import { StorageError } from '../storage/errors.js';

export type ErrorKind =
  | 'bad_data'
  | 'execution'
  | 'canceled'
  | 'timeout'
  | 'internal'
  | 'unavailable'
  | 'not_found'
  | 'not_acceptable'
  | 'too_large';

export const ERROR_STATUS: Readonly<Record<ErrorKind, number>> = Object.freeze({
  bad_data: 400,
  execution: 422,
  canceled: 503,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
  not_acceptable: 406,
  too_large: 413,
});

export class ApiError extends Error {
  readonly kind: ErrorKind;
  /** Sent as `data` next to the error (e.g. an import's accepted/rejected counts). */
  readonly data: unknown;
  constructor(kind: ErrorKind, message: string, data?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.data = data;
  }

  get status(): number {
    return ERROR_STATUS[this.kind];
  }
}

export const badData = (message: string, data?: unknown) => new ApiError('bad_data', message, data);

/**
 * Maps anything a handler threw to an `ApiError`. Storage errors about the
 * sample (bounds, order, duplicates, labels) are the client's: bad_data.
 * Failing to write the WAL is ours: internal. A closed storage is
 * unavailable (the server is shutting down).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageError) {
    switch (err.code) {
      case 'out_of_bounds':
      case 'too_old':
      case 'out_of_order':
      case 'duplicate_sample':
      case 'invalid_labels':
      case 'unknown_series_ref':
        return new ApiError('bad_data', err.message);
      case 'closed':
        return new ApiError('unavailable', err.message);
      case 'wal_write_failed':
        return new ApiError('internal', err.message);
    }
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ABORT_ERR') return new ApiError('canceled', (err as Error).message);
  return new ApiError('internal', err instanceof Error ? err.message : String(err));
}
