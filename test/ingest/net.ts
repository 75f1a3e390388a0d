/**
 * Helpers for the socket protocols' end-to-end tests: start the real server
 * with the listeners on free loopback ports and read their actual addresses
 * from the log (`msg=Listening protocol=<p> transport=<t> address=<a>`),
 * send over TCP and UDP, and read series back through /api/v1/export.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { expect } from 'vitest';
import { startServer, type Running } from '../server/harness.js';

export interface Row {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export type Protocol = 'influx' | 'graphite' | 'statsd' | 'opentsdb';

export interface Listening {
  server: Running;
  /** `host:port` by `<protocol>/<transport>`. */
  addr(protocol: Protocol, transport: 'tcp' | 'udp'): { host: string; port: number };
}

const ALL: Protocol[] = ['influx', 'graphite', 'statsd', 'opentsdb'];

/** Starts the server with every socket listener on 127.0.0.1:0 (or off, for those not in `on`). */
export async function startWithListeners(dataDir: string, on: Protocol[] = ALL, extra: string[] = []): Promise<Listening> {
  const flags = ALL.map((p) => `--${p}.listen-address=${on.includes(p) ? '127.0.0.1:0' : ''}`);
  const server = await startServer(dataDir, [...flags, ...extra]);
  return { server, addr: (protocol, transport) => listenAddress(server.output(), protocol, transport) };
}

export function listenAddress(log: string, protocol: string, transport: string): { host: string; port: number } {
  const re = new RegExp(`msg=Listening .*protocol=${protocol} transport=${transport} address=(\\S+):(\\d+)`);
  const m = re.exec(log);
  if (!m) throw new Error(`no ${protocol}/${transport} listener in the log:\n${log}`);
  return { host: m[1], port: Number(m[2]) };
}

export function sendTcp(addr: { host: string; port: number }, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(addr.port, addr.host, () => s.end(data));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

export function sendUdp(addr: { host: string; port: number }, packets: (string | Buffer)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    let left = packets.length;
    for (const p of packets) {
      s.send(p, addr.port, addr.host, (err) => {
        if (err) reject(err);
        if (--left === 0) {
          s.close();
          resolve();
        }
      });
    }
  });
}

export async function exportSeries(base: string, match: string): Promise<Row[]> {
  const res = await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(match)}`);
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l.replace(/([[,])(NaN|-?Infinity)(?=[,\]])/g, '$1"$2"'), (_k, v: unknown) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as Row);
}

/**
 * Polls until `check` passes (for data that arrives asynchronously: UDP,
 * StatsD flushes). Not a timing assertion: the deadline only bounds a
 * failing test.
 */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, deadlineMs = 20_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function metricValue(base: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const sp = line.lastIndexOf(' ');
    const series = line.slice(0, sp);
    if (series === name || series === `${name}{${want}}`) return Number(line.slice(sp + 1));
  }
  return 0;
}
