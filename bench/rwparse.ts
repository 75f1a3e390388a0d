/**
 * `npm run bench -- rwparse [--series=N] [--samples=N] [--per-request=N] [--warmup=N] [--passes=N]`
 *
 * CPU cost of the remote write 1.0 parse step alone (`RemoteWriteParse.run`,
 * what a parse worker does per request: snappy inflate, protobuf decode,
 * series found by their label bytes, columns out), on the very bodies the
 * ingest benchmark sends to `/api/v1/write` (bench/ingest.ts: the
 * `remoteWrite` protocol's `encode` over the shared dataset). No server, no
 * sockets, no storage: one thread parsing requests back to back, so the
 * figure is parse ns per sample.
 *
 * The first pass meets every series for the first time (labels decoded and
 * checked, ids allocated) and is reported on its own; the warm-up passes let
 * the JIT settle; the measured passes are the steady state of a long-running
 * server, where every series is already known. Each request is finished
 * (`ParsedBuilder.finish()`) as the parse host does, so the cost of handing
 * the columns over is included.
 *
 * A checksum over every parsed sample (id, timestamp, value bits) is
 * printed, so two versions of the parser can be compared for identical
 * output as well as speed.
 *
 * Run: node --import tsx bench/rwparse.ts
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ParsedBuilder, SeriesIds } from '../packages/server/src/ingest/common/parsed.js';
import { RemoteWriteParse, type RemoteWriteParseArgs } from '../packages/server/src/ingest/remotewrite/parse.js';
import { Dataset } from './dataset.js';
import { remoteWrite } from './ingest.js';

interface Pass {
  seconds: number;
  cpuSeconds: number;
  samples: number;
  checksum: number;
  newSeries: number;
  rejects: number;
}

const TWO_32 = 2 ** 32;

/** One pass over all bodies; the checksum mixes every sample's id, timestamp and value bits. */
function pass(parse: RemoteWriteParse, out: ParsedBuilder, bodies: Buffer[], samples: number): Pass {
  const args: RemoteWriteParseArgs = { version: 1, limit: 64 << 20 };
  let checksum = 0;
  let newSeries = 0;
  let rejects = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const body of bodies) {
    parse.run(body, args, out);
    const r = out.finish();
    newSeries += r.newIds.length;
    rejects += r.rejects.length;
    // A few ns per sample against hundreds parsing it: every sample, bits of the value included (NaN payloads).
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
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, samples, checksum: checksum >>> 0, newSeries, rejects };
}

function report(label: string, p: Pass): void {
  const ns = (p.seconds * 1e9) / p.samples;
  const cpuNs = (p.cpuSeconds * 1e9) / p.samples;
  console.log(
    `${label.padEnd(10)} ${ns.toFixed(0).padStart(6)} ns/sample  ${(p.samples / p.seconds / 1e6).toFixed(2).padStart(6)} M samples/s  (cpu ${cpuNs.toFixed(0)} ns/sample, ${p.newSeries} new series, ${p.rejects} rejects, checksum ${p.checksum.toString(16)})`,
  );
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      series: { type: 'string', default: '10000' },
      samples: { type: 'string', default: '120' },
      'per-request': { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '3' },
      passes: { type: 'string', default: '5' },
    },
  });
  const ds = new Dataset({ series: Number(values.series), samples: Number(values.samples) });
  const encoded = remoteWrite.encode(ds, Number(values['per-request']));
  const bodies = encoded.map((b) => b.data);
  const samples = encoded.reduce((n, b) => n + b.samples, 0);
  const bytes = encoded.reduce((n, b) => n + b.data.length, 0);
  console.log(`remote write 1.0 parse: ${samples} samples in ${bodies.length} requests (${(bytes / samples).toFixed(1)} snappy bytes/sample, ${ds.seriesCount} series)`);

  const parse = new RemoteWriteParse(new SeriesIds());
  const out = new ParsedBuilder();
  report('first', pass(parse, out, bodies, samples));
  for (let i = 0; i < Number(values.warmup); i++) pass(parse, out, bodies, samples);
  const measured: Pass[] = [];
  for (let i = 0; i < Number(values.passes); i++) {
    const p = pass(parse, out, bodies, samples);
    measured.push(p);
    report(`pass ${i + 1}`, p);
  }
  const best = measured.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const sorted = measured.map((p) => p.seconds).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const cpuSorted = measured.map((p) => p.cpuSeconds).sort((a, b) => a - b);
  const cpuMedian = cpuSorted[cpuSorted.length >> 1];
  console.log(
    `steady state: best ${((best.seconds * 1e9) / samples).toFixed(0)} ns/sample (${(samples / best.seconds / 1e6).toFixed(2)} M samples/s), median ${((median * 1e9) / samples).toFixed(0)} ns/sample (cpu ${((cpuMedian * 1e9) / samples).toFixed(0)})`,
  );
}

// Run directly (`node --import tsx bench/rwparse.ts`) as well as through bench/run.ts.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
