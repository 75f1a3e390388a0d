/**
 * The server's components, in start order (see component.ts). Add a
 * subsystem by appending its factory here.
 */
import type { ComponentFactory } from './component.js';
import { ingestCommonFactory } from '../ingest/common/index.js';
import { remoteWriteFactory } from '../ingest/remotewrite/index.js';
import { scrapeFactory } from '../scrape/component.js';
import { influxFactory } from '../ingest/influx/handler.js';
import { graphiteFactory } from '../ingest/graphite/handler.js';
import { statsdFactory } from '../ingest/statsd/handler.js';
import { openTsdbFactory } from '../ingest/opentsdb/handler.js';
import { pushgatewayFactory } from '../ingest/pushgateway/handler.js';
import { otlpFactory } from '../ingest/otlp/index.js';
import { queryFactory } from '../api/query_component.js';

export const COMPONENTS: readonly ComponentFactory[] = [
  // Shared push-protocol pieces (auth, limiter, self-metrics): before every protocol.
  ingestCommonFactory,
  remoteWriteFactory,
  scrapeFactory,
  influxFactory,
  graphiteFactory,
  statsdFactory,
  openTsdbFactory,
  pushgatewayFactory,
  otlpFactory,
  queryFactory,
];
