/**
 * The PromQL parser: a precedence-climbing parser over the token list that
 * builds the same tree, with the same operator precedence and associativity,
 * as Prometheus's yacc grammar, then type-checks it (check.ts).
 *
 * Precedence, lowest first: `or`; `and unless`; comparisons; `+ -`;
 * `* / % atan2 </ >/`; unary `+ -`; `^` (right-associative, so `-2^2` is -4);
 * then the postfix modifiers `[...]`, `offset`, `@`, `anchored`,
 * `smoothed`, which bind to the selector or subquery right before them.
 */
import { Matcher, type MatchType } from '../../model/matcher.js';
import { getFunction } from '../functions/catalogue.js';
import type {
  AggregateExpr,
  AggregateOp,
  AtMarker,
  BinaryExpr,
  BinaryOp,
  Call,
  DurationExpr,
  DurationNode,
  Expr,
  MatrixSelector,
  NumberLiteral,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { AGGREGATORS_WITH_PARAM, isSetOp } from './ast.js';
import { checkExpr } from './check.js';
import { DurationSyntaxError, parseDuration } from './duration.js';
import { durationIsConstant, durationToMs, evalDuration } from './duration_expr.js';
import { ParseError, type PositionRange } from './errors.js';
import { AGGREGATORS, type Token, tokenize } from './lexer.js';
import { goQuote, isWellFormed, unquote } from './strings.js';

/** Switches for syntax Prometheus keeps behind feature flags. All default to on, as the conformance corpus assumes. */
export interface ParseOptions {
  /** `--enable-feature=promql-experimental-functions`: experimental functions, `limitk`, `limit_ratio`. */
  experimentalFunctions?: boolean;
  /** `--enable-feature=promql-extended-range-selectors`: `anchored` and `smoothed`. */
  extendedRangeSelectors?: boolean;
  /** `--enable-feature=promql-binop-fill-modifiers`: `fill()`, `fill_left()`, `fill_right()`. */
  binopFillModifiers?: boolean;
}

const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '<=': 3,
  '>': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '</': 5,
  '>/': 5,
  '^': 6,
};
const POW_PRECEDENCE = 6;

/** Keywords that may also name a metric when they stand where an operand is expected. */
const METRIC_NAME_KEYWORDS = new Set([
  ...AGGREGATORS,
  'by',
  'without',
  'and',
  'or',
  'unless',
  'offset',
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

/** Keywords that are function names when followed by `(`. */
const FUNCTION_KEYWORDS = new Set(['start', 'end', 'step', 'range']);

const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

const DURATION_OPS = new Set(['+', '-', '*', '/', '%', '^']);

/** Parses a PromQL expression; throws ParseError. */
export function parseExpr(input: string, options: ParseOptions = {}): Expr {
  const p = new Parser(input, options);
  const expr = p.parseTop();
  checkExpr(expr, input);
  return expr;
}

/**
 * Parses a series selector (`match[]` parameters): `name{...}` or `{...}`,
 * without modifiers. Returns its matchers, including the name matcher.
 * Like Prometheus, it does not require a non-empty matcher; callers do.
 */
export function parseMetricSelector(input: string): Matcher[] {
  const p = new Parser(input, {});
  return p.parseSelectorOnly().matchers;
}

/** Alias of parseMetricSelector, named after the API's "series selector". */
export const parseSeriesSelector = parseMetricSelector;

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(
    private readonly input: string,
    private readonly options: ParseOptions,
  ) {
    this.tokens = tokenize(input);
  }

  // ---- token access --------------------------------------------------

  private at(offset = 0): Token {
    const t = this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
    if (t.kind === 'ERROR') throw this.error({ start: t.pos, end: this.input.length }, t.text);
    return t;
  }

  private next(): Token {
    const t = this.at();
    if (t.kind !== 'EOF') this.i++;
    return t;
  }

  /** End offset of the last consumed token. */
  private get lastEnd(): number {
    const t = this.tokens[this.i - 1];
    return t ? t.pos + t.text.length : 0;
  }

  private error(pos: PositionRange, message: string): ParseError {
    return new ParseError(this.input, pos, message);
  }

  private unexpected(t: Token, context = '', expected = ''): ParseError {
    let msg = `unexpected ${describe(t)}`;
    if (context) msg += ` in ${context}`;
    if (expected) msg += `, expected ${expected}`;
    return this.error(tokenRange(t), msg);
  }

  private expect(kind: Token['kind'], context = '', expected = ''): Token {
    const t = this.at();
    if (t.kind !== kind) throw this.unexpected(t, context, expected);
    return this.next();
  }

  private isKeyword(t: Token, ...words: string[]): boolean {
    return t.kind === 'IDENT' && t.keyword !== undefined && words.includes(t.keyword);
  }

  // ---- entry points -------------------------------------------------

  parseTop(): Expr {
    if (this.at().kind === 'EOF') throw this.error({ start: 0, end: 0 }, 'no expression found in input');
    const e = this.parseBinary(0);
    const t = this.at();
    if (t.kind !== 'EOF') throw this.unexpected(t);
    return e;
  }

  parseSelectorOnly(): VectorSelector {
    const t = this.at();
    let vs: VectorSelector;
    if (t.kind === '{') vs = this.parseVectorSelector(null);
    else if (t.kind === 'METRIC_IDENT' || (t.kind === 'IDENT' && (!t.keyword || METRIC_NAME_KEYWORDS.has(t.keyword)))) {
      this.next();
      vs = this.parseVectorSelector(t);
    } else if (t.kind === 'EOF') {
      throw this.error({ start: 0, end: 0 }, 'no expression found in input');
    } else {
      throw this.unexpected(t);
    }
    const rest = this.at();
    if (rest.kind !== 'EOF') throw this.unexpected(rest);
    return vs;
  }

  // ---- expressions --------------------------------------------------

  private binaryOp(t: Token): BinaryOp | undefined {
    switch (t.kind) {
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^':
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
      case '</':
      case '>/':
        return t.kind;
      case 'IDENT':
        if (t.keyword === 'and' || t.keyword === 'or' || t.keyword === 'unless' || t.keyword === 'atan2') return t.keyword;
        return undefined;
      default:
        return undefined;
    }
  }

  private parseBinary(minPrec: number): Expr {
    let lhs = this.parseUnary();
    for (;;) {
      const op = this.binaryOp(this.at());
      if (!op) return lhs;
      const prec = BINARY_PRECEDENCE[op];
      if (prec < minPrec) return lhs;
      this.next();
      const { returnBool, matching } = this.parseBinaryModifiers();
      const rhs = this.parseBinary(op === '^' ? prec : prec + 1);
      lhs = makeBinary(op, lhs, rhs, returnBool, matching);
    }
  }

  private parseBinaryModifiers(): { returnBool: boolean; matching: VectorMatching } {
    const matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let returnBool = false;
    if (this.isKeyword(this.at(), 'bool')) {
      this.next();
      returnBool = true;
    }
    const t = this.at();
    if (this.isKeyword(t, 'on', 'ignoring')) {
      this.next();
      matching.on = t.keyword === 'on';
      matching.labels = this.parseGroupingLabels();
      const g = this.at();
      if (this.isKeyword(g, 'group_left', 'group_right')) {
        this.next();
        matching.card = g.keyword === 'group_left' ? 'many-to-one' : 'one-to-many';
        if (this.at().kind === '(') matching.include = this.parseGroupingLabels();
      }
    }
    // `fill` not followed by `(` is the name of the right operand.
    while (this.isKeyword(this.at(), 'fill', 'fill_left', 'fill_right') && this.at(1).kind === '(') {
      const f = this.next();
      if (this.options.binopFillModifiers === false) {
        throw this.error(
          tokenRange(f),
          'fill modifiers are experimental and must be enabled with --enable-feature=promql-binop-fill-modifiers',
        );
      }
      this.expect('(', 'fill modifier', '"("');
      const value = this.parseSignedNumber('fill modifier', 'number');
      this.expect(')', 'fill modifier', '")"');
      const left = f.keyword !== 'fill_right';
      const right = f.keyword !== 'fill_left';
      if ((left && matching.fillLeft !== undefined) || (right && matching.fillRight !== undefined)) {
        throw this.error({ start: f.pos, end: this.lastEnd }, 'fill modifier may not be set multiple times');
      }
      if (left) matching.fillLeft = value;
      if (right) matching.fillRight = value;
    }
    return { returnBool, matching };
  }

  /** `(a, b, "c.d")`; a trailing comma is allowed, as in Prometheus. */
  private parseGroupingLabels(): string[] {
    this.expect('(', 'grouping opts', '"("');
    const labels: string[] = [];
    if (this.at().kind === ')') {
      this.next();
      return labels;
    }
    for (;;) {
      const t = this.at();
      let name: string;
      if (t.kind === 'IDENT' || t.kind === 'METRIC_IDENT') {
        name = t.text;
      } else if (t.kind === 'STRING') {
        name = unquote(t.text);
        if (name === '' || !isWellFormed(name)) {
          throw this.error(tokenRange(t), `invalid label name for grouping: ${goQuote(name)}`);
        }
      } else {
        throw this.unexpected(t, 'grouping opts', 'label');
      }
      this.next();
      labels.push(name);
      const sep = this.at();
      if (sep.kind === ',') {
        this.next();
        if (this.at().kind === ')') {
          this.next();
          return labels;
        }
      } else if (sep.kind === ')') {
        this.next();
        return labels;
      } else {
        throw this.unexpected(sep, 'grouping opts', '"," or ")"');
      }
    }
  }

  private parseUnary(): Expr {
    const t = this.at();
    if (t.kind === '-' || t.kind === '+') {
      this.next();
      // Unary minus binds like `*`: only `^` (and postfix modifiers) bind tighter.
      const operand = this.parseBinary(POW_PRECEDENCE);
      if (operand.kind === 'NumberLiteral') {
        if (t.kind === '-') operand.value = -operand.value;
        operand.start = t.pos;
        return operand;
      }
      return { kind: 'UnaryExpr', type: operand.type, op: t.kind, expr: operand, start: t.pos, end: operand.end };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.at();
    switch (t.kind) {
      case 'NUMBER':
      case 'DURATION':
        this.next();
        return this.numberLiteral(t);
      case 'STRING':
        this.next();
        return { kind: 'StringLiteral', type: 'string', value: unquote(t.text), start: t.pos, end: this.lastEnd };
      case '(': {
        this.next();
        const inner = this.parseBinary(0);
        this.expect(')');
        return { kind: 'ParenExpr', type: inner.type, expr: inner, start: t.pos, end: this.lastEnd };
      }
      case '{':
        return this.parseVectorSelector(null);
      case 'METRIC_IDENT':
        this.next();
        return this.parseVectorSelector(t);
      case 'IDENT': {
        const kw = t.keyword;
        const following = this.at(1);
        if (kw && AGGREGATORS.has(kw) && (following.kind === '(' || this.isKeyword(following, 'by', 'without'))) {
          return this.parseAggregate();
        }
        if (following.kind === '(' && (!kw || FUNCTION_KEYWORDS.has(kw))) return this.parseCall();
        if (!kw || METRIC_NAME_KEYWORDS.has(kw)) {
          this.next();
          return this.parseVectorSelector(t);
        }
        throw this.unexpected(t);
      }
      default:
        throw this.unexpected(t);
    }
  }

  private numberLiteral(t: Token): NumberLiteral {
    const end = t.pos + t.text.length;
    if (t.kind === 'DURATION') {
      let ms: number;
      try {
        ms = parseDuration(t.text);
      } catch (e) {
        if (e instanceof DurationSyntaxError) throw this.error(tokenRange(t), e.message);
        throw e;
      }
      return { kind: 'NumberLiteral', type: 'scalar', value: ms / 1000, duration: true, start: t.pos, end };
    }
    const value = parseNumber(t.text);
    if (value === undefined) throw this.error(tokenRange(t), `error parsing number: ${goQuote(t.text)} is not a valid number`);
    return { kind: 'NumberLiteral', type: 'scalar', value, duration: false, start: t.pos, end };
  }

  /** An optionally signed number or duration (fill values, `@` timestamps); in seconds. */
  private parseSignedNumber(context: string, expected: string): number {
    let sign = 1;
    const s = this.at();
    if (s.kind === '-' || s.kind === '+') {
      this.next();
      if (s.kind === '-') sign = -1;
    }
    const t = this.at();
    if (t.kind !== 'NUMBER' && t.kind !== 'DURATION') throw this.unexpected(t, context, expected);
    this.next();
    return sign * this.numberLiteral(t).value;
  }

  private parseAggregate(): AggregateExpr {
    const opTok = this.next();
    const op = opTok.keyword as AggregateOp;
    let grouping: string[] | undefined;
    let without = false;
    const modifier = () => {
      const m = this.next();
      without = m.keyword === 'without';
      grouping = this.parseGroupingLabels();
    };
    if (this.isKeyword(this.at(), 'by', 'without')) modifier();
    if (this.at().kind !== '(') throw this.unexpected(this.at(), 'aggregation');
    const args = this.parseCallArgs();
    if (grouping === undefined && this.isKeyword(this.at(), 'by', 'without')) modifier();
    const range = { start: opTok.pos, end: this.lastEnd };
    if (args.length === 0) throw this.error(range, 'no arguments for aggregate expression provided');
    let desired = 1;
    let param: Expr | null = null;
    if (AGGREGATORS_WITH_PARAM.has(op)) {
      if ((op === 'limitk' || op === 'limit_ratio') && this.options.experimentalFunctions === false) {
        throw this.error(
          range,
          `${op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`,
        );
      }
      desired = 2;
      param = args[0]!;
    }
    if (args.length !== desired) {
      throw this.error(
        range,
        `wrong number of arguments for aggregate expression provided, expected ${desired}, got ${args.length}`,
      );
    }
    return {
      kind: 'AggregateExpr',
      type: 'vector',
      op,
      expr: args[desired - 1]!,
      param,
      grouping: grouping ?? [],
      without,
      ...range,
    };
  }

  /** `( expr, expr, ... )` */
  private parseCallArgs(): Expr[] {
    this.expect('(');
    const args: Expr[] = [];
    if (this.at().kind === ')') {
      this.next();
      return args;
    }
    for (;;) {
      args.push(this.parseBinary(0));
      const t = this.at();
      if (t.kind === ',') {
        this.next();
        if (this.at().kind === ')') throw this.error(tokenRange(t), 'trailing commas not allowed in function call args');
        continue;
      }
      if (t.kind === ')') {
        this.next();
        return args;
      }
      throw this.unexpected(t);
    }
  }

  private parseCall(): Call {
    const nameTok = this.next();
    const name = nameTok.keyword ?? nameTok.text;
    const args = this.parseCallArgs();
    const func = getFunction(name);
    if (!func) throw this.error(tokenRange(nameTok), `unknown function with name ${goQuote(nameTok.text)}`);
    if (func.experimental && this.options.experimentalFunctions === false) {
      throw this.error(tokenRange(nameTok), `function ${goQuote(func.name)} is not enabled`);
    }
    return { kind: 'Call', type: func.returnType, func, args, start: nameTok.pos, end: this.lastEnd };
  }

  // ---- selectors ----------------------------------------------------

  /** The current token is `{` or the one after the name. */
  private parseVectorSelector(nameTok: Token | null): VectorSelector {
    const start = nameTok ? nameTok.pos : this.at().pos;
    const matchers: Matcher[] = [];
    if (this.at().kind === '{') {
      this.next();
      this.parseMatcherList(matchers);
    }
    const name = nameTok ? nameTok.text : '';
    if (name) matchers.push(new Matcher('=', '__name__', name));
    return {
      kind: 'VectorSelector',
      type: 'vector',
      name,
      matchers,
      offset: 0,
      anchored: false,
      smoothed: false,
      start,
      end: this.lastEnd,
    };
  }

  /** After `{`, up to and including `}`. */
  private parseMatcherList(out: Matcher[]): void {
    if (this.at().kind === '}') {
      this.next();
      return;
    }
    for (;;) {
      const t = this.at();
      if (t.kind === 'IDENT' || t.kind === 'STRING') {
        this.next();
        const label = t.kind === 'STRING' ? unquote(t.text) : t.text;
        const op = this.at();
        if (MATCH_OPS.has(op.kind)) {
          this.next();
          const v = this.at();
          if (v.kind !== 'STRING') throw this.unexpected(v, 'label matching', 'string');
          this.next();
          out.push(this.newMatcher(op.kind as MatchType, label, unquote(v.text), { start: t.pos, end: this.lastEnd }));
        } else if (t.kind === 'STRING') {
          // A lone quoted string is the metric name: {"my.metric"}.
          out.push(this.newMatcher('=', '__name__', label, tokenRange(t)));
        } else {
          throw this.unexpected(op, 'label matching', 'label matching operator');
        }
      } else {
        throw this.unexpected(t, 'label matching', 'identifier or "}"');
      }
      const sep = this.at();
      if (sep.kind === ',') {
        this.next();
        if (this.at().kind === '}') {
          this.next();
          return;
        }
      } else if (sep.kind === '}') {
        this.next();
        return;
      } else {
        throw this.unexpected(sep, 'label matching', '"," or "}"');
      }
    }
  }

  private newMatcher(type: MatchType, name: string, value: string, pos: PositionRange): Matcher {
    try {
      return new Matcher(type, name, value);
    } catch (e) {
      throw this.error(pos, (e as Error).message);
    }
  }

  // ---- postfix modifiers ---------------------------------------------

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.at();
      if (t.kind === '[') e = this.parseRangeOrSubquery(e);
      else if (this.isKeyword(t, 'offset')) this.parseOffset(e);
      else if (t.kind === '@') this.parseAt(e);
      else if (this.isKeyword(t, 'anchored', 'smoothed')) this.parseRangeModifier(e);
      else return e;
    }
  }

  private parseRangeOrSubquery(e: Expr): MatrixSelector | SubqueryExpr {
    const open = this.next();
    if (this.at().kind === ']' || this.at().kind === ':') {
      throw this.unexpected(this.at(), 'subquery selector', 'number or duration');
    }
    const rangeNode = this.parseDurationExpr(0, 'subquery or range');
    const t = this.at();
    if (t.kind === ']') {
      this.next();
      const bracket = { start: open.pos, end: this.lastEnd };
      let err = '';
      if (e.kind !== 'VectorSelector') err = 'ranges only allowed for vector selectors';
      else if (e.offset !== 0 || e.offsetExpr) err = 'no offset modifiers allowed before range';
      else if (e.timestamp !== undefined || e.atMarker) err = 'no @ modifiers allowed before range';
      else if (e.anchored || e.smoothed) err = `no ${e.anchored ? 'anchored' : 'smoothed'} modifiers allowed before range`;
      if (err) throw this.error(bracket, err);
      const ms: MatrixSelector = {
        kind: 'MatrixSelector',
        type: 'matrix',
        vectorSelector: e as VectorSelector,
        range: 0,
        start: e.start,
        end: this.lastEnd,
      };
      ms.range = this.durationValue(rangeNode, true);
      if (rangeNode.kind === 'DurationExpr') ms.rangeExpr = rangeNode;
      return ms;
    }
    if (t.kind !== ':') throw this.unexpected(t, 'subquery or range', '":" or "]"');
    this.next();
    let stepNode: DurationNode | undefined;
    if (this.at().kind !== ']') {
      stepNode = this.parseDurationExpr(0, 'subquery selector');
      if (this.at().kind !== ']') throw this.unexpected(this.at(), 'subquery selector', '"]"');
    }
    this.next();
    const sq: SubqueryExpr = {
      kind: 'SubqueryExpr',
      type: 'matrix',
      expr: e,
      range: this.durationValue(rangeNode, true),
      step: stepNode ? this.durationValue(stepNode, true) : 0,
      offset: 0,
      start: e.start,
      end: this.lastEnd,
    };
    if (rangeNode.kind === 'DurationExpr') sq.rangeExpr = rangeNode;
    if (stepNode?.kind === 'DurationExpr') sq.stepExpr = stepNode;
    return sq;
  }

  /**
   * Milliseconds of a duration node, or 0 when it depends on the query
   * (step(), range()) and is resolved at evaluation.
   */
  private durationValue(node: DurationNode, mustBePositive: boolean): number {
    if (!durationIsConstant(node)) return 0;
    let ms: number;
    try {
      ms = durationToMs(evalDuration(node));
    } catch (e) {
      throw this.error(node, (e as Error).message);
    }
    if (mustBePositive && ms <= 0) throw this.error(node, 'duration must be greater than 0');
    return ms;
  }

  /** The node that carries offset and `@` for `e`, or an error message. */
  private modifierTarget(e: Expr, what: string): VectorSelector | SubqueryExpr {
    if (e.kind === 'VectorSelector' || e.kind === 'SubqueryExpr') return e;
    if (e.kind === 'MatrixSelector') return e.vectorSelector;
    throw this.error(e, `${what} must be preceded by an instant vector selector or range vector selector or a subquery`);
  }

  private parseOffset(e: Expr): void {
    this.next();
    const node = this.parseOffsetDuration();
    const target = this.modifierTarget(e, 'offset modifier');
    if (target.offset !== 0 || target.offsetExpr) throw this.error(e, 'offset may not be set multiple times');
    target.offset = this.durationValue(node, false);
    if (node.kind === 'DurationExpr') target.offsetExpr = node;
    e.end = this.lastEnd;
  }

  /** After `offset`: an optional sign and one duration term (`5m`, `(1h*2)`, `step()`, `min_of(a, b)`). */
  private parseOffsetDuration(): DurationNode {
    const s = this.at();
    if (s.kind === '-' || s.kind === '+') {
      this.next();
      const operand = this.parseDurationAtom('offset', 'number or duration');
      return applySign(s, operand);
    }
    return this.parseDurationAtom('offset', 'number or duration');
  }

  private parseAt(e: Expr): void {
    this.next();
    let marker: AtMarker | undefined;
    let timestamp: number | undefined;
    const t = this.at();
    if (this.isKeyword(t, 'start', 'end')) {
      this.next();
      this.expect('(', '@', '"("');
      this.expect(')', '@', '")"');
      marker = t.keyword as AtMarker;
    } else {
      const seconds = this.parseSignedNumber('@', 'timestamp');
      if (!Number.isFinite(seconds) || Math.abs(seconds) >= 9223372036854775807) {
        throw this.error(e, `timestamp out of bounds for @ modifier: ${goFloat6(seconds)}`);
      }
      timestamp = Math.round(seconds * 1000);
    }
    const target = this.modifierTarget(e, '@ modifier');
    if (target.timestamp !== undefined || target.atMarker) throw this.error(e, '@ <timestamp> may not be set multiple times');
    if (marker) target.atMarker = marker;
    else target.timestamp = timestamp;
    e.end = this.lastEnd;
  }

  private parseRangeModifier(e: Expr): void {
    const t = this.next();
    const which = t.keyword as 'anchored' | 'smoothed';
    if (this.options.extendedRangeSelectors === false) {
      throw this.error(
        tokenRange(t),
        `${which} modifier is experimental and must be enabled with --enable-feature=promql-extended-range-selectors`,
      );
    }
    const vs = e.kind === 'VectorSelector' ? e : e.kind === 'MatrixSelector' ? e.vectorSelector : undefined;
    if (!vs) throw this.error(e, `${which} modifier must be preceded by an instant vector selector or range vector selector`);
    if (vs.anchored || vs.smoothed) throw this.error(e, 'anchored or smoothed modifier may not be set multiple times');
    vs[which] = true;
    e.end = this.lastEnd;
  }

  // ---- duration expressions ------------------------------------------

  private parseDurationExpr(minPrec: number, context: string): DurationNode {
    let lhs = this.parseDurationUnary(context);
    for (;;) {
      const t = this.at();
      if (!DURATION_OPS.has(t.kind)) return lhs;
      const op = t.kind as '+' | '-' | '*' | '/' | '%' | '^';
      const prec = BINARY_PRECEDENCE[op];
      if (prec < minPrec) return lhs;
      this.next();
      const rhs = this.parseDurationExpr(op === '^' ? prec : prec + 1, context);
      lhs = { kind: 'DurationExpr', type: 'scalar', op, lhs, rhs, start: lhs.start, end: rhs.end };
    }
  }

  private parseDurationUnary(context: string): DurationNode {
    const t = this.at();
    if (t.kind === '-' || t.kind === '+') {
      this.next();
      return applySign(t, this.parseDurationExpr(POW_PRECEDENCE, context));
    }
    return this.parseDurationAtom(context, 'number or duration');
  }

  private parseDurationAtom(context: string, expected: string): DurationNode {
    const t = this.at();
    if (t.kind === 'NUMBER' || t.kind === 'DURATION') {
      this.next();
      return this.numberLiteral(t);
    }
    if (t.kind === '(') {
      this.next();
      const inner = this.parseDurationExpr(0, context);
      this.expect(')', context, '")"');
      return { kind: 'DurationExpr', type: 'scalar', op: '()', rhs: inner, start: t.pos, end: this.lastEnd };
    }
    if (this.isKeyword(t, 'step', 'range') && this.at(1).kind === '(') {
      this.next();
      this.next();
      this.expect(')', context, '")"');
      return { kind: 'DurationExpr', type: 'scalar', op: t.keyword as 'step' | 'range', start: t.pos, end: this.lastEnd };
    }
    if (t.kind === 'IDENT' && (t.text === 'min_of' || t.text === 'max_of') && this.at(1).kind === '(') {
      this.next();
      if (this.options.experimentalFunctions === false) {
        throw this.error(tokenRange(t), `function ${goQuote(t.text)} is not enabled`);
      }
      this.next();
      const a = this.parseDurationExpr(0, context);
      this.expect(',', context, '","');
      const b = this.parseDurationExpr(0, context);
      this.expect(')', context, '")"');
      return { kind: 'DurationExpr', type: 'scalar', op: t.text, lhs: a, rhs: b, start: t.pos, end: this.lastEnd };
    }
    throw this.unexpected(t, context, expected);
  }
}

function applySign(sign: Token, operand: DurationNode): DurationNode {
  if (operand.kind === 'NumberLiteral') {
    if (sign.kind === '-') operand.value = -operand.value;
    operand.start = sign.pos;
    return operand;
  }
  const op = sign.kind as '-' | '+';
  const d: DurationExpr = { kind: 'DurationExpr', type: 'scalar', op, rhs: operand, start: sign.pos, end: operand.end };
  return d;
}

function makeBinary(op: BinaryOp, lhs: Expr, rhs: Expr, returnBool: boolean, matching: VectorMatching): BinaryExpr {
  if (isSetOp(op) && matching.card === 'one-to-one') matching.card = 'many-to-many';
  const bothScalar = lhs.type === 'scalar' && rhs.type === 'scalar';
  return {
    kind: 'BinaryExpr',
    type: bothScalar ? 'scalar' : 'vector',
    op,
    lhs,
    rhs,
    returnBool,
    matching,
    start: lhs.start,
    end: rhs.end,
  };
}

function tokenRange(t: Token): PositionRange {
  return { start: t.pos, end: t.pos + t.text.length };
}

const OPERATOR_TOKENS = new Set(['+', '-', '*', '/', '%', '^', '==', '!=', '<', '<=', '>', '>=', '</', '>/', '=~', '!~', '@']);

/** How Prometheus names a token in "unexpected ..." messages. */
export function describe(t: Token): string {
  switch (t.kind) {
    case 'EOF':
      return 'end of input';
    case 'IDENT':
      if (t.keyword) {
        if (AGGREGATORS.has(t.keyword)) return `<aggr:${t.text}>`;
        if (['and', 'or', 'unless', 'atan2'].includes(t.keyword)) return `<op:${t.text}>`;
        return `<${t.text}>`;
      }
      return `identifier ${goQuote(t.text)}`;
    case 'METRIC_IDENT':
      return `metric identifier ${goQuote(t.text)}`;
    case 'NUMBER':
      return `number ${shortQuote(t.text)}`;
    case 'DURATION':
      return `duration ${shortQuote(t.text)}`;
    case 'STRING':
      return `string ${shortQuote(t.text)}`;
    default:
      if (OPERATOR_TOKENS.has(t.kind)) return `<op:${t.text}>`;
      return goQuote(t.text);
  }
}

/** Go's `%.10q...` for long token texts. */
function shortQuote(s: string): string {
  const chars = [...s];
  return chars.length > 10 ? `${goQuote(chars.slice(0, 10).join(''))}...` : goQuote(s);
}

/** Go's `%f`. */
function goFloat6(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toFixed(6);
}

/**
 * The value of a number token: decimal, exponent, hex (`0x1F`), octal
 * (`017`, as Go's ParseInt reads it), underscores between digits, Inf/NaN.
 */
export function parseNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'inf') return Infinity;
  if (lower === 'nan') return NaN;
  const s = text.replace(/_/g, '');
  if (/^0[xX]/.test(s)) {
    const digits = s.slice(2);
    return /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : undefined;
  }
  if (/^0[0-7]+$/.test(s)) return parseInt(s, 8);
  if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}
