import { describe, expect, it } from 'vitest';
import { Matcher } from './matcher.js';
import { RegexSyntaxError } from './re2.js';

describe('Matcher', () => {
  it('compares equality matchers exactly', () => {
    expect(new Matcher('=', 'job', 'api').matches('api')).toBe(true);
    expect(new Matcher('=', 'job', 'api').matches('API')).toBe(false);
    expect(new Matcher('!=', 'job', 'api').matches('web')).toBe(true);
    expect(new Matcher('=', 'job', '').matchesEmpty()).toBe(true);
  });

  it('anchors regex matchers', () => {
    const m = new Matcher('=~', 'job', 'api|web');
    expect(m.matches('api')).toBe(true);
    expect(m.matches('apiserver')).toBe(false);
    expect(new Matcher('!~', 'job', 'api|web').matches('apiserver')).toBe(true);
  });

  it('exposes set matches for the index', () => {
    const m = new Matcher('=~', 'code', '2..|(?:404|500)');
    expect(m.setMatches).toBeUndefined();
    const set = new Matcher('=~', 'code', '404|500');
    expect(set.setMatches).toEqual(['404', '500']);
    expect(set.matches('404')).toBe(true);
    expect(set.matches('4040')).toBe(false);
    expect(new Matcher('!~', 'code', '404|500').matches('200')).toBe(true);
  });

  it('answers .* and .+ without a RegExp, newlines included', () => {
    const any = new Matcher('=~', 'a', '.*');
    expect(any.rest).toBe('any');
    expect(any.matchesEmpty()).toBe(true);
    expect(any.matches('x\ny')).toBe(true);

    const nonEmpty = new Matcher('=~', 'a', '.+');
    expect(nonEmpty.rest).toBe('nonEmpty');
    expect(nonEmpty.matchesEmpty()).toBe(false);
    expect(nonEmpty.matches('\n')).toBe(true);
    expect(new Matcher('!~', 'a', '.+').matchesEmpty()).toBe(true);
  });

  it('answers prefix.* with startsWith', () => {
    const m = new Matcher('=~', 'path', '/api/.*');
    expect(m.prefix).toBe('/api/');
    expect(m.rest).toBe('any');
    expect(m.matches('/api/')).toBe(true);
    expect(m.matches('/api/v1\nx')).toBe(true);
    expect(m.matches('/apx/')).toBe(false);

    const plus = new Matcher('=~', 'path', '/api/.+');
    expect(plus.matches('/api/')).toBe(false);
    expect(plus.matches('/api/x')).toBe(true);
  });

  it('does not take the fast path when . excludes newlines', () => {
    const m = new Matcher('=~', 'a', '(?-s)foo.*');
    expect(m.rest).toBeUndefined();
    expect(m.prefix).toBe('foo');
    expect(m.matches('foo bar')).toBe(true);
    expect(m.matches('foo\nbar')).toBe(false);
  });

  it('matches case-insensitively with Go folding', () => {
    const m = new Matcher('=~', 'a', '(?i)kube');
    expect(m.matches('KUBE')).toBe(true);
    expect(m.matches('\u212aube')).toBe(true);
    expect(m.matches('kub')).toBe(false);
  });

  it('rejects invalid regexes with Go messages', () => {
    expect(() => new Matcher('=~', 'a', '(a')).toThrow(RegexSyntaxError);
    expect(() => new Matcher('!~', 'a', 'a**')).toThrow('error parsing regexp: invalid nested repetition operator: `**`');
    // Equality matchers take the value as is.
    expect(() => new Matcher('=', 'a', '(a')).not.toThrow();
  });

  it('gives the same answers on fast paths as the RegExp', () => {
    const patterns = ['.*', '.+', 'foo.*', 'foo.+', '^foo.*$', 'a|b|', '(?i)ab', '[xy]z', 'foo', ''];
    const values = ['', 'a', 'b', 'foo', 'foox', 'foo\n', 'fo', 'AB', 'aB', 'xz', 'yz', 'zz'];
    for (const p of patterns) {
      const m = new Matcher('=~', 'l', p);
      for (const v of values) expect(m.matches(v), `${p} / ${JSON.stringify(v)}`).toBe(m.re!.test(v));
    }
  });

  it('prints in PromQL form', () => {
    expect(new Matcher('=~', 'job', 'a"b').toString()).toBe('job=~"a\\"b"');
  });
});
