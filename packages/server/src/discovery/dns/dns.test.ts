import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsRecordType } from '../../config/scrape.js';
import { Registry } from '../../metrics/registry.js';
import { createLogger } from '../../server/logger.js';
import type { TargetGroup } from '../targetgroup.js';
import { DnsProvider } from './dns.js';

/**
 * A small authoritative DNS server on a free loopback UDP port: answers the
 * question of each query from `zone` (name → records of a type), NXDOMAIN
 * for names it does not hold.
 */
type Record =
  | { type: 'A'; ip: string }
  | { type: 'AAAA'; ip: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'MX'; preference: number; exchange: string }
  | { type: 'NS'; host: string };

const TYPE_CODES: { [K in Record['type']]: number } = { A: 1, NS: 2, MX: 15, AAAA: 28, SRV: 33 };

const zone = new Map<string, Record[]>();
let server: Socket;
let address: string;

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((p) => p !== '');
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function rdata(r: Record): Buffer {
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  switch (r.type) {
    case 'A':
      return Buffer.from(r.ip.split('.').map(Number));
    case 'AAAA': {
      // Only the forms the tests use: "::1" and full eight groups.
      const groups = r.ip === '::1' ? [0, 0, 0, 0, 0, 0, 0, 1] : r.ip.split(':').map((g) => parseInt(g, 16));
      return Buffer.concat(groups.map(u16));
    }
    case 'SRV':
      return Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), encodeName(r.target)]);
    case 'MX':
      return Buffer.concat([u16(r.preference), encodeName(r.exchange)]);
    case 'NS':
      return encodeName(r.host);
  }
}

function answer(query: Buffer): Buffer {
  // Question: the name's labels from byte 12, then type and class.
  let p = 12;
  const labels: string[] = [];
  while (query[p] !== 0) {
    labels.push(query.subarray(p + 1, p + 1 + query[p]).toString('ascii'));
    p += query[p] + 1;
  }
  const qtype = query.readUInt16BE(p + 1);
  const questionEnd = p + 5;
  const name = labels.join('.').toLowerCase();
  const records = zone.get(name);
  const matching = (records ?? []).filter((r) => TYPE_CODES[r.type] === qtype);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, AA, RD copied, RA; RCODE 3 (NXDOMAIN) for an unknown name.
  header.writeUInt16BE(0x8480 | (query.readUInt16BE(2) & 0x0100) | (records === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(matching.length, 6);
  const rrs = matching.map((r) => {
    const data = rdata(r);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(30, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...rrs]);
}

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(answer(msg), rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const registry = new Registry();
const failures = registry.counter({ name: 'dns_failures', help: 'x' });
const logger = createLogger({ level: 'error', write: () => {} });
const failureCount = () => Number(/^dns_failures (\S+)$/m.exec(registry.expose())?.[1] ?? 0);

/** Starts a provider and resolves with its first `n` updates. */
function updates(type: DnsRecordType, names: string[], port: number, n: number, refreshIntervalMs = 60_000): { got: Promise<TargetGroup[][]>; provider: DnsProvider } {
  const provider = new DnsProvider({ names, type, port, refreshIntervalMs }, { logger, failures, servers: [address] });
  const got = new Promise<TargetGroup[][]>((resolve) => {
    const seen: TargetGroup[][] = [];
    provider.start((groups) => {
      seen.push(groups);
      if (seen.length === n) resolve(seen);
    });
  });
  return { got, provider };
}

describe('dns_sd_configs against a DNS server', () => {
  it('turns SRV records into targets with their meta labels', async () => {
    zone.set('_metrics._tcp.svc.test', [
      { type: 'SRV', priority: 0, weight: 0, port: 9100, target: 'node-a.svc.test' },
      { type: 'SRV', priority: 0, weight: 0, port: 9200, target: 'node-b.svc.test' },
    ]);
    const { got, provider } = updates('SRV', ['_metrics._tcp.svc.test'], 0, 1);
    const [groups] = await got;
    provider.stop();
    expect(groups).toHaveLength(1);
    expect(groups[0].source).toBe('_metrics._tcp.svc.test');
    expect([...groups[0].targets].sort((a, b) => a.__address__.localeCompare(b.__address__))).toEqual([
      {
        __address__: 'node-a.svc.test:9100',
        __meta_dns_name: '_metrics._tcp.svc.test',
        __meta_dns_srv_record_target: 'node-a.svc.test',
        __meta_dns_srv_record_port: '9100',
      },
      {
        __address__: 'node-b.svc.test:9200',
        __meta_dns_name: '_metrics._tcp.svc.test',
        __meta_dns_srv_record_target: 'node-b.svc.test',
        __meta_dns_srv_record_port: '9200',
      },
    ]);
  });

  it('uses the configured port for A, AAAA, MX and NS records', async () => {
    zone.set('hosts.test', [
      { type: 'A', ip: '10.0.0.1' },
      { type: 'A', ip: '10.0.0.2' },
      { type: 'AAAA', ip: '::1' },
      { type: 'MX', preference: 10, exchange: 'mail.test' },
      { type: 'NS', host: 'ns1.test' },
    ]);
    const targets = async (type: DnsRecordType) => {
      const { got, provider } = updates(type, ['hosts.test'], 9100, 1);
      const [groups] = await got;
      provider.stop();
      return groups.flatMap((g) => g.targets);
    };
    expect((await targets('A')).map((t) => t.__address__).sort()).toEqual(['10.0.0.1:9100', '10.0.0.2:9100']);
    expect(await targets('AAAA')).toEqual([{ __address__: '[::1]:9100', __meta_dns_name: 'hosts.test' }]);
    expect(await targets('MX')).toEqual([{ __address__: 'mail.test:9100', __meta_dns_name: 'hosts.test', __meta_dns_mx_record_target: 'mail.test' }]);
    expect(await targets('NS')).toEqual([{ __address__: 'ns1.test:9100', __meta_dns_name: 'hosts.test', __meta_dns_ns_record_target: 'ns1.test' }]);
  });

  it('re-resolves every refresh_interval; a name that fails is counted and sends nothing (its targets stay)', async () => {
    zone.set('moving.test', [{ type: 'A', ip: '10.1.0.1' }]);
    zone.set('steady.test', [{ type: 'A', ip: '10.2.0.1' }]);
    const before = failureCount();
    const provider = new DnsProvider({ names: ['moving.test', 'steady.test'], type: 'A', port: 80, refreshIntervalMs: 20 }, { logger, failures, servers: [address] });
    const seen: TargetGroup[][] = [];
    const waitFor = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => (pred() ? resolve() : setTimeout(check, 5));
        check();
      });
    provider.start((groups) => seen.push(groups));
    await waitFor(() => seen.length >= 1);
    zone.set('moving.test', [{ type: 'A', ip: '10.1.0.9' }]);
    await waitFor(() => seen.some((u) => u.some((g) => g.targets.some((t) => t.__address__ === '10.1.0.9:80'))));
    zone.delete('moving.test');
    const n = seen.length;
    await waitFor(() => failureCount() > before && seen.length > n);
    provider.stop();
    // After the failure, updates carry only the name that still resolves.
    expect(seen.at(-1)!.map((g) => g.source)).toEqual(['steady.test']);
    expect(seen[0].map((g) => g.source).sort()).toEqual(['moving.test', 'steady.test']);
  });
});
