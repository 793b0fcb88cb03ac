/**
 * Compute a KpiRun for one or many LAs at a reference date: the KPIs at R, the trend over
 * the stored quarters (or recomputed history), previous quarter and year, targets and
 * status, DfE benchmarks, breakdowns and disclosure flags. All points of all LAs go through
 * the engine in one set-based pass.
 */
import { previousQuarter, quarterLabel, nowDate, type IsoDate } from '../core/dates.js';
import { CliError, ExitCode } from '../core/errors.js';
import { lit, type Store } from '../store/store.js';
import { computeMetrics, prepare, type Aggregate, type BreakdownAggregate, type CalcPoint } from './engine.js';
import { benchmarksFor, NEIGHBOUR_MODEL_LABEL, type LaInfo } from './reference.js';
import { statusOf, valueOf } from './status.js';
import type { LaConfig } from './config.js';
import type { KpiResult, KpiRun, MetricDef, PointValue } from './types.js';
import { applyDisclosureAll } from './disclosure.js';
import { computeExceptions } from './exceptions.js';

export interface ComputeOptions {
  /** Trend length in quarters, R included (default 8). */
  quarters?: number;
  /** Recompute this many earlier quarter ends from the current extract where no snapshot is stored. */
  history?: number;
  exceptions?: boolean;
  onProgress?: (msg: string) => void;
}

export interface Snapshot { la: string; asAt: IsoDate; source: string | null; loadedAt: string | null }

export async function storedSnapshots(store: Store, la?: string): Promise<Snapshot[]> {
  return store.all<Snapshot>(`SELECT la, strftime(as_at, '%Y-%m-%d') AS "asAt", source, strftime(loaded_at, '%Y-%m-%dT%H:%M:%SZ') AS "loadedAt"
    FROM snapshots ${la ? `WHERE la = ${lit(la)}` : ''} ORDER BY la, as_at`);
}

interface Plan { la: LaInfo; asAt: IsoDate; points: { r: IsoDate; asAt: IsoDate; source: 'stored' | 'recomputed' }[]; snapshot: Snapshot; recomputed: boolean }

function planFor(la: LaInfo, asAt: IsoDate, snaps: Snapshot[], opts: ComputeOptions): Plan {
  const own = snaps.filter((s) => s.la === la.ons);
  const snapshot = own.find((s) => s.asAt === asAt);
  if (!snapshot) {
    throw new CliError(ExitCode.USAGE, `no extract of ${la.name} (${la.ons}) at ${asAt} is in the store`, {
      hint: `Load it first (corporate-parenting load --data DIR --as-at ${asAt} --la ${la.ons}), or give --data. Stored: ${own.map((s) => s.asAt).join(', ') || 'none'}.`,
    });
  }
  const quarters = Math.max(opts.quarters ?? 8, (opts.history ?? 0) + 1);
  const points: Plan['points'] = [];
  let recomputed = false;
  for (let i = quarters - 1; i >= 0; i--) {
    const r = i === 0 ? asAt : previousQuarter(asAt, i);
    if (own.some((s) => s.asAt === r)) points.push({ r, asAt: r, source: 'stored' });
    else if (i <= (opts.history ?? 0)) {
      points.push({ r, asAt, source: 'recomputed' });
      recomputed = true;
    }
  }
  return { la, asAt, points, snapshot, recomputed };
}

const key = (la: string, asAt: string, r: string) => `${la}|${asAt}|${r}`;

/** What a council's config changes in the engine itself: councils that share it are computed in one pass. */
const engineSettings = (c: LaConfig) => JSON.stringify([Object.entries(c.parameters ?? {}).sort(([a], [b]) => a.localeCompare(b)), c.unitPostcodes ?? null]);

/**
 * Compute KpiRuns for several LAs at one R, in one set-based pass per group of councils whose
 * configs give the engine the same KPI parameters and unit-postcode file (in a pool, usually
 * one group: every council at once). Runs come back in the order of `las`.
 */
export async function computeRuns(store: Store, defs: MetricDef[], las: { la: LaInfo; config: LaConfig }[], asAt: IsoDate, opts: ComputeOptions = {}): Promise<KpiRun[]> {
  const groups = new Map<string, number[]>();
  las.forEach((l, i) => {
    const k = engineSettings(l.config);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(i);
  });
  if (groups.size <= 1) return computeGroup(store, defs, las, asAt, opts);
  const out: KpiRun[] = new Array(las.length);
  for (const idx of groups.values()) {
    const runs = await computeGroup(store, defs, idx.map((i) => las[i]!), asAt, opts);
    idx.forEach((i, j) => { out[i] = runs[j]!; });
  }
  return out;
}

async function computeGroup(store: Store, defs: MetricDef[], las: { la: LaInfo; config: LaConfig }[], asAt: IsoDate, opts: ComputeOptions): Promise<KpiRun[]> {
  const snaps = await storedSnapshots(store);
  const plans = las.map(({ la }) => planFor(la, asAt, snaps, opts));
  const calc: CalcPoint[] = [];
  const seen = new Set<string>();
  for (const p of plans) {
    for (const pt of p.points) {
      const k = key(p.la.ons, pt.asAt, pt.r);
      if (!seen.has(k)) calc.push({ la: p.la.ons, laDfe: p.la.dfe, asAt: pt.asAt, r: pt.r });
      seen.add(k);
    }
  }
  opts.onProgress?.(`computing ${defs.length} KPIs for ${las.length} council(s) at ${calc.length} point(s)`);
  await prepare(store, calc, { unitPostcodes: las[0]?.config.unitPostcodes ?? undefined });
  await applyParameters(store, las[0]?.config.parameters ?? {});

  const totals = new Map<string, Aggregate>();
  const breakdowns = new Map<string, BreakdownAggregate[]>();
  // one council: a second or so of work, its metrics in one call (no progress line each)
  const results = await computeMetrics(store, defs, (i, def) => opts.onProgress?.(`KPI ${i + 1}/${defs.length}: ${def.id}`), { breakdownsAtAsAtOnly: true, batch: las.length === 1 });
  for (const [i, def] of defs.entries()) {
    const res = results[i]!;
    for (const t of res.totals) totals.set(`${def.id}|${key(t.la, t.asAt, t.r)}`, t);
    for (const b of res.breakdowns) {
      if (b.r !== b.asAt) continue; // breakdowns at R only
      const k = `${def.id}|${key(b.la, b.asAt, b.r)}`;
      (breakdowns.get(k) ?? breakdowns.set(k, []).get(k)!).push(b);
    }
  }

  const runs: KpiRun[] = [];
  for (const [pi, plan] of plans.entries()) {
    const config = las[pi]!.config;
    const kpis: KpiResult[] = defs.map((def) => {
      const pointOf = (r: IsoDate): (PointValue & { source: 'stored' | 'recomputed' }) | null => {
        const pt = plan.points.find((p) => p.r === r);
        if (!pt) return null;
        if (pt.source === 'recomputed' && !def.history) return null;
        const a = totals.get(`${def.id}|${key(plan.la.ons, pt.asAt, r)}`);
        if (!a) return null;
        return { r, numerator: a.numerator, denominator: a.denominator, value: valueOf(def.unit, a.numerator, a.denominator), source: pt.source };
      };
      const now = totals.get(`${def.id}|${key(plan.la.ons, asAt, asAt)}`)!;
      const value = valueOf(def.unit, now.numerator, now.denominator);
      const t = config.targets[def.id] ?? { target: def.target, tolerance: def.tolerance };
      const history = plan.points.map((p) => pointOf(p.r)).filter((p): p is NonNullable<typeof p> => p !== null);
      const strip = (p: ReturnType<typeof pointOf>): PointValue | null => (p ? { r: p.r, numerator: p.numerator, denominator: p.denominator, value: p.value } : null);
      const result: KpiResult = {
        id: def.id,
        title: def.title,
        theme: def.theme,
        unit: def.unit,
        polarity: def.polarity,
        numerator: now.numerator,
        denominator: now.denominator,
        value,
        children: now.children,
        ...(def.id === 'placed_within_20_miles' ? { unknown: now.unknown } : {}),
        target: t.target,
        tolerance: t.tolerance,
        status: statusOf(value, t.target, t.tolerance, def.polarity),
        previous: { quarter: strip(pointOf(previousQuarter(asAt, 1))), year: strip(pointOf(previousQuarter(asAt, 4))) },
        benchmarks: def.benchmark ? benchmarksFor(def.benchmark, plan.la) : null,
        suppressed: false,
        breakdowns: (breakdowns.get(`${def.id}|${key(plan.la.ons, asAt, asAt)}`) ?? []).map((b) => ({
          dimension: b.dimension, category: b.category, numerator: b.numerator, denominator: b.denominator, children: b.children,
          value: valueOf(def.unit, b.numerator, b.denominator), suppressed: false,
        })),
        history,
      };
      return result;
    });
    const run: KpiRun = {
      la: plan.la.ons,
      laDfe: plan.la.dfe,
      laName: plan.la.name,
      regionName: plan.la.regionName,
      asAt,
      quarter: quarterLabel(asAt),
      // the extract folder's last two path parts (e.g. E09000015/2025-09-30): no local paths in reports
      source: (plan.snapshot.source ?? '').split(/[\\/]/).filter(Boolean).slice(-2).join('/'),
      loadedAt: plan.snapshot.loadedAt,
      generatedAt: nowDate().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      historyRecomputed: plan.recomputed,
      neighbourModel: NEIGHBOUR_MODEL_LABEL,
      kpis: applyDisclosureAll(kpis),
    };
    if (opts.exceptions) run.exceptions = await computeExceptions(store, defs, plan.la.ons, asAt);
    runs.push(run);
  }
  return runs;
}

/** Config parameters override SQL macros of the same name (e.g. good_attendance_threshold). */
async function applyParameters(store: Store, params: Record<string, number>): Promise<void> {
  for (const [name, v] of Object.entries(params)) {
    await store.run(`CREATE OR REPLACE TEMP MACRO ${name}() AS ${Number(v)}`);
  }
}

/** Keep this run's KPI results in the store (for run-to-run diffs and the record). */
export async function saveRun(store: Store, run: KpiRun, command: string): Promise<string> {
  return store.transaction(async () => {
    const n = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM runs WHERE la = ${lit(run.la)} AND as_at = DATE ${lit(run.asAt)}`);
    const runId = `${run.la}:${run.asAt}:${(n?.n ?? 0) + 1}`;
    await store.run(`INSERT INTO runs VALUES (${lit(runId)}, ${lit(run.la)}, DATE ${lit(run.asAt)}, TIMESTAMP ${lit(run.generatedAt.replace('T', ' ').replace('Z', ''))}, ${lit(command)})`);
    const num = (v: number | null | undefined) => (v === null || v === undefined ? 'NULL' : String(v));
    const rows = run.kpis.map((k) => `(${lit(runId)}, ${lit(run.la)}, DATE ${lit(run.asAt)}, DATE ${lit(run.asAt)}, ${lit(k.id)}, ${num(k.numerator)}, ${num(k.denominator)}, ${num(k.value)}, ${k.children}, ${num(k.unknown)})`);
    if (rows.length) await store.run(`INSERT INTO kpi_results VALUES ${rows.join(',\n')}`);
    const brows = run.kpis.flatMap((k) => k.breakdowns.map((b) => `(${lit(runId)}, ${lit(run.la)}, DATE ${lit(run.asAt)}, DATE ${lit(run.asAt)}, ${lit(k.id)}, ${lit(b.dimension)}, ${lit(b.category)}, ${num(b.numerator)}, ${num(b.denominator)}, ${b.children})`));
    if (brows.length) await store.run(`INSERT INTO kpi_breakdowns VALUES ${brows.join(',\n')}`);
    return runId;
  });
}

export interface StoredResult { kpi_id: string; numerator: number | null; denominator: number | null; value: number | null }

/** The KPI results of the last stored run for (la, asAt), if any. */
export async function lastRunResults(store: Store, la: string, asAt: IsoDate): Promise<{ runId: string; results: StoredResult[] } | null> {
  const run = await store.one<{ run_id: string }>(`SELECT run_id FROM runs WHERE la = ${lit(la)} AND as_at = DATE ${lit(asAt)}
    ORDER BY CAST(split_part(run_id, ':', 3) AS INTEGER) DESC LIMIT 1`);
  if (!run) return null;
  const results = await store.all<StoredResult>(`SELECT kpi_id, numerator, denominator, value FROM kpi_results WHERE run_id = ${lit(run.run_id)} ORDER BY kpi_id`);
  return { runId: run.run_id, results };
}
