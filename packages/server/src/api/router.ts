/**
 * A small route table over node:http: exact paths and `:param` segments, one
 * handler per method. Unknown paths get 404, known paths with another method
 * 405 with an `Allow` header. Path parameters are URL-decoded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  segments: string[];
  handlers: Map<string, Handler>;
  /** For the `handler` label of request metrics: the pattern, not the concrete path. */
  pattern: string;
}

export interface Match {
  handler: Handler;
  params: Record<string, string>;
  pattern: string;
}

export type Resolution = Match | { status: 404 } | { status: 405; allow: string[] };

export class Router {
  readonly #routes: Route[] = [];

  on(methods: Method | Method[], pattern: string, handler: Handler): this {
    const segments = pattern.split('/');
    let route = this.#routes.find((r) => r.pattern === pattern);
    if (route === undefined) {
      route = { segments, handlers: new Map(), pattern };
      this.#routes.push(route);
    }
    for (const m of Array.isArray(methods) ? methods : [methods]) {
      if (route.handlers.has(m)) throw new Error(`route ${m} ${pattern} is already registered`);
      route.handlers.set(m, handler);
      if (m === 'GET') route.handlers.set('HEAD', handler);
    }
    return this;
  }

  resolve(method: string, pathname: string): Resolution {
    const parts = pathname.split('/');
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      const handler = route.handlers.get(method);
      if (handler === undefined) return { status: 405, allow: [...route.handlers.keys()] };
      return { handler, params, pattern: route.pattern };
    }
    return { status: 404 };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = v;
    } else if (p !== parts[i]) return undefined;
  }
  return params;
}
