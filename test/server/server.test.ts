/**
 * End to end: the real server over HTTP. Timestamps are near "now" so the
 * default 15d retention keeps them.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, run, startServer, tempDir, type Running } from './harness.js';

const servers: Running[] = [];
afterEach(() => killAll(servers));

async function start(dir = tempDir(), args: string[] = []): Promise<Running> {
  const s = await startServer(dir, args);
  servers.push(s);
  return s;
}

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;

async function post(base: string, path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const r = await fetch(base + path, { method: 'POST', body, headers });
  return { status: r.status, body: (await r.json()) as any };
}

const exportAll = async (base: string, match = '{__name__=~".+"}') =>
  (await fetch(`${base}/api/v1/export?match[]=${encodeURIComponent(match)}`)).text();

describe('vigil server (e2e)', () => {
  it('import then export is exact, including NaN, ±Inf, -0 and the staleness marker', async () => {
    const s = await start();
    const lines =
      `{"metric":{"__name__":"exact","job":"a"},"values":[1.5,NaN,+Inf,-Inf,"StaleNaN",-0,1e-300,0.30000000000000004,1.7976931348623157e+308],"timestamps":[${[0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => T0 + i * 1000).join(',')}]}\n` +
      `{"metric":{"__name__":"exact","job":"b","utf8.label":"ü \\"quoted\\"\\n"},"values":[42],"timestamps":[${T0}]}\n`;
    const r = await post(s.base, '/api/v1/import', lines);
    expect(r).toEqual({ status: 200, body: { status: 'success', data: { samplesAccepted: 10, samplesRejected: 0 } } });
    expect(await exportAll(s.base, 'exact')).toBe(lines);
    // And again through the export's own output: a fixed point.
    const s2 = await start();
    await post(s2.base, '/api/v1/import', await exportAll(s.base, 'exact'));
    expect(await exportAll(s2.base, 'exact')).toBe(lines);
  });

  it('imports the Prometheus text format with timestamps and extra labels', async () => {
    const s = await start();
    const text = `# HELP t A test.\n# TYPE t gauge\nt{a="1"} 1 ${T0}\nt{a="2"} NaN ${T0}\nt{a="3"} -Inf ${T0}\n`;
    const r = await post(s.base, '/api/v1/import/prometheus?extra_label=env=e2e', text);
    expect(r.body.data).toEqual({ samplesAccepted: 3, samplesRejected: 0 });
    expect(await exportAll(s.base, 't')).toBe(
      `{"metric":{"__name__":"t","a":"1","env":"e2e"},"values":[1],"timestamps":[${T0}]}\n` +
        `{"metric":{"__name__":"t","a":"2","env":"e2e"},"values":[NaN],"timestamps":[${T0}]}\n` +
        `{"metric":{"__name__":"t","a":"3","env":"e2e"},"values":[-Inf],"timestamps":[${T0}]}\n`,
    );
  });

  it('bad lines: 400 naming each line, good lines of the same body committed', async () => {
    const s = await start();
    const text = `good 1 ${T0}\ngood{ 2\ngood 3 ${T0 + 1000}\ngood 4 notatimestamp\n\ngood 5 ${T0 + 2000}\n`;
    const r = await post(s.base, '/api/v1/import/prometheus', text);
    expect(r.status).toBe(400);
    expect(r.body.errorType).toBe('bad_data');
    expect(r.body.error).toMatch(/2 of 5 samples rejected: line 2: .+; line 4: .+/);
    expect(r.body.data.samplesAccepted).toBe(3);
    expect(r.body.data.errors.map((e: any) => e.line)).toEqual([2, 4]);
    expect(await exportAll(s.base, 'good')).toBe(`{"metric":{"__name__":"good"},"values":[1,3,5],"timestamps":[${T0},${T0 + 1000},${T0 + 2000}]}\n`);
  });

  it('gzip import, and 413 above --web.max-body-size', async () => {
    const s = await start(tempDir(), ['--web.max-body-size=1KB']);
    const r = await post(s.base, '/api/v1/import/prometheus', gzipSync(`gz 1 ${T0}\n`), { 'Content-Encoding': 'gzip' });
    expect(r.body.data).toEqual({ samplesAccepted: 1, samplesRejected: 0 });
    const big = await post(s.base, '/api/v1/import/prometheus', `big 1 ${T0}\n`.repeat(200));
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/limit is 1024 bytes/);
    const bomb = await post(s.base, '/api/v1/import', gzipSync(' '.repeat(100_000)), { 'Content-Encoding': 'gzip' });
    expect(bomb.status).toBe(413);
    expect((await fetch(s.base + '/-/healthy')).status).toBe(200);
  });

  it('serves /metrics in the text format and the metadata API', async () => {
    const s = await start();
    await post(s.base, '/api/v1/import/prometheus', `m{job="x"} 1 ${T0}\n`);
    const r = await fetch(s.base + '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await r.text();
    expect(text).toMatch(/^# HELP vigil_http_requests_total .+\n# TYPE vigil_http_requests_total counter\n/m);
    expect(text).toContain('vigil_http_requests_total{handler="/api/v1/import/prometheus",code="200"} 1\n');
    expect(text).toContain('vigil_import_samples_accepted_total{format="prometheus"} 1\n');
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (NaN|[+-]Inf|-?[0-9.e+-]+)$/);
    }
    expect(await (await fetch(`${s.base}/api/v1/series?match[]=m`)).json()).toEqual({ status: 'success', data: [{ __name__: 'm', job: 'x' }] });
    expect(await (await fetch(`${s.base}/api/v1/label/job/values`)).json()).toEqual({ status: 'success', data: ['x'] });
    expect((await fetch(s.base + '/-/ready')).status).toBe(200);
  });

  it('SIGTERM exits 0 cleanly; a restart serves the same data', async () => {
    const dir = tempDir();
    const s = await start(dir, ['--storage.tsdb.wal-fsync=commit']);
    const lines = `{"metric":{"__name__":"persist","k":"v"},"values":[1,"StaleNaN",3],"timestamps":[${T0},${T0 + 1000},${T0 + 2000}]}\n`;
    expect((await post(s.base, '/api/v1/import', lines)).status).toBe(200);
    expect(await s.stop('SIGTERM')).toBe(0);
    expect(s.output()).toContain('See you next time!');
    const again = await start(dir);
    expect(await exportAll(again.base, 'persist')).toBe(lines);
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('finishes an in-flight import on SIGTERM before exiting', async () => {
    const s = await start();
    let push!: (chunk: string | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk === null ? controller.close() : controller.enqueue(new TextEncoder().encode(chunk)));
      },
    });
    const pending = fetch(s.base + '/api/v1/import/prometheus', { method: 'POST', body, duplex: 'half' } as RequestInit);
    push(`inflight 1 ${T0}\n`);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(s.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    push(`inflight 2 ${T0 + 1000}\n`);
    push(null);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success', data: { samplesAccepted: 2, samplesRejected: 0 } });
    expect(await s.exited).toBe(0);
  });

  it('a second server on the same data directory fails with a clear lock message', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const second = await run(['--web.listen-address=127.0.0.1:0', `--storage.tsdb.path=${dir}`]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`vigil: error: cannot open storage: the data directory .*${dir.split('/').pop()} is locked by another running Vigil \\(pid ${first.pid}\\)`));
    expect((await fetch(first.base + '/-/healthy')).status).toBe(200);
  });

  it('--help lists the flags; an unknown flag exits 2 with a clear error', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const f of ['--config.file', '--web.listen-address', '--storage.tsdb.path', '--storage.tsdb.retention.time', '--storage.tsdb.retention.size', '--storage.tsdb.out-of-order-time-window', '--storage.tsdb.wal-fsync', '--log.level', '--log.format', '--web.max-body-size']) {
      expect(help.stdout).toContain(f);
    }
    const bad = await run(['--storage.tsdb.nope=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('vigil: error: unknown flag --storage.tsdb.nope (see --help for the list)\n');
    const badValue = await run(['--storage.tsdb.retention.time', 'forever']);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toMatch(/invalid value for flag --storage\.tsdb\.retention\.time: not a valid duration string: "forever"/);
  });

  it('a bad config file exits 1 naming file, line and key', async () => {
    const dir = tempDir();
    const file = `${dir}/vigil.yml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'storage:\n  tsdb:\n    retention:\n      tiem: 1d\n');
    const r = await run([`--config.file=${file}`, `--storage.tsdb.path=${dir}/data`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot load config file ${file}: line 4: storage.tsdb.retention.tiem: unknown key`);
  });
});
