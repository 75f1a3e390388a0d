/**
 * Prometheus's staleness marker: the NaN with bit pattern 0x7ff0000000000002,
 * written when a series disappears. It is a *signalling* NaN, and V8 sets its
 * quiet bit (giving 0x7ff8000000000002) whenever the value passes through a
 * plain JS array of doubles: sample values must travel in `Float64Array`s.
 * `isStaleNaN` accepts the quieted pattern too, so a marker that slipped
 * through such an array is still recognised; no other source produces it.
 */
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

export const STALE_NAN = new Float64Array(new Uint32Array([2, 0x7ff00000]).buffer)[0];

export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  bits[0] = v;
  return words[0] === 2 && (words[1] === 0x7ff00000 || words[1] === 0x7ff80000);
}
