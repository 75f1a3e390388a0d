import { createSocket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from '../../metrics/registry.js';
import type { Logger } from '../../server/logger.js';
import { listen, NET_DEFAULTS, NetMetrics, type NetListener } from './listeners.js';

interface Rec {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function recorder(): Logger & { records: Rec[] } {
  const records: Rec[] = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => records.push({ level, msg, fields });
  return { records, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const open: (NetListener | Server)[] = [];
afterEach(async () => {
  for (const l of open.splice(0)) {
    if ('tcpAddress' in l) await l.close();
    else await new Promise<void>((r) => l.close(() => r()));
  }
});

function occupied(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      open.push(server);
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

const portOf = (a: string | undefined) => Number(a!.slice(a!.lastIndexOf(':') + 1));

describe('net listeners', () => {
  it('port 0: TCP and UDP on the same free port, each logged with its address', async () => {
    const logger = recorder();
    const l = (await listen({ protocol: 'graphite', address: '127.0.0.1:0', explicit: true, tcp: true, udp: true, limits: NET_DEFAULTS, logger, metrics: new NetMetrics(new Registry()), onTcpLines: () => {}, onUdpLines: () => {} }))!;
    open.push(l);
    expect(portOf(l.tcpAddress)).toBeGreaterThan(0);
    expect(portOf(l.udpAddress)).toBe(portOf(l.tcpAddress));
    expect(logger.records.filter((r) => r.msg === 'Listening').map((r) => r.fields)).toEqual([
      { protocol: 'graphite', transport: 'tcp', address: l.tcpAddress },
      { protocol: 'graphite', transport: 'udp', address: l.udpAddress },
    ]);
  });

  it('an empty address is off', async () => {
    expect(await listen({ protocol: 'x', address: '', explicit: true, tcp: true, udp: true, limits: NET_DEFAULTS, logger: recorder(), metrics: new NetMetrics(new Registry()) })).toBeUndefined();
  });

  it('a default address that is taken: a warning, no listener; an explicit one: an error', async () => {
    const { port } = await occupied();
    const logger = recorder();
    const base = { protocol: 'influx', address: `127.0.0.1:${port}`, tcp: true, udp: false, limits: NET_DEFAULTS, logger, metrics: new NetMetrics(new Registry()), onTcpLines: () => {} };
    expect(await listen({ ...base, explicit: false })).toBeUndefined();
    expect(logger.records.find((r) => r.level === 'warn')?.msg).toMatch(/cannot listen on 127\.0\.0\.1:\d+ for influx: tcp: .*EADDRINUSE.*listener is off/);
    await expect(listen({ ...base, explicit: true })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+ for influx/);
  });

  it('bounds connections and line length; hands over whole lines with their numbers', async () => {
    const got: [string, number][] = [];
    const registry = new Registry();
    const l = (await listen({
      protocol: 'p',
      address: '127.0.0.1:0',
      explicit: true,
      tcp: true,
      udp: false,
      limits: { ...NET_DEFAULTS, maxConnections: 1, maxLineBytes: 10 },
      logger: recorder(),
      metrics: new NetMetrics(registry),
      onTcpLines: (text, first) => void got.push([text, first]),
    }))!;
    open.push(l);
    const port = portOf(l.tcpAddress);
    const first = connect(port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    // A second connection while the first is open is closed at once.
    const second = connect(port, '127.0.0.1');
    await new Promise((r) => second.once('close', r));
    first.write('a 1\nthis line is far too long\nb 2\npart');
    first.end('ial 3\n');
    await new Promise((r) => first.once('close', r));
    expect(got.map((g) => g[0]).join('')).toBe('a 1\n\nb 2\npartial 3\n');
    expect(got[0][1]).toBe(1);
    const text = registry.expose();
    expect(text).toContain('vigil_ingest_net_connections_rejected_total{protocol="p"} 1');
    expect(text).toContain('vigil_ingest_net_lines_too_long_total{protocol="p"} 1');
  });

  it('UDP: oversized datagrams are dropped and counted; the rest arrive in batches', async () => {
    const registry = new Registry();
    const got: string[] = [];
    const logger = recorder();
    const l = (await listen({
      protocol: 'u',
      address: '127.0.0.1:0',
      explicit: true,
      tcp: false,
      udp: true,
      limits: { ...NET_DEFAULTS, maxPacketBytes: 100, udpFlushMs: 5 },
      logger,
      metrics: new NetMetrics(registry),
      onUdpLines: (text) => void got.push(text),
    }))!;
    open.push(l);
    const s = createSocket('udp4');
    const port = portOf(l.udpAddress);
    for (const p of ['x 1', 'y'.repeat(500), 'z 2\n']) await new Promise((r) => s.send(p, port, '127.0.0.1', r));
    s.close();
    for (let i = 0; i < 200 && got.join('').split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(got.join('')).toBe('x 1\nz 2\n');
    expect(registry.expose()).toContain('vigil_ingest_net_packets_dropped_total{protocol="u",reason="too_large"} 1');
    expect(logger.records.some((r) => r.msg === 'UDP packet too large: dropped')).toBe(true);
  });
});
