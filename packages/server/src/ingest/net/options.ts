/**
 * Options of the socket push protocols and the Pushgateway endpoint: their
 * flags (spliced into `server/flags.ts`), named defaults, and resolution.
 *
 * Listen addresses default to each protocol's usual port on all interfaces;
 * an empty value turns a listener off. `explicit` records whether the user
 * set the address: only then is failing to bind it a startup error (see
 * listeners.ts).
 */
import { STATSD_AGGREGATION_DEFAULTS, type StatsdAggregationOptions } from '../statsd/aggregator.js';
import { formatBytes, formatDuration, parseBytes, parseDuration } from '../../config/units.js';

export interface NetLimits {
  maxLineBytes: number;
  maxConnections: number;
  maxPacketBytes: number;
  /** UDP datagrams are handed over at least this often (ms). */
  udpFlushMs: number;
  /** Bytes of datagrams waiting for the handler; beyond this, datagrams are dropped. */
  udpMaxPendingBytes: number;
}

export const NET_DEFAULTS: Readonly<NetLimits> = Object.freeze({
  maxLineBytes: 64 * 1024,
  maxConnections: 1024,
  maxPacketBytes: 64 * 1024,
  udpFlushMs: 100,
  udpMaxPendingBytes: 8 * 2 ** 20,
});

export interface ListenerOptions {
  /** `host:port`, or empty for off. */
  listenAddress: string;
  explicit: boolean;
}

export interface StatsdOptions extends ListenerOptions, StatsdAggregationOptions {
  flushIntervalMs: number;
}

export interface PushgatewayOptions {
  /** Groups not pushed to for this long are deleted; 0 keeps them until deleted. */
  groupTtlMs: number;
  /** How often the pushed groups are written to the storage again (as a scrape of a Pushgateway would). */
  writeIntervalMs: number;
}

export interface PushOptions {
  influx: ListenerOptions;
  graphite: ListenerOptions;
  statsd: StatsdOptions;
  opentsdb: ListenerOptions;
  pushgateway: PushgatewayOptions;
  net: NetLimits;
}

export const PUSH_DEFAULTS = Object.freeze({
  influxListenAddress: ':8089',
  graphiteListenAddress: ':2003',
  statsdListenAddress: ':8125',
  opentsdbListenAddress: ':4242',
  statsdFlushIntervalMs: 10_000,
  pushgatewayGroupTtlMs: 0,
  pushgatewayWriteIntervalMs: 15_000,
});

/** What the flags set. */
export interface PushFlagValues {
  influx: Partial<ListenerOptions>;
  graphite: Partial<ListenerOptions>;
  statsd: Partial<StatsdOptions>;
  opentsdb: Partial<ListenerOptions>;
  pushgateway: Partial<PushgatewayOptions>;
  net: Partial<NetLimits>;
}

export function emptyPushFlags(): PushFlagValues {
  return { influx: {}, graphite: {}, statsd: {}, opentsdb: {}, pushgateway: {}, net: {} };
}

export function resolvePushOptions(f: PushFlagValues): PushOptions {
  const listener = (set: Partial<ListenerOptions>, def: string): ListenerOptions => ({
    listenAddress: set.listenAddress ?? def,
    explicit: set.listenAddress !== undefined,
  });
  return {
    influx: listener(f.influx, PUSH_DEFAULTS.influxListenAddress),
    graphite: listener(f.graphite, PUSH_DEFAULTS.graphiteListenAddress),
    statsd: {
      ...STATSD_AGGREGATION_DEFAULTS,
      flushIntervalMs: PUSH_DEFAULTS.statsdFlushIntervalMs,
      ...f.statsd,
      ...listener(f.statsd, PUSH_DEFAULTS.statsdListenAddress),
    },
    opentsdb: listener(f.opentsdb, PUSH_DEFAULTS.opentsdbListenAddress),
    pushgateway: {
      groupTtlMs: PUSH_DEFAULTS.pushgatewayGroupTtlMs,
      writeIntervalMs: PUSH_DEFAULTS.pushgatewayWriteIntervalMs,
      ...f.pushgateway,
    },
    net: { ...NET_DEFAULTS, ...f.net },
  };
}

/** A flag as `server/flags.ts` declares them. */
export interface PushFlagSpec {
  name: string;
  placeholder: string;
  help: string;
  defaultText?: string;
  apply(value: string, into: { push: PushFlagValues }): void;
}

/** Empty, or `host:port` (checked by the caller's listen-address parser). */
function address(check: (s: string) => void): (s: string) => string {
  return (s) => {
    if (s !== '') check(s);
    return s;
  };
}

function positiveDuration(s: string): number {
  const ms = parseDuration(s);
  if (ms <= 0) throw new Error('must be greater than 0');
  return ms;
}

function numberList(s: string, ok: (n: number) => boolean, what: string): number[] {
  const out = s.split(',').map((x) => {
    const n = Number(x.trim());
    if (x.trim() === '' || !ok(n)) throw new Error(`${JSON.stringify(x)} is not ${what}`);
    return n;
  });
  for (let i = 1; i < out.length; i++) if (out[i] <= out[i - 1]) throw new Error('values must be increasing');
  return out;
}

export function pushFlags(checkAddress: (s: string) => void): PushFlagSpec[] {
  const addr = address(checkAddress);
  const listen = (protocol: 'influx' | 'graphite' | 'statsd' | 'opentsdb', def: string, what: string): PushFlagSpec => ({
    name: `${protocol}.listen-address`,
    placeholder: 'host:port',
    help: `Address for ${what}; empty turns it off. If the default cannot be bound (another server has it) the listener stays off with a warning; an address you set must bind.`,
    defaultText: def,
    apply: (v, f) => {
      f.push[protocol].listenAddress = addr(v);
    },
  });
  return [
    listen('influx', PUSH_DEFAULTS.influxListenAddress, 'Influx line protocol over TCP and UDP (HTTP /write and /api/v2/write are on the web port)'),
    listen('graphite', PUSH_DEFAULTS.graphiteListenAddress, 'Graphite plaintext over TCP and UDP'),
    listen('statsd', PUSH_DEFAULTS.statsdListenAddress, 'StatsD over UDP and TCP'),
    listen('opentsdb', PUSH_DEFAULTS.opentsdbListenAddress, 'OpenTSDB telnet put lines over TCP (HTTP /api/put is on the web port)'),
    {
      name: 'statsd.flush-interval',
      placeholder: 'duration',
      help: 'How often aggregated StatsD metrics are written.',
      defaultText: formatDuration(PUSH_DEFAULTS.statsdFlushIntervalMs),
      apply: (v, f) => {
        f.push.statsd.flushIntervalMs = positiveDuration(v);
      },
    },
    {
      name: 'statsd.timer-type',
      placeholder: 'summary|histogram',
      help: 'How StatsD timers, histograms and distributions are written: quantiles per flush, or cumulative buckets.',
      defaultText: STATSD_AGGREGATION_DEFAULTS.timerType,
      apply: (v, f) => {
        if (v !== 'summary' && v !== 'histogram') throw new Error(`must be summary or histogram, got ${JSON.stringify(v)}`);
        f.push.statsd.timerType = v;
      },
    },
    {
      name: 'statsd.quantiles',
      placeholder: 'q,...',
      help: 'Quantiles written for StatsD timers in summary mode.',
      defaultText: STATSD_AGGREGATION_DEFAULTS.quantiles.join(','),
      apply: (v, f) => {
        f.push.statsd.quantiles = numberList(v, (n) => n > 0 && n < 1, 'a quantile in (0, 1)');
      },
    },
    {
      name: 'statsd.buckets',
      placeholder: 'le,...',
      help: 'Bucket upper bounds for StatsD timers in histogram mode (timers in seconds).',
      defaultText: STATSD_AGGREGATION_DEFAULTS.buckets.join(','),
      apply: (v, f) => {
        f.push.statsd.buckets = numberList(v, Number.isFinite, 'a number');
      },
    },
    {
      name: 'statsd.series-ttl',
      placeholder: 'duration',
      help: 'A StatsD series not updated for this long is forgotten (0: never).',
      defaultText: formatDuration(STATSD_AGGREGATION_DEFAULTS.seriesTtlMs),
      apply: (v, f) => {
        f.push.statsd.seriesTtlMs = parseDuration(v);
      },
    },
    {
      name: 'pushgateway.group-ttl',
      placeholder: 'duration',
      help: 'Pushgateway groups not pushed to for this long are deleted (0: kept until DELETE).',
      defaultText: '0',
      apply: (v, f) => {
        f.push.pushgateway.groupTtlMs = parseDuration(v);
      },
    },
    {
      name: 'pushgateway.write-interval',
      placeholder: 'duration',
      help: 'How often the pushed groups are written to the storage again, as a scrape of a Pushgateway would.',
      defaultText: formatDuration(PUSH_DEFAULTS.pushgatewayWriteIntervalMs),
      apply: (v, f) => {
        f.push.pushgateway.writeIntervalMs = positiveDuration(v);
      },
    },
    {
      name: 'ingest.max-line-size',
      placeholder: 'size',
      help: 'Longest line the TCP listeners accept; longer ones are dropped and counted.',
      defaultText: formatBytes(NET_DEFAULTS.maxLineBytes),
      apply: (v, f) => {
        f.push.net.maxLineBytes = parseBytes(v);
      },
    },
    {
      name: 'ingest.max-packet-size',
      placeholder: 'size',
      help: 'Largest UDP datagram the listeners accept; larger ones are dropped and counted.',
      defaultText: formatBytes(NET_DEFAULTS.maxPacketBytes),
      apply: (v, f) => {
        f.push.net.maxPacketBytes = parseBytes(v);
      },
    },
    {
      name: 'ingest.max-connections',
      placeholder: 'n',
      help: 'Open TCP connections per push listener; more are closed at once and counted.',
      defaultText: String(NET_DEFAULTS.maxConnections),
      apply: (v, f) => {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1) throw new Error(`must be an integer >= 1, got ${JSON.stringify(v)}`);
        f.push.net.maxConnections = n;
      },
    },
  ];
}
