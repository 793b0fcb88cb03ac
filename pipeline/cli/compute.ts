/** Shared by kpis, report and run: compute KpiRuns for LAs at R from the store. */
import type { IsoDate } from '../core/dates.js';
import { usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { LaConfig } from '../compute/config.js';
import { prepareStored, storeUnprepared, unprepareStored } from '../compute/engine.js';
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
 * Only for a store that holds none of it yet (storeUnprepared: a new store), and only kept if
 * `loaded` resolves true (`run`: some extract loaded): otherwise unprepareStored takes it back,
 * so a run whose every extract fails leaves the store as it was. (It is not held in one open
 * transaction until the load is judged: measured, that commit cost ~0.8 s after the load, since
 * rows written while the load has DuckDB on one thread are written at the commit.) A store with
 * another version of it is brought up to date by the KPIs' own prepare(), after a load. Await it
 * before the KPIs and before the store closes. It never rejects: should it fail, prepare() makes
 * what is missing.
 */
export function prepareStoredAhead(store: Store, loaded: Promise<boolean>): Promise<void> {
  return (async () => {
    const conn = await store.connection();
    try {
      if (!(await storeUnprepared(conn))) return;
      await prepareStored(conn);
      if (!(await loaded)) await unprepareStored(conn);
    } finally {
      conn.close();
    }
  })().catch(() => undefined);
}
