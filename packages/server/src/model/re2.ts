/**
 * RE2 (Go regexp) syntax compiled to an anchored JavaScript RegExp.
 * Interim version: accepts the common subset; the full translator replaces it.
 */
export class RegexSyntaxError extends Error {}

export function compileRE2(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 's');
  } catch (e) {
    throw new RegexSyntaxError(`error parsing regexp: ${(e as Error).message}`);
  }
}

export interface RegexShape {
  /** When the regex matches exactly this finite set of strings (e.g. `a|b|c`). */
  setMatches?: string[];
  /** A literal prefix every match starts with. */
  prefix?: string;
}

export function analyzeRE2(pattern: string): RegexShape {
  if (/^[A-Za-z0-9_:\-.|/ ]*$/.test(pattern) && !pattern.includes('.')) {
    return { setMatches: pattern.split('|') };
  }
  return {};
}
