/**
 * Relabeling, as Prometheus does it for targets (`relabel_configs`) and for
 * scraped series (`metric_relabel_configs`): an ordered list of rules, each
 * reading the values of `source_labels` joined by `separator`, matching them
 * against an anchored RE2 `regex`, and acting on the label set.
 *
 * | action       | effect                                                                 |
 * |--------------|------------------------------------------------------------------------|
 * | `replace`    | on a match, set `target_label` to `replacement` (`$1`, `${name}` expanded); empty result deletes it |
 * | `lowercase`  | set `target_label` to the joined value in lower case                   |
 * | `uppercase`  | … in upper case                                                        |
 * | `keep`       | drop the set unless the joined value matches                           |
 * | `drop`       | drop the set when the joined value matches                             |
 * | `keepequal`  | drop the set unless the joined value equals `target_label`'s value     |
 * | `dropequal`  | drop the set when it equals it                                         |
 * | `hashmod`    | set `target_label` to md5(joined value) mod `modulus`                  |
 * | `labelmap`   | copy every label whose name matches to the name `replacement` expands to |
 * | `labeldrop`  | delete every label whose name matches                                  |
 * | `labelkeep`  | delete every label whose name does not match                           |
 *
 * Replacement templates follow Go's `regexp.Expand`: `$1` and `${1}` are
 * groups by number, `$name`/`${name}` by name, `$$` is a dollar; a name is
 * the longest run of letters, digits and `_` (so `$1x` is the group named
 * `1x`, which does not exist, and expands to nothing — write `${1}x`).
 */
import { createHash } from 'node:crypto';
import { LabelsBuilder, isWellFormed, type Labels } from '../model/labels.js';
import { compileRE2Captures } from '../model/re2.js';

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;

export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

/** One rule as written in the config file (after defaults). */
export interface RelabelConfig {
  sourceLabels: string[];
  separator: string;
  regex: string;
  modulus: number;
  targetLabel: string;
  replacement: string;
  action: RelabelAction;
}

export const RELABEL_DEFAULTS: Readonly<Omit<RelabelConfig, 'sourceLabels'>> = Object.freeze({
  separator: ';',
  regex: '(.*)',
  modulus: 0,
  targetLabel: '',
  replacement: '$1',
  action: 'replace',
});

/** A rule ready to run: its regex compiled once. */
export interface Rule {
  readonly cfg: RelabelConfig;
  readonly re: RegExp;
  readonly groupNames: Map<string, number>;
  /** The default `(.*)`: the regex matches everything and `$1` is the whole value. */
  readonly matchesAll: boolean;
}

/**
 * Checks a rule as Prometheus's `relabel.Config.Validate` does and compiles
 * its regex. Throws an Error with the reason (the config loader adds file,
 * line and key).
 */
export function compileRule(cfg: RelabelConfig): Rule {
  const a = cfg.action;
  const d = RELABEL_DEFAULTS;
  if (a === 'hashmod' && cfg.modulus === 0) throw new Error('relabel configuration for hashmod requires non-zero modulus');
  const needsTarget: RelabelAction[] = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (needsTarget.includes(a) && cfg.targetLabel === '') {
    throw new Error(`relabel configuration for ${a} action requires 'target_label' value`);
  }
  if ((a === 'lowercase' || a === 'uppercase' || a === 'keepequal' || a === 'dropequal' || a === 'hashmod') && !validLabelName(cfg.targetLabel)) {
    throw new Error(`${JSON.stringify(cfg.targetLabel)} is invalid 'target_label' for ${a} action`);
  }
  if (a === 'replace' && !isWellFormed(cfg.targetLabel)) throw new Error(`${JSON.stringify(cfg.targetLabel)} is invalid 'target_label' for replace action`);
  if (
    (a === 'keepequal' || a === 'dropequal') &&
    (cfg.regex !== d.regex || cfg.modulus !== d.modulus || cfg.separator !== d.separator || cfg.replacement !== d.replacement)
  ) {
    throw new Error(`${a} action requires only 'source_labels' and \`target_label\`, and no other fields`);
  }
  if (
    (a === 'labeldrop' || a === 'labelkeep') &&
    (cfg.sourceLabels.length > 0 || cfg.targetLabel !== d.targetLabel || cfg.modulus !== d.modulus || cfg.separator !== d.separator || cfg.replacement !== d.replacement)
  ) {
    throw new Error(`${a} action requires only 'regex', and no other fields`);
  }
  for (const n of cfg.sourceLabels) if (!validLabelName(n)) throw new Error(`${JSON.stringify(n)} is not a valid label name`);
  const { regexp, names } = compileRE2Captures(cfg.regex);
  return { cfg, re: regexp, groupNames: names, matchesAll: cfg.regex === d.regex };
}

/** Any non-empty well-formed name (Prometheus 3 accepts UTF-8 label names). */
function validLabelName(s: string): boolean {
  return s !== '' && isWellFormed(s);
}

/**
 * Applies the rules in order to the builder's labels. Returns false when a
 * rule dropped the set (the builder is then left half-processed).
 */
export function relabel(rules: readonly Rule[], lb: LabelsBuilder): boolean {
  for (const r of rules) if (!applyRule(r, lb)) return false;
  return true;
}

/** Relabels a label set; undefined when dropped. Unchanged sets come back as the same object. */
export function relabelLabels(rules: readonly Rule[], ls: Labels): Labels | undefined {
  if (rules.length === 0) return ls;
  const lb = new LabelsBuilder(ls);
  if (!relabel(rules, lb)) return undefined;
  const out = lb.labels();
  return out.equals(ls) ? ls : out;
}

function joinedValue(cfg: RelabelConfig, lb: LabelsBuilder): string {
  const src = cfg.sourceLabels;
  if (src.length === 1) return lb.get(src[0]);
  let val = '';
  for (let i = 0; i < src.length; i++) val += (i === 0 ? '' : cfg.separator) + lb.get(src[i]);
  return val;
}

function applyRule(r: Rule, lb: LabelsBuilder): boolean {
  const cfg = r.cfg;
  switch (cfg.action) {
    case 'drop':
      return !r.re.test(joinedValue(cfg, lb));
    case 'keep':
      return r.re.test(joinedValue(cfg, lb));
    case 'dropequal':
      return joinedValue(cfg, lb) !== lb.get(cfg.targetLabel);
    case 'keepequal':
      return joinedValue(cfg, lb) === lb.get(cfg.targetLabel);
    case 'replace': {
      const val = joinedValue(cfg, lb);
      // The default regex with a template-free target is the common case: skip the RegExp.
      if (r.matchesAll && cfg.replacement === '$1' && !cfg.targetLabel.includes('$')) {
        lb.set(cfg.targetLabel, val);
        return true;
      }
      const m = r.re.exec(val);
      if (m === null) return true;
      const target = expand(cfg.targetLabel, m, r.groupNames);
      if (!validLabelName(target)) return true;
      lb.set(target, expand(cfg.replacement, m, r.groupNames));
      return true;
    }
    case 'lowercase':
      lb.set(cfg.targetLabel, joinedValue(cfg, lb).toLowerCase());
      return true;
    case 'uppercase':
      lb.set(cfg.targetLabel, joinedValue(cfg, lb).toUpperCase());
      return true;
    case 'hashmod':
      lb.set(cfg.targetLabel, String(hashmod(joinedValue(cfg, lb), cfg.modulus)));
      return true;
    case 'labelmap': {
      const pairs = lb.labels().pairs;
      for (let i = 0; i < pairs.length; i += 2) {
        const m = r.re.exec(pairs[i]);
        if (m !== null) lb.set(expand(cfg.replacement, m, r.groupNames), pairs[i + 1]);
      }
      return true;
    }
    case 'labeldrop':
    case 'labelkeep': {
      const keep = cfg.action === 'labelkeep';
      const pairs = lb.labels().pairs;
      for (let i = 0; i < pairs.length; i += 2) if (r.re.test(pairs[i]) !== keep) lb.del(pairs[i]);
      return true;
    }
  }
}

/** md5 of the value; its last 8 bytes as a big-endian uint64, mod `modulus` (as Prometheus's hashmod). */
export function hashmod(value: string, modulus: number): number {
  const sum = createHash('md5').update(value).digest();
  return Number(sum.readBigUInt64BE(8) % BigInt(modulus));
}

function isNameChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** Go's `regexp.Expand` for a match of an anchored regex (see the file comment). */
export function expand(template: string, m: RegExpExecArray, names: Map<string, number>): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const d = template.indexOf('$', i);
    if (d < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, d);
    if (template.charCodeAt(d + 1) === 36) {
      out += '$';
      i = d + 2;
      continue;
    }
    let name: string;
    let end: number;
    if (template.charCodeAt(d + 1) === 123) {
      let j = d + 2;
      while (j < template.length && isNameChar(template.charCodeAt(j))) j++;
      if (j === d + 2 || template.charCodeAt(j) !== 125) {
        // Malformed: the dollar is literal text.
        out += '$';
        i = d + 1;
        continue;
      }
      name = template.slice(d + 2, j);
      end = j + 1;
    } else {
      let j = d + 1;
      while (j < template.length && isNameChar(template.charCodeAt(j))) j++;
      if (j === d + 1) {
        out += '$';
        i = d + 1;
        continue;
      }
      name = template.slice(d + 1, j);
      end = j;
    }
    out += group(name, m, names);
    i = end;
  }
  return out;
}

function group(name: string, m: RegExpExecArray, names: Map<string, number>): string {
  let num = -1;
  if (/^\d+$/.test(name)) {
    num = name.length > 9 ? -1 : Number(name);
  } else {
    num = names.get(name) ?? -1;
  }
  if (num < 0 || num >= m.length) return '';
  return m[num] ?? '';
}
