/**
 * The StatsD component: UDP and TCP listeners on `--statsd.listen-address`
 * (default :8125). Samples are aggregated in memory (aggregator.ts) and
 * written every `--statsd.flush-interval` (and once more on shutdown) in one
 * batch, timestamped with the flush time, through the shared limiter; a
 * flush that finds the storage saturated is retried at the next interval
 * (counters and sums are cumulative, so nothing is lost but resolution).
 *
 * Self-metrics besides the shared `vigil_ingest_*{protocol="statsd"}`:
 * `vigil_ingest_statsd_events_total` (samples read from packets and lines),
 * `vigil_ingest_statsd_series` (series held by the aggregator).
 */
import type { ComponentFactory } from '../../server/component.js';
import { ingestCommon, NEED_LABELS, OverloadedError } from '../common/index.js';
import { listen, ThrottledLog } from '../net/listeners.js';
import { netMetrics } from '../net/metrics.js';
import { StatsdAggregator } from './aggregator.js';
import { LineKind, StatsdParser } from './parser.js';

export const statsdFactory: ComponentFactory = {
  name: 'statsd',
  create: async (ctx) => {
    const common = ingestCommon(ctx);
    const metrics = common.metrics.forProtocol('statsd');
    const o = ctx.options.push.statsd;
    const agg = new StatsdAggregator(o);
    const parser = new StatsdParser();
    const badLines = new ThrottledLog(ctx.logger);
    const events = ctx.registry.counter({
      name: 'vigil_ingest_statsd_events_total',
      help: 'StatsD samples read from packets and lines (before aggregation).',
    });
    ctx.registry.gauge({
      name: 'vigil_ingest_statsd_series',
      help: 'Series held by the StatsD aggregator.',
      collect: () => agg.series,
    });

    const onLines = (text: string, firstLine: number, remote: string): void => {
      const now = ctx.now();
      parser.reset(text, firstLine);
      let n = 0;
      for (let k = parser.next(); k !== LineKind.EOF; k = parser.next()) {
        if (k === LineKind.Error) {
          metrics.parseErrors.inc();
          badLines.warn('Bad StatsD line: skipped', { protocol: 'statsd', remote, err: parser.error });
          continue;
        }
        n++;
        const problem = agg.add(parser, now);
        if (problem !== undefined) {
          metrics.rejected.inc();
          badLines.warn('StatsD sample rejected', { protocol: 'statsd', remote, err: problem });
        }
      }
      events.inc(n);
    };

    let flushing: Promise<void> | undefined;
    const flush = async (): Promise<void> => {
      let release;
      try {
        release = await common.limiter.acquire();
      } catch (err) {
        if (!(err instanceof OverloadedError)) throw err;
        metrics.throttled.inc();
        return;
      }
      const batch = common.batch(metrics);
      try {
        const t = ctx.now();
        agg.flush(t, (labels, ref, v) => {
          let r = batch.append(ref, ref === 0 ? labels : undefined, t, v);
          if (r === NEED_LABELS) r = batch.append(0, labels, t, v);
          return r > 0 ? r : 0;
        });
        await batch.commit();
      } catch (err) {
        batch.rollback();
        agg.resetRefs();
        ctx.logger.error('cannot write StatsD aggregates', { err: (err as Error).message });
      } finally {
        batch.record();
        release();
      }
    };
    const timer = setInterval(() => {
      flushing ??= flush().finally(() => (flushing = undefined));
    }, o.flushIntervalMs);

    const listener = await listen({
      protocol: 'statsd',
      address: o.listenAddress,
      explicit: o.explicit,
      tcp: true,
      udp: true,
      limits: { ...ctx.options.push.net, udpFlushMs: 10 },
      logger: ctx.logger,
      metrics: netMetrics(ctx.registry),
      onTcpLines: onLines,
      onUdpLines: onLines,
    });
    return {
      name: 'statsd',
      stop: async () => {
        clearInterval(timer);
        await listener?.close();
        await flushing;
        await flush();
      },
    };
  },
};
