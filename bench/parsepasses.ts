/**
 * The measuring loop shared by the parse-step benchmarks (`lineparse`,
 * `rwparse`): a first pass (every series new), warm-up passes, measured
 * passes (the steady state of a long-running server, every series known),
 * each timed in wall and CPU time. Every parsed sample goes into a checksum
 * (series id, timestamp, the value's bits: NaN payloads included), so two
 * versions of a parser can be compared for identical output as well as
 * speed.
 */
import type { ParsedSamples } from '../packages/server/src/ingest/common/parsed.js';

export interface Pass {
  seconds: number;
  cpuSeconds: number;
  checksum: number;
  newSeries: number;
  rejects: number;
}

const TWO_32 = 2 ** 32;

/** One pass: `parseOne` parses a body and hands over its result (`ParsedBuilder.finish()`). */
export function pass<B>(bodies: readonly B[], parseOne: (body: B) => ParsedSamples): Pass {
  let checksum = 0;
  let newSeries = 0;
  let rejects = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const body of bodies) {
    const r = parseOne(body);
    newSeries += r.newIds.length;
    rejects += r.rejects.length;
    // A few ns per sample against hundreds parsing it.
    const vbits = new Int32Array(r.vs.buffer, r.vs.byteOffset, 2 * r.n);
    for (let i = 0; i < r.n; i++) {
      const t = r.ts[i];
      checksum = (Math.imul(checksum, 31) + r.ids[i]) | 0;
      checksum = (Math.imul(checksum, 31) + ((t % TWO_32) | 0) + ((t / TWO_32) | 0)) | 0;
      checksum = (Math.imul(checksum, 31) + vbits[2 * i]) | 0;
      checksum = (Math.imul(checksum, 31) + vbits[2 * i + 1]) | 0;
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, checksum: checksum >>> 0, newSeries, rejects };
}

export interface PassesOptions<B> {
  bodies: readonly B[];
  parseOne: (body: B) => ParsedSamples;
  /** What the figures are per (`line`, `sample`) and how many there are in one pass. */
  unit: string;
  units: number;
  warmup: number;
  passes: number;
}

/** Runs the first, warm-up and measured passes, printing each and the steady state. */
export function runPasses<B>(o: PassesOptions<B>): void {
  const u = o.unit;
  const report = (label: string, p: Pass) => {
    const ns = (p.seconds * 1e9) / o.units;
    const cpuNs = (p.cpuSeconds * 1e9) / o.units;
    console.log(
      `${label.padEnd(10)} ${ns.toFixed(0).padStart(6)} ns/${u}  ${(o.units / p.seconds / 1e6).toFixed(2).padStart(6)} M ${u}s/s  (cpu ${cpuNs.toFixed(0)} ns/${u}, ${p.newSeries} new series, ${p.rejects} rejects, checksum ${p.checksum.toString(16)})`,
    );
  };
  report('first', pass(o.bodies, o.parseOne));
  for (let i = 0; i < o.warmup; i++) pass(o.bodies, o.parseOne);
  const measured: Pass[] = [];
  for (let i = 0; i < o.passes; i++) {
    const p = pass(o.bodies, o.parseOne);
    measured.push(p);
    report(`pass ${i + 1}`, p);
  }
  const best = measured.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const wall = median(measured.map((p) => p.seconds));
  const cpu = median(measured.map((p) => p.cpuSeconds));
  console.log(
    `steady state: best ${((best.seconds * 1e9) / o.units).toFixed(0)} ns/${u} (${(o.units / best.seconds / 1e6).toFixed(2)} M ${u}s/s), median ${((wall * 1e9) / o.units).toFixed(0)} ns/${u} (cpu ${((cpu * 1e9) / o.units).toFixed(0)})`,
  );
}
