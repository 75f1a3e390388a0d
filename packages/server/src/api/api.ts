/**
 * Registers the /api/v1 endpoints (Prometheus-compatible shapes) on a router.
 *
 * | Method   | Path                              | Data                                     |
 * |----------|-----------------------------------|------------------------------------------|
 * | GET/POST | /api/v1/series                    | `[{name: value, …}]`                     |
 * | GET/POST | /api/v1/labels                    | `["name", …]`                            |
 * | GET      | /api/v1/label/:name/values        | `["value", …]` (`U__` escaped names)     |
 * | POST     | /api/v1/import/prometheus         | `{samplesAccepted, samplesRejected, …}`  |
 * | POST     | /api/v1/import                    | same, JSON lines in                      |
 * | GET/POST | /api/v1/export                    | JSON lines out (not enveloped)           |
 * | POST/PUT | /api/v1/admin/tsdb/*              | see admin.ts (`--web.enable-admin-api`)  |
 */
import { registerAdminApi } from './admin.js';
import type { ApiOptions } from './context.js';
import { exportHandler } from './export.js';
import { declareImportMetrics, importJsonHandler, importPrometheusHandler } from './import.js';
import type { Router } from './router.js';
import { labelNamesHandler, labelValuesHandler, seriesHandler } from './series.js';

export type { ApiOptions } from './context.js';

export function registerApi(router: Router, opts: ApiOptions): void {
  const importMetrics = declareImportMetrics(opts);
  router
    .on(['GET', 'POST'], '/api/v1/series', seriesHandler(opts))
    .on(['GET', 'POST'], '/api/v1/labels', labelNamesHandler(opts))
    .on('GET', '/api/v1/label/:name/values', labelValuesHandler(opts))
    .on('POST', '/api/v1/import/prometheus', importPrometheusHandler(opts, importMetrics))
    .on('POST', '/api/v1/import', importJsonHandler(opts, importMetrics))
    .on(['GET', 'POST'], '/api/v1/export', exportHandler(opts));
  if (opts.enableAdminApi) registerAdminApi(router, opts);
}
