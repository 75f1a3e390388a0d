import { describe, expect, it } from 'vitest';
import { Labels } from '../model/labels.js';
import { compileRule, hashmod, RELABEL_DEFAULTS, relabelLabels, type RelabelConfig } from './relabel.js';

const rule = (c: Partial<RelabelConfig>) => compileRule({ ...RELABEL_DEFAULTS, sourceLabels: [], ...c });
const run = (input: Record<string, string>, ...cfgs: Partial<RelabelConfig>[]) => relabelLabels(cfgs.map(rule), Labels.fromObject(input))?.toObject();

describe('relabel actions', () => {
  it('replace with capture groups, and no change without a match', () => {
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: 'f(.*)', targetLabel: 'd', replacement: 'ch${1}-ch${1}' })).toEqual({ a: 'foo', d: 'choo-choo' });
    expect(run({ a: 'boo' }, { sourceLabels: ['a'], regex: 'f', targetLabel: 'b', replacement: 'bar' })).toEqual({ a: 'boo' });
  });

  it('replace joins source labels with the separator and is anchored', () => {
    expect(run({ a: 'foo', b: 'bar' }, { sourceLabels: ['a', 'b'], regex: '(f.*);(.*r)', targetLabel: 'c', replacement: '$2$1' })).toEqual({
      a: 'foo',
      b: 'bar',
      c: 'barfoo',
    });
    expect(run({ a: 'xfoo' }, { sourceLabels: ['a'], regex: 'foo', targetLabel: 'b', replacement: 'y' })).toEqual({ a: 'xfoo' });
  });

  it('replace with an empty result deletes the target; templates in target_label', () => {
    expect(run({ a: 'foo', b: 'x' }, { sourceLabels: ['c'], targetLabel: 'b' })).toEqual({ a: 'foo' });
    expect(run({ a: 'some-name-value' }, { sourceLabels: ['a'], regex: 'some-([^-]+)-([^,]+)', targetLabel: '${1}', replacement: '${2}' })).toEqual({
      a: 'some-name-value',
      name: 'value',
    });
    // $1x is the group named "1x", which does not exist: the result is empty and deletes nothing that exists.
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: '(.*)', targetLabel: 'b', replacement: '$1x' })).toEqual({ a: 'foo' });
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: '(?P<n>.*)', targetLabel: 'b', replacement: '${n}x$$' })).toEqual({ a: 'foo', b: 'foox$' });
  });

  it('the documentation example: __address__ port rewrite', () => {
    expect(
      run(
        { __address__: '10.0.0.1:9100', __meta_port: '8080' },
        { sourceLabels: ['__address__', '__meta_port'], regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2', targetLabel: '__address__' },
      ),
    ).toEqual({ __address__: '10.0.0.1:8080', __meta_port: '8080' });
  });

  it('keep and drop', () => {
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: 'f.*', action: 'keep' })).toEqual({ a: 'foo' });
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: 'b.*', action: 'keep' })).toBeUndefined();
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: 'f.*', action: 'drop' })).toBeUndefined();
    expect(run({ a: 'foo' }, { sourceLabels: ['a'], regex: 'o', action: 'drop' })).toEqual({ a: 'foo' });
    // A missing label is the empty string: `keep` with `.+` drops sets without it.
    expect(run({ b: 'x' }, { sourceLabels: ['a'], regex: '.+', action: 'keep' })).toBeUndefined();
  });

  it('keepequal and dropequal compare with the target label', () => {
    const eq = { __tmp_port: '1234', __port1: '1234' };
    expect(run(eq, { sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'keepequal' })).toEqual(eq);
    expect(run(eq, { sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'dropequal' })).toBeUndefined();
    const ne = { __tmp_port: '1234', __port1: '5678' };
    expect(run(ne, { sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'keepequal' })).toBeUndefined();
    expect(run(ne, { sourceLabels: ['__tmp_port'], targetLabel: '__port1', action: 'dropequal' })).toEqual(ne);
  });

  it('hashmod: md5, last 8 bytes, mod modulus (Prometheus test values)', () => {
    expect(hashmod('baz', 1000)).toBe(976);
    expect(hashmod('foo\nbar', 1000)).toBe(734);
    expect(run({ a: 'foo', c: 'baz' }, { sourceLabels: ['c'], targetLabel: 'd', action: 'hashmod', modulus: 1000 })).toEqual({ a: 'foo', c: 'baz', d: '976' });
  });

  it('labelmap copies matching names, keeping the originals', () => {
    expect(run({ a: 'foo', b1: 'bar', b2: 'baz' }, { regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' })).toEqual({
      a: 'foo',
      b1: 'bar',
      b2: 'baz',
      bar_b1: 'bar',
      bar_b2: 'baz',
    });
    expect(run({ __meta_kubernetes_pod_label_app: 'web', job: 'j' }, { regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' })).toEqual({
      __meta_kubernetes_pod_label_app: 'web',
      app: 'web',
      job: 'j',
    });
  });

  it('labeldrop and labelkeep', () => {
    expect(run({ a: '1', b1: '2', b2: '3' }, { regex: 'b.*', action: 'labeldrop' })).toEqual({ a: '1' });
    expect(run({ a: '1', b1: '2', b2: '3' }, { regex: 'b.*', action: 'labelkeep' })).toEqual({ b1: '2', b2: '3' });
  });

  it('lowercase and uppercase', () => {
    expect(run({ foo: 'bAr123Foo' }, { sourceLabels: ['foo'], targetLabel: 'foo_lower', action: 'lowercase' })).toEqual({
      foo: 'bAr123Foo',
      foo_lower: 'bar123foo',
    });
    expect(run({ foo: 'bAr123Foo' }, { sourceLabels: ['foo'], targetLabel: 'foo_upper', action: 'uppercase' })).toEqual({
      foo: 'bAr123Foo',
      foo_upper: 'BAR123FOO',
    });
  });

  it('regexes have RE2 semantics: (?i), \\d is ASCII, . matches newline', () => {
    expect(run({ a: 'FOO' }, { sourceLabels: ['a'], regex: '(?i)foo', action: 'keep' })).toEqual({ a: 'FOO' });
    expect(run({ a: '١٢' }, { sourceLabels: ['a'], regex: '\\d+', action: 'keep' })).toBeUndefined();
    expect(run({ a: 'x\ny' }, { sourceLabels: ['a'], regex: 'x.y', action: 'keep' })).toEqual({ a: 'x\ny' });
  });

  it('rules apply in order and a drop stops the chain', () => {
    expect(
      run(
        { __address__: 'h:1', __meta_env: 'prod' },
        { sourceLabels: ['__meta_env'], targetLabel: '__tmp_env' },
        { sourceLabels: ['__tmp_env'], regex: 'prod', action: 'keep' },
        { sourceLabels: ['__tmp_env'], targetLabel: 'env' },
      ),
    ).toEqual({ __address__: 'h:1', __meta_env: 'prod', __tmp_env: 'prod', env: 'prod' });
  });
});

describe('relabel validation (Prometheus messages)', () => {
  const bad: [Partial<RelabelConfig>, RegExp][] = [
    [{ action: 'hashmod', targetLabel: 'x' }, /hashmod requires non-zero modulus/],
    [{ action: 'replace', targetLabel: '' }, /replace action requires 'target_label' value/],
    [{ action: 'lowercase', sourceLabels: ['a'] }, /lowercase action requires 'target_label'/],
    [{ action: 'keepequal', sourceLabels: ['a'], targetLabel: 'b', regex: 'x' }, /keepequal action requires only 'source_labels' and `target_label`/],
    [{ action: 'labeldrop', sourceLabels: ['a'], regex: 'x' }, /labeldrop action requires only 'regex', and no other fields/],
    [{ action: 'keep', regex: '(?<!x)' }, /error parsing regexp: invalid named capture/],
  ];
  it.each(bad)('rejects %j', (cfg, re) => {
    expect(() => rule(cfg)).toThrow(re);
  });
});
