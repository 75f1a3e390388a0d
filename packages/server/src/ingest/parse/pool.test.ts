import { afterEach, describe, expect, it } from 'vitest';
import { compressSync } from 'snappy';
import type { Logger } from '../../server/logger.js';
import { encodeV1, type EncodedSeries } from '../remotewrite/encoder.js';
import { ParsePool, type Parsed } from './pool.js';

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const series: EncodedSeries[] = Array.from({ length: 50 }, (_, i) => ({
  labels: ['__name__', 'up', 'instance', `host-${i}:9100`, 'job', 'node'],
  timestamps: [1_700_000_000_000, 1_700_000_015_000],
  values: new Float64Array([i, i + 0.5]),
}));
const rwBody = () => compressSync(encodeV1(series));

/** What a parse means, independent of how ids were numbered: (labels, t, v) per sample. */
function meaning({ samples: p, refs }: Parsed): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.n; i++) out.push(`${refs.labels[p.ids[i]]?.toString()} ${p.ts[i]} ${p.vs[i]}`);
  return out;
}

const LP = 'cpu,host=a usage=1.5,idle=2i 1700000000000\nbad line\nmem,host=a used=3 1700000000000\n';

describe('ParsePool', () => {
  const pools: ParsePool[] = [];
  const pool = (n: number) => {
    const p = new ParsePool(n, noopLogger);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('parses the same in a worker thread as inline, and names new series once per numbering', async () => {
    const body = rwBody();
    const args = { version: 1 as const, limit: 1 << 20 };
    const inline = pool(0);
    const worker = pool(1);
    const a = await inline.parse('remote_write', body, args);
    const b = await worker.parse('remote_write', body, args);
    expect(meaning(b)).toEqual(meaning(a));
    expect(a.samples.n).toBe(100);
    expect(b.samples.newIds.length).toBe(50);
    // The second time the series are known: no labels cross again, same meaning.
    const b2 = await worker.parse('remote_write', body, args);
    expect(b2.samples.newIds.length).toBe(0);
    expect(meaning(b2)).toEqual(meaning(a));

    const lpArgs = { db: 'telegraf', precision: 'ms' as const, now: 1_700_000_000_000, firstLine: 1 };
    const c = await inline.parse('influx', Buffer.from(LP), lpArgs);
    const d = await worker.parse('influx', Buffer.from(LP), lpArgs);
    expect(meaning(d)).toEqual(meaning(c));
    expect(d.samples.rejects).toEqual([{ message: 'line 2: missing "=" after field key "line"', samples: 1, before: 2, line: 2 }]);
    expect(meaning(d)[0]).toBe('cpu_usage{db="telegraf", host="a"} 1700000000000 1.5');
  });

  it('answers a bad body with the 400 the parse step gives, and keeps working', async () => {
    const p = pool(1);
    await expect(p.parse('remote_write', Buffer.from([0x05, 0x01, 0x00]), { version: 1, limit: 1 << 20 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^cannot decompress snappy body: copy at byte 1 refers to offset 0/),
    });
    await expect(p.parse('remote_write', Buffer.from([0xff, 0xff, 0xff, 0x7f]), { version: 1, limit: 1000 })).rejects.toMatchObject({ status: 413 });
    expect((await p.parse('remote_write', rwBody(), { version: 1, limit: 1 << 20 })).samples.n).toBe(100);
  });

  it('reuses the buffers bodies travelled in, a long body then short ones reading only their own bytes', async () => {
    const p = pool(1);
    const lpArgs = { db: 'db', precision: 'ms' as const, now: 1_700_000_000_000, firstLine: 1 };
    const long = Array.from({ length: 3000 }, (_, i) => `long,host=h${i} v=${i} 1700000000000`).join('\n');
    expect((await p.parse('influx', Buffer.from(long), lpArgs)).samples.n).toBe(3000);
    expect(p.spareBodies).toBe(1);
    // Same buffer, dirty with the long body past the short one's end.
    const short = await p.parse('influx', Buffer.from('short,host=x v=7 1700000000000'), lpArgs);
    expect(meaning(short)).toEqual(['short_v{db="db", host="x"} 1700000000000 7']);
    expect(p.spareBodies).toBe(1);
    // A failed parse hands its buffer back too; remote write goes through the same buffers.
    await expect(p.parse('remote_write', Buffer.from([0x05, 0x01, 0x00]), { version: 1, limit: 1 << 20 })).rejects.toMatchObject({ status: 400 });
    expect(p.spareBodies).toBe(1);
    expect((await p.parse('remote_write', rwBody(), { version: 1, limit: 1 << 20 })).samples.n).toBe(100);
    // The caller's buffer is copied, never transferred: it stays usable.
    const mine = Buffer.from('mine,host=y v=1 1700000000000');
    await p.parse('influx', mine, lpArgs);
    expect(mine.toString()).toBe('mine,host=y v=1 1700000000000');
  });

  it('fails the jobs of a worker that died, and starts a new one for the next job', async () => {
    const p = pool(1);
    await p.parse('influx', 'x v=1 1\n', { db: '', precision: 'ms', now: 0, firstLine: 1 });
    const job = p.parse('influx', 'x v=1 2\n'.repeat(200_000), { db: '', precision: 'ms', now: 0, firstLine: 1 });
    p.restartWorker(0);
    await expect(job).rejects.toThrow(/the parse worker stopped/);
    const again = await p.parse('influx', 'x v=1 3\n', { db: '', precision: 'ms', now: 0, firstLine: 1 });
    // A new worker: a new numbering, so the series is described again.
    expect(again.samples.newIds.length).toBe(1);
    expect(meaning(again)).toEqual(['x_v 3 1']);
  });

  it('is ready when its workers have loaded, or stopped before they did, so start-up never hangs on a worker', async () => {
    await pool(0).ready();
    const p = pool(2);
    await p.ready();
    const parsed = await p.parse('influx', 'x v=1 1\n', { db: '', precision: 'ms', now: 0, firstLine: 1 });
    expect(meaning(parsed)).toEqual(['x_v 1 1']);
    // A worker stopped while it starts: ready anyway (it is started again for the next job).
    const q = pool(1);
    q.restartWorker(0);
    await q.ready();
    const again = await q.parse('influx', 'x v=1 2\n', { db: '', precision: 'ms', now: 0, firstLine: 1 });
    expect(meaning(again)).toEqual(['x_v 2 1']);
  });

  it('forgets every numbering on forget(): the next parse of each protocol describes its series again, under fresh refs', async () => {
    const lpArgs = { db: '', precision: 'ms' as const, now: 0, firstLine: 1 };
    const rwArgs = { version: 1 as const, limit: 1 << 20 };
    for (const p of [pool(0), pool(1)]) {
      const first = await p.parse('remote_write', rwBody(), rwArgs);
      first.refs.refs[first.samples.ids[0]] = 77; // as if appended: this ref must not survive forget()
      const before = await p.parse('influx', LP, lpArgs);
      p.forget();
      const rw = await p.parse('remote_write', rwBody(), rwArgs);
      expect(rw.samples.reset).toBe(true);
      expect(rw.refs).not.toBe(first.refs);
      expect(rw.refs.refs[rw.samples.ids[0]]).toBe(0);
      expect(meaning(rw)).toEqual(meaning(first));
      const lp = await p.parse('influx', LP, lpArgs);
      expect(lp.samples.reset).toBe(true);
      expect(lp.refs).not.toBe(before.refs);
      expect(meaning(lp)).toEqual(meaning(before));
    }
  });
});
