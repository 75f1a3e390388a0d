import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage/memory.js';
import { parseFlags } from './flags.js';
import { resolveOptions } from './options.js';
import { VigilServer } from './server.js';

let server: VigilServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('VigilServer start order', () => {
  it('/-/ready stays 503 until every component has started and registered its routes', async () => {
    const opts = await resolveOptions(parseFlags(['--web.listen-address=127.0.0.1:0', '--storage.tsdb.path=/nonexistent-unused']));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let address: string | undefined;
    let announce!: () => void;
    const known = new Promise<void>((r) => (announce = r));
    const starting = VigilServer.start(opts, {
      openStorage: async () => new MemoryStorage(),
      writeLog: () => {},
      components: [
        {
          name: 'slow',
          async create(ctx) {
            address = ctx.address;
            announce();
            await gate;
            ctx.router.on('POST', '/slow', ({ res }) => {
              res.writeHead(204);
              res.end();
            });
            return { name: 'slow', stop: async () => {} };
          },
        },
      ],
    });
    await known;
    const base = `http://${address}`;
    // Storage open, component still starting: not ready, and its route is not there yet.
    expect((await fetch(base + '/-/ready')).status).toBe(503);
    expect((await fetch(base + '/-/healthy')).status).toBe(200);
    release();
    server = await starting;
    expect((await fetch(base + '/-/ready')).status).toBe(200);
    expect((await fetch(base + '/slow', { method: 'POST' })).status).toBe(204);
  });
});
