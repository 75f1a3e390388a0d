/**
 * Influx line protocol → samples, the mapping VictoriaMetrics uses: each
 * numeric field of a line is one sample of the series
 * `<measurement>_<field>{<tags>}`, plus `db="<database>"` when the request
 * names a database (`db`, or `bucket` for /api/v2/write) and the line has
 * no `db` tag of its own. Booleans are 1 and 0; integers and unsigned
 * integers become float64 (exact up to 2^53). String fields are not
 * numeric samples: they are skipped and counted (`counts.strings`, exposed
 * as `vigil_ingest_influx_string_fields_skipped_total`). A line without a
 * timestamp gets the time the request (or packet batch) arrived; one more
 * than a day ahead of the server's clock is rejected (`MAX_FUTURE_MS`).
 *
 * This is the parse step (it runs in a parse worker, or inline): text →
 * `ParsedSamples`. Series are found by the series text as written
 * (measurement and tags) through the parser's hash and compared in place,
 * then by field key: a known series costs no string and no label set.
 */
import { LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { ParsedBuilder, SeriesIds } from '../common/parsed.js';
import { futureError, MAX_FUTURE_MS } from '../net/writer.js';
import { FieldType, LineKind, LineProtocolParser, type Precision } from './parser.js';

export interface InfluxParseArgs {
  /** Database (v1 `db`, v2 `bucket`); empty adds no label. */
  db: string;
  precision: Precision;
  /** Timestamp for lines without one. */
  now: number;
  /** Number of the text's first line (for bodies parsed in blocks). */
  firstLine: number;
}

/** One series text (per database) and the ids of its fields. */
interface SeriesEntry {
  db: string;
  key: string;
  /** Field keys as written, and their series ids. */
  fields: string[];
  ids: number[];
  next: SeriesEntry | undefined;
}

export class InfluxParse {
  readonly #cache = new Map<number, SeriesEntry>();
  readonly #p = new LineProtocolParser();
  readonly #ids: SeriesIds;

  constructor(ids: SeriesIds) {
    this.#ids = ids;
  }

  run(body: Uint8Array | string, args: InfluxParseArgs, out: ParsedBuilder): void {
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    if (this.#ids.begin(out)) this.#cache.clear();
    const p = this.#p;
    p.reset(text, args.precision, args.firstLine);
    const { db, now } = args;
    let strings = 0;
    for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
      if (k === LineKind.Error) {
        out.reject(`line ${p.line}: ${p.error}`, 1, p.line);
        continue;
      }
      const t = Number.isNaN(p.timestampMs) ? now : p.timestampMs;
      if (t > now + MAX_FUTURE_MS) {
        out.reject(`line ${p.line}: ${futureError(t, now)}`, p.fieldCount);
        continue;
      }
      const e = this.#entry(p, db);
      for (let f = 0; f < p.fieldCount; f++) {
        if (p.fieldTypes[f] === FieldType.String) {
          strings++;
          continue;
        }
        let id = 0;
        const fields = e.fields;
        for (let j = 0; j < fields.length; j++) {
          if (p.fieldKeyIs(f, fields[j])) {
            id = e.ids[j];
            break;
          }
        }
        if (id === 0) {
          id = this.#ids.alloc(influxLabels(p, f, db), out);
          fields.push(Buffer.from(p.rawFieldKey(f)).toString());
          e.ids.push(id);
        }
        out.add(id, t, p.fieldValues[f], p.line);
      }
    }
    out.count('strings', strings);
    // The text is the caller's: drop the parser's reference to it.
    p.reset('');
  }

  /** The cache entry of the parser's current series (created when new). */
  #entry(p: LineProtocolParser, db: string): SeriesEntry {
    const h = p.seriesHash;
    const head = this.#cache.get(h);
    for (let e = head; e !== undefined; e = e.next) if (e.db === db && p.seriesIs(e.key)) return e;
    // A copy, so the cache does not keep the request text alive.
    const key = Buffer.from(p.seriesKey()).toString();
    const e: SeriesEntry = { db, key, fields: [], ids: [], next: head };
    this.#cache.set(h, e);
    return e;
  }
}

/** The label pairs (sorted) of field `f` of the parser's current row. */
export function influxLabels(p: LineProtocolParser, f: number, db: string): string[] {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) b.set(p.tagKey(i), p.tagValue(i));
  if (db !== '' && b.get('db') === '') b.set('db', db);
  b.set(METRIC_NAME, `${p.measurement()}_${p.fieldKey(f)}`);
  return b.labels().pairs as string[];
}
