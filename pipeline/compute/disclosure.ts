/**
 * Disclosure control for the published (public) report. Pure functions: the flags are
 * computed here, in the data layer, for every run; the renderer only reads them (the
 * internal audience simply ignores them).
 *
 * THE RULES (kpis.md, "Disclosure control for published reports"), as implemented:
 *
 * 1. Primary rule, people counts. A figure whose numerator is 1..5, or whose complement
 *    (denominator minus numerator) is 1..5, is hidden: numerator and percentage show `c`.
 *    A count KPI (no denominator) is hidden when the count is 1..5. Zero is never a small
 *    number: 0 is shown as 0 (0 of 40 is shown; 0 of 3 is hidden, because its complement 3
 *    is small).
 * 2. Session-based KPIs (school_attendance_rate: numerator and denominator are sessions,
 *    not children). Sessions are not people, so the rule is applied to the number of
 *    children behind the figure (`children`): 1..5 children hides the whole figure. The
 *    caller says which kind a KPI is with `{ countsArePeople }`; by default the ids in
 *    SESSION_KPI_IDS are session-based and every other KPI counts people.
 * 3. Group sizes (denominators; `children` for session KPIs) are cohort sizes and are
 *    shown, because the same cohort is the denominator of several KPIs on the page, except a
 *    group of 1..5, which is `c`. A cell whose group size is hidden has its numerator and
 *    percentage hidden too. Which group sizes are hidden is decided from the group sizes
 *    ALONE (never from a numerator), so every KPI sharing a cohort hides the same ones and
 *    one KPI cannot be used to undo another.
 * 4. Secondary rule. The cells of one breakdown dimension (sex, age band, ethnicity, UASC)
 *    add up to the headline figure. A reader who knows the rules could work a hidden cell
 *    back out of the total and the shown cells. So, per dimension, while any hidden value
 *    can be pinned to a single value, the next smallest shown cell is hidden too (smallest
 *    value; ties by smallest denominator, then category name; zeros only when no non-zero
 *    cell is left). When no shown cell is left in that dimension, the headline itself is
 *    hidden. When the headline is hidden, no dimension may let it be worked out either
 *    (a dimension whose shown cells add up to it gets a cell hidden). If a figure can still
 *    be worked out with everything in a dimension hidden (only when every group is tiny:
 *    five groups of 1..5 with a total of 1..5 must each be 1), that dimension is withdrawn
 *    from the public report (disclosurePlan().withdrawn; visibleView leaves it out).
 *    The check is exact: the "attacker" knows every denominator (even hidden ones — the
 *    worst case, since a cohort size may be shown by another KPI), the total when shown,
 *    that each primary-hidden value satisfies rule 1 (1..5 or complement 1..5) and that
 *    every other hidden value lies between 0 and its denominator. The set of values each
 *    hidden figure can take is computed with integer interval arithmetic (sums of unions of
 *    intervals), and a figure is protected when at least two values remain. Since the
 *    denominator is assumed known, protecting the numerator also protects the complement.
 * 5. Over time: history points and the previous quarter/year are separate figures (no
 *    breakdown), so only the primary rule applies to them; a history point with exactly the
 *    headline's figures (the current quarter itself) takes the headline's flag. PointValue
 *    has no child count, so for a session KPI a past point is hidden when its possible
 *    sessions could belong to 5 children or fewer (at most MAX_SESSIONS_PER_CHILD each).
 *
 * Known limits (stated in DISCLOSURE_EXPLANATION's spirit, reported to the lead): the
 * "next smallest cell" choice itself tells a reader that a secondary cell was no larger
 * than the cells left shown (not modelled); differences between KPIs with different
 * cohorts (e.g. CLA at R vs CLA for 12 months) and the `unknown` count of
 * placed_within_20_miles (shown as c when 1..5 by visibleView) are not cross-checked.
 */
import type { BreakdownCell, Dimension, KpiResult, PointValue } from './types.js';

/** Session-based KPIs: numerator and denominator are sessions, `children` is the child count. */
export const SESSION_KPI_IDS: ReadonlySet<string> = new Set(['school_attendance_rate']);

/** Upper bound on possible sessions per child in 12 months (2 a day, about 190 days). */
export const MAX_SESSIONS_PER_CHILD = 400;

/** The smallest and largest "small number" (DfE convention). */
export const SMALL_MIN = 1;
export const SMALL_MAX = 5;

/** Printed in the public report (plain words for panel members and the public). */
export const DISCLOSURE_EXPLANATION =
  'To protect the privacy of children, figures in this public report that could identify them are shown as "c". ' +
  'A number of children from 1 to 5 is shown as "c", and so is its percentage; this also applies when 1 to 5 children ' +
  'are the ones NOT counted (for example 37 of 40 is shown as "c", because 3 children were not). ' +
  'Zero is shown as 0. Where a group itself has 1 to 5 children, its size is shown as "c" as well. ' +
  'For school attendance, where the figures are school sessions, a group of 1 to 5 children is shown as "c". ' +
  'In the breakdowns (by sex, age band, ethnicity and UASC status) the groups add up to the total, so where a hidden ' +
  'figure could be worked out by subtraction, the next smallest figure in that breakdown is hidden too (and, if no other ' +
  'figure is left to hide, the total; where even that is not enough, the breakdown is left out). The figures hidden are the same whichever audience the report is for; ' +
  'the internal (not for publication) version of the report shows them all.';

export interface DisclosureOptions {
  /**
   * True (the default for every KPI not in SESSION_KPI_IDS): numerator and denominator
   * are counts of children (or care-leaver rows), so the 1..5 rule applies to them.
   * False: they are sessions; the rule applies to the `children` behind each figure.
   */
  countsArePeople?: boolean;
}

/** Is a count in the small range 1..5? */
export const isSmall = (v: number | null | undefined): boolean => v !== null && v !== undefined && v >= SMALL_MIN && v <= SMALL_MAX;

/**
 * The primary rule for a people-count figure. Count KPIs (denominator null): the count is
 * 1..5. Percentages: the numerator is 1..5 or the complement (denominator - numerator) is
 * 1..5. Zero is never suppressed for being zero. No data (numerator null) is not suppressed.
 */
export function isPrimarySuppressed(numerator: number | null, denominator: number | null): boolean {
  if (numerator === null) return false;
  if (denominator === null) return isSmall(numerator);
  return isSmall(numerator) || isSmall(denominator - numerator);
}

// ---------------------------------------------------------------------------------------
// Integer sets as sorted, disjoint, non-adjacent closed intervals.

type Iv = [number, number];
type ISet = Iv[];

function norm(list: Iv[]): ISet {
  const s = list.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: ISet = [];
  for (const [a, b] of s) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
const range = (a: number, b: number): ISet => norm([[a, b]]);
const point = (v: number): ISet => [[v, v]];
const plus = (x: ISet, y: ISet): ISet => norm(x.flatMap(([a0, a1]) => y.map(([b0, b1]): Iv => [a0 + b0, a1 + b1])));
const shift = (x: ISet, k: number): ISet => x.map(([a, b]): Iv => [a + k, b + k]);
const neg = (x: ISet): ISet => x.map(([a, b]): Iv => [-b, -a]).reverse();
function inter(x: ISet, y: ISet): ISet {
  const out: ISet = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const lo = Math.max(x[i]![0], y[j]![0]);
    const hi = Math.min(x[i]![1], y[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (x[i]![1] < y[j]![1]) i++;
    else j++;
  }
  return out;
}
const size = (x: ISet): number => x.reduce((s, [a, b]) => s + (b - a + 1), 0);
const maxOf = (x: ISet): number => (x.length ? x[x.length - 1]![1] : 0);

/** Values v in 0..d with v or d - v in 1..5 (what a primary-hidden numerator can be). */
function primaryDomain(d: number): ISet {
  return inter(range(0, d), norm([[SMALL_MIN, SMALL_MAX], [d - SMALL_MAX, d - SMALL_MIN]]));
}

// ---------------------------------------------------------------------------------------
// The protection engine: one "table" = a total and, per dimension, cells adding up to it.

interface PCell {
  dim: string;
  category: string;
  x: number; // the true value
  d: number | null; // the (known) denominator, for the attacker's bounds and tie-breaks
  hidden: boolean;
  primary: boolean;
}

interface PTotal {
  x: number;
  hidden: boolean;
  primary: boolean;
}

interface TableRules {
  /** Domain of a primary-hidden cell's value. */
  primaryCell(c: PCell): ISet;
  /** Domain of any other hidden cell's value; ub = largest possible total. */
  secondaryCell(c: PCell, ub: number): ISet;
  /** Domains of the total when hidden (primary and otherwise). */
  primaryTotal: ISet;
  secondaryTotal: ISet;
}

interface Analysis {
  leak: { kind: 'cell'; dim: string } | { kind: 'total' } | null;
  /** Per dimension: the totals consistent with that dimension alone. */
  perDim: Map<string, ISet>;
}

/** What can the attacker pin down? Exact for sum constraints over independent cells. */
function analyse(cells: PCell[], total: PTotal, rules: TableRules, dims: string[]): Analysis {
  const tDom = total.hidden ? (total.primary ? rules.primaryTotal : rules.secondaryTotal) : point(total.x);
  const ub = maxOf(tDom);
  const dom = (c: PCell) => (c.primary ? rules.primaryCell(c) : rules.secondaryCell(c, ub));
  const perDim = new Map<string, ISet>();
  const parts = new Map<string, { shown: number; hidden: { c: PCell; dom: ISet }[] }>();
  let joint = tDom;
  for (const dim of dims) {
    const cs = cells.filter((c) => c.dim === dim);
    const shown = cs.filter((c) => !c.hidden).reduce((s, c) => s + c.x, 0);
    const hidden = cs.filter((c) => c.hidden).map((c) => ({ c, dom: dom(c) }));
    const sum = hidden.reduce((acc, h) => plus(acc, h.dom), point(0));
    const f = inter(tDom, shift(sum, shown));
    perDim.set(dim, f);
    parts.set(dim, { shown, hidden });
    joint = inter(joint, f);
  }
  if (size(joint) === 0) return { leak: null, perDim }; // inconsistent input: the model does not apply
  for (const dim of dims) {
    const { shown, hidden } = parts.get(dim)!;
    for (let i = 0; i < hidden.length; i++) {
      const others = hidden.reduce((acc, h, j) => (j === i ? acc : plus(acc, h.dom)), point(0));
      // A cell that could only ever be one value (a group of 0) discloses nothing about anyone.
      if (size(hidden[i]!.dom) <= 1) continue;
      const feasible = inter(hidden[i]!.dom, plus(shift(joint, -shown), neg(others)));
      if (size(feasible) <= 1) return { leak: { kind: 'cell', dim }, perDim };
    }
  }
  if (total.hidden && size(tDom) > 1 && size(joint) <= 1) return { leak: { kind: 'total' }, perDim };
  return { leak: null, perDim };
}

/** Order of secondary candidates: non-zero first, then smallest value, denominator, name. */
function byNextSmallest(a: PCell, b: PCell): number {
  return (
    Number(a.x === 0) - Number(b.x === 0) ||
    a.x - b.x ||
    (a.d ?? 0) - (b.d ?? 0) ||
    (a.category < b.category ? -1 : a.category > b.category ? 1 : 0)
  );
}

/**
 * Hide cells (and, as a last resort, the total) until no hidden value can be pinned down.
 * If even that is not enough (every cell already hidden: e.g. five ethnic groups of 1..5
 * children each with a total of 1..5, so each must be 1), the dimension is withdrawn: the
 * public report leaves it out altogether. `withdrawn` is updated in place.
 */
function protect(cells: PCell[], total: PTotal, rules: TableRules, withdrawn: Set<string>): void {
  const allDims = [...new Set(cells.map((c) => c.dim))];
  const hideNext = (dim: string): boolean => {
    // A cell that can only be one value (a group of 0) would add no doubt: never pick it.
    const useful = (c: PCell) => size(c.primary ? rules.primaryCell(c) : rules.secondaryCell(c, Number.MAX_SAFE_INTEGER)) > 1;
    const next = cells.filter((c) => c.dim === dim && !c.hidden && useful(c)).sort(byNextSmallest)[0];
    if (!next) return false;
    next.hidden = true;
    return true;
  };
  // Each pass hides one more figure or withdraws one dimension, so the guard is never reached.
  for (let guard = 0; guard <= 2 * cells.length + allDims.length + 2; guard++) {
    const dims = allDims.filter((d) => !withdrawn.has(d));
    const a = analyse(cells, total, rules, dims);
    if (!a.leak) return;
    if (a.leak.kind === 'cell') {
      if (hideNext(a.leak.dim)) continue;
      if (!total.hidden) {
        total.hidden = true;
        continue;
      }
    }
    // The hidden total is pinned down (or nothing is left to hide in the leaking dimension):
    // open the dimension that pins the total most tightly.
    const order = [...dims].sort((p, q) => size(a.perDim.get(p)!) - size(a.perDim.get(q)!) || dims.indexOf(p) - dims.indexOf(q));
    if (order.some((dim) => hideNext(dim))) continue;
    // Everything that can be hidden is hidden and the figures are still pinned down.
    if (!order.length) return;
    withdrawn.add(order[0]!);
  }
}

// ---------------------------------------------------------------------------------------
// The plan for one KPI.

type Mode = 'count' | 'people' | 'sessions';

const int = (v: number | null | undefined): number => Math.round(v ?? 0);

function modeOf(kpi: KpiResult, opts: DisclosureOptions): Mode {
  if (kpi.denominator === null && kpi.unit === 'count') return 'count';
  const people = opts.countsArePeople ?? !SESSION_KPI_IDS.has(kpi.id);
  return people ? 'people' : 'sessions';
}

export interface DisclosurePlan {
  /** Headline: numerator and value hidden. */
  headline: boolean;
  /** Headline group size hidden (denominator; for session KPIs the sessions and children too). */
  headlineGroup: boolean;
  /** Per breakdown cell, in the KPI's order: numerator and value hidden. */
  cells: boolean[];
  /** Per breakdown cell: group size hidden (denominator and children). */
  cellGroups: boolean[];
  /** Dimensions left out of the public report altogether (rare; see protect()). */
  withdrawn: Dimension[];
}

/**
 * Stage 1: group sizes (denominators for people KPIs, children for session KPIs), decided
 * from the group sizes only so that every KPI with the same cohort hides the same ones.
 */
function groupStage(kpi: KpiResult, mode: Mode, withdrawn: Set<string>): { headline: boolean; cells: boolean[] } {
  const cellsIn = kpi.breakdowns;
  if (mode === 'count') return { headline: false, cells: cellsIn.map(() => false) };
  const sizeOf = (v: { denominator: number | null; children: number }) => (mode === 'people' ? int(v.denominator) : int(v.children));
  const totalX = sizeOf(kpi);
  const cells: PCell[] = cellsIn.map((b) => {
    const x = sizeOf(b);
    return { dim: b.dimension, category: b.category, x, d: x, hidden: isSmall(x), primary: isSmall(x) };
  });
  const total: PTotal = { x: totalX, hidden: isSmall(totalX), primary: isSmall(totalX) };
  protect(cells, total, {
    primaryCell: () => range(SMALL_MIN, SMALL_MAX),
    secondaryCell: (_c, ub) => range(0, ub),
    primaryTotal: range(SMALL_MIN, SMALL_MAX),
    // A hidden total is still bounded below by nothing and above by nothing we show; the
    // largest shown cell sums give the attacker no upper bound, so use a generous one.
    secondaryTotal: range(0, Math.max(totalX, 1) * 4 + 100),
  }, withdrawn);
  return { headline: total.hidden, cells: cells.map((c) => c.hidden) };
}

/** Work out every flag of one KPI (ignores any flags already set). */
export function disclosurePlan(kpi: KpiResult, opts: DisclosureOptions = {}): DisclosurePlan {
  const mode = modeOf(kpi, opts);
  const withdrawn = new Set<string>();
  const groups = groupStage(kpi, mode, withdrawn);
  const N = int(kpi.numerator);
  const D = int(kpi.denominator);
  const noData = kpi.numerator === null;

  const primaryOfCell = (b: BreakdownCell): boolean =>
    mode === 'count' ? isSmall(int(b.numerator)) : mode === 'people' ? isPrimarySuppressed(int(b.numerator), int(b.denominator)) : isSmall(b.children);
  const cells: PCell[] = kpi.breakdowns.map((b, i) => {
    const primary = primaryOfCell(b) || (mode === 'sessions' && groups.cells[i]!);
    // A cell whose group size is hidden shows nothing (its numerator would bound its size).
    return { dim: b.dimension, category: b.category, x: int(b.numerator), d: b.denominator === null ? null : int(b.denominator), hidden: primary || groups.cells[i]!, primary };
  });
  const headPrimary = noData
    ? false
    : mode === 'count'
      ? isSmall(N)
      : mode === 'people'
        ? isPrimarySuppressed(N, D)
        : isSmall(kpi.children);
  const total: PTotal = { x: N, hidden: !noData && (headPrimary || groups.headline), primary: headPrimary };

  if (!noData) {
    const rules: TableRules =
      mode === 'count'
        ? {
            primaryCell: () => range(SMALL_MIN, SMALL_MAX),
            secondaryCell: (_c, ub) => range(0, ub),
            primaryTotal: range(SMALL_MIN, SMALL_MAX),
            secondaryTotal: range(0, Math.max(N, 1) * 4 + 100),
          }
        : mode === 'people'
          ? {
              primaryCell: (c) => primaryDomain(c.d ?? 0),
              secondaryCell: (c) => range(0, c.d ?? 0),
              primaryTotal: primaryDomain(D),
              secondaryTotal: range(0, D),
            }
          : {
              // Sessions: any number of attended sessions up to the possible sessions.
              primaryCell: (c) => range(0, c.d ?? 0),
              secondaryCell: (c) => range(0, c.d ?? 0),
              primaryTotal: range(0, D),
              secondaryTotal: range(0, D),
            };
    protect(cells, total, rules, withdrawn);
  }
  return {
    headline: total.hidden,
    headlineGroup: groups.headline,
    cells: cells.map((c) => c.hidden || withdrawn.has(c.dim)),
    cellGroups: groups.cells.map((g, i) => g || withdrawn.has(cells[i]!.dim)),
    withdrawn: [...withdrawn].sort() as Dimension[],
  };
}

/** The primary rule for a point over time (no breakdown). */
function pointSuppressed(p: PointValue, mode: Mode): boolean {
  if (p.numerator === null) return false;
  if (mode === 'count') return isSmall(p.numerator);
  if (mode === 'people') return isPrimarySuppressed(p.numerator, p.denominator);
  // Sessions: no child count on a point; hide unless the sessions prove 6+ children.
  const d = p.denominator ?? 0;
  return d > 0 && d <= SMALL_MAX * MAX_SESSIONS_PER_CHILD;
}

/**
 * A copy of the KPI with `suppressed` set on the headline, every history point, the
 * previous quarter and year, and every breakdown cell (primary and secondary rules; see
 * the module comment). Flags are computed whatever the audience: the renderer shows
 * them only in the public report. The rare withdrawn dimension (disclosurePlan().withdrawn,
 * visibleView() leaves it out) has every cell flagged; the public report must not print it.
 */
export function applyDisclosure(kpi: KpiResult, opts: DisclosureOptions = {}): KpiResult {
  const mode = modeOf(kpi, opts);
  const plan = disclosurePlan(kpi, opts);
  const sameAsHeadline = (p: PointValue) => p.numerator === kpi.numerator && p.denominator === kpi.denominator;
  // The current quarter appears in the history too: it takes the headline's flag (a point
  // with the very same figures would reveal a hidden headline).
  const flagPoint = <P extends PointValue>(p: P): P => ({ ...p, suppressed: sameAsHeadline(p) ? plan.headline : pointSuppressed(p, mode) });
  return {
    ...kpi,
    suppressed: plan.headline,
    previous: {
      quarter: kpi.previous.quarter ? flagPoint(kpi.previous.quarter) : null,
      year: kpi.previous.year ? flagPoint(kpi.previous.year) : null,
    },
    breakdowns: kpi.breakdowns.map((b, i) => ({ ...b, suppressed: plan.cells[i]! })),
    history: kpi.history.map(flagPoint),
  };
}

/**
 * Flags for every KPI of a run. Always computed (machine output keeps the flag the public
 * report uses); `sessionKpis` overrides which ids are session-based.
 */
export function applyDisclosureAll(kpis: KpiResult[], sessionKpis: ReadonlySet<string> = SESSION_KPI_IDS): KpiResult[] {
  return kpis.map((k) => applyDisclosure(k, { countsArePeople: !sessionKpis.has(k.id) }));
}

// ---------------------------------------------------------------------------------------
// What a public reader sees.

export type Shown = number | 'c' | null;

export interface VisibleFigure {
  numerator: Shown;
  denominator: Shown;
  value: Shown;
  children: Shown;
}

export interface VisibleCell extends VisibleFigure {
  dimension: Dimension;
  category: string;
}

export interface VisiblePoint {
  r: string;
  numerator: Shown;
  denominator: Shown;
  value: Shown;
}

export interface VisibleKpi extends VisibleFigure {
  id: string;
  /** placed_within_20_miles: children with an unknown distance (c when 1..5). */
  unknown?: Shown;
  cells: VisibleCell[];
  previous: { quarter: VisiblePoint | null; year: VisiblePoint | null };
  history: VisiblePoint[];
}

const c = (hide: boolean, v: number | null): Shown => (hide ? 'c' : v);

/**
 * The figures a public reader sees, after the rules: numbers, `c` or null (no data).
 * Withdrawn dimensions are left out of `cells`.
 * Numerators and percentages follow the `suppressed` flags on the KPI; group sizes
 * (denominators, children) follow the group-size rule, which depends on the group sizes
 * only. For a count KPI the cell's `children` is hidden with the cell.
 */
export function visibleView(kpi: KpiResult, opts: DisclosureOptions = {}): VisibleKpi {
  const mode = modeOf(kpi, opts);
  const plan = disclosurePlan(kpi, opts);
  const figure = (f: { numerator: number | null; denominator: number | null; value: number | null; children: number }, hide: boolean, groupHidden: boolean): VisibleFigure => {
    const groupHide = groupHidden;
    return {
      numerator: c(hide, f.numerator),
      // Session KPIs: the possible sessions reveal roughly how many children; hide with the group.
      denominator: c(groupHide, f.denominator),
      value: c(hide, f.value),
      children: c(groupHide || (mode === 'count' && hide), f.children),
    };
  };
  const pt = (p: PointValue | null): VisiblePoint | null =>
    p
      ? {
          r: p.r,
          numerator: c(!!p.suppressed, p.numerator),
          // a past group of 1 to 5 people is itself a small count (as the headline's group is)
          denominator: c((!!p.suppressed && mode === 'sessions') || (mode === 'people' && p.denominator !== null && isSmall(p.denominator)), p.denominator),
          value: c(!!p.suppressed, p.value),
        }
      : null;
  const head = figure(kpi, kpi.suppressed, plan.headlineGroup);
  return {
    id: kpi.id,
    ...head,
    ...(kpi.unknown !== undefined ? { unknown: c(isSmall(kpi.unknown), kpi.unknown) } : {}),
    cells: kpi.breakdowns
      .map((b, i) => ({ dimension: b.dimension, category: b.category, ...figure(b, b.suppressed, plan.cellGroups[i]!) }))
      .filter((cell) => !plan.withdrawn.includes(cell.dimension)),
    previous: { quarter: pt(kpi.previous.quarter), year: pt(kpi.previous.year) },
    history: kpi.history.map((p) => pt(p)!),
  };
}
