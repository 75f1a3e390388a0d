/**
 * OpenTSDB → samples, as VictoriaMetrics maps it: the metric name as is
 * (`__name__="sys.cpu.user"`), each tag a label.
 */
import { Labels, LabelsBuilder, METRIC_NAME } from '../../model/labels.js';
import type { IngestBatch } from '../common/index.js';
import { appendCached, futureError, MAX_FUTURE_MS, RefCache, type LineErrorSink, type LineIngester } from '../net/writer.js';
import { LineKind, TelnetParser } from './parser.js';

export class TelnetIngester implements LineIngester {
  readonly #cache = new RefCache();
  readonly #parsers: TelnetParser[] = [];

  constructor(
    readonly commitEvery: () => number,
    readonly now: () => number,
  ) {}

  async ingest(text: string, firstLine: number, batch: IngestBatch, lineError: LineErrorSink): Promise<void> {
    const p = this.#parsers.pop() ?? new TelnetParser();
    try {
      p.reset(text, firstLine);
      const commitEvery = this.commitEvery();
      const now = this.now();
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
        const ok = appendCached(batch, this.#cache, p.seriesKey, () => telnetLabels(p), p.timestampMs, p.value);
        if (!ok && batch.wantsAnnotation) batch.annotateLast(`line ${p.line}, series ${p.seriesKey}`);
        if (batch.pending >= commitEvery) await batch.commit();
      }
    } finally {
      this.#parsers.push(p);
    }
  }
}

function telnetLabels(p: TelnetParser): Labels {
  const b = new LabelsBuilder();
  for (let i = 0; i < p.tagCount; i++) b.set(p.tags[2 * i], p.tags[2 * i + 1]);
  b.set(METRIC_NAME, p.metric);
  return b.labels();
}

export function dataPointLabels(metric: string, tags: Record<string, string>): Labels {
  const b = new LabelsBuilder();
  for (const k of Object.keys(tags)) b.set(k, tags[k]);
  b.set(METRIC_NAME, metric);
  return b.labels();
}
