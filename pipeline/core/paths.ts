import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (the folder holding package.json), from source or from dist/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'metrics'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('corporate-parenting: cannot find the project root (package.json + metrics/)');
    dir = up;
  }
}

export const ROOT = findRoot();
export const METRICS_DIR = join(ROOT, 'metrics');
export const TEMPLATES_DIR = join(ROOT, 'templates');
export const REFERENCE_DIR = join(ROOT, 'reference');
export const SAMPLES_DIR = join(ROOT, 'data-samples', 'extracts');
/** Default store: ./.store/corporate-parenting.duckdb in the working directory (override with --store or CP_STORE). */
export const defaultStorePath = () => resolve(process.env.CP_STORE ?? join('.store', 'corporate-parenting.duckdb'));

/** Bytes of the files directly in a folder (0 for a folder that cannot be read). */
export function folderBytes(dir: string): number {
  let bytes = 0;
  try {
    for (const f of readdirSync(dir)) {
      const st = statSync(join(dir, f), { throwIfNoEntry: false });
      if (st?.isFile()) bytes += st.size;
    }
  } catch {
    /* a missing folder is reported by the command */
  }
  return bytes;
}
