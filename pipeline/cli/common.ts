/** Options and helpers shared by the commands. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseReferenceDate, type IsoDate } from '../core/dates.js';
import { usageError } from '../core/errors.js';
import { Output } from '../core/output.js';
import { defaultStorePath } from '../core/paths.js';
import { loadConfig, type LaConfig } from '../compute/config.js';
import { loadMetrics } from '../compute/metrics.js';
import { resolveLa, type LaInfo } from '../compute/reference.js';
import type { MetricDef } from '../compute/types.js';
import { Store } from '../store/store.js';

export interface GlobalOpts {
  json?: boolean;
  quiet?: boolean;
  store?: string;
  config?: string;
  wait?: string;
}

export const makeOutput = (o: GlobalOpts) => new Output({ json: o.json, quiet: o.quiet });

/** A manifest.json beside the extract may name the LA and reference date. */
export function readManifest(dir: string): { la?: string; asAt?: string } {
  const f = join(dir, 'manifest.json');
  if (!existsSync(f)) return {};
  try {
    const m = JSON.parse(readFileSync(f, 'utf8')) as { la?: unknown; asAt?: unknown };
    return { la: typeof m.la === 'string' ? m.la : undefined, asAt: typeof m.asAt === 'string' ? m.asAt : undefined };
  } catch {
    throw usageError(`${f} is not valid JSON`, 'Fix or delete the manifest; it may hold {"la": "E09000015", "asAt": "2025-06-30"}.');
  }
}

export function requireDir(dir: string | undefined, what = '--data'): string {
  if (!dir) throw usageError(`${what} is required`, 'Point it at the folder of the quarter’s CSV extracts.');
  const d = resolve(dir);
  if (!existsSync(d) || !statSync(d).isDirectory()) throw usageError(`${what} ${dir} is not a folder`, 'Point it at the folder of the quarter’s CSV extracts.');
  return d;
}

export function referenceDate(opts: { asAt?: string; quarter?: string }, manifest: { asAt?: string } = {}): IsoDate {
  const given = opts.asAt ?? opts.quarter ?? manifest.asAt;
  if (!given) throw usageError('the reference date is required', 'Give --as-at YYYY-MM-DD or --quarter 2025-26-Q2 (the quarter end the extract was taken at); it is never guessed.');
  if (opts.asAt && opts.quarter && parseReferenceDate(opts.asAt) !== parseReferenceDate(opts.quarter)) {
    throw usageError(`--as-at ${opts.asAt} and --quarter ${opts.quarter} disagree`);
  }
  return parseReferenceDate(given);
}

export function laOf(opts: { la?: string }, manifest: { la?: string } = {}, config?: LaConfig): LaInfo {
  const code = opts.la ?? config?.la ?? manifest.la;
  if (!code) throw usageError('the local authority is required', 'Give --la with the ONS code (E09000015), DfE number (310) or name.');
  return resolveLa(code);
}

export function metricsAndConfig(o: GlobalOpts, la?: string): { defs: MetricDef[]; config: LaConfig } {
  const defs = loadMetrics();
  return { defs, config: loadConfig(defs, { file: o.config, la }) };
}

export function storePath(o: GlobalOpts, config?: LaConfig): string {
  return resolve(o.store ?? config?.store ?? defaultStorePath());
}

export async function openStore(o: GlobalOpts, out: Output, config?: LaConfig, readOnly = false): Promise<Store> {
  const wait = o.wait === undefined ? 30 : Number(o.wait);
  if (!Number.isFinite(wait) || wait < 0) throw usageError(`--wait ${o.wait} is not a number of seconds`);
  return Store.open(storePath(o, config), { readOnly, waitSeconds: wait, onWait: (m) => out.log(m) });
}

export const fmtPct = (v: number | null, unit: 'percent' | 'count' = 'percent') =>
  v === null ? 'no data' : unit === 'count' ? String(v) : `${v.toFixed(1)}%`;

/** Output root: --out, else the config's `out`, else ./reports. */
export const outRootOf = (o: { out?: string }, config?: LaConfig): string => resolve(o.out ?? config?.out ?? 'reports');
