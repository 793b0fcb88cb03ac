/**
 * Machine-readable downloads beside the report, from the same KpiRun (nothing recomputed):
 *   <base>-kpis.csv        one row per KPI (fixed columns, see KPI_COLUMNS)
 *   <base>-chart-data.csv  every chart's data: kpi_id,chart,dimension,r_or_category,numerator,denominator,value
 *   <base>-kpis.json       the KPI table plus the run's header fields
 *   <base>-kpis.arrow      the KPI table as an Arrow IPC file
 * Every figure comes from shownKpi() (shown.ts), the same view the HTML report prints. Public
 * audience: that is visibleView() of the disclosure module: a hidden figure, or a group size
 * of 1 to 5, is written as "c" (CSV and JSON) or null (Arrow, whose numeric columns cannot hold
 * text; the `suppressed` column says why), a withdrawn dimension is left out, and the
 * officer-only exceptions are never written. Internal: every figure as computed, files 0600.
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bool, Float64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import type { KpiRun } from '../compute/types.js';
import { benchmarkYearShort, SUPPRESSED, type Audience } from './format.js';
import { shownKpi, type ShownKpi } from './shown.js';

export const KPI_COLUMNS = [
  'id', 'title', 'theme', 'unit', 'polarity', 'numerator', 'denominator', 'value', 'target', 'status',
  'previous_quarter_value', 'previous_year_value', 'england', 'region', 'neighbours', 'suppressed',
] as const;
export const CHART_COLUMNS = ['kpi_id', 'chart', 'dimension', 'r_or_category', 'numerator', 'denominator', 'value'] as const;

type Cell = string | number | boolean | null;

/** A number with at most 6 decimals, trailing zeros dropped, never in exponent form. */
export function csvNumber(v: number): string {
  if (!Number.isFinite(v)) return '';
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** One CSV cell: formula injection neutralised (text starting = + - @ tab CR gets a '), RFC 4180 quoting. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return csvNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: Cell[]) => cells.map(csvCell).join(',');

const shownAll = (run: KpiRun, audience: Audience): ShownKpi[] => run.kpis.map((k) => shownKpi(k, audience, run.asAt));

export function kpiRows(run: KpiRun, audience: Audience): Record<(typeof KPI_COLUMNS)[number], Cell>[] {
  const shown = shownAll(run, audience);
  return run.kpis.map((k, i) => {
    const v = shown[i]!;
    return {
      id: k.id,
      title: k.title,
      theme: k.theme,
      unit: k.unit,
      polarity: k.polarity,
      numerator: v.numerator,
      denominator: v.denominator,
      value: v.value,
      target: k.target,
      status: k.status,
      previous_quarter_value: v.previous.quarter?.value ?? null,
      previous_year_value: v.previous.year?.value ?? null,
      england: k.benchmarks?.england ?? null,
      region: k.benchmarks?.region ?? null,
      neighbours: k.benchmarks?.neighbours ?? null,
      suppressed: k.suppressed,
    };
  });
}

export function chartRows(run: KpiRun, audience: Audience): Cell[][] {
  const rows: Cell[][] = [];
  const shown = shownAll(run, audience);
  run.kpis.forEach((k, i) => {
    const v = shown[i]!;
    for (const p of v.trend) rows.push([k.id, 'trend', null, p.r, p.numerator, p.denominator, p.value]);
    if (k.target !== null) rows.push([k.id, 'trend_reference', null, 'target', null, null, k.target]);
    if (k.benchmarks?.england != null) rows.push([k.id, 'trend_reference', null, `england_${benchmarkYearShort(k.benchmarks.year)}`, null, null, k.benchmarks.england]);
    for (const c of v.cells) rows.push([k.id, 'breakdown', c.dimension, c.category, c.numerator, c.denominator, c.value]);
  });
  return rows;
}

/**
 * The JSON download: the run's header and each KPI. Internal: the KpiResult as computed.
 * Public: the KpiResult's descriptive fields with every figure as shown (visibleView), the
 * breakdown without withdrawn dimensions (listed in `withdrawnDimensions`).
 */
export function kpiJson(run: KpiRun, audience: Audience): unknown {
  const kpis =
    audience === 'internal'
      ? run.kpis
      : run.kpis.map((k) => {
          const v = shownKpi(k, audience, run.asAt);
          const flag = <P extends { value: unknown; numerator: unknown }>(p: P) => ({ ...p, suppressed: p.value === SUPPRESSED || p.numerator === SUPPRESSED });
          return {
            id: k.id,
            title: k.title,
            theme: k.theme,
            unit: k.unit,
            polarity: k.polarity,
            numerator: v.numerator,
            denominator: v.denominator,
            value: v.value,
            children: v.children,
            ...(v.unknown !== undefined ? { unknown: v.unknown } : {}),
            target: k.target,
            tolerance: k.tolerance,
            status: k.status,
            previous: { quarter: v.previous.quarter ? flag(v.previous.quarter) : null, year: v.previous.year ? flag(v.previous.year) : null },
            benchmarks: k.benchmarks,
            suppressed: k.suppressed,
            breakdowns: v.cells.map((c) => ({ dimension: c.dimension, category: c.category, numerator: c.numerator, denominator: c.denominator, children: c.children, value: c.value, suppressed: c.value === SUPPRESSED || c.numerator === SUPPRESSED })),
            withdrawnDimensions: v.withdrawn,
            history: v.history.map((p) => flag(p)),
          };
        });
  return {
    la: run.la,
    laDfe: run.laDfe,
    laName: run.laName,
    regionName: run.regionName,
    asAt: run.asAt,
    quarter: run.quarter,
    source: run.source,
    loadedAt: run.loadedAt,
    generatedAt: run.generatedAt,
    audience,
    historyRecomputed: run.historyRecomputed,
    neighbourModel: run.neighbourModel,
    suppressedAs: audience === 'public' ? SUPPRESSED : null,
    kpis,
    ...(audience === 'internal' && run.exceptions ? { exceptions: run.exceptions } : {}),
  };
}

/**
 * The KPI table as an Arrow IPC file. Columns are built with explicit types (Utf8, Float64,
 * Bool) rather than tableFromArrays' inference, whose dictionary-encoded strings carry a
 * process-wide dictionary id and would make the bytes differ from one call to the next.
 */
export function kpiArrow(run: KpiRun, audience: Audience): Uint8Array {
  const rows = kpiRows(run, audience);
  const text = (k: (typeof KPI_COLUMNS)[number]) => vectorFromArray(rows.map((r) => (r[k] === null ? null : String(r[k]))), new Utf8());
  const num = (k: (typeof KPI_COLUMNS)[number]) => vectorFromArray(rows.map((r) => (typeof r[k] === 'number' ? (r[k] as number) : null)), new Float64());
  const table = new Table({
    id: text('id'),
    title: text('title'),
    theme: text('theme'),
    unit: text('unit'),
    polarity: text('polarity'),
    numerator: num('numerator'),
    denominator: num('denominator'),
    value: num('value'),
    target: num('target'),
    status: text('status'),
    previous_quarter_value: num('previous_quarter_value'),
    previous_year_value: num('previous_year_value'),
    england: num('england'),
    region: num('region'),
    neighbours: num('neighbours'),
    suppressed: vectorFromArray(rows.map((r) => r.suppressed === true), new Bool()),
  });
  return tableToIPC(table, 'file');
}

async function writeSecure(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** The KPI table as CSV (one row per KPI). */
export const kpiCsv = (run: KpiRun, audience: Audience): string =>
  [csvLine([...KPI_COLUMNS]), ...kpiRows(run, audience).map((r) => csvLine(KPI_COLUMNS.map((c) => r[c])))].join('\r\n') + '\r\n';

/** Write the four downloads; returns their paths (in the order above). */
export async function writeDownloads(outDir: string, base: string, run: KpiRun, audience: Audience): Promise<string[]> {
  if (audience !== 'public' && audience !== 'internal') throw new Error(`unknown audience: ${String(audience)}`);
  await mkdir(outDir, { recursive: true });
  const mode = audience === 'internal' ? 0o600 : 0o644;
  const paths = ['kpis.csv', 'chart-data.csv', 'kpis.json', 'kpis.arrow'].map((s) => join(outDir, `${base}-${s}`));
  const chartCsv = [csvLine([...CHART_COLUMNS]), ...chartRows(run, audience).map(csvLine)].join('\r\n') + '\r\n';
  await writeSecure(paths[0]!, kpiCsv(run, audience), mode);
  await writeSecure(paths[1]!, chartCsv, mode);
  await writeSecure(paths[2]!, `${JSON.stringify(kpiJson(run, audience), null, 2)}\n`, mode);
  await writeSecure(paths[3]!, kpiArrow(run, audience), mode);
  return paths;
}
