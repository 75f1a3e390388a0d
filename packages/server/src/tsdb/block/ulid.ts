/** ULIDs name blocks: sortable by creation time, unique without coordination. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function ulid(now = Date.now()): string {
  let out = '';
  let t = now;
  const time: string[] = [];
  for (let i = 0; i < 10; i++) {
    time.push(ALPHABET[t % 32]);
    t = Math.floor(t / 32);
  }
  out = time.reverse().join('');
  const rnd = randomBytes(16);
  for (let i = 0; i < 16; i++) out += ALPHABET[rnd[i] & 31];
  return out;
}

export function isULID(s: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(s);
}
