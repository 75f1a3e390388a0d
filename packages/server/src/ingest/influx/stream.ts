/**
 * Influx line protocol → samples, the mapping VictoriaMetrics uses: each
 * numeric field of a line is one sample of the series
 * `<measurement>_<field>{<tags>}`, plus `db="<database>"` when the request
 * names a database (`db`, or `bucket` for /api/v2/write) and the line has
 * no `db` tag of its own. Booleans are 1 and 0; integers and unsigned
 * integers become float64 (exact up to 2^53). String fields are not
 * numeric samples: they are skipped and counted in
 * `vigil_ingest_influx_string_fields_skipped_total`. A line without a
 * timestamp gets the time the request (or packet batch) arrived; one more
 * than a day ahead of the server's clock is rejected (`MAX_FUTURE_MS`).
 *
 * Series refs are cached by the series text as written (measurement and
 * tags), found through the parser's hash and compared in place, then by
 * field key: a known series costs no string and no label set.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { CounterChild } from '../../metrics/registry.js';
import { NEED_LABELS, type IngestBatch } from '../common/index.js';
import { futureError, MAX_FUTURE_MS, type LineErrorSink } from '../net/writer.js';
import { FieldType, LineKind, LineProtocolParser, type Precision } from './parser.js';

export interface InfluxWriteParams {
  /** Database (v1 `db`, v2 `bucket`); empty adds no label. */
  db: string;
  precision: Precision;
  /** Timestamp for lines without one. */
  now: number;
}

/** One series text (per database) and the refs of its fields. */
interface SeriesEntry {
  db: string;
  key: string;
  /** Field keys as written, and their refs (0 = not known yet). */
  fields: string[];
  refs: number[];
  next: SeriesEntry | undefined;
}

const MAX_CACHED_SERIES = 200_000;

export class InfluxIngester {
  readonly #cache = new Map<number, SeriesEntry>();
  #cached = 0;
  readonly #parsers: LineProtocolParser[] = [];
  readonly #stringFields: CounterChild;
  readonly #commitEvery: () => number;

  constructor(stringFields: CounterChild, commitEvery: () => number) {
    this.#stringFields = stringFields;
    this.#commitEvery = commitEvery;
  }

  async ingest(text: string, firstLine: number, batch: IngestBatch, lineError: LineErrorSink, params: InfluxWriteParams): Promise<void> {
    const p = this.#parsers.pop() ?? new LineProtocolParser();
    try {
      p.reset(text, params.precision, firstLine);
      const { db, now } = params;
      const commitEvery = this.#commitEvery();
      let strings = 0;
      for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
        if (k === LineKind.Error) {
          lineError(p.line, p.error);
          batch.receivedAndRejected(`line ${p.line}: ${p.error}`, 1);
          continue;
        }
        const t = Number.isNaN(p.timestampMs) ? now : p.timestampMs;
        if (t > now + MAX_FUTURE_MS) {
          batch.receivedAndRejected(`line ${p.line}: ${futureError(t, now)}`, p.fieldCount);
          continue;
        }
        const e = this.#entry(p, db);
        for (let f = 0; f < p.fieldCount; f++) {
          if (p.fieldTypes[f] === FieldType.String) {
            strings++;
            continue;
          }
          let slot = -1;
          for (let j = 0; j < e.fields.length; j++) {
            if (p.fieldKeyIs(f, e.fields[j])) {
              slot = j;
              break;
            }
          }
          if (slot < 0) {
            slot = e.fields.length;
            e.fields.push(Buffer.from(p.rawFieldKey(f)).toString());
            e.refs.push(0);
          }
          const v = p.fieldValues[f];
          let ref = e.refs[slot];
          ref = ref === 0 ? batch.append(0, influxLabels(p, f, db), t, v) : batch.append(ref, undefined, t, v);
          if (ref === NEED_LABELS) ref = batch.append(0, influxLabels(p, f, db), t, v);
          if (ref > 0) e.refs[slot] = ref;
          else if (batch.wantsAnnotation) batch.annotateLast(`line ${p.line}, series ${influxLabels(p, f, db).toString()}`);
          if (batch.pending >= commitEvery) await batch.commit();
        }
      }
      if (strings > 0) this.#stringFields.inc(strings);
    } finally {
      this.#parsers.push(p);
    }
  }

  /** The cache entry of the parser's current series (created when new). */
  #entry(p: LineProtocolParser, db: string): SeriesEntry {
    const h = p.seriesHash;
    const head = this.#cache.get(h);
    for (let e = head; e !== undefined; e = e.next) if (e.db === db && p.seriesIs(e.key)) return e;
    if (this.#cached >= MAX_CACHED_SERIES) {
      this.#cache.clear();
      this.#cached = 0;
    }
    // A copy, so the cache does not keep the request text alive.
    const key = Buffer.from(p.seriesKey()).toString();
    const e: SeriesEntry = { db, key, fields: [], refs: [], next: this.#cache.get(h) };
    this.#cache.set(h, e);
    this.#cached++;
    return e;
  }
}

/** The labels of field `f` of the parser's current row. */
export function influxLabels(p: LineProtocolParser, f: number, db: string): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) b.set(p.tagKey(i), p.tagValue(i));
  if (db !== '' && b.get('db') === '') b.set('db', db);
  b.set(METRIC_NAME, `${p.measurement()}_${p.fieldKey(f)}`);
  return b.labels();
}
