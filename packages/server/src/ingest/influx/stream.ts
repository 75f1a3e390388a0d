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
 * `ParsedSamples`. Series are found by the series bytes as written
 * (measurement and tags) through the parser's hash and compared in place,
 * then by field key: a known series costs no string and no label set, and
 * (this class being the parser's `KnownSeries`) its tags are not even split.
 */
import { LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { ParsedBuilder, SeriesIds } from '../common/parsed.js';
import { futureError, MAX_FUTURE_MS } from '../net/writer.js';
import { FieldType, LineKind, LineProtocolParser, type KnownSeries, type Precision } from './parser.js';

export interface InfluxParseArgs {
  /** Database (v1 `db`, v2 `bucket`); empty adds no label. */
  db: string;
  precision: Precision;
  /** Timestamp for lines without one. */
  now: number;
  /** Number of the text's first line (for bodies parsed in blocks). */
  firstLine: number;
}

/**
 * The series met so far, per database, by series bytes as written, each
 * with its fields' keys and series ids. Everything lives in typed arrays:
 * an open-addressing table of (hash, entry) pairs, fixed-size entry and
 * field records, and one word arena holding every key's bytes (a series'
 * key and then its first field's, next to each other). A lookup thus reads
 * a handful of cache lines and follows no object pointer, where a Map of
 * entry objects holding key objects cost several dependent cache misses
 * per line once the series outnumber the CPU cache. Keys are copies: the
 * cache never keeps a request body alive.
 */
class SeriesCache {
  /** Per slot: hash, entry index + 1 (0: empty). Linear probing; at most half full. */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  /** Per entry (`ENTRY` ints): database number, key word offset, key length, first field record + 1 (0: none). */
  #entries = new Int32Array(ENTRY * 512);
  #count = 0;
  /** Per field record (`FIELD` ints): key word offset, key length, series id, next field record + 1 (0: none). */
  #fields = new Int32Array(FIELD * 512);
  #fieldCount = 0;
  /** The key bytes, as `LineProtocolParser.copySeries` writes them. */
  #words = new Int32Array(16 * 1024);
  #used = 0;

  clear(): void {
    this.#slots.fill(0);
    this.#count = 0;
    this.#fieldCount = 0;
    this.#used = 0;
  }

  get size(): number {
    return this.#count;
  }

  /**
   * The parser's next line, if it is a plain row of entry `e` (< `size`) in
   * database `db` (see `LineProtocolParser.nextRowOf`).
   */
  nextRowOf(e: number, p: LineProtocolParser, db: number): boolean {
    const entries = this.#entries;
    return entries[e * ENTRY] === db && p.nextRowOf(this.#words, entries[e * ENTRY + 1], entries[e * ENTRY + 2]);
  }

  /** Whether entry `e` (< `size`) is the parser's current series in database `db`. */
  is(e: number, p: LineProtocolParser, db: number): boolean {
    const entries = this.#entries;
    return entries[e * ENTRY] === db && p.seriesEquals(this.#words, entries[e * ENTRY + 1], entries[e * ENTRY + 2]);
  }

  /** The entry of the parser's current series in database `db`, or -1. */
  find(p: LineProtocolParser, db: number): number {
    const h = p.seriesHash;
    const slots = this.#slots;
    const entries = this.#entries;
    const mask = this.#mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = slots[2 * s + 1] - 1;
      if (e < 0) return -1;
      if (slots[2 * s] === h && entries[e * ENTRY] === db && p.seriesEquals(this.#words, entries[e * ENTRY + 1], entries[e * ENTRY + 2])) return e;
    }
  }

  /** A new entry for the parser's current series (not in the cache) in database `db`. */
  add(p: LineProtocolParser, db: number): number {
    if (2 * (this.#count + 1) > this.#mask + 1) this.#growSlots();
    const e = this.#count++;
    if (e * ENTRY === this.#entries.length) this.#entries = grown(this.#entries);
    const length = p.seriesEnd - p.seriesStart;
    const at = this.#reserve(length);
    p.copySeries(this.#words, at);
    const entries = this.#entries;
    entries[e * ENTRY] = db;
    entries[e * ENTRY + 1] = at;
    entries[e * ENTRY + 2] = length;
    entries[e * ENTRY + 3] = 0;
    this.#insert(p.seriesHash, e);
    return e;
  }

  /** The series id of field `f` of the parser's current row in entry `e`, 0 when not known yet. */
  fieldId(e: number, p: LineProtocolParser, f: number): number {
    const fields = this.#fields;
    const words = this.#words;
    for (let r = this.#entries[e * ENTRY + 3] - 1; r >= 0; r = fields[r * FIELD + 3] - 1) {
      if (p.fieldKeyEquals(f, words, fields[r * FIELD], fields[r * FIELD + 1])) return fields[r * FIELD + 2];
    }
    return 0;
  }

  /** Records `id` for field `f` of the parser's current row in entry `e` (first in its list: a new field is likely the next one asked for). */
  addField(e: number, p: LineProtocolParser, f: number, id: number): void {
    const r = this.#fieldCount++;
    if (r * FIELD === this.#fields.length) this.#fields = grown(this.#fields);
    const length = p.fieldKeyLength(f);
    const at = this.#reserve(length);
    p.copyFieldKey(f, this.#words, at);
    const fields = this.#fields;
    fields[r * FIELD] = at;
    fields[r * FIELD + 1] = length;
    fields[r * FIELD + 2] = id;
    fields[r * FIELD + 3] = this.#entries[e * ENTRY + 3];
    this.#entries[e * ENTRY + 3] = r + 1;
  }

  /** Word offset of room for `length` bytes in the arena. */
  #reserve(length: number): number {
    const at = this.#used;
    const n = (length + 3) >> 2;
    while (at + n > this.#words.length) this.#words = grown(this.#words);
    this.#used = at + n;
    return at;
  }

  #insert(h: number, e: number): void {
    const slots = this.#slots;
    const mask = this.#mask;
    let s = h & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = h;
    slots[2 * s + 1] = e + 1;
  }

  #growSlots(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#mask = this.#mask * 2 + 1;
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.#insert(old[s], old[s + 1] - 1);
  }
}

const ENTRY = 4;
const FIELD = 4;

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

const EMPTY = new Uint8Array(0);

export class InfluxParse implements KnownSeries {
  readonly #cache = new SeriesCache();
  readonly #p = new LineProtocolParser();
  readonly #ids: SeriesIds;
  /** Databases by number (the cache's entries hold the number). */
  readonly #dbs = new Map<string, number>();
  /** The database number of the parse under way. */
  #db = 0;
  /** The entry `isKnown` found for the parser's current row (valid while `p.seriesKnown`), or the one last added. */
  #hit = -1;

  constructor(ids: SeriesIds) {
    this.#ids = ids;
  }

  run(body: Uint8Array | string, args: InfluxParseArgs, out: ParsedBuilder): void {
    if (this.#ids.begin(out)) {
      this.#cache.clear();
      this.#dbs.clear();
    }
    const p = this.#p;
    const cache = this.#cache;
    const { db, now } = args;
    let dbNumber = this.#dbs.get(db);
    if (dbNumber === undefined) this.#dbs.set(db, (dbNumber = this.#dbs.size));
    this.#db = dbNumber;
    p.reset(body, args.precision, args.firstLine, this);
    let strings = 0;
    for (;;) {
      // Most lines are a series met before, in the order it was met, with plain fields: one pass reads those.
      const guess = this.#hit + 1;
      let k = LineKind.Row;
      if (guess < cache.size && cache.nextRowOf(guess, p, dbNumber)) this.#hit = guess;
      else if ((k = p.next()) === LineKind.EOF) break;
      if (k === LineKind.Error) {
        out.reject(`line ${p.line}: ${p.error}`, 1, p.line);
        continue;
      }
      const t = Number.isNaN(p.timestampMs) ? now : p.timestampMs;
      if (t > now + MAX_FUTURE_MS) {
        out.reject(`line ${p.line}: ${futureError(t, now)}`, p.fieldCount);
        continue;
      }
      const e = p.seriesKnown ? this.#hit : (this.#hit = cache.add(p, dbNumber));
      for (let f = 0; f < p.fieldCount; f++) {
        if (p.fieldTypes[f] === FieldType.String) {
          strings++;
          continue;
        }
        let id = cache.fieldId(e, p, f);
        if (id === 0) {
          id = this.#ids.alloc(influxLabels(p, f, db), out);
          cache.addField(e, p, f, id);
        }
        out.add(id, t, p.fieldValues[f], p.line);
      }
    }
    out.count('strings', strings);
    // The body is the caller's: drop the parser's reference to it.
    p.reset(EMPTY);
  }

  /**
   * For the parser (`KnownSeries`): whether the current row's series bytes
   * are cached for this database. Senders tend to repeat their series in
   * the same order every interval, and entries are numbered in the order
   * series were first met, so the entry after the previous row's is tried
   * first: a hit there touches memory next to the last one instead of a
   * random slot of the table.
   */
  isKnown(p: LineProtocolParser): boolean {
    const cache = this.#cache;
    const next = this.#hit + 1;
    if (next < cache.size && cache.is(next, p, this.#db)) {
      this.#hit = next;
      return true;
    }
    const e = cache.find(p, this.#db);
    if (e < 0) return false;
    this.#hit = e;
    return true;
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
