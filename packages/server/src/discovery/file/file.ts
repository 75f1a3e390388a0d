/**
 * `file_sd_configs`: target groups read from JSON or YAML files
 * (`[{targets: [...], labels: {...}}]`), found by path patterns whose last
 * element may hold `*`. Files are re-read when their directory changes
 * (fs.watch) and every `refresh_interval` in any case (watches miss events
 * on some file systems). A file that cannot be read or parsed keeps its
 * previous targets and is counted in `vigil_sd_file_read_errors_total`; a
 * deleted file's targets go away. Each target gets `__meta_filepath`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FileSDConfig } from '../../config/scrape.js';
import type { Counter } from '../../metrics/registry.js';
import type { Logger } from '../../server/logger.js';
import { parseTargetGroups, type Provider, type TargetGroup } from '../targetgroup.js';

export interface FileProviderDeps {
  logger: Logger;
  readErrors: Counter;
}

export class FileProvider implements Provider {
  readonly #cfg: FileSDConfig;
  readonly #deps: FileProviderDeps;
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  /** File → its groups as last read successfully. */
  #last = new Map<string, TargetGroup[]>();
  #stopped = false;
  #refreshing: Promise<void> | undefined;
  #again = false;

  constructor(cfg: FileSDConfig, deps: FileProviderDeps) {
    this.#cfg = cfg;
    this.#deps = deps;
  }

  start(send: (groups: TargetGroup[]) => void): void {
    const refresh = () => {
      if (this.#refreshing) {
        this.#again = true;
        return;
      }
      this.#refreshing = this.#refresh(send).finally(() => {
        this.#refreshing = undefined;
        if (this.#again && !this.#stopped) {
          this.#again = false;
          refresh();
        }
      });
    };
    for (const dir of new Set(this.#cfg.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, () => {
          // Editors write in several steps: read once things settle.
          clearTimeout(this.#debounce);
          this.#debounce = setTimeout(refresh, 50);
        });
        w.on('error', (err) => this.#deps.logger.warn('cannot watch directory for file discovery', { dir, err: err.message }));
        this.#watchers.push(w);
      } catch (err) {
        this.#deps.logger.warn('cannot watch directory for file discovery', { dir, err: (err as Error).message });
      }
    }
    this.#timer = setInterval(refresh, this.#cfg.refreshIntervalMs);
    refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    for (const w of this.#watchers) w.close();
  }

  async #refresh(send: (groups: TargetGroup[]) => void): Promise<void> {
    const files = await this.#listFiles();
    const next = new Map<string, TargetGroup[]>();
    for (const f of files) {
      try {
        next.set(f, await readGroups(f));
      } catch (err) {
        this.#deps.readErrors.inc();
        this.#deps.logger.error('cannot read file for file discovery', { file: f, err: (err as Error).message });
        const prev = this.#last.get(f);
        if (prev) next.set(f, prev);
      }
    }
    if (this.#stopped) return;
    const out: TargetGroup[] = [];
    for (const groups of next.values()) out.push(...groups);
    // Groups of files (or of group indexes) that went away: empty groups remove them.
    for (const [f, groups] of this.#last) {
      const now = next.get(f) ?? [];
      for (let i = now.length; i < groups.length; i++) out.push({ source: groups[i].source, targets: [], labels: {} });
    }
    this.#last = next;
    send(out);
  }

  async #listFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const pattern of this.#cfg.files) {
      const base = basename(pattern);
      if (!base.includes('*')) {
        out.push(pattern);
        continue;
      }
      const re = new RegExp(`^${base.split('*').map(escapeRegExp).join('[^/]*')}$`);
      let names: string[];
      try {
        names = await readdir(dirname(pattern));
      } catch {
        continue;
      }
      for (const n of names.sort()) if (re.test(n)) out.push(join(dirname(pattern), n));
    }
    return [...new Set(out)];
  }
}

async function readGroups(file: string): Promise<TargetGroup[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const ext = extname(file).toLowerCase();
  const data: unknown = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  // An empty YAML file is no groups.
  if (data === null || data === undefined) return [];
  return parseTargetGroups(data, file, { __meta_filepath: file });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
