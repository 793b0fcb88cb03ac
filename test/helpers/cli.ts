/** Run the built CLI as a child process (the way analysts and CI jobs run it). */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'pipeline', 'cli', 'main.js');
export const SAMPLES = join(ROOT, 'data-samples', 'extracts', 'E09000015');

export interface CliRun { code: number; stdout: string; stderr: string; json: () => any }

export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, SOURCE_DATE_EPOCH: '1793491200', TZ: 'UTC', ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
    input: '',
  });
  return {
    code: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => JSON.parse(r.stdout),
  };
}

export const tempDir = (prefix = 'cp-') => mkdtempSync(join(tmpdir(), prefix));

/** Copy a sample quarter into a temp folder (to break it). */
export function copySample(asAt: string, to = tempDir('extract-')): string {
  cpSync(join(SAMPLES, asAt), to, { recursive: true });
  return to;
}

/** sha256 of every file below a folder, by relative path. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p, `${rel}${f}/`);
      else out[`${rel}${f}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** A fingerprint of every table of a store: row counts and an order-independent hash of the rows. */
export async function storeFingerprint(path: string): Promise<Record<string, string>> {
  const { Store } = await import('../../pipeline/store/store.js');
  const store = await Store.open(path, { readOnly: true, waitSeconds: 10 });
  try {
    const tables = await store.all<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1`);
    const out: Record<string, string> = {};
    for (const t of tables) {
      const r = await store.one<{ n: number; h: string }>(`SELECT count(*)::INT AS n, coalesce(sum(hash(x))::VARCHAR, '0') AS h FROM ${t.name} x`);
      out[t.name] = `${r!.n}:${r!.h}`;
    }
    return out;
  } finally {
    store.close();
  }
}
