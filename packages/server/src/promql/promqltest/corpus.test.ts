/**
 * Runs every file of the upstream PromQL conformance corpus
 * (/work/shared/conformance/promql/testdata) against the engine over the
 * in-memory storage, with the corpus's engine settings. Prints per file
 * passed / failed / skipped; fails on any failure that the skip list
 * (skips.ts) does not cover.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../engine/index.js';
import type { Expr } from '../parser/index.js';
import { CORPUS_ENGINE_OPTIONS, runScript } from './runner.js';
import { skipReason } from './skips.js';

const CORPUS_DIR = join(import.meta.dirname, '../../../../../../shared/conformance/promql/testdata');
const files = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.test')).sort();
const engine = new Engine(CORPUS_ENGINE_OPTIONS);

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  skippedPassing: number;
}
const table = new Map<string, Counts>();
const reasons = new Map<string, number>();

describe('PromQL conformance corpus', () => {
  for (const file of files) {
    it(file, async () => {
      const run = await runScript(readFileSync(join(CORPUS_DIR, file), 'utf8'), engine);
      const counts: Counts = { passed: 0, failed: 0, skipped: 0, skippedPassing: 0 };
      const failures: string[] = [];
      for (const o of run.outcomes) {
        let expr: Expr | undefined;
        try {
          expr = engine.parse(o.eval.expr);
        } catch {
          expr = undefined;
        }
        const reason = skipReason(o.eval, o.state, expr);
        if (reason) {
          counts.skipped++;
          if (!o.failure) counts.skippedPassing++;
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          continue;
        }
        if (o.failure) {
          counts.failed++;
          failures.push(`${file}:${o.line}: ${o.header}\n    ${o.failure}`);
        } else counts.passed++;
      }
      table.set(file, counts);
      expect(failures).toEqual([]);
    });
  }

  it('prints the counts', () => {
    const rows = [...table.entries()].map(
      ([f, c]) => `${f.padEnd(28)} passed ${String(c.passed).padStart(4)}  failed ${String(c.failed).padStart(4)}  skipped ${String(c.skipped).padStart(4)} (${c.skippedPassing} of them pass anyway)`,
    );
    const total = [...table.values()].reduce((a, c) => ({ passed: a.passed + c.passed, failed: a.failed + c.failed, skipped: a.skipped + c.skipped, skippedPassing: a.skippedPassing + c.skippedPassing }), { passed: 0, failed: 0, skipped: 0, skippedPassing: 0 });
    rows.push(`${'total'.padEnd(28)} passed ${String(total.passed).padStart(4)}  failed ${String(total.failed).padStart(4)}  skipped ${String(total.skipped).padStart(4)} (${total.skippedPassing} of them pass anyway)`);
    rows.push('skip reasons:', ...[...reasons.entries()].map(([r, n]) => `  ${String(n).padStart(4)}  ${r}`));
    console.log(`PromQL corpus:\n${rows.join('\n')}`);
  });
});
