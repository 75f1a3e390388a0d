import { analyzeRE2, compileRE2 } from './re2.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/**
 * A label matcher. Regex matchers are fully anchored and use RE2 syntax, as
 * Prometheus's do. For regexes that are a finite set of literals (`a|b|c`) or
 * have a literal prefix, `setMatches`/`prefix` let the index resolve them
 * without testing every label value.
 */
export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  readonly re: RegExp | undefined;
  readonly setMatches: readonly string[] | undefined;
  readonly prefix: string | undefined;

  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      this.re = compileRE2(value);
      const shape = analyzeRE2(value);
      this.setMatches = shape.setMatches;
      this.prefix = shape.prefix;
    }
  }

  matches(s: string): boolean {
    switch (this.type) {
      case '=':
        return s === this.value;
      case '!=':
        return s !== this.value;
      case '=~':
        return this.setMatches ? this.setMatches.includes(s) : this.re!.test(s);
      case '!~':
        return this.setMatches ? !this.setMatches.includes(s) : !this.re!.test(s);
    }
  }

  /** Whether a series without this label (value "") is selected. */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}
