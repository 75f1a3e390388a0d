import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/config.js';
import { parseFlags } from '../../server/flags.js';
import { resolveOptions } from '../../server/options.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const dir = join(import.meta.dirname, '../../config/testdata');
const load = (name: string) => parseConfig(readFileSync(join(dir, name), 'utf8'), join(dir, name));

describe('ingest options', () => {
  it('reads the ingest section of a config file', () => {
    expect(load('ingest.good.yml').ingest).toEqual({
      auth: { basic: { username: 'vigil', password: 's3cret' }, bearerToken: 'secret-token' },
      maxConcurrentWrites: 4,
      maxQueuedWrites: 16,
      maxWriteWaitMs: 2000,
      batchSamples: 5000,
    });
  });

  it.each<[string, RegExp]>([
    ['ingest_auth.bad.yml', /line 4: ingest\.auth\.basic: needs username and password/],
  ])('rejects %s', (name, re) => {
    expect(() => load(name)).toThrow(re);
  });

  it('rejects bad values with the key', () => {
    expect(() => parseConfig('ingest:\n  max_concurrent_writes: 0\n', 'c.yml')).toThrow(/line 2: ingest\.max_concurrent_writes: must be an integer >= 1/);
    expect(() => parseConfig('ingest:\n  auth:\n    bearer_token_file: /nonexistent\n', 'c.yml')).toThrow(/ingest\.auth\.bearer_token_file: cannot read/);
  });

  it('lets flags override the file; basic credentials from flags need both halves', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vigil-ingest-opts-'));
    const pw = join(tmp, 'pw');
    writeFileSync(pw, 'hunter2\n');
    const cfg = join(tmp, 'c.yml');
    writeFileSync(cfg, 'ingest:\n  max_concurrent_writes: 3\n  auth:\n    bearer_token: abc\n');
    const o = await resolveOptions(parseFlags([`--config.file=${cfg}`, '--ingest.auth.username=u', `--ingest.auth.password-file=${pw}`, '--ingest.max-write-wait=1s']));
    expect(o.ingest).toMatchObject({ maxConcurrentWrites: 3, maxWriteWaitMs: 1000, auth: { bearerToken: 'abc', basic: { username: 'u', password: 'hunter2' } } });
    await expect(resolveOptions(parseFlags(['--ingest.auth.username=u']))).rejects.toThrow(/must be given together/);
    expect(() => parseFlags(['--ingest.max-concurrent-writes=x'])).toThrow(/--ingest\.max-concurrent-writes: must be an integer >= 1/);
  });

  it('turns the warm-up off from the file or the flag (on by default)', async () => {
    expect(parseConfig('ingest:\n  warmup: false\n', 'c.yml').ingest).toEqual({ warmup: false });
    expect(() => parseConfig('ingest:\n  warmup: sometimes\n', 'c.yml')).toThrow(/line 2: ingest\.warmup: expected true or false/);
    expect((await resolveOptions(parseFlags([]))).ingest.warmup).toBe(true);
    expect((await resolveOptions(parseFlags(['--ingest.warmup=false']))).ingest.warmup).toBe(false);
  });
});
