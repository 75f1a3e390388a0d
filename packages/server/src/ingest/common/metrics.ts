/**
 * Self-metrics of every push protocol, declared once with the full exposed
 * names and a `protocol` label:
 *
 * - `vigil_ingest_samples_received_total{protocol}`: samples parsed from the wire
 *   (accepted + rejected, plus any lost to a failed commit)
 * - `vigil_ingest_samples_accepted_total{protocol}`: samples committed to the WAL
 * - `vigil_ingest_samples_rejected_total{protocol}`: samples refused (by the
 *   storage, or by the protocol's mapping), and samples of failed commits
 * - `vigil_ingest_parse_errors_total{protocol}`: unparsable requests, lines or packets
 * - `vigil_ingest_requests_throttled_total{protocol}`: writes refused for backpressure
 * - `vigil_ingest_requests_unauthorized_total{protocol}`: writes refused for missing or wrong credentials
 * - `vigil_ingest_writes_inflight`, `vigil_ingest_writes_queued`, `vigil_ingest_samples_pending`:
 *   the limiter's state
 */
import type { CounterChild, Registry } from '../../metrics/registry.js';
import type { WriteLimiter } from './limiter.js';

export interface ProtocolMetrics {
  readonly protocol: string;
  received: CounterChild;
  accepted: CounterChild;
  rejected: CounterChild;
  parseErrors: CounterChild;
  throttled: CounterChild;
  unauthorized: CounterChild;
}

export class IngestMetrics {
  readonly #families;
  readonly #byProtocol = new Map<string, ProtocolMetrics>();

  constructor(registry: Registry, limiter: WriteLimiter) {
    const labelNames = ['protocol'];
    this.#families = {
      received: registry.counter({
        name: 'vigil_ingest_samples_received_total',
        help: 'Samples parsed from push protocols, by protocol.',
        labelNames,
      }),
      accepted: registry.counter({
        name: 'vigil_ingest_samples_accepted_total',
        help: 'Samples from push protocols committed to the WAL, by protocol.',
        labelNames,
      }),
      rejected: registry.counter({
        name: 'vigil_ingest_samples_rejected_total',
        help: 'Samples from push protocols refused by the storage or the mapping, or lost to a failed commit, by protocol.',
        labelNames,
      }),
      parseErrors: registry.counter({
        name: 'vigil_ingest_parse_errors_total',
        help: 'Unparsable requests, lines or packets, by protocol.',
        labelNames,
      }),
      throttled: registry.counter({
        name: 'vigil_ingest_requests_throttled_total',
        help: 'Writes refused because the storage was saturated (HTTP 429/503 with Retry-After), by protocol.',
        labelNames,
      }),
      unauthorized: registry.counter({
        name: 'vigil_ingest_requests_unauthorized_total',
        help: 'Writes refused for missing or wrong credentials, by protocol.',
        labelNames,
      }),
    };
    registry.gauge({
      name: 'vigil_ingest_writes_inflight',
      help: 'Writers (requests, connections, flushes) currently appending.',
      collect: () => limiter.inflight,
    });
    registry.gauge({
      name: 'vigil_ingest_writes_queued',
      help: 'Writers waiting for an append slot.',
      collect: () => limiter.queued,
    });
    registry.gauge({
      name: 'vigil_ingest_samples_pending',
      help: 'Samples appended by push protocols and not yet committed.',
      collect: () => limiter.pendingSamples,
    });
  }

  /** The children for one protocol (created once, then cached). */
  forProtocol(protocol: string): ProtocolMetrics {
    let m = this.#byProtocol.get(protocol);
    if (m === undefined) {
      const f = this.#families;
      m = {
        protocol,
        received: f.received.labels(protocol),
        accepted: f.accepted.labels(protocol),
        rejected: f.rejected.labels(protocol),
        parseErrors: f.parseErrors.labels(protocol),
        throttled: f.throttled.labels(protocol),
        unauthorized: f.unauthorized.labels(protocol),
      };
      this.#byProtocol.set(protocol, m);
    }
    return m;
  }
}
