export { ParseError } from './errors.js';
export { Entry, type MetricType, type Parser } from './parser.js';
export { PromParser } from './promparse.js';
export { OpenMetricsParser } from './openmetricsparse.js';
export {
  DEFAULT_SCRAPE_PROTOCOLS,
  type ExpositionFormat,
  type ScrapeProtocol,
  formatForContentType,
  newParser,
  scrapeAcceptHeader,
} from './contenttype.js';
export { formatCanonicalFloat, parseFloatToken } from './numbers.js';
