/** Talking to a peer's HTTP API. */
import { createReadStream, statSync } from 'node:fs';
import { request } from 'node:http';
import type { PeerProcess } from './process.js';

/** One instant query returning a single number (first element of a vector, or a scalar). */
export async function queryNumber(baseUrl: string, promql: string, timeMs: number): Promise<number> {
  const u = new URL('/api/v1/query', baseUrl);
  u.searchParams.set('query', promql);
  u.searchParams.set('time', String(timeMs / 1000));
  u.searchParams.set('nocache', '1'); // VictoriaMetrics: skip its rollup cache
  const res = await fetch(u, { signal: AbortSignal.timeout(300_000) });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
  if (body.status !== 'success' || !body.data) throw new Error(`cannot query ${promql}: ${body.error ?? res.status}`);
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return Number((result as [number, string])[1]);
  const vec = result as { value: [number, string] }[];
  return vec.length === 0 ? 0 : Number(vec[0].value[1]);
}

/** A peer's own `/metrics`, each metric name summed over its label sets. */
export async function selfMetrics(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const brace = line.indexOf('{');
    const nameEnd = brace >= 0 && brace < sp ? brace : line.indexOf(' ');
    const name = line.slice(0, nameEnd);
    out.set(name, (out.get(name) ?? 0) + Number(line.slice(sp + 1)));
  }
  return out;
}

/**
 * Streams a Prometheus text file (with ms timestamps) to
 * `/api/v1/import/prometheus`, which VictoriaMetrics and Vigil both serve;
 * resolves to the response body.
 */
export async function importPrometheusText(peer: PeerProcess, file: string): Promise<string> {
  const size = statSync(file).size;
  return new Promise<string>((resolve, reject) => {
    const req = request(
      new URL('/api/v1/import/prometheus', peer.url),
      { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': size } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode !== undefined && res.statusCode < 300) resolve(body);
          else reject(new Error(`cannot import into ${peer.name}: HTTP ${res.statusCode}: ${body.slice(0, 500)}`));
        });
      },
    );
    req.on('error', (e) => reject(new Error(`cannot import into ${peer.name}: ${e.message}`)));
    createReadStream(file).on('error', reject).pipe(req);
  });
}
