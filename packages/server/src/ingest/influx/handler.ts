/**
 * The Influx line-protocol component:
 *
 * - `POST /write` (InfluxDB 1.x): `db`, `rp` (accepted, unused), `precision`
 *   (`ns` default, `u`, `ms`, `s`, `m`, `h`), credentials as `u`/`p`
 *   parameters or `Authorization`;
 * - `POST /api/v2/write` (InfluxDB 2.x): `org` (accepted, unused), `bucket`
 *   (the `db` label), `precision` (`ns`, `us`, `ms`, `s`),
 *   `Authorization: Token …`;
 * - `GET /ping`: 204, for agents that check the server first (Telegraf);
 * - TCP and UDP listeners on `--influx.listen-address` (default :8089),
 *   nanosecond timestamps, no `db` label.
 *
 * Bodies may be gzip-compressed (`Content-Encoding: gzip`). Success is 204.
 * Bad lines do not fail the request: the good lines are stored and the
 * answer is 400 naming the bad lines, in InfluxDB's error shape (v1
 * `{"error":"partial write: …"}`, v2 `{"code":"invalid","message":"…"}`).
 * Responses are sent only after the commit to the WAL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ComponentFactory } from '../../server/component.js';
import type { CounterChild } from '../../metrics/registry.js';
import { badRequest, ingestCommon, writeEndpoint, type ErrorRenderer, type IngestBatch, type IngestCommon } from '../common/index.js';
import { appendParsed, atLine } from '../common/parsed.js';
import { lineBlocks } from '../net/body.js';
import { listen, type NetListener } from '../net/listeners.js';
import { netMetrics } from '../net/metrics.js';
import { socketWriters, type LineErrorSink } from '../net/writer.js';
import type { ParsePool, Parsed } from '../parse/pool.js';
import type { InfluxParseArgs } from './stream.js';
import { parsePrecision } from './parser.js';

const influxError: ErrorRenderer = (res: ServerResponse, status: number, message: string, req: IncomingMessage) => {
  const v2 = (req.url ?? '').startsWith('/api/v2/');
  const code = status === 401 ? 'unauthorized' : status === 413 ? 'request too large' : status === 429 || status === 503 ? 'unavailable' : status >= 500 ? 'internal error' : 'invalid';
  const body = JSON.stringify(v2 ? { code, message } : { error: message });
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'X-Influxdb-Error': headerSafe(message) });
  res.end(body);
};

/** The message as an HTTP header value: printable ASCII (anything else as `?`), at most 512 characters. */
function headerSafe(message: string): string {
  return message.slice(0, 512).replace(/[^\x20-\x7e]/g, '?');
}

export const influxFactory: ComponentFactory = {
  name: 'influx',
  create: async (ctx) => {
    const common = ingestCommon(ctx);
    const stringFields = ctx.registry.counter({
      name: 'vigil_ingest_influx_string_fields_skipped_total',
      help: 'Influx string fields skipped (they are not numeric samples).',
    });
    const append = (parsed: Parsed, batch: IngestBatch, lineError?: LineErrorSink) => appendInflux(common, stringFields, parsed, batch, lineError);

    const write = (v2: boolean) =>
      writeEndpoint(
        {
          protocol: 'influx',
          common,
          renderError: influxError,
          credential: ({ url }) => {
            const u = url.searchParams.get('u');
            const p = url.searchParams.get('p');
            return u !== null || p !== null ? { username: u ?? '', password: p ?? '' } : undefined;
          },
        },
        async ({ req, res, url }, w) => {
          const q = url.searchParams;
          const precision = parsePrecision(q.get('precision'));
          if (precision === undefined) throw badRequest(`invalid precision ${JSON.stringify(q.get('precision'))} (use ns, us, ms, s${v2 ? '' : ', m, h'})`);
          const params = { db: (v2 ? q.get('bucket') : q.get('db')) ?? '', precision, now: w.now() };
          const batch = w.batch();
          await batch.run(() => appendLineBody(common.parsePool, req, w.maxBodyBytes, params, (parsed) => append(parsed, batch)));
          if (batch.rejected > 0) throw badRequest(`partial write: ${batch.summary()}`);
          res.writeHead(204, { 'X-Influxdb-Version': '1.8.10 (Vigil)' });
          res.end();
        },
      );
    ctx.router.on('POST', '/write', write(false));
    ctx.router.on('POST', '/api/v2/write', write(true));
    ctx.router.on('GET', '/ping', ({ res }) => {
      res.writeHead(204, { 'X-Influxdb-Version': '1.8.10 (Vigil)' });
      res.end();
    });

    const opts = ctx.options.push;
    const writers = socketWriters(common, 'influx', ctx.logger, {
      ingest: async (text, firstLine, batch, lineError) =>
        append(await common.parsePool.parse('influx', text, { db: '', precision: 'ns', now: ctx.now(), firstLine }), batch, lineError),
    });
    const listener: NetListener | undefined = await listen({
      protocol: 'influx',
      address: opts.influx.listenAddress,
      explicit: opts.influx.explicit,
      tcp: true,
      udp: true,
      limits: opts.net,
      logger: ctx.logger,
      metrics: netMetrics(ctx.registry),
      onTcpLines: writers.tcp,
      onUdpLines: writers.udp,
    });
    return {
      name: 'influx',
      stop: async () => {
        writers.close();
        await listener?.close();
      },
    };
  },
};

/**
 * Reads a line-protocol request body in blocks of whole lines, each parsed
 * in `pool` one ahead of the block being appended with `append`.
 */
export async function appendLineBody(
  pool: ParsePool,
  req: IncomingMessage,
  limit: number,
  params: Omit<InfluxParseArgs, 'firstLine'>,
  append: (parsed: Parsed) => Promise<void>,
): Promise<void> {
  let ahead: Promise<Parsed> | undefined;
  for await (const { chunks, firstLine } of lineBlocks(req, limit)) {
    const next = pool.parse('influx', chunks, { ...params, firstLine });
    next.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
    if (ahead !== undefined) await append(await ahead);
    ahead = next;
  }
  if (ahead !== undefined) await append(await ahead);
}

/** Appends a parsed block: bad lines are listed in the batch (and sent to `lineError`), string fields counted. */
async function appendInflux(common: IngestCommon, stringFields: CounterChild, parsed: Parsed, batch: IngestBatch, lineError?: LineErrorSink): Promise<void> {
  const { samples, refs } = parsed;
  if (samples.counts.strings) stringFields.inc(samples.counts.strings);
  await appendParsed(samples, refs, batch, { commitEvery: common.options.batchSamples, where: atLine, lineError });
}
