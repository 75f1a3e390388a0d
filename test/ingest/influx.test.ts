/**
 * Influx line protocol end to end: InfluxDB's own JS client
 * (`@influxdata/influxdb-client`, v2 API) and plain HTTP (v1 API) write into
 * the real server; TCP and UDP listeners; Debian's `influx` CLI (1.x) when
 * installed. Series are read back through /api/v1/export.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { killAll, tempDir, type Running } from '../server/harness.js';
import { eventually, exportSeries, metricValue, sendTcp, sendUdp, startWithListeners } from './net.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

async function start(extra: string[] = []) {
  const l = await startWithListeners(tempDir(), ['influx'], extra);
  servers.push(l.server);
  return l;
}

describe('Influx line protocol', () => {
  it('takes writes from the InfluxDB JS client (v2 API) with the VictoriaMetrics mapping', async () => {
    const { server } = await start();
    const api = new InfluxDB({ url: server.base, token: 'any' }).getWriteApi('my-org', 'telegraf', 'ms');
    const t = Date.now() - 60_000;
    api.writePoint(new Point('cpu').tag('host', 'web-1').tag('cpu', 'cpu0').floatField('usage_user', 12.5).intField('ticks', 42).booleanField('ok', true).stringField('note', 'skip me').timestamp(new Date(t)));
    api.writePoint(new Point('cpu').tag('host', 'web 2,x=y').floatField('usage_user', 3).timestamp(new Date(t)));
    api.writePoint(new Point('disk').tag('db', 'own').uintField('free', 2 ** 40).timestamp(new Date(t)));
    await api.close();

    const rows = await exportSeries(server.base, '{__name__=~"cpu_.*|disk_.*"}');
    const got = rows.map((r) => [r.metric, r.values, r.timestamps]);
    expect(got).toEqual([
      [{ __name__: 'cpu_ok', cpu: 'cpu0', db: 'telegraf', host: 'web-1' }, [1], [t]],
      [{ __name__: 'cpu_ticks', cpu: 'cpu0', db: 'telegraf', host: 'web-1' }, [42], [t]],
      [{ __name__: 'cpu_usage_user', cpu: 'cpu0', db: 'telegraf', host: 'web-1' }, [12.5], [t]],
      [{ __name__: 'cpu_usage_user', db: 'telegraf', host: 'web 2,x=y' }, [3], [t]],
      [{ __name__: 'disk_free', db: 'own' }, [2 ** 40], [t]],
    ]);
    expect(await metricValue(server.base, 'vigil_ingest_influx_string_fields_skipped_total')).toBe(1);
  });

  it('v1 /write: db label, precision, gzip, keeps good lines and names the bad ones (400)', async () => {
    const { server } = await start();
    const t = Math.floor(Date.now() / 1000) - 30;
    const body = `m1,host=a v=1 ${t}\nm1,host=b v=\nm1,host=c v=3 ${t}\n`;
    let res = await fetch(`${server.base}/write?db=ops&precision=s`, { method: 'POST', body });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { error: string };
    expect(err.error).toContain('partial write');
    expect(err.error).toContain('line 2: missing value of field "v"');

    res = await fetch(`${server.base}/write?precision=ms`, { method: 'POST', body: gzipSync(`m2 v=7 ${t * 1000}\n`), headers: { 'Content-Encoding': 'gzip' } });
    expect(res.status).toBe(204);
    // A sample far in the future would make every current one "too old": refused.
    res = await fetch(`${server.base}/write?precision=s`, { method: 'POST', body: `future v=1 ${t + 7 * 86400}\n` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("more than 24 h ahead of the server's clock");
    res = await fetch(`${server.base}/write?precision=x`, { method: 'POST', body: 'm v=1' });
    expect(res.status).toBe(400);
    res = await fetch(`${server.base}/api/v2/write?bucket=b&precision=s`, { method: 'POST', body: 'oops' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid');

    const rows = await exportSeries(server.base, '{__name__=~"m1_v|m2_v"}');
    expect(rows.map((r) => [r.metric, r.values, r.timestamps])).toEqual([
      [{ __name__: 'm1_v', db: 'ops', host: 'a' }, [1], [t * 1000]],
      [{ __name__: 'm1_v', db: 'ops', host: 'c' }, [3], [t * 1000]],
      [{ __name__: 'm2_v' }, [7], [t * 1000]],
    ]);
    expect((await fetch(`${server.base}/ping`)).status).toBe(204);
  });

  it('requires the configured token (Authorization: Token, from curl and from the JS client)', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/token`, 's3cret\n');
    const { server } = await start([`--ingest.auth.bearer-token-file=${dir}/token`]);
    expect((await fetch(`${server.base}/write`, { method: 'POST', body: 'a v=1' })).status).toBe(401);
    expect((await fetch(`${server.base}/write`, { method: 'POST', body: 'a v=1', headers: { Authorization: 'Token wrong' } })).status).toBe(401);
    expect((await fetch(`${server.base}/api/v2/write?bucket=x`, { method: 'POST', body: 'a v=1', headers: { Authorization: 'Token s3cret' } })).status).toBe(204);
    const api = new InfluxDB({ url: server.base, token: 's3cret' }).getWriteApi('o', 'b');
    api.writeRecord('b v=2');
    await api.close();
    const rows = await exportSeries(server.base, '{__name__=~"a_v|b_v"}');
    expect(rows.map((r) => r.metric.__name__)).toEqual(['a_v', 'b_v']);
  });

  it('TCP and UDP listeners: lines, bad lines counted, oversized lines and packets dropped and counted', async () => {
    const { server, addr } = await start(['--ingest.max-line-size=1KiB', '--ingest.max-packet-size=1KiB']);
    const tcp = addr('influx', 'tcp');
    const udp = addr('influx', 'udp');
    expect(udp.port).toBe(tcp.port);
    const t = Date.now() - 10_000;
    await sendTcp(tcp, `tcp_m,k=v a=1 ${t}000000\nnot a line\n${'x'.repeat(5000)} v=1\ntcp_m,k=w a=2 ${t}000000`);
    await sendUdp(udp, [`udp_m a=5 ${t}000000\n`, `udp_m,k=big a=${'1'.repeat(2000)}\n`, 'bad']);
    const rows = await eventually(
      () => exportSeries(server.base, '{__name__=~"tcp_m_a|udp_m_a"}'),
      (r) => r.length === 3,
    );
    expect(rows.map((r) => [r.metric, r.values])).toEqual([
      [{ __name__: 'tcp_m_a', k: 'v' }, [1]],
      [{ __name__: 'tcp_m_a', k: 'w' }, [2]],
      [{ __name__: 'udp_m_a' }, [5]],
    ]);
    const counted = await eventually(
      async () => [
        await metricValue(server.base, 'vigil_ingest_parse_errors_total', { protocol: 'influx' }),
        await metricValue(server.base, 'vigil_ingest_net_lines_too_long_total', { protocol: 'influx' }),
        await metricValue(server.base, 'vigil_ingest_net_packets_dropped_total', { protocol: 'influx', reason: 'too_large' }),
      ],
      (v) => v[0] === 2 && v[1] === 1 && v[2] === 1,
    );
    expect(counted).toEqual([2, 1, 1]);
    expect(server.output()).toContain('msg="UDP packet too large: dropped"');
  });

  it("Debian's influx CLI (influxdb-client) writes through /write", async () => {
    const cli = '/usr/bin/influx';
    if (!existsSync(cli)) {
      if (process.env.CI === 'true') throw new Error('Debian package influxdb-client is not installed (needed under CI)');
      console.warn('skipped: install the Debian package influxdb-client to run this test');
      return;
    }
    const { server } = await start();
    const u = new URL(server.base);
    const t = Math.floor(Date.now() / 1000) - 5;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        cli,
        ['-host', u.hostname, '-port', u.port, '-database', 'clidb', '-precision', 's', '-execute', `INSERT cli_m,host=h value=4.5 ${t}`],
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr)),
      ),
    );
    expect(out).not.toContain('ERR');
    const rows = await exportSeries(server.base, '{__name__="cli_m_value"}');
    expect(rows.map((r) => [r.metric, r.values, r.timestamps])).toEqual([[{ __name__: 'cli_m_value', db: 'clidb', host: 'h' }, [4.5], [t * 1000]]]);
  });
});
