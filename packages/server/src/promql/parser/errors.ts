/** A half-open range of UTF-16 offsets into the query text. */
export interface PositionRange {
  start: number;
  end: number;
}

/**
 * A PromQL syntax or type error. The message reads like Prometheus's:
 * `<line>:<column>: parse error: <detail>`, the column counted from 1.
 */
export class ParseError extends Error {
  readonly code = 'parse_error';
  readonly detail: string;
  readonly position: PositionRange;
  readonly line: number;
  readonly column: number;

  constructor(input: string, position: PositionRange, detail: string) {
    const { line, column } = lineAndColumn(input, position.start);
    super(`${line}:${column}: parse error: ${detail}`);
    this.name = 'ParseError';
    this.detail = detail;
    this.position = { start: position.start, end: position.end };
    this.line = line;
    this.column = column;
  }
}

function lineAndColumn(input: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  const end = Math.min(pos, input.length);
  for (let i = 0; i < end; i++) {
    if (input.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: pos - lastBreak };
}
