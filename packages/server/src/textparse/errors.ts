/**
 * A syntax or semantic error in an exposition body, at a 1-based line and
 * 1-based column (counted in Unicode code points). `reason` is the message
 * without the position, worded like Prometheus's ("expected equal, got
 * \"x\""); `message` prefixes the position.
 */
export class ParseError extends Error {
  readonly code = 'bad_input' as const;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(line: number, column: number, reason: string) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'ParseError';
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}
