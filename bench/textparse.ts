/**
 * Parse throughput of the exposition-format parsers, on bodies generated
 * here deterministically: a node_exporter-like scrape (~1,500 samples with
 * HELP/TYPE lines, a summary and histograms) and a 100,000-series scrape,
 * each in the Prometheus text format and in OpenMetrics.
 *
 * Three ways of reading, as the scraper and the import endpoint do:
 *   - scan:   next() + value + timestamp + seriesText() (the cached scrape
 *             path: the series text is the key to a cached series ref),
 *   - cached: scan + a Map lookup by series text (steady-state scrape),
 *   - labels: next() + labels() for every sample (first scrape, import).
 * Bodies are given as Buffers, as they come off the wire, so UTF-8 decoding
 * and validation are included.
 *
 * Run: npx tsx bench/textparse.ts
 */
import { Entry, OpenMetricsParser, PromParser, type Parser } from '../packages/server/src/textparse/index.js';

class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  int(n: number): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s % n;
  }
  float(): number {
    return this.int(1 << 30) / (1 << 30);
  }
}

type Format = 'prometheus' | 'openmetrics';

interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'summary' | 'histogram';
  help: string;
  /** Label sets, each rendered as `a="x",b="y"` (may be empty). */
  series: string[];
}

function labelCross(dims: Array<[string, string[]]>): string[] {
  let out = [''];
  for (const [name, values] of dims) {
    const next: string[] = [];
    for (const prefix of out) for (const v of values) next.push(prefix === '' ? `${name}="${v}"` : `${prefix},${name}="${v}"`);
    out = next;
  }
  return out;
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

function nodeExporterFamilies(): Family[] {
  const cpus = range(16, (i) => String(i));
  const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
  const disks = ['nvme0n1', 'nvme1n1', 'sda', 'sdb', 'dm-0', 'dm-1'];
  const nics = ['eth0', 'eth1', 'lo', 'docker0', 'veth1a2b3c', 'veth4d5e6f', 'br-0123456789ab', 'wlan0'];
  const fs = labelCross([
    ['device', ['/dev/nvme0n1p1', '/dev/nvme0n1p2', 'tmpfs', 'overlay']],
    ['fstype', ['ext4', 'tmpfs', 'overlay']],
    ['mountpoint', ['/', '/boot', '/run', '/var/lib/docker']],
  ]).slice(0, 24);
  const families: Family[] = [
    { name: 'node_cpu_seconds_total', type: 'counter', help: 'Seconds the CPUs spent in each mode.', series: labelCross([['cpu', cpus], ['mode', modes]]) },
    { name: 'node_cpu_guest_seconds_total', type: 'counter', help: 'Seconds the CPUs spent in guests (VMs) for each mode.', series: labelCross([['cpu', cpus], ['mode', ['nice', 'user']]]) },
    { name: 'node_cpu_scaling_frequency_hertz', type: 'gauge', help: 'Current scaled CPU thread frequency in hertz.', series: labelCross([['cpu', cpus]]) },
    { name: 'node_load1', type: 'gauge', help: '1m load average.', series: [''] },
    { name: 'node_load5', type: 'gauge', help: '5m load average.', series: [''] },
    { name: 'node_load15', type: 'gauge', help: '15m load average.', series: [''] },
    { name: 'go_gc_duration_seconds', type: 'summary', help: 'A summary of the pause duration of garbage collection cycles.', series: [''] },
    { name: 'node_disk_io_time_seconds_total', type: 'counter', help: 'Total seconds spent doing I/Os.', series: labelCross([['device', disks]]) },
  ];
  for (const stat of ['read_bytes', 'written_bytes', 'reads_completed', 'writes_completed', 'read_time_seconds', 'write_time_seconds', 'io_now', 'discards_completed']) {
    families.push({ name: `node_disk_${stat}_total`, type: 'counter', help: `The total number of ${stat.replace(/_/g, ' ')}.`, series: labelCross([['device', disks]]) });
  }
  for (const stat of ['receive_bytes', 'transmit_bytes', 'receive_packets', 'transmit_packets', 'receive_errs', 'transmit_errs', 'receive_drop', 'transmit_drop', 'receive_multicast', 'transmit_colls', 'receive_fifo', 'transmit_fifo', 'receive_frame', 'transmit_carrier', 'receive_compressed', 'transmit_compressed']) {
    families.push({ name: `node_network_${stat}_total`, type: 'counter', help: `Network device statistic ${stat}.`, series: labelCross([['device', nics]]) });
  }
  for (const stat of ['avail_bytes', 'free_bytes', 'size_bytes', 'files', 'files_free', 'readonly', 'device_error']) {
    families.push({ name: `node_filesystem_${stat}`, type: 'gauge', help: `Filesystem ${stat.replace(/_/g, ' ')}.`, series: fs });
  }
  for (const m of range(60, (i) => `node_memory_${['Active', 'Inactive', 'Buffers', 'Cached', 'Dirty', 'Mapped', 'Shmem', 'Slab'][i % 8]}_${i}_bytes`)) {
    families.push({ name: m, type: 'gauge', help: `Memory information field ${m.slice(12)}.`, series: [''] });
  }
  families.push({
    name: 'node_network_info',
    type: 'gauge',
    help: 'Non-numeric data from /sys/class/net/<iface>, value is always 1.',
    series: nics.map((d, i) => `address="02:42:ac:11:00:${String(i).padStart(2, '0')}",broadcast="ff:ff:ff:ff:ff:ff",device="${d}",duplex="full",ifalias="",operstate="up"`),
  });
  families.push({ name: 'node_softnet_processed_total', type: 'counter', help: 'Number of processed packets.', series: labelCross([['cpu', cpus]]) });
  families.push({ name: 'node_softnet_dropped_total', type: 'counter', help: 'Number of dropped packets.', series: labelCross([['cpu', cpus]]) });
  families.push({ name: 'node_interrupts_total', type: 'counter', help: 'Interrupt details.', series: labelCross([['cpu', cpus], ['devices', ['nvme0q1', 'eth0-TxRx-0']], ['info', ['PCI-MSI']], ['type', range(8, (i) => String(120 + i))]]) });
  for (let i = 0; i < 4; i++) {
    families.push({ name: `prometheus_http_request_duration_seconds_${i}`, type: 'histogram', help: 'Histogram of latencies for HTTP requests.', series: labelCross([['handler', ['/metrics', '/api/v1/query']]]) });
  }
  return families;
}

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

function render(families: Family[], format: Format, rng: Rng): { body: string; samples: number } {
  const om = format === 'openmetrics';
  const out: string[] = [];
  let samples = 0;
  const value = () => (rng.int(3) === 0 ? String(rng.int(100000)) : (rng.float() * 10 ** rng.int(10)).toPrecision(1 + rng.int(15)));
  const series = (name: string, labels: string, extra = '') => {
    const all = labels === '' ? extra : extra === '' ? labels : `${labels},${extra}`;
    out.push(`${name}${all === '' ? '' : `{${all}}`} ${value()}`);
    samples++;
  };
  for (const f of families) {
    const base = om && f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    out.push(`# HELP ${base} ${f.help}`, `# TYPE ${base} ${f.type}`);
    for (const ls of f.series) {
      if (f.type === 'summary') {
        for (const q of ['0', '0.25', '0.5', '0.75', '1']) series(base, ls, `quantile="${q}"`);
        series(`${base}_sum`, ls);
        series(`${base}_count`, ls);
      } else if (f.type === 'histogram') {
        for (const le of BUCKETS) series(`${base}_bucket`, ls, `le="${le}"`);
        series(`${base}_sum`, ls);
        series(`${base}_count`, ls);
      } else series(om && f.type === 'counter' ? `${base}_total` : base, ls);
    }
  }
  if (om) out.push('# EOF');
  return { body: out.join('\n') + '\n', samples };
}

function bigFamilies(n: number): Family[] {
  const handlers = range(50, (i) => `/api/v1/resource${i}/{id}`);
  const series: string[] = [];
  for (let i = 0; series.length < n; i++) {
    series.push(
      `code="${[200, 201, 204, 400, 404, 500][i % 6]}",handler="${handlers[(i / 6) % 50 | 0]}",instance="10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:9100",job="api",method="${['GET', 'POST', 'PUT', 'DELETE'][(i / 300) % 4 | 0]}",pod="api-7f9c${(i % 997).toString(16)}-x${i % 13}"`,
    );
  }
  return [{ name: 'http_requests_total', type: 'counter', help: 'Requests served.', series }];
}

function consumeScan(p: Parser): number {
  let n = 0;
  let acc = 0;
  for (;;) {
    const k = p.next();
    if (k === Entry.EOF) break;
    if (k === Entry.Sample) {
      acc += p.value + (p.timestamp ?? 0) + p.seriesText().length;
      n++;
    }
  }
  if (acc === -1) console.log(acc);
  return n;
}

function consumeCached(p: Parser, cache: Map<string, number>): number {
  let n = 0;
  let acc = 0;
  for (;;) {
    const k = p.next();
    if (k === Entry.EOF) break;
    if (k === Entry.Sample) {
      const key = p.seriesText();
      let ref = cache.get(key);
      if (ref === undefined) {
        ref = cache.size + 1;
        // Copy the key so the cache does not keep the whole body alive.
        cache.set(Buffer.from(key).toString(), ref);
        p.labels();
      }
      acc += ref + p.value;
      n++;
    }
  }
  if (acc === -1) console.log(acc);
  return n;
}

function consumeLabels(p: Parser): number {
  let n = 0;
  let acc = 0;
  for (;;) {
    const k = p.next();
    if (k === Entry.EOF) break;
    if (k === Entry.Sample) {
      acc += p.labels().length + p.value;
      n++;
    }
  }
  if (acc === -1) console.log(acc);
  return n;
}

/** Runs `fn` repeatedly for at least `minMs` (after a warm-up) and returns the median time per run in ms. */
function measure(fn: () => number, expected: number, minMs: number): number {
  for (let i = 0; i < 3; i++) if (fn() !== expected) throw new Error('sample count mismatch');
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < minMs || times.length < 5) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

const fmtRate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`);

function main(): void {
  const bodies: Array<{ name: string; families: Family[] }> = [
    { name: 'node_exporter', families: nodeExporterFamilies() },
    { name: '100k series', families: bigFamilies(100_000) },
  ];
  console.log(`textparse throughput (node ${process.version}; median of runs; samples/s)`);
  console.log('body            format        samples     bytes   scan                 cached               labels');
  for (const { name, families } of bodies) {
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const { body, samples } = render(families, format, new Rng(42));
      const buf = Buffer.from(body);
      const make = (): Parser => (format === 'openmetrics' ? new OpenMetricsParser(buf) : new PromParser(buf));
      const minMs = samples > 10000 ? 3000 : 1500;
      const scan = measure(() => consumeScan(make()), samples, minMs);
      const cache = new Map<string, number>();
      const cached = measure(() => consumeCached(make(), cache), samples, minMs);
      const labels = measure(() => consumeLabels(make()), samples, minMs);
      const col = (ms: number) => `${fmtRate((samples / ms) * 1000)}/s (${ms.toFixed(2)} ms)`.padEnd(21);
      console.log(`${name.padEnd(15)} ${format.padEnd(12)} ${String(samples).padStart(8)} ${String(buf.length).padStart(9)}   ${col(scan)}${col(cached)}${col(labels)}`      );
    }
  }
}

main();
