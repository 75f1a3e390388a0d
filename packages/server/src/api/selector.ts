/**
 * Parses `match[]` series selectors (`name{label="value", other=~"re"}`,
 * Prometheus 3's `{"utf8.name", "a.b"="x"}`) into matchers. Interim: the
 * PromQL parser's `parseMetricSelector` replaces it when it lands.
 */
import { METRIC_NAME } from '../model/labels.js';
import { Matcher, type MatchType } from '../model/matcher.js';

export class SelectorError extends Error {}

export function parseSelector(input: string): Matcher[] {
  return new SelectorParser(input).parse();
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_START = /[a-zA-Z_]/;
const LABEL_CHAR = /[a-zA-Z0-9_]/;

class SelectorParser {
  #pos = 0;
  constructor(readonly s: string) {}

  parse(): Matcher[] {
    const matchers: Matcher[] = [];
    let name: string | undefined;
    this.#blanks();
    if (NAME_START.test(this.#peek())) {
      name = this.#ident(NAME_CHAR);
      matchers.push(this.#matcher('=', METRIC_NAME, name));
      this.#blanks();
    }
    if (this.#peek() === '{') {
      this.#pos++;
      this.#labelBlock(matchers, name !== undefined);
      this.#blanks();
    } else if (name === undefined) {
      this.#fail(this.#pos >= this.s.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(this.#peek())}`);
    }
    if (this.#pos < this.s.length) this.#fail(`unexpected character after selector: ${JSON.stringify(this.#peek())}`);
    if (!matchers.some((m) => !m.matchesEmpty())) {
      this.#fail('vector selector must contain at least one non-empty matcher', 0);
    }
    return matchers;
  }

  #labelBlock(out: Matcher[], haveName: boolean): void {
    let first = true;
    for (;;) {
      this.#blanks();
      const c = this.#peek();
      if (c === '}') {
        this.#pos++;
        return;
      }
      let label: string;
      if (c === '"' || c === "'" || c === '`') {
        const at = this.#pos;
        label = this.#string();
        this.#blanks();
        const d = this.#peek();
        if (d === ',' || d === '}') {
          // A lone quoted string is the metric name.
          if (!first || haveName) this.#fail('metric name must not be set twice', at);
          out.push(this.#matcher('=', METRIC_NAME, label));
          haveName = true;
          first = false;
          if (d === ',') this.#pos++;
          continue;
        }
      } else if (LABEL_START.test(c)) label = this.#ident(LABEL_CHAR);
      else this.#fail(c === '' ? 'unexpected end of input inside braces' : `unexpected character inside braces: ${JSON.stringify(c)}`);
      first = false;
      this.#blanks();
      const op = this.#op();
      this.#blanks();
      const q = this.#peek();
      if (q !== '"' && q !== "'" && q !== '`') this.#fail('expected a quoted label value');
      const value = this.#string();
      out.push(this.#matcher(op, label, value));
      this.#blanks();
      const sep = this.#peek();
      if (sep === ',') this.#pos++;
      else if (sep !== '}') this.#fail(sep === '' ? 'unexpected end of input inside braces' : `expected "," or "}", got ${JSON.stringify(sep)}`);
    }
  }

  #op(): MatchType {
    const two = this.s.slice(this.#pos, this.#pos + 2);
    if (two === '!=' || two === '=~' || two === '!~') {
      this.#pos += 2;
      return two;
    }
    if (this.#peek() === '=') {
      this.#pos++;
      return '=';
    }
    this.#fail('expected a label matching operator (=, !=, =~, !~)');
  }

  #matcher(op: MatchType, name: string, value: string): Matcher {
    try {
      return new Matcher(op, name, value);
    } catch (err) {
      this.#fail(`invalid regular expression ${JSON.stringify(value)}: ${(err as Error).message}`);
    }
  }

  #string(): string {
    const start = this.#pos;
    const quote = this.s[this.#pos++];
    if (quote === '`') {
      const end = this.s.indexOf('`', this.#pos);
      if (end < 0) this.#fail('unterminated raw string', start);
      const v = this.s.slice(this.#pos, end);
      this.#pos = end + 1;
      return v;
    }
    let out = '';
    for (;;) {
      if (this.#pos >= this.s.length) this.#fail('unterminated quoted string', start);
      const c = this.s[this.#pos++];
      if (c === quote) return out;
      if (c === '\n') this.#fail('unterminated quoted string', start);
      if (c !== '\\') {
        out += c;
        continue;
      }
      out += this.#escape(quote);
    }
  }

  /** Go's escapes: \a \b \f \n \r \t \v \\ \' \" \xHH \ooo \uHHHH \UHHHHHHHH. */
  #escape(quote: string): string {
    const at = this.#pos - 1;
    const c = this.s[this.#pos++] ?? '';
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (c in simple) return simple[c];
    if (c === quote) return c;
    const hex = (n: number): number => {
      const h = this.s.slice(this.#pos, this.#pos + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) this.#fail('invalid escape sequence', at);
      this.#pos += n;
      return parseInt(h, 16);
    };
    let cp: number;
    if (c === 'x') return String.fromCharCode(hex(2));
    if (c === 'u') cp = hex(4);
    else if (c === 'U') cp = hex(8);
    else if (c >= '0' && c <= '7') {
      const o = this.s.slice(this.#pos - 1, this.#pos + 2);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) this.#fail('invalid escape sequence', at);
      this.#pos += 2;
      return String.fromCharCode(parseInt(o, 8));
    } else this.#fail('invalid escape sequence', at);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.#fail('invalid escape sequence', at);
    return String.fromCodePoint(cp);
  }

  #ident(re: RegExp): string {
    const start = this.#pos;
    while (this.#pos < this.s.length && re.test(this.s[this.#pos])) this.#pos++;
    return this.s.slice(start, this.#pos);
  }

  #blanks(): void {
    while (this.#pos < this.s.length && /\s/.test(this.s[this.#pos])) this.#pos++;
  }

  #peek(): string {
    return this.s[this.#pos] ?? '';
  }

  #fail(msg: string, at = this.#pos): never {
    throw new SelectorError(`1:${at + 1}: parse error: ${msg}`);
  }
}
