/**
 * Content negotiation for scrapes: the Accept header a scraper sends, and
 * which parser a response's Content-Type calls for.
 */
import { OpenMetricsParser } from './openmetricsparse.js';
import type { Parser } from './parser.js';
import { PromParser } from './promparse.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Scrape protocols by the names Prometheus's `scrape_protocols` setting uses. */
export type ScrapeProtocol = 'OpenMetricsText1.0.0' | 'OpenMetricsText0.0.1' | 'PrometheusText1.0.0' | 'PrometheusText0.0.4';

const PROTOCOL_MEDIA_TYPES: Record<ScrapeProtocol, string> = {
  // The parsers read quoted UTF-8 names, so the versions that can carry them ask for them unescaped.
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0;escaping=allow-utf-8',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
};

export const DEFAULT_SCRAPE_PROTOCOLS: readonly ScrapeProtocol[] = [
  'OpenMetricsText1.0.0',
  'OpenMetricsText0.0.1',
  'PrometheusText1.0.0',
  'PrometheusText0.0.4',
];

/**
 * The Accept header for a scrape: the protocols in order of preference with
 * falling q-values, then any other type at the lowest weight (so a target
 * that ignores negotiation still answers; its Content-Type then decides).
 *
 * @example scrapeAcceptHeader() // "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,…,*\/*;q=0.1"
 */
export function scrapeAcceptHeader(protocols: readonly ScrapeProtocol[] = DEFAULT_SCRAPE_PROTOCOLS): string {
  const n = protocols.length;
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`${PROTOCOL_MEDIA_TYPES[protocols[i]]};q=${formatQ((n + 1 - i) / (n + 1))}`);
  parts.push(`*/*;q=${formatQ(1 / (n + 1))}`);
  return parts.join(',');
}

function formatQ(q: number): string {
  // RFC 9110 allows at most three decimals.
  return String(Math.floor(q * 1000) / 1000);
}

/**
 * The format a response's Content-Type names, or undefined when it names
 * none the parsers read (a missing header, another media type, an
 * unsupported version): the caller then applies its configured fallback or
 * fails the scrape, as Prometheus 3 does.
 */
export function formatForContentType(contentType: string | undefined): ExpositionFormat | undefined {
  if (contentType === undefined) return undefined;
  const parts = contentType.split(';');
  const mediaType = parts[0].trim().toLowerCase();
  let version: string | undefined;
  for (let i = 1; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 0) continue;
    if (parts[i].slice(0, eq).trim().toLowerCase() === 'version') version = unquote(parts[i].slice(eq + 1).trim());
  }
  if (mediaType === 'application/openmetrics-text') {
    return version === undefined || version === '1.0.0' || version === '0.0.1' ? 'openmetrics' : undefined;
  }
  if (mediaType === 'text/plain') {
    return version === undefined || version === '0.0.4' || version === '1.0.0' ? 'prometheus' : undefined;
  }
  return undefined;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** A parser for a body in the given format. */
export function newParser(format: ExpositionFormat, body: string | Uint8Array): Parser {
  return format === 'openmetrics' ? new OpenMetricsParser(body) : new PromParser(body);
}
