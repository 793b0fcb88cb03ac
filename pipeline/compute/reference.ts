/** Reference data shipped in reference/: LA codes, statistical neighbours, DfE benchmarks. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** The SHA-256 (hex) of a file's bytes: what a derived reference file records of its source. */
const shaCache = new Map<string, string>();
export function fileSha256(path: string): string {
  let h = shaCache.get(path);
  if (!h) shaCache.set(path, (h = createHash('sha256').update(readFileSync(path)).digest('hex')));
  return h;
}

/**
 * The fields of one CSV line (RFC 4180: "quoted, fields" with "" for a quote; no line
 * breaks inside fields, which the shipped files do not have). The reference files are read
 * by this small parser rather than csv-parse: ten times faster on the 5 MB benchmarks file,
 * and test/kpi-prepare-reference.test.ts checks it gives csv-parse's records for every file.
 */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new Error(`unterminated quoted field: ${line}`);
        v += line.slice(j, q);
        if (line[q + 1] === '"') {
          v += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(v);
      if (j >= line.length) return out;
      if (line[j] !== ',') throw new Error(`invalid quoted field: ${line}`);
      i = j + 1;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/** The lines of a CSV file with a header (BOM and empty lines dropped, CRLF or LF). */
function csvLines(file: string): string[] {
  const text = readFileSync(join(REFERENCE_DIR, file), 'utf8');
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  const out: string[] = [];
  for (const l of lines) {
    const line = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (line !== '') out.push(line);
  }
  return out;
}

/** Records of a reference CSV file (columns from its header line). */
export function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = csvLines(file);
  const cols = csvFields(head ?? '');
  return lines.map((l) => {
    const f = csvFields(l);
    if (f.length !== cols.length) throw new Error(`${file}: ${f.length} fields where the header has ${cols.length}: ${l}`);
    const r: Record<string, string> = {};
    cols.forEach((c, i) => (r[c] = f[i]!));
    return r;
  });
}

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

/**
 * One indicator of the benchmarks file, indexed: the latest year with an England figure and,
 * in that year, the first published row of England, of each region (lower case) and of each
 * LA (DfE code), as a scan of that year's rows in file order would find them.
 */
interface BenchIndex { year: string | undefined; england: number | null; regions: Map<string, number | null>; las: Map<string, number | null> }
const NO_BENCH: BenchIndex = { year: undefined, england: null, regions: new Map(), las: new Map() };

const BENCH_CSV = 'cla_kpi_benchmarks.csv';
/**
 * The index of every indicator, derived from BENCH_CSV and shipped beside it (65 KB of JSON
 * instead of 5 MB of CSV to read at every run): built by data-samples/reference-derived.ts,
 * checked against the CSV by test/kpi-prepare-reference.test.ts. It records the CSV's SHA-256:
 * a CSV refreshed without rebuilding it is read instead.
 */
export const BENCH_INDEX_JSON = 'cla_kpi_benchmarks_latest.json';
interface BenchIndexJson { year: string | null; england: number | null; regions: Record<string, number | null>; las: Record<string, number | null> }
export interface BenchIndexFile { source: string; sourceSha256: string; indicators: Record<string, BenchIndexJson> }

/** One indicator's index from its lines (fields by the header's column names). */
function indexOfRows(cols: string[], lines: string[]): BenchIndex {
  const at = (name: string) => cols.indexOf(name);
  const [cYear, cLevel, cRegion, cDfe, cPct] = [at('time_period'), at('geographic_level'), at('region_name'), at('old_la_code'), at('percentage')];
  const rows = lines.map((l) => {
    const f = csvFields(l);
    const p = f[cPct]?.trim() ?? '';
    return { year: f[cYear]!, level: f[cLevel]!, region: (f[cRegion] ?? '').toLowerCase(), dfe: f[cDfe] ?? '', pct: /^-?\d+(\.\d+)?$/.test(p) ? Number(p) : null };
  });
  const years = [...new Set(rows.filter((r) => r.level === 'National' && r.pct !== null).map((r) => r.year))].sort();
  const year = years[years.length - 1];
  if (!year) return NO_BENCH;
  const ix: BenchIndex = { year, england: null, regions: new Map(), las: new Map() };
  let englandSeen = false;
  for (const r of rows) {
    if (r.year !== year) continue;
    if (r.level === 'National' && !englandSeen) {
      ix.england = r.pct;
      englandSeen = true;
    } else if (r.level === 'Regional' && !ix.regions.has(r.region)) ix.regions.set(r.region, r.pct);
    else if (r.level === 'Local authority' && !ix.las.has(r.dfe)) ix.las.set(r.dfe, r.pct);
  }
  return ix;
}

/** BENCH_CSV's lines grouped by indicator, and its columns. */
function benchCsvLines(): { cols: string[]; byIndicator: Map<string, string[]> } {
  const [head, ...lines] = csvLines(BENCH_CSV);
  const byIndicator = new Map<string, string[]>();
  for (const line of lines) {
    // the indicator ids are plain words: never quoted
    const comma = line.indexOf(',');
    const ind = comma < 0 ? line : line.slice(0, comma);
    let group = byIndicator.get(ind);
    if (!group) byIndicator.set(ind, (group = []));
    group.push(line);
  }
  return { cols: head ? csvFields(head) : [], byIndicator };
}

/** The index of every indicator of BENCH_CSV, as BENCH_INDEX_JSON holds it. */
export function benchIndexFromCsv(): BenchIndexFile {
  const { cols, byIndicator } = benchCsvLines();
  const indicators: Record<string, BenchIndexJson> = {};
  for (const [ind, lines] of [...byIndicator].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const ix = indexOfRows(cols, lines);
    indicators[ind] = { year: ix.year ?? null, england: ix.england, regions: Object.fromEntries(ix.regions), las: Object.fromEntries(ix.las) };
  }
  return { source: BENCH_CSV, sourceSha256: fileSha256(join(REFERENCE_DIR, BENCH_CSV)), indicators };
}

let benchIndex: Map<string, BenchIndex> | null = null;
/** One indicator's index: from the shipped JSON index if it matches the CSV, else from the CSV (once per process). */
function benchIndexOf(indicator: string): BenchIndex {
  if (!benchIndex) {
    benchIndex = new Map();
    const json = join(REFERENCE_DIR, BENCH_INDEX_JSON);
    const file = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as BenchIndexFile) : null;
    if (file && file.source === BENCH_CSV && file.sourceSha256 === fileSha256(join(REFERENCE_DIR, BENCH_CSV))) {
      for (const [ind, ix] of Object.entries(file.indicators)) {
        benchIndex.set(ind, ix.year === null ? NO_BENCH : { year: ix.year, england: ix.england, regions: new Map(Object.entries(ix.regions)), las: new Map(Object.entries(ix.las)) });
      }
    } else {
      const { cols, byIndicator } = benchCsvLines();
      for (const [ind, lines] of byIndicator) benchIndex.set(ind, indexOfRows(cols, lines));
    }
  }
  return benchIndex.get(indicator) ?? NO_BENCH;
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
  const ix = benchIndexOf(ref.indicator);
  const year = ix.year;
  if (!year) return null;
  const t = (v: number | null) => (v === null ? null : ref.transform === 'complement' ? Math.round((100 - v) * 10) / 10 : v);
  const england = ix.england;
  const region = ix.regions.get(la.regionName.toLowerCase()) ?? null;
  const own = ix.las.get(la.dfe) ?? null;
  const nbs = neighbours(la.dfe);
  const nbValues = nbs.map((n) => ix.las.get(n.dfe) ?? null).filter((v): v is number => v !== null);
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
