/**
 * The differential test's queries, generated systematically over the
 * benchmark dataset's metric families: selectors with every matcher type,
 * every float function that Prometheus 2.42 and 3.x share (with the
 * argument kinds each takes), every aggregation with `by`/`without`,
 * binary operators with and without vector matching, set operators,
 * subqueries, `offset` and `@`. Each expression is run as instant queries
 * at several times and as range queries (see differential.test.ts).
 */

/** Counters, gauges and the classic histogram of the dataset (500 series: node_exporter and an HTTP service). */
const COUNTERS = ['node_cpu_seconds_total', 'node_network_receive_bytes_total', 'node_disk_read_bytes_total', 'http_requests_total'];
const GAUGES = ['node_load1', 'node_memory_MemFree_bytes', 'node_filesystem_avail_bytes', 'node_procs_running'];
const BUCKETS = 'http_request_duration_seconds_bucket';

export interface QueryCase {
  expr: string;
  /** Run only as an instant query (e.g. string results, which range queries refuse). */
  instantOnly?: boolean;
  /** How to compare (compare.ts): `ordered` for sort/sort_desc, `ties` for topk/bottomk. */
  mode?: 'ordered' | 'ties';
}

export function generateQueries(atMs: number): QueryCase[] {
  const out: QueryCase[] = [];
  const add = (expr: string, extra: Omit<QueryCase, 'expr'> = {}) => out.push({ expr, ...extra });
  const at = (atMs / 1000).toFixed(3);

  // Literals and scalars.
  for (const e of ['1', '-2.5', '0x1F', '1e-7', 'Inf', '-Inf', 'NaN', '1/0', '0/0', '2^0.5', '5 % 3', '-5 % 3', 'time()', 'pi()']) add(e);
  add('"a string"', { instantOnly: true });

  // Selectors: every matcher type, regex forms, __name__ matchers.
  add('node_load1');
  add('node_cpu_seconds_total{mode="idle"}');
  add('node_cpu_seconds_total{mode!="idle",cpu="0"}');
  add('node_cpu_seconds_total{mode=~"user|system"}');
  add('node_cpu_seconds_total{mode!~"i.*|s.*"}');
  add('node_network_receive_bytes_total{device=~"veth.*"}');
  add('{__name__=~"node_load.*"}');
  add('{__name__="node_procs_running", job="node"}');
  add('http_requests_total{code=~"5.."}');
  add('nonexistent_metric');
  add('node_filesystem_avail_bytes{mountpoint=~"/|/var"}');
  add('node_cpu_seconds_total{cpu=~"1[0-9]?"}');

  // Range functions over counters.
  const counterFns = ['rate', 'irate', 'increase', 'resets', 'changes'];
  for (const m of COUNTERS) for (const f of counterFns) for (const r of ['1m', '5m']) add(`${f}(${m}[${r}])`);
  for (const m of COUNTERS.slice(0, 2)) add(`rate(${m}[10m:1m])`);

  // Range functions over gauges.
  const gaugeFns = [
    'delta',
    'idelta',
    'deriv',
    'avg_over_time',
    'min_over_time',
    'max_over_time',
    'sum_over_time',
    'count_over_time',
    'last_over_time',
    'stddev_over_time',
    'stdvar_over_time',
    'present_over_time',
    'absent_over_time',
  ];
  for (const m of GAUGES) for (const f of gaugeFns) add(`${f}(${m}[5m])`);
  for (const m of GAUGES.slice(0, 2)) {
    add(`quantile_over_time(0.5, ${m}[5m])`);
    add(`quantile_over_time(0.95, ${m}[10m])`);
    add(`quantile_over_time(-1, ${m}[5m])`);
    add(`quantile_over_time(2, ${m}[5m])`);
    add(`predict_linear(${m}[10m], 600)`);
    add(`holt_winters(${m}[10m], 0.5, 0.5)`, {});
    add(`absent_over_time(${m}{job="nope"}[5m])`);
  }

  // Instant functions.
  const unary = ['abs', 'ceil', 'floor', 'round', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'timestamp'];
  const trig = ['sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'deg', 'rad'];
  for (const f of unary) add(`${f}(node_load1)`);
  for (const f of unary.slice(0, 6)) add(`${f}(-node_load5 * 3.7)`);
  for (const f of trig) add(`${f}(node_load1 / 10)`);
  add('round(node_load1, 0.5)');
  add('round(node_memory_MemFree_bytes, 1e6)');
  add('clamp(node_load1, 0.2, 0.5)');
  add('clamp(node_load1, 1, 0)');
  add('clamp_min(node_load1, 0.3)');
  add('clamp_max(node_load1, 0.3)');
  add('exp(node_procs_running * 1000)');
  add('ln(node_load1 - 10)');
  add('sqrt(-node_load1)');
  for (const f of ['minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year', 'days_in_month', 'month', 'year']) {
    add(`${f}()`);
    add(`${f}(node_boot_time_seconds)`);
  }
  add('label_replace(node_load1, "host", "$1", "instance", "(.*):.*")');
  add('label_replace(node_load1, "instance", "", "instance", ".*")');
  add('label_replace(node_cpu_seconds_total{cpu="0"}, "m", "x-$1-$2", "mode", "(s)(.*)")');
  add('label_join(node_load1, "both", "/", "job", "instance")');
  add('label_join(node_load1, "job", "")');
  add('sort(node_filesystem_avail_bytes)', { mode: 'ordered' });
  add('sort_desc(node_filesystem_avail_bytes)', { mode: 'ordered' });
  add('sort_desc(rate(http_requests_total[5m]))', { mode: 'ordered' });
  add('absent(nonexistent_metric)');
  add('absent(nonexistent_metric{job="x", a=~"b"})');
  add('absent(node_load1)');
  add('scalar(node_load1)');
  add('scalar(sum(node_load1))');
  add('vector(time())');
  add('vector(scalar(node_procs_running{instance="host-0000:9100"}))');
  add('timestamp(node_load1 offset 1m)');
  add('histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))');
  add('histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))');
  add('histogram_quantile(0.99, sum by (le, handler) (rate(http_request_duration_seconds_bucket[10m])))');
  add('histogram_quantile(0, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))');
  add('histogram_quantile(1, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))');
  add('histogram_quantile(1.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))');
  add('histogram_quantile(0.9, http_request_duration_seconds_bucket)');
  add('rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])');

  // Aggregations with and without grouping.
  const aggs = ['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar'];
  const groupings = ['', ' by (instance)', ' without (cpu)', ' by (mode, instance)', ' by ()', ' without ()'];
  for (const a of aggs) for (const g of groupings) add(`${a}${g}(node_cpu_seconds_total)`);
  for (const a of aggs) add(`${a} by (job) (rate(http_requests_total[5m]))`);
  for (const k of ['1', '3', '0', '200']) {
    add(`topk(${k}, node_cpu_seconds_total)`, { mode: 'ties' });
    add(`bottomk(${k}, rate(node_cpu_seconds_total[5m]))`, { mode: 'ties' });
  }
  add('topk by (mode) (2, rate(node_cpu_seconds_total[5m]))', { mode: 'ties' });
  add('bottomk without (cpu) (1, node_cpu_seconds_total)', { mode: 'ties' });
  for (const q of ['0', '0.5', '0.9', '1', '-1', '2']) add(`quantile(${q}, node_cpu_seconds_total)`);
  add('quantile by (mode) (0.75, rate(node_cpu_seconds_total[5m]))');
  add('count_values("value", node_procs_running)');
  add('count_values by (instance) ("load", round(node_load1))');
  add('count_values("mode", node_procs_running)');
  add('count by (__name__) ({__name__=~"node_.*"})');
  add('sum(nonexistent_metric)');
  add('count(nonexistent_metric)');

  // Binary operators: scalars, vector/scalar, vector/vector with matching.
  for (const op of ['+', '-', '*', '/', '%', '^', 'atan2']) {
    add(`node_load1 ${op} 2`);
    add(`3 ${op} node_load5`);
    add(`node_load1 ${op} node_load5`);
  }
  for (const op of ['==', '!=', '>', '<', '>=', '<=']) {
    add(`node_load1 ${op} 0.3`);
    add(`node_load1 ${op} bool 0.3`);
    add(`node_load1 ${op} node_load5`);
    add(`node_load1 ${op} bool node_load5`);
    add(`1 ${op} bool 2`);
  }
  add('node_load1 > on(instance) node_load5');
  add('node_cpu_seconds_total / ignoring(mode) group_left sum without (mode) (node_cpu_seconds_total)');
  add('node_cpu_seconds_total / on(instance, cpu) group_left sum by (instance, cpu) (node_cpu_seconds_total)');
  add('sum by (instance) (node_load1) * on(instance) group_right node_filesystem_avail_bytes');
  add('node_filesystem_avail_bytes / on(instance, device, mountpoint) node_filesystem_size_bytes');
  add('node_filesystem_avail_bytes / node_filesystem_size_bytes');
  add('node_filesystem_avail_bytes / ignoring(fstype) group_left(job) node_filesystem_size_bytes');
  add('rate(node_network_receive_bytes_total[5m]) + on(instance, device) group_left rate(node_network_transmit_bytes_total[5m])');
  add('node_cpu_seconds_total + on(instance) node_load1');
  add('node_cpu_seconds_total * on(instance) group_left(job) node_load1');
  add('node_load1 + node_cpu_seconds_total');
  add('node_cpu_seconds_total{mode="idle"} and node_cpu_seconds_total{cpu="0"}');
  add('node_cpu_seconds_total{mode="idle"} and on(cpu) node_cpu_seconds_total{cpu=~"[0-3]",mode="user"}');
  add('node_cpu_seconds_total{mode="idle"} or node_cpu_seconds_total{cpu="0"}');
  add('node_load1 or node_load5 or node_load15');
  add('node_cpu_seconds_total{cpu="0"} unless node_cpu_seconds_total{mode="idle"}');
  add('node_cpu_seconds_total unless on(mode) node_cpu_seconds_total{mode="user"}');
  add('node_load1 and nonexistent_metric');
  add('nonexistent_metric or node_load1');
  add('-node_load1');
  add('-(node_load1 * 2) + +node_load5');
  add('2 ^ 3 ^ 2');
  add('-2 ^ 2');
  add('(1 + 2) * 3 % 2');
  add('node_load1 * 1e300 * 1e300');
  add('node_load1 / 0');
  add('-node_load1 / 0');
  add('(node_load1 - node_load1) / 0');
  add('sum(rate(node_cpu_seconds_total[5m])) by (instance) / count(node_cpu_seconds_total) by (instance)');
  add('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))');

  // Subqueries.
  add('max_over_time(rate(http_requests_total[1m])[10m:1m])');
  add('avg_over_time(node_load1[10m:])');
  add('min_over_time(node_load1[10m:30s] offset 5m)');
  add('sum_over_time(sum(node_procs_running)[15m:2m])');
  add('rate(node_cpu_seconds_total{cpu="0"}[5m:15s])');
  add('count_over_time(node_load1[7m:45s])');
  add('max_over_time(deriv(node_memory_MemFree_bytes[5m])[20m:2m])');
  add('quantile_over_time(0.5, rate(node_network_receive_bytes_total[2m])[10m:1m])');

  // Offsets, negative offsets and @.
  add('node_load1 offset 5m');
  add('node_load1 offset -5m');
  add('rate(node_cpu_seconds_total{cpu="1"}[5m] offset 10m)');
  add('node_load1 - node_load1 offset 10m');
  add('sum(node_procs_running offset 30s)');
  add(`node_load1 @ ${at}`);
  add(`rate(http_requests_total[5m] @ ${at})`);
  add(`node_load1 @ ${at} offset 5m`);
  add('node_load1 @ start()');
  add('node_load1 @ end()');
  add('rate(node_cpu_seconds_total{cpu="2"}[5m] @ end())');
  add('max_over_time(node_load1[10m:1m] @ start())');
  add(`avg_over_time(node_load1[10m] @ ${at})`);
  add(`node_load1 - node_load1 @ ${at}`);

  // Errors: each must fail with the same type and status on both.
  add('node_cpu_seconds_total + ignoring(mode) node_cpu_seconds_total');
  add('label_replace(node_load1, "a", "$1", "instance", "(")');
  add('label_replace(node_load1, "1a", "x", "instance", ".*")');
  add('node_load1{');
  add('rate(node_load1)');
  add('sum(node_load1) by');
  add('{__name__=~".*"}');
  add('node_load1[5m]', { instantOnly: true });
  add('node_load1 offset 5m offset 1m');
  add('count_values("a b", node_load1)');
  add('node_cpu_seconds_total{cpu="0"} / on(instance) node_cpu_seconds_total');
  return out;
}
