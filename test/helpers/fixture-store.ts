/**
 * Hand-built fixtures for KPI tests: insert rows straight into an in-memory store and
 * compute one metric at one or more reference dates.
 *
 *   const s = await fixtureStore({ header: [{ child: 'A', sex: 'M', dob: '2010-01-01' }], episodes: [...] });
 *   const res = await computeAt(s, 'placed_within_20_miles', '2026-03-31');
 *   expect(res.totals[0]).toMatchObject({ numerator: 1, denominator: 2 });
 *
 * Column names are the lower-cased DfE names; dates are ISO strings; omitted columns are NULL.
 */
import { Store, lit } from '../../pipeline/store/store.js';
import { TABLES } from '../../pipeline/ingest/contract.js';
import { prepare, computeMetric, type CalcPoint, type EngineOptions } from '../../pipeline/compute/engine.js';
import { loadMetrics } from '../../pipeline/compute/metrics.js';

export const LA = 'E09000015'; // Harrow
export const LA_DFE = '310';

export type Rows = Partial<Record<string, Record<string, string | number | null>[]>>;

export async function fixtureStore(rows: Rows, opts: { la?: string; asAt?: string } = {}): Promise<Store> {
  const store = await Store.memory();
  await addSnapshot(store, rows, opts);
  return store;
}

export async function addSnapshot(store: Store, rows: Rows, opts: { la?: string; asAt?: string } = {}): Promise<void> {
  const la = opts.la ?? LA;
  const asAt = opts.asAt ?? '2026-03-31';
  for (const [table, list] of Object.entries(rows)) {
    const def = TABLES.find((t) => t.table === table);
    if (!def) throw new Error(`fixture: unknown table ${table}`);
    list!.forEach((row, i) => {
      for (const k of Object.keys(row)) {
        if (!def.columns.some((c) => c.name.toLowerCase() === k)) throw new Error(`fixture: ${table} has no column ${k}`);
      }
    });
    for (const [i, row] of list!.entries()) {
      const cols = ['la', 'as_at', 'src_file', 'src_line', ...def.columns.map((c) => c.name.toLowerCase())];
      const vals = [lit(la), `DATE ${lit(asAt)}`, lit(`${table}.csv`), String(i + 2),
        ...def.columns.map((c) => {
          const v = row[c.name.toLowerCase()];
          if (v === undefined || v === null || v === '') return 'NULL';
          if (c.type === 'date') return `DATE ${lit(String(v))}`;
          if (c.type === 'int' || c.type === 'decimal') return String(Number(v));
          return lit(String(v));
        })];
      await store.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${vals.join(', ')})`);
    }
  }
}

/** Compute one metric at the given reference dates (default: the snapshot date). */
export async function computeAt(
  store: Store,
  kpiId: string,
  rs: string | string[] = '2026-03-31',
  opts: { la?: string; asAt?: string; laDfe?: string; engine?: EngineOptions } = {},
) {
  const def = loadMetrics().find((d) => d.id === kpiId);
  if (!def) throw new Error(`no metric ${kpiId}`);
  const asAt = opts.asAt ?? (Array.isArray(rs) ? rs[rs.length - 1]! : rs);
  const points: CalcPoint[] = (Array.isArray(rs) ? rs : [rs]).map((r) => ({ la: opts.la ?? LA, laDfe: opts.laDfe ?? LA_DFE, asAt, r }));
  await prepare(store, points, opts.engine);
  return computeMetric(store, def);
}

/** Members of a metric (the raw member rows), for debugging a failing test. */
export async function members(store: Store, kpiId: string) {
  const def = loadMetrics().find((d) => d.id === kpiId)!;
  return store.all(def.sql);
}
