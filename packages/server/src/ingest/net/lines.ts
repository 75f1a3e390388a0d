/**
 * The line loop shared by the plaintext socket protocols (Graphite, the
 * OpenTSDB telnet protocol): splits a text into lines (LF or CRLF), trims
 * blanks, skips empty lines and hands each to the subclass's `parseLine`. A
 * `LineError` thrown there makes `next()` return `LineKind.Error` with the
 * message in `error`; the scan goes on at the next line.
 */
import { LineKind } from '../influx/parser.js';

/** A problem with one line: reported, and the next line is parsed. */
export class LineError extends Error {}

const C_CR = 13;

/** Space or tab. */
export function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

export abstract class LineScanner {
  /** 1-based number of the line last returned. */
  line = 0;
  /** The problem, after `next()` returned `LineKind.Error`. */
  error = '';
  protected text = '';
  #pos = 0;

  /** Starts over on `text`, whose first line is numbered `firstLine`. */
  protected start(text: string, firstLine: number): void {
    this.text = text;
    this.#pos = 0;
    this.line = firstLine - 1;
  }

  /** Parses the line `[start, end)` of `text` (trimmed, non-empty); throws `LineError` for a bad one. */
  protected abstract parseLine(start: number, end: number): void;

  next(): LineKind {
    const s = this.text;
    const len = s.length;
    while (this.#pos < len) {
      const start = this.#pos;
      let nl = s.indexOf('\n', start);
      if (nl < 0) nl = len;
      this.#pos = nl + 1;
      this.line++;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === C_CR) end--;
      let i = start;
      while (i < end && isBlank(s.charCodeAt(i))) i++;
      while (end > i && isBlank(s.charCodeAt(end - 1))) end--;
      if (i === end) continue;
      try {
        this.parseLine(i, end);
        return LineKind.Row;
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        this.error = err.message;
        return LineKind.Error;
      }
    }
    return LineKind.EOF;
  }
}
