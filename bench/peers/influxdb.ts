/**
 * InfluxDB 1.x (Debian's `influxdb`, `influxd`) as a benchmark peer: a
 * generated config with every port on loopback (HTTP and the RPC bind
 * address, both free ports), data, meta and WAL under the work directory,
 * reporting and self-monitoring off; then one database created.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary, freePort, startPeer, type PeerProcess } from './process.js';

export const influxdBinary = (): string | undefined => findBinary('influxd');

export interface InfluxdOptions {
  binary: string;
  dataDir: string;
  workDir: string;
  /** Created after start. */
  database: string;
}

export async function startInfluxd(o: InfluxdOptions): Promise<PeerProcess> {
  const port = await freePort();
  const rpc = await freePort();
  const conf = join(o.workDir, 'influxdb.conf');
  writeFileSync(
    conf,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]',
      `  dir = "${join(o.dataDir, 'meta')}"`,
      '[data]',
      `  dir = "${join(o.dataDir, 'data')}"`,
      `  wal-dir = "${join(o.dataDir, 'wal')}"`,
      '  query-log-enabled = false',
      '[http]',
      '  enabled = true',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '  auth-enabled = false',
      '  max-body-size = 0',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '',
    ].join('\n'),
  );
  const peer = await startPeer({
    name: 'influxdb',
    binary: o.binary,
    args: ['-config', conf],
    port,
    cwd: o.workDir,
    logFile: join(o.workDir, 'influxd.log'),
    readyPath: '/ping',
  });
  const res = await fetch(`${peer.url}/query?q=${encodeURIComponent(`CREATE DATABASE "${o.database}"`)}`, { method: 'POST' });
  const text = await res.text();
  if (!res.ok) {
    await peer.stop(5_000);
    throw new Error(`cannot create database in influxd: HTTP ${res.status}: ${text}`);
  }
  return peer;
}
