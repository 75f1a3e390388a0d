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
import { parseArgs } from 'node:util';
import { ParsedBuilder, SeriesIds } from '../packages/server/src/ingest/common/parsed.js';
import { RemoteWriteParse, type RemoteWriteParseArgs } from '../packages/server/src/ingest/remotewrite/parse.js';
import { runIfMain } from './cli.js';
import { Dataset } from './dataset.js';
import { REQUEST_FLAGS, remoteWrite } from './ingest.js';
import { runPasses } from './parsepasses.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...REQUEST_FLAGS,
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
  const args: RemoteWriteParseArgs = { version: 1, limit: 64 << 20 };
  runPasses({
    bodies,
    parseOne: (body) => {
      parse.run(body, args, out);
      return out.finish();
    },
    unit: 'sample',
    units: samples,
    warmup: Number(values.warmup),
    passes: Number(values.passes),
  });
}

// Run directly (`node --import tsx bench/rwparse.ts`) as well as through bench/run.ts.
runIfMain(import.meta.url, run);
