/**
 * Child process of the WAL crash test (wal.crash.test.ts): appends batches
 * from several concurrent writers as fast as it can, checkpointing now and
 * then, and prints `ack <batch>` for each acknowledged commit until it is
 * killed. Batch b creates series ref b and holds `crashBatchSize(b)` samples
 * at t = b whose refs and values follow from (b, k), so the parent can check
 * every sample after the crash.
 *
 * Usage: node --import tsx crash-writer.ts <wal dir> [interval|commit]
 */
import { pathToFileURL } from 'node:url';
import { Labels } from '../../../model/labels.js';
import { SamplesRecord, SeriesRecord } from '../records.js';
import { Wal } from '../wal.js';

export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0];

export function crashBatchSize(b: number): number {
  return 1 + ((b * 2654435761) % 300);
}

/** Series ref and value of sample k of batch b. */
export function crashSample(b: number, k: number): { ref: number; v: number } {
  return { ref: 1 + ((b * 7 + k) % b), v: k % 10 === 9 ? STALE_NAN : b * 10000 + k };
}

async function main(dir: string, sync: 'interval' | 'commit'): Promise<void> {
  const wal = await Wal.open({
    dir,
    segmentSize: 64 * 1024,
    sync,
    syncIntervalMs: 50,
    logger: { warn: (msg, f) => process.stderr.write(`warn: ${msg} ${JSON.stringify(f)}\n`), info() {} },
  });
  let last = 0;
  await wal.replay({
    series: (r) => {
      for (let i = 0; i < r.n; i++) last = Math.max(last, r.refs[i]);
    },
  });
  let next = last + 1;
  let checkpointing = false;
  process.stdout.write(`ready ${next}\n`);

  const writer = async (): Promise<void> => {
    const series = new SeriesRecord();
    const samples = new SamplesRecord();
    for (;;) {
      const b = next++;
      series.reset();
      samples.reset();
      series.add(b, Labels.fromObject({ __name__: 'crash_test', batch: String(b) }));
      const n = crashBatchSize(b);
      for (let k = 0; k < n; k++) {
        const { ref, v } = crashSample(b, k);
        samples.add(ref, b, v);
      }
      await wal.log(series, samples);
      process.stdout.write(`ack ${b}\n`);
      if (b % 250 === 0 && !checkpointing) {
        checkpointing = true;
        await wal.checkpoint(() => true, 0);
        checkpointing = false;
      }
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2], process.argv[3] === 'commit' ? 'commit' : 'interval').catch((err: unknown) => {
    process.stderr.write(`crash-writer: ${String(err)}\n`);
    process.exit(1);
  });
}
