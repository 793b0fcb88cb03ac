/**
 * prepare() keeps the KPI macros and base views in the store (created once per version of
 * sql/*.sql); read-only stores with an older copy, and in-memory stores, get TEMP copies.
 * Every way must give the same figures, and the per-run TEMP overrides (config parameters,
 * the materialised views) must win over the stored objects.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeShippedUnitsFresh, computeMetrics, MATERIALISED, prepare } from '../pipeline/compute/engine.js';
import { computeRuns } from '../pipeline/compute/kpis.js';
import { loadConfig } from '../pipeline/compute/config.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';
import { resolveLa } from '../pipeline/compute/reference.js';
import { SAMPLES_DIR } from '../pipeline/core/paths.js';
import { loadExtracts } from '../pipeline/ingest/ingest.js';
import { Store } from '../pipeline/store/store.js';
import { prepareStoredAhead } from '../pipeline/cli/compute.js';
import type { KpiRun } from '../pipeline/compute/types.js';

const LA = 'E09000015';
const DATES = ['2026-06-30', '2026-09-30'];
const R = '2026-09-30';
const defs = loadMetrics();
let work = '';
let file = '';

const figures = (runs: KpiRun[]) => runs.map((r) => ({ ...r, generatedAt: null }));
async function compute(store: Store, parameters: Record<string, number> = {}) {
  const config = loadConfig(defs, { la: LA });
  config.parameters = { ...config.parameters, ...parameters };
  return figures(await computeRuns(store, defs, [{ la: resolveLa(LA), config }], R, { history: 3 }));
}
const meta = async (store: Store, key: string) => (await store.one<{ value: string }>(`SELECT value FROM store_meta WHERE key = '${key}'`))?.value;
const views = async (store: Store, temporary: boolean) =>
  (await store.all<{ n: number }>(`SELECT count(*)::INT AS n FROM duckdb_views() WHERE NOT internal AND temporary = ${temporary} AND view_name = 'ep_all'`))[0]!.n;

let memoryRuns: ReturnType<typeof figures>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kpi-prepare-'));
  file = join(work, 's.duckdb');
  const store = await Store.open(file);
  const res = await loadExtracts(store, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
  expect(res.every((r) => r.loaded)).toBe(true);
  store.close();
  // the reference: TEMP objects only (an in-memory store with the same snapshots)
  const mem = await Store.memory();
  await loadExtracts(mem, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
  memoryRuns = await compute(mem);
  expect(await views(mem, false)).toBe(0);
  mem.close();
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('prepare: stored base objects', () => {
  it('creates them once in a writable store, and the figures are those of TEMP objects', async () => {
    const store = await Store.open(file);
    try {
      expect(await meta(store, 'kpi_base_version')).toBeUndefined();
      expect(await compute(store)).toEqual(memoryRuns);
      const version = await meta(store, 'kpi_base_version');
      expect(version).toMatch(/^[0-9a-f]{16}:\d+$/);
      expect(await views(store, false)).toBe(1);
      expect(await views(store, true)).toBe(0);
      // every base view named in MATERIALISED is computed once (a TEMP table) and read from it
      const mats = await store.all<{ t: string; v: string | null }>(`SELECT t.table_name AS t, (SELECT sql FROM duckdb_views() v WHERE v.temporary AND v.view_name = substr(t.table_name, 5)) AS v
        FROM duckdb_tables() t WHERE t.temporary AND t.table_name LIKE 'mat\\_%' ESCAPE '\\' ORDER BY 1`);
      expect(mats.map((m) => m.t)).toEqual(MATERIALISED.map((v) => `mat_${v}`).sort());
      for (const m of mats) expect(m.v).toContain(`FROM ${m.t}`);
      // again on the same connection (the mat_ redirects of the first prepare are replaced)
      expect(await compute(store)).toEqual(memoryRuns);
    } finally {
      store.close();
    }
  }, 60_000);

  it('a new process reuses them; a config parameter (TEMP macro) wins and does not outlive its run', async () => {
    const store = await Store.open(file);
    try {
      const before = await meta(store, 'kpi_base_version');
      expect(await compute(store)).toEqual(memoryRuns);
      expect(await meta(store, 'kpi_base_version')).toBe(before);
      const strict = await compute(store, { good_attendance_threshold: 100 });
      const good = (runs: typeof memoryRuns) => runs[0]!.kpis.find((k) => k.id === 'good_attendance')!;
      expect(good(strict).numerator!).toBeLessThan(good(memoryRuns).numerator!);
      // the same parameter on TEMP objects gives the same figures
      const mem = await Store.memory();
      await loadExtracts(mem, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
      expect(await compute(mem, { good_attendance_threshold: 100 })).toEqual(strict);
      mem.close();
      expect(await compute(store)).toEqual(memoryRuns);
    } finally {
      store.close();
    }
  }, 60_000);

  it('a read-only store with an older copy gets TEMP objects, same figures; a writable one replaces the copy', async () => {
    const stale = join(work, 'stale.duckdb');
    copyFileSync(file, stale);
    let store = await Store.open(stale);
    await store.run(`UPDATE store_meta SET value = 'older' WHERE key = 'kpi_base_version'`);
    await store.run(`CREATE OR REPLACE VIEW main.ep_all AS SELECT * FROM episodes WHERE false`); // an older, different definition
    store.close();
    store = await Store.open(stale, { readOnly: true });
    try {
      expect(await compute(store)).toEqual(memoryRuns);
      expect(await views(store, true)).toBe(1);
      expect(await meta(store, 'kpi_base_version')).toBe('older');
    } finally {
      store.close();
    }
    store = await Store.open(stale);
    try {
      expect(await compute(store)).toEqual(memoryRuns);
      expect(await meta(store, 'kpi_base_version')).not.toBe('older');
      expect(await views(store, true)).toBe(0);
    } finally {
      store.close();
    }
  }, 60_000);

  it('run makes them on a second connection while the extracts load (prepareStoredAhead): same figures, nothing made again', async () => {
    const ahead = join(work, 'ahead.duckdb');
    const store = await Store.open(ahead);
    try {
      let loaded: (ok: boolean) => void = () => undefined;
      const made = prepareStoredAhead(store, new Promise((resolve) => (loaded = resolve)));
      const res = await loadExtracts(store, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
      loaded(res.some((r) => r.loaded));
      await made;
      expect(res.every((r) => r.loaded)).toBe(true);
      const version = await meta(store, 'kpi_base_version');
      const reference = await meta(store, 'reference_version');
      expect(version).toMatch(/^[0-9a-f]{16}:\d+$/);
      expect(reference).toMatch(/^[0-9a-f]{16}$/);
      // the sectors are kept; the boundary units are read from the shipped Parquet copy
      const stored = await store.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary AND table_name LIKE 'ref\\_%' ESCAPE '\\' ORDER BY 1`);
      expect(stored.map((r) => r.t)).toEqual(['ref_sectors_stored']);
      expect(await views(store, false)).toBe(1);
      // the second connection's TEMP objects went with it
      expect(await views(store, true)).toBe(0);
      // the KPIs find them stored (their keys unchanged), and the figures are those of TEMP objects
      const storedViews = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM duckdb_views() WHERE NOT temporary`);
      expect(await compute(store)).toEqual(memoryRuns);
      expect(await meta(store, 'kpi_base_version')).toBe(version);
      expect(await meta(store, 'reference_version')).toBe(reference);
      expect((await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM duckdb_views() WHERE NOT temporary`))!.n).toBe(storedViews!.n);
      // again on a store that has them: nothing changes
      await prepareStoredAhead(store, Promise.resolve(true));
      expect(await meta(store, 'kpi_base_version')).toBe(version);
    } finally {
      store.close();
    }
  }, 60_000);

  it('a run whose extracts all fail keeps none of it: the ahead-prepare is taken back, the store is as it was', async () => {
    const store = await Store.open(join(work, 'ahead-failed.duckdb'));
    try {
      const tables = async () => (await store.all<{ t: string }>(`SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY 1`)).map((r) => r.t);
      const metaRows = async () => store.all(`SELECT * FROM store_meta ORDER BY key`);
      const objects = async () => (await store.all<{ o: string }>(`SELECT 'VIEW ' || view_name AS o FROM duckdb_views() WHERE NOT internal AND NOT temporary
        UNION ALL SELECT DISTINCT 'MACRO ' || function_name FROM duckdb_functions() WHERE NOT internal AND schema_name = 'main' AND database_name <> 'temp' ORDER BY 1`)).map((r) => r.o);
      const state = async () => ({ tables: await tables(), meta: await metaRows(), objects: await objects() });
      const before = await state();
      let loaded: (ok: boolean) => void = () => undefined;
      const made = prepareStoredAhead(store, new Promise((resolve) => (loaded = resolve)));
      // the second connection has made and committed everything before the load is judged
      for (let i = 0; i < 100 && !(await meta(store, 'kpi_base_objects')); i++) await new Promise((r) => setTimeout(r, 100));
      expect((await state()).objects.length).toBeGreaterThan(50);
      loaded(false);
      await made;
      expect(await state()).toEqual(before);
      expect(before.tables).not.toContain('ref_sectors_stored');
      // the KPIs still make what they need on their own connection
      await loadExtracts(store, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
      expect(await compute(store)).toEqual(memoryRuns);
      expect(await tables()).toContain('ref_sectors_stored');
    } finally {
      store.close();
    }
  }, 60_000);

  it('the boundary units: kept in the store from the CSV while the shipped Parquet copy is not its copy, dropped once it is; the same figures every way', async () => {
    const units = join(work, 'units.duckdb');
    copyFileSync(file, units);
    const unitsTable = async (store: Store) =>
      (await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE NOT temporary AND table_name = 'ref_units_boundary_k_stored'`))!.n;
    try {
      assumeShippedUnitsFresh(false);
      let store = await Store.open(units);
      try {
        expect(await compute(store)).toEqual(memoryRuns);
        expect(await unitsTable(store)).toBe(1);
        expect(await meta(store, 'reference_version')).toMatch(/^[0-9a-f]{16}:csv$/);
      } finally {
        store.close();
      }
      const mem = await Store.memory();
      try {
        await loadExtracts(mem, DATES.map((d) => ({ dir: join(SAMPLES_DIR, LA, d), la: LA, asAt: d })));
        expect(await compute(mem)).toEqual(memoryRuns); // parsed from the CSV into a TEMP table
      } finally {
        mem.close();
      }
      assumeShippedUnitsFresh(null);
      store = await Store.open(units);
      try {
        expect(await compute(store)).toEqual(memoryRuns);
        expect(await unitsTable(store)).toBe(0);
        expect(await meta(store, 'reference_version')).toMatch(/^[0-9a-f]{16}$/);
      } finally {
        store.close();
      }
    } finally {
      assumeShippedUnitsFresh(null);
    }
  }, 120_000);

  it("one council's metrics in one call (batch): the aggregates of one at a time; a failing metric is still named", async () => {
    const store = await Store.memory();
    try {
      await loadExtracts(store, [{ dir: join(SAMPLES_DIR, LA, R), la: LA, asAt: R }]);
      await prepare(store, [{ la: LA, laDfe: '310', asAt: R, r: R }, { la: LA, laDfe: '310', asAt: R, r: '2026-06-30' }]);
      const called: string[] = [];
      const one = await computeMetrics(store, defs, (_, d) => called.push(d.id));
      expect(called).toEqual(defs.map((d) => d.id));
      const runs: string[] = [];
      const run = store.run.bind(store);
      store.run = (sql, params) => (runs.push(sql), run(sql, params));
      const batch = await computeMetrics(store, defs, (_, d) => called.push(d.id), { batch: true });
      store.run = run;
      expect(called).toHaveLength(defs.length); // no progress per metric in a batch
      // one call created every member table (then one dropped them)
      expect(runs.filter((q) => /CREATE OR REPLACE TEMP TABLE m_/.test(q))).toHaveLength(1);
      expect(runs[0]!.match(/CREATE OR REPLACE TEMP TABLE m_/g)).toHaveLength(defs.length);
      expect(batch).toEqual(one);
      expect(one.flatMap((m) => m.totals).some((t) => t.denominator > 0)).toBe(true);
      // a broken metric in the middle: the batch fails, one at a time names it
      const broken = defs.map((d, i) => (i === 5 ? { ...d, sql: 'SELECT no_such_column FROM header' } : d));
      await expect(computeMetrics(store, broken, undefined, { batch: true })).rejects.toThrow(new RegExp(`metric ${defs[5]!.id} `));
      // and leaves no member table behind
      expect(await store.all(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'm\\_%' ESCAPE '\\'`)).toEqual([]);
    } finally {
      store.close();
    }
  }, 60_000);
});
