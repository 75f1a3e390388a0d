/**
 * A label set: the identity of a series. Immutable, sorted by name, names
 * unique, no empty values (an empty value means the label is absent, as in
 * Prometheus). Stored as one flat string array `[name0, value0, name1, ...]`
 * so a set costs one array, and hashed once on demand.
 */
export const METRIC_NAME = '__name__';

const SEP = '\xff';

export class Labels {
  /** Flat `[name, value, ...]`, sorted by name. Never mutate. */
  readonly pairs: readonly string[];
  #key: string | undefined;
  #hash: number | undefined;

  private constructor(pairs: string[]) {
    this.pairs = pairs;
  }

  static readonly EMPTY = new Labels([]);

  /** Trusts its input: already sorted, unique names, no empty values. */
  static fromSortedPairs(pairs: string[]): Labels {
    return pairs.length === 0 ? Labels.EMPTY : new Labels(pairs);
  }

  /** From an object; drops empty values, sorts. Duplicate names are impossible in an object. */
  static fromObject(obj: Record<string, string>): Labels {
    const names = Object.keys(obj).filter((n) => obj[n] !== '' && obj[n] !== undefined);
    names.sort(compareStrings);
    const pairs: string[] = new Array(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      pairs[2 * i] = names[i];
      pairs[2 * i + 1] = obj[names[i]];
    }
    return Labels.fromSortedPairs(pairs);
  }

  /** From unsorted `[name, value, ...]`; drops empty values; the last of duplicate names wins. */
  static fromPairs(pairs: readonly string[]): Labels {
    const b = new LabelsBuilder();
    for (let i = 0; i + 1 < pairs.length; i += 2) b.set(pairs[i], pairs[i + 1]);
    return b.labels();
  }

  get length(): number {
    return this.pairs.length >> 1;
  }

  get(name: string): string {
    const p = this.pairs;
    // Label sets are small: a linear scan beats a binary search below ~16 labels.
    for (let i = 0; i < p.length; i += 2) if (p[i] === name) return p[i + 1];
    return '';
  }

  has(name: string): boolean {
    const p = this.pairs;
    for (let i = 0; i < p.length; i += 2) if (p[i] === name) return true;
    return false;
  }

  metricName(): string {
    return this.get(METRIC_NAME);
  }

  /** A string that is equal for equal label sets and different otherwise (used as a map key). */
  key(): string {
    if (this.#key === undefined) this.#key = this.pairs.join(SEP);
    return this.#key;
  }

  /**
   * 32-bit FNV-1a over the pairs (with separators); stable across runs and
   * processes. Computed without building the key string, so a series held by
   * the head costs no extra string.
   */
  hash(): number {
    if (this.#hash === undefined) {
      let h = 0x811c9dc5;
      const p = this.pairs;
      for (let i = 0; i < p.length; i++) {
        const s = p[i];
        for (let j = 0; j < s.length; j++) {
          h ^= s.charCodeAt(j);
          h = Math.imul(h, 0x01000193);
        }
        h ^= 0xff;
        h = Math.imul(h, 0x01000193);
      }
      this.#hash = h >>> 0;
    }
    return this.#hash;
  }

  equals(o: Labels): boolean {
    if (this === o) return true;
    const a = this.pairs;
    const b = o.pairs;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  forEach(fn: (name: string, value: string) => void): void {
    const p = this.pairs;
    for (let i = 0; i < p.length; i += 2) fn(p[i], p[i + 1]);
  }

  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    const p = this.pairs;
    for (let i = 0; i < p.length; i += 2) o[p[i]] = p[i + 1];
    return o;
  }

  /** Without the given names. */
  without(...names: string[]): Labels {
    const p = this.pairs;
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 2) {
      if (!names.includes(p[i])) out.push(p[i], p[i + 1]);
    }
    return out.length === p.length ? this : Labels.fromSortedPairs(out);
  }

  /** Only the given names. */
  only(names: readonly string[]): Labels {
    const p = this.pairs;
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 2) {
      if (names.includes(p[i])) out.push(p[i], p[i + 1]);
    }
    return out.length === p.length ? this : Labels.fromSortedPairs(out);
  }

  /** PromQL-style rendering: `name{a="1", b="2"}`; quotes names that are not legacy-valid. */
  toString(): string {
    const p = this.pairs;
    let name = '';
    const parts: string[] = [];
    for (let i = 0; i < p.length; i += 2) {
      if (p[i] === METRIC_NAME && isLegacyMetricName(p[i + 1])) name = p[i + 1];
      else parts.push(`${isLegacyLabelName(p[i]) ? p[i] : JSON.stringify(p[i])}=${JSON.stringify(p[i + 1])}`);
    }
    if (name !== '' && parts.length === 0) return name;
    return `${name}{${parts.join(', ')}}`;
  }
}

/** Mutable helper for building a label set from another one. */
export class LabelsBuilder {
  #map = new Map<string, string>();

  constructor(base?: Labels) {
    if (base) this.reset(base);
  }

  reset(base: Labels): this {
    this.#map.clear();
    base.forEach((n, v) => this.#map.set(n, v));
    return this;
  }

  /** Setting an empty value deletes the label. */
  set(name: string, value: string): this {
    if (value === '') this.#map.delete(name);
    else this.#map.set(name, value);
    return this;
  }

  del(...names: string[]): this {
    for (const n of names) this.#map.delete(n);
    return this;
  }

  get(name: string): string {
    return this.#map.get(name) ?? '';
  }

  labels(): Labels {
    const names = [...this.#map.keys()].sort(compareStrings);
    const pairs: string[] = new Array(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      pairs[2 * i] = names[i];
      pairs[2 * i + 1] = this.#map.get(names[i])!;
    }
    return Labels.fromSortedPairs(pairs);
  }
}

/** Byte-wise (UTF-16 code unit) comparison, as Go compares strings for ASCII. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders label sets as Prometheus does: pairwise by name, then value; shorter first on a tie. */
export function compareLabels(a: Labels, b: Labels): number {
  const x = a.pairs;
  const y = b.pairs;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 2) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    if (x[i + 1] !== y[i + 1]) return x[i + 1] < y[i + 1] ? -1 : 1;
  }
  return x.length - y.length;
}

const LEGACY_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isLegacyMetricName(s: string): boolean {
  return LEGACY_METRIC_NAME.test(s);
}

export function isLegacyLabelName(s: string): boolean {
  return LEGACY_LABEL_NAME.test(s);
}

/**
 * Validates a label set the way Prometheus 3 does with UTF-8 names enabled:
 * names are non-empty valid UTF-8, values are valid UTF-8, names unique.
 * Returns an error message, or undefined when valid.
 */
export function validateLabels(ls: Labels): string | undefined {
  const p = ls.pairs;
  for (let i = 0; i < p.length; i += 2) {
    if (p[i] === '') return 'empty label name';
    if (!isWellFormed(p[i])) return `invalid label name ${JSON.stringify(p[i])}: not valid UTF-8`;
    if (!isWellFormed(p[i + 1])) return `invalid value for label ${JSON.stringify(p[i])}: not valid UTF-8`;
    if (i > 0 && p[i] <= p[i - 2]) return p[i] === p[i - 2] ? `duplicate label name ${JSON.stringify(p[i])}` : 'labels not sorted';
  }
  return undefined;
}

/**
 * A JS string is valid UTF-8 when it has no lone surrogates: the native
 * `String.prototype.isWellFormed` (ES2024; in every Node the project
 * supports, `engines: >=20`), which costs a call even before the caller is
 * compiled (a cold start checks thousands of new series' labels).
 */
export function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
