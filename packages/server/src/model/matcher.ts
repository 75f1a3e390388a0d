import { analyzeRE2, compileRE2 } from './re2.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/**
 * A label matcher. Regex matchers are fully anchored and use RE2 syntax, as
 * Prometheus's do. For regexes that are a finite set of literals (`a|b|c`) or
 * have a literal prefix, `setMatches`/`prefix` let the index resolve them
 * without testing every label value; `rest` marks `prefix.*` / `prefix.+`,
 * which `matches` answers without running the RegExp.
 */
export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly re: RegExp | undefined;
  readonly setMatches: readonly string[] | undefined;
  readonly prefix: string | undefined;
  /** Set when the regex is exactly `prefix` followed by `.*` ('any') or `.+` ('nonEmpty'). */
  readonly rest: 'any' | 'nonEmpty' | undefined;
  private readonly set: ReadonlySet<string> | undefined;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      this.re = compileRE2(value);
      const shape = analyzeRE2(value);
      this.setMatches = shape.setMatches;
      this.prefix = shape.prefix;
      this.rest = shape.rest;
      this.set = shape.setMatches && new Set(shape.setMatches);
    }
  }

  matches(s: string): boolean {
    switch (this.type) {
      case '=':
        return s === this.value;
      case '!=':
        return s !== this.value;
      case '=~':
        return this.regexMatches(s);
      case '!~':
        return !this.regexMatches(s);
    }
  }

  private regexMatches(s: string): boolean {
    if (this.set) return this.set.has(s);
    if (this.rest) {
      const prefix = this.prefix ?? '';
      return s.startsWith(prefix) && (this.rest === 'any' || s.length > prefix.length);
    }
    return this.re!.test(s);
  }

  /** Whether a series without this label (value "") is selected. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}
