/**
 * `npm run bench -- headapply [--series=N] [--samples=N] [--per-request=N] [--rounds=N] [--pollute-mib=N]`
 *
 * CPU cost of the head's append (each committed sample into its series'
 * open XOR chunk), the largest part of the main thread's work under push
 * load, two ways: as the server does it (`Head.stage` per batch, `flush`
 * when `STAGE_SAMPLES` are staged: each series' samples applied together)
 * and one by one in commit order (`Head.apply` per batch, as WAL replay
 * does), on the shared dataset in the order a sender streams it
 * (all series at step 0, then step 1 …, `--per-request` samples per batch):
 * each batch touches that many different series, as a remote-write or
 * line-protocol request does.
 *
 * In a server, everything else a request does between two touches of a
 * series (HTTP, the body, the parse worker on the other core, the WAL)
 * evicts the series from the CPU caches; alone in a loop they stay cached
 * and memory layout hardly shows. So between batches the benchmark sweeps
 * `--pollute-mib` MiB of unrelated memory (default 8; the sweep is not
 * timed), and prints the figure both ways: with the sweep it matches what
 * the head append costs in the server under `npm run bench -- ingest`.
 *
 * Each round appends the whole dataset to a fresh head (series created
 * before the clock starts). The first round runs while V8 compiles the
 * path and is shown on its own; the figure is the median of the others.
 *
 * Run: node --import tsx bench/headapply.ts
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Head, STAGE_SAMPLES, type ApplyResult } from '../packages/server/src/tsdb/head/head.js';
import { runIfMain } from './cli.js';
import { Dataset } from './dataset.js';
import { REQUEST_FLAGS } from './ingest.js';

const BLOCK_RANGE_MS = 2 * 3600_000;

/** A full collection before each round, so one round's garbage (the previous head) is not collected on another's clock. */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

interface Batches {
  refs: Int32Array[];
  ts: Float64Array[];
  vs: Float64Array[];
  samples: number;
}

/** The dataset as batches of series indexes (0-based; a head's refs are these + 1 when created in order). */
function batches(ds: Dataset, perRequest: number): Batches {
  const out: Batches = { refs: [], ts: [], vs: [], samples: 0 };
  let refs = new Int32Array(perRequest);
  let ts = new Float64Array(perRequest);
  let vs = new Float64Array(perRequest);
  let n = 0;
  const flush = () => {
    out.refs.push(refs.subarray(0, n));
    out.ts.push(ts.subarray(0, n));
    out.vs.push(vs.subarray(0, n));
    out.samples += n;
    refs = new Int32Array(perRequest);
    ts = new Float64Array(perRequest);
    vs = new Float64Array(perRequest);
    n = 0;
  };
  for (const step of ds.steps()) {
    for (let i = 0; i < step.present.length; i++) {
      if (!step.present[i]) continue;
      refs[n] = i;
      ts[n] = step.timestamps[i];
      vs[n] = step.values[i];
      if (++n === perRequest) flush();
    }
  }
  if (n > 0) flush();
  return out;
}

type Mode = 'staged' | 'one by one';

/** One round: a fresh head, every batch staged or applied; returns ns per sample (stage, flush and apply calls only). */
function round(ds: Dataset, b: Batches, junk: Uint8Array, mode: Mode): number {
  collect();
  const head = new Head({ blockRange: BLOCK_RANGE_MS, oooWindow: 0 });
  const refOf = new Int32Array(ds.seriesCount);
  let i = 0;
  for (const labels of ds.labels()) refOf[i++] = head.getOrCreate(labels).ref;
  const refs = new Int32Array(b.refs[0]?.length ?? 0);
  const result: ApplyResult = { inOrder: 0, outOfOrder: 0, dropped: 0, chunksCreated: 0 };
  let ms = 0;
  for (let k = 0; k < b.refs.length; k++) {
    const idx = b.refs[k];
    for (let j = 0; j < idx.length; j++) refs[j] = refOf[idx[j]];
    for (let p = 0; p < junk.length; p += 64) junk[p]++;
    const t0 = performance.now();
    if (mode === 'one by one') head.apply(refs, b.ts[k], b.vs[k], idx.length, result);
    else {
      head.stage(refs, b.ts[k], b.vs[k], idx.length);
      if (head.staged >= STAGE_SAMPLES) head.flush();
    }
    ms += performance.now() - t0;
  }
  if (mode === 'staged') {
    const t0 = performance.now();
    head.flush();
    ms += performance.now() - t0;
    Object.assign(result, head.applied);
  }
  if (result.inOrder !== b.samples) throw new Error(`head took ${result.inOrder} of ${b.samples} samples in order (dropped ${result.dropped})`);
  return (ms * 1e6) / b.samples;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...REQUEST_FLAGS,
      rounds: { type: 'string', default: '6' },
      'pollute-mib': { type: 'string', default: '8' },
    },
  });
  const rounds = Number(values.rounds);
  const mib = Number(values['pollute-mib']);
  if (!(Number.isInteger(rounds) && rounds >= 2)) throw new Error(`--rounds must be an integer of at least 2, not ${values.rounds}`);
  if (!(mib >= 0)) throw new Error(`--pollute-mib must be a number of MiB, 0 or more, not ${values['pollute-mib']}`);
  const ds = new Dataset({ series: Number(values.series), samples: Number(values.samples) });
  const b = batches(ds, Number(values['per-request']));
  console.log(`head append: ${b.samples} samples of ${ds.seriesCount} series in ${b.refs.length} batches of up to ${values['per-request']}, ${rounds} rounds`);
  for (const size of mib > 0 ? [0, mib] : [0]) {
    const label = size === 0 ? 'caches left alone' : `${size} MiB swept between batches`;
    const junk = new Uint8Array(size * 1024 * 1024);
    for (const mode of ['staged', 'one by one'] as const) {
      const ns: number[] = [];
      for (let r = 0; r < rounds; r++) ns.push(round(ds, b, junk, mode));
      console.log(
        `  ${label.padEnd(32)} ${mode.padEnd(10)} first round ${ns[0].toFixed(0).padStart(5)} ns/sample, then median ${median(ns.slice(1)).toFixed(0).padStart(5)} ns/sample (rounds: ${ns.map((x) => x.toFixed(0)).join(' ')})`,
      );
    }
  }
}

// Run directly (`node --import tsx bench/headapply.ts`) as well as through bench/run.ts.
runIfMain(import.meta.url, run);
