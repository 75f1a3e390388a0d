/**
 * Throws random and mutated bodies at the import endpoints of a real server
 * (bounded in count and time) and checks that every answer is a well-formed
 * envelope with an expected status, and that the server keeps answering
 * /-/healthy and never crashes. The seed is printed on failure: rerun with
 * VIGIL_FUZZ_SEED=<seed> to reproduce.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, startServer, tempDir, type Running } from './harness.js';

const MAX_REQUESTS = 400;
const MAX_MS = 25_000;

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.now() - 3600_000;

const TEXT_SEEDS = [
  `# HELP a Help with \\n and \\\\.\n# TYPE a counter\na_total{x="1",y="\\"q\\""} 1 ${T0}\na_total{x="2"} +Inf\n`,
  `# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2 ${T0}\n`,
  `{"utf8.metric","a.b"="c"} NaN ${T0}\nplain 1e-300\n`,
  `# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 1\ns_count 1\n`,
];
const JSON_SEEDS = [
  `{"metric":{"__name__":"j","a":"b"},"values":[1,NaN,+Inf,-Inf,"StaleNaN",null],"timestamps":[${T0},${T0 + 1},${T0 + 2},${T0 + 3},${T0 + 4},${T0 + 5}]}\n`,
  `{"metric":{"__name__":"k"},"values":[-0,1e308],"timestamps":[${T0},${T0 + 1}]}\n`,
];
const ALPHABET = ['{', '}', '"', '\\', '\n', ' ', '=', ',', '#', '\t', '\r', '[', ']', ':', 'e', '-', '+', '.', '0', '9', 'N', 'I', '\u00ff', '\ud800', '\u0000', '🔥'];

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0: // insert a special character
        out = out.slice(0, at) + ALPHABET[Math.floor(r() * ALPHABET.length)] + out.slice(at);
        break;
      case 1: // delete a run
        out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 8));
        break;
      case 2: // duplicate a run
        out = out.slice(0, at) + out.slice(at, at + Math.floor(r() * 40)).repeat(1 + Math.floor(r() * 3)) + out.slice(at);
        break;
      case 3: // swap in a huge or odd number
        out = out.slice(0, at) + ['1e999', '-9223372036854775808', '0x10', '9'.repeat(30), 'NaNx', '.'][Math.floor(r() * 6)] + out.slice(at);
        break;
      default: // truncate
        out = out.slice(0, at);
    }
  }
  return out;
}

function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

describe('import fuzzing (e2e)', () => {
  let server: Running;
  const servers: Running[] = [];
  beforeAll(async () => {
    server = await startServer(tempDir('vigil-fuzz-'), ['--web.max-body-size=64KB']);
    servers.push(server);
  });
  afterAll(() => killAll(servers));

  it('keeps answering and never crashes', async () => {
    const seed = Number(process.env.VIGIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const r = rng(seed);
    const started = Date.now();
    const seen = new Map<number, number>();
    let sent = 0;
    try {
      while (sent < MAX_REQUESTS && Date.now() - started < MAX_MS) {
        const json = r() < 0.5;
        const path = json ? '/api/v1/import' : `/api/v1/import/prometheus${r() < 0.2 ? '?extra_label=' + encodeURIComponent(mutate('a=b', r).replace(/[\ud800-\udfff]/g, '?')) : ''}`;
        const seeds = json ? JSON_SEEDS : TEXT_SEEDS;
        let body: Buffer;
        const kind = r();
        if (kind < 0.15) body = randomBytes(r, Math.floor(r() * 2048));
        else {
          const base = Array.from({ length: 1 + Math.floor(r() * 4) }, () => seeds[Math.floor(r() * seeds.length)]).join('');
          body = Buffer.from(mutate(base, r));
        }
        const headers: Record<string, string> = {};
        const enc = r();
        if (enc < 0.15) {
          body = gzipSync(body);
          headers['Content-Encoding'] = 'gzip';
        } else if (enc < 0.2) {
          headers['Content-Encoding'] = 'gzip'; // but not gzipped
        } else if (enc < 0.22) {
          body = Buffer.concat([body, randomBytes(r, 70 * 1024)]); // over the limit
        }
        const res = await fetch(server.base + path, { method: 'POST', body, headers });
        sent++;
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect([200, 400, 413]).toContain(res.status);
        const env = (await res.json()) as { status: string; errorType?: string };
        expect(env.status).toBe(res.status === 200 ? 'success' : 'error');
        if (sent % 25 === 0) expect((await fetch(server.base + '/-/healthy')).status).toBe(200);
      }
    } catch (err) {
      throw new Error(`fuzz failed with VIGIL_FUZZ_SEED=${seed} after ${sent} requests: ${(err as Error).message}\nserver output:\n${server.output().slice(-4000)}`);
    }
    expect(sent).toBeGreaterThan(50);
    expect((await fetch(server.base + '/-/healthy')).status).toBe(200);
    expect(server.proc.exitCode).toBe(null);
    // Both outcomes occurred: the corpus is neither all-good nor all-bad.
    expect(seen.get(400)).toBeGreaterThan(0);
    expect(server.output()).not.toMatch(/level=error/);
  });
});
