import { describe, expect, it } from 'vitest';
import { ByteKeyIds, hashBytes30 } from './bytekeys.js';

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/**
 * Keys laid out in one request-like buffer, each after a different amount of
 * padding, so lookups read unaligned ranges as the parse step does.
 */
function request(keys: string[]): { buf: Buffer; ranges: [number, number][] } {
  const parts: Buffer[] = [];
  const ranges: [number, number][] = [];
  let at = 0;
  keys.forEach((k, i) => {
    const pad = Buffer.alloc(1 + (i % 5), 0xee);
    const key = Buffer.from(k);
    parts.push(pad, key);
    at += pad.length;
    ranges.push([at, at + key.length]);
    at += key.length;
  });
  return { buf: Buffer.concat(parts), ranges };
}

/** Looks every key up, storing the unknown ones with the next id; returns the ids. */
function lookUp(m: ByteKeyIds, keys: string[], next: { id: number }): number[] {
  const { buf, ranges } = request(keys);
  const view = dv(buf);
  return ranges.map(([s, e]) => {
    let id = m.get(view, s, e);
    if (id === 0) m.set(buf, s, e, (id = next.id++));
    return id;
  });
}

/** Two different keys of one length with the same `hashBytes30` (found by search: 30 bits collide after ~2^15 keys). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const k = `series_${i.toString(36).padStart(6, '0')}`;
    const b = Buffer.from(k);
    const h = hashBytes30(dv(b), 0, b.length);
    const other = seen.get(h);
    if (other !== undefined) return [other, k];
    seen.set(h, k);
  }
}

describe('ByteKeyIds', () => {
  const base = Array.from({ length: 50 }, (_, i) => `{__name__="m${i % 7}",instance="host-${i}:9100"}`);

  it('gives each key one id, whatever the order of later requests', () => {
    const m = new ByteKeyIds();
    const next = { id: 1 };
    const first = lookUp(m, base, next);
    expect(first).toEqual(base.map((_, i) => i + 1));
    const byKey = new Map(base.map((k, i) => [k, first[i]]));
    const orders: string[][] = [
      base,
      [...base].reverse(),
      base.filter((_, i) => i % 3 !== 1), // some dropped
      [...base.slice(25), ...base.slice(0, 25)], // rotated, as when a request is cut elsewhere
      [...base].sort((a, b) => ((a.length * 7919 + a.charCodeAt(a.length - 3)) % 31) - ((b.length * 7919 + b.charCodeAt(b.length - 3)) % 31)),
      base, // back in order after all that
    ];
    for (const order of orders) expect(lookUp(m, order, next)).toEqual(order.map((k) => byKey.get(k)));
    expect(next.id).toBe(base.length + 1);
  });

  it('stores new keys met between known ones, and finds them in order afterwards', () => {
    const m = new ByteKeyIds();
    const next = { id: 1 };
    lookUp(m, base, next);
    const withNew = [...base.slice(0, 10), 'new_a', ...base.slice(10, 30), 'new_b', 'new_c', ...base.slice(30)];
    const ids = lookUp(m, withNew, next);
    expect(ids[10]).toBe(51);
    expect(ids[31]).toBe(52);
    expect(ids[32]).toBe(53);
    expect(lookUp(m, withNew, next)).toEqual(ids);
    expect(lookUp(m, base, next)).toEqual(base.map((_, i) => i + 1));
    expect(next.id).toBe(54);
  });

  it('never takes a key for the one guessed next when they only share a prefix or a length', () => {
    const m = new ByteKeyIds();
    const next = { id: 1 };
    // Each key is followed by one that extends it, cuts it short, or differs in its last byte only.
    const keys = ['abcdefgh', 'abcdefghi', 'abcdefg', 'abcdefgX', 'abcd', 'abce', 'a', 'b', 'abcdefgh\u00ff'];
    const ids = lookUp(m, keys, next);
    expect(new Set(ids).size).toBe(keys.length);
    // Every key in place of the one that followed it: each is new or itself.
    for (let i = 0; i + 1 < keys.length; i++) {
      const order = [...keys.slice(0, i), keys[i + 1], keys[i], ...keys.slice(i + 2)];
      expect(lookUp(m, order, next)).toEqual(order.map((k) => ids[keys.indexOf(k)]));
    }
    expect(next.id).toBe(keys.length + 1);
  });

  it('keeps keys of the same hash apart', () => {
    const [a, b] = collidingPair();
    const ha = Buffer.from(a);
    const hb = Buffer.from(b);
    expect(hashBytes30(dv(ha), 0, ha.length)).toBe(hashBytes30(dv(hb), 0, hb.length));
    const m = new ByteKeyIds();
    const next = { id: 1 };
    expect(lookUp(m, [a], next)).toEqual([1]);
    expect(lookUp(m, [b], next)).toEqual([2]);
    expect(lookUp(m, [a, b, b, a, 'x', a, b], next)).toEqual([1, 2, 2, 1, 3, 1, 2]);
  });

  it('forgets everything on clear, and grows past its initial arena and entries', () => {
    const m = new ByteKeyIds();
    const next = { id: 1 };
    const many = Array.from({ length: 5000 }, (_, i) => `${'x'.repeat(i % 40)}key_${i}`);
    const ids = lookUp(m, many, next);
    expect(lookUp(m, many, next)).toEqual(ids);
    m.clear();
    expect(lookUp(m, many.slice(0, 3), next)).toEqual([5001, 5002, 5003]);
  });
});
