/**
 * Per-query state shared by every evaluator of one query (subqueries run in
 * child evaluators with their own step grid): limits, cancellation,
 * annotations, the queriers opened, and sample accounting.
 */
import type { Matcher } from '../../model/matcher.js';
import type { Querier, Queryable, Series } from '../../storage/interface.js';
import type { PositionRange } from '../parser/index.js';
import { QueryError, queryCanceled, queryTimeout, tooManySamples } from './errors.js';
import type { EngineSettings } from './index.js';
import type { Annotation } from './result.js';

/** How long evaluation may run before yielding to the event loop. */
const YIELD_EVERY_MS = 10;

export class QueryContext {
  readonly settings: Readonly<EngineSettings>;
  readonly query: string;
  readonly lookback: number;
  /** The query's own start, end and step (what `@ start()`, `step()` ... refer to). */
  readonly queryStart: number;
  readonly queryEnd: number;
  readonly queryStep: number;
  readonly warnings: Annotation[] = [];
  readonly infos: Annotation[] = [];
  #seen = new Set<string>();
  #queryable: Queryable;
  #queriers: Querier[] = [];
  #deadline: number;
  #signal: AbortSignal | undefined;
  #lastYield = performance.now();

  currentSamples = 0;
  peakSamples = 0;
  totalSamples = 0;

  constructor(o: {
    settings: Readonly<EngineSettings>;
    queryable: Queryable;
    query: string;
    lookback: number;
    start: number;
    end: number;
    step: number;
    deadline: number;
    signal: AbortSignal | undefined;
  }) {
    this.settings = o.settings;
    this.#queryable = o.queryable;
    this.query = o.query;
    this.lookback = o.lookback;
    this.queryStart = o.start;
    this.queryEnd = o.end;
    this.queryStep = o.step;
    this.#deadline = o.deadline;
    this.#signal = o.signal;
  }

  /** Throws when the query is canceled or past its deadline; yields to the event loop every few ms. */
  async checkpoint(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastYield >= YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#lastYield = performance.now();
    }
    this.checkNow();
  }

  checkNow(): void {
    if (this.#signal?.aborted) throw queryCanceled('query execution');
    if (Date.now() > this.#deadline) throw queryTimeout('query execution');
  }

  /** Series matching `matchers` with samples in [mint, maxt]; with `newestOnly`, only the newest sample of each is needed (SelectHints). */
  select(matchers: readonly Matcher[], mint: number, maxt: number, newestOnly = false): Series[] {
    let q: Querier;
    try {
      q = this.#queryable.querier(mint, maxt);
      this.#queriers.push(q);
      return q.select({ start: mint, end: maxt, newestOnly }, matchers);
    } catch (e) {
      if (e instanceof QueryError) throw e;
      throw new QueryError('internal', `expanding series: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  close(): void {
    for (const q of this.#queriers) q.close();
    this.#queriers = [];
  }

  addSamples(n: number): void {
    this.currentSamples += n;
    if (this.currentSamples > this.peakSamples) this.peakSamples = this.currentSamples;
    if (this.currentSamples > this.settings.maxSamples) throw tooManySamples();
  }

  /** The sample accounting now, to go back to with restoreSamples (a streamed evaluation that starts over). */
  sampleState(): { current: number; peak: number; total: number } {
    return { current: this.currentSamples, peak: this.peakSamples, total: this.totalSamples };
  }

  restoreSamples(s: { current: number; peak: number; total: number }): void {
    this.currentSamples = s.current;
    this.peakSamples = s.peak;
    this.totalSamples = s.total;
  }

  /** Sets the samples held (after a node's inputs are released), checking the limit. */
  setSamples(n: number): void {
    this.currentSamples = n;
    if (n > this.peakSamples) this.peakSamples = n;
    if (n > this.settings.maxSamples) throw tooManySamples();
  }

  warn(message: string, position?: PositionRange): void {
    this.#annotate(this.warnings, message, position);
  }

  info(message: string, position?: PositionRange): void {
    this.#annotate(this.infos, message, position);
  }

  #annotate(list: Annotation[], message: string, position: PositionRange | undefined): void {
    const text = position && this.query !== '' ? `${message} (${lineColumn(this.query, position.start)})` : message;
    if (this.#seen.has(text)) return;
    this.#seen.add(text);
    list.push({ message: text, position });
  }
}

function lineColumn(input: string, pos: number): string {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos && i < input.length; i++) {
    if (input.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${pos - lastBreak}`;
}
