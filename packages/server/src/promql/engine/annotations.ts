/**
 * Warning and info texts, worded as Prometheus's annotations
 * (util/annotations) so that users and tools recognise them. The engine
 * appends the position ` (line:column)`.
 */
import { goQuote } from '../parser/index.js';
import { formatGoFloat } from './format.js';

const W = 'PromQL warning';
const I = 'PromQL info';

export const possibleNonCounter = (metric: string) =>
  `${I}: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(metric)}`;
export const invalidQuantile = (q: number) => `${W}: quantile value should be between 0 and 1, got ${formatGoFloat(q)}`;
export const invalidRatio = (r: number, to: number) =>
  `${W}: ratio value should be between -1 and 1, got ${formatGoFloat(r)}, capping to ${formatGoFloat(to)}`;
export const badBucketLabel = (metric: string, le: string) =>
  `${W}: bucket label "le" is missing or has a malformed value of ${goQuote(le)} for metric name ${goQuote(metric)}`;
export const forcedMonotonicity = (metric: string) =>
  `${I}: input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${goQuote(metric)}`;
export const sortInRangeQuery = (fn: string) => `${W}: ${fn} is ineffective for range queries since results are always ordered by labels`;
export const histogramQuantileNaNObservations = (metric: string, skewed: boolean) =>
  `${I}: input to histogram_quantile has NaN observations, result is ${skewed ? 'skewed higher' : 'NaN'} for metric name ${goQuote(metric)}`;
export const histogramFractionNaNObservations = (metric: string) =>
  `${I}: input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name ${goQuote(metric)}`;
