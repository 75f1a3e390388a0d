/**
 * The TSDB admin endpoints, as Prometheus's (enabled by
 * `--web.enable-admin-api`):
 *
 * - `POST|PUT /api/v1/admin/tsdb/delete_series?match[]=…&start=…&end=…` →
 *   204. Deletes the samples of the matching series in the range (all time
 *   by default). Blocks keep tombstones until they are compacted.
 * - `POST|PUT /api/v1/admin/tsdb/clean_tombstones` → 204. Rewrites blocks
 *   with tombstones now, freeing the space.
 * - `POST|PUT /api/v1/admin/tsdb/snapshot?skip_head=<bool>` →
 *   `{"name": "<dir>"}`: a snapshot of all blocks (hard links) and, unless
 *   skipped, of the head, under `<data dir>/snapshots/<name>`.
 */
import type { Storage } from '../storage/interface.js';
import { matcherSets, requireStorage, type ApiOptions } from './context.js';
import { sendSuccess } from './envelope.js';
import { ApiError, badData } from './errors.js';
import { Params } from './params.js';
import type { RequestContext, Router } from './router.js';

/** What a backend offers beyond the seam for the admin endpoints. */
export interface TSDBAdmin {
  snapshot(skipHead: boolean): Promise<string>;
  cleanTombstones(): Promise<void>;
}

function admin(storage: Storage): TSDBAdmin {
  const s = storage as Partial<TSDBAdmin>;
  if (typeof s.snapshot !== 'function' || typeof s.cleanTombstones !== 'function') {
    throw new ApiError('unavailable', 'this storage backend has no admin operations');
  }
  return s as TSDBAdmin;
}

export function registerAdminApi(router: Router, opts: ApiOptions): void {
  router
    .on(['POST', 'PUT'], '/api/v1/admin/tsdb/delete_series', async ({ req, res, url }: RequestContext) => {
      const params = await Params.read(req, url, opts.maxBodyBytes);
      const sets = matcherSets(params, true);
      const { start, end } = params.timeRange();
      const storage = requireStorage(opts);
      for (const ms of sets) await storage.deleteSeries(ms, start, end);
      res.writeHead(204).end();
    })
    .on(['POST', 'PUT'], '/api/v1/admin/tsdb/clean_tombstones', async ({ res }: RequestContext) => {
      await admin(requireStorage(opts)).cleanTombstones();
      res.writeHead(204).end();
    })
    .on(['POST', 'PUT'], '/api/v1/admin/tsdb/snapshot', async ({ req, res, url }: RequestContext) => {
      const params = await Params.read(req, url, opts.maxBodyBytes);
      const raw = params.get('skip_head') ?? 'false';
      if (raw !== 'true' && raw !== 'false') throw badData(`invalid parameter "skip_head": must be true or false, got ${JSON.stringify(raw)}`);
      const name = await admin(requireStorage(opts)).snapshot(raw === 'true');
      sendSuccess(res, { name });
    });
}
