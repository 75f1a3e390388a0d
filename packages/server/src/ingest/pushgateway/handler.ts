/**
 * Pushgateway-compatible push on the web port:
 *
 * - `PUT /metrics/job/<job>{/<label>/<value>}`: replaces the whole group;
 * - `POST …`: replaces the pushed metric families in the group, keeps the rest;
 * - `DELETE …`: deletes the group.
 *
 * The body is the Prometheus text format (what prom-client, the Python
 * client and `curl --data-binary` send) or delimited protobuf (what
 * client_golang's `push` sends; protobuf.ts). A label name suffixed `@base64`
 * takes a base64url value (`/metrics/job@base64/L3Zhci90bXA`), for values
 * with `/`; `=` is the empty value. Grouping labels are set on every pushed
 * series, overriding pushed labels of the same name, and each group gets a
 * `push_time_seconds` series, as the Pushgateway does. Pushed samples with
 * timestamps are refused (400), as the Pushgateway refuses them.
 *
 * Where a Pushgateway is scraped, Vigil writes: a push writes the group's
 * series at once (the response comes after the WAL commit), and every
 * `--pushgateway.write-interval` all groups are written again, so pushed
 * values stay current in queries; series that leave a group (PUT without
 * them, DELETE, expiry) get a staleness marker. With
 * `--pushgateway.group-ttl`, a group not pushed to for that long is deleted.
 * Groups are saved in `<storage path>/pushgateway.json` and survive restarts.
 *
 * Answers: 200 for PUT/POST, 202 for DELETE (the Pushgateway's codes); 400
 * naming the problem; the shared 401/413/429 of `writeEndpoint`.
 */
import { rename, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestContext } from '../../api/router.js';
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { STALE_NAN } from '../../model/value.js';
import type { ComponentFactory } from '../../server/component.js';
import { Entry, ParseError, PromParser } from '../../textparse/index.js';
import { badRequest, IngestError, ingestCommon, NEED_LABELS, OverloadedError, readBody, writeEndpoint, type IngestBatch, type IngestCommon } from '../common/index.js';
import { parseProtobufPush } from './protobuf.js';
import { PushStore, withGrouping, type Change, type Families, type Group } from './store.js';

/** Grouping label pairs after `job/<job>` that the routes accept. */
const MAX_GROUPING_PAIRS = 12;

const STATE_FILE = 'pushgateway.json';

/** The grouping labels from the URL path parameters (`k0`, `v0`, `k1`, `v1`, …). */
export function groupingFromParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; `k${i}` in params; i++) {
    let name = params[`k${i}`];
    let value = params[`v${i}`];
    if (name.endsWith('@base64')) {
      name = name.slice(0, -'@base64'.length);
      const b64 = value.replace(/-/g, '+').replace(/_/g, '/');
      if (!/^[A-Za-z0-9+/]*=*$/.test(b64)) throw badRequest(`invalid base64 value ${JSON.stringify(value)} for label ${JSON.stringify(name)}`);
      value = Buffer.from(b64, 'base64').toString('utf8');
    }
    if (i === 0 && name !== 'job') throw badRequest(`the grouping key must start with job, got ${JSON.stringify(name)}`);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) || name.startsWith('__')) throw badRequest(`invalid label name ${JSON.stringify(name)} in the grouping key`);
    if (i === 0 && value === '') throw badRequest('job name must not be empty');
    if (name in out) throw badRequest(`label ${JSON.stringify(name)} appears twice in the grouping key`);
    out[name] = value;
  }
  return out;
}

/** Family of a sample: the last TYPE/HELP family when the name is it or one of its suffixes. */
function familyOf(name: string, family: string | undefined): string {
  if (family === undefined) return name;
  if (name === family) return family;
  if (name.startsWith(family)) {
    const suffix = name.slice(family.length);
    if (suffix === '_bucket' || suffix === '_sum' || suffix === '_count' || suffix === '_total' || suffix === '_created') return family;
  }
  return name;
}

/** Parses a pushed text-format body into families of series carrying the grouping labels. */
export function parsePush(text: string, grouping: Record<string, string>): Families {
  const p = new PromParser(text);
  const families: Families = new Map();
  let family: string | undefined;
  for (;;) {
    let e: Entry;
    try {
      e = p.next();
      if (e === Entry.EOF) break;
      if (e === Entry.Type || e === Entry.Help) {
        family = p.metricName();
        continue;
      }
      if (e !== Entry.Sample) continue;
      if (p.timestamp !== undefined) throw badRequest(`line ${p.line}: pushed metrics must not have timestamps`);
      const name = p.metricName();
      const labels = withGrouping(p.labels(), grouping);
      const f = familyOf(name, family);
      let list = families.get(f);
      if (list === undefined) families.set(f, (list = []));
      list.push({ labels, value: p.value });
    } catch (err) {
      if (err instanceof ParseError) throw badRequest(`cannot parse the pushed metrics: ${err.message}`);
      throw err;
    }
  }
  return families;
}

function pushTime(grouping: Record<string, string>, now: number): Families {
  const b = new LabelsBuilder(Labels.fromObject(grouping)).set(METRIC_NAME, 'push_time_seconds');
  return new Map([['push_time_seconds', [{ labels: b.labels(), value: now / 1000 }]]]);
}

class Pushgateway {
  #store: PushStore;
  readonly #common: IngestCommon;
  readonly #file: string;
  #saving: Promise<void> = Promise.resolve();

  constructor(common: IngestCommon, store: PushStore, file: string) {
    this.#common = common;
    this.#store = store;
    this.#file = file;
  }

  get store(): PushStore {
    return this.#store;
  }

  /** Writes the group's current series and stale markers for the gone ones, in one batch. */
  async write(batch: IngestBatch, group: Group | undefined, change: Change, t: number): Promise<void> {
    const refs = group?.refs;
    for (const s of change.current) {
      const key = s.labels.key();
      const cached = refs?.get(key) ?? 0;
      let ref = batch.append(cached, cached === 0 ? s.labels : undefined, t, s.value);
      if (ref === NEED_LABELS) ref = batch.append(0, s.labels, t, s.value);
      if (ref > 0) refs?.set(key, ref);
    }
    for (const l of change.gone) batch.append(0, l, t, STALE_NAN);
    await batch.commit();
  }

  /** Saves the groups (write to a temporary file, then rename). Serialized. */
  save(): Promise<void> {
    const next = this.#saving.then(async () => {
      const tmp = `${this.#file}.tmp`;
      await writeFile(tmp, JSON.stringify(this.#store.toJSON()));
      await rename(tmp, this.#file);
    });
    this.#saving = next.catch(() => {});
    return next;
  }

  /** Expires groups and writes every group again (a scrape of the Pushgateway, as it were). */
  async tick(t: number, ttlMs: number): Promise<void> {
    const gone = this.#store.expire(t, ttlMs);
    let release;
    try {
      release = await this.#common.limiter.acquire();
    } catch (err) {
      if (err instanceof OverloadedError) return;
      throw err;
    }
    const batch = this.#common.batch(this.#common.metrics.forProtocol('pushgateway'));
    try {
      await this.write(batch, undefined, { current: [], gone }, t);
      for (const g of this.#store.groups()) {
        const current = [...g.families.values()].flat();
        await this.write(batch, g, { current, gone: [] }, t);
      }
    } catch (err) {
      batch.rollback();
      throw err;
    } finally {
      batch.record();
      release();
    }
    if (gone.length > 0) await this.save();
  }
}

export const pushgatewayFactory: ComponentFactory = {
  name: 'pushgateway',
  create: async (ctx) => {
    const common = ingestCommon(ctx);
    const o = ctx.options.push.pushgateway;
    const file = join(ctx.options.storage.path, STATE_FILE);
    let store = new PushStore();
    try {
      store = PushStore.fromJSON(JSON.parse(await readFile(file, 'utf8')));
      ctx.logger.info('Pushgateway groups restored', { groups: store.size, file });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.logger.warn('cannot restore Pushgateway groups; starting empty', { file, err: (err as Error).message });
    }
    const pg = new Pushgateway(common, store, file);

    const handle = (method: 'PUT' | 'POST' | 'DELETE') =>
      writeEndpoint({ protocol: 'pushgateway', common }, async ({ req, res, params }: RequestContext, w) => {
        const grouping = groupingFromParams(params);
        const now = w.now();
        let change: Change | undefined;
        if (method === 'DELETE') {
          req.resume();
          change = pg.store.delete(grouping);
        } else {
          const ct = (req.headers['content-type'] ?? '').toLowerCase();
          const proto = ct.startsWith('application/vnd.google.protobuf');
          if (proto && !ct.includes('encoding=delimited')) {
            throw new IngestError(415, `unsupported Content-Type ${JSON.stringify(ct)}: push the text format or delimited protobuf (encoding=delimited)`);
          }
          const body = await readBody(req, w.maxBodyBytes);
          const families = proto ? parseProtobufPush(body, grouping) : parsePush(body.toString('utf8'), grouping);
          for (const [k, v] of pushTime(grouping, now)) families.set(k, v);
          change = method === 'PUT' ? pg.store.put(grouping, families, now) : pg.store.post(grouping, families, now);
        }
        if (change !== undefined) {
          const batch = w.batch();
          try {
            await pg.write(batch, pg.store.get(grouping), change, now);
          } catch (err) {
            batch.rollback();
            throw err;
          } finally {
            batch.record();
          }
          await pg.save();
        }
        res.writeHead(method === 'DELETE' ? 202 : 200);
        res.end();
      });
    for (let n = 0; n <= MAX_GROUPING_PAIRS; n++) {
      let pattern = '/metrics';
      for (let i = 0; i <= n; i++) pattern += `/:k${i}/:v${i}`;
      ctx.router.on('PUT', pattern, handle('PUT'));
      ctx.router.on('POST', pattern, handle('POST'));
      ctx.router.on('DELETE', pattern, handle('DELETE'));
    }

    let ticking: Promise<void> | undefined;
    const timer = setInterval(() => {
      ticking ??= pg
        .tick(ctx.now(), o.groupTtlMs)
        .catch((err: unknown) => ctx.logger.error('cannot write Pushgateway groups', { err: (err as Error).message }))
        .finally(() => (ticking = undefined));
    }, Math.min(o.writeIntervalMs, o.groupTtlMs > 0 ? o.groupTtlMs : Infinity));
    return {
      name: 'pushgateway',
      stop: async () => {
        clearInterval(timer);
        await ticking;
        await pg.save().catch(() => {});
      },
    };
  },
};
