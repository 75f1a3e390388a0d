export {
  ByteReader,
  ByteWriter,
  RecordDecodeError,
  RecordType,
  SamplesRecord,
  SeriesDropRecord,
  SeriesRecord,
  TombstonesRecord,
  encodeSamples,
  type WalRecord,
} from './records.js';
export type { CheckpointStats } from './checkpoint.js';
export {
  DEFAULT_SEGMENT_SIZE,
  DEFAULT_SYNC_INTERVAL_MS,
  WAL_METRICS,
  Wal,
  type WalLogger,
  type WalOptions,
  type WalReplayStats,
  type WalReplayVisitor,
  type WalStats,
  type WalSyncMode,
} from './wal.js';
