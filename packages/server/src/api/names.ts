/**
 * Label names in URL paths (`/api/v1/label/<name>/values`) use Prometheus's
 * "U__" value-encoding escaping for names that are not legacy-valid:
 * `U__` + the name with `_` doubled and every other non-legacy character
 * written as `_<hex code point>_`. So `U__my_2e_label` is `my.label` and
 * `U__a__b` is `a_b`. An invalid escape leaves the name as it was given.
 */

export function unescapeName(name: string): string {
  if (!name.startsWith('U__')) return name;
  const s = name.slice(3);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '_') {
      out += s[i];
      continue;
    }
    i++;
    if (i >= s.length) return name;
    if (s[i] === '_') {
      out += '_';
      continue;
    }
    const close = s.indexOf('_', i);
    const hex = close < 0 ? '' : s.slice(i, close);
    if (hex.length === 0 || hex.length > 6 || !/^[0-9a-fA-F]+$/.test(hex)) return name;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return name;
    out += String.fromCodePoint(cp);
    i = close;
  }
  return out;
}

/** The inverse, for clients and tests: legacy names stay as they are. */
export function escapeName(name: string): string {
  if (/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) return name;
  let out = 'U__';
  let first = true;
  for (const ch of name) {
    const legacy = /[a-zA-Z_:]/.test(ch) || (!first && /[0-9]/.test(ch));
    if (ch === '_') out += '__';
    else if (legacy) out += ch;
    else out += `_${ch.codePointAt(0)!.toString(16)}_`;
    first = false;
  }
  return out;
}
