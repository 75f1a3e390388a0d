/**
 * A target's scrape cache: what the loop learned from earlier scrapes, so a
 * steady scrape costs one Map lookup per sample.
 *
 * - `entries`: series text as written in the body (`name{a="b"}`) → what
 *   became of it: the series (labels after target labels and metric
 *   relabeling, storage ref) or "dropped by metric relabeling".
 * - `series`: final label set → its state, shared by all texts that map to
 *   it; `lastSeen` is the pass it was last appended in, which is how
 *   staleness is found: a series seen in the previous pass and not in this
 *   one gets a staleness marker.
 * - `metadata`: family name → type, help, unit from the last successful scrape.
 *
 * A new scrape loop for the same target (config reload) takes over the old
 * loop's cache, so staleness carries across the reload.
 */
import type { Labels } from '../model/labels.js';
import type { MetricType } from '../textparse/index.js';

export class SeriesState {
  ref = 0;
  readonly labels: Labels;
  /** Pass this series was last appended in (and tracked for staleness); -1 never. */
  lastSeen = -1;
  /** `lastSeen` before the current pass, restored when the pass fails. */
  prevSeen = -1;
  /** Pass it was last present in the body at all (for eviction). */
  lastPresent = -1;
  /** Counted against the job's cardinality budget. */
  budgeted = false;
  evicted = false;

  constructor(labels: Labels) {
    this.labels = labels;
  }
}

/** Sentinels for series texts that produce no series. */
export const DROPPED = 1;
export const OVER_BUDGET = 2;

export interface CacheEntry {
  /** The series, or DROPPED (metric relabeling) / OVER_BUDGET (cardinality budget). */
  state: SeriesState | typeof DROPPED | typeof OVER_BUDGET;
  lastPresent: number;
}

export interface Metadata {
  type: MetricType;
  help: string;
  unit: string;
  /** Pass of the scrape that last described this family. */
  pass: number;
}

/** Passes a series or entry may go unseen before the cache forgets it. */
const EVICT_AFTER = 10;

export class ScrapeCache {
  readonly entries = new Map<string, CacheEntry>();
  readonly series = new Map<string, SeriesState>();
  readonly metadata = new Map<string, Metadata>();
  /** The current pass; incremented before each scrape's append (successful or not). */
  pass = 0;

  /** Drops what has not been seen for a while; returns the states dropped (to release budget). */
  evict(onEvict: (s: SeriesState) => void): void {
    if (this.pass % EVICT_AFTER !== 0) return;
    const cutoff = this.pass - EVICT_AFTER;
    for (const [k, e] of this.entries) {
      if (e.lastPresent < cutoff) this.entries.delete(k);
    }
    for (const [k, s] of this.series) {
      if (s.lastPresent < cutoff) {
        this.series.delete(k);
        s.evicted = true;
        onEvict(s);
      }
    }
  }

  /** The family's metadata, updated in place by the scrape that describes it. */
  metadataFor(family: string): Metadata {
    let m = this.metadata.get(family);
    if (m === undefined) {
      m = { type: 'unknown', help: '', unit: '', pass: this.pass };
      this.metadata.set(family, m);
    }
    m.pass = this.pass;
    return m;
  }

  /** After a successful scrape: forgets families it no longer exposes. */
  pruneMetadata(): void {
    for (const [k, m] of this.metadata) if (m.pass !== this.pass) this.metadata.delete(k);
  }
}
