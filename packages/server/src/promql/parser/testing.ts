/**
 * Helpers for tests that compare trees: positions dropped, matchers and
 * functions reduced to their identity, matchers in sorted order, so two parses of equivalent text
 * compare equal with toEqual.
 */
import type { Expr, Node } from './ast.js';

export function normalize(node: Expr | Node): unknown {
  return strip(node);
}

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('argTypes' in o && 'name' in o) return { func: o['name'] };
  if ('matches' in o && typeof o['matches'] === 'function') return { matcher: `${o['name']}${o['type']}${JSON.stringify(o['value'])}` };
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) {
    if (k === 'start' || k === 'end' || val === undefined) continue;
    out[k] = strip(val);
  }
  // Matcher order carries no meaning (and the printer sorts them).
  if (Array.isArray(out['matchers'])) {
    out['matchers'] = (out['matchers'] as { matcher: string }[]).slice().sort((a, b) => (a.matcher < b.matcher ? -1 : a.matcher > b.matcher ? 1 : 0));
  }
  return out;
}
