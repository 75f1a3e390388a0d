/**
 * OTLP/HTTP metrics (protobuf and JSON) at `/v1/metrics` and
 * `/api/v1/otlp/v1/metrics`; translation rules in translate.ts.
 */
import type { ComponentFactory } from '../../server/component.js';
import { ingestCommon } from '../common/common.js';
import { otlpHandler } from './handler.js';

export { decodeMetricsJson, JsonShapeError } from './json.js';
export { decodeMetricsRequest } from './parser.js';
export { labelName, metricName, translate } from './translate.js';
export { otlpHandler, PROTOCOL as OTLP_PROTOCOL } from './handler.js';

export const otlpFactory: ComponentFactory = {
  name: 'otlp',
  create: async (ctx) => {
    const handler = otlpHandler(ingestCommon(ctx));
    ctx.router.on('POST', '/v1/metrics', handler).on('POST', '/api/v1/otlp/v1/metrics', handler);
    return { name: 'otlp', stop: async () => {} };
  },
};
