import { describe, expect, it } from 'vitest';
import { formatForContentType, newParser, scrapeAcceptHeader } from './contenttype.js';
import { OpenMetricsParser } from './openmetricsparse.js';
import { PromParser } from './promparse.js';

describe('formatForContentType', () => {
  it('picks the parser a Content-Type names', () => {
    expect(formatForContentType('text/plain; version=0.0.4; charset=utf-8')).toBe('prometheus');
    expect(formatForContentType('text/plain;version=1.0.0;escaping=allow-utf-8')).toBe('prometheus');
    expect(formatForContentType('text/plain')).toBe('prometheus');
    expect(formatForContentType('Text/Plain; Version="0.0.4"')).toBe('prometheus');
    expect(formatForContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(formatForContentType('application/openmetrics-text;version=0.0.1')).toBe('openmetrics');
    expect(formatForContentType('application/openmetrics-text')).toBe('openmetrics');
  });

  it('names no format for what the parsers cannot read', () => {
    expect(formatForContentType(undefined)).toBeUndefined();
    expect(formatForContentType('')).toBeUndefined();
    expect(formatForContentType('application/json')).toBeUndefined();
    expect(formatForContentType('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily')).toBeUndefined();
    expect(formatForContentType('application/openmetrics-text; version=2.0.0')).toBeUndefined();
    expect(formatForContentType('text/plain; version=0.0.5')).toBeUndefined();
  });

  it('builds the matching parser', () => {
    expect(newParser('prometheus', 'a 1\n')).toBeInstanceOf(PromParser);
    expect(newParser('openmetrics', '# EOF\n')).toBeInstanceOf(OpenMetricsParser);
  });
});

describe('scrapeAcceptHeader', () => {
  it('prefers OpenMetrics, then the text format, then anything', () => {
    expect(scrapeAcceptHeader()).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=1,' +
        'application/openmetrics-text;version=0.0.1;q=0.8,' +
        'text/plain;version=1.0.0;escaping=allow-utf-8;q=0.6,' +
        'text/plain;version=0.0.4;q=0.4,' +
        '*/*;q=0.2',
    );
  });

  it('follows a configured protocol list', () => {
    expect(scrapeAcceptHeader(['PrometheusText0.0.4'])).toBe('text/plain;version=0.0.4;q=1,*/*;q=0.5');
  });
});
