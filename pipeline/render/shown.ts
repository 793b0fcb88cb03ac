/**
 * What each audience sees of a KPI: the single source for every output (HTML text, chart
 * points, chart data tables, summary table, CSV, JSON, Arrow, chart-data CSV).
 *
 * Public: exactly `visibleView()` of pipeline/compute/disclosure.ts (numbers, "c" or null),
 * which applies the data layer's `suppressed` flags, the group-size rule (a breakdown group
 * of 1 to 5 shows its size as c), the `unknown` count rule and leaves withdrawn dimensions
 * out. Nothing about disclosure is decided here.
 * Internal: every figure as computed, every dimension.
 */
import { visibleView, type Shown, type VisibleCell } from '../compute/disclosure.js';
import type { Dimension, KpiResult } from '../compute/types.js';
import type { Audience } from './format.js';

export type { Shown } from '../compute/disclosure.js';

export interface ShownPoint {
  r: string;
  numerator: Shown;
  denominator: Shown;
  value: Shown;
}

export interface ShownTrendPoint extends ShownPoint {
  basis: 'this_quarter' | 'stored' | 'recomputed';
}

export interface ShownKpi {
  numerator: Shown;
  denominator: Shown;
  value: Shown;
  children: Shown;
  /** placed_within_20_miles: children with an unknown distance (absent for other KPIs). */
  unknown?: Shown;
  /** Breakdown cells shown, in the KPI's order (withdrawn dimensions left out). */
  cells: VisibleCell[];
  /** Dimensions the public report leaves out altogether (always empty internally). */
  withdrawn: Dimension[];
  previous: { quarter: ShownPoint | null; year: ShownPoint | null };
  /** History as stored, figures as shown, with where each point came from. */
  history: (ShownPoint & { source: 'stored' | 'recomputed' })[];
  /** The trend: one point per quarter by date; the current quarter is the headline figure. */
  trend: ShownTrendPoint[];
}

export const isHiddenMark = (v: Shown | undefined): v is 'c' => v === 'c';

const byR = (a: { r: string }, b: { r: string }) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0);

/** Every figure of one KPI as this audience sees it. */
export function shownKpi(k: KpiResult, audience: Audience, asAt: string): ShownKpi {
  const history = k.history ?? [];
  let base: Omit<ShownKpi, 'trend' | 'withdrawn'>;
  let withdrawn: Dimension[] = [];
  if (audience === 'public') {
    const v = visibleView(k);
    const present = new Set(v.cells.map((c) => c.dimension));
    withdrawn = [...new Set(k.breakdowns.map((c) => c.dimension))].filter((d) => !present.has(d)).sort();
    base = {
      numerator: v.numerator,
      denominator: v.denominator,
      value: v.value,
      children: v.children,
      ...(v.unknown !== undefined ? { unknown: v.unknown } : {}),
      cells: v.cells,
      previous: v.previous,
      history: v.history.map((p, i) => ({ ...p, source: history[i]?.source ?? 'stored' })),
    };
  } else {
    const pt = (p: { r: string; numerator: number | null; denominator: number | null; value: number | null } | null): ShownPoint | null =>
      p ? { r: p.r, numerator: p.numerator, denominator: p.denominator, value: p.value } : null;
    base = {
      numerator: k.numerator,
      denominator: k.denominator,
      value: k.value,
      children: k.children,
      ...(k.unknown !== undefined ? { unknown: k.unknown } : {}),
      cells: k.breakdowns.map((b) => ({
        dimension: b.dimension,
        category: b.category,
        numerator: b.numerator,
        denominator: b.denominator,
        value: b.value,
        children: b.children,
      })),
      previous: { quarter: pt(k.previous?.quarter ?? null), year: pt(k.previous?.year ?? null) },
      history: history.map((p) => ({ ...pt(p)!, source: p.source ?? 'stored' })),
    };
  }
  // The current quarter is the headline itself (the same figure, shown the same way).
  const head = { numerator: base.numerator, denominator: base.denominator, value: base.value };
  base.history = base.history.map((p) => (p.r === asAt ? { ...p, ...head } : p));
  const points = new Map<string, ShownTrendPoint>();
  for (const p of base.history) points.set(p.r, { r: p.r, numerator: p.numerator, denominator: p.denominator, value: p.value, basis: p.source });
  points.set(asAt, { r: asAt, ...head, basis: 'this_quarter' });
  return { ...base, withdrawn, trend: [...points.values()].sort(byR) };
}
