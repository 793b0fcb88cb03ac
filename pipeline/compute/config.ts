/**
 * Per-LA configuration (YAML or JSON): targets and tolerances, KPI parameters, paths.
 * Validated; every error names the file and line. Absent keys fall back to the strategy's
 * defaults in metrics/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname, isAbsolute } from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar } from 'yaml';
import { CliError, ExitCode } from '../core/errors.js';
import type { MetricDef, Target } from './types.js';

export interface LaConfig {
  file: string | null;
  la: string | null;
  store: string | null;
  data: string | null;
  out: string | null;
  commentary: string | null; // folder of <YYYY-MM-DD>.md or <2025-26-Q2>.md files
  unitPostcodes: string | null; // a full ONSPD unit-level CSV (pcd, easting, northing)
  /** Percentage points (or count) of movement since the last run that trips exit code 4. */
  changeThreshold: number;
  targets: Record<string, Target>;
  /** SQL macro parameters, e.g. good_attendance_threshold: 95, pep_window_months: 4. */
  parameters: Record<string, number>;
}

export const DEFAULT_PARAMETERS: Record<string, number> = {};

export function defaultConfig(defs: MetricDef[]): LaConfig {
  return {
    file: null, la: null, store: null, data: null, out: null, commentary: null, unitPostcodes: null,
    changeThreshold: 5,
    targets: Object.fromEntries(defs.map((d) => [d.id, { target: d.target, tolerance: d.tolerance }])),
    parameters: { ...DEFAULT_PARAMETERS },
  };
}

const KEYS = ['la', 'store', 'data', 'out', 'commentary', 'unitPostcodes', 'changeThreshold', 'targets', 'parameters', 'neighbours', 'name'];

/** Parse a config text; returns every problem with its line. Pure. */
export function parseConfig(file: string, text: string, defs: MetricDef[]): { config: LaConfig; errors: string[] } {
  const config = defaultConfig(defs);
  config.file = file;
  const errors: string[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const at = (node: unknown) => {
    const off = (node as { range?: [number] } | null)?.range?.[0];
    return off === undefined ? `${file}` : `${file}:${lc.linePos(off).line}`;
  };
  for (const e of doc.errors) errors.push(`${file}:${lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  if (errors.length) return { config, errors };
  if (!isMap(doc.contents)) return { config, errors: [`${file}:1: the config must be a mapping of keys (la, targets, ...)`] };
  const base = dirname(resolve(file));
  const path = (v: unknown) => (typeof v === 'string' && v ? (isAbsolute(v) ? v : join(base, v)) : null);
  const ids = new Set(defs.map((d) => d.id));
  for (const item of doc.contents.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const key = String(item.key.value);
    const value = (item.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null;
    const where = at(item.key);
    if (!KEYS.includes(key)) {
      errors.push(`${where}: unknown key "${key}" (known: ${KEYS.join(', ')})`);
      continue;
    }
    switch (key) {
      case 'la':
      case 'name':
        if (key === 'la') config.la = value === null ? null : String(value);
        break;
      case 'store': case 'data': case 'out': case 'commentary': case 'unitPostcodes':
        if (value !== null && typeof value !== 'string') errors.push(`${where}: ${key} must be a path`);
        else config[key] = path(value);
        break;
      case 'changeThreshold':
        if (typeof value !== 'number' || value < 0) errors.push(`${where}: changeThreshold must be a number of percentage points, 0 or more`);
        else config.changeThreshold = value;
        break;
      case 'neighbours':
        break; // informational (written by init)
      case 'parameters': {
        if (value === null) break;
        if (typeof value !== 'object' || Array.isArray(value)) { errors.push(`${where}: parameters must be a mapping of name: number`); break; }
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (!/^[a-z][a-z0-9_]*$/.test(k)) errors.push(`${where}: parameter name "${k}" is not valid`);
          else if (typeof v !== 'number' || !Number.isFinite(v)) errors.push(`${where}: parameter ${k} must be a number`);
          else config.parameters[k] = v;
        }
        break;
      }
      case 'targets': {
        if (value === null) break;
        if (!isMap(item.value)) { errors.push(`${where}: targets must be a mapping of KPI id to { target, tolerance }`); break; }
        for (const t of item.value.items) {
          if (!isPair(t) || !isScalar(t.key)) continue;
          const id = String(t.key.value);
          const tw = at(t.key);
          if (!ids.has(id)) { errors.push(`${tw}: "${id}" is not a KPI id (see metrics/)`); continue; }
          const v = (t.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null;
          const cur = config.targets[id]!;
          if (v === null) { config.targets[id] = { target: null, tolerance: cur.tolerance }; continue; }
          if (typeof v === 'number') { config.targets[id] = { target: v, tolerance: cur.tolerance }; continue; }
          if (typeof v !== 'object' || Array.isArray(v)) { errors.push(`${tw}: give a number or { target, tolerance }`); continue; }
          const o = v as Record<string, unknown>;
          for (const k of Object.keys(o)) if (k !== 'target' && k !== 'tolerance') errors.push(`${tw}: unknown key "${k}" (target, tolerance)`);
          const target = o.target === undefined ? cur.target : o.target;
          const tolerance = o.tolerance === undefined ? cur.tolerance : o.tolerance;
          const def = defs.find((d) => d.id === id)!;
          if (target !== null && (typeof target !== 'number' || !Number.isFinite(target))) errors.push(`${tw}: target must be a number or null`);
          else if (typeof target === 'number' && def.unit === 'percent' && (target < 0 || target > 100)) errors.push(`${tw}: a percentage target must be between 0 and 100`);
          if (typeof tolerance !== 'number' || tolerance < 0) errors.push(`${tw}: tolerance must be a number, 0 or more`);
          config.targets[id] = { target: target as number | null, tolerance: tolerance as number };
        }
        break;
      }
    }
  }
  return { config, errors };
}

/** Load the config: --config FILE, else config/<ONS code>.yaml if present, else defaults. */
export function loadConfig(defs: MetricDef[], opts: { file?: string; la?: string }): LaConfig {
  let file = opts.file;
  if (!file && opts.la) {
    for (const ext of ['yaml', 'yml', 'json']) {
      const f = join('config', `${opts.la}.${ext}`);
      if (existsSync(f)) { file = f; break; }
    }
  }
  if (!file) return defaultConfig(defs);
  if (!existsSync(file)) throw new CliError(ExitCode.USAGE, `config file ${file} not found`, { hint: 'Create one with: corporate-parenting init --la CODE' });
  const { config, errors } = parseConfig(file, readFileSync(file, 'utf8'), defs);
  if (errors.length) {
    throw new CliError(ExitCode.USAGE, `${errors.length} problem(s) in the config:\n${errors.map((e) => `  ${e}`).join('\n')}`, { hint: 'Fix the lines named above; see README "Configuration".' });
  }
  return config;
}
