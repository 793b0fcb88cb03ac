/** Reference data shipped in reference/: LA codes, statistical neighbours, DfE benchmarks. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { usageError } from '../core/errors.js';
import { REFERENCE_DIR } from '../core/paths.js';
import type { BenchmarkRef, Benchmarks } from './types.js';

export interface LaInfo {
  ons: string;
  dfe: string;
  name: string;
  regionCode: string;
  regionName: string;
  status: string;
}

const readCsv = (file: string): Record<string, string>[] =>
  parse(readFileSync(join(REFERENCE_DIR, file)), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];

let las: LaInfo[] | null = null;
export function allLas(): LaInfo[] {
  las ??= readCsv('la_codes.csv').map((r) => ({
    ons: r.ons_code!, dfe: r.dfe_code!, name: r.name!, regionCode: r.region_code!, regionName: r.region_name!, status: r.status!,
  }));
  return las;
}
export const currentLas = () => allLas().filter((l) => l.status === 'current');

/** An LA by ONS code, DfE number or name (case-insensitive). */
export function resolveLa(code: string): LaInfo {
  const c = code.trim().toLowerCase();
  const found = currentLas().find((l) => l.ons.toLowerCase() === c || l.dfe === c || l.name.toLowerCase() === c)
    ?? allLas().find((l) => l.ons.toLowerCase() === c || l.dfe === c);
  if (!found) {
    throw usageError(`"${code}" is not an English local authority code`, 'Give the ONS code (E09000015), the DfE number (310) or the name (Harrow). See reference/la_codes.csv.');
  }
  return found;
}

export const NEIGHBOUR_MODEL = '2025';
export const NEIGHBOUR_MODEL_LABEL = 'DfE children’s services statistical neighbours, May 2025 model';

let sn: Record<string, string>[] | null = null;
/** The 10 statistical neighbours (DfE codes, rank order) of an LA. */
export function neighbours(dfe: string): { dfe: string; ons: string; name: string; rank: number }[] {
  sn ??= readCsv('statistical_neighbours.csv');
  return sn
    .filter((r) => r.model === NEIGHBOUR_MODEL && r.section === 'main' && r.la_dfe_code === dfe)
    .map((r) => ({ dfe: r.neighbour_dfe_code!, ons: r.neighbour_ons_code!, name: r.neighbour_name!, rank: Number(r.rank) }))
    .sort((a, b) => a.rank - b.rank);
}

interface BenchRow { indicator: string; year: string; level: string; region: string; dfe: string; pct: number | null }
const benchCache = new Map<string, BenchRow[]>();
let benchLines: string[] | null = null;
/** Rows of one indicator (the 5 MB file is split once; only the lines of that indicator are parsed). */
function benchRows(indicator: string): BenchRow[] {
  const hit = benchCache.get(indicator);
  if (hit) return hit;
  benchLines ??= readFileSync(join(REFERENCE_DIR, 'cla_kpi_benchmarks.csv'), 'utf8').split(/\r?\n/);
  const text = [benchLines[0]!, ...benchLines.filter((l) => l.startsWith(`${indicator},`))].join('\n');
  const rows = (parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[]).map((r) => {
    const p = r.percentage?.trim() ?? '';
    return {
      indicator: r.indicator!, year: r.time_period!, level: r.geographic_level!, region: (r.region_name ?? '').toLowerCase(),
      dfe: r.old_la_code ?? '', pct: /^-?\d+(\.\d+)?$/.test(p) ? Number(p) : null,
    };
  });
  benchCache.set(indicator, rows);
  return rows;
}

const DFE_ATTRIBUTION = 'Department for Education, Children looked after in England including adoptions / Stability measures / Outcomes for children in need (Open Government Licence v3.0)';

/** Year label for a DfE time_period: 2025 -> "year ending 31 March 2025", 202425 -> "academic year 2024/25". */
export function yearLabel(tp: string): string {
  return tp.length === 6 ? `academic year ${tp.slice(0, 4)}/${tp.slice(4)}` : `year ending 31 March ${tp}`;
}

/**
 * England, region and statistical-neighbour figures for a KPI's DfE equivalent, for the
 * latest year with an England figure. Neighbours: the simple mean of the published
 * percentages of the LA's 10 neighbours that have one (suppressed ones are left out).
 */
export function benchmarksFor(ref: BenchmarkRef, la: LaInfo): Benchmarks | null {
  const rows = benchRows(ref.indicator);
  const years = [...new Set(rows.filter((r) => r.level === 'National' && r.pct !== null).map((r) => r.year))].sort();
  const year = years[years.length - 1];
  if (!year) return null;
  const inYear = rows.filter((r) => r.year === year);
  const t = (v: number | null) => (v === null ? null : ref.transform === 'complement' ? Math.round((100 - v) * 10) / 10 : v);
  const england = inYear.find((r) => r.level === 'National')?.pct ?? null;
  const region = inYear.find((r) => r.level === 'Regional' && r.region === la.regionName.toLowerCase())?.pct ?? null;
  const own = inYear.find((r) => r.level === 'Local authority' && r.dfe === la.dfe)?.pct ?? null;
  const nbs = neighbours(la.dfe);
  const nbValues = nbs.map((n) => inYear.find((r) => r.level === 'Local authority' && r.dfe === n.dfe)?.pct ?? null).filter((v): v is number => v !== null);
  const mean = nbValues.length ? Math.round((nbValues.reduce((a, b) => a + b, 0) / nbValues.length) * 10) / 10 : null;
  return {
    indicator: ref.indicator,
    year: yearLabel(year),
    england: t(england),
    region: t(region),
    regionName: la.regionName,
    neighbours: t(mean),
    neighboursUsed: nbValues.length,
    neighbourMethod: `Mean of the published figures of ${nbValues.length} of ${nbs.length} statistical neighbours (${NEIGHBOUR_MODEL_LABEL}); each council counts once, whatever its size.`,
    la: t(own),
    note: [ref.note, ref.transform === 'complement' && !/100 minus/i.test(ref.note) ? 'Shown as 100 minus the published figure.' : '', /source:/i.test(ref.note) ? '' : `Source: ${DFE_ATTRIBUTION}.`].filter(Boolean).join(' '),
  };
}
