import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../metrics/registry.js';
import { Labels } from '../../model/labels.js';
import { MemoryStorage } from '../../storage/memory.js';
import { WriteAuthenticator } from './auth.js';
import { IngestBatch, NEED_LABELS, REJECTED } from './batch.js';
import { OverloadedError, WriteLimiter } from './limiter.js';
import { IngestMetrics } from './metrics.js';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('WriteAuthenticator', () => {
  it('is open without credentials', () => {
    const a = new WriteAuthenticator(undefined);
    expect(a.open).toBe(true);
    expect(a.check(req())).toBe('ok');
  });

  it('checks basic and bearer credentials', () => {
    const a = new WriteAuthenticator({ basic: { username: 'u', password: 'p:w' }, bearerToken: 'tok' });
    expect(a.check(req())).toBe('missing');
    expect(a.check(req(`Basic ${Buffer.from('u:p:w').toString('base64')}`))).toBe('ok');
    expect(a.check(req(`Basic ${Buffer.from('u:nope').toString('base64')}`))).toBe('wrong');
    expect(a.check(req('Bearer tok'))).toBe('ok');
    expect(a.check(req('Token tok'))).toBe('ok');
    expect(a.check(req('Bearer toke'))).toBe('wrong');
    expect(a.check(req(), { username: 'u', password: 'p:w' })).toBe('ok');
    expect(a.check(req(), { token: 'x' })).toBe('wrong');
  });
});

describe('WriteLimiter', () => {
  it('grants up to maxConcurrent, queues a bounded number, refuses the rest', async () => {
    const l = new WriteLimiter({ maxConcurrent: 2, maxQueued: 1, maxWaitMs: 60_000 });
    const r1 = await l.acquire();
    const r2 = await l.acquire();
    expect(l.tryAcquire()).toBeUndefined();
    const waiting = l.acquire();
    expect(l.queued).toBe(1);
    await expect(l.acquire()).rejects.toBeInstanceOf(OverloadedError);
    r1();
    r1(); // a second release is harmless
    const r3 = await waiting;
    expect(l.inflight).toBe(2);
    r2();
    r3();
    expect(l.inflight).toBe(0);
  });

  it('refuses a waiter after maxWaitMs with a Retry-After hint', async () => {
    const l = new WriteLimiter({ maxConcurrent: 1, maxQueued: 5, maxWaitMs: 1 });
    const r = await l.acquire();
    const err = await l.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OverloadedError);
    expect((err as OverloadedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(l.queued).toBe(0);
    r();
  });
});

describe('IngestBatch', () => {
  it('commits in bounded pieces, counts rejected samples and keeps their messages', async () => {
    const storage = new MemoryStorage();
    const registry = new Registry();
    const limiter = new WriteLimiter({ maxConcurrent: 1, maxQueued: 0, maxWaitMs: 0 });
    const metrics = new IngestMetrics(registry, limiter).forProtocol('test');
    const b = new IngestBatch(storage, metrics, limiter, { batchSamples: 2 });
    const ls = Labels.fromObject({ __name__: 'm', a: '1' });
    const ref = b.append(0, ls, 1000, 1);
    expect(ref).toBeGreaterThan(0);
    expect(b.append(ref, undefined, 2000, 2)).toBe(ref);
    expect(limiter.pendingSamples).toBe(2);
    await b.maybeCommit();
    expect(limiter.pendingSamples).toBe(0);
    expect(b.accepted).toBe(2);
    expect(b.append(ref, undefined, 2000, 3)).toBe(REJECTED); // duplicate timestamp, other value
    expect(b.append(0, Labels.EMPTY, 3000, 1)).toBe(REJECTED);
    expect(b.append(987654, undefined, 3000, 1)).toBe(NEED_LABELS);
    b.receivedAndRejected('unsupported type', 3);
    await b.commit();
    b.record();
    expect(b.rejected).toBe(5);
    expect(b.errors).toHaveLength(3);
    expect(b.summary()).toMatch(/^5 of 7 samples rejected: duplicate sample/);
    const text = registry.expose();
    expect(text).toContain('vigil_ingest_samples_received_total{protocol="test"} 7');
    expect(text).toContain('vigil_ingest_samples_accepted_total{protocol="test"} 2');
    expect(text).toContain('vigil_ingest_samples_rejected_total{protocol="test"} 5');
  });
});
