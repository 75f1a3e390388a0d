/**
 * The HTTP client of scrapes and HTTP service discovery: one per job (per
 * SD config), holding keep-alive agents configured from the job's
 * `HttpClientConfig` (basic auth, authorization, TLS, redirects).
 *
 * `get()` enforces a deadline over the whole exchange and a limit on the
 * (decompressed) body, and copies the body into a caller-owned buffer that
 * is reused from one scrape to the next: a steady scrape allocates no new
 * body buffer.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { SecureVersion } from 'node:tls';
import { createGunzip, createInflate } from 'node:zlib';
import type { HttpClientConfig } from '../config/scrape.js';

export const USER_AGENT = 'Vigil/0.1';
const MAX_REDIRECTS = 10;

/** A reusable body buffer: `get()` grows it as needed; `length` is the body's size. */
export class BodyBuffer {
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  length = 0;

  /** The body of the last request (a view, valid until the next request). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  append(chunk: Buffer): void {
    const need = this.length + chunk.length;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.length);
    this.length = need;
  }
}

export interface GetOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** Largest accepted body after decompression; 0 = no limit. */
  maxBodyBytes: number;
  into: BodyBuffer;
  signal?: AbortSignal;
}

export interface GetResult {
  status: number;
  statusText: string;
  contentType: string | undefined;
  /** Size on the wire (before decompression). */
  wireBytes: number;
}

/** Errors that end a scrape, with the message `lastError` shows. */
export class ScrapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeError';
  }
}

export const errBodySizeLimit = (limit: number) => new ScrapeError(`body size limit exceeded (limit: ${limit} bytes)`);

export class HttpClient {
  readonly #cfg: HttpClientConfig;
  readonly #http = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  #https: HttpsAgent | undefined;
  #httpsReady: Promise<HttpsAgent> | undefined;

  constructor(cfg: HttpClientConfig) {
    this.#cfg = cfg;
  }

  close(): void {
    this.#http.destroy();
    this.#https?.destroy();
  }

  async get(url: URL, o: GetOptions): Promise<GetResult> {
    const deadline = Date.now() + o.timeoutMs;
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...o.headers };
    if (this.#cfg.basicAuth || this.#cfg.authorization) {
      const auth = await this.#authHeader();
      if (auth !== undefined) headers.Authorization = auth;
    }
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await this.#once(current, headers, deadline, o);
      if ('redirect' in res) {
        if (!this.#cfg.followRedirects || hop >= MAX_REDIRECTS) {
          return { status: res.status, statusText: res.statusText, contentType: undefined, wireBytes: 0 };
        }
        current = new URL(res.redirect, current);
        continue;
      }
      return res;
    }
  }

  async #authHeader(): Promise<string | undefined> {
    const { basicAuth, authorization } = this.#cfg;
    if (basicAuth) {
      const user = basicAuth.usernameFile ? (await readSecret(basicAuth.usernameFile)) : basicAuth.username;
      const pass = basicAuth.passwordFile ? (await readSecret(basicAuth.passwordFile)) : basicAuth.password;
      return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    if (authorization) {
      const cred = authorization.credentialsFile ? await readSecret(authorization.credentialsFile) : authorization.credentials;
      return `${authorization.type} ${cred}`;
    }
    return undefined;
  }

  async #httpsAgent(): Promise<HttpsAgent> {
    this.#httpsReady ??= (async () => {
      const t = this.#cfg.tls;
      const ca = t.ca ?? (t.caFile ? await readFile(t.caFile, 'utf8') : undefined);
      const cert = t.cert ?? (t.certFile ? await readFile(t.certFile, 'utf8') : undefined);
      const key = t.key ?? (t.keyFile ? await readFile(t.keyFile, 'utf8') : undefined);
      this.#https = new HttpsAgent({
        keepAlive: true,
        maxSockets: 4,
        ca,
        cert,
        key,
        servername: t.serverName,
        rejectUnauthorized: !t.insecureSkipVerify,
        minVersion: tlsVersion(t.minVersion) ?? 'TLSv1.2',
        maxVersion: tlsVersion(t.maxVersion),
      });
      return this.#https;
    })();
    try {
      return await this.#httpsReady;
    } catch (err) {
      this.#httpsReady = undefined;
      throw new ScrapeError(`cannot load TLS config: ${(err as Error).message}`);
    }
  }

  async #once(
    url: URL,
    headers: Record<string, string>,
    deadline: number,
    o: GetOptions,
  ): Promise<GetResult | { redirect: string; status: number; statusText: string }> {
    const https = url.protocol === 'https:';
    const agent = https ? await this.#httpsAgent() : this.#http;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw timeoutError(url, o.timeoutMs);
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        req.destroy();
        reject(err);
      };
      const done = (r: GetResult | { redirect: string; status: number; statusText: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const onAbort = () => fail(new ScrapeError(`Get "${url.href}": context canceled`));
      const timer = setTimeout(() => fail(timeoutError(url, o.timeoutMs)), remaining);
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const req = (https ? httpsRequest : httpRequest)(url, { method: 'GET', headers, agent }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const statusText = res.statusMessage ?? '';
        if (status >= 300 && status < 400 && res.headers.location !== undefined) {
          res.resume();
          done({ redirect: res.headers.location, status, statusText });
          return;
        }
        if (status !== 200) {
          // The body is not read: the scrape fails on the status alone.
          res.resume();
          done({ status, statusText, contentType: res.headers['content-type'], wireBytes: 0 });
          return;
        }
        const into = o.into;
        into.length = 0;
        let wire = 0;
        const enc = (res.headers['content-encoding'] ?? '').toLowerCase();
        let stream: NodeJS.ReadableStream = res;
        if (enc === 'gzip' || enc === 'x-gzip') stream = res.pipe(createGunzip());
        else if (enc === 'deflate') stream = res.pipe(createInflate());
        else if (enc !== '' && enc !== 'identity') {
          fail(new ScrapeError(`unsupported Content-Encoding ${JSON.stringify(enc)}`));
          return;
        }
        if (stream !== res) res.on('data', (c: Buffer) => (wire += c.length));
        stream.on('data', (c: Buffer) => {
          if (stream === res) wire += c.length;
          if (o.maxBodyBytes > 0 && into.length + c.length > o.maxBodyBytes) {
            fail(errBodySizeLimit(o.maxBodyBytes));
            return;
          }
          into.append(c);
        });
        stream.on('end', () => done({ status, statusText, contentType: res.headers['content-type'], wireBytes: wire }));
        stream.on('error', (err: Error) => fail(new ScrapeError(`cannot read body of ${url.href}: ${err.message}`)));
        res.on('aborted', () => fail(new ScrapeError(`cannot read body of ${url.href}: connection closed before the end of the body`)));
      });
      req.on('error', (err: Error) => fail(new ScrapeError(`Get "${url.href}": ${err.message}`)));
      req.end();
    });
  }
}

function timeoutError(url: URL, timeoutMs: number): ScrapeError {
  return new ScrapeError(`Get "${url.href}": context deadline exceeded (timeout ${timeoutMs / 1000}s)`);
}

async function readSecret(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new ScrapeError(`cannot read credentials file ${file}: ${(err as Error).message}`);
  }
}

function tlsVersion(v: string | undefined): SecureVersion | undefined {
  switch (v) {
    case 'TLS10':
      return 'TLSv1';
    case 'TLS11':
      return 'TLSv1.1';
    case 'TLS12':
      return 'TLSv1.2';
    case 'TLS13':
      return 'TLSv1.3';
    default:
      return undefined;
  }
}
