import { describe, expect, it } from 'vitest';
import { labelName, metricName } from './translate.js';
import { formatFloatF } from './model.js';

describe('OTLP name translation (Prometheus UnderscoreEscapingWithSuffixes)', () => {
  it.each<[string, string, 'gauge' | 'counter' | 'other', string]>([
    ['http.server.request.duration', 's', 'other', 'http_server_request_duration_seconds'],
    ['requests.count', '1', 'counter', 'requests_count_total'],
    ['memory.usage', 'By', 'gauge', 'memory_usage_bytes'],
    ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
    ['net.io', 'By/s', 'gauge', 'net_io_bytes_per_second'],
    ['packets', '{packets}', 'counter', 'packets_total'],
    ['foo_total', '', 'counter', 'foo_total'],
    ['latency_seconds', 's', 'other', 'latency_seconds'],
    ['2xx.count', '', 'gauge', '_2xx_count'],
    ['a__b..c', 'widgets', 'gauge', 'a_b_c_widgets'],
    ['temp', 'Cel', 'gauge', 'temp_celsius'],
    ['rate', '/s', 'gauge', 'rate_per_second'],
  ])('%s [%s] %s → %s', (name, unit, type, want) => {
    expect(metricName(name, unit, type)).toBe(want);
  });

  it.each([
    ['http.method', 'http_method'],
    ['123abc', 'key_123abc'],
    ['__reserved__', '__reserved__'],
    ['a..b', 'a_b'],
    ['_under', '_under'],
    ['...', ''],
  ])('label %s → %s', (key, want) => {
    expect(labelName(key)).toBe(want);
  });

  it('formats le/quantile like Go strconv.FormatFloat(v, f, -1, 64)', () => {
    expect([0.005, 1, 1e-7, 2.5e21, -3e-9, Infinity].map(formatFloatF)).toEqual(['0.005', '1', '0.0000001', '2500000000000000000000', '-0.000000003', '+Inf']);
  });
});
