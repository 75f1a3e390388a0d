/**
 * TCP and UDP listeners shared by the socket protocols (Influx line
 * protocol, Graphite, StatsD, OpenTSDB telnet).
 *
 * - TCP: a stream of `\n`-terminated lines. Each chunk's complete lines go to
 *   the protocol's handler as one string; the connection is paused until
 *   the handler's promise settles (its commit), so a fast sender is slowed
 *   by TCP flow control instead of buffering here. A line longer than
 *   `maxLineBytes` is dropped (counted, logged) and reading resumes at the
 *   next line. At most `maxConnections` connections are served; more are
 *   closed at once (counted, logged).
 * - UDP: each datagram holds whole lines. Datagrams are collected and handed
 *   to the handler in batches (every `udpFlushMs`, or sooner when
 *   `udpMaxPendingBytes` are waiting); a datagram over `maxPacketBytes`, or
 *   arriving while the pending batch is full and the handler still busy, is
 *   dropped: counted in `vigil_ingest_net_packets_dropped_total` and logged
 *   (at most one log line per protocol every 10 s, with the count).
 *
 * One address serves both transports where a protocol uses both; port 0
 * binds TCP to a free port and UDP to the same number. Every bound listener
 * logs `msg=Listening protocol=<p> transport=<tcp|udp> address=<host:port>`
 * with the actual address.
 *
 * Binding: an address the user set that cannot be bound is a startup error;
 * the *default* address (the protocol's usual port) that cannot be bound —
 * typically because another server already has it — is logged as a warning
 * and that listener stays off, so a second Vigil (or a test server) on the
 * same machine still starts.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Counter, Gauge, Registry } from '../../metrics/registry.js';
import type { Logger } from '../../server/logger.js';
import { parseListenAddress } from '../../server/flags.js';
import { NET_DEFAULTS, type NetLimits } from './options.js';

export { NET_DEFAULTS, type NetLimits };

/** Handles complete lines; the connection (or UDP batch) waits for the returned promise. */
export type LinesHandler = (text: string, firstLine: number, remote: string) => Promise<void> | void;

export interface ListenOptions {
  protocol: string;
  /** `host:port`; empty turns the listener off. */
  address: string;
  /** Whether the address was set by the user (a bind failure is then fatal). */
  explicit: boolean;
  tcp: boolean;
  udp: boolean;
  limits: NetLimits;
  logger: Logger;
  metrics: NetMetrics;
  onTcpLines?: LinesHandler;
  onUdpLines?: LinesHandler;
}

/** The listeners' self-metrics, declared once per registry. */
export class NetMetrics {
  readonly connections: Gauge;
  readonly connectionsRejected: Counter;
  readonly linesTooLong: Counter;
  readonly packetsDropped: Counter;
  readonly packets: Counter;

  constructor(registry: Registry) {
    this.connections = registry.gauge({
      name: 'vigil_ingest_net_connections',
      help: 'Open TCP connections of the push listeners, by protocol.',
      labelNames: ['protocol'],
    });
    this.connectionsRejected = registry.counter({
      name: 'vigil_ingest_net_connections_rejected_total',
      help: 'TCP connections closed at once because the listener had --<protocol>.max-connections open, by protocol.',
      labelNames: ['protocol'],
    });
    this.linesTooLong = registry.counter({
      name: 'vigil_ingest_net_lines_too_long_total',
      help: 'Lines dropped for being longer than the line limit, by protocol.',
      labelNames: ['protocol'],
    });
    this.packets = registry.counter({
      name: 'vigil_ingest_net_packets_received_total',
      help: 'UDP datagrams received, by protocol.',
      labelNames: ['protocol'],
    });
    this.packetsDropped = registry.counter({
      name: 'vigil_ingest_net_packets_dropped_total',
      help: 'UDP datagrams dropped, by protocol and reason (too_large, overloaded).',
      labelNames: ['protocol', 'reason'],
    });
  }
}

/** Logs a recurring problem at most once per interval, with how many happened since. */
export class ThrottledLog {
  #last = -Infinity;
  #suppressed = 0;
  constructor(
    readonly logger: Logger,
    readonly intervalMs = 10_000,
  ) {}

  warn(msg: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.#last < this.intervalMs) {
      this.#suppressed++;
      return;
    }
    this.logger.warn(msg, this.#suppressed > 0 ? { ...fields, suppressed_since_last: this.#suppressed } : fields);
    this.#last = now;
    this.#suppressed = 0;
  }
}

export interface NetListener {
  /** Actual `host:port` of each bound transport. */
  readonly tcpAddress: string | undefined;
  readonly udpAddress: string | undefined;
  close(): Promise<void>;
}

class BindError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** Binds the protocol's listeners. Returns undefined when the address is empty or a default one could not be bound. */
export async function listen(o: ListenOptions): Promise<NetListener | undefined> {
  if (o.address === '') return undefined;
  const { host, port } = parseListenAddress(o.address);
  let lastErr: BindError | undefined;
  // With port 0, TCP picks the port and UDP takes the same number; retry if that number is taken for UDP.
  for (let attempt = 0; attempt < (port === 0 ? 5 : 1); attempt++) {
    let tcp: TcpLines | undefined;
    try {
      let udpPort = port;
      if (o.tcp) {
        tcp = new TcpLines(o);
        udpPort = await tcp.bind(host, port);
      }
      const udp = o.udp ? new UdpLines(o) : undefined;
      if (udp) await udp.bind(host, udpPort);
      const l = new BoundListener(tcp, udp);
      if (l.tcpAddress) o.logger.info('Listening', { protocol: o.protocol, transport: 'tcp', address: l.tcpAddress });
      if (l.udpAddress) o.logger.info('Listening', { protocol: o.protocol, transport: 'udp', address: l.udpAddress });
      return l;
    } catch (err) {
      await tcp?.close();
      if (!(err instanceof BindError)) throw err;
      lastErr = err;
      if (err.code !== 'EADDRINUSE') break;
    }
  }
  const message = `cannot listen on ${o.address} for ${o.protocol}: ${lastErr!.message}`;
  if (o.explicit) throw new Error(message);
  o.logger.warn(`${message}; the ${o.protocol} listener is off (set --${o.protocol}.listen-address to another address, or to "" to turn it off)`, {
    protocol: o.protocol,
  });
  return undefined;
}

class BoundListener implements NetListener {
  constructor(
    readonly tcp: TcpLines | undefined,
    readonly udp: UdpLines | undefined,
  ) {}
  get tcpAddress() {
    return this.tcp?.address;
  }
  get udpAddress() {
    return this.udp?.address;
  }
  async close(): Promise<void> {
    await Promise.all([this.tcp?.close(), this.udp?.close()]);
  }
}

function formatAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

class TcpLines {
  readonly #o: ListenOptions;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #busy = new Set<Promise<void>>();
  readonly #log: ThrottledLog;
  address: string | undefined;

  constructor(o: ListenOptions) {
    this.#o = o;
    this.#log = new ThrottledLog(o.logger);
    this.#server = createServer((s) => this.#accept(s));
  }

  bind(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(new BindError(`tcp: ${err.message}`, err.code));
      this.#server.once('error', onError);
      this.#server.listen({ port, host: host === '' ? undefined : host }, () => {
        this.#server.off('error', onError);
        const a = this.#server.address();
        if (a === null || typeof a === 'string') return reject(new BindError('tcp: no address', undefined));
        this.address = formatAddress(a.address, a.port);
        resolve(a.port);
      });
    });
  }

  #accept(sock: Socket): void {
    const { protocol, limits, metrics } = this.#o;
    const remote = `${sock.remoteAddress}:${sock.remotePort}`;
    if (this.#sockets.size >= limits.maxConnections) {
      metrics.connectionsRejected.labels(protocol).inc();
      this.#log.warn('Too many connections: closing a new one', { protocol, remote, limit: limits.maxConnections });
      sock.destroy();
      return;
    }
    this.#sockets.add(sock);
    metrics.connections.labels(protocol).inc();
    sock.setNoDelay(true);
    let rest: Buffer | undefined;
    let skipping = false;
    let line = 1;
    const handle = async (text: string, first: number): Promise<void> => {
      const p = Promise.resolve(this.#o.onTcpLines!(text, first, remote));
      this.#busy.add(p as Promise<void>);
      try {
        await p;
      } finally {
        this.#busy.delete(p as Promise<void>);
      }
    };
    // Blocks read while the previous ones are being committed wait here and
    // go to the handler together (one commit); past `maxPendingBytes` the
    // socket is paused, so memory stays bounded and the sender slows down.
    const maxPendingBytes = 4 * 2 ** 20;
    let pending: string[] = [];
    let pendingFirst = 0;
    let pendingBytes = 0;
    let draining: Promise<void> | undefined;
    const drain = async () => {
      try {
        while (pending.length > 0) {
          const text = pending.length === 1 ? pending[0] : pending.join('');
          const first = pendingFirst;
          pending = [];
          pendingBytes = 0;
          if (sock.isPaused()) sock.resume();
          await handle(text, first);
        }
      } catch (err) {
        this.#o.logger.error('cannot ingest lines from a connection; closing it', { protocol, remote, err: (err as Error).message });
        sock.destroy();
      } finally {
        draining = undefined;
      }
    };
    const run = (text: string, first: number) => {
      if (pending.length === 0) pendingFirst = first;
      pending.push(text);
      pendingBytes += text.length;
      if (pendingBytes > maxPendingBytes) sock.pause();
      draining ??= drain();
    };
    sock.on('data', (chunk: Buffer) => {
      let buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
      rest = undefined;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl < 0) return;
        buf = buf.subarray(nl + 1);
        skipping = false;
        line++;
      }
      const last = buf.lastIndexOf(10);
      const tail = last < 0 ? buf : buf.subarray(last + 1);
      if (tail.length > limits.maxLineBytes) {
        metrics.linesTooLong.labels(protocol).inc();
        this.#log.warn('Line too long: dropped', { protocol, remote, limit: limits.maxLineBytes });
        skipping = true;
      } else if (tail.length > 0) rest = Buffer.from(tail);
      if (last < 0) return;
      // Complete lines over the limit are cut out (their newline kept, so line numbers stay right).
      let text = '';
      let keepFrom = 0;
      let start = 0;
      const first = line;
      for (let nl = buf.indexOf(10); nl >= 0 && nl <= last; nl = buf.indexOf(10, nl + 1)) {
        if (nl - start > limits.maxLineBytes) {
          text += buf.toString('utf8', keepFrom, start);
          keepFrom = nl;
          metrics.linesTooLong.labels(protocol).inc();
          this.#log.warn('Line too long: dropped', { protocol, remote, line, limit: limits.maxLineBytes });
        }
        line++;
        start = nl + 1;
      }
      text = keepFrom === 0 ? buf.toString('utf8', 0, last + 1) : text + buf.toString('utf8', keepFrom, last + 1);
      run(text, first);
    });
    sock.on('end', () => {
      if (rest !== undefined && rest.length > 0 && !skipping) run(rest.toString('utf8'), line);
      rest = undefined;
      void (draining ?? Promise.resolve()).then(() => sock.end());
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      this.#sockets.delete(sock);
      metrics.connections.labels(protocol).dec();
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((r) => this.#server.close(() => r()));
    await Promise.allSettled([...this.#busy]);
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

class UdpLines {
  readonly #o: ListenOptions;
  #sock: UdpSocket | undefined;
  readonly #log: ThrottledLog;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Bytes of the batch the handler is working on. */
  #inflightBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  address: string | undefined;

  constructor(o: ListenOptions) {
    this.#o = o;
    this.#log = new ThrottledLog(o.logger);
  }

  async bind(host: string, port: number): Promise<void> {
    const v6 = host === '' || host.includes(':');
    try {
      await this.#bindAs(v6 ? 'udp6' : 'udp4', host === '' ? '::' : host, port);
    } catch (err) {
      // No IPv6 on this machine: all interfaces means all IPv4 ones.
      if (host !== '' || !(err instanceof BindError) || err.code === 'EADDRINUSE') throw err;
      await this.#bindAs('udp4', '0.0.0.0', port);
    }
  }

  #bindAs(type: 'udp4' | 'udp6', host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type, reuseAddr: false });
      const onError = (err: NodeJS.ErrnoException) => {
        sock.close();
        reject(new BindError(`udp: ${err.message}`, err.code));
      };
      sock.once('error', onError);
      sock.bind({ port, address: host, exclusive: true }, () => {
        sock.off('error', onError);
        sock.on('error', (err) => this.#o.logger.warn('UDP socket error', { protocol: this.#o.protocol, err: err.message }));
        sock.on('message', (msg, rinfo) => this.#message(msg, rinfo));
        const a = sock.address();
        this.address = formatAddress(a.address, a.port);
        this.#sock = sock;
        resolve();
      });
    });
  }

  #message(msg: Buffer, rinfo: RemoteInfo): void {
    const { protocol, limits, metrics } = this.#o;
    metrics.packets.labels(protocol).inc();
    if (msg.length > limits.maxPacketBytes) {
      metrics.packetsDropped.labels(protocol, 'too_large').inc();
      this.#log.warn('UDP packet too large: dropped', { protocol, remote: `${rinfo.address}:${rinfo.port}`, bytes: msg.length, limit: limits.maxPacketBytes });
      return;
    }
    if (this.#pendingBytes + this.#inflightBytes + msg.length > limits.udpMaxPendingBytes) {
      metrics.packetsDropped.labels(protocol, 'overloaded').inc();
      this.#log.warn('UDP packets arrive faster than they are stored: dropped', { protocol, remote: `${rinfo.address}:${rinfo.port}` });
      return;
    }
    let text = msg.toString('utf8');
    if (text.length > 0 && text.charCodeAt(text.length - 1) !== 10) text += '\n';
    this.#pending.push(text);
    this.#pendingBytes += msg.length;
    if (this.#pendingBytes >= limits.udpMaxPendingBytes / 4) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), limits.udpFlushMs);
  }

  #kick(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#flushing !== undefined || this.#pending.length === 0) return;
    const texts = this.#pending;
    this.#pending = [];
    this.#inflightBytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    this.#flushing = (async () => {
      try {
        await this.#o.onUdpLines!(texts.join(''), 1, 'udp');
      } catch (err) {
        this.#log.warn('cannot ingest UDP packets: dropped', { protocol: this.#o.protocol, err: (err as Error).message });
      } finally {
        this.#inflightBytes = 0;
        this.#flushing = undefined;
        if (this.#pending.length > 0) this.#timer ??= setTimeout(() => this.#kick(), 0);
      }
    })();
  }

  async close(): Promise<void> {
    const sock = this.#sock;
    this.#sock = undefined;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
    await this.#flushing;
    this.#kick();
    await this.#flushing;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}
