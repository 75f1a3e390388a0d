/**
 * Influx line protocol → samples, the mapping VictoriaMetrics uses: each
 * numeric field of a line is one sample of the series
 * `<measurement>_<field>{<tags>}`, plus `db="<database>"` when the request
 * names a database (`db`, or `bucket` for /api/v2/write) and the line has
 * no `db` tag of its own. Booleans are 1 and 0; integers and unsigned
 * integers become float64 (exact up to 2^53). String fields are not
 * numeric samples: they are skipped and counted in
 * `vigil_ingest_influx_string_fields_skipped_total`. A line without a
 * timestamp gets the time the request (or packet batch) arrived.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { CounterChild } from '../../metrics/registry.js';
import type { IngestBatch } from '../common/index.js';
import { appendCached, RefCache, type LineErrorSink } from '../net/writer.js';
import { FieldType, LineKind, LineProtocolParser, type Precision } from './parser.js';

export interface InfluxWriteParams {
  /** Database (v1 `db`, v2 `bucket`); empty adds no label. */
  db: string;
  precision: Precision;
  /** Timestamp for lines without one. */
  now: number;
}

export class InfluxIngester {
  readonly #cache = new RefCache();
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
      const prefix = db === '' ? '\xff' : `${db}\xff`;
      const commitEvery = this.#commitEvery();
      let strings = 0;
      for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
        if (k === LineKind.Error) {
          lineError(p.line, p.error);
          batch.receivedAndRejected(`line ${p.line}: ${p.error}`, 1);
          continue;
        }
        const t = Number.isNaN(p.timestampMs) ? now : p.timestampMs;
        const base = prefix + p.seriesKey + '\xff';
        for (let f = 0; f < p.fieldCount; f++) {
          if (p.fieldTypes[f] === FieldType.String) {
            strings++;
            continue;
          }
          const ok = appendCached(batch, this.#cache, base + p.fieldKeys[f], () => influxLabels(p, f, db), t, p.fieldValues[f]);
          if (!ok && batch.wantsAnnotation) batch.annotateLast(`line ${p.line}, series ${influxLabels(p, f, db).toString()}`);
          if (batch.pending >= commitEvery) await batch.commit();
        }
      }
      if (strings > 0) this.#stringFields.inc(strings);
    } finally {
      this.#parsers.push(p);
    }
  }
}

/** The labels of field `f` of the parser's current row. */
export function influxLabels(p: LineProtocolParser, f: number, db: string): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) b.set(p.tags[2 * i], p.tags[2 * i + 1]);
  if (db !== '' && b.get('db') === '') b.set('db', db);
  b.set(METRIC_NAME, `${p.measurement}_${p.fieldKeys[f]}`);
  return b.labels();
}
