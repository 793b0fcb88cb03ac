/**
 * Metrics as data: one pure parser for metrics/<id>.yaml (+ the SQL file it names).
 * It returns every error at once, each with file and line.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, isMap } from 'yaml';
import { CliError, ExitCode } from '../core/errors.js';
import { METRICS_DIR } from '../core/paths.js';
import type { Dimension, MetricDef, Polarity, Theme, Unit } from './types.js';

export interface DefError {
  file: string;
  line: number | null;
  message: string;
}

const THEMES: Theme[] = ['care_leavers', 'education', 'placements', 'health'];
const POLARITIES: Polarity[] = ['higher', 'lower'];
const UNITS: Unit[] = ['percent', 'count'];
const DIMENSIONS: Dimension[] = ['sex', 'age_band', 'ethnicity', 'uasc'];
const SOURCES = ['header', 'episodes', 'uasc', 'oc2', 'oc3', 'missing', 'reviews', 'attendance', 'pep', 'care_leavers'];
const ID_RE = /^[a-z][a-z0-9_]*$/;
const KNOWN_KEYS = new Set([
  'id', 'title', 'theme', 'order', 'description', 'cohort', 'numerator', 'denominator', 'exclusions', 'interpretation',
  'polarity', 'unit', 'sources', 'history', 'target', 'tolerance', 'benchmark', 'breakdowns', 'sql',
]);

/**
 * Parse one metric definition. `readSql` resolves the `sql:` file name (injected so the
 * parser stays pure and testable).
 */
export function parseMetric(file: string, text: string, readSql: (name: string) => string | null): { def: MetricDef | null; errors: DefError[] } {
  const errors: DefError[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? null : lc.linePos(offset).line);
  for (const e of doc.errors) errors.push({ file, line: lineOf(e.pos[0]), message: e.message.split('\n')[0]! });
  if (errors.length) return { def: null, errors };
  if (!isMap(doc.contents)) return { def: null, errors: [{ file, line: 1, message: 'a metric file must be a YAML mapping' }] };
  const map = doc.contents;
  const raw = doc.toJS() as Record<string, unknown>;
  const lineOfKey = (key: string): number | null => {
    const pair = map.items.find((p) => (p.key as { value?: unknown })?.value === key);
    return lineOf((pair?.key as { range?: [number] } | undefined)?.range?.[0]);
  };
  const err = (key: string, message: string) => errors.push({ file, line: lineOfKey(key) ?? 1, message: `${key}: ${message}` });

  for (const k of Object.keys(raw)) if (!KNOWN_KEYS.has(k)) err(k, `unknown key (known: ${[...KNOWN_KEYS].join(', ')})`);

  const str = (key: string, required = true): string => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') {
      if (required) errors.push({ file, line: 1, message: `${key}: missing` });
      return '';
    }
    if (typeof v !== 'string') {
      err(key, 'must be text');
      return '';
    }
    return v.trim();
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T => {
    const v = str(key);
    if (v && !allowed.includes(v as T)) err(key, `"${v}" is not one of ${allowed.join(', ')}`);
    return v as T;
  };
  const num = (key: string, fallback: number | null): number | null => {
    const v = raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      err(key, 'must be a number');
      return fallback;
    }
    return v;
  };

  const id = str('id');
  if (id && !ID_RE.test(id)) err('id', `"${id}" must be lower case letters, digits and _`);
  const expectedFile = `${id}.yaml`;
  if (id && !file.endsWith(expectedFile)) err('id', `the file of metric ${id} must be named ${expectedFile}`);
  const unit = oneOf('unit', UNITS);
  const target = num('target', null);
  if (target !== null && unit === 'percent' && (target < 0 || target > 100)) err('target', 'a percentage target must be between 0 and 100');
  const tolerance = num('tolerance', 0) ?? 0;
  if (tolerance < 0) err('tolerance', 'must not be negative');

  const list = (key: string, allowed: readonly string[]): string[] => {
    const v = raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      err(key, 'must be a list of names');
      return [];
    }
    for (const x of v) if (!allowed.includes(x)) err(key, `"${x}" is not one of ${allowed.join(', ')}`);
    return v as string[];
  };
  const sources = list('sources', SOURCES);
  if (!sources.length) errors.push({ file, line: lineOfKey('sources') ?? 1, message: 'sources: name at least one source table' });
  const breakdowns = list('breakdowns', DIMENSIONS) as Dimension[];

  let benchmark: MetricDef['benchmark'] = null;
  const b = raw.benchmark;
  if (b !== undefined && b !== null) {
    const bb = b as Record<string, unknown>;
    if (typeof bb !== 'object' || typeof bb.indicator !== 'string') err('benchmark', 'needs an indicator (an id from the DfE benchmarks file)');
    else {
      const transform = (bb.transform ?? 'none') as string;
      if (transform !== 'none' && transform !== 'complement') err('benchmark', 'transform must be none or complement');
      benchmark = { indicator: bb.indicator, transform: transform as 'none' | 'complement', note: typeof bb.note === 'string' ? bb.note.trim() : '' };
    }
  }

  const history = raw.history ?? false;
  if (typeof history !== 'boolean') err('history', 'must be true or false');

  const sqlName = str('sql');
  let sql = '';
  if (sqlName) {
    const s = readSql(sqlName);
    if (s === null) err('sql', `file ${sqlName} not found beside ${file}`);
    else if (!s.trim()) err('sql', `file ${sqlName} is empty`);
    else sql = s.trim().replace(/;\s*$/, '');
  }

  const def: MetricDef = {
    id,
    title: str('title'),
    theme: oneOf('theme', THEMES),
    order: num('order', 100) ?? 100,
    description: str('description'),
    cohort: str('cohort'),
    numerator: str('numerator'),
    denominator: str('denominator', unit === 'percent'),
    exclusions: str('exclusions', false),
    interpretation: str('interpretation', false) || undefined,
    polarity: oneOf('polarity', POLARITIES),
    unit,
    sources,
    history: history === true,
    target,
    tolerance,
    benchmark,
    breakdowns,
    sql,
    file,
  };
  return { def: errors.length ? null : def, errors };
}

/** Parse every metric in a folder; return all definitions and all errors. */
export function parseMetricsDir(dir = METRICS_DIR): { defs: MetricDef[]; errors: DefError[] } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.startsWith('_')).sort();
  const defs: MetricDef[] = [];
  const errors: DefError[] = [];
  for (const f of files) {
    const { def, errors: e } = parseMetric(f, readFileSync(join(dir, f), 'utf8'), (name) => {
      const p = join(dir, name);
      return existsSync(p) ? readFileSync(p, 'utf8') : null;
    });
    errors.push(...e);
    if (def) defs.push(def);
  }
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.id)) errors.push({ file: d.file, line: null, message: `duplicate metric id ${d.id}` });
    seen.add(d.id);
  }
  defs.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  return { defs, errors };
}

let cache: MetricDef[] | null = null;
/** The shipped metrics; a broken definition is a configuration error listing every problem. */
export function loadMetrics(dir = METRICS_DIR): MetricDef[] {
  if (dir === METRICS_DIR && cache) return cache;
  const { defs, errors } = parseMetricsDir(dir);
  if (errors.length) {
    throw new CliError(ExitCode.USAGE, `${errors.length} problem(s) in the metric definitions:\n${errors.map((e) => `  ${e.file}${e.line ? `:${e.line}` : ''}: ${e.message}`).join('\n')}`);
  }
  if (dir === METRICS_DIR) cache = defs;
  return defs;
}
