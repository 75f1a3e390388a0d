/**
 * `GET|POST /api/v1/export?match[]=…&start=…&end=…`: the matching series as
 * JSON lines (see jsonline.ts), streamed with backpressure. A series with
 * more than `MAX_SAMPLES_PER_LINE` samples spans several consecutive lines,
 * which `/api/v1/import` reads back as the same series. Without `start`/`end`
 * everything is exported.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { compareLabels } from '../model/labels.js';
import type { Series } from '../storage/interface.js';
import { ValueType } from '../storage/interface.js';
import { matcherSets, requireStorage, type ApiOptions } from './context.js';
import { formatJsonLine } from './jsonline.js';
import { Params } from './params.js';
import type { RequestContext } from './router.js';

const MAX_SAMPLES_PER_LINE = 10_000;
/** Lines are written in pieces of about this size. */
const WRITE_BYTES = 64 * 1024;

export function exportHandler(opts: ApiOptions) {
  return async ({ req, res, url }: RequestContext): Promise<void> => {
    const params = await Params.read(req, url, opts.maxBodyBytes);
    const sets = matcherSets(params, true);
    const { start, end } = params.timeRange();
    const q = requireStorage(opts).querier(start, end);
    try {
      let series: Series[];
      if (sets.length === 1) series = q.select({ start, end }, sets[0]);
      else {
        const byKey = new Map<string, Series>();
        for (const ms of sets) for (const s of q.select({ start, end }, ms)) if (!byKey.has(s.labels.key())) byKey.set(s.labels.key(), s);
        series = [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
      }
      res.writeHead(200, { 'Content-Type': 'application/stream+json; charset=utf-8' });
      await writeSeries(res, series);
      res.end();
    } finally {
      q.close();
    }
  };
}

async function writeSeries(res: ServerResponse, series: Series[]): Promise<void> {
  const ts = new Float64Array(MAX_SAMPLES_PER_LINE);
  const vs = new Float64Array(MAX_SAMPLES_PER_LINE);
  let out = '';
  const flush = async () => {
    if (out === '') return;
    const ok = res.write(out);
    out = '';
    if (!ok) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  };
  for (const s of series) {
    if (res.destroyed) return;
    const it = s.iterator();
    let n = 0;
    for (let k = it.next(); k !== ValueType.None; k = it.next()) {
      ts[n] = it.t;
      vs[n] = it.v;
      if (++n === MAX_SAMPLES_PER_LINE) {
        out += formatJsonLine(s.labels, ts, vs, n);
        n = 0;
        await flush();
      }
    }
    const err = it.err();
    if (err) throw err;
    if (n > 0) out += formatJsonLine(s.labels, ts, vs, n);
    if (out.length >= WRITE_BYTES) await flush();
  }
  await flush();
}
