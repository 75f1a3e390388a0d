/**
 * A deterministic benchmark dataset shared by every benchmark: node_exporter
 * and HTTP-service series over many instances, with the value shapes real
 * scrapes have (counters growing by small integer or 2-decimal steps, gauges
 * drifting with 2 decimals or by whole memory pages, constant series,
 * histograms with cumulative buckets, and groups of series that appear and
 * disappear mid-range).
 *
 * Every group of series (one counter, one gauge, or one histogram's buckets +
 * sum + count) has its own PRNG seeded from (seed, instance, template), so a
 * series' samples do not depend on how many series are generated nor on
 * whether the data is read series by series (`series()`, for writing files)
 * or timestamp by timestamp (`steps()`, for appending in time order as a
 * scraper would). Both orders yield identical numbers.
 *
 * Sample timestamps are `end - (samples - j) * interval - offset(instance)`
 * for j in [0, samples): the range ends just before `end`, and each instance
 * has its own constant scrape offset (whole ms), as Prometheus spreads its
 * targets over the interval.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Labels, METRIC_NAME } from '../packages/server/src/model/labels.js';

export interface DatasetOptions {
  /** Number of series (exact). */
  series: number;
  /** Samples per series when the series exists over the whole range. */
  samples: number;
  /** Scrape interval in ms. */
  intervalMs: number;
  /** Exclusive end of the range, ms since the epoch. */
  endMs: number;
  seed: number;
  /** Per-scrape timestamp jitter, uniform in [-jitterMs, +jitterMs] (same for all series of a scrape). */
  jitterMs: number;
}

/** 2025-01-01T00:00:00Z: aligned to 2 h, so Prometheus's backfill cuts no extra block. */
export const DEFAULT_END_MS = Date.UTC(2025, 0, 1);

export const DEFAULT_DATASET: Readonly<DatasetOptions> = {
  series: 10_000,
  samples: 720,
  intervalMs: 15_000,
  endMs: DEFAULT_END_MS,
  seed: 1,
  jitterMs: 0,
};

/** One series with all its samples; the arrays are fresh and may be kept. */
export interface GeneratedSeries {
  /** Position in the dataset's series order. */
  index: number;
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * The samples of every series at one scrape index. The buffers are reused by
 * the next step: copy what you keep. `present[i]` is 0 for a series that does
 * not exist at this step (its timestamp and value are then meaningless).
 */
export interface Step {
  index: number;
  timestamps: Float64Array;
  values: Float64Array;
  present: Uint8Array;
}

// ---------------------------------------------------------------------------
// PRNG: sfc32 seeded through a 32-bit integer finaliser, so that nearby seeds
// give unrelated streams.

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const s of seeds) h = mix32(h ^ mix32(s >>> 0) ^ Math.floor(s / 0x1_0000_0000));
    this.#a = mix32(h ^ 0x1);
    this.#b = mix32(h ^ 0x2);
    this.#c = mix32(h ^ 0x3);
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.float() * xs.length)];
  }

  /** Approximately normal (sum of 4 uniforms), mean 0, sd 1. */
  normal(): number {
    return (this.float() + this.float() + this.float() + this.float() - 2) * 1.7320508075688772;
  }
}

// ---------------------------------------------------------------------------
// Value models. A model produces `width` values per step into `out[off..]`;
// `t` is the step's timestamp (ms) for the few series that track time.

interface Model {
  step(t: number, out: Float64Array, off: number): void;
}

/** Counter kept in integer hundredths: value = cents / 100 is the nearest double to a 2-decimal number. */
function centsCounter(rng: Rng, startCents: number, stepCents: number, spread: number): Model {
  let cents = startCents;
  return {
    step(_t, out, off) {
      out[off] = cents / 100;
      cents += Math.max(0, Math.round(stepCents * (1 + spread * rng.normal())));
    },
  };
}

/** Counter with integer steps; `burst` is the chance of a step 5× the usual size. */
function intCounter(rng: Rng, start: number, step: number, spread: number, burst = 0): Model {
  let v = start;
  return {
    step(_t, out, off) {
      out[off] = v;
      const k = burst > 0 && rng.float() < burst ? 5 : 1;
      v += Math.max(0, Math.round(k * step * (1 + spread * rng.normal())));
    },
  };
}

/** Counter that mostly stays put: +1..3 with probability `p` per step (error and drop counters). */
function rareCounter(rng: Rng, start: number, p: number): Model {
  let v = start;
  return {
    step(_t, out, off) {
      out[off] = v;
      if (rng.float() < p) v += rng.int(1, 3);
    },
  };
}

/** Gauge doing a bounded random walk in hundredths. */
function centsGauge(rng: Rng, start: number, sigma: number, lo: number, hi: number): Model {
  let cents = Math.round(start * 100);
  const loC = Math.round(lo * 100);
  const hiC = Math.round(hi * 100);
  return {
    step(_t, out, off) {
      out[off] = cents / 100;
      cents = Math.min(hiC, Math.max(loC, cents + Math.round(sigma * 100 * rng.normal())));
    },
  };
}

/** Gauge in whole units of `unit` (memory pages, file system blocks), random walk. */
function unitGauge(rng: Rng, startUnits: number, sigmaUnits: number, loUnits: number, hiUnits: number, unit: number): Model {
  let u = startUnits;
  return {
    step(_t, out, off) {
      out[off] = u * unit;
      u = Math.min(hiUnits, Math.max(loUnits, u + Math.round(sigmaUnits * rng.normal())));
    },
  };
}

function smallIntGauge(rng: Rng, lo: number, hi: number): Model {
  return {
    step(_t, out, off) {
      out[off] = rng.int(lo, hi);
    },
  };
}

function constant(v: number): Model {
  return {
    step(_t, out, off) {
      out[off] = v;
    },
  };
}

/** node_time_seconds: the scrape time in seconds plus a few ms of collection delay. */
function clockGauge(rng: Rng): Model {
  return {
    step(t, out, off) {
      out[off] = (t + rng.int(1, 9)) / 1000;
    },
  };
}

export const LATENCY_BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

/**
 * One histogram: cumulative bucket counters (in LATENCY_BUCKETS order), then
 * `_sum` (a float accumulated from individual durations, full precision as
 * client libraries produce it), then `_count`.
 */
function histogram(rng: Rng, reqPerStep: number, medianSeconds: number): Model {
  const nb = LATENCY_BUCKETS.length;
  const bounds = LATENCY_BUCKETS.map((b) => (b === '+Inf' ? Infinity : Number(b)));
  const counts = new Float64Array(nb);
  let sum = 0;
  let count = 0;
  const logMedian = Math.log(medianSeconds);
  return {
    step(_t, out, off) {
      for (let b = 0; b < nb; b++) out[off + b] = counts[b];
      out[off + nb] = sum;
      out[off + nb + 1] = count;
      const n = Math.max(0, Math.round(reqPerStep * (1 + 0.3 * rng.normal())));
      for (let i = 0; i < n; i++) {
        const d = Math.exp(logMedian + 0.9 * rng.normal());
        sum += d;
        for (let b = nb - 1; b >= 0 && d <= bounds[b]; b--) counts[b]++;
      }
      count += n;
    },
  };
}

// ---------------------------------------------------------------------------
// Templates: what one instance exposes.

interface GroupTemplate {
  family: string;
  job: 'node' | 'api';
  /** Per series: metric name and extra labels (without instance and job). */
  series: { name: string; labels: Record<string, string> }[];
  /** Step range [start, end) in which the group exists; undefined = whole range. */
  window?: readonly [number, number];
  model(rng: Rng): Model;
}

/** Family order of the output (metric families stay contiguous, as OpenMetrics requires). */
const FAMILIES = [
  'node_boot_time_seconds',
  'node_context_switches_total',
  'node_cpu_seconds_total',
  'node_disk_io_time_seconds_total',
  'node_disk_read_bytes_total',
  'node_disk_reads_completed_total',
  'node_disk_written_bytes_total',
  'node_disk_writes_completed_total',
  'node_filesystem_avail_bytes',
  'node_filesystem_files',
  'node_filesystem_files_free',
  'node_filesystem_size_bytes',
  'node_forks_total',
  'node_intr_total',
  'node_load1',
  'node_load15',
  'node_load5',
  'node_memory_Active_bytes',
  'node_memory_Buffers_bytes',
  'node_memory_Cached_bytes',
  'node_memory_Dirty_bytes',
  'node_memory_MemAvailable_bytes',
  'node_memory_MemFree_bytes',
  'node_memory_MemTotal_bytes',
  'node_memory_SwapTotal_bytes',
  'node_network_receive_bytes_total',
  'node_network_receive_drop_total',
  'node_network_receive_errs_total',
  'node_network_receive_packets_total',
  'node_network_transmit_bytes_total',
  'node_network_transmit_drop_total',
  'node_network_transmit_errs_total',
  'node_network_transmit_packets_total',
  'node_procs_blocked',
  'node_procs_running',
  'node_time_seconds',
  'http_request_duration_seconds',
  'http_requests_total',
];
const FAMILY_ORDER = new Map(FAMILIES.map((f, i) => [f, i]));

const CPU_MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'] as const;
const HANDLERS = ['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/metrics'];
const GIB = 1024 * 1024 * 1024;
const PAGE = 4096;

function instanceTemplates(inst: number, seed: number, samples: number): GroupTemplate[] {
  const rng = new Rng(seed, inst, 0xfeed);
  const cpus = rng.pick([2, 4, 4, 8, 8, 16]);
  const memGiB = cpus * rng.pick([2, 4, 8]);
  const memPages = (memGiB * GIB) / PAGE;
  const bootTime = 1_700_000_000 + rng.int(0, 30_000_000);
  const busy = 0.05 + 0.5 * rng.float();
  const t: GroupTemplate[] = [];
  const node = (family: string, labels: Record<string, string>, model: (r: Rng) => Model, window?: readonly [number, number]): void => {
    t.push({ family, job: 'node', series: [{ name: family, labels }], model, window });
  };

  node('node_boot_time_seconds', {}, () => constant(bootTime));
  node('node_time_seconds', {}, (r) => clockGauge(r));
  node('node_context_switches_total', {}, (r) => intCounter(r, r.int(1e8, 9e9), 3000 * cpus * (1 + busy), 0.2));
  node('node_intr_total', {}, (r) => intCounter(r, r.int(1e8, 9e9), 2000 * cpus * (1 + busy), 0.2));
  node('node_forks_total', {}, (r) => intCounter(r, r.int(1e5, 1e8), 40, 0.5, 0.02));
  node('node_procs_running', {}, (r) => smallIntGauge(r, 1, Math.max(2, Math.round(cpus * busy * 2))));
  node('node_procs_blocked', {}, (r) => smallIntGauge(r, 0, 1));
  node('node_load1', {}, (r) => centsGauge(r, cpus * busy, 0.15, 0, cpus * 2));
  node('node_load5', {}, (r) => centsGauge(r, cpus * busy, 0.05, 0, cpus * 2));
  node('node_load15', {}, (r) => centsGauge(r, cpus * busy, 0.02, 0, cpus * 2));

  const modeShare: Record<string, number> = {
    idle: 1 - busy,
    iowait: 0.01,
    irq: 0,
    nice: 0.002,
    softirq: 0.004,
    steal: 0,
    system: busy * 0.3,
    user: busy * 0.7,
  };
  for (let c = 0; c < cpus; c++) {
    for (const mode of CPU_MODES) {
      const share = modeShare[mode];
      node('node_cpu_seconds_total', { cpu: String(c), mode }, (r) =>
        share === 0 ? constant(0) : centsCounter(r, r.int(1e6, 1e9), share * 1500, 0.1),
      );
    }
  }

  node('node_memory_MemTotal_bytes', {}, () => constant(memPages * PAGE));
  node('node_memory_SwapTotal_bytes', {}, () => constant(0));
  node('node_memory_MemFree_bytes', {}, (r) => unitGauge(r, Math.round(memPages * 0.2), 300, 1000, memPages, PAGE));
  node('node_memory_MemAvailable_bytes', {}, (r) => unitGauge(r, Math.round(memPages * 0.6), 300, 1000, memPages, PAGE));
  node('node_memory_Cached_bytes', {}, (r) => unitGauge(r, Math.round(memPages * 0.35), 200, 1000, memPages, PAGE));
  node('node_memory_Buffers_bytes', {}, (r) => unitGauge(r, Math.round(memPages * 0.02), 5, 10, memPages, PAGE));
  node('node_memory_Active_bytes', {}, (r) => unitGauge(r, Math.round(memPages * 0.4), 250, 1000, memPages, PAGE));
  node('node_memory_Dirty_bytes', {}, (r) => unitGauge(r, 200, 40, 0, 100_000, PAGE));

  // Network: two physical interfaces, loopback, and two container interfaces
  // whose lifetime is a window inside the range (series churn).
  const devices: { name: string; rate: number; window?: readonly [number, number] }[] = [
    { name: 'eth0', rate: 200_000 * (1 + 10 * busy) },
    { name: 'eth1', rate: 5_000 },
    { name: 'lo', rate: 20_000 },
  ];
  for (let k = 0; k < 2; k++) {
    const start = rng.int(0, Math.floor(samples * 0.6));
    const end = rng.int(start + 1, samples);
    const id = rng.uint32().toString(16).padStart(8, '0').slice(0, 7);
    devices.push({ name: `veth${id}`, rate: 50_000 * rng.float(), window: [start, end] });
  }
  for (const d of devices) {
    for (const dir of ['receive', 'transmit'] as const) {
      node(`node_network_${dir}_bytes_total`, { device: d.name }, (r) => intCounter(r, r.int(0, 1e12), d.rate * 15, 0.4, 0.01), d.window);
      node(`node_network_${dir}_packets_total`, { device: d.name }, (r) => intCounter(r, r.int(0, 1e9), (d.rate * 15) / 800, 0.4), d.window);
      node(`node_network_${dir}_errs_total`, { device: d.name }, (r) => rareCounter(r, r.int(0, 3) === 0 ? r.int(1, 50) : 0, 0.002), d.window);
      node(`node_network_${dir}_drop_total`, { device: d.name }, (r) => rareCounter(r, r.int(0, 100), 0.01), d.window);
    }
  }

  const mounts: { device: string; mountpoint: string; fstype: string; gib: number }[] = [
    { device: '/dev/sda1', mountpoint: '/', fstype: 'ext4', gib: rng.pick([20, 50, 100]) },
    { device: '/dev/sda15', mountpoint: '/boot/efi', fstype: 'vfat', gib: 0.125 },
    { device: '/dev/sdb', mountpoint: '/var/lib/data', fstype: 'xfs', gib: rng.pick([500, 1000, 2000]) },
    { device: 'tmpfs', mountpoint: '/run', fstype: 'tmpfs', gib: memGiB / 10 },
  ];
  for (const m of mounts) {
    const blocks = Math.round((m.gib * GIB) / PAGE);
    const files = Math.round(blocks / 4);
    const l = { device: m.device, fstype: m.fstype, mountpoint: m.mountpoint };
    node('node_filesystem_size_bytes', l, () => constant(blocks * PAGE));
    node('node_filesystem_avail_bytes', l, (r) => unitGauge(r, Math.round(blocks * (0.2 + 0.6 * r.float())), 20, 0, blocks, PAGE));
    node('node_filesystem_files', l, () => constant(files));
    node('node_filesystem_files_free', l, (r) => unitGauge(r, Math.round(files * 0.9), 3, 0, files, 1));
  }

  for (const dev of ['nvme0n1', 'sda', 'sdb']) {
    const l = { device: dev };
    const io = 0.02 + 0.3 * rng.float();
    node('node_disk_read_bytes_total', l, (r) => intCounter(r, r.int(1e9, 1e13), 512 * 2000 * io, 0.6, 0.02));
    node('node_disk_written_bytes_total', l, (r) => intCounter(r, r.int(1e9, 1e13), 512 * 6000 * io, 0.6, 0.02));
    node('node_disk_reads_completed_total', l, (r) => intCounter(r, r.int(1e6, 1e9), 300 * io, 0.6));
    node('node_disk_writes_completed_total', l, (r) => intCounter(r, r.int(1e6, 1e9), 900 * io, 0.6));
    // node_exporter reports ms counters divided by 1000: 3 decimals.
    node('node_disk_io_time_seconds_total', l, (r) => {
      const inner = intCounter(r, r.int(1e6, 1e9), 15_000 * io, 0.3);
      return { step: (tt, out, off) => (inner.step(tt, out, off), (out[off] = out[off] / 1000)) };
    });
  }

  // The HTTP service on the same host.
  const rate = 1 + 40 * rng.float();
  for (const h of HANDLERS) {
    const share = h === '/metrics' ? 0.07 : rng.float();
    for (const method of h === '/metrics' ? ['GET'] : ['GET', 'POST']) {
      for (const code of ['200', '400', '500']) {
        const frac = code === '200' ? 1 : code === '400' ? 0.01 : 0.002;
        t.push({
          family: 'http_requests_total',
          job: 'api',
          series: [{ name: 'http_requests_total', labels: { code, handler: h, method } }],
          model: (r) => (frac < 0.05 ? rareCounter(r, r.int(0, 200), rate * share * frac * 15) : intCounter(r, r.int(0, 1e7), rate * share * 15, 0.3)),
        });
      }
    }
    const base = 'http_request_duration_seconds';
    t.push({
      family: base,
      job: 'api',
      series: [
        ...LATENCY_BUCKETS.map((le) => ({ name: `${base}_bucket`, labels: { handler: h, le } })),
        { name: `${base}_sum`, labels: { handler: h } },
        { name: `${base}_count`, labels: { handler: h } },
      ],
      model: (r) => histogram(r, rate * share * 15, h === '/api/v1/query_range' ? 0.08 : 0.01),
    });
  }
  return t;
}

// ---------------------------------------------------------------------------

interface Group {
  tmpl: GroupTemplate;
  inst: number;
  tmplIndex: number;
  /** How many of the template's series are in the dataset (the last instance may be cut short). */
  emit: number;
  /** Index of the group's first series in the output order. */
  first: number;
  start: number;
  end: number;
}

function instanceLabel(inst: number, job: 'node' | 'api'): string {
  return `host-${String(inst).padStart(4, '0')}:${job === 'node' ? 9100 : 8080}`;
}

export class Dataset {
  readonly options: Readonly<DatasetOptions>;
  readonly #groups: Group[];
  readonly #instances: number;
  readonly #offsets: Float64Array;
  #totalSamples = 0;

  constructor(options: Partial<DatasetOptions> = {}) {
    const o = { ...DEFAULT_DATASET, ...options };
    if (!(Number.isInteger(o.series) && o.series > 0)) throw new Error(`cannot build dataset: series must be a positive integer, got ${o.series}`);
    if (!(Number.isInteger(o.samples) && o.samples > 0)) throw new Error(`cannot build dataset: samples must be a positive integer, got ${o.samples}`);
    if (!(Number.isInteger(o.intervalMs) && o.intervalMs > 0)) throw new Error(`cannot build dataset: interval must be a positive number of ms, got ${o.intervalMs}`);
    if (!(Number.isInteger(o.jitterMs) && o.jitterMs >= 0 && 2 * o.jitterMs < o.intervalMs)) {
      throw new Error(`cannot build dataset: jitter must be an integer in [0, interval/2), got ${o.jitterMs}`);
    }
    this.options = Object.freeze(o);

    const groups: Group[] = [];
    let remaining = o.series;
    let inst = 0;
    for (; remaining > 0; inst++) {
      const ts = instanceTemplates(inst, o.seed, o.samples);
      for (let k = 0; k < ts.length && remaining > 0; k++) {
        const emit = Math.min(ts[k].series.length, remaining);
        remaining -= emit;
        const [start, end] = ts[k].window ?? [0, o.samples];
        groups.push({ tmpl: ts[k], inst, tmplIndex: k, emit, first: 0, start, end });
      }
    }
    this.#instances = inst;
    groups.sort(
      (a, b) => FAMILY_ORDER.get(a.tmpl.family)! - FAMILY_ORDER.get(b.tmpl.family)! || a.inst - b.inst || a.tmplIndex - b.tmplIndex,
    );
    let first = 0;
    for (const g of groups) {
      g.first = first;
      first += g.emit;
      this.#totalSamples += g.emit * (g.end - g.start);
    }
    this.#groups = groups;

    this.#offsets = new Float64Array(inst);
    for (let i = 0; i < inst; i++) this.#offsets[i] = new Rng(o.seed, i, 0x0ff5e7).int(0, o.intervalMs - 1 - o.jitterMs);
  }

  get seriesCount(): number {
    return this.options.series;
  }

  get instanceCount(): number {
    return this.#instances;
  }

  /** Samples over all series (series that exist only part of the range count only their samples). */
  get totalSamples(): number {
    return this.#totalSamples;
  }

  /** A bound at or below every sample timestamp. */
  get minTimeMs(): number {
    const o = this.options;
    return o.endMs - o.samples * o.intervalMs - o.intervalMs;
  }

  /** The range end: every sample timestamp is below it. */
  get maxTimeMs(): number {
    return this.options.endMs;
  }

  /** The timestamp of step j for an instance. */
  timestamp(inst: number, j: number): number {
    const o = this.options;
    let t = o.endMs - (o.samples - j) * o.intervalMs - this.#offsets[inst];
    if (o.jitterMs > 0) t += new Rng(o.seed, inst, j, 0x717e).int(-o.jitterMs, o.jitterMs);
    return t;
  }

  /** Label sets of all series, in order (a fresh `Labels` per series). */
  *labels(): Generator<Labels> {
    for (const g of this.#groups) for (let s = 0; s < g.emit; s++) yield this.#labelsOf(g, s);
  }

  /** The label set of series `index` (a fresh `Labels`). */
  seriesLabels(index: number): Labels {
    const gs = this.#groups;
    let lo = 0;
    let hi = gs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (gs[mid].first <= index) lo = mid;
      else hi = mid - 1;
    }
    const g = gs[lo];
    if (index < 0 || index >= this.options.series) throw new RangeError(`cannot get labels of series ${index}: the dataset has ${this.options.series}`);
    return this.#labelsOf(g, index - g.first);
  }

  /** Every series with all its samples, in order. */
  *series(): Generator<GeneratedSeries> {
    const width = (g: Group): number => g.tmpl.series.length;
    let buf = new Float64Array(64);
    for (const g of this.#groups) {
      const n = g.end - g.start;
      const w = width(g);
      if (buf.length < w) buf = new Float64Array(w);
      const model = g.tmpl.model(this.#rngOf(g));
      const ts = new Float64Array(n);
      const vs: Float64Array[] = [];
      for (let s = 0; s < g.emit; s++) vs.push(new Float64Array(n));
      for (let j = 0; j < n; j++) {
        const t = this.timestamp(g.inst, g.start + j);
        ts[j] = t;
        model.step(t, buf, 0);
        for (let s = 0; s < g.emit; s++) vs[s][j] = buf[s];
      }
      for (let s = 0; s < g.emit; s++) {
        yield { index: g.first + s, labels: this.#labelsOf(g, s), timestamps: s === 0 ? ts : ts.slice(), values: vs[s] };
      }
    }
  }

  /**
   * All series at step 0, then all at step 1, ... — the order a scraper
   * appends in. `from`/`to` select a step range [from, to) (the models still
   * run from step 0, so values equal those of `series()`).
   */
  *steps(from = 0, to = this.options.samples): Generator<Step> {
    const n = this.options.series;
    const maxWidth = Math.max(...this.#groups.map((g) => g.tmpl.series.length));
    const buf = new Float64Array(maxWidth);
    const step: Step = { index: 0, timestamps: new Float64Array(n), values: new Float64Array(n), present: new Uint8Array(n) };
    const models: (Model | undefined)[] = new Array(this.#groups.length);
    for (let j = 0; j < to; j++) {
      step.index = j;
      for (let gi = 0; gi < this.#groups.length; gi++) {
        const g = this.#groups[gi];
        const here = j >= g.start && j < g.end;
        if (here) {
          const model = (models[gi] ??= g.tmpl.model(this.#rngOf(g)));
          const t = this.timestamp(g.inst, j);
          model.step(t, buf, 0);
          for (let s = 0; s < g.emit; s++) {
            step.timestamps[g.first + s] = t;
            step.values[g.first + s] = buf[s];
            step.present[g.first + s] = 1;
          }
        } else {
          for (let s = 0; s < g.emit; s++) step.present[g.first + s] = 0;
        }
      }
      if (j >= from) yield step;
    }
  }

  #rngOf(g: Group): Rng {
    return new Rng(this.options.seed, g.inst, g.tmplIndex, 0x5e12e5);
  }

  #labelsOf(g: Group, s: number): Labels {
    const spec = g.tmpl.series[s];
    return Labels.fromObject({
      ...spec.labels,
      [METRIC_NAME]: spec.name,
      instance: instanceLabel(g.inst, g.tmpl.job),
      job: g.tmpl.job,
    });
  }
}

// ---------------------------------------------------------------------------
// Text writers.

function escapeLabelValue(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** `name{a="1",b="2"}` in label order, `__name__` as the metric name. */
export function formatSeries(ls: Labels): string {
  let name = '';
  const parts: string[] = [];
  ls.forEach((n, v) => {
    if (n === METRIC_NAME) name = v;
    else parts.push(`${n}="${escapeLabelValue(v)}"`);
  });
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

/** Prometheus/OpenMetrics float text: shortest round-trip decimal. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Milliseconds as seconds with exactly the needed decimals ("1735689584", "1735689584.5", "1735689584.123"). */
export function formatSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  if (frac === 0) return String(s);
  return `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}

export type TextFormat = 'openmetrics' | 'prometheus';

/** `series`: each series with all its samples, then the next; `time`: every series at step 0, then at step 1, … */
export type TextOrder = 'series' | 'time';

/**
 * Streams the dataset as exposition text with timestamps: `openmetrics`
 * (seconds, trailing `# EOF`, for `promtool tsdb create-blocks-from
 * openmetrics`) or `prometheus` (ms, for `/api/v1/import/prometheus`).
 * In `series` order each series comes whole and in time order, metric
 * families contiguous (as OpenMetrics requires); `time` order is how a
 * scraper would have seen the data, which stores with an out-of-order window
 * need. No `# TYPE` lines, so every family is "unknown" and names need no
 * suffix rules. Memory stays bounded by one series (or one step) plus the
 * write buffer. Resolves to the bytes written.
 */
export async function writeText(ds: Dataset, path: string, format: TextFormat, order: TextOrder = 'series'): Promise<number> {
  if (format === 'openmetrics' && order === 'time') throw new Error('cannot write OpenMetrics in time order: metric families must stay contiguous');
  const out = createWriteStream(path);
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => {});
  let bytes = 0;
  let chunk = '';
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(chunk);
    const ok = out.write(chunk);
    chunk = '';
    if (!ok) await Promise.race([once(out, 'drain'), failed]);
  };
  const om = format === 'openmetrics';
  if (order === 'series') {
    for (const s of ds.series()) {
      const prefix = `${formatSeries(s.labels)} `;
      for (let j = 0; j < s.values.length; j++) {
        chunk += `${prefix}${formatValue(s.values[j])} ${om ? formatSeconds(s.timestamps[j]) : s.timestamps[j]}\n`;
      }
      if (chunk.length >= 1 << 20) await flush();
    }
  } else {
    const prefixes: string[] = [];
    for (const ls of ds.labels()) prefixes.push(`${formatSeries(ls)} `);
    for (const step of ds.steps()) {
      for (let i = 0; i < prefixes.length; i++) {
        if (!step.present[i]) continue;
        chunk += `${prefixes[i]}${formatValue(step.values[i])} ${step.timestamps[i]}\n`;
        if (chunk.length >= 1 << 20) await flush();
      }
    }
  }
  if (om) chunk += '# EOF\n';
  await flush();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return bytes;
}
