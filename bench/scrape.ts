/**
 * `npm run bench -- scrape`: the scrape path's throughput, and Vigil against
 * Debian's `prometheus` scraping the same loopback targets in the same run.
 *
 * 1. In process: samples/s of the parser alone (scan: next/value/series
 *    text) and of a whole scrape (HTTP over loopback, parse, series cache,
 *    append into a storage that keeps nothing) for a node_exporter-sized body
 *    (~1,500 samples) and a 100,000-series body; steady state (warm cache).
 * 2. End to end: `--targets` × `--series` targets served by
 *    bench/scrape-targets.ts in its own process; Vigil, then Prometheus,
 *    scrape them every `--interval`; after `--warmup` s, CPU seconds of the
 *    scraper process over `--measure` s divided by the samples it scraped
 *    (the sum of its own `scrape_samples_scraped` over the window), and RSS.
 *
 * Flags: --targets=200 --series=1000 --interval=1s --warmup=15 --measure=30 --skip-e2e --skip-peer
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { newScrapeConfig, SCRAPE_GLOBAL_DEFAULTS } from '../packages/server/src/config/scrape.js';
import { Registry } from '../packages/server/src/metrics/registry.js';
import { Labels } from '../packages/server/src/model/labels.js';
import { HttpClient } from '../packages/server/src/scrape/client.js';
import { ScrapeLoop, type ScrapeMetrics } from '../packages/server/src/scrape/loop.js';
import { populateLabels, Target } from '../packages/server/src/scrape/target.js';
import { createLogger } from '../packages/server/src/server/logger.js';
import type { Appendable, Appender } from '../packages/server/src/storage/interface.js';
import { Entry, PromParser } from '../packages/server/src/textparse/index.js';
import { missingPeerMessage, readCpuSeconds, readMemory, type PeerProcess } from './peers/process.js';
import { prometheusBinary, prometheusVersion, startPrometheus } from './peers/prometheus.js';
import { startVigilServer } from './peers/vigil.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));

interface Flags {
  targets: number;
  series: number;
  intervalS: number;
  warmupS: number;
  measureS: number;
  skipE2e: boolean;
  skipPeer: boolean;
}

function parseFlags(argv: string[]): Flags {
  const f: Flags = { targets: 200, series: 1000, intervalS: 1, warmupS: 15, measureS: 30, skipE2e: false, skipPeer: false };
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    if (k === 'targets') f.targets = Number(v);
    else if (k === 'series') f.series = Number(v);
    else if (k === 'interval') f.intervalS = Number(v.replace(/s$/, ''));
    else if (k === 'warmup') f.warmupS = Number(v);
    else if (k === 'measure') f.measureS = Number(v);
    else if (k === 'skip-e2e') f.skipE2e = true;
    else if (k === 'skip-peer') f.skipPeer = true;
    else throw new Error(`unknown flag ${a}`);
  }
  return f;
}

// ---------------------------------------------------------------------------
// In process.

function nodeExporterBody(): string {
  let out = '';
  const fam = (name: string, type: string, lines: string[]) => {
    out += `# HELP ${name} Metric ${name}.\n# TYPE ${name} ${type}\n` + lines.join('');
  };
  const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
  const cpu: string[] = [];
  for (let c = 0; c < 16; c++) for (const m of modes) cpu.push(`node_cpu_seconds_total{cpu="${c}",mode="${m}"} ${(c * 1000 + m.length * 17.25).toFixed(2)}\n`);
  fam('node_cpu_seconds_total', 'counter', cpu);
  for (let f = 0; f < 40; f++) {
    const lines: string[] = [];
    for (let d = 0; d < 8; d++) lines.push(`node_disk_stat_${f}_total{device="sd${String.fromCharCode(97 + d)}"} ${f * 1234 + d}\n`);
    fam(`node_disk_stat_${f}_total`, 'counter', lines);
  }
  for (let f = 0; f < 200; f++) fam(`node_memory_field_${f}_bytes`, 'gauge', [`node_memory_field_${f}_bytes ${f * 4096}\n`]);
  const net: string[] = [];
  for (let i = 0; i < 6; i++) for (let f = 0; f < 16; f++) net.push(`node_network_stat_total{device="eth${i}",stat="s${f}"} ${i * f * 99}\n`);
  fam('node_network_stat_total', 'counter', net);
  const le = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  const hist: string[] = [];
  for (let h = 0; h < 20; h++) {
    for (const b of le) hist.push(`http_request_duration_seconds_bucket{handler="/h${h}",le="${b}"} ${h * 10}\n`);
    hist.push(`http_request_duration_seconds_sum{handler="/h${h}"} ${h * 1.5}\n`, `http_request_duration_seconds_count{handler="/h${h}"} ${h * 10}\n`);
  }
  fam('http_request_duration_seconds', 'histogram', hist);
  return out;
}

function bigBody(n: number): string {
  const lines: string[] = ['# HELP big_series A large family.\n# TYPE big_series gauge\n'];
  for (let i = 0; i < n; i++) lines.push(`big_series{pod="pod-${i % 1000}",container="c${i % 7}",id="${i}"} ${i}.5\n`);
  return lines.join('');
}

function countSamples(body: string): number {
  let n = 0;
  const p = new PromParser(body);
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) if (e === Entry.Sample) n++;
  return n;
}

/** A storage that accepts and keeps nothing: measures the scrape path, not the TSDB. */
class NullStorage implements Appendable {
  #next = 1;
  appender(): Appender {
    return {
      append: (ref) => (ref > 0 ? ref : this.#next++),
      commit: async () => {},
      rollback: () => {},
    };
  }
}

async function timeIt(minMs: number, fn: () => Promise<void> | void): Promise<{ runs: number; ms: number }> {
  await fn();
  const t0 = performance.now();
  let runs = 0;
  while (performance.now() - t0 < minMs) {
    await fn();
    runs++;
  }
  return { runs, ms: performance.now() - t0 };
}

async function inProcess(): Promise<void> {
  const bodies: [string, string][] = [
    ['node_exporter-sized', nodeExporterBody()],
    ['100k series', bigBody(100_000)],
  ];
  let current = Buffer.alloc(0);
  const server = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(current);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const registry = new Registry();
  const c = (name: string, labelNames?: string[]) => registry.counter({ name, help: 'x', labelNames });
  const metrics: ScrapeMetrics = {
    samplesRejected: c('a', ['reason']),
    exceededSampleLimit: c('b'),
    exceededBodySizeLimit: c('c'),
    exceededLabelLimits: c('d'),
    budgetDropped: c('e', ['job']),
    exemplarsParsed: c('f'),
    scrapeDuration: registry.histogram({ name: 'g', help: 'x', buckets: [1] }),
  };
  console.log('in process (steady state, warm series cache):');
  for (const [name, text] of bodies) {
    const buf = Buffer.from(text);
    const samples = countSamples(text);
    const scan = await timeIt(2000, () => {
      const p = new PromParser(buf);
      let sink = 0;
      for (let e = p.next(); e !== Entry.EOF; e = p.next()) if (e === Entry.Sample) sink += p.value + p.seriesText().length;
      if (sink === -1) console.log(sink);
    });
    current = buf;
    const cfg = newScrapeConfig('bench', { scrapeIntervalMs: 60_000, scrapeTimeoutMs: 30_000 }, SCRAPE_GLOBAL_DEFAULTS);
    const r = populateLabels(Labels.fromObject({ __address__: addr }), cfg);
    if (r.kind !== 'active') throw new Error('target not active');
    const loop = new ScrapeLoop(new Target('bench', r.discovered, r.labels, r.url, r.intervalMs, r.timeoutMs), cfg, {
      storage: new NullStorage(),
      client: new HttpClient(cfg.http),
      metrics,
      logger: createLogger({ level: 'error', write: () => {} }),
      budget: undefined,
      now: Date.now,
      offsetSeed: 0,
    });
    let ts = 1_000_000;
    const scrape = await timeIt(3000, () => loop.scrapeAndReport((ts += 1000)));
    if (loop.target.health !== 'up') throw new Error(`bench scrape failed: ${loop.target.lastError}`);
    const rate = (x: { runs: number; ms: number }) => ((samples * x.runs) / (x.ms / 1000) / 1e6).toFixed(2);
    console.log(
      `  ${name.padEnd(20)} ${String(samples).padStart(7)} samples, ${(buf.length / 1024).toFixed(0)} KiB: parse ${rate(scan)} M samples/s; whole scrape ${rate(scrape)} M samples/s (${((scrape.ms / scrape.runs) | 0) || '<1'} ms per scrape)`,
    );
  }
  server.close();
}

// ---------------------------------------------------------------------------
// End to end.

interface E2eResult {
  samples: number;
  cpuSeconds: number;
  rssBytes: number;
  hwmBytes: number;
  up: string;
}

function scrapeConfig(ports: number[], intervalS: number): string {
  return [
    'global:',
    `  scrape_interval: ${intervalS}s`,
    `  scrape_timeout: ${intervalS}s`,
    'scrape_configs:',
    '  - job_name: bench',
    '    static_configs:',
    `      - targets: [${ports.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
    '',
  ].join('\n');
}

function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function measure(
  name: string,
  peer: PeerProcess,
  f: Flags,
  samplesBetween: (startMs: number, endMs: number) => Promise<number>,
  upCount: () => Promise<string>,
): Promise<E2eResult> {
  await sleep(f.warmupS * 1000);
  const cpu0 = readCpuSeconds(peer.pid);
  const t0 = Date.now();
  await sleep(f.measureS * 1000);
  const cpu1 = readCpuSeconds(peer.pid);
  const t1 = Date.now();
  const mem = readMemory(peer.pid);
  const hwm = peakRss(peer.pid);
  // Let the last scrapes of the window land before counting.
  await sleep(f.intervalS * 1000 + 500);
  const samples = await samplesBetween(t0, t1);
  const up = await upCount();
  console.log(`  ${name}: done`);
  return { samples, cpuSeconds: cpu1 - cpu0, rssBytes: mem.rssBytes, hwmBytes: hwm, up };
}

async function startTargets(f: Flags): Promise<{ ports: number[]; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'bench/scrape-targets.ts'), `--targets=${f.targets}`, `--series=${f.series}`], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`scrape-targets exited with ${code}`)));
  });
  const { ports } = JSON.parse(line) as { ports: number[] };
  return {
    ports,
    stop: () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
    },
  };
}

async function endToEnd(f: Flags): Promise<void> {
  console.log(`\nend to end: ${f.targets} targets × ${f.series} series every ${f.intervalS}s; ${f.warmupS}s warm-up, ${f.measureS}s measured`);
  const targets = await startTargets(f);
  const config = scrapeConfig(targets.ports, f.intervalS);
  const results: [string, E2eResult][] = [];
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-scrape-'));
  try {
    {
      const cfgFile = join(work, 'vigil.yml');
      writeFileSync(cfgFile, config);
      const vigil = await startVigilServer({ dataDir: join(work, 'vigil-data'), workDir: work, extraFlags: [`--config.file=${cfgFile}`] });
      try {
        const r = await measure(
          'vigil',
          vigil,
          f,
          async (t0, t1) => {
            const url = `${vigil.url}/api/v1/export?match[]=scrape_samples_scraped&start=${t0 / 1000}&end=${t1 / 1000}`;
            const text = await (await fetch(url)).text();
            let sum = 0;
            for (const l of text.split('\n')) if (l !== '') for (const v of (JSON.parse(l) as { values: number[] }).values) sum += v;
            return sum;
          },
          async () => {
            const t = (await (await fetch(`${vigil.url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string }[] } };
            return `${t.data.activeTargets.filter((x) => x.health === 'up').length}/${t.data.activeTargets.length} up`;
          },
        );
        results.push(['vigil', r]);
      } finally {
        await vigil.stop();
      }
    }
    const bin = prometheusBinary();
    if (f.skipPeer) console.log('  prometheus: skipped (--skip-peer)');
    else if (bin === undefined) console.log(`  prometheus: ${missingPeerMessage('prometheus')}`);
    else {
      const prom = await startPrometheus({ binary: bin, dataDir: join(work, 'prom-data'), workDir: work, config });
      try {
        const r = await measure(
          `prometheus (${prometheusVersion(bin)})`,
          prom,
          f,
          async (t0, t1) => {
            const q = `sum(sum_over_time(scrape_samples_scraped[${Math.round((t1 - t0) / 1000)}s]))`;
            const res = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}&time=${t1 / 1000}`)).json()) as {
              data: { result: { value: [number, string] }[] };
            };
            return Number(res.data.result[0]?.value[1] ?? 0);
          },
          async () => {
            const t = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string }[] } };
            return `${t.data.activeTargets.filter((x) => x.health === 'up').length}/${t.data.activeTargets.length} up`;
          },
        );
        results.push(['prometheus', r]);
      } finally {
        await prom.stop();
      }
    }
  } finally {
    targets.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log('');
  console.log('  scraper      samples scraped   CPU s   CPU s / M samples   RSS MiB (peak)   targets');
  for (const [name, r] of results) {
    console.log(
      `  ${name.padEnd(12)} ${String(r.samples).padStart(15)} ${r.cpuSeconds.toFixed(2).padStart(7)} ${(r.cpuSeconds / (r.samples / 1e6)).toFixed(3).padStart(19)} ${(r.rssBytes / 2 ** 20).toFixed(0).padStart(8)} (${(r.hwmBytes / 2 ** 20).toFixed(0)})   ${r.up}`,
    );
  }
}

export async function run(argv: string[]): Promise<void> {
  const f = parseFlags(argv);
  await inProcess();
  if (!f.skipE2e) await endToEnd(f);
}
