/**
 * The Prometheus text exposition format 0.0.4 (and its UTF-8 extension,
 * `text/plain; version=1.0.0`): line oriented, blanks and tabs between
 * tokens, `# HELP`/`# TYPE` metadata, other `#` lines are comments, empty
 * lines ignored, optional integer millisecond timestamps.
 */
import {
  BaseParser,
  hasBackslash,
  T,
  isLegacyNameStart,
  typeCode,
} from './base.js';
import { Entry } from './parser.js';
import { parseFloatToken, parseIntToken } from './numbers.js';

// Module-local copies: the JIT folds local constants, while imported bindings stay loads.
const C_TAB = 9;
const C_LF = 10;
const C_SP = 32;
const C_HASH = 35;
const C_LBRACE = 123;
const C_RBRACE = 125;

export class PromParser extends BaseParser {
  /** The family of the last `# TYPE` line: samples are typed by it. */
  #famName: string | undefined;
  #famType: T = T.Unknown;
  /** The current sample is still to be tied to its family (done when its type or labels are asked for: a scrape that finds the series cached asks for neither). */
  #unclassified = false;
  /** The series text the next sample probably has (`expectSeries`). */
  #hint: string | undefined;
  /** The current sample's series text, when it was the hint: its name and label block are then scanned only when asked for. */
  #hinted: string | undefined;

  constructor(body: string | Uint8Array) {
    super(body);
  }

  protected helpQuoteEscapes(): boolean {
    return false;
  }

  next(): Entry {
    const s = this.s;
    for (;;) {
      this.resetEntry();
      this.#unclassified = false;
      this.#hinted = undefined;
      let p = this.pos;
      if (p >= this.len) return (this.kind = Entry.EOF);
      this.line = this.nextLine;
      this.lineStart = p;
      if (this.badLines !== undefined && this.badLines.has(this.line)) this.fail(p, 'invalid UTF-8');
      p = this.skipBlanks(p);
      const c = s.charCodeAt(p);
      if (c === C_LF || p >= this.len) {
        this.endLine(p);
        continue;
      }
      if (c === C_HASH) return (this.kind = this.parseComment(p + 1));
      return (this.kind = this.parseSample(p));
    }
  }

  /** `p` is at the line feed (or the end); moves past it. */
  private endLine(p: number): void {
    this.pos = p < this.len ? p + 1 : this.len;
    this.nextLine = this.line + 1;
  }

  /** `p` is at the end of the last token: only blanks may follow. */
  private expectLineEnd(p: number, after: string): void {
    p = this.skipBlanks(p);
    if (p < this.len && this.s.charCodeAt(p) !== C_LF) this.fail(p, `expected next entry after ${after}, got ${this.got(p)}`);
    this.endLine(p);
  }

  private tokenEnd(p: number): number {
    const s = this.s;
    let c = s.charCodeAt(p);
    while (p < this.len && c !== C_SP && c !== C_TAB && c !== C_LF) c = s.charCodeAt(++p);
    return p;
  }

  private lineEnd(p: number): number {
    const nl = this.s.indexOf('\n', p);
    return nl < 0 ? this.len : nl;
  }

  private parseComment(p: number): Entry {
    const s = this.s;
    const q = this.skipBlanks(p);
    if (q > p) {
      const isHelp = s.startsWith('HELP', q);
      if (isHelp || s.startsWith('TYPE', q)) {
        const k = q + 4;
        const c = s.charCodeAt(k);
        if (c === C_SP || c === C_TAB) return isHelp ? this.parseHelp(this.skipBlanks(k)) : this.parseType(this.skipBlanks(k));
        if (k >= this.len || c === C_LF) this.fail(k, `expected metric name after ${isHelp ? 'HELP' : 'TYPE'}, got ${this.got(k)}`);
      }
    }
    this.textStart = q;
    this.textEnd = this.lineEnd(q);
    this.endLine(this.textEnd);
    return Entry.Comment;
  }

  private parseHelp(p: number): Entry {
    const s = this.s;
    p = this.scanMetadataName(p, 'HELP');
    const c = s.charCodeAt(p);
    if (p < this.len && c !== C_LF && c !== C_SP && c !== C_TAB) this.fail(p, `expected text in HELP, got ${this.got(p)}`);
    p = this.skipBlanks(p);
    const end = this.lineEnd(p);
    this.textStart = p;
    this.textEnd = end;
    this.textEscaped = hasBackslash(s, p, end);
    this.endLine(end);
    return Entry.Help;
  }

  private parseType(p: number): Entry {
    p = this.scanMetadataName(p, 'TYPE');
    const c = this.s.charCodeAt(p);
    if (c !== C_SP && c !== C_TAB) this.fail(p, `expected metric type after metric name, got ${this.got(p)}`);
    const ts = this.skipBlanks(p);
    const te = this.tokenEnd(ts);
    const t = typeCode(this.s, ts, te, false);
    if (t < 0) this.fail(ts, `invalid metric type ${this.got(ts)}`);
    this.expectLineEnd(te, 'metric type');
    this.entryType = t;
    this.#famName = this.nameText();
    this.#famType = t;
    return Entry.Type;
  }

  /**
   * A scraper's cache knows the series text each line had in the previous
   * scrape; when the next sample's text is that one, the label block it
   * scanned and accepted then is taken as written. `text` must be a series
   * text this format accepted before.
   */
  override expectSeries(text: string): void {
    this.#hint = text;
  }

  override seriesText(): string {
    return this.#hinted ?? super.seriesText();
  }

  private parseSample(p: number): Entry {
    const s = this.s;
    this.seriesStart = p;
    const hint = this.#hint;
    this.#hint = undefined;
    if (hint !== undefined && this.#startsWithSeries(p, hint)) {
      this.#hinted = hint;
      p += hint.length;
    } else {
      p = this.#scanSeries(p);
    }
    this.seriesEnd = p;

    const vs = this.skipBlanks(p);
    const ve = this.tokenEnd(vs);
    if (ve === vs) this.fail(vs, `expected value after metric, got ${this.got(vs)}`);
    const v = parseFloatToken(s, vs, ve);
    if (v === undefined) this.fail(vs, `expected a float value, got ${JSON.stringify(s.slice(vs, ve))}`);
    this.value = v;

    const ts = this.skipBlanks(ve);
    if (ts < this.len && s.charCodeAt(ts) !== C_LF) {
      const te = this.tokenEnd(ts);
      const t = parseIntToken(s, ts, te);
      if (t === undefined) this.fail(ts, `expected an integer timestamp in milliseconds, got ${JSON.stringify(s.slice(ts, te))}`);
      this.timestamp = t;
      this.expectLineEnd(te, 'timestamp');
    } else {
      this.endLine(ts);
    }

    this.#unclassified = true;
    return Entry.Sample;
  }

  /** Scans the metric name and label block at `p` (the start of the series); returns the end of the series text. */
  #scanSeries(p: number): number {
    const s = this.s;
    let hasName = false;
    let c = s.charCodeAt(p);
    if (isLegacyNameStart(c, true)) {
      this.nameStart = p;
      p = this.scanLegacyName(p, true);
      this.nameEnd = p;
      hasName = true;
      const q = this.skipBlanks(p);
      if (s.charCodeAt(q) === C_LBRACE) p = q;
    } else if (c !== C_LBRACE) {
      this.fail(p, `${this.got(p)} is not a valid start token`);
    }
    if (s.charCodeAt(p) === C_LBRACE) {
      this.nameEnd = hasName ? this.nameEnd : -1;
      p = this.parseLabelBlock(p + 1, !hasName, false);
      if (this.nameEnd < 0) this.fail(this.seriesStart, 'metric name is missing: expected a quoted name first in the braces');
    } else if (p < this.len && (c = s.charCodeAt(p)) !== C_SP && c !== C_TAB) {
      this.fail(p, `expected value after metric, got ${this.got(p)}`);
    }
    return p;
  }

  /** Whether the series text at `p` is `text`: the same characters, then the end of the series (a blank, and no label block after the blanks). */
  #startsWithSeries(p: number, text: string): boolean {
    const s = this.s;
    const end = p + text.length;
    const c = s.charCodeAt(end);
    if ((c !== C_SP && c !== C_TAB) || s.slice(p, end) !== text) return false;
    return text.charCodeAt(text.length - 1) === C_RBRACE || s.charCodeAt(this.skipBlanks(end)) !== C_LBRACE;
  }

  /** Ties the sample to its family; for a series text taken from the hint, scans its name and label block first (they were valid before). */
  protected override resolveEntry(): void {
    if (this.#hinted !== undefined) {
      this.#hinted = undefined;
      this.#scanSeries(this.seriesStart);
    }
    if (!this.#unclassified) return;
    this.#unclassified = false;
    if (this.classify(this.#famName, this.#famType, true) >= 0) this.entryType = this.#famType;
  }
}
