/**
 * The pull-parser contract shared by the Prometheus text format and
 * OpenMetrics parsers (implemented on top of `BaseParser` in base.ts).
 */
import type { Labels } from '../model/labels.js';

/** What `next()` found. Numbers, so the scrape loop compares ints. */
export const enum Entry {
  EOF = 0,
  Sample = 1,
  Type = 2,
  Help = 3,
  Unit = 4,
  Comment = 5,
  /** An OpenMetrics `_created` line of a counter, histogram or summary. */
  Created = 6,
}

/** Metric family types; the text format's `untyped` is reported as `unknown`, as Prometheus does. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

/**
 * A pull parser over one exposition body.
 *
 * Lifetimes: everything an accessor returns describes the entry the last
 * `next()` returned and is invalid after the following `next()`; in
 * particular `labelPairs()` returns an array the parser reuses. Strings and
 * `Labels` it returns are the caller's to keep.
 *
 * Errors: `next()` (and `labels()`, which finds duplicate label names)
 * throw a `ParseError` with line and column; the parser has then already
 * moved to the start of the next line, so calling `next()` again resumes
 * there. Every call of `next()` consumes at least one line or returns `EOF`,
 * and `EOF` is sticky.
 */
export interface Parser {
  next(): Entry;
  /** 1-based line of the current entry. */
  readonly line: number;
  /** Sample/Created: the metric name; Type/Help/Unit: the family name. */
  metricName(): string;
  /**
   * Sample/Created: the series exactly as written (name and label block, e.g.
   * `foo{a="b"}` or `{"my.metric","a.b"="x"}`), a cheap cache key for the
   * labels it yields under the current family type. It is a slice of the
   * body: copy it (e.g. `Buffer.from(key).toString()`) before keeping it
   * across scrapes if the body must not stay alive.
   */
  seriesText(): string;
  /**
   * A hint for the next sample: the series text it probably has (a scraper
   * knows each line's text from the previous scrape). A parser may then take
   * the text as written without scanning its label block; names and labels
   * are scanned when asked for. Give only texts this parser's format accepted
   * before: they are not checked again.
   */
  expectSeries(text: string): void;
  /**
   * Sample/Created: `[__name__, name, label, value, ...]` in written order,
   * unescaped, `le`/`quantile` canonicalized as in `labels()`, empty values
   * kept. The array is reused by the next call.
   */
  labelPairs(): readonly string[];
  /** Sample/Created: the series' labels (sorted, empty values dropped); throws `ParseError` on duplicate names. */
  labels(): Labels;
  /** Sample: the value; Created: the created time as written, in seconds. */
  readonly value: number;
  /** Sample/Created: the timestamp in ms, or undefined when none was given. */
  readonly timestamp: number | undefined;
  /** Created: the created time in ms. */
  createdTimestamp(): number;
  /** Type: the declared type; Sample/Created: the type of the family the sample belongs to. */
  type(): MetricType;
  /** Help: the unescaped help text. */
  help(): string;
  /** Unit: the unit. */
  unit(): string;
  /** Comment: the text after `#`. */
  comment(): string;
  /** Sample: whether an exemplar follows the value (OpenMetrics only). */
  hasExemplar(): boolean;
  exemplarLabels(): Labels;
  readonly exemplarValue: number;
  /** The exemplar's timestamp in ms, or undefined when none was given. */
  readonly exemplarTimestamp: number | undefined;
}
