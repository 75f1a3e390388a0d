/**
 * The PromQL endpoints, with Prometheus's parameters, checks, wording and
 * shapes (`web/api/v1/api.go`):
 *
 * | Method   | Path                     | Parameters                                                        | Data |
 * |----------|--------------------------|-------------------------------------------------------------------|------|
 * | GET/POST | /api/v1/query            | query, time, timeout, limit, stats, lookback_delta                | `{resultType, result[, stats]}` |
 * | GET/POST | /api/v1/query_range      | query, start, end, step, timeout, limit, stats, lookback_delta    | `{resultType: "matrix", result[, stats]}` |
 * | GET/POST | /api/v1/format_query     | query                                                             | the query, pretty-printed |
 * | GET/POST | /api/v1/parse_query      | query                                                             | the syntax tree (query_ast.ts) |
 * | GET/POST | /api/v1/query_exemplars  | query, start, end                                                 | `[]`: Vigil stores no exemplars yet |
 *
 * A query stops with `canceled` when its HTTP client goes away, and with
 * `timeout` after `timeout` (or the engine's `--query.timeout`, whichever
 * is shorter). Engine errors map to Prometheus's error types through
 * `apiErrorType`; warnings and infos travel next to the result.
 */
import type { ServerResponse } from 'node:http';
import { Engine, QueryError, apiErrorType, type Result } from '../promql/engine/index.js';
import { prettyExpr, type Expr } from '../promql/parser/index.js';
import type { Queryable } from '../storage/interface.js';
import { ApiError, badData } from './errors.js';
import { translateAst } from './query_ast.js';
import { JsonSink, writeQueryData } from './query_json.js';
import { durationParam, lookbackDeltaParam, rangeParams, timeParam } from './query_params.js';
import { Params } from './params.js';
import type { RequestContext, Router } from './router.js';
import { MAX_TIME, MIN_TIME } from './time.js';

export interface QueryApiDeps {
  engine: Engine;
  queryable: Queryable;
  /** Largest accepted form body. */
  maxBodyBytes: number;
  /** Clock in ms: the default `time` of instant queries. */
  now: () => number;
}

const TRUNCATED = 'results truncated due to limit';

export function registerQueryApi(router: Router, deps: QueryApiDeps): void {
  router
    .on(['GET', 'POST'], '/api/v1/query', (ctx) => instantQuery(deps, ctx))
    .on(['GET', 'POST'], '/api/v1/query_range', (ctx) => rangeQuery(deps, ctx))
    .on(['GET', 'POST'], '/api/v1/format_query', async ({ req, res, url }) => {
      const params = await Params.read(req, url, deps.maxBodyBytes);
      sendData(res, JSON.stringify(prettyExpr(parseQueryParam(deps.engine, params))));
    })
    .on(['GET', 'POST'], '/api/v1/parse_query', async ({ req, res, url }) => {
      const params = await Params.read(req, url, deps.maxBodyBytes);
      sendData(res, JSON.stringify(translateAst(parseQueryParam(deps.engine, params))));
    })
    .on(['GET', 'POST'], '/api/v1/query_exemplars', async ({ req, res, url }) => {
      const params = await Params.read(req, url, deps.maxBodyBytes);
      const start = timeParam(params, 'start', MIN_TIME);
      const end = timeParam(params, 'end', MAX_TIME);
      if (end < start) throw badData('invalid parameter "end": end timestamp must not be before start time');
      const expr = parseQueryParam(deps.engine, params);
      // As Prometheus: a query without selectors has no exemplars to look up (null);
      // otherwise the (so far always empty) list of series with exemplars.
      sendData(res, hasSelector(expr) ? '[]' : 'null');
    });
}

async function instantQuery(deps: QueryApiDeps, { req, res, url }: RequestContext): Promise<void> {
  const params = await Params.read(req, url, deps.maxBodyBytes);
  const limit = params.limit();
  const time = timeParam(params, 'time', deps.now());
  const timeoutMs = durationParam(params, 'timeout');
  const lookbackDeltaMs = lookbackDeltaParam(params);
  const stats = (params.get('stats') ?? '') !== '';
  const expr = parseQueryParam(deps.engine, params);
  const result = await runCancelable(res, timeoutMs, (signal) =>
    deps.engine.instantQuery(deps.queryable, expr, time, { signal, stats, lookbackDeltaMs }),
  );
  sendResult(res, result, limit);
}

async function rangeQuery(deps: QueryApiDeps, { req, res, url }: RequestContext): Promise<void> {
  const params = await Params.read(req, url, deps.maxBodyBytes);
  const limit = params.limit();
  const { start, end, step } = rangeParams(params);
  const timeoutMs = durationParam(params, 'timeout');
  const lookbackDeltaMs = lookbackDeltaParam(params);
  const stats = (params.get('stats') ?? '') !== '';
  const expr = parseQueryParam(deps.engine, params);
  const result = await runCancelable(res, timeoutMs, (signal) =>
    deps.engine.rangeQuery(deps.queryable, expr, start, end, step, { signal, stats, lookbackDeltaMs }),
  );
  sendResult(res, result, limit);
}

/** The `query` parameter parsed with the engine's feature switches; errors are 400 naming the parameter. */
export function parseQueryParam(engine: Engine, params: Params): Expr {
  try {
    return engine.parse(params.get('query') ?? '');
  } catch (err) {
    if (err instanceof QueryError) throw badData(`invalid parameter "query": ${err.message}`);
    throw err;
  }
}

/**
 * Runs a query that stops when the client disconnects (the response closes
 * before it is written) or when `timeoutMs` passes. A stop caused by the
 * timeout is reported as Prometheus reports a request deadline: `timeout`.
 */
export async function runCancelable(res: ServerResponse, timeoutMs: number | undefined, run: (signal: AbortSignal) => Promise<Result>): Promise<Result> {
  const ac = new AbortController();
  let timedOut = false;
  const onClose = () => {
    if (!res.writableFinished) ac.abort();
  };
  res.on('close', onClose);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          ac.abort();
        }, Math.max(0, timeoutMs));
  try {
    return await run(ac.signal);
  } catch (err) {
    if (err instanceof QueryError) {
      if (err.code === 'canceled' && timedOut) throw new ApiError('timeout', err.message.replace('was canceled', 'timed out'));
      throw new ApiError(apiErrorType(err.code), err.message);
    }
    throw err;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    res.off('close', onClose);
  }
}

function sendResult(res: ServerResponse, result: Result, limit: number): void {
  const warnings = result.warnings.map((a) => a.message);
  const infos = result.infos.map((a) => a.message);
  if (limit > 0 && (result.resultType === 'vector' || result.resultType === 'matrix') && result.series.length > limit) {
    result = { ...result, series: result.series.slice(0, limit) };
    warnings.push(TRUNCATED);
  }
  const out = new JsonSink();
  out.ascii('{"status":"success","data":');
  writeQueryData(out, result);
  if (warnings.length > 0) out.text(`,"warnings":${JSON.stringify(warnings)}`);
  if (infos.length > 0) out.text(`,"infos":${JSON.stringify(infos)}`);
  out.byte(125);
  const body = out.bytes();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

/** The success envelope around already-encoded `data`. */
function sendData(res: ServerResponse, data: string, warnings: string[] = [], infos: string[] = []): void {
  let text = `{"status":"success","data":${data}`;
  if (warnings.length > 0) text += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) text += `,"infos":${JSON.stringify(infos)}`;
  text += '}';
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function hasSelector(e: Expr): boolean {
  switch (e.kind) {
    case 'VectorSelector':
    case 'MatrixSelector':
      return true;
    case 'NumberLiteral':
    case 'StringLiteral':
      return false;
    case 'SubqueryExpr':
    case 'ParenExpr':
    case 'UnaryExpr':
      return hasSelector(e.expr);
    case 'BinaryExpr':
      return hasSelector(e.lhs) || hasSelector(e.rhs);
    case 'AggregateExpr':
      return hasSelector(e.expr) || (e.param !== null && hasSelector(e.param));
    case 'Call':
      return e.args.some(hasSelector);
  }
}
