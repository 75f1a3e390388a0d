import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Labels } from '../../model/labels.js';
import { StorageError } from '../../storage/errors.js';
import { FaultyVfs, NodeVfs } from '../vfs.js';
import { SamplesRecord, SeriesDropRecord, SeriesRecord, TombstonesRecord } from './records.js';
import { FRAME_HEADER_SIZE, SEGMENT_HEADER_SIZE } from './segment.js';
import { Wal, type WalLogger, type WalOptions } from './wal.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wal-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface LogLine {
  level: 'warn' | 'info';
  msg: string;
  fields?: Record<string, unknown>;
}

function memLogger(): WalLogger & { lines: LogLine[]; warnings(): LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warnings: () => lines.filter((l) => l.level === 'warn'),
  };
}

const lbl = (i: number) => Labels.fromObject({ __name__: 'm', i: String(i) });
const valueOf = (ref: number, t: number) => ref * 1000 + t + 0.25;

/** Everything a replay saw, flattened. */
interface Replayed {
  series: Map<number, string>;
  samples: [number, number, number][];
  tombstones: [number, number, number][];
  drops: number[];
  order: string[];
}

async function replayAll(wal: Wal): Promise<Replayed> {
  const out: Replayed = { series: new Map(), samples: [], tombstones: [], drops: [], order: [] };
  await wal.replay({
    series: (r) => {
      out.order.push('series');
      for (let i = 0; i < r.n; i++) out.series.set(r.refs[i], r.labels[i].toString());
    },
    samples: (r) => {
      out.order.push('samples');
      for (let i = 0; i < r.n; i++) out.samples.push([r.refs[i], r.ts[i], r.vs[i]]);
    },
    tombstones: (r) => {
      out.order.push('tombstones');
      for (let i = 0; i < r.n; i++) out.tombstones.push([r.refs[i], r.mints[i], r.maxts[i]]);
    },
    seriesDrop: (r) => {
      out.order.push('drop');
      for (let i = 0; i < r.n; i++) out.drops.push(r.refs[i]);
    },
  });
  return out;
}

/** Logs batch `b`: a new series `b` and `perBatch` samples at t = b for series 1..b. */
function batch(wal: Wal, b: number, perBatch = 3): Promise<void> {
  const series = new SeriesRecord();
  series.add(b, lbl(b));
  const samples = new SamplesRecord();
  for (let k = 0; k < perBatch; k++) {
    const ref = 1 + ((b + k) % b);
    samples.add(ref, b, valueOf(ref, b));
  }
  return wal.log(series, samples);
}

function open(extra: Partial<WalOptions> = {}): Promise<Wal> {
  return Wal.open({ dir, ...extra });
}

function segFiles(): string[] {
  return fs.readdirSync(dir).filter((n) => /^\d{8}$/.test(n));
}

describe('Wal: logging and replay', () => {
  it('round-trips every record type in order, values bit for bit', async () => {
    const wal = await open();
    const s = new SeriesRecord();
    s.add(1, lbl(1));
    s.add(2, Labels.fromObject({ __name__: 'ünïcode', x: 'y' }));
    const smp = new SamplesRecord();
    const stale = new Float64Array(1);
    new BigUint64Array(stale.buffer)[0] = 0x7ff0000000000002n;
    smp.add(1, 1000, 1.5);
    smp.add(2, 1000, stale[0]);
    await wal.log(s, smp);
    const t = new TombstonesRecord();
    t.add(1, 0, 500);
    const d = new SeriesDropRecord();
    d.add(2);
    await wal.log(t);
    await wal.log(d);
    await wal.log(new SamplesRecord()); // empty: nothing written
    await wal.close();

    const again = await open();
    const seen: bigint[] = [];
    await again.replay({ samples: (r) => seen.push(...new BigUint64Array(r.vs.buffer, 0, r.n)) });
    expect(seen[1]).toBe(0x7ff0000000000002n);
    const r = await replayAll(again);
    expect(r.order).toEqual(['series', 'samples', 'tombstones', 'drop']);
    expect([...r.series.entries()]).toEqual([
      [1, 'm{i="1"}'],
      [2, Labels.fromObject({ __name__: 'ünïcode', x: 'y' }).toString()],
    ]);
    expect(r.samples[0]).toEqual([1, 1000, 1.5]);
    expect(r.tombstones).toEqual([[1, 0, 500]]);
    expect(r.drops).toEqual([2]);
    await again.close();
  });

  it('appends after reopen and cuts segments at the size limit', async () => {
    let wal = await open({ segmentSize: 4096 });
    for (let b = 1; b <= 100; b++) await batch(wal, b, 20);
    await wal.close();
    wal = await open({ segmentSize: 4096 });
    for (let b = 101; b <= 200; b++) await batch(wal, b, 20);
    const st = wal.stats();
    expect(st.segments).toBeGreaterThan(5);
    expect(st.segments).toBe(segFiles().length);
    for (const f of segFiles()) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(4096);
    const r = await replayAll(wal);
    expect(r.series.size).toBe(200);
    expect(r.samples.length).toBe(200 * 20);
    // Order is preserved across segments and reopen.
    const ts = r.samples.map((s) => s[1]);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    for (const [ref, t, v] of r.samples) expect(v).toBe(valueOf(ref, t));
    await wal.close();
  });

  it('gives a batch larger than a segment a segment of its own', async () => {
    const wal = await open({ segmentSize: 4096 });
    await batch(wal, 1, 2);
    const big = new SamplesRecord();
    for (let i = 0; i < 2000; i++) big.add(1, i, i);
    await wal.log(big);
    await batch(wal, 2, 2);
    expect(segFiles().length).toBe(3);
    expect((await replayAll(wal)).samples.length).toBe(2004);
    await wal.close();
  });

  it('groups concurrent commits into shared writes (group commit)', async () => {
    const wal = await open({ sync: 'commit' });
    const commits: Promise<void>[] = [];
    for (let b = 1; b <= 500; b++) {
      commits.push(batch(wal, b));
      if (b % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(commits);
    const st = wal.stats();
    expect(st.commits).toBe(500);
    expect(st.writes).toBeLessThan(50);
    expect(st.fsyncs).toBeGreaterThanOrEqual(st.writes);
    const r = await replayAll(wal);
    expect(r.series.size).toBe(500);
    await wal.close();
  });

  it('fsyncs every group in commit mode, and on a timer in interval mode', async () => {
    const perCommit = await open({ sync: 'commit' });
    await batch(perCommit, 1);
    await batch(perCommit, 2);
    expect(perCommit.stats().fsyncs).toBe(2);
    await perCommit.close();
    fs.rmSync(dir, { recursive: true });

    const timed = await open({ sync: 'interval', syncIntervalMs: 20 });
    await batch(timed, 1);
    expect(timed.stats().fsyncs).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(timed.stats().fsyncs).toBe(1); // one interval had dirty data; later ones had none
    await timed.flush();
    await timed.close();
  });

  it('rejects logging after close, and close writes what is pending', async () => {
    const wal = await open();
    const pending = batch(wal, 1);
    await wal.close();
    await pending;
    await expect(batch(wal, 2)).rejects.toMatchObject({ code: 'closed' });
    const again = await open();
    expect((await replayAll(again)).series.size).toBe(1);
    await again.close();
  });

  it('reports its size on disk', async () => {
    const wal = await open({ segmentSize: 8192 });
    for (let b = 1; b <= 200; b++) await batch(wal, b);
    const onDisk = segFiles().reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    expect(wal.stats().sizeBytes).toBe(onDisk);
    expect(wal.stats().bytesWritten).toBe(onDisk - SEGMENT_HEADER_SIZE * segFiles().length);
    await wal.close();
  });
});

describe('Wal: torn and corrupt tails', () => {
  /** Writes batches 1..n, returns the last segment's path and the offset where the last batch starts. */
  async function writeBatches(n: number): Promise<{ file: string; lastStart: number; size: number }> {
    const wal = await open();
    for (let b = 1; b < n; b++) await batch(wal, b);
    const lastStart = wal.stats().bytesWritten + SEGMENT_HEADER_SIZE;
    await batch(wal, n);
    await wal.close();
    const file = path.join(dir, '00000000');
    return { file, lastStart, size: fs.statSync(file).size };
  }

  it('truncates the last batch cut at every offset, warning with segment, offset and bytes dropped', async () => {
    const { file, lastStart, size } = await writeBatches(5);
    const original = fs.readFileSync(file);
    for (let cut = lastStart; cut < size; cut++) {
      fs.writeFileSync(file, original.subarray(0, cut));
      const logger = memLogger();
      const wal = await open({ logger });
      const warnings = logger.warnings();
      if (cut === lastStart) expect(warnings).toEqual([]);
      else {
        expect(warnings).toHaveLength(1);
        expect(warnings[0].msg).toMatch(/torn or corrupt tail/);
        expect(warnings[0].fields).toMatchObject({ segment: '00000000', offset: lastStart, droppedBytes: cut - lastStart });
      }
      expect(fs.statSync(file).size).toBe(lastStart);
      const r = await replayAll(wal);
      // The batch (series + samples records) is all or nothing, even when cut between its records.
      expect(r.series.size).toBe(4);
      expect(r.samples.length).toBe(12);
      // Writing goes on where the good data ends.
      await batch(wal, 5);
      await wal.close();
      const again = await open({ logger });
      expect((await replayAll(again)).series.size).toBe(5);
      await again.close();
      expect(logger.warnings()).toHaveLength(cut === lastStart ? 0 : 1);
    }
  });

  it('drops a batch whose bytes were flipped, whatever byte it is', async () => {
    const { file, lastStart, size } = await writeBatches(3);
    const original = fs.readFileSync(file);
    for (let at = lastStart; at < size; at++) {
      const damaged = Buffer.from(original);
      damaged[at] ^= 0x5a;
      fs.writeFileSync(file, damaged);
      const logger = memLogger();
      const wal = await open({ logger });
      expect(logger.warnings()).toHaveLength(1);
      expect(logger.warnings()[0].fields).toMatchObject({ segment: '00000000', offset: lastStart });
      expect((await replayAll(wal)).series.size).toBe(2);
      await wal.close();
    }
  });

  it('truncates garbage and zeros appended after the last batch', async () => {
    const { file, size } = await writeBatches(3);
    for (const junk of [Buffer.alloc(4096), Buffer.from('garbage that is not a frame at all')]) {
      fs.appendFileSync(file, junk);
      const logger = memLogger();
      const wal = await open({ logger });
      expect(logger.warnings()[0].fields).toMatchObject({ offset: size, droppedBytes: junk.length });
      expect((await replayAll(wal)).series.size).toBe(3);
      await wal.close();
    }
  });

  it('repairs damage inside an older segment during replay and keeps reading later ones', async () => {
    let wal = await open({ segmentSize: 4096 });
    for (let b = 1; b <= 120; b++) await batch(wal, b, 10);
    await wal.close();
    const files = segFiles();
    expect(files.length).toBeGreaterThan(3);
    const victim = path.join(dir, files[1]);
    const victimSize = fs.statSync(victim).size;
    const buf = fs.readFileSync(victim);
    buf[SEGMENT_HEADER_SIZE + FRAME_HEADER_SIZE + 2] ^= 0xff; // inside the first record's payload
    fs.writeFileSync(victim, buf);

    const logger = memLogger();
    wal = await open({ logger, segmentSize: 4096 });
    expect(logger.warnings()).toEqual([]); // open only looks at the last segment
    const r = await replayAll(wal);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0].fields).toMatchObject({
      segment: files[1],
      offset: SEGMENT_HEADER_SIZE,
      droppedBytes: victimSize - SEGMENT_HEADER_SIZE,
      reason: 'checksum mismatch',
    });
    // Later segments were replayed: the last batch is there.
    expect(r.series.has(120)).toBe(true);
    expect(fs.statSync(victim).size).toBe(SEGMENT_HEADER_SIZE);
    await replayAll(wal);
    expect(logger.warnings()).toHaveLength(1); // repaired: no second warning
    await wal.close();
  });

  it('recovers a last segment with a missing or broken header', async () => {
    const wal = await open();
    await batch(wal, 1);
    await wal.close();
    fs.writeFileSync(path.join(dir, '00000001'), Buffer.from('VWA'));
    const logger = memLogger();
    const again = await open({ logger });
    expect(logger.warnings()[0].fields).toMatchObject({ segment: '00000001', offset: 0, droppedBytes: 3 });
    await batch(again, 2);
    await again.close();
    const third = await open({ logger });
    expect((await replayAll(third)).series.size).toBe(2);
    await third.close();
  });
});

describe('Wal: write faults', () => {
  it('rejects a commit on ENOSPC, truncates the partial write away, and works again when space returns', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const wal = await open({ vfs, sync: 'commit' });
    await batch(wal, 1);
    const good = fs.statSync(path.join(dir, '00000000')).size;
    const full = vfs.inject({ ops: ['write'], code: 'ENOSPC', partial: true });
    const err = await batch(wal, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('wal_write_failed');
    expect((err as Error).message).toMatch(/^cannot write WAL segment 00000000 at offset \d+: ENOSPC: no space left on device/);
    expect(fs.statSync(path.join(dir, '00000000')).size).toBe(good);
    await expect(batch(wal, 3)).rejects.toThrow(/ENOSPC/);
    expect(wal.stats().writeErrors).toBe(2);
    full.enabled = false;
    await batch(wal, 4);
    await wal.close();

    const logger = memLogger();
    const again = await open({ logger });
    expect(logger.warnings()).toEqual([]);
    const r = await replayAll(again);
    expect([...r.series.keys()]).toEqual([1, 4]);
    await again.close();
  });

  it('rejects a commit whose fsync fails (EIO) and takes its bytes back out', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const wal = await open({ vfs, sync: 'commit' });
    await batch(wal, 1);
    vfs.inject({ ops: ['sync'], code: 'EIO', count: 1 });
    await expect(batch(wal, 2)).rejects.toThrow(/cannot fsync WAL segment 00000000 .*EIO/);
    await batch(wal, 3);
    expect(wal.stats().fsyncErrors).toBe(1);
    await wal.close();
    const again = await open();
    expect([...(await replayAll(again)).series.keys()]).toEqual([1, 3]);
    await again.close();
  });

  it('keeps failing until a failed truncate succeeds, so no half batch is left behind', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const logger = memLogger();
    const wal = await open({ vfs, logger });
    await batch(wal, 1);
    const write = vfs.inject({ ops: ['write'], code: 'EIO', partial: true, count: 1 });
    const trunc = vfs.inject({ ops: ['truncate'], code: 'EIO' });
    // One group of three batches; its first half, with batch 2 whole, reaches the file.
    const group = [batch(wal, 2, 50), batch(wal, 3, 50), batch(wal, 4, 50)];
    for (const c of group) await expect(c).rejects.toThrow(/EIO/);
    expect(write.failed).toBe(1);
    expect(wal.stats().writes).toBe(1);
    expect(logger.warnings()[0].msg).toMatch(/cannot truncate/);
    expect(logger.warnings()[0].fields).toMatchObject({ invalidated: true });
    // Were the process to die now, the whole frames of the failed group would not replay.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wal-peek-'));
    fs.cpSync(dir, copy, { recursive: true });
    const peek = await Wal.open({ dir: copy, logger: memLogger() });
    expect([...(await replayAll(peek)).series.keys()]).toEqual([1]);
    await peek.close();
    fs.rmSync(copy, { recursive: true });

    await expect(batch(wal, 5)).rejects.toThrow(/cannot truncate WAL segment/);
    trunc.enabled = false;
    await batch(wal, 6);
    await wal.close();
    const again = await open({ logger: memLogger() });
    expect([...(await replayAll(again)).series.keys()]).toEqual([1, 6]);
    await again.close();
  });

  it('keeps the current segment when a new one cannot be created', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const wal = await open({ vfs, segmentSize: 4096 });
    const noOpen = vfs.inject({ ops: ['open'], code: 'ENOSPC', path: '00000001' });
    let b = 1;
    while (noOpen.failed === 0) {
      await batch(wal, b++, 20).catch(() => {});
    }
    const failedAt = b - 1;
    noOpen.enabled = false;
    await batch(wal, b, 20);
    await wal.close();
    const again = await open();
    const keys = [...(await replayAll(again)).series.keys()];
    expect(keys).not.toContain(failedAt);
    expect(keys).toContain(b);
    expect(keys.length).toBe(b - 1);
    await again.close();
  });

  it('logs a warning and counts an fsync failure in interval mode (the commits were already acknowledged)', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const logger = memLogger();
    const wal = await open({ vfs, logger, syncIntervalMs: 10 });
    vfs.inject({ ops: ['sync'], code: 'EIO', count: 1 });
    await batch(wal, 1);
    await new Promise((r) => setTimeout(r, 80));
    expect(wal.stats().fsyncErrors).toBe(1);
    expect(wal.stats().fsyncs).toBe(1); // the retry on the next interval
    expect(logger.warnings()[0].msg).toMatch(/cannot fsync/);
    await wal.close();
  });
});

describe('Wal: checkpoints', () => {
  it('keeps live series, samples from mint on and their tombstones, and deletes what it replaces', async () => {
    const logger = memLogger();
    const wal = await open({ segmentSize: 4096, logger });
    for (let b = 1; b <= 60; b++) await batch(wal, b, 10);
    const t = new TombstonesRecord();
    t.add(2, 0, 10);
    t.add(3, 0, 100);
    t.add(4, 50, 60);
    await wal.log(t);
    const before = await replayAll(wal);
    const keep = (ref: number) => ref % 2 === 0;
    const segsBefore = segFiles().length;

    const st = await wal.checkpoint(keep, 30);
    expect(st.index).toBe(segsBefore - 1);
    expect(fs.existsSync(path.join(dir, `checkpoint.${String(st.index).padStart(8, '0')}`))).toBe(true);
    expect(segFiles()).toEqual([String(st.index + 1).padStart(8, '0')]);
    expect(logger.lines.some((l) => l.msg === 'WAL checkpoint written')).toBe(true);

    await batch(wal, 61, 10);
    const after = await replayAll(wal);
    const expectSeries = [...before.series].filter(([ref]) => keep(ref));
    expect([...after.series].slice(0, expectSeries.length)).toEqual(expectSeries);
    const expectSamples = before.samples.filter(([ref, ts]) => keep(ref) && ts >= 30);
    expect(after.samples.slice(0, expectSamples.length)).toEqual(expectSamples);
    expect(after.samples.length).toBe(expectSamples.length + 10);
    expect(after.tombstones).toEqual([[4, 50, 60]]);
    expect(st.samples).toBe(expectSamples.length);
    expect(wal.stats().checkpoints).toBe(1);
    await wal.close();

    // Survives reopen, and a second checkpoint folds in the first.
    const again = await open({ segmentSize: 4096 });
    expect((await replayAll(again)).samples).toEqual(after.samples);
    const st2 = await again.checkpoint(() => true, 0);
    expect(st2.index).toBeGreaterThan(st.index);
    const cps = fs.readdirSync(dir).filter((n) => n.startsWith('checkpoint.'));
    expect(cps).toEqual([`checkpoint.${String(st2.index).padStart(8, '0')}`]);
    expect((await replayAll(again)).samples).toEqual(after.samples);
    const onDisk =
      segFiles().reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0) +
      fs.readdirSync(path.join(dir, cps[0])).reduce((n, f) => n + fs.statSync(path.join(dir, cps[0], f)).size, 0);
    expect(again.stats().sizeBytes).toBe(onDisk);
    await again.close();
  });

  it('lets logging go on during a checkpoint', async () => {
    const wal = await open({ segmentSize: 4096 });
    for (let b = 1; b <= 40; b++) await batch(wal, b, 10);
    const during: Promise<void>[] = [];
    const cp = wal.checkpoint(() => true, 0);
    for (let b = 41; b <= 80; b++) during.push(batch(wal, b, 10));
    await Promise.all([cp, ...during]);
    const r = await replayAll(wal);
    expect(r.series.size).toBe(80);
    expect(r.samples.length).toBe(800);
    await wal.close();
  });

  it('leaves the previous state intact when it fails, and cleans up after a crash mid-way', async () => {
    const vfs = new FaultyVfs(new NodeVfs());
    const wal = await open({ vfs, segmentSize: 4096 });
    for (let b = 1; b <= 40; b++) await batch(wal, b, 10);
    const before = await replayAll(wal);
    const f = vfs.inject({ ops: ['rename'], code: 'EIO', count: 1 });
    await expect(wal.checkpoint(() => true, 0)).rejects.toThrow(/EIO/);
    expect(f.failed).toBe(1);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('checkpoint'))).toEqual([]);
    expect(await replayAll(wal)).toEqual(before);
    await wal.close();

    // A crash after the rename but before the old segments were deleted,
    // with a stale temporary directory lying around too.
    const w2 = await open({ segmentSize: 4096 });
    const st = await w2.checkpoint(() => true, 0);
    await w2.close();
    const cp = `checkpoint.${String(st.index).padStart(8, '0')}`;
    fs.copyFileSync(path.join(dir, cp, '00000000'), path.join(dir, String(st.index).padStart(8, '0')));
    fs.mkdirSync(path.join(dir, `checkpoint.${String(st.index + 5).padStart(8, '0')}.tmp`));
    const w3 = await open({ segmentSize: 4096 });
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, String(st.index).padStart(8, '0')))).toBe(false);
    expect(await replayAll(w3)).toEqual(before);
    await w3.close();
  });

  it('does nothing when there is nothing to fold', async () => {
    const wal = await open();
    expect((await wal.checkpoint(() => true, 0)).index).toBe(-1);
    await wal.close();
  });
});
