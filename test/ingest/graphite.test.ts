/**
 * Graphite plaintext end to end: Debian's collectd with its write_graphite
 * plugin sends real host metrics (cpu, memory, load) over TCP into the real
 * server; plain TCP and UDP lines check tags, `-1` timestamps and bad lines.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { killAll, run, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, metricValue, sendTcp, sendUdp, startWithListeners } from './net.js';

const servers: Running[] = [];
const peers: number[] = [];
afterEach(async () => {
  for (const pid of peers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await killAll(servers);
});

const COLLECTD = '/usr/sbin/collectd';

describe('Graphite plaintext', () => {
  it('takes paths, tags, -1 timestamps over TCP and UDP; bad lines are counted', async () => {
    const l = await startWithListeners(tempDir(), ['graphite']);
    servers.push(l.server);
    const t = Math.floor(Date.now() / 1000) - 20;
    await sendTcp(l.addr('graphite', 'tcp'), `servers.web1.cpu.user 12.5 ${t}\ndisk.used;dc=eu;rack=a1 42 ${t}\nnot-a-line\nnow.metric 1 -1\n`);
    await sendUdp(l.addr('graphite', 'udp'), [`udp.metric;host=h 7 ${t}\n`]);
    const rows = await eventually(
      () => exportSeries(l.server.base, '{__name__=~"servers.web1.cpu.user|disk.used|now.metric|udp.metric"}'),
      (r) => r.length === 4,
    );
    expect(rows.map((r) => r.metric)).toEqual([
      { __name__: 'disk.used', dc: 'eu', rack: 'a1' },
      { __name__: 'now.metric' },
      { __name__: 'servers.web1.cpu.user' },
      { __name__: 'udp.metric', host: 'h' },
    ]);
    expect(rows[2]).toMatchObject({ values: [12.5], timestamps: [t * 1000] });
    expect(Math.abs(rows[1].timestamps[0] - Date.now())).toBeLessThan(600_000);
    expect(await metricValue(l.server.base, 'vigil_ingest_parse_errors_total', { protocol: 'graphite' })).toBe(1);
  });

  it('an address set explicitly that cannot be bound is a startup error', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await run(['--web.listen-address=127.0.0.1:0', `--storage.tsdb.path=${tempDir()}`, `--graphite.listen-address=127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port} for graphite`);
    } finally {
      taken.close();
    }
  });

  it("receives real host metrics from Debian's collectd (write_graphite)", async () => {
    if (!existsSync(COLLECTD)) {
      if (process.env.CI === 'true') throw new Error('Debian package collectd (collectd-core) is not installed (needed under CI)');
      console.warn('skipped: install the Debian package collectd-core (collectd) to run this test');
      return;
    }
    const l = await startWithListeners(tempDir(), ['graphite']);
    servers.push(l.server);
    const { host, port } = l.addr('graphite', 'tcp');
    const dir = tempDir('vigil-collectd-');
    const conf = join(dir, 'collectd.conf');
    writeFileSync(
      conf,
      [
        'Hostname "vigil-test-host"',
        'FQDNLookup false',
        `BaseDir "${dir}"`,
        `PIDFile "${join(dir, 'collectd.pid')}"`,
        'PluginDir "/usr/lib/collectd"',
        `TypesDB "/usr/share/collectd/types.db"`,
        'Interval 1',
        'LoadPlugin cpu',
        'LoadPlugin memory',
        'LoadPlugin load',
        'LoadPlugin write_graphite',
        '<Plugin write_graphite>',
        '  <Node "vigil">',
        `    Host "${host}"`,
        `    Port "${port}"`,
        '    Protocol "tcp"',
        '    Prefix "collectd."',
        '    StoreRates true',
        '    AlwaysAppendDS false',
        '    EscapeCharacter "_"',
        '  </Node>',
        '</Plugin>',
        '',
      ].join('\n'),
    );
    const proc = spawn(COLLECTD, ['-f', '-C', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    proc.stdout.on('data', (d: Buffer) => (log += d));
    proc.stderr.on('data', (d: Buffer) => (log += d));
    peers.push(proc.pid!);
    const rows = await eventually(
      () => exportSeries(l.server.base, '{__name__=~"collectd\\\\.vigil-test-host\\\\..*"}'),
      (r) => r.some((x) => x.metric.__name__.includes('.memory.')) && r.some((x) => x.metric.__name__.includes('.load.')),
      30_000,
    );
    const names = rows.map((r) => r.metric.__name__);
    expect(names, log).toContain('collectd.vigil-test-host.memory.memory-used');
    expect(names.some((n) => n.startsWith('collectd.vigil-test-host.load.load.'))).toBe(true);
    const used = rows.find((r) => r.metric.__name__ === 'collectd.vigil-test-host.memory.memory-used')!;
    expect(used.values[0]).toBeGreaterThan(0);
  });
});
