import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyDisclosure,
  applyDisclosureAll,
  disclosurePlan,
  DISCLOSURE_EXPLANATION,
  isPrimarySuppressed,
  isSmall,
  visibleView,
  type Shown,
  type VisibleCell,
  type VisibleKpi,
} from '../pipeline/compute/disclosure.js';
import type { BreakdownCell, Dimension, KpiResult, PointValue } from '../pipeline/compute/types.js';

// ---------------------------------------------------------------------------------------
// Builders

type CellIn = { dimension: Dimension; category: string; numerator: number; denominator: number | null; children?: number };

const pct = (n: number | null, d: number | null): number | null => (n === null ? null : d === null ? n : d === 0 ? null : (n / d) * 100);

function makeKpi(o: {
  id?: string;
  unit?: 'percent' | 'count';
  numerator: number | null;
  denominator: number | null;
  children?: number;
  cells?: CellIn[];
  history?: PointValue[];
  previous?: { quarter: PointValue | null; year: PointValue | null };
}): KpiResult {
  const unit = o.unit ?? (o.denominator === null ? 'count' : 'percent');
  return {
    id: o.id ?? 'test_kpi',
    title: 'Test',
    theme: 'health',
    unit,
    polarity: 'higher',
    numerator: o.numerator,
    denominator: o.denominator,
    value: pct(o.numerator, o.denominator),
    children: o.children ?? o.denominator ?? 0,
    target: null,
    tolerance: 0,
    status: 'no_target',
    previous: o.previous ?? { quarter: null, year: null },
    benchmarks: null,
    suppressed: false,
    breakdowns: (o.cells ?? []).map(
      (c): BreakdownCell => ({
        dimension: c.dimension,
        category: c.category,
        numerator: c.numerator,
        denominator: c.denominator,
        children: c.children ?? c.denominator ?? 0,
        value: pct(c.numerator, c.denominator),
        suppressed: false,
      }),
    ),
    history: (o.history ?? []).map((p) => ({ ...p, source: 'stored' as const })),
  };
}

/** Percent KPI whose headline is the sum of one dimension's cells. */
function sexKpi(cells: [string, number, number][], dimension: Dimension = 'sex'): KpiResult {
  const cs = cells.map(([category, numerator, denominator]) => ({ dimension, category, numerator, denominator }));
  return makeKpi({ numerator: cs.reduce((s, c) => s + c.numerator, 0), denominator: cs.reduce((s, c) => s + c.denominator, 0), cells: cs });
}

const cellOf = (k: KpiResult, category: string) => k.breakdowns.find((b) => b.category === category)!;

// ---------------------------------------------------------------------------------------
// The attacker: explicit value sets and subset-sum DP (independent of the module's
// interval arithmetic). It knows every denominator (worst case), the shown figures, the
// totals when shown, which hidden figures are primary (and so obey the 1..5 rule), and
// that every other hidden figure lies in its domain (0..denominator, or 0..total).

type Var = { shown: true; x: number } | { shown: false; dom: number[]; truth: number };
interface AttackTable {
  total: Var;
  dims: Var[][];
}
interface AttackResult {
  totals: Set<number>;
  cells: Set<number>[][]; // per dim, per cell: feasible values (shown cells: their value)
}

const seq = (a: number, b: number): number[] => (b < a ? [] : Array.from({ length: b - a + 1 }, (_, i) => a + i));

/** Sums reachable by choosing one value from each domain. */
function reach(doms: number[][]): Set<number> {
  let cur = new Set<number>([0]);
  for (const dom of doms) {
    const next = new Set<number>();
    for (const s of cur) for (const v of dom) next.add(s + v);
    cur = next;
  }
  return cur;
}

function attack(t: AttackTable): AttackResult {
  const totalCands = t.total.shown ? [t.total.x] : t.total.dom;
  const per = t.dims.map((cells) => {
    const shown = cells.reduce((s, c) => s + (c.shown ? c.x : 0), 0);
    const hidden = cells.filter((c): c is Extract<Var, { shown: false }> => !c.shown);
    return { shown, all: reach(hidden.map((h) => h.dom)) };
  });
  const totals = new Set(totalCands.filter((T) => per.every((p) => p.all.has(T - p.shown))));
  const cells = t.dims.map((cells, di) =>
    cells.map((c, ci) => {
      if (c.shown) return new Set([c.x]);
      const others = reach(cells.filter((o, oi) => oi !== ci && !o.shown).map((o) => (o as Extract<Var, { shown: false }>).dom));
      const ok = new Set<number>();
      for (const v of c.dom) for (const T of totals) if (others.has(T - per[di]!.shown - v)) ok.add(v);
      return ok;
    }),
  );
  return { totals, cells };
}

/** Does the attacker pin down any hidden figure? (Also checks the truth stays feasible.) */
function leaks(t: AttackTable): string[] {
  const r = attack(t);
  const out: string[] = [];
  if (!t.total.shown) {
    if (!r.totals.has(t.total.truth)) throw new Error('attacker lost the true total');
    if (r.totals.size < 2 && t.total.dom.length > 1) out.push(`total = ${[...r.totals]}`);
  }
  t.dims.forEach((cells, di) =>
    cells.forEach((c, ci) => {
      if (c.shown || c.dom.length < 2) return; // a group of 0 has nothing to disclose
      const f = r.cells[di]![ci]!;
      if (!f.has(c.truth)) throw new Error('attacker lost a true value');
      if (f.size < 2) out.push(`dim ${di} cell ${ci} = ${[...f]}`);
    }),
  );
  return out;
}

const primaryDom = (d: number) => seq(0, d).filter((v) => isSmall(v) || isSmall(d - v));
const num = (s: Shown): number => {
  if (typeof s !== 'number') throw new Error(`expected a shown number, got ${String(s)}`);
  return s;
};

type Mode = 'people' | 'count' | 'sessions';

/** The dimensions the public sees (withdrawn ones are absent), each cell with its true data. */
function visibleDims(k: KpiResult, v: VisibleKpi): { b: BreakdownCell; vis: VisibleCell }[][] {
  const dims = [...new Set(v.cells.map((c) => c.dimension))];
  return dims.map((dim) =>
    v.cells
      .filter((c) => c.dimension === dim)
      .map((vis) => ({ vis, b: k.breakdowns.find((b) => b.dimension === vis.dimension && b.category === vis.category)! })),
  );
}

/** The attacker's table for the numerators, built from what the public sees. */
function numeratorTable(k: KpiResult, mode: Mode): AttackTable {
  const v = visibleView(k, { countsArePeople: mode !== 'sessions' });
  const N = k.numerator!;
  const D = k.denominator ?? 0;
  const totalPrimary = mode === 'people' ? isPrimarySuppressed(N, D) : mode === 'count' ? isSmall(N) : isSmall(k.children);
  const total: Var =
    v.numerator === 'c'
      ? { shown: false, truth: N, dom: mode === 'people' ? (totalPrimary ? primaryDom(D) : seq(0, D)) : mode === 'count' ? (totalPrimary ? seq(1, 5) : seq(0, 2000)) : seq(0, D) }
      : { shown: true, x: num(v.numerator) };
  const ub = total.shown ? total.x : Math.max(...total.dom);
  const dims = visibleDims(k, v).map((pairs) =>
    pairs.map(({ b, vis }): Var => {
        if (vis.numerator !== 'c') return { shown: true, x: num(vis.numerator) };
        const n = b.numerator!;
        const d = b.denominator ?? 0;
        if (mode === 'people') return { shown: false, truth: n, dom: isPrimarySuppressed(n, d) ? primaryDom(d) : seq(0, d) };
        if (mode === 'count') return { shown: false, truth: n, dom: isSmall(n) ? seq(1, 5) : seq(0, ub) };
        return { shown: false, truth: n, dom: seq(0, d) };
      }),
  );
  return { total, dims };
}

/** The attacker's table for the group sizes (denominators; children for sessions). */
function groupTable(k: KpiResult, mode: Mode): AttackTable {
  const v = visibleView(k, { countsArePeople: mode !== 'sessions' });
  const key = mode === 'people' ? 'denominator' : 'children';
  const X = (mode === 'people' ? k.denominator : k.children) ?? 0;
  const total: Var = v[key] === 'c' ? { shown: false, truth: X, dom: isSmall(X) ? seq(1, 5) : seq(0, 4 * X + 100) } : { shown: true, x: num(v[key]) };
  const ub = total.shown ? total.x : Math.max(...total.dom);
  const dims = visibleDims(k, v).map((pairs) =>
    pairs.map(({ b, vis }): Var => {
        const x = (mode === 'people' ? b.denominator : b.children) ?? 0;
        if (vis[key] !== 'c') return { shown: true, x: num(vis[key]) };
        return { shown: false, truth: x, dom: isSmall(x) ? seq(1, 5) : seq(0, ub) };
      }),
  );
  return { total, dims };
}

// ---------------------------------------------------------------------------------------
// Examples

describe('primary rule', () => {
  it('percentages: numerator or complement 1..5 is hidden, zero is not', () => {
    expect(isPrimarySuppressed(0, 40)).toBe(false);
    expect(isPrimarySuppressed(3, 40)).toBe(true);
    expect(isPrimarySuppressed(38, 40)).toBe(true); // complement 2
    expect(isPrimarySuppressed(6, 40)).toBe(false);
    expect(isPrimarySuppressed(34, 40)).toBe(false); // complement 6
    expect(isPrimarySuppressed(40, 40)).toBe(false); // complement 0
    expect(isPrimarySuppressed(0, 3)).toBe(true); // complement 3
    expect(isPrimarySuppressed(0, 0)).toBe(false);
    expect(isPrimarySuppressed(null, 10)).toBe(false);
  });

  it('counts: 1..5 hidden, 0 and 6 shown', () => {
    expect(isPrimarySuppressed(4, null)).toBe(true);
    expect(isPrimarySuppressed(0, null)).toBe(false);
    expect(isPrimarySuppressed(6, null)).toBe(false);
    expect(isPrimarySuppressed(1, null)).toBe(true);
    expect(isPrimarySuppressed(5, null)).toBe(true);
  });

  it('headline flags and what the public sees', () => {
    const shown0 = applyDisclosure(makeKpi({ numerator: 0, denominator: 40 }));
    expect(shown0.suppressed).toBe(false);
    expect(visibleView(shown0)).toMatchObject({ numerator: 0, denominator: 40, value: 0 });
    const three = applyDisclosure(makeKpi({ numerator: 3, denominator: 40 }));
    expect(three.suppressed).toBe(true);
    expect(visibleView(three)).toMatchObject({ numerator: 'c', denominator: 40, value: 'c' });
    const compl = applyDisclosure(makeKpi({ numerator: 38, denominator: 40 }));
    expect(compl.suppressed).toBe(true);
    const count4 = applyDisclosure(makeKpi({ numerator: 4, denominator: null, unit: 'count' }));
    expect(count4.suppressed).toBe(true);
    expect(visibleView(count4)).toMatchObject({ numerator: 'c', value: 'c', denominator: null });
    const count0 = applyDisclosure(makeKpi({ numerator: 0, denominator: null, unit: 'count' }));
    expect(count0.suppressed).toBe(false);
    expect(visibleView(count0).numerator).toBe(0);
    expect(applyDisclosure(makeKpi({ numerator: 6, denominator: null, unit: 'count' })).suppressed).toBe(false);
  });

  it('a group of 1..5 hides its size too', () => {
    const k = applyDisclosure(makeKpi({ numerator: 2, denominator: 4 }));
    expect(visibleView(k)).toMatchObject({ numerator: 'c', denominator: 'c', value: 'c', children: 'c' });
  });

  it('history and previous points get the primary rule; the current point takes the headline flag', () => {
    const k = applyDisclosure(
      makeKpi({
        numerator: 3,
        denominator: 40,
        history: [
          { r: '2025-09-30', numerator: 10, denominator: 40, value: 25 },
          { r: '2025-12-31', numerator: 2, denominator: 30, value: 2 / 0.3 },
          { r: '2026-03-31', numerator: 3, denominator: 40, value: 7.5 },
        ],
        previous: { quarter: { r: '2025-12-31', numerator: 2, denominator: 30, value: 2 / 0.3 }, year: { r: '2025-03-31', numerator: 20, denominator: 40, value: 50 } },
      }),
    );
    expect(k.history.map((p) => p.suppressed)).toEqual([false, true, true]);
    expect(k.previous.quarter!.suppressed).toBe(true);
    expect(k.previous.year!.suppressed).toBe(false);
    expect(visibleView(k).history[1]).toMatchObject({ numerator: 'c', value: 'c', denominator: 30 });
  });

  it('a headline hidden by the secondary rule is hidden in its history too', () => {
    // UASC: 30 of 33 not-UASC (complement 3) and 0 of 20 UASC: the zero is the only cell
    // left, so it is hidden; sex has no small cells. Headline 30 of 53 is not itself small.
    const k = makeKpi({
      numerator: 30,
      denominator: 53,
      cells: [
        { dimension: 'uasc', category: 'Not UASC', numerator: 30, denominator: 33 },
        { dimension: 'uasc', category: 'UASC', numerator: 0, denominator: 20 },
      ],
      history: [{ r: '2026-03-31', numerator: 30, denominator: 53, value: (30 / 53) * 100 }],
    });
    const out = applyDisclosure(k);
    expect(cellOf(out, 'Not UASC').suppressed).toBe(true);
    expect(cellOf(out, 'UASC').suppressed).toBe(true); // last resort: the zero
    expect(out.suppressed).toBe(false);
    expect(out.history[0]!.suppressed).toBe(false);
    expect(leaks(numeratorTable(out, 'people'))).toEqual([]);
  });

  it('session KPIs: the rule uses the number of children', () => {
    const small = applyDisclosure(makeKpi({ id: 'school_attendance_rate', numerator: 1500, denominator: 1600, children: 4 }));
    expect(small.suppressed).toBe(true);
    expect(visibleView(small)).toMatchObject({ numerator: 'c', denominator: 'c', value: 'c', children: 'c' });
    const big = applyDisclosure(makeKpi({ id: 'school_attendance_rate', numerator: 3, denominator: 9000, children: 30 }));
    expect(big.suppressed).toBe(false); // 3 sessions is not 3 children
    // The same figures as a people count would be hidden:
    expect(applyDisclosure(makeKpi({ id: 'school_attendance_rate', numerator: 3, denominator: 9000, children: 30 }), { countsArePeople: true }).suppressed).toBe(true);
  });
});

describe('secondary rule examples', () => {
  it('two categories, one small: the other is hidden too', () => {
    const k = applyDisclosure(sexKpi([['Female', 3, 20], ['Male', 15, 25]]));
    expect(cellOf(k, 'Female').suppressed).toBe(true);
    expect(cellOf(k, 'Male').suppressed).toBe(true);
    expect(k.suppressed).toBe(false);
    const v = visibleView(k);
    expect(v.cells.map((c) => [c.numerator, c.denominator, c.value])).toEqual([['c', 20, 'c'], ['c', 25, 'c']]);
  });

  it('three categories, one small: the next smallest is hidden, the largest stays', () => {
    const k = applyDisclosure(sexKpi([['A', 2, 20], ['B', 12, 30], ['C', 9, 25]], 'ethnicity'));
    expect(k.breakdowns.map((b) => [b.category, b.suppressed])).toEqual([['A', true], ['B', false], ['C', true]]);
    expect(leaks(numeratorTable(k, 'people'))).toEqual([]);
  });

  it('ties: smallest denominator, then category name', () => {
    const k = applyDisclosure(sexKpi([['A', 2, 20], ['B', 9, 30], ['C', 9, 25], ['D', 9, 25]], 'ethnicity'));
    expect(k.breakdowns.filter((b) => b.suppressed).map((b) => b.category)).toEqual(['A', 'C']);
  });

  it('zeros stay shown when a non-zero cell can be hidden instead', () => {
    const k = applyDisclosure(sexKpi([['A', 2, 20], ['B', 0, 30], ['C', 9, 25]], 'ethnicity'));
    expect(k.breakdowns.map((b) => b.suppressed)).toEqual([true, false, true]);
  });

  it('no small cells: nothing hidden', () => {
    const k = applyDisclosure(sexKpi([['Female', 10, 20], ['Male', 15, 25]]));
    expect(k.breakdowns.every((b) => !b.suppressed)).toBe(true);
  });

  it('a small headline: the cells that carry it are hidden, the zero stays shown', () => {
    // Headline 3 of 45 hidden; sex cells 0 of 20 (shown zero) and 3 of 25 (hidden).
    const k = makeKpi({
      numerator: 3,
      denominator: 45,
      cells: [
        { dimension: 'sex', category: 'Female', numerator: 0, denominator: 20 },
        { dimension: 'sex', category: 'Male', numerator: 3, denominator: 25 },
        { dimension: 'age_band', category: '10 to 15', numerator: 3, denominator: 45 },
      ],
    });
    const out = applyDisclosure(k);
    expect(out.suppressed).toBe(true);
    expect(cellOf(out, '10 to 15').suppressed).toBe(true); // equals the total
    expect(cellOf(out, 'Female').suppressed).toBe(false); // zero stays
    expect(leaks(numeratorTable(out, 'people'))).toEqual([]);
  });

  it('the attacker is not toothless: primary suppression alone leaks', () => {
    const k = sexKpi([['A', 2, 20], ['B', 12, 30], ['C', 9, 25]], 'ethnicity');
    const primaryOnly: KpiResult = { ...k, breakdowns: k.breakdowns.map((b) => ({ ...b, suppressed: isPrimarySuppressed(b.numerator, b.denominator) })) };
    expect(leaks(numeratorTable(primaryOnly, 'people')).length).toBeGreaterThan(0);
  });

  it('group sizes are protected from the sizes alone, the same for every KPI of a cohort', () => {
    const cells: [string, number, number][] = [['A', 1, 3], ['B', 10, 30], ['C', 12, 40]];
    const k1 = applyDisclosure(sexKpi(cells, 'ethnicity'));
    const k2 = applyDisclosure(sexKpi(cells.map(([c, , d]) => [c, Math.floor(d / 2), d] as [string, number, number]), 'ethnicity'));
    const d1 = visibleView(k1).cells.map((c) => c.denominator);
    const d2 = visibleView(k2).cells.map((c) => c.denominator);
    expect(d1).toEqual(['c', 'c', 40]);
    expect(d2).toEqual(d1);
    expect(leaks(groupTable(k1, 'people'))).toEqual([]);
  });

  it('flags are computed whatever the audience, and the explanation is printable', () => {
    const all = applyDisclosureAll([makeKpi({ numerator: 3, denominator: 40 }), makeKpi({ id: 'school_attendance_rate', numerator: 3, denominator: 9000, children: 30 })]);
    expect(all.map((k) => k.suppressed)).toEqual([true, false]);
    expect(DISCLOSURE_EXPLANATION).toMatch(/1 to 5/);
    expect(DISCLOSURE_EXPLANATION).toMatch(/"c"/);
  });

  it('does not mutate its input', () => {
    const k = sexKpi([['Female', 3, 20], ['Male', 15, 25]]);
    const before = JSON.stringify(k);
    applyDisclosure(k);
    expect(JSON.stringify(k)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------
// Property-based: an attacker with the public view must not pin down any hidden figure.

const DIMS: Dimension[] = ['sex', 'age_band', 'ethnicity', 'uasc'];
/** Small values often (where suppression happens), anything up to max sometimes. */
const smallish = (max: number) => fc.oneof(fc.integer({ min: 0, max: Math.min(7, max) }), fc.integer({ min: 0, max }));

/** Split total into k parts at random cut points (fractions in thousandths). */
function split(total: number, cuts: number[]): number[] {
  const pts = cuts.map((u) => Math.round((u * total) / 1000)).sort((a, b) => a - b);
  const parts: number[] = [];
  let prev = 0;
  for (const p of [...pts, total]) {
    parts.push(p - prev);
    prev = p;
  }
  return parts;
}

const firstDim = fc.oneof(
  fc.array(
    smallish(40).chain((n) => smallish(20).map((extra) => ({ n, d: Math.min(60, n + extra) }))),
    { minLength: 2, maxLength: 6 },
  ),
  // Tiny cohorts: small totals, hidden headlines, every cell small.
  fc.array(
    fc.integer({ min: 0, max: 2 }).chain((n) => fc.integer({ min: 0, max: 3 }).map((extra) => ({ n, d: n + extra }))),
    { minLength: 2, maxLength: 6 },
  ),
);
const otherDims = fc.array(
  fc.integer({ min: 2, max: 6 }).chain((k) =>
    fc.record({ nCuts: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: k - 1, maxLength: k - 1 }), cCuts: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: k - 1, maxLength: k - 1 }) }),
  ),
  { minLength: 0, maxLength: 2 },
);

function buildKpi(mode: Mode, first: { n: number; d: number }[], others: { nCuts: number[]; cCuts: number[] }[], kids: number[]): KpiResult {
  const N = first.reduce((s, c) => s + c.n, 0);
  const D = first.reduce((s, c) => s + c.d, 0);
  const cells: CellIn[] = [];
  // Children (sessions mode): a child count per first-dimension cell, at least 1 when d > 0.
  const childOf = (i: number, d: number) => (d === 0 ? 0 : 1 + (kids[i % kids.length]! % 10));
  first.forEach((c, i) => cells.push({ dimension: DIMS[0]!, category: `c${i}`, numerator: c.n, denominator: mode === 'count' ? null : c.d, children: childOf(i, c.d) }));
  const C = first.reduce((s, c, i) => s + childOf(i, c.d), 0);
  others.forEach((o, di) => {
    const ns = split(N, o.nCuts);
    const cs = split(D - N, o.cCuts);
    const ks = split(C, o.cCuts); // children of each cell (they must add up to the total)
    ns.forEach((n, i) => {
      const d = n + cs[i]!;
      cells.push({ dimension: DIMS[di + 1]!, category: `c${i}`, numerator: n, denominator: mode === 'count' ? null : d, children: ks[i]! });
    });
  });
  if (mode === 'count') return makeKpi({ unit: 'count', numerator: N, denominator: null, cells, children: 0 });
  if (mode === 'sessions') return makeKpi({ id: 'school_attendance_rate', numerator: N, denominator: D, children: C, cells });
  return makeKpi({ numerator: N, denominator: D, cells });
}

interface Tally {
  secondary: number; // cases where a cell was hidden that the primary rule alone would show
  headlineHidden: number;
  multiDim: number; // cases with a hidden headline and 2+ dimensions
  withdrawn: number; // cases where a dimension had to be left out
}

function checkProperties(mode: Mode, k0: KpiResult, tally: Tally): void {
  const opts = { countsArePeople: mode !== 'sessions' };
  const k = applyDisclosure(k0, opts);
  // 1. No numerator (nor complement) can be pinned down.
  expect(leaks(numeratorTable(k, mode))).toEqual([]);
  // 2. No group size can be pinned down (not for count KPIs: they have none).
  if (mode !== 'count') expect(leaks(groupTable(k, mode))).toEqual([]);
  // 3. Nothing small is shown.
  const v = visibleView(k, opts);
  const figs = [{ f: k as { numerator: number | null; denominator: number | null; children: number }, s: v as { numerator: Shown } }, ...visibleDims(k, v).flat().map(({ b, vis }) => ({ f: b, s: vis }))];
  for (const { f, s } of figs) {
    if (s.numerator === 'c') continue;
    if (mode === 'people') expect(isPrimarySuppressed(f.numerator, f.denominator)).toBe(false);
    if (mode === 'count') expect(isSmall(f.numerator)).toBe(false);
    if (mode === 'sessions') expect(isSmall(f.children)).toBe(false);
  }
  if (mode === 'people') for (const s of [v, ...v.cells]) if (s.denominator !== 'c') expect(isSmall(s.denominator as number)).toBe(false);
  // 4. Zero is shown: a zero cell that is not small by its complement or its group is hidden
  //    only when every non-zero cell of its dimension is hidden already (the last resort).
  const plan = disclosurePlan(k0, opts);
  k.breakdowns.forEach((b, i) => {
    if (b.numerator !== 0 || !b.suppressed || plan.cellGroups[i] || plan.withdrawn.includes(b.dimension)) return;
    if (mode === 'people' && isPrimarySuppressed(b.numerator, b.denominator)) return;
    const nonZero = k.breakdowns.filter((o) => o.dimension === b.dimension && o.numerator !== 0);
    expect(nonZero.every((o) => o.suppressed)).toBe(true);
  });
  // 5. Nothing is hidden without a reason: with no small figure anywhere, everything shows.
  const anySmall =
    mode === 'people'
      ? [k0, ...k0.breakdowns].some((f) => isPrimarySuppressed(f.numerator, f.denominator) || isSmall(f.denominator))
      : mode === 'count'
        ? [k0, ...k0.breakdowns].some((f) => isSmall(f.numerator))
        : [k0, ...k0.breakdowns].some((f) => isSmall(f.children));
  if (!anySmall) expect([k, ...k.breakdowns].some((f) => f.suppressed)).toBe(false);
  // 6. Deterministic.
  expect(applyDisclosure(k0, opts)).toEqual(k);
  const primaryCell = (b: BreakdownCell) => (mode === 'people' ? isPrimarySuppressed(b.numerator, b.denominator) : mode === 'count' ? isSmall(b.numerator) : isSmall(b.children));
  if (k.breakdowns.some((b) => b.suppressed && !primaryCell(b))) tally.secondary++;
  if (plan.withdrawn.length) tally.withdrawn++;
  if (k.suppressed) {
    tally.headlineHidden++;
    if (new Set(k.breakdowns.map((b) => b.dimension)).size > 1) tally.multiDim++;
  }
}

describe('property: the attacker recovers nothing', () => {
  for (const mode of ['people', 'count', 'sessions'] as Mode[]) {
    it(`${mode} KPIs`, () => {
      const tally: Tally = { secondary: 0, headlineHidden: 0, multiDim: 0, withdrawn: 0 };
      fc.assert(
        fc.property(firstDim, otherDims, fc.array(fc.nat(50), { minLength: 1, maxLength: 6 }), (first, others, kids) => {
          checkProperties(mode, buildKpi(mode, first, others, kids), tally);
        }),
        { numRuns: 300 },
      );
      // The generator must exercise the secondary rule and hidden headlines, or the property says little.
      expect(tally.secondary).toBeGreaterThan(30);
      expect(tally.headlineHidden).toBeGreaterThan(10);
      expect(tally.multiDim).toBeGreaterThan(5);
    });
  }
});
