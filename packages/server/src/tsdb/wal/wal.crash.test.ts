import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crashBatchSize, crashSample } from './testdata/crash-writer.js';
import { Wal } from './wal.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'testdata', 'crash-writer.ts');

/** The directory that has tsx installed, so `--import tsx` resolves. */
function repoRoot(): string {
  let d = here;
  while (!fs.existsSync(path.join(d, 'node_modules', 'tsx'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error('cannot find node_modules/tsx above the test');
    d = up;
  }
  return d;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-wal-crash-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer, SIGKILLs it after `ms` of writing; resolves to the highest acknowledged batch. */
function runAndKill(ms: number, sync: 'interval' | 'commit'): Promise<{ maxAcked: number; firstBatch: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir, sync], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    let maxAcked = 0;
    let firstBatch = -1;
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      out += chunk;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'ack') maxAcked = Math.max(maxAcked, Number(n));
        else if (what === 'ready') {
          firstBatch = Number(n);
          timer = setTimeout(() => proc.kill('SIGKILL'), ms);
        }
      }
    });
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}): ${stderr}`));
      else resolve({ maxAcked, firstBatch, stderr });
    });
  });
}

const scratch = new Float64Array(1);
const scratchBits = new BigUint64Array(scratch.buffer);

/** Replays the WAL and checks every sample; returns the highest batch present. */
async function verify(): Promise<{ maxBatch: number; warnings: string[] }> {
  const warnings: string[] = [];
  const wal = await Wal.open({ dir, logger: { warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), info() {} } });
  let maxRef = 0;
  let batch = 0; // batch whose samples are being read
  let k = 0; // samples of it seen
  const problems: string[] = [];
  const endBatch = () => {
    if (batch > 0 && k !== crashBatchSize(batch)) problems.push(`batch ${batch} has ${k} of ${crashBatchSize(batch)} samples`);
  };
  await wal.replay({
    series: (r) => {
      for (let i = 0; i < r.n; i++) {
        if (r.refs[i] !== maxRef + 1) problems.push(`series ${r.refs[i]} follows ${maxRef}`);
        maxRef = r.refs[i];
        if (r.labels[i].get('batch') !== String(r.refs[i])) problems.push(`series ${r.refs[i]} has labels ${r.labels[i]}`);
      }
    },
    samples: (r) => {
      const bits = new BigUint64Array(r.vs.buffer, r.vs.byteOffset, r.n);
      for (let i = 0; i < r.n && problems.length < 10; i++) {
        const t = r.ts[i];
        if (t !== batch) {
          endBatch();
          if (t !== batch + 1) problems.push(`batch ${t} follows ${batch}`);
          batch = t;
          k = 0;
        }
        const want = crashSample(batch, k);
        // Through a typed-array store: `new Float64Array([v])` would quiet the signalling NaN.
        scratch[0] = want.v;
        const wantBits = scratchBits[0];
        if (r.refs[i] !== want.ref || bits[i] !== wantBits) problems.push(`batch ${batch} sample ${k} is (${r.refs[i]}, ${r.vs[i]})`);
        if (r.refs[i] > maxRef) problems.push(`batch ${batch} sample ${k} refers to series ${r.refs[i]} before its record`);
        k++;
      }
    },
  });
  endBatch();
  await wal.close();
  if (maxRef !== batch) problems.push(`last series ${maxRef} but last batch ${batch}`);
  expect(problems).toEqual([]);
  return { maxBatch: batch, warnings };
}

describe('Wal: process crash (SIGKILL) loses nothing acknowledged', () => {
  it('replays every acknowledged batch whole, and no partial batch, after each of several kills (both sync modes)', async () => {
    let maxAckedEver = 0;
    let totalWarnings = 0;
    for (let round = 0; round < 5; round++) {
      const { maxAcked, firstBatch } = await runAndKill(150 + Math.floor(Math.random() * 600), round % 2 === 0 ? 'interval' : 'commit');
      const { maxBatch, warnings } = await verify();
      totalWarnings += warnings.length;
      maxAckedEver = Math.max(maxAckedEver, maxAcked);
      expect(maxBatch).toBeGreaterThanOrEqual(maxAckedEver);
      expect(firstBatch).toBeGreaterThan(0);
      expect(maxAcked).toBeGreaterThan(firstBatch); // the writer made progress before the kill
    }
    // Checkpoints happened along the way.
    expect(fs.readdirSync(dir).some((n) => n.startsWith('checkpoint.'))).toBe(true);
    console.log(`crash test: ${maxAckedEver} batches acknowledged over 5 kills, ${totalWarnings} torn tails repaired`);
  });
});
