/**
 * Graphite plaintext → samples, as VictoriaMetrics maps it: the dotted path
 * is the metric name as is (`__name__="servers.web1.cpu.user"`), each
 * `;tag=value` a label. A tag named `name` is dropped (in Graphite it is the
 * path itself). Timestamps are seconds; `-1` or none means the time the
 * lines arrived.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { IngestBatch } from '../common/index.js';
import { appendCached, RefCache, type LineErrorSink, type LineIngester } from '../net/writer.js';
import { GraphiteParser, LineKind } from './parser.js';

export class GraphiteIngester implements LineIngester {
  readonly #cache = new RefCache();
  readonly #parsers: GraphiteParser[] = [];

  constructor(
    readonly now: () => number,
    readonly commitEvery: () => number,
  ) {}

  async ingest(text: string, firstLine: number, batch: IngestBatch, lineError: LineErrorSink): Promise<void> {
    const p = this.#parsers.pop() ?? new GraphiteParser();
    try {
      p.reset(text, this.now(), firstLine);
      const commitEvery = this.commitEvery();
      for (let k = p.next(); k !== LineKind.EOF; k = p.next()) {
        if (k === LineKind.Error) {
          lineError(p.line, p.error);
          batch.receivedAndRejected(`line ${p.line}: ${p.error}`, 1);
          continue;
        }
        const ok = appendCached(batch, this.#cache, p.seriesKey, () => graphiteLabels(p), p.timestampMs, p.value);
        if (!ok && batch.wantsAnnotation) batch.annotateLast(`line ${p.line}, series ${p.seriesKey}`);
        if (batch.pending >= commitEvery) await batch.commit();
      }
    } finally {
      this.#parsers.push(p);
    }
  }
}

export function graphiteLabels(p: GraphiteParser): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) if (p.tags[2 * i] !== 'name') b.set(p.tags[2 * i], p.tags[2 * i + 1]);
  b.set(METRIC_NAME, p.path);
  return b.labels();
}
