/**
 * The write side every socket protocol shares: turns a block of lines from
 * a TCP connection or a batch of UDP datagrams into one `IngestBatch` (a
 * limiter slot, appends, commit), with the protocol's parser supplied as a
 * `LineIngester`.
 *
 * Backpressure: a TCP block waits for a limiter slot (the connection stays
 * paused meanwhile, so the sender is slowed by TCP flow control); a UDP
 * batch that finds no free slot is dropped and counted in
 * `vigil_ingest_requests_throttled_total` and
 * `vigil_ingest_samples_rejected_total`, since UDP cannot be told to wait.
 * Bad lines are counted in `vigil_ingest_parse_errors_total` and logged
 * (throttled); the good lines of the same block are kept.
 */
import type { IngestBatch, IngestCommon, ProtocolMetrics } from '../common/index.js';
import { NEED_LABELS, OverloadedError } from '../common/index.js';
import type { Labels } from '../../model/labels.js';
import type { Logger } from '../../server/logger.js';
import { ThrottledLog, type LinesHandler } from './listeners.js';

export type LineErrorSink = (line: number, message: string) => void;

export interface LineIngester {
  /** Appends the samples of the lines in `text` to `batch`; reports each bad line to `lineError`. */
  ingest(text: string, firstLine: number, batch: IngestBatch, lineError: LineErrorSink): Promise<void>;
}

export interface SocketWriters {
  tcp: LinesHandler;
  udp: LinesHandler;
  /** Stops TCP writers from waiting for a slot (server shutdown). */
  close(): void;
}

export function socketWriters(common: IngestCommon, protocol: string, logger: Logger, ingester: LineIngester): SocketWriters {
  const metrics: ProtocolMetrics = common.metrics.forProtocol(protocol);
  const badLines = new ThrottledLog(logger);
  const refused = new ThrottledLog(logger);
  let closed = false;

  const write = async (text: string, firstLine: number, remote: string, release: () => void): Promise<void> => {
    const batch = common.batch(metrics);
    let bad = 0;
    try {
      await batch.run(() =>
        ingester.ingest(text, firstLine, batch, (line, message) => {
          bad++;
          metrics.parseErrors.inc();
          badLines.warn('Bad line: skipped', { protocol, remote, line, err: message });
        }),
      );
    } finally {
      release();
    }
    if (batch.rejected > bad) refused.warn('Samples rejected by the storage', { protocol, remote, err: batch.summary() });
  };

  return {
    tcp: async (text, firstLine, remote) => {
      for (;;) {
        try {
          const release = await common.limiter.acquire();
          return await write(text, firstLine, remote, release);
        } catch (err) {
          if (!(err instanceof OverloadedError) || closed) throw err;
          metrics.throttled.inc();
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    udp: async (text, firstLine, remote) => {
      const release = common.limiter.tryAcquire();
      if (release === undefined) {
        metrics.throttled.inc();
        refused.warn('Storage saturated: UDP packets dropped', { protocol });
        return;
      }
      await write(text, firstLine, remote, release);
    },
    close: () => {
      closed = true;
    },
  };
}

/**
 * Series refs by a protocol's raw series key (the series as written on the
 * wire, plus whatever else shapes its labels), so a known series is
 * appended without building its labels. Bounded: cleared when full.
 */
export class RefCache {
  readonly #map = new Map<string, number>();
  constructor(readonly max = 200_000) {}

  get(key: string): number {
    return this.#map.get(key) ?? 0;
  }

  set(key: string, ref: number): void {
    if (this.#map.size >= this.max) this.#map.clear();
    this.#map.set(key, ref);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }
}

/**
 * Appends one sample through the cache: the cached ref when there is one,
 * else (or when the storage no longer knows the ref) the labels from
 * `labels()`. Returns false when the storage refused the sample.
 */
export function appendCached(batch: IngestBatch, cache: RefCache, key: string, labels: () => Labels, t: number, v: number): boolean {
  let ref = cache.get(key);
  if (ref !== 0) {
    ref = batch.append(ref, undefined, t, v);
    if (ref === NEED_LABELS) ref = batch.append(0, labels(), t, v);
  } else ref = batch.append(0, labels(), t, v);
  if (ref > 0) {
    cache.set(key, ref);
    return true;
  }
  return false;
}

/**
 * How far ahead of the server's clock a pushed sample may be. A sample far
 * in the future would move the head's time range forward and make every
 * current sample "too old" afterwards, so one bad sender could stop
 * ingestion for all: such samples are rejected.
 */
export const MAX_FUTURE_MS = 24 * 3600_000;

export function futureError(t: number, now: number): string {
  return `timestamp ${new Date(t).toISOString()} is more than ${MAX_FUTURE_MS / 3600_000} h ahead of the server's clock (${new Date(now).toISOString()})`;
}
