/**
 * OpenMetrics 1.0 text format: single spaces between tokens, no empty lines,
 * only `# TYPE`, `# HELP`, `# UNIT` and the final `# EOF` start with `#`,
 * timestamps are float seconds, exemplars follow ` # ` on counter `_total`
 * and histogram `_bucket` samples. Families must not be interleaved, and a
 * family's metadata comes before its samples.
 *
 * A `_created` sample of a counter, histogram or summary is returned as
 * `Entry.Created` (it is metadata of the MetricPoint, not a value): its
 * `createdTimestamp()` is in ms, and a caller that stores `_created` as a
 * series, as Prometheus does by default, treats it like a sample.
 *
 * Quoted UTF-8 names (`{"my.metric","a.b"="x"}`, `# TYPE "my.metric" gauge`)
 * are accepted as in Prometheus 3; blanks are tolerated inside label blocks.
 */
import {
  BaseParser,
  Suffix,
  T,
  hasBackslash,
  isLegacyNameChar,
  isLegacyNameStart,
  typeCode,
  typeName,
} from './base.js';
import { Entry } from './parser.js';
import { parseFloatToken } from './numbers.js';

// Module-local copies: the JIT folds local constants, while imported bindings stay loads.
const C_LF = 10;
const C_SP = 32;
const C_HASH = 35;
const C_LBRACE = 123;

const HAS_TYPE = 1;
const HAS_HELP = 2;
const HAS_UNIT = 4;
const HAS_SAMPLES = 8;
const MAX_EXEMPLAR_RUNES = 128;

export class OpenMetricsParser extends BaseParser {
  #done = false;
  #famName: string | undefined;
  #famType: T = T.Unknown;
  #famFlags = 0;
  /** Every family seen, to reject interleaving. */
  #families = new Set<string>();
  #unitStart = 0;
  #unitEnd = 0;

  constructor(body: string | Uint8Array) {
    super(body);
  }

  protected helpQuoteEscapes(): boolean {
    return true;
  }

  next(): Entry {
    if (this.#done) return (this.kind = Entry.EOF);
    this.resetEntry();
    const p = this.pos;
    this.line = this.nextLine;
    this.lineStart = p;
    if (p >= this.len) {
      this.#done = true;
      this.fail(p, 'expected "# EOF" at the end of the exposition, got end of input');
    }
    if (this.badLines !== undefined && this.badLines.has(this.line)) this.fail(p, 'invalid UTF-8');
    const c = this.s.charCodeAt(p);
    if (c === C_LF) this.fail(p, 'unexpected empty line');
    if (c === C_HASH) return (this.kind = this.parseHashLine(p));
    return (this.kind = this.parseSample(p));
  }

  private endLine(p: number): void {
    this.pos = p < this.len ? p + 1 : this.len;
    this.nextLine = this.line + 1;
  }

  private expectLineEnd(p: number, after: string): void {
    if (p < this.len && this.s.charCodeAt(p) !== C_LF) this.fail(p, `expected next entry after ${after}, got ${this.got(p)}`);
    this.endLine(p);
  }

  /** End of a token: the next space or line feed. */
  private tokenEnd(p: number): number {
    const s = this.s;
    let c = s.charCodeAt(p);
    while (p < this.len && c !== C_SP && c !== C_LF) c = s.charCodeAt(++p);
    return p;
  }

  private expectSpace(p: number, before: string): number {
    if (this.s.charCodeAt(p) !== C_SP) this.fail(p, `expected a space before ${before}, got ${this.got(p)}`);
    return p + 1;
  }

  private parseHashLine(p: number): Entry {
    const s = this.s;
    if (s.charCodeAt(p + 1) !== C_SP) this.fail(p + 1, `expected a space after "#", got ${this.got(p + 1)}`);
    const k = p + 2;
    if (s.startsWith('EOF', k) && (k + 3 === this.len || s.charCodeAt(k + 3) === C_LF)) {
      this.#done = true;
      this.endLine(k + 3);
      if (this.pos < this.len) {
        this.line = this.nextLine;
        this.lineStart = this.pos;
        this.fail(this.pos, `unexpected data after "# EOF", got ${this.got(this.pos)}`);
      }
      return Entry.EOF;
    }
    let kind: Entry;
    if (s.startsWith('TYPE ', k)) kind = Entry.Type;
    else if (s.startsWith('HELP ', k)) kind = Entry.Help;
    else if (s.startsWith('UNIT ', k)) kind = Entry.Unit;
    else this.fail(k, `expected TYPE, HELP, UNIT or EOF after "# ", got ${this.got(k)}`);
    const keyword = s.slice(k, k + 4);
    p = this.scanMetadataName(k + 5, keyword);
    const name = this.nameText();
    const nameAt = this.nameStart;

    if (kind === Entry.Type) {
      p = this.expectSpace(p, 'the metric type');
      const te = this.tokenEnd(p);
      const t = typeCode(s, p, te, true);
      if (t < 0) this.fail(p, `invalid metric type ${this.got(p)}`);
      this.expectLineEnd(te, 'metric type');
      this.entryType = t;
      this.metadata(name, HAS_TYPE, keyword, nameAt);
      this.#famType = t;
    } else if (kind === Entry.Help) {
      let end = p;
      if (p < this.len && s.charCodeAt(p) !== C_LF) {
        p = this.expectSpace(p, 'the help text');
        end = s.indexOf('\n', p);
        if (end < 0) end = this.len;
      }
      this.textStart = p;
      this.textEnd = end;
      this.textEscaped = hasBackslash(s, p, end);
      this.endLine(end);
      this.metadata(name, HAS_HELP, keyword, nameAt);
    } else {
      let end = p;
      if (p < this.len && s.charCodeAt(p) !== C_LF) {
        p = this.expectSpace(p, 'the unit');
        end = p;
        while (isLegacyNameChar(s.charCodeAt(end), true)) end++;
        this.expectLineEnd(end, 'unit');
      } else this.endLine(end);
      this.textStart = p;
      this.textEnd = end;
      this.#unitStart = p;
      this.#unitEnd = end;
      this.metadata(name, HAS_UNIT, keyword, nameAt);
    }
    return kind;
  }

  /** Family bookkeeping for a metadata line; the line has been consumed, so errors do not move. */
  private metadata(name: string, bit: number, keyword: string, at: number): void {
    if (name !== this.#famName) this.startFamily(name, at);
    else if (this.#famFlags & HAS_SAMPLES) this.failEntry(at, `${keyword} line for metric family ${JSON.stringify(name)} after its samples`);
    else if (this.#famFlags & bit) this.failEntry(at, `second ${keyword} line for metric family ${JSON.stringify(name)}`);
    this.#famFlags |= bit;
    if (bit === HAS_UNIT) {
      const unitLen = this.#unitEnd - this.#unitStart;
      if (unitLen > 0 && !(name.length > unitLen && name.endsWith(this.s.slice(this.#unitStart, this.#unitEnd)) && name.charCodeAt(name.length - unitLen - 1) === 95)) {
        this.failEntry(this.#unitStart, `unit ${JSON.stringify(this.s.slice(this.#unitStart, this.#unitEnd))} is not a suffix of metric family ${JSON.stringify(name)}`);
      }
    }
  }

  private startFamily(name: string, at: number): void {
    if (this.#families.has(name)) this.failEntry(at, `metric family ${JSON.stringify(name)} appears twice: families must not be interleaved`);
    this.#families.add(name);
    this.#famName = name;
    this.#famType = T.Unknown;
    this.#famFlags = 0;
  }

  private parseSample(p: number): Entry {
    const s = this.s;
    this.seriesStart = p;
    const c = s.charCodeAt(p);
    let hasName = false;
    if (isLegacyNameStart(c, true)) {
      this.nameStart = p;
      p = this.scanLegacyName(p, true);
      this.nameEnd = p;
      hasName = true;
    } else if (c !== C_LBRACE) {
      this.fail(p, `${this.got(p)} is not a valid start token`);
    }
    if (s.charCodeAt(p) === C_LBRACE) {
      if (!hasName) this.nameEnd = -1;
      p = this.parseLabelBlock(p + 1, !hasName, false);
      if (this.nameEnd < 0) this.fail(this.seriesStart, 'metric name is missing: expected a quoted name first in the braces');
    }
    this.seriesEnd = p;

    p = this.expectSpace(p, 'the value');
    const ve = this.tokenEnd(p);
    if (ve === p) this.fail(p, `expected value after metric, got ${this.got(p)}`);
    const v = parseFloatToken(s, p, ve);
    if (v === undefined) this.fail(p, `expected a float value, got ${JSON.stringify(s.slice(p, ve))}`);
    this.value = v;
    p = ve;
    let exemplarAt = -1;
    if (s.charCodeAt(p) === C_SP) {
      p++;
      if (s.charCodeAt(p) === C_HASH) exemplarAt = p;
      else {
        const te = this.tokenEnd(p);
        this.timestamp = this.parseTimestamp(p, te);
        p = te;
        if (s.charCodeAt(p) === C_SP) {
          if (s.charCodeAt(p + 1) !== C_HASH) this.fail(p + 1, `expected next entry after timestamp, got ${this.got(p + 1)}`);
          exemplarAt = p + 1;
        }
      }
    }
    if (exemplarAt >= 0) p = this.parseExemplar(exemplarAt);
    this.expectLineEnd(p, this.hasEx ? 'exemplar' : this.timestamp === undefined ? 'value' : 'timestamp');
    return this.placeSample(exemplarAt);
  }

  /** `p` is at the `#` of ` # {labels} value [timestamp]`; returns the end of the exemplar. */
  private parseExemplar(p: number): number {
    const s = this.s;
    p = this.expectSpace(p + 1, 'the exemplar labels');
    if (s.charCodeAt(p) !== C_LBRACE) this.fail(p, `expected label set for exemplar, got ${this.got(p)}`);
    const labelsAt = p;
    p = this.parseLabelBlock(p + 1, false, true);
    this.hasEx = true;
    if (this.exemplarRunes() > MAX_EXEMPLAR_RUNES) {
      this.fail(labelsAt, `exemplar labels have more than ${MAX_EXEMPLAR_RUNES} UTF-8 characters`);
    }
    p = this.expectSpace(p, 'the exemplar value');
    const ve = this.tokenEnd(p);
    const v = parseFloatToken(s, p, ve);
    if (v === undefined) this.fail(p, `expected a float exemplar value, got ${this.got(p)}`);
    this.exemplarValue = v;
    p = ve;
    if (s.charCodeAt(p) === C_SP) {
      const te = this.tokenEnd(p + 1);
      this.exemplarTimestamp = this.parseTimestamp(p + 1, te);
      p = te;
    }
    return p;
  }

  /** OpenMetrics timestamps are (possibly fractional) seconds; returns ms. */
  private parseTimestamp(p: number, end: number): number {
    const t = end > p ? parseFloatToken(this.s, p, end) : undefined;
    if (t === undefined || !Number.isFinite(t)) this.fail(p, `expected a timestamp in seconds, got ${this.got(p)}`);
    return Math.round(t * 1000);
  }

  /** Ties the sample to its family (starting an implicit unknown-typed one when needed) and checks the rules of its type. */
  private placeSample(exemplarAt: number): Entry {
    let suffix = this.classify(this.#famName, this.#famType, false);
    if (suffix < 0) {
      const name = this.nameText();
      if (name === this.#famName) {
        this.failEntry(this.nameStart, `invalid sample name ${JSON.stringify(name)} for ${typeName(this.#famType)} metric family ${JSON.stringify(name)}`);
      }
      this.startFamily(name, this.nameStart);
      suffix = Suffix.None;
    }
    this.#famFlags |= HAS_SAMPLES;
    const t = this.#famType;
    this.entryType = t;
    if (exemplarAt >= 0 && !((t === T.Counter && suffix === Suffix.Total) || ((t === T.Histogram || t === T.GaugeHistogram) && suffix === Suffix.Bucket))) {
      this.failEntry(exemplarAt, 'exemplars are only allowed on counter _total and histogram _bucket samples');
    }
    if (suffix === Suffix.Bucket && !this.hasLabelNamed('le')) this.failEntry(this.seriesStart, 'histogram bucket without "le" label');
    else if (t === T.Summary && suffix === Suffix.None && !this.hasLabelNamed('quantile')) {
      this.failEntry(this.seriesStart, 'summary sample without "quantile" label');
    } else if (t === T.StateSet && !this.hasLabelNamed(this.#famName!)) {
      this.failEntry(this.seriesStart, `stateset sample without a label named ${JSON.stringify(this.#famName)}`);
    }
    return suffix === Suffix.Created ? Entry.Created : Entry.Sample;
  }
}
