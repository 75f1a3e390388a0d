/**
 * The OpenTSDB component:
 *
 * - telnet-style `put` lines over TCP on `--opentsdb.listen-address`
 *   (default :4242); bad lines are counted and logged (OpenTSDB answers
 *   them on the connection; agents ignore that, so we do not write back);
 * - `POST /api/put` on the web port: one data point object or an array.
 *   Without parameters: 204 when all points were stored, else 400 with an
 *   error naming the first problems. With `?summary`: 200 (all stored) or
 *   400 with `{"success":n,"failed":m}`; with `?details`: the same plus
 *   `"errors":[{"datapoint":…,"error":"…"}]` — as OpenTSDB answers.
 */
import type { ComponentFactory } from '../../server/component.js';
import { IngestError, ingestCommon, readBody, writeEndpoint } from '../common/index.js';
import { listen } from '../net/listeners.js';
import { netMetrics } from '../net/metrics.js';
import { RefCache, appendCached, futureError, MAX_FUTURE_MS, socketWriters } from '../net/writer.js';
import { checkDataPoint } from './parser.js';
import { dataPointLabels, TelnetIngester } from './stream.js';

const MAX_DETAILED_ERRORS = 100;

export const openTsdbFactory: ComponentFactory = {
  name: 'opentsdb',
  create: async (ctx) => {
    const common = ingestCommon(ctx);
    const cache = new RefCache();

    ctx.router.on(
      'POST',
      '/api/put',
      writeEndpoint({ protocol: 'opentsdb', common }, async ({ req, res, url }, w) => {
        const body = await readBody(req, w.maxBodyBytes);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw new IngestError(400, `cannot parse the body as JSON: ${(err as Error).message}`);
        }
        const points = Array.isArray(parsed) ? parsed : [parsed];
        const details = url.searchParams.has('details');
        const summary = details || url.searchParams.has('summary');
        const errors: { datapoint: unknown; error: string }[] = [];
        let failed = 0;
        const batch = w.batch();
        await batch.run(async () => {
          for (const raw of points) {
            const dp = checkDataPoint(raw);
            let problem: string | undefined;
            if (typeof dp === 'string') {
              problem = dp;
              batch.receivedAndRejected(dp);
            } else if (dp.timestampMs > w.now() + MAX_FUTURE_MS) {
              problem = futureError(dp.timestampMs, w.now());
              batch.receivedAndRejected(problem);
            } else {
              const key = `${dp.metric}\xff${JSON.stringify((raw as { tags: unknown }).tags)}`;
              if (!appendCached(batch, cache, key, () => dataPointLabels(dp.metric, dp.tags), dp.timestampMs, dp.value)) {
                problem = batch.errors[batch.errors.length - 1] ?? 'rejected by the storage';
              }
              if (batch.pending >= common.options.batchSamples) await batch.commit();
            }
            if (problem !== undefined) {
              failed++;
              if (errors.length < MAX_DETAILED_ERRORS) errors.push({ datapoint: raw, error: problem });
            }
          }
        });
        const success = points.length - failed;
        if (!summary) {
          if (failed === 0) {
            res.writeHead(204);
            res.end();
            return;
          }
          throw new IngestError(400, `${failed} of ${points.length} data points failed: ${errors.slice(0, 10).map((e) => e.error).join('; ')}`);
        }
        const out: Record<string, unknown> = { success, failed };
        if (details) out.errors = errors;
        const text = JSON.stringify(out);
        if (failed > 0) w.metrics.parseErrors.inc();
        res.writeHead(failed === 0 ? 200 : 400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      }),
    );

    const ingester = new TelnetIngester(() => common.options.batchSamples, ctx.now);
    const writers = socketWriters(common, 'opentsdb', ctx.logger, ingester);
    const o = ctx.options.push;
    const listener = await listen({
      protocol: 'opentsdb',
      address: o.opentsdb.listenAddress,
      explicit: o.opentsdb.explicit,
      tcp: true,
      udp: false,
      limits: o.net,
      logger: ctx.logger,
      metrics: netMetrics(ctx.registry),
      onTcpLines: writers.tcp,
    });
    return {
      name: 'opentsdb',
      stop: async () => {
        writers.close();
        await listener?.close();
      },
    };
  },
};
