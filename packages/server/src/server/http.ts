/**
 * The HTTP server: one port for the API, the self-metrics and the health
 * endpoints. Requests are dispatched through the route table; a handler's
 * thrown error becomes the API's error envelope with the status from the one
 * error table. Graceful close: stop accepting, let in-flight requests finish.
 *
 * - `GET /metrics`: the self-metrics registry (text format 0.0.4).
 * - `GET /-/healthy`: 200 while the process runs.
 * - `GET /-/ready`: 200 once the storage is open and the components have
 *   started (their routes are registered), 503 before.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerApi, type ApiOptions } from '../api/api.js';
import { sendError } from '../api/envelope.js';
import { toApiError } from '../api/errors.js';
import { Router } from '../api/router.js';
import { DEFAULT_BUCKETS } from '../metrics/registry.js';
import { parseListenAddress } from './flags.js';

export interface HttpServerOptions extends ApiOptions {
  listenAddress: string;
  /**
   * Whether `/-/ready` says 200. Defaults to "the storage is open"; the
   * server passes "the storage is open and every component has started", so
   * a client that waits for ready never meets a route not yet registered.
   */
  ready?: () => boolean;
}

export class HttpServer {
  readonly #server: Server;
  readonly #router = new Router();
  readonly #opts: HttpServerOptions;
  readonly #inflight = new Set<ServerResponse>();

  constructor(opts: HttpServerOptions) {
    this.#opts = opts;
    const requests = opts.registry.counter({
      name: 'vigil_http_requests_total',
      help: 'HTTP requests by handler (route pattern) and status code.',
      labelNames: ['handler', 'code'],
    });
    const duration = opts.registry.histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'HTTP request latencies by handler (route pattern), until the response is finished.',
      labelNames: ['handler'],
      buckets: DEFAULT_BUCKETS,
    });

    this.#router
      .on('GET', '/metrics', ({ res }) => {
        const text = opts.registry.expose();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      })
      .on('GET', '/-/healthy', ({ res }) => plain(res, 200, 'Vigil is Healthy.\n'))
      .on('GET', '/-/ready', ({ res }) =>
        (opts.ready ? opts.ready() : opts.storage() !== undefined) ? plain(res, 200, 'Vigil is Ready.\n') : plain(res, 503, 'Service Unavailable\n'),
      );
    registerApi(this.#router, opts);

    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = this.#router.resolve(req.method ?? 'GET', url.pathname);
      const pattern = 'handler' in route ? route.pattern : 'other';
      const stop = duration.labels(pattern).startTimer();
      this.#inflight.add(res);
      res.on('close', () => {
        this.#inflight.delete(res);
        stop();
        requests.labels(pattern, String(res.statusCode)).inc();
      });
      if (!('handler' in route)) {
        if (route.status === 405) res.setHeader('Allow', route.allow.join(', '));
        plain(res, route.status, route.status === 404 ? '404 page not found\n' : 'Method Not Allowed\n');
        return;
      }
      this.#dispatch(req, res, url, route.handler, route.params);
    });
    // Don't let idle keep-alive sockets hold up a graceful close.
    this.#server.keepAliveTimeout = 5_000;
  }

  #dispatch(req: IncomingMessage, res: ServerResponse, url: URL, handler: Parameters<Router['on']>[2], params: Record<string, string>): void {
    Promise.resolve()
      .then(() => handler({ req, res, url, params }))
      .catch((err: unknown) => {
        const e = toApiError(err);
        if (e.kind === 'internal') this.#opts.logger.error('request failed', { path: url.pathname, err: e.message });
        else this.#opts.logger.debug('request rejected', { path: url.pathname, kind: e.kind, err: e.message });
        sendError(res, e);
      });
  }

  /** Listens; resolves with the actual `host:port` (the port is known even when 0 was asked). */
  async listen(): Promise<string> {
    const { host, port } = parseListenAddress(this.#opts.listenAddress);
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host === '' ? undefined : host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const a = this.#server.address() as AddressInfo;
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** Stops accepting connections and resolves when in-flight requests are done (or `timeoutMs` passed). */
  async close(timeoutMs = 30_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => this.#server.closeAllConnections(), timeoutMs);
    timer.unref();
    // Sockets of finished requests go as soon as they are idle.
    const idle = setInterval(() => this.#server.closeIdleConnections(), 100);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      clearInterval(idle);
    }
  }

  /** The route table: components register their endpoints on it. */
  get router(): Router {
    return this.#router;
  }

  get inflight(): number {
    return this.#inflight.size;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
