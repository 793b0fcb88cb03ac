/** list and forget: what is stored, and deleting a quarter for good. */
import { existsSync, renameSync, rmSync, chmodSync } from 'node:fs';
import { parseReferenceDate } from '../core/dates.js';
import { usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { resolveLa } from '../compute/reference.js';
import { storedSnapshots } from '../compute/kpis.js';
import { TABLES } from '../ingest/contract.js';
import { lit, type Store } from '../store/store.js';
import type { CommandResult } from './main.js';
import { openStore, storePath, type GlobalOpts } from './common.js';

export async function listCommand(o: GlobalOpts & { la?: string }, out: Output): Promise<CommandResult> {
  const path = storePath(o);
  if (!existsSync(path)) return { data: { store: path, snapshots: [] }, human: () => `No store at ${path} yet.` };
  const store = await openStore(o, out, undefined, true);
  try {
    const la = o.la ? resolveLa(o.la).ons : undefined;
    const snaps = await storedSnapshots(store, la);
    const runs = await store.all<{ la: string; asAt: string; runs: number }>(`SELECT la, strftime(as_at, '%Y-%m-%d') AS "asAt", count(*)::INT AS runs FROM runs GROUP BY ALL`);
    const rows = snaps.map((s) => ({ ...s, runs: runs.find((r) => r.la === s.la && r.asAt === s.asAt)?.runs ?? 0 }));
    return {
      data: { store: path, snapshots: rows },
      human: () => rows.length ? out.table(['LA', 'as at', 'loaded', 'runs', 'source'], rows.map((r) => [r.la, r.asAt, r.loadedAt, r.runs, r.source])) : `The store ${path} holds no snapshots.`,
    };
  } finally {
    store.close();
  }
}

/** Delete rows of one LA (one quarter or all), then rewrite the store file so no deleted bytes remain on disk. */
export async function forgetCommand(o: GlobalOpts & { la: string; asAt?: string; quarter?: string; allQuarters?: boolean }, out: Output): Promise<CommandResult> {
  const la = resolveLa(o.la);
  if (!o.allQuarters && !o.asAt && !o.quarter) throw usageError('say which quarter to forget', 'Give --as-at YYYY-MM-DD or --quarter 2025-26-Q2, or --all-quarters for every quarter of this LA.');
  const asAt = o.allQuarters ? null : parseReferenceDate((o.asAt ?? o.quarter)!);
  const path = storePath(o);
  if (!existsSync(path)) throw usageError(`no store at ${path}`);
  const store = await openStore(o, out);
  let deleted = 0;
  try {
    const where = `la = ${lit(la.ons)}${asAt ? ` AND as_at = DATE ${lit(asAt)}` : ''}`;
    const had = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM snapshots WHERE ${where}`);
    deleted = had?.n ?? 0;
    await store.transaction(async () => {
      for (const t of [...TABLES.map((x) => x.table), 'snapshots', 'kpi_results', 'kpi_breakdowns', 'runs']) await store.run(`DELETE FROM ${t} WHERE ${where}`);
    });
    await store.run('CHECKPOINT');
    out.progress('rewriting the store file so that deleted rows leave no trace on disk');
    await compactInto(store, `${path}.compact-tmp`);
  } finally {
    store.close();
  }
  renameSync(`${path}.compact-tmp`, path);
  return {
    data: { ok: true, store: path, la: la.ons, asAt, snapshotsDeleted: deleted },
    human: () => deleted ? `Forgot ${deleted} snapshot(s) of ${la.name} (${la.ons})${asAt ? ` at ${asAt}` : ''}, with their KPI results; the store file was rewritten.` : `Nothing stored for ${la.name}${asAt ? ` at ${asAt}` : ''}; the store is unchanged.`,
  };
}

/** Copy the live database into a fresh file (the caller swaps it in with an atomic rename after closing). */
async function compactInto(store: Store, tmp: string): Promise<void> {
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const db = await store.one<{ name: string }>('SELECT current_database() AS name');
  await store.run(`ATTACH ${lit(tmp)} AS cp_compact`);
  try {
    await store.run(`COPY FROM DATABASE "${db!.name}" TO cp_compact`);
  } finally {
    await store.run('DETACH cp_compact');
  }
  chmodSync(tmp, 0o600);
}
