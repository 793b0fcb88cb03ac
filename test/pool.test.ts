/**
 * KPI results at pool scale are those of each council computed alone: the set-based engine
 * (every council and quarter in one pass, shared materialised base tables) must not let one
 * council's rows reach another's figures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../pipeline/compute/config.js';
import { computeRuns } from '../pipeline/compute/kpis.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';
import { resolveLa } from '../pipeline/compute/reference.js';
import type { KpiRun, MetricDef } from '../pipeline/compute/types.js';
import { ROOT } from '../pipeline/core/paths.js';
import { loadExtract } from '../pipeline/ingest/ingest.js';
import { Store } from '../pipeline/store/store.js';

const R = '2026-09-30';
const GENERATOR = join(ROOT, 'dist', 'data-samples', 'generate.js');

/** What must be equal: every figure, breakdown and history point (not the run's timestamp). */
const figures = (run: KpiRun) => ({
  la: run.la,
  historyRecomputed: run.historyRecomputed,
  kpis: run.kpis.map((k) => ({
    id: k.id, numerator: k.numerator, denominator: k.denominator, value: k.value, children: k.children, unknown: k.unknown,
    status: k.status, suppressed: k.suppressed, previous: k.previous, history: k.history,
    breakdowns: [...k.breakdowns].sort((a, b) => a.dimension.localeCompare(b.dimension) || a.category.localeCompare(b.category)),
  })),
});

describe.skipIf(!existsSync(GENERATOR))('KPIs at pool scale equal each council computed alone', () => {
  let dir: string;
  let store: Store;
  let defs: MetricDef[];
  let las: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cp-pool-'));
    const g = spawnSync(process.execPath, [GENERATOR, '--pool', '3', '--out', dir, '--as-at', R, '--seed', '61'], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    las = readdirSync(dir).sort();
    expect(las.length).toBe(3);
    store = await Store.memory();
    for (const la of las) {
      const res = await loadExtract(store, join(dir, la, R), { la, asAt: R });
      expect(res.loaded, JSON.stringify(res.problems.filter((p) => p.severity === 'error').slice(0, 3))).toBe(true);
    }
    defs = loadMetrics();
  }, 120_000);

  afterAll(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const members = () => las.map((la) => ({ la: resolveLa(la), config: loadConfig(defs, { la }) }));

  it('one quarter: numerators, denominators and breakdowns identical', async () => {
    const all = await computeRuns(store, defs, members(), R, { quarters: 1 });
    expect(all.map((r) => r.la)).toEqual(las);
    for (const [i, m] of members().entries()) {
      const [alone] = await computeRuns(store, defs, [m], R, { quarters: 1 });
      expect(figures(all[i]!)).toEqual(figures(alone!));
    }
    // the councils differ, so equality is not trivially true
    expect(new Set(all.map((r) => JSON.stringify(r.kpis.map((k) => k.denominator)))).size).toBe(las.length);
    expect(all.every((r) => r.kpis.some((k) => k.breakdowns.length > 0))).toBe(true);
  }, 120_000);

  it('four quarters of recomputed history: every point identical', async () => {
    const opts = { quarters: 4, history: 3 };
    const all = await computeRuns(store, defs, members(), R, opts);
    for (const [i, m] of members().entries()) {
      const [alone] = await computeRuns(store, defs, [m], R, opts);
      expect(figures(all[i]!)).toEqual(figures(alone!));
    }
    expect(all[0]!.kpis.some((k) => k.history.length === 4)).toBe(true);
  }, 180_000);

  it('councils with their own KPI parameters: each gets its own, as computed alone', async () => {
    const base = members();
    // the second council's config lowers the good-attendance threshold and lengthens the PEP window
    const own = base.map((m, i) => (i === 1 ? { ...m, config: { ...m.config, parameters: { ...m.config.parameters, good_attendance_threshold: 80, pep_window_months: 12 } } } : m));
    const all = await computeRuns(store, defs, own, R, { quarters: 1 });
    for (const [i, m] of own.entries()) {
      const [alone] = await computeRuns(store, defs, [m], R, { quarters: 1 });
      expect(figures(all[i]!)).toEqual(figures(alone!));
    }
    const plain = await computeRuns(store, defs, base, R, { quarters: 1 });
    const fig = (r: KpiRun, id: string) => r.kpis.find((k) => k.id === id)!.numerator;
    // the parameters reached the second council only
    expect(fig(all[1]!, 'good_attendance')).not.toBe(fig(plain[1]!, 'good_attendance'));
    expect(figures(all[0]!)).toEqual(figures(plain[0]!));
    expect(figures(all[2]!)).toEqual(figures(plain[2]!));
  }, 180_000);

  it('the order of the councils does not matter', async () => {
    const fwd = await computeRuns(store, defs, members(), R, { quarters: 1 });
    const rev = await computeRuns(store, defs, [...members()].reverse(), R, { quarters: 1 });
    expect(rev.map(figures).reverse()).toEqual(fwd.map(figures));
  }, 120_000);
});
