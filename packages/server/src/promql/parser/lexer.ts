/**
 * The PromQL tokenizer. It follows Prometheus's lexer: keywords are
 * recognised case-insensitively outside braces, identifiers inside braces are
 * plain label names, `Inf`/`NaN` are numbers, a number glued to a unit is a
 * duration, and unbalanced brackets are lexer errors reported where the
 * parser reaches them.
 */
import { scanEscape } from './strings.js';

export type TokenKind =
  | 'IDENT'
  | 'METRIC_IDENT'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'EOF'
  | 'ERROR'
  | '('
  | ')'
  | '{'
  | '}'
  | '['
  | ']'
  | ','
  | ':'
  | '='
  | '=='
  | '!='
  | '=~'
  | '!~'
  | '<'
  | '<='
  | '</'
  | '>/'
  | '>'
  | '>='
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '@';

export interface Token {
  kind: TokenKind;
  /** Source text; for ERROR, the error message. */
  text: string;
  pos: number;
  /** Lower-cased keyword, for IDENT tokens outside braces that are keywords. */
  keyword?: string;
}

export const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
  'limitk',
  'limit_ratio',
]);

/** Keywords that are operators (printed `<op:and>` in errors). */
const OPERATOR_KEYWORDS = new Set(['and', 'or', 'unless', 'atan2']);

const OTHER_KEYWORDS = new Set([
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'start',
  'end',
  'step',
  'range',
  'anchored',
  'smoothed',
  'fill',
  'fill_left',
  'fill_right',
]);

export function isKeyword(lower: string): boolean {
  return AGGREGATORS.has(lower) || OPERATOR_KEYWORDS.has(lower) || OTHER_KEYWORDS.has(lower);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHexDigit = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
const isAlpha = (c: string | undefined) =>
  c !== undefined && (c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isAlphaNumeric = (c: string | undefined) => isAlpha(c) || isDigit(c);

/** Go's %q of a single rune, for lexer messages. */
function quoteRune(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  const cp = c.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

/**
 * Tokenizes the whole input. Comments are dropped. If the lexer fails, the
 * last token is an ERROR token at the failing position and nothing follows it.
 */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let parenDepth = 0;
  let braceOpen = false;
  let bracketOpen = false;

  const error = (at: number, message: string): Token[] => {
    tokens.push({ kind: 'ERROR', text: message, pos: at });
    return tokens;
  };
  const push = (kind: TokenKind, start: number, end: number, keyword?: string) => {
    const t: Token = { kind, text: input.slice(start, end), pos: start };
    if (keyword !== undefined) t.keyword = keyword;
    tokens.push(t);
    pos = end;
  };

  for (;;) {
    const c = input[pos];
    if (c === undefined) {
      if (braceOpen) return error(pos, 'unexpected end of input inside braces');
      if (parenDepth > 0) return error(pos, 'unclosed left parenthesis');
      if (bracketOpen) return error(pos, 'unclosed left bracket');
      tokens.push({ kind: 'EOF', text: '', pos });
      return tokens;
    }
    if (isSpace(c)) {
      pos++;
      continue;
    }
    if (c === '#') {
      while (pos < input.length && input[pos] !== '\n' && input[pos] !== '\r') pos++;
      continue;
    }
    const start = pos;
    if (c === '"' || c === "'") {
      let i = pos + 1;
      for (;;) {
        const d = input[i];
        if (d === undefined || d === '\n') return error(start, 'unterminated quoted string');
        if (d === '\\') {
          const len = scanEscape(input, i + 1, c);
          if (typeof len === 'string') return error(start, len);
          i += 1 + len;
          continue;
        }
        i++;
        if (d === c) break;
      }
      push('STRING', start, i);
      continue;
    }
    if (c === '`') {
      const close = input.indexOf('`', pos + 1);
      if (close < 0) return error(start, 'unterminated raw string');
      push('STRING', start, close + 1);
      continue;
    }
    if (braceOpen) {
      if (isAlpha(c)) {
        let i = pos + 1;
        while (isAlphaNumeric(input[i])) i++;
        push('IDENT', start, i);
        continue;
      }
      switch (c) {
        case ',':
          push(',', start, pos + 1);
          continue;
        case '=':
          if (input[pos + 1] === '~') push('=~', start, pos + 2);
          else push('=', start, pos + 1);
          continue;
        case '!': {
          const n = input[pos + 1];
          if (n === '~') push('!~', start, pos + 2);
          else if (n === '=') push('!=', start, pos + 2);
          else return error(start, `unexpected character after '!' inside braces: ${quoteRune(n ?? '\uFFFD')}`);
          continue;
        }
        case '{':
          return error(start, `unexpected left brace ${quoteRune(c)}`);
        case '}':
          braceOpen = false;
          push('}', start, pos + 1);
          continue;
        default:
          return error(start, `unexpected character inside braces: ${quoteRune(String.fromCodePoint(input.codePointAt(pos)!))}`);
      }
    }
    if (isDigit(c) || (c === '.' && isDigit(input[pos + 1]))) {
      const r = scanNumberOrDuration(input, pos);
      if (r.kind === 'bad') return error(start, `bad number or duration syntax: ${JSON.stringify(input.slice(start, r.end))}`);
      push(r.kind, start, r.end);
      continue;
    }
    if (isAlpha(c) || (c === ':' && !bracketOpen)) {
      let i = pos + 1;
      // Inside brackets ':' separates subquery range and step.
      while (isAlphaNumeric(input[i]) || (input[i] === ':' && !bracketOpen)) i++;
      const word = input.slice(start, i);
      const lower = word.toLowerCase();
      if (lower === 'inf' || lower === 'nan') push('NUMBER', start, i);
      else if (isKeyword(lower)) push('IDENT', start, i, lower);
      else push(word.includes(':') ? 'METRIC_IDENT' : 'IDENT', start, i);
      continue;
    }
    switch (c) {
      case ',':
      case '*':
      case '/':
      case '%':
      case '+':
      case '-':
      case '^':
      case '@':
      case ':':
        push(c, start, pos + 1);
        continue;
      case '=':
        if (input[pos + 1] === '=') push('==', start, pos + 2);
        else if (input[pos + 1] === '~') return error(start, `unexpected character after '=': '~'`);
        else push('=', start, pos + 1);
        continue;
      case '!':
        if (input[pos + 1] !== '=') return error(start, `unexpected character after '!': ${quoteRune(input[pos + 1] ?? '\uFFFD')}`);
        push('!=', start, pos + 2);
        continue;
      case '<':
      case '>':
        // `</` and `>/` trim native histograms above / below a value.
        if (input[pos + 1] === '=' || input[pos + 1] === '/') push(`${c}${input[pos + 1]}` as TokenKind, start, pos + 2);
        else push(c, start, pos + 1);
        continue;
      case '(':
        parenDepth++;
        push('(', start, pos + 1);
        continue;
      case ')':
        parenDepth--;
        if (parenDepth < 0) return error(start, `unexpected right parenthesis ')'`);
        push(')', start, pos + 1);
        continue;
      case '{':
        braceOpen = true;
        push('{', start, pos + 1);
        continue;
      case '}':
        return error(start, `unexpected right brace '}'`);
      case '[':
        if (bracketOpen) return error(start, `unexpected left bracket '['`);
        bracketOpen = true;
        push('[', start, pos + 1);
        continue;
      case ']':
        if (!bracketOpen) return error(start, `unexpected right bracket ']'`);
        bracketOpen = false;
        push(']', start, pos + 1);
        continue;
      default:
        return error(start, `unexpected character: ${quoteRune(String.fromCodePoint(input.codePointAt(pos)!))}`);
    }
  }
}

/**
 * Scans a number (`1`, `1.5`, `.5`, `5.`, `1e3`, `0x1F`, `1_000`) or a
 * duration (`5m`, `1h30m`, `10s53ms`) starting at `pos`.
 */
function scanNumberOrDuration(input: string, pos: number): { kind: 'NUMBER' | 'DURATION' | 'bad'; end: number } {
  let i = pos;
  let hex = false;
  if (input[i] === '0' && (input[i + 1] === 'x' || input[i + 1] === 'X')) {
    hex = true;
    i += 2;
    if (input[i] === '_') i++;
  }
  const digit = hex ? isHexDigit : isDigit;
  let sawDot = false;
  let sawExp = false;
  let ok = true;
  if (!hex && input[i] === '.') {
    sawDot = true;
    i++;
  }
  while (ok) {
    const c = input[i];
    if (digit(c)) {
      i++;
    } else if (c === '.' && !hex) {
      i++;
      if (sawDot || sawExp || input[i] === '_' || input[i] === '.') ok = false;
      sawDot = true;
    } else if ((c === 'e' || c === 'E') && !hex) {
      i++;
      if (sawExp) {
        ok = false;
        break;
      }
      sawExp = true;
      if (input[i] === '+' || input[i] === '-') i++;
      if (!isDigit(input[i])) ok = false;
    } else if (c === '_') {
      i++;
      if (!digit(input[i])) ok = false;
    } else if (c === '.' && hex) {
      i++;
      ok = false;
    } else {
      break;
    }
  }
  if (ok && i > pos && !isAlphaNumeric(input[i])) return { kind: 'NUMBER', end: i };
  if (!ok) return { kind: 'bad', end: i };
  // Digits followed by a unit: a duration such as 5m or 1h30m (units are validated later).
  let j = i;
  const unit = (): boolean => {
    if (!'smhdwy'.includes(input[j] ?? '#')) return false;
    j++;
    if (input[j] === 's') j++;
    return true;
  };
  if (unit()) {
    let good = true;
    while (isDigit(input[j])) {
      while (isDigit(input[j])) j++;
      if (!unit()) {
        good = false;
        break;
      }
    }
    if (good && !isAlphaNumeric(input[j])) return { kind: 'DURATION', end: j };
  }
  return { kind: 'bad', end: Math.max(j, i) + (isAlphaNumeric(input[Math.max(j, i)]) ? 1 : 0) };
}
