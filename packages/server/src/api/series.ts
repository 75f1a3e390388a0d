/**
 * The metadata endpoints, with Prometheus's shapes:
 *
 * - `GET|POST /api/v1/series?match[]=…&start=…&end=…&limit=…` → `[{label: value, …}, …]`
 * - `GET|POST /api/v1/labels?match[]=…` → `["__name__", "job", …]`
 * - `GET /api/v1/label/<name>/values?match[]=…` → `["a", "b", …]`
 *
 * With several `match[]`, the union of their results. With `limit` > 0 and
 * more results, the first `limit` and a warning, as Prometheus does.
 */
import { compareLabels, compareStrings, isWellFormed, type Labels } from '../model/labels.js';
import type { Matcher } from '../model/matcher.js';
import { matcherSets, requireStorage, type ApiOptions } from './context.js';
import { sendJson, successEnvelope } from './envelope.js';
import { badData } from './errors.js';
import { labelsJson } from './jsonline.js';
import { unescapeName } from './names.js';
import { Params } from './params.js';
import type { RequestContext } from './router.js';

const TRUNCATED = 'results truncated due to limit';

export function seriesHandler(opts: ApiOptions) {
  return async ({ req, res, url }: RequestContext): Promise<void> => {
    const params = await Params.read(req, url, opts.maxBodyBytes);
    const sets = matcherSets(params, true);
    const { start, end } = params.timeRange();
    const limit = params.limit();
    const q = requireStorage(opts).querier(start, end);
    const found = new Map<string, Labels>();
    try {
      for (const ms of sets) {
        for (const s of q.select({ start, end, seriesOnly: true }, ms)) found.set(s.labels.key(), s.labels);
      }
    } finally {
      q.close();
    }
    let list = [...found.values()];
    if (sets.length > 1) list.sort(compareLabels);
    const warnings: string[] = [];
    if (limit > 0 && list.length > limit) {
      list = list.slice(0, limit);
      warnings.push(TRUNCATED);
    }
    // Serialized by hand: label names like "1" would be reordered as object keys.
    const env = successEnvelope(null, { warnings });
    const text = JSON.stringify(env).replace('"data":null', `"data":[${list.map(labelsJson).join(',')}]`);
    sendRaw(res, text);
  };
}

export function labelNamesHandler(opts: ApiOptions) {
  return async ({ req, res, url }: RequestContext): Promise<void> => {
    const params = await Params.read(req, url, opts.maxBodyBytes);
    const sets = matcherSets(params, false);
    const { start, end } = params.timeRange();
    const limit = params.limit();
    const q = requireStorage(opts).querier(start, end);
    let names: string[];
    try {
      names = union(sets, (ms) => q.labelNames(ms));
    } finally {
      q.close();
    }
    sendList(res, names, limit);
  };
}

export function labelValuesHandler(opts: ApiOptions) {
  return async ({ req, res, url, params: pathParams }: RequestContext): Promise<void> => {
    const name = unescapeName(pathParams.name);
    if (name === '' || !isWellFormed(name)) throw badData(`invalid label name: ${JSON.stringify(pathParams.name)}`);
    const params = await Params.read(req, url, opts.maxBodyBytes);
    const sets = matcherSets(params, false);
    const { start, end } = params.timeRange();
    const limit = params.limit();
    const q = requireStorage(opts).querier(start, end);
    let values: string[];
    try {
      values = union(sets, (ms) => q.labelValues(name, ms));
    } finally {
      q.close();
    }
    sendList(res, values, limit);
  };
}

/** The sorted union of `fn` over the matcher sets (over no matchers when there are none). */
function union(sets: Matcher[][], fn: (ms: readonly Matcher[]) => string[]): string[] {
  if (sets.length === 0) return fn([]);
  if (sets.length === 1) return fn(sets[0]);
  const all = new Set<string>();
  for (const ms of sets) for (const v of fn(ms)) all.add(v);
  return [...all].sort(compareStrings);
}

function sendList(res: RequestContext['res'], list: string[], limit: number): void {
  const warnings: string[] = [];
  if (limit > 0 && list.length > limit) {
    list = list.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  sendJson(res, 200, successEnvelope(list, { warnings }));
}

function sendRaw(res: RequestContext['res'], text: string): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
