/** Run-to-run diff: this run against the last stored run of the same quarter and against the previous quarter. */
import type { IsoDate } from '../core/dates.js';
import { statusOf, valueOf } from './status.js';
import type { KpiRun, Status, Unit } from './types.js';
import type { StoredResult } from './kpis.js';

export interface Figures { numerator: number | null; denominator: number | null; value: number | null }

export interface KpiChange {
  id: string;
  title: string;
  unit: Unit;
  now: Figures & { status: Status };
  lastRun: (Figures & { status: Status }) | null;
  sinceLastRun: Figures | null; // differences: numerator, denominator, value (percentage points or count)
  previousQuarter: (Figures & { r: IsoDate; status: Status }) | null;
  sincePreviousQuarter: Figures | null;
  statusChangedSinceLastRun: boolean;
  statusChangedSincePreviousQuarter: boolean;
  movedBeyondThreshold: boolean;
}

export interface RunDiff {
  la: string;
  asAt: IsoDate;
  lastRunId: string | null;
  threshold: number;
  kpis: KpiChange[];
}

const sub = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
const delta = (a: Figures, b: Figures): Figures => ({ numerator: sub(a.numerator, b.numerator), denominator: sub(a.denominator, b.denominator), value: sub(a.value, b.value) });

export function diffRun(run: KpiRun, last: { runId: string; results: StoredResult[] } | null, threshold: number): RunDiff {
  const kpis = run.kpis.map((k): KpiChange => {
    const now = { numerator: k.numerator, denominator: k.denominator, value: k.value, status: k.status };
    const l = last?.results.find((x) => x.kpi_id === k.id);
    const lastRun = l ? { numerator: l.numerator, denominator: l.denominator, value: valueOf(k.unit, l.numerator, l.denominator), status: statusOf(valueOf(k.unit, l.numerator, l.denominator), k.target, k.tolerance, k.polarity) } : null;
    const pq = k.previous.quarter;
    const previousQuarter = pq ? { r: pq.r, numerator: pq.numerator, denominator: pq.denominator, value: pq.value, status: statusOf(pq.value, k.target, k.tolerance, k.polarity) } : null;
    const sinceLastRun = lastRun ? delta(now, lastRun) : null;
    return {
      id: k.id,
      title: k.title,
      unit: k.unit,
      now,
      lastRun,
      sinceLastRun,
      previousQuarter,
      sincePreviousQuarter: previousQuarter ? delta(now, previousQuarter) : null,
      statusChangedSinceLastRun: lastRun !== null && lastRun.status !== now.status,
      statusChangedSincePreviousQuarter: previousQuarter !== null && previousQuarter.status !== now.status,
      movedBeyondThreshold: sinceLastRun !== null && (sinceLastRun.value === null ? lastRun!.value !== now.value : Math.abs(sinceLastRun.value) > threshold + 1e-9),
    };
  });
  return { la: run.la, asAt: run.asAt, lastRunId: last?.runId ?? null, threshold, kpis };
}

const n = (v: number | null, d = 1) => (v === null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(d));

/** The diff as CSV (one row per KPI). */
export function diffCsv(d: RunDiff): string {
  const head = ['kpi_id', 'numerator', 'denominator', 'value', 'status', 'last_run_numerator', 'last_run_denominator', 'last_run_value', 'change_numerator', 'change_denominator', 'change_value',
    'previous_quarter', 'previous_quarter_value', 'change_since_previous_quarter', 'status_changed_since_last_run', 'status_changed_since_previous_quarter', 'moved_beyond_threshold'];
  const rows = d.kpis.map((k) => [k.id, n(k.now.numerator, 0), n(k.now.denominator, 0), n(k.now.value, 4), k.now.status,
    n(k.lastRun?.numerator ?? null, 0), n(k.lastRun?.denominator ?? null, 0), n(k.lastRun?.value ?? null, 4),
    n(k.sinceLastRun?.numerator ?? null, 0), n(k.sinceLastRun?.denominator ?? null, 0), n(k.sinceLastRun?.value ?? null, 4),
    k.previousQuarter?.r ?? '', n(k.previousQuarter?.value ?? null, 4), n(k.sincePreviousQuarter?.value ?? null, 4),
    String(k.statusChangedSinceLastRun), String(k.statusChangedSincePreviousQuarter), String(k.movedBeyondThreshold)]);
  return [head, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}
