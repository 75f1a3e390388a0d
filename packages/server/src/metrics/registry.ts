/**
 * Vigil's own self-metrics. There is no global registry: the server builds one
 * `Registry` and passes it to every component in its options object, and each
 * component declares its metrics next to the code that bumps them, writing the
 * full exposed name so every metric is greppable:
 *
 * ```ts
 * const appended = registry.counter({
 *   name: 'vigil_tsdb_head_samples_appended_total',
 *   help: 'Samples appended to the head block.',
 * });
 * appended.inc(batch.length);
 * ```
 *
 * `expose()` renders the Prometheus text exposition format 0.0.4. Label
 * strings are rendered once when a child is created, so a scrape of the
 * registry does not rebuild them.
 */

export interface CounterOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /**
   * When given, the (unlabelled) value is read from this function at
   * exposition time: for totals a component already counts itself.
   */
  collect?: () => number;
}

export interface GaugeOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** When given, the (unlabelled) value is read from this function at exposition time. */
  collect?: () => number;
}

export interface HistogramOptions {
  name: string;
  help: string;
  /** Upper bounds, strictly increasing; `+Inf` is added when missing. */
  buckets: readonly number[];
  labelNames?: readonly string[];
}

export interface CounterChild {
  inc(n?: number): void;
}

export interface Counter extends CounterChild {
  /** The child for the given label values, in `labelNames` order. */
  labels(...values: string[]): CounterChild;
}

export interface GaugeChild {
  set(v: number): void;
  inc(n?: number): void;
  dec(n?: number): void;
}

export interface Gauge extends GaugeChild {
  labels(...values: string[]): GaugeChild;
}

export interface HistogramChild {
  observe(v: number): void;
  /** Starts a timer; calling the returned function observes the elapsed seconds. */
  startTimer(): () => number;
}

export interface Histogram extends HistogramChild {
  labels(...values: string[]): HistogramChild;
}

/** Buckets suitable for request latencies in seconds (Prometheus client_golang's defaults). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `count` buckets starting at `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0 || factor <= 1 || count < 1) {
    throw new Error(`cannot create exponential buckets: need start > 0, factor > 1, count >= 1 (got ${start}, ${factor}, ${count})`);
  }
  const out: number[] = [];
  for (let i = 0, b = start; i < count; i++, b *= factor) out.push(b);
  return out;
}

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const KEY_SEP = '\xff';

type MetricType = 'counter' | 'gauge' | 'histogram';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** Appends this family's sample lines (no HELP/TYPE) to `out`. */
  write(out: string[]): void;
}

export class Registry {
  readonly #families = new Map<string, Family>();

  counter(opts: CounterOptions): Counter {
    const labelNames = this.#check(opts.name, opts.labelNames ?? [], 'counter');
    if (opts.collect && labelNames.length > 0) {
      throw new Error(`cannot register counter ${opts.name}: collect is only supported without labels`);
    }
    const fam = new LabelledFamily<CounterImpl>(opts.name, opts.help, 'counter', labelNames, () => new CounterImpl(opts.name, opts.collect));
    this.#families.set(opts.name, fam);
    const root = labelNames.length === 0 ? fam.child([]) : undefined;
    return {
      inc: (n = 1) => requireRoot(root, opts.name).inc(n),
      labels: (...values: string[]) => fam.child(values),
    };
  }

  gauge(opts: GaugeOptions): Gauge {
    const labelNames = this.#check(opts.name, opts.labelNames ?? [], 'gauge');
    if (opts.collect && labelNames.length > 0) {
      throw new Error(`cannot register gauge ${opts.name}: collect is only supported without labels`);
    }
    const fam = new LabelledFamily<GaugeImpl>(opts.name, opts.help, 'gauge', labelNames, () => new GaugeImpl(opts.name, opts.collect));
    this.#families.set(opts.name, fam);
    const root = labelNames.length === 0 ? fam.child([]) : undefined;
    return {
      set: (v) => requireRoot(root, opts.name).set(v),
      inc: (n = 1) => requireRoot(root, opts.name).inc(n),
      dec: (n = 1) => requireRoot(root, opts.name).dec(n),
      labels: (...values: string[]) => fam.child(values),
    };
  }

  histogram(opts: HistogramOptions): Histogram {
    const labelNames = this.#check(opts.name, opts.labelNames ?? [], 'histogram');
    if (labelNames.includes('le')) throw new Error(`cannot register histogram ${opts.name}: "le" is a reserved label name`);
    const bounds = [...opts.buckets];
    for (let i = 0; i < bounds.length; i++) {
      if (Number.isNaN(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new Error(`cannot register histogram ${opts.name}: buckets must be strictly increasing numbers`);
      }
    }
    if (bounds.length === 0 || bounds[bounds.length - 1] !== Infinity) bounds.push(Infinity);
    const fam = new LabelledFamily<HistogramImpl>(opts.name, opts.help, 'histogram', labelNames, () => new HistogramImpl(opts.name, bounds));
    this.#families.set(opts.name, fam);
    const root = labelNames.length === 0 ? fam.child([]) : undefined;
    return {
      observe: (v) => requireRoot(root, opts.name).observe(v),
      startTimer: () => requireRoot(root, opts.name).startTimer(),
      labels: (...values: string[]) => fam.child(values),
    };
  }

  /** All metrics in the Prometheus text format 0.0.4, families sorted by name. */
  expose(): string {
    const names = [...this.#families.keys()].sort();
    const out: string[] = [];
    for (const name of names) {
      const fam = this.#families.get(name)!;
      out.push(`# HELP ${name} ${escapeHelp(fam.help)}\n`, `# TYPE ${name} ${fam.type}\n`);
      fam.write(out);
    }
    return out.join('');
  }

  #check(name: string, labelNames: readonly string[], type: MetricType): readonly string[] {
    if (!METRIC_NAME_RE.test(name)) throw new Error(`cannot register ${type} ${JSON.stringify(name)}: invalid metric name`);
    if (this.#families.has(name)) throw new Error(`cannot register ${type} ${name}: a metric with this name is already registered`);
    const seen = new Set<string>();
    for (const l of labelNames) {
      if (!LABEL_NAME_RE.test(l) || l.startsWith('__')) throw new Error(`cannot register ${type} ${name}: invalid label name ${JSON.stringify(l)}`);
      if (seen.has(l)) throw new Error(`cannot register ${type} ${name}: duplicate label name ${l}`);
      seen.add(l);
    }
    return [...labelNames];
  }
}

function requireRoot<T>(root: T | undefined, name: string): T {
  if (root === undefined) throw new Error(`metric ${name} has labels: use .labels(...) to pick a child`);
  return root;
}

interface Child {
  /** `labelStr` is `{a="1",b="2"}` or `""`; `labelPairs` is `a="1",b="2"` (for histograms to add `le`). */
  write(out: string[], labelStr: string, labelPairs: string): void;
}

class LabelledFamily<C extends Child> implements Family {
  readonly #children = new Map<string, { child: C; labelStr: string; labelPairs: string }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: MetricType,
    readonly labelNames: readonly string[],
    readonly make: () => C,
  ) {}

  child(values: readonly string[]): C {
    if (values.length !== this.labelNames.length) {
      throw new Error(`metric ${this.name}: expected ${this.labelNames.length} label values (${this.labelNames.join(', ')}), got ${values.length}`);
    }
    const key = values.join(KEY_SEP);
    let entry = this.#children.get(key);
    if (entry === undefined) {
      const labelPairs = this.labelNames.map((n, i) => `${n}="${escapeLabelValue(String(values[i]))}"`).join(',');
      entry = { child: this.make(), labelStr: labelPairs === '' ? '' : `{${labelPairs}}`, labelPairs };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  write(out: string[]): void {
    const keys = [...this.#children.keys()].sort();
    for (const k of keys) {
      const e = this.#children.get(k)!;
      e.child.write(out, e.labelStr, e.labelPairs);
    }
  }
}

class CounterImpl implements Child, CounterChild {
  #value = 0;
  constructor(
    readonly name: string,
    readonly collect: (() => number) | undefined,
  ) {}

  inc(n = 1): void {
    if (!(n >= 0)) throw new Error(`counter ${this.name} cannot decrease (inc(${n}))`);
    this.#value += n;
  }

  write(out: string[], labelStr: string): void {
    let v = this.#value;
    if (this.collect) {
      try {
        v = this.collect();
      } catch {
        // A failing collector must not break the whole exposition.
        v = NaN;
      }
    }
    out.push(`${this.name}${labelStr} ${formatValue(v)}\n`);
  }
}

class GaugeImpl implements Child, GaugeChild {
  #value = 0;
  constructor(
    readonly name: string,
    readonly collect: (() => number) | undefined,
  ) {}

  set(v: number): void {
    this.#value = v;
  }
  inc(n = 1): void {
    this.#value += n;
  }
  dec(n = 1): void {
    this.#value -= n;
  }

  write(out: string[], labelStr: string): void {
    let v = this.#value;
    if (this.collect) {
      try {
        v = this.collect();
      } catch {
        // A failing collector must not break the whole exposition.
        v = NaN;
      }
    }
    out.push(`${this.name}${labelStr} ${formatValue(v)}\n`);
  }
}

class HistogramImpl implements Child, HistogramChild {
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;
  readonly #leStrs: string[];

  constructor(
    readonly name: string,
    readonly bounds: readonly number[],
  ) {
    this.#counts = new Float64Array(bounds.length);
    this.#leStrs = bounds.map(formatValue);
  }

  observe(v: number): void {
    const b = this.bounds;
    // Bucket counts are per bucket here and made cumulative at exposition time.
    let i = 0;
    while (i < b.length - 1 && v > b[i]) i++;
    this.#counts[i]++;
    this.#sum += v;
    this.#count++;
  }

  startTimer(): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(seconds);
      return seconds;
    };
  }

  write(out: string[], labelStr: string, labelPairs: string): void {
    const prefix = labelPairs === '' ? '{' : `{${labelPairs},`;
    let cum = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cum += this.#counts[i];
      out.push(`${this.name}_bucket${prefix}le="${this.#leStrs[i]}"} ${formatValue(cum)}\n`);
    }
    out.push(`${this.name}_sum${labelStr} ${formatValue(this.#sum)}\n`);
    out.push(`${this.name}_count${labelStr} ${formatValue(this.#count)}\n`);
  }
}

/** A sample value as the text format writes it: `NaN`, `+Inf`, `-Inf`, or a Go-parseable float. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** HELP text escapes backslash and newline. */
export function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values escape backslash, double quote and newline. */
export function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
