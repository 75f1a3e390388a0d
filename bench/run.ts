/**
 * Entry point of `npm run bench -- <name> [flags]`. Each benchmark is a
 * module in this folder exporting `run(argv: string[]): Promise<void>`,
 * which parses its own flags and prints its figures (with the peers' figures
 * from the same run where a peer is installed). A module without `run` is
 * treated as a script that does its work when imported, reading
 * `process.argv` (flags come after the benchmark's name there too).
 */
import { runIfMain } from './cli.js';

interface Benchmark {
  module: string;
  about: string;
}

const BENCHMARKS: Record<string, Benchmark> = {
  storage: {
    module: './storage.js',
    about: 'TSDB append, bytes/sample on disk, memory per series, select+decode; vs Prometheus and VictoriaMetrics',
  },
  chunkenc: { module: './chunkenc.js', about: 'chunk encodings: bytes/sample, encode and decode speed' },
  textparse: { module: './textparse.js', about: 'exposition-format parsers: lines/s and bytes/s' },
  lineparse: { module: './lineparse.js', about: 'Influx line-protocol parse step alone (the ingest benchmark\'s bodies): ns per line' },
  rwparse: { module: './rwparse.js', about: 'remote write 1.0 parse step alone (the ingest benchmark\'s bodies): ns per sample' },
  headapply: { module: './headapply.js', about: 'the head append alone (Head.apply on the dataset, with and without caches swept between batches): ns per sample' },
  query: { module: './query.js', about: 'PromQL query latency, standard query set; vs Prometheus and VictoriaMetrics' },
  scrape: { module: './scrape.js', about: 'scrape path samples/s; Vigil vs Prometheus scraping the same targets: CPU per M samples, RSS' },
  ingest: { module: './ingest.js', about: 'push ingestion over loopback (remote write, Influx line protocol; Graphite, StatsD, OTLP): samples/s, CPU s per million; vs VictoriaMetrics, Prometheus, InfluxDB' },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(10)} ${b.about}`);
  return ['usage: npm run bench -- <benchmark|all> [flags]', '', 'benchmarks:', ...names, '', 'flags and figures: docs/benchmarks.md'].join('\n');
}

async function runOne(name: string, argv: string[]): Promise<void> {
  const b = BENCHMARKS[name];
  const url = new URL(b.module, import.meta.url);
  let mod: { run?: (argv: string[]) => Promise<void> };
  try {
    mod = (await import(url.href)) as typeof mod;
  } catch (e) {
    const err = e as { code?: string; url?: string; message: string };
    // Only this module missing means "not written yet"; a missing import inside it is a real error.
    if (err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(url.pathname.replace(/\.js$/, ''))) {
      console.log(`${name}: benchmark not available yet (bench/${b.module.slice(2).replace(/\.js$/, '.ts')} missing)`);
      return;
    }
    throw e;
  }
  // A module without `run` is a plain script: it ran when imported, reading process.argv.
  if (typeof mod.run === 'function') await mod.run(argv);
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    console.log(usage());
    return;
  }
  if (name === 'all') {
    for (const n of Object.keys(BENCHMARKS)) {
      console.log(`\n=== ${n} ===`);
      await runOne(n, rest);
    }
    return;
  }
  if (!(name in BENCHMARKS)) {
    console.error(`unknown benchmark ${JSON.stringify(name)}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await runOne(name, rest);
}

runIfMain(import.meta.url, main);
