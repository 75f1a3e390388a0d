/** What the /api/v1 handlers are given: narrow dependencies, no server internals. */
import type { Matcher } from '../model/matcher.js';
import type { Registry } from '../metrics/registry.js';
import type { Logger } from '../server/logger.js';
import type { Storage } from '../storage/interface.js';
import { ApiError, badData } from './errors.js';
import type { Params } from './params.js';
import { parseMetricSelector } from '../promql/parser/index.js';

export interface ApiOptions {
  /** The storage once it is open; undefined before (handlers answer 503). */
  storage: () => Storage | undefined;
  registry: Registry;
  logger: Logger;
  /** Largest accepted request body (compressed and decompressed). */
  maxBodyBytes: number;
  /** Clock in ms, for samples imported without a timestamp. */
  now?: () => number;
  /** Samples per appender commit during imports (default 10 000). */
  importBatchSize?: number;
  /** Serve /api/v1/admin/tsdb/* (`--web.enable-admin-api`). */
  enableAdminApi?: boolean;
}

export function requireStorage(opts: ApiOptions): Storage {
  const s = opts.storage();
  if (s === undefined) throw new ApiError('unavailable', 'storage is not ready yet');
  return s;
}

/** Every `match[]` parameter as a matcher set; `required` makes an empty list an error. */
export function matcherSets(params: Params, required: boolean): Matcher[][] {
  const raw = params.getAll('match[]');
  if (raw.length === 0 && required) throw badData('no match[] parameter provided');
  return raw.map((s) => {
    let ms: Matcher[];
    try {
      ms = parseMetricSelector(s);
    } catch (err) {
      throw badData(`invalid parameter "match[]": ${(err as Error).message}`);
    }
    // As Prometheus: a selector matching every series (`{a=~".*"}`) is refused.
    if (!ms.some((m) => !m.matchesEmpty())) throw badData('match[] must contain at least one non-empty matcher');
    return ms;
  });
}
