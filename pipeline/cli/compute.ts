/** Shared by kpis, report and run: compute KpiRuns for LAs at R from the store. */
import type { IsoDate } from '../core/dates.js';
import { usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { LaConfig } from '../compute/config.js';
import { prepareStored } from '../compute/engine.js';
import { computeRuns } from '../compute/kpis.js';
import type { LaInfo } from '../compute/reference.js';
import type { KpiRun, MetricDef } from '../compute/types.js';
import type { Store } from '../store/store.js';

export function historyOpt(v: unknown): number {
  const n = Number(v ?? 0);
  if (!Number.isInteger(n) || n < 0 || n > 40) throw usageError(`--history ${String(v)} must be a whole number of quarters from 0 to 40`);
  return n;
}

export async function computeFor(out: Output, store: Store, defs: MetricDef[], las: { la: LaInfo; config: LaConfig }[], asAt: IsoDate, opts: { history: number; exceptions: boolean }): Promise<KpiRun[]> {
  return computeRuns(store, defs, las, asAt, { history: opts.history, exceptions: opts.exceptions, onProgress: (m) => out.progress(m) });
}

/**
 * prepareStored (engine.ts) on a second connection, started now: `run` overlaps it with the load
 * of its extracts (one council's load runs DuckDB on one thread, leaving the other core free).
 * It works in one transaction that commits only if `commit` resolves true (`run`: some extract
 * loaded), so a run whose every extract fails leaves the store exactly as it was. Await it
 * before the KPIs and before the store closes. It never rejects: should it fail or roll back,
 * the KPIs' own prepare() makes what is missing, as it always has.
 */
export function prepareStoredAhead(store: Store, commit: Promise<boolean>): Promise<void> {
  return (async () => {
    const conn = await store.connection();
    try {
      await conn.transaction(async () => {
        await prepareStored(conn);
        if (!(await commit)) throw new Error('rolled back: no extract loaded');
      });
    } finally {
      conn.close();
    }
  })().catch(() => undefined);
}
