/**
 * What every benchmark module shares as a command: run when it is the
 * script node was started with (`node --import tsx bench/<name>.ts …`),
 * not when bench/run.ts imports it; errors printed with their stack and a
 * failing exit code.
 */
import { pathToFileURL } from 'node:url';

export function runIfMain(moduleUrl: string, run: (argv: string[]) => Promise<void>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
