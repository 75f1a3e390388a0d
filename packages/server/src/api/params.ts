/**
 * Request parameters as Prometheus reads them (Go's `r.ParseForm`): the URL
 * query plus, for POST with `application/x-www-form-urlencoded`, the body.
 * Typed getters throw 400 bad_data naming the parameter.
 */
import type { IncomingMessage } from 'node:http';
import { readBodyText } from './body.js';
import { badData } from './errors.js';
import { MAX_TIME, MIN_TIME, parseTime } from './time.js';

export class Params {
  constructor(readonly values: URLSearchParams) {}

  static async read(req: IncomingMessage, url: URL, maxBodyBytes: number): Promise<Params> {
    const values = new URLSearchParams();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (req.method === 'POST' && type === 'application/x-www-form-urlencoded') {
      const body = await readBodyText(req, maxBodyBytes);
      for (const [k, v] of new URLSearchParams(body)) values.append(k, v);
    }
    for (const [k, v] of url.searchParams) values.append(k, v);
    return new Params(values);
  }

  get(name: string): string | undefined {
    return this.values.get(name) ?? undefined;
  }

  getAll(name: string): string[] {
    return this.values.getAll(name);
  }

  /** A time parameter, or `dflt` when absent or empty. */
  time(name: string, dflt: number): number {
    const s = this.get(name);
    if (s === undefined || s === '') return dflt;
    try {
      return parseTime(s);
    } catch (err) {
      throw badData(`invalid parameter ${JSON.stringify(name)}: ${(err as Error).message}`);
    }
  }

  /** `start`/`end` with Prometheus's defaults (min/max time); end before start is an error. */
  timeRange(): { start: number; end: number } {
    const start = this.time('start', MIN_TIME);
    const end = this.time('end', MAX_TIME);
    if (end < start) throw badData('invalid parameter "end": end timestamp must not be before start time');
    return { start, end };
  }

  /** `limit`: a non-negative integer; 0 or absent means no limit. */
  limit(): number {
    const s = this.get('limit');
    if (s === undefined || s === '') return 0;
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
      throw badData(`invalid parameter "limit": cannot parse ${JSON.stringify(s)} as a non-negative integer`);
    }
    return Number(s);
  }
}
