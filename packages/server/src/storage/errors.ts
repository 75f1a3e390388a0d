/** Storage errors with a stable code; the API maps codes to HTTP statuses. */
export type StorageErrorCode =
  | 'out_of_bounds'
  | 'too_old'
  | 'out_of_order'
  | 'duplicate_sample'
  | 'invalid_labels'
  | 'unknown_series_ref'
  | 'wal_write_failed'
  | 'closed'
  | 'locked';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'StorageError';
  }
}

export const errOutOfBounds = (t: number, mint: number) =>
  new StorageError('out_of_bounds', `out of bounds: sample timestamp ${t} is older than the oldest writable time ${mint}`);
export const errTooOld = (t: number, mint: number) =>
  new StorageError(
    'too_old',
    `too old: sample timestamp ${t} is before the out-of-order window (oldest accepted ${mint}); backfill it through /api/v1/import`,
  );
export const errDuplicate = (t: number) =>
  new StorageError('duplicate_sample', `duplicate sample for timestamp ${t} with a different value`);
