/**
 * Deterministic synthetic series shaped like node_exporter data, for size
 * assertions in tests and for bench/chunkenc.ts. Same seed, same samples.
 */
import { STALE_NAN } from '../../model/value.js';
import { SampleBuffers } from './samples.js';

export type SeriesKind =
  /** One value forever (info metrics, sizes, limits). */
  | 'constant'
  /** Counter growing by 0–4 per scrape (packets, errors, context switches of an idle box). */
  | 'counter-int'
  /** Counter with 2-decimal steps around a per-series rate (node_cpu_seconds_total). */
  | 'counter-dec'
  /** Gauge drifting by 2-decimal steps (load averages, temperatures). */
  | 'gauge-dec'
  /** Gauge of bytes moving in 4 KiB pages (memory, filesystem free). */
  | 'gauge-bytes'
  /** Gauge with full float64 precision (ratios computed by the exporter). */
  | 'gauge-float'
  /** Counter that appears late, stops with a staleness marker, comes back and stops again. */
  | 'start-stop';

export const SERIES_KINDS: readonly SeriesKind[] = ['constant', 'counter-int', 'counter-dec', 'gauge-dec', 'gauge-bytes', 'gauge-float', 'start-stop'];

/** Share of each kind in a node_exporter-like mix. */
export const NODE_EXPORTER_MIX: ReadonlyArray<readonly [SeriesKind, number]> = [
  ['constant', 0.3],
  ['counter-int', 0.2],
  ['counter-dec', 0.2],
  ['gauge-dec', 0.1],
  ['gauge-bytes', 0.1],
  ['gauge-float', 0.05],
  ['start-stop', 0.05],
];

/** Prometheus's staleness marker: a NaN with payload 2. */
export { STALE_NAN };

export interface SynthOptions {
  /** First timestamp (ms). */
  start: number;
  /** Number of scrape slots. */
  slots: number;
  /** Scrape interval (ms). */
  interval: number;
  /** Scrape timestamps drift by a few ms instead of being exact. */
  jitter: boolean;
}

/** A small fast PRNG (mulberry32): uniform in [0, 1). */
export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Fills `out` with one series of `kind` and returns its sample count. */
export function synthSeries(kind: SeriesKind, seed: number, o: SynthOptions, out: SampleBuffers): number {
  const rng = new Rng(seed * 2654435761 + 1);
  out.ensure(o.slots);
  const ts = out.ts;
  const vs = out.vs;
  let from = 0;
  let to = o.slots;
  let gapFrom = to;
  let gapTo = to;
  if (kind === 'start-stop') {
    from = rng.int(o.slots >> 1);
    to = from + 1 + rng.int(o.slots - from);
    gapFrom = from + rng.int(to - from);
    gapTo = gapFrom + rng.int(Math.max(1, (to - gapFrom) >> 1));
  }
  const scale = 10 ** rng.int(4);
  let v = 0;
  let rate = 0;
  switch (kind) {
    case 'constant':
      v = [1, 0, 4096, 8, 1e9, 16773296128][rng.int(6)];
      break;
    case 'counter-int':
    case 'start-stop':
      v = rng.int(1e6);
      break;
    case 'counter-dec':
      v = Math.round(rng.next() * 1e7) / 100;
      rate = 1 + rng.int(1500);
      break;
    case 'gauge-dec':
      v = Math.round(rng.next() * 100 * scale) / 100;
      break;
    case 'gauge-bytes':
      v = (1e5 + rng.int(4e6)) * 4096;
      break;
    case 'gauge-float':
      v = rng.next();
      break;
  }
  let n = 0;
  let jitter = 0;
  for (let slot = from; slot < to; slot++) {
    if (slot >= gapFrom && slot < gapTo) {
      // The stop: a staleness marker one interval after the last scrape.
      if (slot === gapFrom) {
        ts[n] = o.start + slot * o.interval;
        vs[n++] = STALE_NAN;
      }
      continue;
    }
    if (o.jitter) jitter = rng.int(7) - 3;
    ts[n] = o.start + slot * o.interval + jitter;
    switch (kind) {
      case 'constant':
        break;
      case 'counter-int':
      case 'start-stop':
        v += rng.int(5);
        break;
      case 'counter-dec':
        // Steps of rate ± 5 hundredths, summed in hundredths to stay a 2-decimal value.
        v = Math.round(v * 100 + rate + rng.int(11) - 5) / 100;
        break;
      case 'gauge-dec':
        if (rng.next() < 0.5) v = Math.round(v * 100 + (rng.int(21) - 10) * scale) / 100;
        break;
      case 'gauge-bytes':
        if (rng.next() < 0.7) v += (rng.int(2001) - 1000) * 4096;
        break;
      case 'gauge-float':
        v = Math.min(1, Math.max(0, v + (rng.next() - 0.5) / 50));
        break;
    }
    vs[n++] = v;
  }
  if (kind === 'start-stop' && to < o.slots) {
    ts[n] = o.start + to * o.interval;
    vs[n++] = STALE_NAN;
  }
  return n;
}

/**
 * Picks the kind of series number `i` of a mix, deterministically; a
 * low-discrepancy sequence keeps the shares exact even for few series.
 */
export function mixKind(mix: ReadonlyArray<readonly [SeriesKind, number]>, i: number): SeriesKind {
  const x = (i * 0.6180339887498949) % 1;
  let acc = 0;
  for (const [kind, share] of mix) {
    acc += share;
    if (x < acc) return kind;
  }
  return mix[mix.length - 1][0];
}
