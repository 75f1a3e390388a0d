/**
 * Optional authentication of the write endpoints: HTTP basic, a bearer
 * token, or both (either credential is then accepted). Compared in constant
 * time (over SHA-256 digests, so lengths do not leak either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface WriteAuth {
  basic?: { username: string; password: string };
  bearerToken?: string;
}

export type AuthOutcome = 'ok' | 'missing' | 'wrong';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class WriteAuthenticator {
  readonly #basic: Buffer | undefined;
  readonly #bearer: Buffer | undefined;

  constructor(auth: WriteAuth | undefined) {
    this.#basic = auth?.basic ? digest(`${auth.basic.username}:${auth.basic.password}`) : undefined;
    this.#bearer = auth?.bearerToken !== undefined ? digest(auth.bearerToken) : undefined;
  }

  /** True when no credential is configured (every request passes). */
  get open(): boolean {
    return this.#basic === undefined && this.#bearer === undefined;
  }

  /** The `WWW-Authenticate` challenge for a 401. */
  get challenge(): string {
    return this.#basic !== undefined ? 'Basic realm="vigil", charset="UTF-8"' : 'Bearer realm="vigil"';
  }

  /**
   * Checks a request's `Authorization` header. `extra` lets a protocol
   * offer a credential from elsewhere (Influx v1's `u`/`p` query parameters,
   * Influx v2's `Authorization: Token …`): `{ username, password }` or
   * `{ token }`.
   */
  check(req: IncomingMessage, extra?: { username: string; password: string } | { token: string }): AuthOutcome {
    if (this.open) return 'ok';
    let presented = false;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const sp = header.indexOf(' ');
      const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
      const cred = sp < 0 ? '' : header.slice(sp + 1).trim();
      if (scheme === 'basic') {
        presented = true;
        if (this.#matches(this.#basic, Buffer.from(cred, 'base64').toString('utf8'))) return 'ok';
      } else if (scheme === 'bearer' || scheme === 'token') {
        presented = true;
        if (this.#matches(this.#bearer, cred)) return 'ok';
      }
    }
    if (extra !== undefined) {
      presented = true;
      if ('token' in extra ? this.#matches(this.#bearer, extra.token) : this.#matches(this.#basic, `${extra.username}:${extra.password}`)) {
        return 'ok';
      }
    }
    return presented ? 'wrong' : 'missing';
  }

  #matches(expected: Buffer | undefined, presented: string): boolean {
    return expected !== undefined && timingSafeEqual(expected, digest(presented));
  }
}
