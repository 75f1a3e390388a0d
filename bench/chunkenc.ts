/**
 * Chunk encodings: XOR (head, 120-sample chunks) against the block chunk
 * (one chunk per series per block), per synthetic data kind and on a
 * node_exporter-like mix. Prints encode/decode throughput and bytes/sample.
 *
 *   npx tsx bench/chunkenc.ts [--slots 5760] [--series 200] [--jitter]
 */
import { BlockChunkIterator, SampleBuffers, XorChunk, XorIterator, decodeBlockChunk, encodeBlockChunk } from '../packages/server/src/tsdb/chunkenc/index.js';
import { NODE_EXPORTER_MIX, SERIES_KINDS, mixKind, synthSeries, type SeriesKind } from '../packages/server/src/tsdb/chunkenc/synth.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const SLOTS = arg('slots', 5760);
const SERIES = arg('series', 200);
const JITTER = process.argv.includes('--jitter');
const HEAD_CHUNK = 120;

interface Series {
  ts: Float64Array;
  vs: Float64Array;
}

function generate(kindOf: (i: number) => SeriesKind): Series[] {
  const buf = new SampleBuffers();
  const out: Series[] = [];
  for (let s = 0; s < SERIES; s++) {
    const n = synthSeries(kindOf(s), s, { start: 1.7e12, slots: SLOTS, interval: 15_000, jitter: JITTER }, buf);
    out.push({ ts: buf.ts.slice(0, n), vs: buf.vs.slice(0, n) });
  }
  return out;
}

/** Best of `reps` runs of fn, in samples per second. */
function rate(samples: number, reps: number, fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return samples / (best / 1000);
}

const fmtRate = (r: number) => `${(r / 1e6).toFixed(1)}M/s`.padStart(9);
const fmtSize = (b: number) => b.toFixed(3).padStart(7);

function run(label: string, series: Series[]): void {
  const samples = series.reduce((a, s) => a + s.ts.length, 0);
  let sink = 0;

  let xorChunks: XorChunk[] = [];
  const xorEnc = rate(samples, 5, () => {
    xorChunks = [];
    for (const { ts, vs } of series) {
      for (let i = 0; i < ts.length; i += HEAD_CHUNK) {
        const c = new XorChunk();
        const end = Math.min(ts.length, i + HEAD_CHUNK);
        for (let j = i; j < end; j++) c.append(ts[j], vs[j]);
        xorChunks.push(c);
      }
    }
  });
  const xorBytes = xorChunks.reduce((a, c) => a + c.size, 0);
  const xorIt = new XorIterator();
  const xorDec = rate(samples, 5, () => {
    for (const c of xorChunks) {
      xorIt.reset(c.bytes());
      while (xorIt.next() === 1) sink += xorIt.t;
    }
  });

  let blocks: Uint8Array[] = [];
  const blockEnc = rate(samples, 3, () => {
    blocks = series.map(({ ts, vs }) => encodeBlockChunk(ts, vs, ts.length));
  });
  const blockBytes = blocks.reduce((a, b) => a + b.length, 0);
  const buf = new SampleBuffers();
  const blockDec = rate(samples, 5, () => {
    for (const b of blocks) sink += decodeBlockChunk(b, buf);
  });
  const blockIt = new BlockChunkIterator();
  const blockIter = rate(samples, 5, () => {
    for (const b of blocks) {
      blockIt.reset(b);
      while (blockIt.next() === 1) sink += blockIt.t;
    }
  });
  const uncompressed = series.reduce((a, s) => a + encodeBlockChunk(s.ts, s.vs, s.ts.length, { compression: 'none' }).length, 0);
  if (sink === 42) console.log('');
  console.log(
    `${label.padEnd(12)} ${String(samples).padStart(8)}  xor ${fmtSize(xorBytes / samples)} B/s enc ${fmtRate(xorEnc)} iter ${fmtRate(xorDec)}` +
      `  | block ${fmtSize(blockBytes / samples)} B/s (raw ${fmtSize(uncompressed / samples)}) enc ${fmtRate(blockEnc)} dec ${fmtRate(blockDec)} iter ${fmtRate(blockIter)}` +
      `  | ${(xorBytes / blockBytes).toFixed(1)}x`,
  );
}

console.log(`${SERIES} series × ${SLOTS} scrapes at 15 s, ${JITTER ? 'jittered' : 'exact'} timestamps; XOR in ${HEAD_CHUNK}-sample chunks, block = one chunk per series`);
console.log('B/s = bytes per sample; throughput in samples per second, best of several runs, one core');
for (const kind of SERIES_KINDS) run(kind, generate(() => kind));
run('mix', generate((i) => mixKind(NODE_EXPORTER_MIX, i)));
