/**
 * Code point sets for the RE2 translator: range arithmetic, Go's simple case
 * folding orbits, and the Unicode tables behind `\p{...}`.
 *
 * A set is a flat array of inclusive ranges `[lo0, hi0, lo1, hi1, ...]`,
 * sorted, disjoint and non-adjacent once cleaned — the representation Go's
 * regexp/syntax uses, so class semantics (negation over all of 0..10FFFF,
 * folding before negation) carry over one to one.
 *
 * The Unicode data comes from the JavaScript engine's own tables (its `\p{}`
 * and case mappings) rather than a shipped copy, so it follows the engine's
 * Unicode version, which may be newer than the one Go was built with.
 */

export const MAX_RUNE = 0x10ffff;

/** Sorts and merges overlapping or abutting ranges. */
export function cleanRanges(r: readonly number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i], r[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1] + 1) {
      if (hi > out[n - 1]) out[n - 1] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

/** The complement of a clean set within 0..MAX_RUNE. */
export function negateRanges(r: readonly number[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < r.length; i += 2) {
    if (next <= r[i] - 1) out.push(next, r[i] - 1);
    next = r[i + 1] + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

/** Number of code points in a clean set. */
export function rangesSize(r: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < r.length; i += 2) n += r[i + 1] - r[i] + 1;
  return n;
}

export function rangesContain(r: readonly number[], cp: number): boolean {
  let lo = 0;
  let hi = r.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cp > r[2 * mid + 1]) lo = mid + 1;
    else if (cp < r[2 * mid]) hi = mid;
    else return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Simple case folding.

/** Go's folding tables span exactly this range (regexp/syntax minFold/maxFold). */
const MIN_FOLD = 0x41;
const MAX_FOLD = 0x1e943;

/**
 * Pairs that simple case folding relates but that no single-code-point
 * upper/lower mapping connects (CaseFolding.txt status S entries whose
 * full mappings are multi-character).
 */
const EXTRA_FOLD_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [0x0390, 0x1fd3],
  [0x03b0, 0x1fe3],
  [0xfb05, 0xfb06],
];

interface FoldTables {
  /** Code point → every code point equivalent to it, itself included, ascending. */
  orbits: Map<number, readonly number[]>;
  /** Code points with a non-trivial orbit, ascending. */
  foldable: number[];
}

let foldTables: FoldTables | undefined;

function scfEquivalent(a: number, b: number): boolean {
  return new RegExp(`^\\u{${a.toString(16)}}$`, 'iu').test(String.fromCodePoint(b));
}

/**
 * Builds the equivalence classes of Unicode simple case folding (what Go's
 * unicode.SimpleFold iterates) from the engine: candidate pairs come from
 * single-code-point toLowerCase/toUpperCase mappings, and each is confirmed
 * with a `/iu` match, which is defined by simple case folding.
 */
function caseFoldTables(): FoldTables {
  if (foldTables) return foldTables;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    while (x !== root) {
      const next = parent.get(x) ?? root;
      parent.set(x, root);
      x = next;
    }
    return root;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (!parent.has(ra)) parent.set(ra, ra);
    if (!parent.has(rb)) parent.set(rb, rb);
    if (ra !== rb) parent.set(ra, rb);
  };
  const pairs: Array<readonly [number, number]> = [...EXTRA_FOLD_PAIRS];
  for (let c = MIN_FOLD; c <= MAX_FOLD; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    for (const mapped of [s.toLowerCase(), s.toUpperCase()]) {
      const d = mapped.codePointAt(0)!;
      if (d === c || mapped.length !== (d > 0xffff ? 2 : 1)) continue;
      pairs.push([c, d]);
    }
  }
  for (const [a, b] of pairs) if (scfEquivalent(a, b)) union(a, b);
  const classes = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    let members = classes.get(root);
    if (!members) classes.set(root, (members = []));
    members.push(cp);
  }
  const orbits = new Map<number, readonly number[]>();
  for (const members of classes.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a - b);
    for (const cp of members) orbits.set(cp, members);
  }
  const foldable = [...orbits.keys()].sort((a, b) => a - b);
  foldTables = { orbits, foldable };
  return foldTables;
}

/** The code points equivalent to cp under simple case folding (cp included), ascending. */
export function foldOrbit(cp: number): readonly number[] {
  return caseFoldTables().orbits.get(cp) ?? [cp];
}

/** Closes a set under simple case folding, as Go's appendFoldedRange does. */
export function foldRanges(r: readonly number[]): number[] {
  const { orbits, foldable } = caseFoldTables();
  const out = r.slice();
  let j = 0;
  for (const cp of foldable) {
    while (j < r.length && r[j + 1] < cp) j += 2;
    if (j >= r.length) break;
    if (cp < r[j]) continue;
    for (const o of orbits.get(cp)!) out.push(o, o);
  }
  return cleanRanges(out);
}

// ---------------------------------------------------------------------------
// Unicode classes for \p{Name}.

/** General categories Go's unicode.Categories knows (Go 1.25, with Cn and LC). */
const GENERAL_CATEGORIES = [
  'C', 'Cc', 'Cf', 'Cn', 'Co', 'Cs', 'L', 'LC', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So',
  'Z', 'Zl', 'Zp', 'Zs',
];

/** Unicode's long names and other aliases of the general categories (Go's unicode.CategoryAliases). */
const CATEGORY_ALIASES: Readonly<Record<string, string>> = {
  Other: 'C', Control: 'Cc', cntrl: 'Cc', Format: 'Cf', Unassigned: 'Cn', Private_Use: 'Co',
  Surrogate: 'Cs', Letter: 'L', Cased_Letter: 'LC', Lowercase_Letter: 'Ll', Modifier_Letter: 'Lm',
  Other_Letter: 'Lo', Titlecase_Letter: 'Lt', Uppercase_Letter: 'Lu', Mark: 'M', Combining_Mark: 'M',
  Spacing_Mark: 'Mc', Enclosing_Mark: 'Me', Nonspacing_Mark: 'Mn', Number: 'N', Decimal_Number: 'Nd',
  digit: 'Nd', Letter_Number: 'Nl', Other_Number: 'No', Punctuation: 'P', punct: 'P',
  Connector_Punctuation: 'Pc', Dash_Punctuation: 'Pd', Close_Punctuation: 'Pe',
  Final_Punctuation: 'Pf', Initial_Punctuation: 'Pi', Other_Punctuation: 'Po',
  Open_Punctuation: 'Ps', Symbol: 'S', Currency_Symbol: 'Sc', Modifier_Symbol: 'Sk',
  Math_Symbol: 'Sm', Other_Symbol: 'So', Separator: 'Z', Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp', Space_Separator: 'Zs',
};

/** The scripts of Unicode 15.0, the version of Go's unicode.Scripts. */
const SCRIPTS = [
  'Adlam', 'Ahom', 'Anatolian_Hieroglyphs', 'Arabic', 'Armenian', 'Avestan', 'Balinese', 'Bamum',
  'Bassa_Vah', 'Batak', 'Bengali', 'Bhaiksuki', 'Bopomofo', 'Brahmi', 'Braille', 'Buginese', 'Buhid',
  'Canadian_Aboriginal', 'Carian', 'Caucasian_Albanian', 'Chakma', 'Cham', 'Cherokee', 'Chorasmian',
  'Common', 'Coptic', 'Cuneiform', 'Cypriot', 'Cypro_Minoan', 'Cyrillic', 'Deseret', 'Devanagari',
  'Dives_Akuru', 'Dogra', 'Duployan', 'Egyptian_Hieroglyphs', 'Elbasan', 'Elymaic', 'Ethiopic',
  'Georgian', 'Glagolitic', 'Gothic', 'Grantha', 'Greek', 'Gujarati', 'Gunjala_Gondi', 'Gurmukhi',
  'Han', 'Hangul', 'Hanifi_Rohingya', 'Hanunoo', 'Hatran', 'Hebrew', 'Hiragana', 'Imperial_Aramaic',
  'Inherited', 'Inscriptional_Pahlavi', 'Inscriptional_Parthian', 'Javanese', 'Kaithi', 'Kannada',
  'Katakana', 'Kawi', 'Kayah_Li', 'Kharoshthi', 'Khitan_Small_Script', 'Khmer', 'Khojki',
  'Khudawadi', 'Lao', 'Latin', 'Lepcha', 'Limbu', 'Linear_A', 'Linear_B', 'Lisu', 'Lycian', 'Lydian',
  'Mahajani', 'Makasar', 'Malayalam', 'Mandaic', 'Manichaean', 'Marchen', 'Masaram_Gondi',
  'Medefaidrin', 'Meetei_Mayek', 'Mende_Kikakui', 'Meroitic_Cursive', 'Meroitic_Hieroglyphs', 'Miao',
  'Modi', 'Mongolian', 'Mro', 'Multani', 'Myanmar', 'Nabataean', 'Nag_Mundari', 'Nandinagari',
  'New_Tai_Lue', 'Newa', 'Nko', 'Nushu', 'Nyiakeng_Puachue_Hmong', 'Ogham', 'Ol_Chiki',
  'Old_Hungarian', 'Old_Italic', 'Old_North_Arabian', 'Old_Permic', 'Old_Persian', 'Old_Sogdian',
  'Old_South_Arabian', 'Old_Turkic', 'Old_Uyghur', 'Oriya', 'Osage', 'Osmanya', 'Pahawh_Hmong',
  'Palmyrene', 'Pau_Cin_Hau', 'Phags_Pa', 'Phoenician', 'Psalter_Pahlavi', 'Rejang', 'Runic',
  'Samaritan', 'Saurashtra', 'Sharada', 'Shavian', 'Siddham', 'SignWriting', 'Sinhala', 'Sogdian',
  'Sora_Sompeng', 'Soyombo', 'Sundanese', 'Syloti_Nagri', 'Syriac', 'Tagalog', 'Tagbanwa', 'Tai_Le',
  'Tai_Tham', 'Tai_Viet', 'Takri', 'Tamil', 'Tangsa', 'Tangut', 'Telugu', 'Thaana', 'Thai', 'Tibetan',
  'Tifinagh', 'Tirhuta', 'Toto', 'Ugaritic', 'Vai', 'Vithkuqi', 'Wancho', 'Warang_Citi', 'Yezidi', 'Yi',
  'Zanabazar_Square',
];

/**
 * Go's lookup key for a class name: separators (`_`, `-`, space) dropped,
 * first letter upper case, the rest lower case (regexp/syntax canonicalName).
 */
export function canonicalClassName(name: string): string {
  let out = '';
  let first = true;
  for (const ch of name) {
    if (ch === '_' || ch === '-' || ch === ' ') continue;
    if (first) {
      out += ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
      first = false;
    } else {
      out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : ch;
    }
  }
  return out;
}

/** A resolved `\p{}` name: the engine property to enumerate and whether Go inverts it. */
export interface UnicodeClassRef {
  /** Property expression for a JavaScript `\p{...}`, or one of the specials `Any`, `ASCII`. */
  property: string;
  /** Go defines `Assigned` as the complement of `Cn`. */
  inverted: boolean;
}

let nameIndex: Map<string, UnicodeClassRef> | undefined;

function classNameIndex(): Map<string, UnicodeClassRef> {
  if (nameIndex) return nameIndex;
  const index = new Map<string, UnicodeClassRef>();
  // Insertion order mirrors Go's lookup order: specials, categories, scripts, aliases.
  const add = (key: string, ref: UnicodeClassRef): void => {
    if (!index.has(key)) index.set(key, ref);
  };
  add('Any', { property: 'Any', inverted: false });
  add('Assigned', { property: 'gc=Cn', inverted: true });
  add('Ascii', { property: 'ASCII', inverted: false });
  for (const gc of GENERAL_CATEGORIES) add(canonicalClassName(gc), { property: `gc=${gc}`, inverted: false });
  for (const sc of SCRIPTS) add(canonicalClassName(sc), { property: `sc=${sc}`, inverted: false });
  for (const [alias, gc] of Object.entries(CATEGORY_ALIASES)) {
    add(canonicalClassName(alias), { property: `gc=${gc}`, inverted: false });
  }
  nameIndex = index;
  return index;
}

/** Resolves a `\p{}` name as Go does, or undefined when Go would reject it. */
export function lookupUnicodeClass(name: string): UnicodeClassRef | undefined {
  return classNameIndex().get(canonicalClassName(name));
}

const propertyCache = new Map<string, readonly number[]>();
let codePointText: { bmp: string; astral: string } | undefined;

/** Every scalar value as text: the BMP without surrogates, then the astral planes. */
function allCodePoints(): { bmp: string; astral: string } {
  if (codePointText) return codePointText;
  const chunk = (lo: number, hi: number): string => {
    const parts: string[] = [];
    for (let start = lo; start <= hi; start += 4096) {
      const end = Math.min(hi, start + 4095);
      const cps: number[] = [];
      for (let c = start; c <= end; c++) cps.push(c);
      parts.push(String.fromCodePoint(...cps));
    }
    return parts.join('');
  };
  codePointText = { bmp: chunk(0, 0xd7ff) + chunk(0xe000, 0xffff), astral: chunk(0x10000, MAX_RUNE) };
  return codePointText;
}

/** The set of code points a resolved `\p{}` name denotes (before Go's inversion). */
export function unicodeClassRanges(ref: UnicodeClassRef): readonly number[] {
  if (ref.property === 'Any') return [0, MAX_RUNE];
  if (ref.property === 'ASCII') return [0, 0x7f];
  const cached = propertyCache.get(ref.property);
  if (cached) return cached;
  const text = allCodePoints();
  const out: number[] = [];
  const bmpCodePoint = (index: number): number => (index < 0xd800 ? index : index + 0x800);
  const runs = new RegExp(`\\p{${ref.property}}+`, 'gu');
  for (const m of text.bmp.matchAll(runs)) {
    const first = m.index;
    const last = first + m[0].length - 1;
    if (first < 0xd800 && last >= 0xd800) out.push(first, 0xd7ff, 0xe000, bmpCodePoint(last));
    else out.push(bmpCodePoint(first), bmpCodePoint(last));
  }
  if (new RegExp(`^\\p{${ref.property}}$`, 'u').test('\ud800')) out.push(0xd800, 0xdfff);
  for (const m of text.astral.matchAll(runs)) {
    out.push(0x10000 + m.index / 2, 0x10000 + (m.index + m[0].length) / 2 - 1);
  }
  const ranges = cleanRanges(out);
  propertyCache.set(ref.property, ranges);
  return ranges;
}
