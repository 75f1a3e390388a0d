/**
 * Scrape targets for `bench/scrape.ts`, run as their own process so their
 * CPU is not counted against the scraper: N HTTP servers on free loopback
 * ports, each exposing S series (10 counter families × S/10 label sets, with
 * HELP and TYPE) in the Prometheus text format, values moving on every
 * request. Prints the ports as one JSON line on stdout, then serves until
 * killed.
 *
 * Run: node --import tsx bench/scrape-targets.ts --targets=200 --series=1000
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

function flag(name: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? dflt : Number(a.slice(name.length + 3));
}

const targets = flag('targets', 200);
const series = flag('series', 1000);
const families = 10;
const perFamily = Math.ceil(series / families);

/** The series lines of a target without values: `name{labels} `. */
function prefixes(target: number): { head: string[]; lines: string[] } {
  const head: string[] = [];
  const lines: string[] = [];
  for (let f = 0; f < families; f++) {
    const name = `bench_requests_${f}_total`;
    head.push(`# HELP ${name} Requests handled, family ${f}.\n# TYPE ${name} counter\n`);
    for (let i = 0; i < perFamily && lines.length < series; i++) {
      lines.push(`${name}{handler="/api/v1/endpoint_${i}",method="${i % 2 === 0 ? 'GET' : 'POST'}",code="${200 + (i % 5)}",shard="${target % 8}"} `);
    }
  }
  return { head, lines };
}

async function main(): Promise<void> {
  const ports: number[] = [];
  for (let t = 0; t < targets; t++) {
    const { head, lines } = prefixes(t);
    let n = 0;
    const server = createServer((_, res) => {
      n++;
      let body = '';
      let li = 0;
      for (let f = 0; f < families; f++) {
        body += head[f];
        for (let i = 0; i < perFamily && li < lines.length; i++, li++) body += lines[li] + (n * 10 + li) + '\n';
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as AddressInfo).port);
  }
  process.stdout.write(JSON.stringify({ ports }) + '\n');
}

void main();
