/**
 * What a query returns: the result value in column shape, annotations, and
 * optional statistics. Shared by the engine and its callers (HTTP API, rules).
 */
import type { Labels } from '../../model/labels.js';
import type { PositionRange } from '../parser/index.js';

export type ResultType = 'matrix' | 'vector' | 'scalar' | 'string';

/**
 * One output series. For a `vector` result it holds exactly one point (at
 * the evaluation time); for a `matrix` result the points in time order.
 * Values travel in a Float64Array so NaN payloads (the staleness marker)
 * survive; the arrays are the caller's to keep.
 */
export interface ResultSeries {
  labels: Labels;
  timestamps: Float64Array;
  values: Float64Array;
}

/**
 * A warning or info, worded as Prometheus's annotations are: `message` is
 * the full text the API returns, ending with the position of the offending
 * sub-expression as ` (line:column)` when there is one.
 */
export interface Annotation {
  message: string;
  position: PositionRange | undefined;
}

/** Prometheus's `stats=all` figures (web/api/v1 `stats`), times in seconds. */
export interface QueryStats {
  timings: {
    evalTotalTime: number;
    resultSortTime: number;
    queryPreparationTime: number;
    innerEvalTime: number;
    execQueueTime: number;
    execTotalTime: number;
  };
  samples: {
    /** Samples read from storage (each sample of a range counted once per step it is used at). */
    totalQueryableSamples: number;
    /** The most samples held at once. */
    peakSamples: number;
  };
}

export interface Result {
  resultType: ResultType;
  /**
   * `vector` and `matrix` results. A vector's series are in the engine's
   * output order (sorted by labels unless the query sorts: `sort`, `topk`,
   * ...); a matrix's series are sorted by labels.
   */
  series: ResultSeries[];
  /** The value of a `scalar` result. */
  scalar?: { t: number; v: number };
  /** The value of a `string` result. */
  string?: { t: number; v: string };
  warnings: Annotation[];
  infos: Annotation[];
  stats?: QueryStats;
}
