/**
 * `POST /api/v1/write`: Prometheus remote write 1.0 and 2.0 into the
 * Appender.
 *
 * - Content negotiation by `Content-Type` (see stream.ts); 415 for other
 *   types or encodings.
 * - Success: 204. Every sample of the request is committed to the WAL first.
 * - A sample the storage refuses (too old, duplicate timestamp with another
 *   value) or a series with invalid labels: the good samples of the request
 *   are committed, the answer is 400 naming how many were rejected and why
 *   (the sender must not retry a 4xx).
 * - 2.0 answers carry `X-Prometheus-Remote-Write-Samples-Written`,
 *   `-Histograms-Written` (always 0: native histograms are not stored yet)
 *   and `-Exemplars-Written` (always 0: exemplars are not stored).
 * - Saturated: 503 with `Retry-After` (Prometheus always retries a 5xx; it
 *   drops a 429 unless `retry_on_http_429` is set).
 *
 * Dropped (the storage seam has no place for them yet): native histograms,
 * exemplars, metadata (type, help, unit), created timestamps. Counted in
 * `vigil_ingest_remote_write_dropped_total{kind}`.
 */
import { isUtf8 } from 'node:buffer';
import type { ServerResponse } from 'node:http';
import { compareStrings, Labels } from '../../model/labels.js';
import type { Counter } from '../../metrics/registry.js';
import type { IngestBatch } from '../common/batch.js';
import { NEED_LABELS, REJECTED } from '../common/batch.js';
import type { IngestCommon } from '../common/common.js';
import { badRequest, writeEndpoint } from '../common/http.js';
import type { Handler } from '../../api/router.js';
import { RemoteWriteParser } from './parser.js';
import { decodeBody, negotiateVersion, readSnappyBody } from './stream.js';

export const PROTOCOL = 'remote_write';

/** Series refs cached across requests by series key; dropped when it grows past this. */
const MAX_CACHED_REFS = 1_000_000;
const KEY_SEP = '\xff';

export function remoteWriteHandler(common: IngestCommon): Handler {
  const dropped = declareDropped(common);
  const refs = new Map<string, number>();
  // Parsers are reused; one per concurrent request.
  const parsers: RemoteWriteParser[] = [];
  return writeEndpoint({ protocol: PROTOCOL, common, overloadedStatus: 503 }, async ({ req, res }, w) => {
    const version = negotiateVersion(req.headers['content-type']);
    const body = await readSnappyBody(req, w.maxBodyBytes);
    const p = parsers.pop() ?? new RemoteWriteParser();
    try {
      decodeBody(p, body, version);
      if (p.histograms > 0) dropped.labels('histogram').inc(p.histograms);
      if (p.exemplars > 0) dropped.labels('exemplar').inc(p.exemplars);
      if (p.metadata > 0) dropped.labels('metadata').inc(p.metadata);
      const batch = w.batch();
      try {
        if (version === 1) await appendV1(p, batch, refs);
        else await appendV2(p, batch, refs);
        await batch.commit();
      } catch (err) {
        batch.rollback();
        throw err;
      } finally {
        batch.record();
      }
      if (version === 2) writtenHeaders(res, batch.accepted, 0, 0);
      if (batch.rejected > 0) throw badRequest(batch.summary());
      res.writeHead(204);
      res.end();
    } finally {
      parsers.push(p);
    }
  });
}

function declareDropped(common: IngestCommon): Counter {
  return common.registry.counter({
    name: 'vigil_ingest_remote_write_dropped_total',
    help: 'Remote-write items the storage cannot keep yet and were dropped, by kind (histogram, exemplar, metadata).',
    labelNames: ['kind'],
  });
}

function writtenHeaders(res: ServerResponse, samples: number, histograms: number, exemplars: number): void {
  res.setHeader('X-Prometheus-Remote-Write-Samples-Written', String(samples));
  res.setHeader('X-Prometheus-Remote-Write-Histograms-Written', String(histograms));
  res.setHeader('X-Prometheus-Remote-Write-Exemplars-Written', String(exemplars));
}

function cacheRef(refs: Map<string, number>, key: string, ref: number): void {
  if (refs.size >= MAX_CACHED_REFS) refs.clear();
  refs.set(key, ref);
}

/** Appends one series' samples; `labels` is built only when the ref is unknown. */
async function appendSeries(
  p: RemoteWriteParser,
  s: number,
  batch: IngestBatch,
  refs: Map<string, number>,
  key: string | undefined,
  labels: (p: RemoteWriteParser, s: number) => Labels | string,
): Promise<void> {
  const from = p.sampleStart[s];
  const to = p.sampleEnd[s];
  if (from === to) return;
  let ref = key === undefined ? 0 : (refs.get(key) ?? 0);
  let ls: Labels | undefined;
  for (let j = from; j < to; j++) {
    if (ref === 0 && ls === undefined) {
      const built = labels(p, s);
      if (typeof built === 'string') {
        batch.receivedAndRejected(`series ${s + 1}: ${built}`, to - j);
        return;
      }
      ls = built;
    }
    let got = batch.append(ref, ref === 0 ? ls : undefined, p.ts[j], p.vs[j]);
    if (got === NEED_LABELS) {
      ref = 0;
      ls ??= (() => {
        const b = labels(p, s);
        return typeof b === 'string' ? undefined : b;
      })();
      got = batch.append(0, ls, p.ts[j], p.vs[j]);
    }
    if (got > 0) {
      if (ref !== got && key !== undefined) cacheRef(refs, key, got);
      ref = got;
    } else if (got === REJECTED && batch.wantsAnnotation) batch.annotateLast(`series ${describe(p, s, labels)}`);
    await batch.maybeCommit();
  }
}

function describe(p: RemoteWriteParser, s: number, labels: (p: RemoteWriteParser, s: number) => Labels | string): string {
  const ls = labels(p, s);
  return typeof ls === 'string' ? String(s + 1) : ls.toString();
}

async function appendV1(p: RemoteWriteParser, batch: IngestBatch, refs: Map<string, number>): Promise<void> {
  const buf = p.buf;
  for (let s = 0; s < p.series; s++) {
    const key = p.keyEnd[s] > p.keyStart[s] ? buf.toString('latin1', p.keyStart[s], p.keyEnd[s]) : undefined;
    await appendSeries(p, s, batch, refs, key, labelsV1);
  }
}

async function appendV2(p: RemoteWriteParser, batch: IngestBatch, refs: Map<string, number>): Promise<void> {
  const buf = p.buf;
  const syms: (string | undefined)[] = new Array(p.symbols);
  const sym = (i: number) => (syms[i] ??= buf.toString('utf8', p.symStart[i], p.symEnd[i]));
  const labels = (q: RemoteWriteParser, s: number) => labelsV2(q, s, sym);
  for (let s = 0; s < p.series; s++) {
    // The label strings themselves are the key: the same series has other refs in another request.
    let key = '\x02';
    for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) key += sym(p.nameStart[l]) + KEY_SEP + sym(p.valueStart[l]) + KEY_SEP;
    await appendSeries(p, s, batch, refs, key, labels);
  }
}

/** The series' label set, or why it is invalid. */
function labelsV1(p: RemoteWriteParser, s: number): Labels | string {
  const buf = p.buf;
  const pairs: string[] = [];
  for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) {
    const ns = p.nameStart[l];
    const ne = p.nameEnd[l];
    const vs = p.valueStart[l];
    const ve = p.valueEnd[l];
    if (!isUtf8(buf.subarray(ns, ne)) || !isUtf8(buf.subarray(vs, ve))) return 'label name or value is not valid UTF-8';
    pairs.push(buf.toString('utf8', ns, ne), buf.toString('utf8', vs, ve));
  }
  return checkedLabels(pairs);
}

function labelsV2(p: RemoteWriteParser, s: number, sym: (i: number) => string): Labels | string {
  const buf = p.buf;
  const pairs: string[] = [];
  for (let l = p.labelStart[s]; l < p.labelEnd[s]; l++) {
    for (const i of [p.nameStart[l], p.valueStart[l]]) {
      if (!isUtf8(buf.subarray(p.symStart[i], p.symEnd[i]))) return `symbol ${i} is not valid UTF-8`;
    }
    pairs.push(sym(p.nameStart[l]), sym(p.valueStart[l]));
  }
  return checkedLabels(pairs);
}

/**
 * Sorts if needed (1.0 senders are not all careful), drops empty values
 * (an empty value means the label is absent), refuses empty and duplicate
 * names.
 */
function checkedLabels(pairs: string[]): Labels | string {
  let sorted = true;
  for (let i = 0; i < pairs.length; i += 2) {
    if (pairs[i] === '') return 'empty label name';
    if (i > 0 && pairs[i] <= pairs[i - 2]) sorted = false;
  }
  let out = pairs;
  if (!sorted) {
    const idx = Array.from({ length: pairs.length / 2 }, (_, i) => i).sort((a, b) => compareStrings(pairs[2 * a], pairs[2 * b]));
    out = [];
    for (const i of idx) out.push(pairs[2 * i], pairs[2 * i + 1]);
  }
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (i > 0 && out[i] === out[i - 2]) return `duplicate label name ${JSON.stringify(out[i])}`;
    if (out[i + 1] !== '') kept.push(out[i], out[i + 1]);
  }
  if (kept.length === 0) return 'no labels';
  return Labels.fromSortedPairs(kept);
}
