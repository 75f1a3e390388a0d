import { describe, expect, it } from 'vitest';
import { Router } from '../../api/router.js';
import { Registry } from '../../metrics/registry.js';
import { Matcher } from '../../model/matcher.js';
import type { ComponentContext, ScratchStorage } from '../../server/component.js';
import { parseFlags } from '../../server/flags.js';
import type { Logger } from '../../server/logger.js';
import { resolveOptions } from '../../server/options.js';
import { MemoryStorage } from '../../storage/memory.js';
import { IngestCommon, ingestCommonFactory } from './common.js';

/** A logger that keeps what it was told. */
function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

async function context(scratchStorage: () => Promise<ScratchStorage>, logger: Logger, storage = new MemoryStorage()): Promise<ComponentContext> {
  return {
    options: await resolveOptions(parseFlags(['--ingest.parse-workers=1'])),
    storage,
    registry: new Registry(),
    logger,
    router: new Router(),
    address: '127.0.0.1:0',
    started: new Map(),
    now: Date.now,
    scratchStorage,
  };
}

const allSeries = (s: MemoryStorage) => s.querier(-Infinity, Infinity).select({ start: -Infinity, end: Infinity }, [new Matcher('=~', '__name__', '.+')]);

describe('the ingest warm-up, in the ingest component', () => {
  it('appends to the scratch storage only, disposes of it, and the parse workers start a new numbering', async () => {
    const logger = recorder();
    const real = new MemoryStorage();
    const scratch = new MemoryStorage();
    let disposed = 0;
    const ctx = await context(async () => ({ storage: scratch, dispose: async () => void disposed++ }), logger, real);
    const common = (await ingestCommonFactory.create(ctx)) as IngestCommon;
    try {
      expect(logger.lines.find((l) => l.startsWith('info Ingest warm-up done'))).toMatch(/"samples":\d{4,}/);
      expect(disposed).toBe(1);
      expect(allSeries(scratch).length).toBeGreaterThan(1000);
      expect(allSeries(real)).toEqual([]);
      // The next parse numbers its series afresh: no made-up ref reaches the real storage.
      const p = await common.parsePool.parse('influx', 'node_load1,instance=host-0.example:9100,job=node value=1 1700000000000\n', {
        db: 'warmup',
        precision: 'ms',
        now: Date.now(),
        firstLine: 1,
      });
      expect(p.samples.reset).toBe(true);
    } finally {
      await common.stop();
    }
  });

  it('logs a failure and lets the server start', async () => {
    const logger = recorder();
    const ctx = await context(() => Promise.reject(new Error('ENOSPC: no space left on device')), logger);
    const common = await ingestCommonFactory.create(ctx);
    await common.stop();
    expect(logger.lines).toContainEqual(expect.stringMatching(/^warn Ingest warm-up failed; the first requests will be slower .*ENOSPC/));
  });
});
