import { describe, expect, it } from 'vitest';
import type { AggregateExpr, BinaryExpr, Call, Expr, MatrixSelector, NumberLiteral, SubqueryExpr, UnaryExpr, VectorSelector } from './ast.js';
import { ParseError } from './errors.js';
import { formatExpr } from './format.js';
import { parseExpr, parseMetricSelector } from './parser.js';

const as = <T extends Expr>(e: Expr) => e as T;
/** The shape of a binary tree as a parenthesised string, to check precedence. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'BinaryExpr':
      return `(${shape(e.lhs)} ${e.op} ${shape(e.rhs)})`;
    case 'UnaryExpr':
      return `(${e.op}${shape(e.expr)})`;
    case 'NumberLiteral':
      return String(e.value);
    case 'ParenExpr':
      return shape(e.expr);
    default:
      return formatExpr(e);
  }
}
function errorOf(q: string, opts = {}): string {
  try {
    parseExpr(q, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return (e as Error).message;
  }
  throw new Error(`${q} parsed`);
}

describe('number literals', () => {
  it.each([
    ['1', 1],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['0x1F', 31],
    ['0X1f', 31],
    ['010', 8],
    ['1_000', 1000],
    ['Inf', Infinity],
    ['+inf', Infinity],
    ['-InF', -Infinity],
    ['1m', 60],
    ['1h30m', 5400],
    ['10s53ms', 10.053],
    ['-5m', -300],
  ])('%s is %d', (q, v) => {
    const n = as<NumberLiteral>(parseExpr(q));
    expect(n.kind).toBe('NumberLiteral');
    expect(n.value).toBe(v);
    expect(n.type).toBe('scalar');
  });

  it('NaN in any case', () => {
    expect(as<NumberLiteral>(parseExpr('nAn')).value).toBeNaN();
  });

  it('keeps the sign position and the duration form', () => {
    const n = as<NumberLiteral>(parseExpr(' -1m'));
    expect([n.start, n.end, n.duration]).toEqual([1, 4, true]);
  });

  it('rejects malformed numbers and durations', () => {
    expect(errorOf('1.5.5')).toBe('1:1: parse error: bad number or duration syntax: "1.5."');
    expect(errorOf('1.5m')).toBe('1:1: parse error: not a valid duration string: "1.5m"');
    expect(errorOf('1m1h')).toBe('1:1: parse error: not a valid duration string: "1m1h"');
    expect(errorOf('0b101')).toMatch(/bad number or duration syntax/);
  });
});

describe('string literals', () => {
  it.each([
    [`"a\\a\\b\\f\\n\\r\\t\\v\\\\\\""`, 'a\x07\b\f\n\r\t\v\\"'],
    [`'it\\'s'`, "it's"],
    [`"\\x41\\101\\u00e9\\U0001F600"`, 'AAé😀'],
    [`"\\xc3\\xa9"`, 'é'],
    ['`raw \\n "x"`', 'raw \\n "x"'],
  ])('%s', (q, v) => {
    const s = parseExpr(q);
    expect(s.kind).toBe('StringLiteral');
    expect(s.type).toBe('string');
    expect((s as { value: string }).value).toBe(v);
  });

  it('keeps invalid UTF-8 bytes as surrogate escapes and prints them back', () => {
    const s = parseExpr(`"a\\xc5z"`);
    expect(formatExpr(s)).toBe(`"a\\xc5z"`);
  });

  it('rejects bad escapes and unterminated strings', () => {
    expect(errorOf(`"\\q"`)).toBe(`1:1: parse error: unknown escape sequence U+0071 'q'`);
    expect(errorOf(`"\\'"`)).toMatch(/unknown escape sequence U\+0027/);
    expect(errorOf(`"\\uD800"`)).toMatch(/invalid Unicode code point/);
    expect(errorOf(`"abc`)).toBe('1:1: parse error: unterminated quoted string');
    expect(errorOf('`abc')).toBe('1:1: parse error: unterminated raw string');
    expect(errorOf('"a\nb"')).toBe('1:1: parse error: unterminated quoted string');
  });
});

describe('vector selectors', () => {
  it('name and the four matcher types', () => {
    const vs = as<VectorSelector>(parseExpr('foo{a="1", b!="2", c=~"x.*", d!~"y",}'));
    expect(vs.name).toBe('foo');
    expect(vs.matchers.map((m) => `${m.name}${m.type}${m.value}`)).toEqual(['a=1', 'b!=2', 'c=~x.*', 'd!~y', '__name__=foo']);
    expect(vs.matchers[2]!.matches('xyz')).toBe(true);
    expect(vs.matchers[2]!.matches('axyz')).toBe(false);
  });

  it('quoted UTF-8 metric and label names', () => {
    const vs = as<VectorSelector>(parseExpr('{"my.metric", "a.b"="x"}'));
    expect(vs.name).toBe('');
    expect(vs.matchers.map((m) => `${m.name}${m.type}${m.value}`)).toEqual(['__name__=my.metric', 'a.b=x']);
  });

  it('keywords are metric names where an operand is expected, and label names inside braces', () => {
    expect(as<VectorSelector>(parseExpr('sum')).name).toBe('sum');
    expect(as<VectorSelector>(parseExpr('offset{on="x"}')).matchers[0]!.name).toBe('on');
    expect(as<VectorSelector>(parseExpr('a:b:c')).name).toBe('a:b:c');
    expect(errorOf('on')).toBe('1:1: parse error: unexpected <on>');
  });

  it('needs a matcher that does not match the empty string', () => {
    expect(errorOf('{}')).toBe('1:1: parse error: vector selector must contain at least one non-empty matcher');
    expect(errorOf('{a=~".*", b=""}')).toMatch(/at least one non-empty matcher/);
    expect(parseExpr('{a=~".+"}').kind).toBe('VectorSelector');
  });

  it('reports bad regexes and a doubly set name', () => {
    expect(errorOf('foo{a=~"(.*"}')).toMatch(/^1:5: parse error: error parsing regexp/);
    expect(errorOf('foo{__name__="bar"}')).toBe('1:1: parse error: metric name must not be set twice: "foo" or "bar"');
  });

  it('reports malformed matcher lists like Prometheus', () => {
    expect(errorOf('foo{a}')).toBe('1:6: parse error: unexpected "}" in label matching, expected label matching operator');
    expect(errorOf('foo{a="b" c="d"}')).toBe('1:11: parse error: unexpected identifier "c" in label matching, expected "," or "}"');
    expect(errorOf('foo{a=b}')).toBe('1:7: parse error: unexpected identifier "b" in label matching, expected string');
    expect(errorOf('foo{a="b"')).toBe('1:10: parse error: unexpected end of input inside braces');
    expect(errorOf('foo{a!b}')).toMatch(/unexpected character after '!' inside braces: 'b'/);
  });

  it('parseMetricSelector returns the matchers', () => {
    expect(parseMetricSelector('up{job="x"}').map(String)).toEqual(['job="x"', '__name__="up"']);
    expect(parseMetricSelector('{"a.b"}').map(String)).toEqual(['__name__="a.b"']);
    expect(() => parseMetricSelector('up + 1')).toThrow(/unexpected <op:\+>/);
    expect(() => parseMetricSelector('rate(x[5m])')).toThrow(ParseError);
  });
});

describe('range selectors, offset, @, subqueries', () => {
  it('range selector', () => {
    const m = as<MatrixSelector>(parseExpr('foo[5m]'));
    expect([m.kind, m.type, m.range, m.vectorSelector.name]).toEqual(['MatrixSelector', 'matrix', 300000, 'foo']);
    expect(m.rangeExpr).toBeUndefined();
  });

  it('offsets, negative too, on the inner selector', () => {
    expect(as<VectorSelector>(parseExpr('foo offset 5m')).offset).toBe(300000);
    expect(as<VectorSelector>(parseExpr('foo offset -1h30m')).offset).toBe(-5400000);
    expect(as<VectorSelector>(parseExpr('foo OFFSET 100')).offset).toBe(100000);
    expect(as<MatrixSelector>(parseExpr('foo[5m] offset 1m')).vectorSelector.offset).toBe(60000);
  });

  it('@ timestamps and start()/end()', () => {
    expect(as<VectorSelector>(parseExpr('foo @ 1.5')).timestamp).toBe(1500);
    expect(as<VectorSelector>(parseExpr('foo @ -10')).timestamp).toBe(-10000);
    expect(as<VectorSelector>(parseExpr('foo @ start()')).atMarker).toBe('start');
    expect(as<MatrixSelector>(parseExpr('foo[1m] @ END()')).vectorSelector.atMarker).toBe('end');
    const vs = as<VectorSelector>(parseExpr('foo offset 1m @ 10'));
    expect([vs.offset, vs.timestamp]).toEqual([60000, 10000]);
  });

  it('subqueries with and without step', () => {
    const s = as<SubqueryExpr>(parseExpr('rate(foo[1m])[10m:30s] offset 1m @ 100'));
    expect([s.kind, s.type, s.range, s.step, s.offset, s.timestamp]).toEqual(['SubqueryExpr', 'matrix', 600000, 30000, 60000, 100000]);
    expect(as<SubqueryExpr>(parseExpr('foo[5m:]')).step).toBe(0);
    expect(as<SubqueryExpr>(parseExpr('(foo + 1)[5m:1m]')).expr.kind).toBe('ParenExpr');
  });

  it('modifier errors', () => {
    expect(errorOf('foo[5m][1m]')).toBe('1:8: parse error: ranges only allowed for vector selectors');
    expect(errorOf('(foo)[5m]')).toBe('1:6: parse error: ranges only allowed for vector selectors');
    expect(errorOf('foo offset 1m [5m]')).toBe('1:15: parse error: no offset modifiers allowed before range');
    expect(errorOf('foo @ 1 [5m]')).toBe('1:9: parse error: no @ modifiers allowed before range');
    expect(errorOf('foo offset 1m offset 2m')).toBe('1:1: parse error: offset may not be set multiple times');
    expect(errorOf('foo @ 1 @ 2')).toBe('1:1: parse error: @ <timestamp> may not be set multiple times');
    expect(errorOf('sum(x) offset 5m')).toBe(
      '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
    );
    expect(errorOf('1 @ 5')).toMatch(/@ modifier must be preceded by/);
    expect(errorOf('foo @ Inf')).toBe('1:1: parse error: timestamp out of bounds for @ modifier: +Inf');
    expect(errorOf('foo offset')).toBe('1:11: parse error: unexpected end of input in offset, expected number or duration');
    expect(errorOf('foo[5m:1m][2m:]')).toBe('1:1: parse error: subquery is only allowed on instant vector, got matrix instead');
    expect(errorOf('foo[0s]')).toBe('1:5: parse error: duration must be greater than 0');
    expect(errorOf('foo[5m 1m]')).toBe('1:8: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]"');
    expect(errorOf('foo[]')).toMatch(/unexpected "\]" in subquery selector, expected number or duration/);
  });
});

describe('duration expressions', () => {
  it('folds constant arithmetic and keeps the expression', () => {
    const m = as<MatrixSelector>(parseExpr('rate(x[5m+1m])' as string)) as unknown as Call;
    const arg = as<MatrixSelector>(m.args[0]!);
    expect(arg.range).toBe(360000);
    expect(arg.rangeExpr?.kind).toBe('DurationExpr');
    expect(as<MatrixSelector>(parseExpr('x[2m*(10+5)]')).range).toBe(1800000);
    expect(as<MatrixSelector>(parseExpr('x[30m1s-30m1s % 1m]')).range).toBe(1800000);
    expect(as<MatrixSelector>(parseExpr('x[-5m+35m]')).range).toBe(1800000);
    expect(as<MatrixSelector>(parseExpr('x[1800]')).range).toBe(1800000);
    expect(as<VectorSelector>(parseExpr('x offset (1h*2)')).offset).toBe(7200000);
    expect(as<VectorSelector>(parseExpr('x offset -(20*8s)')).offset).toBe(-160000);
  });

  it('an offset takes one signed term; what follows is an operator on the selector', () => {
    expect(shape(parseExpr('x offset 100 + 2'))).toBe('(x offset 1m40s + 2)');
    expect(shape(parseExpr('x offset -2 ^ 2'))).toBe('(x offset -2s ^ 2)');
    expect(shape(parseExpr('x offset -step()*2'))).toBe('(x offset -step() * 2)');
    expect(shape(parseExpr('x offset -(min_of(step(), 2s)-5)+8000'))).toBe('(x offset -(min_of(step(), 2s) - 5) + 8000)');
  });

  it('leaves step() and range() for evaluation', () => {
    const m = as<MatrixSelector>(parseExpr('x[step()+1ms]'));
    expect(m.range).toBe(0);
    expect(formatExpr(m)).toBe('x[step() + 1ms]');
    expect(as<VectorSelector>(parseExpr('x offset STEP()')).offsetExpr).toMatchObject({ op: 'step' });
  });

  it('division by zero is an error', () => {
    expect(errorOf('x[1m/0]')).toBe('1:3: parse error: division by zero');
  });
});

describe('operators', () => {
  it.each([
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 * 2 + 3', '((1 * 2) + 3)'],
    ['2 ^ 3 ^ 2', '(2 ^ (3 ^ 2))'],
    ['-2 ^ 2', '(-(2 ^ 2))'],
    ['2 ^ -1', '(2 ^ -1)'],
    ['-a * b', '((-a) * b)'],
    ['a + -b * c', '(a + ((-b) * c))'],
    ['a - b - c', '((a - b) - c)'],
    ['a or b and c unless d', '(a or ((b and c) unless d))'],
    ['a > b + 1', '(a > (b + 1))'],
    ['a == bool b or c', '((a == bool b) or c)'],
    ['a atan2 b * c', '((a atan2 b) * c)'],
    ['a </ 2 + 1', '((a </ 2) + 1)'],
    ['- -1', '1'],
  ])('%s', (q, s) => {
    expect(shape(parseExpr(q)).replace('== bool', '== bool')).toBe(s.replace('(a == bool b)', '(a == b)'));
  });

  it('folds a signed number, not a parenthesised one', () => {
    expect(parseExpr('-1').kind).toBe('NumberLiteral');
    expect(as<UnaryExpr>(parseExpr('-(1)')).kind).toBe('UnaryExpr');
  });

  it('result types', () => {
    expect(parseExpr('1 + 2').type).toBe('scalar');
    expect(parseExpr('foo + 2').type).toBe('vector');
    expect(parseExpr('-foo').type).toBe('vector');
    expect(parseExpr('(1)').type).toBe('scalar');
  });

  it('vector matching', () => {
    const b = as<BinaryExpr>(parseExpr('a * on(x, "y.z",) group_left(w) b'));
    expect(b.matching).toEqual({ card: 'many-to-one', on: true, labels: ['x', 'y.z'], include: ['w'] });
    const r = as<BinaryExpr>(parseExpr('a / ignoring(x) group_right b'));
    expect(r.matching).toEqual({ card: 'one-to-many', on: false, labels: ['x'], include: [] });
    expect(as<BinaryExpr>(parseExpr('a and b')).matching?.card).toBe('many-to-many');
    expect(as<BinaryExpr>(parseExpr('a + 1')).matching).toBeNull();
    const c = as<BinaryExpr>(parseExpr('a > bool b'));
    expect([c.returnBool, c.matching?.card]).toEqual([true, 'one-to-one']);
  });

  it('fill modifiers', () => {
    expect(as<BinaryExpr>(parseExpr('a + fill(0) b')).matching).toMatchObject({ fillLeft: 0, fillRight: 0 });
    expect(as<BinaryExpr>(parseExpr('a + on(x) fill_left(5) fill_right(-Inf) b')).matching).toMatchObject({
      fillLeft: 5,
      fillRight: -Infinity,
    });
    expect(as<BinaryExpr>(parseExpr('other + fill')).rhs.kind).toBe('VectorSelector');
    expect(errorOf('a + fill(0) b', { binopFillModifiers: false })).toMatch(/promql-binop-fill-modifiers/);
  });

  it('type and modifier errors', () => {
    expect(errorOf('1 > 2')).toBe('1:3: parse error: comparisons between scalars must use BOOL modifier');
    expect(errorOf('a + bool b')).toBe('1:3: parse error: bool modifier can only be used on comparison operators');
    expect(errorOf('a and 1')).toBe('1:1: parse error: set operator "and" not allowed in binary scalar expression');
    expect(errorOf('a and on(x) group_left b')).toBe('1:1: parse error: no grouping allowed for "and" operation');
    expect(errorOf('a + on(x) 1')).toBe('1:1: parse error: vector matching only allowed between instant vectors');
    expect(errorOf('a + on(x) group_left(x) b')).toBe('1:3: parse error: label "x" must not occur in ON and GROUP clause at once');
    expect(errorOf('"a" + 1')).toBe('1:1: parse error: binary expression must contain only scalar and instant vector types');
    expect(errorOf('a[5m] + 1')).toMatch(/binary expression must contain only scalar and instant vector types/);
    expect(errorOf('-"a"')).toBe(
      '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"',
    );
    expect(errorOf('a + on b')).toBe('1:8: parse error: unexpected identifier "b" in grouping opts, expected "("');
    expect(errorOf('a + on(1) b')).toBe('1:8: parse error: unexpected number "1" in grouping opts, expected label');
  });
});

describe('aggregations', () => {
  it.each(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar'])('%s', (op) => {
    const a = as<AggregateExpr>(parseExpr(`${op}(x)`));
    expect([a.kind, a.op, a.param, a.grouping, a.without]).toEqual(['AggregateExpr', op, null, [], false]);
  });

  it('grouping before or after, case-insensitive keywords', () => {
    const a = as<AggregateExpr>(parseExpr('SUM BY (a, b) (x)'));
    expect([a.op, a.grouping, a.without]).toEqual(['sum', ['a', 'b'], false]);
    const b = as<AggregateExpr>(parseExpr('sum(x) Without (c)'));
    expect([b.grouping, b.without]).toEqual([['c'], true]);
    expect(as<AggregateExpr>(parseExpr('sum by () (x)')).grouping).toEqual([]);
  });

  it('parameters', () => {
    for (const [q, op] of [
      ['topk(3, x)', 'topk'],
      ['bottomk(3, x)', 'bottomk'],
      ['quantile(0.9, x)', 'quantile'],
      ['count_values("v", x)', 'count_values'],
      ['limitk(2, x)', 'limitk'],
      ['limit_ratio(0.5, x)', 'limit_ratio'],
    ] as const) {
      const a = as<AggregateExpr>(parseExpr(q));
      expect([a.op, a.param?.kind]).toEqual([op, op === 'count_values' ? 'StringLiteral' : 'NumberLiteral']);
    }
  });

  it('errors', () => {
    expect(errorOf('sum()')).toBe('1:1: parse error: no arguments for aggregate expression provided');
    expect(errorOf('topk(x)')).toBe('1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1');
    expect(errorOf('sum(a, b)')).toMatch(/expected 1, got 2/);
    expect(errorOf('sum(x[5m])')).toBe('1:5: parse error: expected type instant vector in aggregation expression, got range vector');
    expect(errorOf('topk("a", x)')).toBe('1:6: parse error: expected type scalar in aggregation parameter, got string');
    expect(errorOf('count_values(1, x)')).toBe('1:14: parse error: expected type string in aggregation parameter, got scalar');
    expect(errorOf('sum by (a) (x) by (b)')).toBe('1:16: parse error: unexpected <by>');
    expect(errorOf('sum(x,)')).toBe('1:6: parse error: trailing commas not allowed in function call args');
    expect(errorOf('limitk(1, x)', { experimentalFunctions: false })).toBe(
      '1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions',
    );
    expect(errorOf('sum by ("") (x)')).toBe('1:9: parse error: invalid label name for grouping: ""');
  });
});

describe('function calls', () => {
  it('looks functions up in the catalogue', () => {
    const c = as<Call>(parseExpr('histogram_quantile(0.9, rate(x[5m]))'));
    expect([c.func.name, c.type, c.args.length]).toEqual(['histogram_quantile', 'vector', 2]);
    expect(parseExpr('time()').type).toBe('scalar');
    expect(parseExpr('label_join(x, "a", ",", "b", "c")').kind).toBe('Call');
    expect(parseExpr('round(x)').kind).toBe('Call');
    expect(parseExpr('day_of_week()').kind).toBe('Call');
    expect(parseExpr('vector(step())').type).toBe('vector');
  });

  it('argument errors', () => {
    expect(errorOf('rate(foo)')).toBe('1:6: parse error: expected type range vector in call to function "rate", got instant vector');
    expect(errorOf('abs(x[5m])')).toBe('1:5: parse error: expected type instant vector in call to function "abs", got range vector');
    expect(errorOf('time(1)')).toBe('1:1: parse error: expected 0 argument(s) in call to "time", got 1');
    expect(errorOf('round(x, 1, 2)')).toBe('1:1: parse error: expected at most 2 argument(s) in call to "round", got 3');
    expect(errorOf('label_join(x)')).toBe('1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1');
    expect(errorOf('nope(x)')).toBe('1:1: parse error: unknown function with name "nope"');
    expect(errorOf('Rate(x[5m])')).toBe('1:1: parse error: unknown function with name "Rate"');
    expect(errorOf('mad_over_time(x[5m])', { experimentalFunctions: false })).toBe(
      '1:1: parse error: function "mad_over_time" is not enabled',
    );
  });

  it('info() takes label selectors only', () => {
    expect(parseExpr('info(x, {a=~".*"})').kind).toBe('Call');
    expect(errorOf('info(x, y)')).toBe('1:9: parse error: expected label selectors only, got vector selector instead');
  });

  it('anchored and smoothed modifiers', () => {
    const c = as<Call>(parseExpr('rate(x[5m] smoothed)'));
    expect(as<MatrixSelector>(c.args[0]!).vectorSelector.smoothed).toBe(true);
    expect(as<VectorSelector>(parseExpr('metric @ 100 smoothed')).smoothed).toBe(true);
    // Like Prometheus, the parser accepts the modifiers on any range function; the engine refuses them at evaluation.
    expect(as<MatrixSelector>(as<Call>(parseExpr('deriv(foo[3m] smoothed)')).args[0]!).vectorSelector.smoothed).toBe(true);
    expect(errorOf('rate(x[5m] anchored)', { extendedRangeSelectors: false })).toMatch(/promql-extended-range-selectors/);
  });
});

describe('syntax errors', () => {
  it.each([
    ['', '1:1: parse error: no expression found in input'],
    ['# only a comment', '1:1: parse error: no expression found in input'],
    ['*5', '1:1: parse error: unexpected <op:*>'],
    ['1 +', '1:4: parse error: unexpected end of input'],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    ['(1', '1:3: parse error: unclosed left parenthesis'],
    ['(1 +', '1:5: parse error: unclosed left parenthesis'],
    ['1)', '1:2: parse error: unexpected right parenthesis \')\''],
    ['foo[5m', '1:7: parse error: unclosed left bracket'],
    ['foo]', '1:4: parse error: unexpected right bracket \']\''],
    ['foo}', '1:4: parse error: unexpected right brace \'}\''],
    ['1 = 1', '1:3: parse error: unexpected "="'],
    ['foo =~ bar', "1:5: parse error: unexpected character after '=': '~'"],
    ['a ! b', "1:3: parse error: unexpected character after '!': ' '"],
    ['foo $', "1:5: parse error: unexpected character: '$'"],
    ['sum foo', '1:5: parse error: unexpected identifier "foo"'],
    ['foo\n  + *', '2:5: parse error: unexpected <op:*>'],
  ])('%j', (q, msg) => {
    expect(errorOf(q)).toBe(msg);
  });

  it('carries positions', () => {
    try {
      parseExpr('foo + rate(x)');
    } catch (e) {
      const pe = e as ParseError;
      expect([pe.position, pe.line, pe.column, pe.detail]).toEqual([
        { start: 11, end: 12 },
        1,
        12,
        'expected type range vector in call to function "rate", got instant vector',
      ]);
    }
  });

  it('ignores comments', () => {
    expect(formatExpr(parseExpr('sum( # the total\n x)'))).toBe('sum(x)');
  });
});
