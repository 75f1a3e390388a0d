/**
 * PromQL string literals: unquoting (Go escape rules, as Prometheus's lexer
 * accepts them) and Go-style quoting for printing.
 *
 * Go strings are bytes; ours are UTF-16. `\xHH` and octal escapes produce
 * bytes, decoded as UTF-8 where they form valid sequences. A byte that does
 * not is kept as the lone surrogate U+DC00+byte ("surrogate escape"), so that
 * an invalid-UTF-8 label name stays invalid (`String.isWellFormed()` is false)
 * and prints back as `\xHH`.
 */

/** Validates an escape at `s[i]` (just after the backslash); returns its length or an error text. */
export function scanEscape(s: string, i: number, quote: string): number | string {
  const ch = s[i];
  if (ch === undefined) return 'escape sequence not terminated';
  if ('abfnrtv\\'.includes(ch) || ch === quote) return 1;
  let n: number;
  let base: number;
  let max: number;
  let j = i;
  if (ch >= '0' && ch <= '7') {
    n = 3;
    base = 8;
    max = 255;
  } else if (ch === 'x') {
    n = 2;
    base = 16;
    max = 255;
    j++;
  } else if (ch === 'u') {
    n = 4;
    base = 16;
    max = 0x10ffff;
    j++;
  } else if (ch === 'U') {
    n = 8;
    base = 16;
    max = 0x10ffff;
    j++;
  } else {
    return `unknown escape sequence ${goRuneU(ch.codePointAt(0)!)}`;
  }
  let x = 0;
  for (let k = 0; k < n; k++, j++) {
    const c = s[j];
    const d = c === undefined ? 16 : digitVal(c);
    if (d >= base) {
      if (c === undefined) return 'escape sequence not terminated';
      return `illegal character ${goRuneU(c.codePointAt(0)!)} in escape sequence`;
    }
    x = x * base + d;
  }
  if (x > max || (x >= 0xd800 && x < 0xe000)) return 'escape sequence is an invalid Unicode code point';
  return j - i;
}

function digitVal(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return 16;
}

/** Go's `%#U`: `U+0071 'q'`. */
function goRuneU(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return isGoPrint(cp) ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}

const simpleEscapes: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/**
 * Unquotes a PromQL string token (with its quotes). Assumes the lexer has
 * validated the escapes; throws on malformed input anyway.
 */
export function unquote(token: string): string {
  const q = token[0];
  if (token.length < 2 || token[token.length - 1] !== q) throw new Error('invalid syntax');
  const body = token.slice(1, -1);
  if (q === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body;
  }
  if (q !== '"' && q !== "'") throw new Error('invalid syntax');
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) {
      out += decodeBytes(bytes);
      bytes = [];
    }
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      i++;
      continue;
    }
    const e = body[i + 1];
    const len = scanEscape(body, i + 1, q);
    if (typeof len === 'string') throw new Error(len);
    if (e === undefined) throw new Error('invalid syntax');
    if (e in simpleEscapes && (e !== "'" || q === "'") && (e !== '"' || q === '"')) {
      flush();
      out += simpleEscapes[e];
    } else if (e >= '0' && e <= '7') {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
    } else if (e === 'x') {
      bytes.push(parseInt(body.slice(i + 2, i + 4), 16));
    } else if (e === 'u' || e === 'U') {
      flush();
      out += String.fromCodePoint(parseInt(body.slice(i + 2, i + 1 + len), 16));
    } else {
      throw new Error('invalid syntax');
    }
    i += 1 + len;
  }
  flush();
  return out;
}

/** UTF-8 decoding that keeps invalid bytes as surrogate escapes. */
function decodeBytes(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b0 = bytes[i]!;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (b0 < 0x80) {
      out += String.fromCharCode(b0);
      i++;
      continue;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      min = 0x10000;
    } else {
      out += String.fromCharCode(0xdc00 + b0);
      i++;
      continue;
    }
    let ok = true;
    for (let j = 1; j <= need; j++) {
      const b = bytes[i + j];
      if (b === undefined || (b & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp < 0xe000)) {
      out += String.fromCodePoint(cp);
      i += need + 1;
    } else {
      out += String.fromCharCode(0xdc00 + b0);
      i++;
    }
  }
  return out;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isGoPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp));
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Quotes like Go's strconv.Quote (what Prometheus prints). */
export function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    i += width;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (cp >= 0xdc80 && cp <= 0xdcff) out += `\\x${hex(cp - 0xdc00, 2)}`;
    else if (cp >= 0xd800 && cp < 0xe000) out += '\\ufffd';
    else if (isGoPrint(cp)) out += String.fromCodePoint(cp);
    else if (cp === 7) out += '\\a';
    else if (cp === 8) out += '\\b';
    else if (cp === 12) out += '\\f';
    else if (cp === 10) out += '\\n';
    else if (cp === 13) out += '\\r';
    else if (cp === 9) out += '\\t';
    else if (cp === 11) out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + '"';
}

/** Whether `s` has no lone surrogates, i.e. is valid Unicode (and came from valid UTF-8). */
export { isWellFormed } from '../../model/labels.js';
