/**
 * Imports:
 *
 * - `POST /api/v1/import/prometheus`: the Prometheus text format, as
 *   VictoriaMetrics's endpoint of the same name. Optional millisecond
 *   timestamps; samples without one get the time the request arrived.
 * - `POST /api/v1/import`: JSON lines as `/api/v1/export` writes them
 *   (see jsonline.ts).
 *
 * Both take `extra_label=name=value` (repeatable; overrides a label of the
 * same name) and gzip/deflate bodies (`Content-Encoding`). The body is
 * streamed and committed in batches, so memory stays bounded whatever its
 * size (up to `--web.max-body-size`). Samples older than the out-of-order
 * window are appended too (backfill); the storage decides.
 *
 * A bad line does not fail the body: the good lines are committed and the
 * response is 400 bad_data naming each bad line (the first 100) and its
 * problem, with how many samples were accepted and rejected:
 *
 * ```json
 * {"status":"error","errorType":"bad_data","error":"1 of 3 samples rejected: line 2: expected equal, got \"}\"",
 *  "data":{"samplesAccepted":2,"samplesRejected":1,"errors":[{"line":2,"error":"expected equal, got \"}\""}]}}
 * ```
 *
 * Without bad lines: 200 with `{"status":"success","data":{"samplesAccepted":3,"samplesRejected":0}}`.
 */
import { isLegacyMetricName, Labels, LabelsBuilder } from '../model/labels.js';
import type { Counter } from '../metrics/registry.js';
import { StorageError } from '../storage/errors.js';
import type { Appender, SeriesRef, Storage } from '../storage/interface.js';
import { Entry, ParseError, PromParser } from '../textparse/index.js';
import { bodyChunks, lines } from './body.js';
import { requireStorage, type ApiOptions } from './context.js';
import { sendSuccess } from './envelope.js';
import { ApiError, badData, toApiError } from './errors.js';
import { parseJsonLine } from './jsonline.js';
import { Params } from './params.js';
import type { RequestContext } from './router.js';

/** How many bad lines a response lists (all are counted). */
const MAX_LISTED_ERRORS = 100;
/** How many bad lines the `error` message names. */
const MAX_ERRORS_IN_MESSAGE = 10;
/** Text bodies are parsed in pieces of about this many bytes, cut at line ends. */
const TEXT_PIECE_BYTES = 1 << 20;
/** Cached series refs per request; the cache is dropped when it grows past this. */
const MAX_CACHED_REFS = 100_000;

export interface LineError {
  line: number;
  error: string;
}

export interface ImportResult {
  samplesAccepted: number;
  samplesRejected: number;
  errors?: LineError[];
  /** Bad lines beyond the listed ones. */
  errorsOmitted?: number;
}

export interface ImportMetrics {
  accepted: Counter;
  rejected: Counter;
}

export function declareImportMetrics(opts: ApiOptions): ImportMetrics {
  return {
    accepted: opts.registry.counter({
      name: 'vigil_import_samples_accepted_total',
      help: 'Samples committed through the import endpoints, by format.',
      labelNames: ['format'],
    }),
    rejected: opts.registry.counter({
      name: 'vigil_import_samples_rejected_total',
      help: 'Samples (or lines) rejected by the import endpoints, by format.',
      labelNames: ['format'],
    }),
  };
}

/** Appends samples, committing every `batchSize`, and keeps the per-line accounting. */
export class ImportBatch {
  #app: Appender | undefined;
  #pending = 0;
  #accepted = 0;
  #rejected = 0;
  #errors: LineError[] = [];
  #badLines = 0;
  #refs = new Map<string, SeriesRef>();

  constructor(
    readonly storage: Storage,
    readonly batchSize: number,
  ) {}

  /**
   * Appends one sample. `key` caches the series ref (e.g. the series text as
   * written; copied when cached, so it may be a slice of a large string);
   * `labels` is called only when the ref is not known. Storage errors about
   * the sample, and parse errors from `labels`, are recorded against `line`;
   * others are thrown.
   */
  append(key: string, labels: () => Labels, t: number, v: number, line: number): void {
    this.#app ??= this.storage.appender({ allowBackfill: true });
    const cached = this.#refs.get(key);
    try {
      let ref: SeriesRef;
      try {
        ref = this.#app.append(cached ?? 0, cached === undefined ? labels() : undefined, t, v);
      } catch (err) {
        // A series can disappear from the head between batches: look it up by labels again.
        if (!(err instanceof StorageError && err.code === 'unknown_series_ref' && cached !== undefined)) throw err;
        ref = this.#app.append(0, labels(), t, v);
      }
      if (cached === undefined) {
        if (this.#refs.size >= MAX_CACHED_REFS) this.#refs.clear();
        this.#refs.set(Buffer.from(key).toString(), ref);
      }
      this.#pending++;
    } catch (err) {
      if (err instanceof ParseError) this.reject(line, err.reason);
      else if (err instanceof StorageError && err.code !== 'closed' && err.code !== 'wal_write_failed') this.reject(line, err.message);
      else throw err;
    }
  }

  /** Records a rejected sample (or unparsable line); a line is listed once. */
  reject(line: number, error: string): void {
    this.#rejected++;
    const last = this.#errors[this.#errors.length - 1];
    if (last !== undefined && last.line === line) return;
    this.#badLines++;
    if (this.#errors.length < MAX_LISTED_ERRORS) this.#errors.push({ line, error });
  }

  /** Commits when a batch is full. */
  async maybeCommit(): Promise<void> {
    if (this.#pending >= this.batchSize) await this.commit();
  }

  async commit(): Promise<void> {
    const app = this.#app;
    if (app === undefined) return;
    this.#app = undefined;
    const n = this.#pending;
    this.#pending = 0;
    if (n === 0) {
      app.rollback();
      return;
    }
    try {
      await app.commit();
    } catch (err) {
      // The batch is lost; say so in the counts of the error response.
      this.#rejected += n;
      throw err;
    }
    this.#accepted += n;
  }

  rollback(): void {
    this.#app?.rollback();
    this.#app = undefined;
    this.#rejected += this.#pending;
    this.#pending = 0;
  }

  result(): ImportResult {
    const r: ImportResult = { samplesAccepted: this.#accepted, samplesRejected: this.#rejected };
    if (this.#errors.length > 0) r.errors = this.#errors;
    if (this.#badLines > this.#errors.length) r.errorsOmitted = this.#badLines - this.#errors.length;
    return r;
  }
}

/** `extra_label=name=value` parameters. */
function extraLabels(params: Params): [string, string][] {
  return params.getAll('extra_label').map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw badData(`invalid parameter "extra_label": ${JSON.stringify(s)} is not name=value`);
    return [s.slice(0, eq), s.slice(eq + 1)];
  });
}

function withExtra(ls: Labels, extra: [string, string][]): Labels {
  if (extra.length === 0) return ls;
  const b = new LabelsBuilder(ls);
  for (const [n, v] of extra) b.set(n, v);
  return b.labels();
}

type Feed = (batch: ImportBatch, chunks: AsyncIterable<Buffer>, extra: [string, string][], now: number) => Promise<void>;

function importHandler(opts: ApiOptions, metrics: ImportMetrics, format: string, feed: Feed) {
  const accepted = metrics.accepted.labels(format);
  const rejected = metrics.rejected.labels(format);
  const now = opts.now ?? Date.now;
  return async ({ req, res, url }: RequestContext): Promise<void> => {
    const params = new Params(url.searchParams);
    const extra = extraLabels(params);
    const storage = requireStorage(opts);
    const batch = new ImportBatch(storage, opts.importBatchSize ?? 10_000);
    const started = now();
    try {
      await feed(batch, bodyChunks(req, opts.maxBodyBytes), extra, started);
      await batch.commit();
    } catch (err) {
      batch.rollback();
      const r = batch.result();
      accepted.inc(r.samplesAccepted);
      rejected.inc(r.samplesRejected);
      const e = toApiError(err);
      throw new ApiError(e.kind, `${e.message} (${r.samplesAccepted} samples were committed before)`, r);
    }
    const r = batch.result();
    accepted.inc(r.samplesAccepted);
    rejected.inc(r.samplesRejected);
    if (r.samplesRejected > 0) {
      const named = (r.errors ?? []).slice(0, MAX_ERRORS_IN_MESSAGE).map((e) => `line ${e.line}: ${e.error}`);
      const more = (r.errors?.length ?? 0) + (r.errorsOmitted ?? 0) - named.length;
      const total = r.samplesAccepted + r.samplesRejected;
      throw badData(`${r.samplesRejected} of ${total} samples rejected: ${named.join('; ')}${more > 0 ? `; and ${more} more bad lines` : ''}`, r);
    }
    sendSuccess(res, r);
  };
}

export function importJsonHandler(opts: ApiOptions, metrics: ImportMetrics) {
  return importHandler(opts, metrics, 'json', async (batch, chunks, extra) => {
    for await (const [n, text] of lines(chunks)) {
      if (text === undefined) {
        batch.reject(n, 'invalid UTF-8');
        continue;
      }
      if (text.trim() === '') continue;
      let row;
      try {
        row = parseJsonLine(text);
      } catch (err) {
        batch.reject(n, (err as Error).message);
        continue;
      }
      const ls = withExtra(row.labels, extra);
      const key = ls.key();
      const labels = () => ls;
      for (let i = 0; i < row.values.length; i++) batch.append(key, labels, row.timestamps[i], row.values[i], n);
      await batch.maybeCommit();
    }
  });
}

export function importPrometheusHandler(opts: ApiOptions, metrics: ImportMetrics) {
  return importHandler(opts, metrics, 'prometheus', async (batch, chunks, extra, now) => {
    const feeder = new TextFeeder(batch, extra, now);
    let pending: Buffer[] = [];
    let size = 0;
    for await (const chunk of chunks) {
      pending.push(chunk);
      size += chunk.length;
      if (size < TEXT_PIECE_BYTES) continue;
      const buf = Buffer.concat(pending);
      const cut = buf.lastIndexOf(10) + 1;
      if (cut === 0) {
        pending = [buf];
        continue;
      }
      await feeder.feed(buf.subarray(0, cut));
      const rest = buf.subarray(cut);
      pending = rest.length > 0 ? [rest] : [];
      size = rest.length;
    }
    if (size > 0) await feeder.feed(Buffer.concat(pending));
  });
}

/**
 * Feeds pieces of a text body (each ending at a line end) through the pull
 * parser. The family type of the previous piece is carried over by
 * prefixing its `# TYPE` line, so `le`/`quantile` normalization holds across
 * pieces; line numbers are counted for the whole body.
 */
class TextFeeder {
  #lineOffset = 0;
  #typeLine: string | undefined;

  constructor(
    readonly batch: ImportBatch,
    readonly extra: [string, string][],
    readonly now: number,
  ) {}

  async feed(piece: Buffer): Promise<void> {
    const prefixLines = this.#typeLine === undefined ? 0 : 1;
    const body = this.#typeLine === undefined ? piece : Buffer.concat([Buffer.from(this.#typeLine), piece]);
    const p = new PromParser(body);
    const base = this.#lineOffset - prefixLines;
    const labels = this.extra.length === 0 ? () => p.labels() : () => withExtra(p.labels(), this.extra);
    for (;;) {
      let e: Entry;
      try {
        e = p.next();
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        this.batch.reject(base + err.line, err.reason);
        continue;
      }
      if (e === Entry.EOF) break;
      if (e === Entry.Type) {
        this.#typeLine = typeLine(p.metricName(), p.type());
        continue;
      }
      if (e !== Entry.Sample) continue;
      // The series text as written is the cache key: a cached series skips building its labels.
      this.batch.append(p.seriesText(), labels, p.timestamp ?? this.now, p.value, base + p.line);
      await this.batch.maybeCommit();
    }
    this.#lineOffset += countLines(piece);
  }
}

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  if (b.length > 0 && b[b.length - 1] !== 10) n++;
  return n;
}

function typeLine(name: string, type: string): string {
  const written = isLegacyMetricName(name) ? name : `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  return `# TYPE ${written} ${type === 'unknown' ? 'untyped' : type}\n`;
}
