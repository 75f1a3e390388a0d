import { describe, expect, it } from 'vitest';
import { parseSelector } from './selector.js';

const show = (s: string) => parseSelector(s).map(String);

describe('parseSelector', () => {
  it.each<[string, string[]]>([
    ['up', ['__name__="up"']],
    ['up{job="node"}', ['__name__="up"', 'job="node"']],
    ['{job=~"n.*", instance!="a",}', ['job=~"n.*"', 'instance!="a"']],
    ['foo:bar { a !~ \'x"y\' , b=`raw\\n` }', ['__name__="foo:bar"', 'a!~"x\\"y"', 'b="raw\\\\n"']],
    ['{"my.metric", "a.b"="x"}', ['__name__="my.metric"', 'a.b="x"']],
    ['{__name__="up"}', ['__name__="up"']],
    ['{a="\\u00e9\\x41\\101\\n"}', ['a="éAA\\n"']],
  ])('%s', (s, want) => expect(show(s)).toEqual(want));

  it.each<[string, RegExp]>([
    ['', /unexpected end of input/],
    ['{}', /at least one non-empty matcher/],
    ['{a=""}', /at least one non-empty matcher/],
    ['{a=~".*"}', /at least one non-empty matcher/],
    ['up{', /unexpected end of input inside braces/],
    ['up{a="b"', /unexpected end of input inside braces/],
    ['up{a}', /expected a label matching operator/],
    ['up{a=b}', /expected a quoted label value/],
    ['up{a="b}', /unterminated quoted string/],
    ['up{a=~"("}', /invalid regular expression/],
    ['up}', /unexpected character after selector/],
    ['up{"x"}', /metric name must not be set twice/],
    ['{a="\\q"}', /invalid escape sequence/],
    ['1up', /unexpected character "1"/],
  ])('rejects %j', (s, re) => expect(() => parseSelector(s)).toThrow(re));
});
