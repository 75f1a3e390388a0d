/**
 * The Graphite plaintext component: TCP and UDP listeners on
 * `--graphite.listen-address` (default :2003). No HTTP endpoint.
 */
import type { ComponentFactory } from '../../server/component.js';
import { ingestCommon } from '../common/index.js';
import { listen } from '../net/listeners.js';
import { netMetrics } from '../net/metrics.js';
import { socketWriters } from '../net/writer.js';
import { GraphiteIngester } from './stream.js';

export const graphiteFactory: ComponentFactory = {
  name: 'graphite',
  create: async (ctx) => {
    const common = ingestCommon(ctx);
    const ingester = new GraphiteIngester(ctx.now, () => common.options.batchSamples);
    const writers = socketWriters(common, 'graphite', ctx.logger, ingester);
    const o = ctx.options.push;
    const listener = await listen({
      protocol: 'graphite',
      address: o.graphite.listenAddress,
      explicit: o.graphite.explicit,
      tcp: true,
      udp: true,
      limits: o.net,
      logger: ctx.logger,
      metrics: netMetrics(ctx.registry),
      onTcpLines: writers.tcp,
      onUdpLines: writers.udp,
    });
    return {
      name: 'graphite',
      stop: async () => {
        writers.close();
        await listener?.close();
      },
    };
  },
};
