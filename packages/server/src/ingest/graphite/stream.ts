/**
 * Graphite plaintext → samples, as VictoriaMetrics maps it: the dotted path
 * is the metric name as is (`__name__="servers.web1.cpu.user"`), each
 * `;tag=value` a label (a tag named `name` is dropped: in Graphite it is the
 * path itself). Timestamps are seconds; `-1` or none means the time the
 * lines arrived. Series refs are cached by the series text as written,
 * found by the parser's hash and compared in place.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import { NEED_LABELS, type IngestBatch } from '../common/index.js';
import { futureError, MAX_FUTURE_MS, type LineErrorSink, type LineIngester } from '../net/writer.js';
import { GraphiteParser, LineKind } from './parser.js';

interface Entry {
  key: string;
  ref: number;
  next: Entry | undefined;
}

const MAX_CACHED_SERIES = 200_000;

export class GraphiteIngester implements LineIngester {
  readonly #cache = new Map<number, Entry>();
  #cached = 0;
  readonly #parsers: GraphiteParser[] = [];

  constructor(
    readonly now: () => number,
    readonly commitEvery: () => number,
  ) {}

  async ingest(text: string, firstLine: number, batch: IngestBatch, lineError: LineErrorSink): Promise<void> {
    const p = this.#parsers.pop() ?? new GraphiteParser();
    try {
      const now = this.now();
      p.reset(text, now, firstLine);
      const commitEvery = this.commitEvery();
      for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
        if (k === LineKind.Error) {
          lineError(p.line, p.error);
          batch.receivedAndRejected(`line ${p.line}: ${p.error}`, 1);
          continue;
        }
        if (p.timestampMs > now + MAX_FUTURE_MS) {
          batch.receivedAndRejected(`line ${p.line}: ${futureError(p.timestampMs, now)}`, 1);
          continue;
        }
        const e = this.#entry(p);
        let ref = e.ref === 0 ? batch.append(0, graphiteLabels(p), p.timestampMs, p.value) : batch.append(e.ref, undefined, p.timestampMs, p.value);
        if (ref === NEED_LABELS) ref = batch.append(0, graphiteLabels(p), p.timestampMs, p.value);
        if (ref > 0) e.ref = ref;
        else if (batch.wantsAnnotation) batch.annotateLast(`line ${p.line}, series ${p.seriesKey()}`);
        if (batch.pending >= commitEvery) await batch.commit();
      }
    } finally {
      this.#parsers.push(p);
    }
  }

  #entry(p: GraphiteParser): Entry {
    const h = p.seriesHash;
    for (let e = this.#cache.get(h); e !== undefined; e = e.next) if (p.seriesIs(e.key)) return e;
    if (this.#cached >= MAX_CACHED_SERIES) {
      this.#cache.clear();
      this.#cached = 0;
    }
    const e: Entry = { key: Buffer.from(p.seriesKey()).toString(), ref: 0, next: this.#cache.get(h) };
    this.#cache.set(h, e);
    this.#cached++;
    return e;
  }
}

export function graphiteLabels(p: GraphiteParser): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) {
    const name = p.tagName(i);
    if (name !== 'name') b.set(name, p.tagValue(i));
  }
  b.set(METRIC_NAME, p.path());
  return b.labels();
}
