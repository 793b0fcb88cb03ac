/** Shapes shared by compute, output and render. Computed once, rendered everywhere. */
import type { IsoDate } from '../core/dates.js';

export type Polarity = 'higher' | 'lower';
export type Unit = 'percent' | 'count';
export type Theme = 'care_leavers' | 'education' | 'placements' | 'health';
export type Dimension = 'sex' | 'age_band' | 'ethnicity' | 'uasc';
export type Status = 'on_target' | 'close' | 'off_target' | 'no_target' | 'no_data';

export const THEMES: { id: Theme; title: string }[] = [
  { id: 'care_leavers', title: 'Care leavers' },
  { id: 'education', title: 'Education' },
  { id: 'placements', title: 'Placements' },
  { id: 'health', title: 'Health and missing' },
];

export const STATUS_LABEL: Record<Status, string> = {
  on_target: 'On target',
  close: 'Close to target',
  off_target: 'Off target',
  no_target: 'No target',
  no_data: 'No data',
};

/** One KPI definition, parsed from metrics/<id>.yaml (+ its SQL). */
export interface MetricDef {
  id: string;
  title: string;
  theme: Theme;
  order: number;
  description: string; // plain English for councillors
  cohort: string;
  numerator: string;
  denominator: string;
  exclusions: string;
  interpretation?: string; // where the spec had to be interpreted
  polarity: Polarity;
  unit: Unit;
  sources: string[];
  /** Can this KPI be recomputed at an earlier reference date from a later extract? */
  history: boolean;
  target: number | null;
  tolerance: number;
  benchmark: BenchmarkRef | null;
  breakdowns: Dimension[];
  sql: string; // the member-level query (see metrics/README.md)
  file: string;
}

export interface BenchmarkRef {
  indicator: string; // id in the DfE benchmarks file
  transform: 'none' | 'complement'; // complement: 100 - published percentage
  note: string; // how the DfE measure differs, in plain words
}

export interface Target {
  target: number | null;
  tolerance: number;
}

export interface BenchmarkValue {
  value: number | null;
  label: string; // "England", "London", "Statistical neighbours (mean of 10)"
}

export interface Benchmarks {
  indicator: string;
  year: string; // DfE year label, e.g. 2025 (year ending 31 March 2025)
  england: number | null;
  region: number | null;
  regionName: string | null;
  neighbours: number | null;
  neighboursUsed: number; // how many of the 10 had a published figure
  neighbourMethod: string; // plain words: which model and how the mean is taken
  la: number | null; // the LA's own published figure that year
  note: string;
}

export interface PointValue {
  r: IsoDate;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  /** Would the public report hide this figure? */
  suppressed?: boolean;
}

export interface BreakdownCell {
  dimension: Dimension;
  category: string;
  numerator: number | null;
  denominator: number | null;
  children: number;
  value: number | null;
  suppressed: boolean;
}

export interface KpiResult {
  id: string;
  title: string;
  theme: Theme;
  unit: Unit;
  polarity: Polarity;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  /** Children (rows) in the denominator; for session-based KPIs the child count behind the sums. */
  children: number;
  /** placed_within_20_miles: CLA at R with an unknown distance. */
  unknown?: number;
  target: number | null;
  tolerance: number;
  status: Status;
  previous: { quarter: PointValue | null; year: PointValue | null };
  benchmarks: Benchmarks | null;
  /** Would the public report hide this figure (disclosure control)? */
  suppressed: boolean;
  breakdowns: BreakdownCell[];
  history: (PointValue & { source: 'stored' | 'recomputed' })[];
}

/** One row of an officer-only exceptions list (internal audience only, never public). */
export interface ExceptionRow {
  child: string;
  detail: string; // e.g. "last contact 12/01/2026 (79 days before R)"
}

export interface ExceptionList {
  id: string; // e.g. care_leavers_not_contacted_8_weeks
  title: string; // plain words
  kpiId: string;
  rows: ExceptionRow[];
}

/** Everything a report needs: computed once, rendered everywhere (HTML, PDF, CSV, JSON, Arrow). */
export interface KpiRun {
  la: string; // ONS code
  laDfe: string; // DfE number
  laName: string;
  regionName: string | null;
  asAt: IsoDate; // the reference date R
  quarter: string; // "2025-26 Q2"
  source: string; // the extract folder's name (no path)
  loadedAt: string | null; // when the snapshot was loaded (ISO timestamp)
  generatedAt: string; // ISO timestamp (SOURCE_DATE_EPOCH-aware)
  /** True when the history was recomputed from this one extract (figures as recorded now). */
  historyRecomputed: boolean;
  neighbourModel: string; // e.g. "DfE statistical neighbours, May 2025 model"
  kpis: KpiResult[];
  /** Only for the internal audience. */
  exceptions?: ExceptionList[];
}
