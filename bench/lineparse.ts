/**
 * `npm run bench -- lineparse [--series=N] [--samples=N] [--per-request=N] [--warmup=N] [--passes=N] [--text]`
 *
 * CPU cost of the Influx line-protocol parse step alone (`InfluxParse.run`,
 * what a parse worker does per block), on the very bodies the ingest
 * benchmark sends to `/write?db=bench&precision=ms` (bench/ingest.ts:
 * `linePrefixes` + `encodeLines` over the shared dataset). No server, no
 * sockets, no storage: one thread parsing blocks back to back, so the
 * figure is parse ns per line.
 *
 * The first pass meets every series for the first time (labels built, ids
 * allocated) and is reported on its own; the warm-up passes let the JIT
 * settle; the measured passes are the steady state of a long-running
 * server, where every series is already known. Each block is finished
 * (`ParsedBuilder.finish()`) as the parse host does, so the cost of handing
 * the columns over is included. Bodies are Buffers, as HTTP delivers them;
 * `--text` passes them as strings instead, as the TCP/UDP listener does
 * (decoding excluded from the clock there).
 *
 * A checksum over every parsed sample is printed, so two versions of the
 * parser can be compared for identical output as well as speed.
 *
 * Run: node --import tsx bench/lineparse.ts
 */
import { parseArgs } from 'node:util';
import { ParsedBuilder, SeriesIds } from '../packages/server/src/ingest/common/parsed.js';
import { InfluxParse, type InfluxParseArgs } from '../packages/server/src/ingest/influx/stream.js';
import { runIfMain } from './cli.js';
import { Dataset } from './dataset.js';
import { REQUEST_FLAGS, encodeLines, linePrefixes } from './ingest.js';
import { runPasses } from './parsepasses.js';

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...REQUEST_FLAGS,
      warmup: { type: 'string', default: '3' },
      passes: { type: 'string', default: '5' },
      text: { type: 'boolean', default: false },
    },
  });
  const ds = new Dataset({ series: Number(values.series), samples: Number(values.samples) });
  const prefixes = linePrefixes(ds);
  const encoded = encodeLines(ds, Number(values['per-request']), (i, t, v) => `${prefixes[i]}${v} ${t}`);
  const bodies: (Buffer | string)[] = encoded.map((b) => (values.text ? b.data.toString('utf8') : b.data));
  const lines = encoded.reduce((n, b) => n + b.samples, 0);
  const bytes = encoded.reduce((n, b) => n + b.data.length, 0);
  console.log(
    `line protocol parse: ${lines} lines in ${bodies.length} blocks (${(bytes / lines).toFixed(0)} bytes/line, ${ds.seriesCount} series), bodies as ${values.text ? 'strings' : 'Buffers'}, precision ms`,
  );

  const parse = new InfluxParse(new SeriesIds());
  const out = new ParsedBuilder();
  const args: InfluxParseArgs = { db: 'bench', precision: 'ms', now: Date.UTC(2025, 0, 1), firstLine: 1 };
  runPasses({
    bodies,
    parseOne: (body) => {
      parse.run(body, args, out);
      return out.finish();
    },
    unit: 'line',
    units: lines,
    warmup: Number(values.warmup),
    passes: Number(values.passes),
  });
}

// Run directly (`node --import tsx bench/lineparse.ts`) as well as through bench/run.ts.
runIfMain(import.meta.url, run);
