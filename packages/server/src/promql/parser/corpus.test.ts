/**
 * Runs the parser over every `eval` expression of the upstream conformance
 * corpus (/work/shared/conformance/promql/testdata). Evals not expecting
 * failure must parse, and printing then re-parsing must give the same tree.
 * For `expect fail` evals the test reports which ones already fail here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatExpr } from './format.js';
import { parseExpr } from './parser.js';
import { normalize } from './testing.js';

const CORPUS_DIR = join(import.meta.dirname, '../../../../../../shared/conformance/promql/testdata');

interface EvalCase {
  file: string;
  line: number;
  expr: string;
  expectFail: boolean;
}

function extractEvals(file: string, text: string): EvalCase[] {
  const lines = text.split('\n').map((l) => l.trim());
  const cases: EvalCase[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = lines[i]!;
    const m = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(?:instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$/.exec(header);
    if (!m) continue;
    let expectFail = m[1] === 'eval_fail';
    // The block ends at a blank line or a comment line.
    for (let j = i + 1; j < lines.length && lines[j] !== '' && !lines[j]!.startsWith('#'); j++) {
      if (/^expect\s+fail\b/.test(lines[j]!)) expectFail = true;
    }
    cases.push({ file, line: i + 1, expr: m[2]!, expectFail });
  }
  return cases;
}

const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.test')).sort();
const all = files.flatMap((f) => extractEvals(f, readFileSync(join(CORPUS_DIR, f), 'utf8')));

describe('conformance corpus', () => {
  it('finds the evals', () => {
    expect(files.length).toBe(21);
    expect(all.length).toBeGreaterThan(2000);
  });

  for (const file of files) {
    it(`parses and round-trips every eval of ${file}`, () => {
      const failures: string[] = [];
      for (const c of all.filter((x) => x.file === file && !x.expectFail)) {
        try {
          const ast = parseExpr(c.expr);
          const printed = formatExpr(ast);
          let again;
          try {
            again = parseExpr(printed);
          } catch (e) {
            failures.push(`${c.file}:${c.line}: ${c.expr}\n  printed ${printed}\n  does not parse: ${(e as Error).message}`);
            continue;
          }
          try {
            expect(normalize(again)).toEqual(normalize(ast));
          } catch {
            failures.push(`${c.file}:${c.line}: ${c.expr}\n  printed ${printed}\n  parses to a different tree`);
          }
        } catch (e) {
          failures.push(`${c.file}:${c.line}: ${c.expr}\n  ${(e as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    });
  }

  it('reports the counts', () => {
    const ok = all.filter((c) => !c.expectFail);
    let parsed = 0;
    for (const c of ok) {
      try {
        parseExpr(c.expr);
        parsed++;
      } catch {
        // Counted as not parsed; the per-file tests name them.
      }
    }
    const failing = all.filter((c) => c.expectFail);
    const atParse: string[] = [];
    for (const c of failing) {
      try {
        parseExpr(c.expr);
      } catch (e) {
        atParse.push(`  ${c.file}:${c.line}: ${c.expr}\n    -> ${(e as Error).message}`);
      }
    }
    console.log(
      `corpus: ${parsed}/${ok.length} evals parsed; ${failing.length} expect failure, ` +
        `${atParse.length} of them fail at parse time:\n${atParse.join('\n')}`,
    );
  });
});
