/**
 * Prometheus remote write 1.0 and 2.0 at `POST /api/v1/write` (see
 * handler.ts for the behaviour, parser.ts for the wire format).
 */
import type { ComponentFactory } from '../../server/component.js';
import { ingestCommon } from '../common/common.js';
import { remoteWriteHandler } from './handler.js';

export { RemoteWriteParser, type RemoteWriteVersion } from './parser.js';
export { negotiateVersion, V1_PROTO, V2_PROTO } from './stream.js';
export { remoteWriteHandler, PROTOCOL as REMOTE_WRITE_PROTOCOL } from './handler.js';

export const remoteWriteFactory: ComponentFactory = {
  name: 'remote_write',
  create: async (ctx) => {
    ctx.router.on('POST', '/api/v1/write', remoteWriteHandler(ingestCommon(ctx)));
    return { name: 'remote_write', stop: async () => {} };
  },
};
