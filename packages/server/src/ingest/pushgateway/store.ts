/**
 * The Pushgateway's state: groups of metric families, keyed by their
 * grouping labels (`job` plus the label pairs of the URL), with the
 * Pushgateway's semantics:
 *
 * - `put(group, families)`: the group's families become exactly the pushed
 *   ones (an empty push empties the group);
 * - `post(group, families)`: pushed families replace the group's families
 *   of the same name; others stay;
 * - `delete(group)`: the group goes.
 *
 * Every change says which series appeared and which disappeared, so the
 * caller writes the new samples and staleness markers for the vanished
 * series. Groups can expire (`expire(now, ttl)`), which the Pushgateway
 * itself never does. The state is saved as JSON (`toJSON`/`fromJSON`) so it
 * survives restarts, as the Pushgateway's `--persistence.file` does.
 */
import { Labels, LabelsBuilder } from '../../model/labels.js';

/** One pushed series. */
export interface PushedSample {
  labels: Labels;
  value: number;
}

/** Pushed series by family name. */
export type Families = Map<string, PushedSample[]>;

export interface Group {
  /** The grouping labels (`job`, …) as pushed in the URL. */
  readonly grouping: Readonly<Record<string, string>>;
  families: Families;
  /** When it was last pushed to (ms). */
  lastPush: number;
  /** Storage refs by series key, kept across writes. */
  refs: Map<string, number>;
}

export interface Change {
  /** Series of the group after the change (to write now). */
  current: PushedSample[];
  /** Series that were in the group and are gone (to mark stale). */
  gone: Labels[];
}

export class PushStore {
  readonly #groups = new Map<string, Group>();

  get size(): number {
    return this.#groups.size;
  }

  groups(): IterableIterator<Group> {
    return this.#groups.values();
  }

  get(grouping: Record<string, string>): Group | undefined {
    return this.#groups.get(groupKey(grouping));
  }

  put(grouping: Record<string, string>, families: Families, now: number): Change {
    return this.#replace(grouping, now, () => families);
  }

  post(grouping: Record<string, string>, families: Families, now: number): Change {
    return this.#replace(grouping, now, (old) => {
      const merged: Families = new Map(old);
      for (const [name, samples] of families) merged.set(name, samples);
      return merged;
    });
  }

  delete(grouping: Record<string, string>): Change | undefined {
    const key = groupKey(grouping);
    const g = this.#groups.get(key);
    if (g === undefined) return undefined;
    this.#groups.delete(key);
    return { current: [], gone: allSamples(g.families).map((s) => s.labels) };
  }

  /** Removes groups not pushed to since `now - ttlMs`; returns the series they held. */
  expire(now: number, ttlMs: number): Labels[] {
    const gone: Labels[] = [];
    if (ttlMs <= 0) return gone;
    for (const [key, g] of this.#groups) {
      if (now - g.lastPush <= ttlMs) continue;
      this.#groups.delete(key);
      for (const s of allSamples(g.families)) gone.push(s.labels);
    }
    return gone;
  }

  #replace(grouping: Record<string, string>, now: number, next: (old: Families) => Families): Change {
    const key = groupKey(grouping);
    let g = this.#groups.get(key);
    const before = g === undefined ? [] : allSamples(g.families);
    const families = next(g?.families ?? new Map());
    if (g === undefined) {
      g = { grouping: { ...grouping }, families, lastPush: now, refs: new Map() };
      this.#groups.set(key, g);
    } else {
      g.families = families;
      g.lastPush = now;
    }
    const current = allSamples(families);
    const still = new Set(current.map((s) => s.labels.key()));
    const gone = before.filter((s) => !still.has(s.labels.key())).map((s) => s.labels);
    for (const l of gone) g.refs.delete(l.key());
    return { current, gone };
  }

  toJSON(): unknown {
    return [...this.#groups.values()].map((g) => ({
      grouping: g.grouping,
      lastPush: g.lastPush,
      families: [...g.families].map(([name, samples]) => [name, samples.map((s) => [s.labels.toObject(), encodeValue(s.value)])]),
    }));
  }

  static fromJSON(data: unknown): PushStore {
    const store = new PushStore();
    if (!Array.isArray(data)) return store;
    for (const raw of data as { grouping: Record<string, string>; lastPush: number; families: [string, [Record<string, string>, string][]][] }[]) {
      const families: Families = new Map();
      for (const [name, samples] of raw.families) {
        families.set(
          name,
          samples.map(([labels, v]) => ({ labels: Labels.fromObject(labels), value: decodeValue(v) })),
        );
      }
      store.#groups.set(groupKey(raw.grouping), { grouping: raw.grouping, families, lastPush: raw.lastPush, refs: new Map() });
    }
    return store;
  }
}

export function groupKey(grouping: Record<string, string>): string {
  return Object.keys(grouping)
    .sort()
    .map((k) => `${k}\xff${grouping[k]}`)
    .join('\xfe');
}

function allSamples(f: Families): PushedSample[] {
  const out: PushedSample[] = [];
  for (const samples of f.values()) out.push(...samples);
  return out;
}

/** Values as strings so NaN and ±Inf survive JSON. */
function encodeValue(v: number): string {
  return String(v);
}

function decodeValue(s: string): number {
  return Number(s);
}

/**
 * The labels a pushed series is stored with: its own labels, then the
 * grouping labels, which win over pushed labels of the same name (as the
 * Pushgateway sets them "no matter what").
 */
export function withGrouping(ls: Labels, grouping: Readonly<Record<string, string>>): Labels {
  const b = new LabelsBuilder(ls);
  for (const k of Object.keys(grouping)) b.set(k, grouping[k]);
  return b.labels();
}
