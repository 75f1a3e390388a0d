/**
 * A target's scrape cache: what the loop learned from earlier scrapes, so a
 * steady scrape costs one Map lookup per sample.
 *
 * - `entries`: series text as written in the body (`name{a="b"}`) → what
 *   became of it (`CacheEntry`): a series with its storage ref, or "dropped
 *   by metric relabeling", or "over the job's cardinality budget". As in
 *   Prometheus, the entry does not keep the series' labels: the storage
 *   knows the series by its ref, and in the rare case it has forgotten the
 *   ref (the series went idle and was removed from the head), the labels
 *   are made again from the sample being appended.
 * - `order` / `orderBefore`: the entry of each sample, in body order, of
 *   this pass and the previous one. Exposition bodies list their series in
 *   the same order scrape after scrape, so the loop first compares the
 *   series text with the entry at the same place in the previous scrape —
 *   a string comparison, several times cheaper than hashing the text for
 *   the Map — and looks up the Map only when that guess is wrong.
 * - `seen` / `seenBefore`: the entries appended (and tracked for staleness)
 *   in this pass and in the previous one. An entry of `seenBefore` that is
 *   not seen again gets a staleness marker; walking that list instead of
 *   every entry keeps a scrape's cost proportional to its own samples. The
 *   two lists swap roles each pass and keep their capacity, so a steady
 *   scrape allocates none.
 * - `metadata`: family name → type, help, unit from the last successful scrape.
 *
 * Memory: a series costs its text (the Map key, a flat copy), a
 * `CacheEntry`, a Map slot and a slot in each list. Nothing the cache keeps
 * refers into a scrape body, so a body dies young, with its scrape.
 *
 * A new scrape loop for the same target (config reload) takes over the old
 * loop's cache when the config still makes the same series of the same
 * texts (`shape`), so staleness carries across the reload.
 */
import type { ExpositionFormat, MetricType } from '../textparse/index.js';

/** What a series text became. */
export const enum EntryKind {
  Series = 0,
  /** Dropped by metric relabeling (or left without labels). */
  Dropped = 1,
  /** A new series over the job's cardinality budget: tried again once the budget has room. */
  OverBudget = 2,
}

export class CacheEntry {
  kind: EntryKind;
  /** The series text: the entry's key in `ScrapeCache.entries`. */
  readonly text: string;
  /** Index in `order` of the pass it was last present in. */
  pos = -1;
  /** The storage's ref of the series (Series only); 0 until the first append. */
  ref = 0;
  /** Pass this entry was last appended in (and tracked for staleness); -1 never. */
  lastSeen = -1;
  /** `lastSeen` before the current pass, restored when the pass fails. */
  prevSeen = -1;
  /** Pass the text was last present in the body (for eviction); -1 before its first. */
  lastPresent = -1;
  /** Counted against the job's cardinality budget. */
  budgeted = false;

  constructor(kind: EntryKind, text: string) {
    this.kind = kind;
    this.text = text;
  }
}

/**
 * A list of entries that keeps its capacity when cleared (an array whose
 * length is set to 0 gives its storage back, and would grow again, through
 * every size, on each scrape).
 */
export class EntryList {
  items: CacheEntry[] = [];
  length = 0;

  push(e: CacheEntry): void {
    if (this.length < this.items.length) this.items[this.length] = e;
    else this.items.push(e);
    this.length++;
  }

  clear(): void {
    this.length = 0;
  }

  /** Exchanges contents with `o`. */
  swap(o: EntryList): void {
    const items = this.items;
    const length = this.length;
    this.items = o.items;
    this.length = o.length;
    o.items = items;
    o.length = length;
  }
}

export interface Metadata {
  type: MetricType;
  help: string;
  unit: string;
  /** Pass of the scrape that last described this family. */
  pass: number;
}

/** Passes an entry may go unseen before the cache forgets it. */
const EVICT_AFTER = 10;

export class ScrapeCache {
  readonly entries = new Map<string, CacheEntry>();
  readonly metadata = new Map<string, Metadata>();
  /** The entry of each sample of the current pass, and of the one before, in body order. */
  readonly order = new EntryList();
  readonly orderBefore = new EntryList();
  /** Entries appended in the current pass (each once), and in the one before. */
  readonly seen = new EntryList();
  readonly seenBefore = new EntryList();
  /** The current pass; incremented before each scrape's append (successful or not). */
  pass = 0;
  /** The format of the last body parsed. */
  lastFormat: ExpositionFormat | undefined;
  /** What decides which series a text becomes (see `ScrapeLoop`): a cache is handed over only to a loop with the same shape. */
  readonly shape: string;

  constructor(shape: string) {
    this.shape = shape;
  }

  /** Starts a pass: what was seen becomes what was seen before. */
  nextPass(): number {
    this.seenBefore.swap(this.seen);
    this.seen.clear();
    this.orderBefore.swap(this.order);
    this.order.clear();
    return ++this.pass;
  }

  /** Drops entries not present for a while; `onEvict` gets each one dropped (to release budget). */
  evict(onEvict: (e: CacheEntry) => void): void {
    if (this.pass % EVICT_AFTER !== 0) return;
    const cutoff = this.pass - EVICT_AFTER;
    for (const [k, e] of this.entries) {
      if (e.lastPresent < cutoff) {
        this.entries.delete(k);
        onEvict(e);
      }
    }
  }

  /**
   * The family's metadata, updated in place by the scrape that describes it.
   * `family` may be a slice of the body: it is copied when it becomes a key.
   */
  metadataFor(family: string): Metadata {
    let m = this.metadata.get(family);
    if (m === undefined) {
      m = { type: 'unknown', help: '', unit: '', pass: this.pass };
      this.metadata.set(flatCopy(family), m);
    }
    m.pass = this.pass;
    return m;
  }

  /** After a successful scrape: forgets families it no longer exposes. */
  pruneMetadata(): void {
    for (const [k, m] of this.metadata) if (m.pass !== this.pass) this.metadata.delete(k);
  }
}

/**
 * A copy of a string that does not refer to the string it came from: a
 * slice of a large body would otherwise keep the whole body alive (V8 makes
 * slices of 13 characters or more views into their parent).
 */
export function flatCopy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
