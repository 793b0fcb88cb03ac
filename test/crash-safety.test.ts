/**
 * Crash safety: a real SIGKILL at several points of `load` and `run`, on a store that
 * already holds a snapshot. Afterwards the store opens, the earlier snapshot is byte-for-byte
 * the same, the new snapshot is either fully there or absent (never half-loaded), and the
 * next run works without repair. Also: two runs at once on one store.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from './helpers/cli.js';
import { runCli } from './helpers/bad-input.js';
import { TABLES } from '../pipeline/ingest/contract.js';
import { Store } from '../pipeline/store/store.js';

const LA = 'E09000015';
const AS_AT = '2026-09-30';
const EARLIER = '2026-06-30';

let work: string;
let extract: string;
let template: string;
let earlierFp: Record<string, string>;
let fullCounts: Record<string, number>;

/** Rows and an order-independent hash per table for one snapshot (and its snapshots row). */
async function snapshotState(path: string, asAt: string): Promise<{ fp: Record<string, string>; counts: Record<string, number>; snapshotRow: { row_counts: string } | undefined }> {
  const store = await Store.open(path, { readOnly: true, waitSeconds: 10 });
  try {
    const fp: Record<string, string> = {};
    const counts: Record<string, number> = {};
    const where = `WHERE la = '${LA}' AND as_at = DATE '${asAt}'`;
    for (const t of [...TABLES.map((x) => x.table), 'snapshots']) {
      const r = await store.one<{ n: number; h: string }>(`SELECT count(*)::INT AS n, coalesce(sum(hash(x))::VARCHAR, '0') AS h FROM ${t} x ${where}`);
      fp[t] = `${r!.n}:${r!.h}`;
      counts[t] = r!.n;
    }
    const snapshotRow = await store.one<{ row_counts: string }>(`SELECT row_counts FROM snapshots ${where}`);
    return { fp, counts, snapshotRow };
  } finally {
    store.close();
  }
}

/** Runs and their KPI results agree: no run without results, no results without a run. */
async function runsConsistent(path: string): Promise<void> {
  const store = await Store.open(path, { readOnly: true, waitSeconds: 10 });
  try {
    const orphans = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM kpi_results k WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = k.run_id)`);
    expect(orphans!.n).toBe(0);
    const empty = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM runs r WHERE NOT EXISTS (SELECT 1 FROM kpi_results k WHERE k.run_id = r.run_id)`);
    expect(empty!.n).toBe(0);
  } finally {
    store.close();
  }
}

function copyStore(to: string): string {
  copyFileSync(template, to);
  if (existsSync(`${template}.wal`)) copyFileSync(`${template}.wal`, `${to}.wal`);
  return to;
}

/** Start the CLI; kill it with SIGKILL after `ms`, or as soon as stderr matches `after` (then + ms). */
function startAndKill(args: string[], kill: { ms?: number; after?: RegExp }): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, SOURCE_DATE_EPOCH: '1793491200', TZ: 'UTC', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let killed = false;
    const doKill = () => {
      if (child.exitCode === null && child.signalCode === null) {
        killed = child.kill('SIGKILL');
      }
    };
    child.stdout!.resume();
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (kill.after && kill.after.test(stderr)) {
        kill.after = undefined;
        if (kill.ms) setTimeout(doKill, kill.ms);
        else doKill();
      }
    });
    if (!kill.after && kill.ms !== undefined) setTimeout(doKill, kill.ms);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ killed: killed && signal === 'SIGKILL', code, stderr }));
  });
}

/** Start the CLI; `opened` resolves at its first progress line (printed once it holds the store). */
function startHolding(args: string[]): { opened: Promise<void>; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, SOURCE_DATE_EPOCH: '1793491200', TZ: 'UTC', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let onOpen: () => void = () => undefined;
  const opened = new Promise<void>((r) => (onOpen = r));
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (/loading Harrow/.test(stderr)) onOpen();
  });
  const done = new Promise<{ code: number | null; stderr: string }>((r) => child.on('close', (code) => r({ code, stderr })));
  return { opened, done };
}

/** After a crash: the store opens, the earlier snapshot is intact, the new one all or nothing. */
async function assertConsistent(store: string): Promise<'present' | 'absent'> {
  // the next process opens it read-write (DuckDB replays or discards its WAL)
  const s = await Store.open(store, { waitSeconds: 10 });
  s.close();
  expect((statSync(store).mode & 0o777).toString(8)).toBe('600');
  const earlier = await snapshotState(store, EARLIER);
  expect(earlier.fp).toEqual(earlierFp);
  const now = await snapshotState(store, AS_AT);
  await runsConsistent(store);
  if (now.snapshotRow) {
    const { snapshots: _s, ...tables } = now.counts;
    expect(tables).toEqual(fullCounts);
    expect(JSON.parse(now.snapshotRow.row_counts)).toEqual(fullCounts);
    return 'present';
  }
  expect(Object.values(now.counts).every((n) => n === 0), `half-loaded snapshot: ${JSON.stringify(now.counts)}`).toBe(true);
  return 'absent';
}

beforeAll(async () => {
  work = tempDir('crash-');
  execFileSync(process.execPath, [join(ROOT, 'dist', 'data-samples', 'generate.js'), '--out', join(work, 'gen'), '--quarters', '2', '--cla', '3000', '--no-edges'], { stdio: 'pipe' });
  extract = join(work, 'gen', LA, AS_AT);
  template = join(work, 'template.duckdb');
  const r = await runCli(['load', '--data', join(work, 'gen', LA, EARLIER), '--la', LA, '--as-at', EARLIER, '--store', template, '--json', '--out', join(work, 'out')]);
  expect(r.code, r.stderr).toBe(0);
  earlierFp = (await snapshotState(template, EARLIER)).fp;
  // the reference: a full, uninterrupted load of the new extract
  const ref = copyStore(join(work, 'reference.duckdb'));
  const full = await runCli(['load', '--data', extract, '--la', LA, '--as-at', AS_AT, '--store', ref, '--json', '--out', join(work, 'out')]);
  expect(full.code, full.stderr).toBe(0);
  fullCounts = JSON.parse(full.stdout).rowCounts;
  expect(fullCounts.episodes).toBeGreaterThan(10_000);
  const refState = await snapshotState(ref, AS_AT);
  const { snapshots: _s, ...refCounts } = refState.counts;
  expect(refCounts).toEqual(fullCounts);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const loadArgs = (store: string) => ['load', '--data', extract, '--la', LA, '--as-at', AS_AT, '--store', store, '--json', '--out', join(work, 'out'), '--wait', '30'];
const runArgs = (store: string, out: string) => ['run', '--data', extract, '--la', LA, '--as-at', AS_AT, '--store', store, '--json', '--out', out, '--format', 'html', '--wait', '30'];

describe('SIGKILL during load', () => {
  const points: [string, { ms?: number; after?: RegExp }][] = [
    ['after 50 ms', { ms: 50 }],
    ['after 200 ms', { ms: 200 }],
    ['after 500 ms', { ms: 500 }],
    ['after 1 s', { ms: 1000 }],
    ['while reading the episodes', { after: /reading episodes\.csv/ }],
    ['while checking', { after: /checking episodes\.csv/ }],
    ['right after "storing the snapshot"', { after: /storing the snapshot/ }],
    ['100 ms after "storing the snapshot"', { after: /storing the snapshot/, ms: 100 }],
  ];
  const outcomes: string[] = [];
  it.each(points)('%s: nothing lost, no half snapshot, the next load works', async (_label, kill) => {
    const store = copyStore(join(work, `load-${outcomes.length}.duckdb`));
    const k = await startAndKill(loadArgs(store), { ...kill });
    const state = await assertConsistent(store);
    outcomes.push(`${_label}: killed=${k.killed} ${state}`);
    const next = await runCli(loadArgs(store));
    expect(next.code, next.stderr).toBe(0);
    expect(await assertConsistent(store)).toBe('present');
  }, 90_000);
  afterAll(() => {
    // at least one kill landed before the commit (the snapshot absent), so the test is not vacuous
    process.stderr.write(`crash-safety load outcomes:\n  ${outcomes.join('\n  ')}\n`);
  });
  it('landed at least one kill mid-load (the snapshot absent afterwards)', () => {
    expect(outcomes.filter((o) => /killed=true absent/.test(o)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('SIGKILL during run --format html', () => {
  const points: [string, { ms?: number; after?: RegExp }][] = [
    ['while computing the KPIs', { after: /computing \d+ KPIs/ }],
    ['while rendering', { after: /rendering the public HTML/ }],
  ];
  it.each(points)('%s: the store is consistent and the next run works', async (label, kill) => {
    const store = copyStore(join(work, `run-${label.replace(/\W+/g, '-')}.duckdb`));
    const out = join(work, `out-${label.replace(/\W+/g, '-')}`);
    const k = await startAndKill(runArgs(store, out), { ...kill });
    expect(k.killed, k.stderr.slice(-500)).toBe(true);
    // the load had committed before computing started: the snapshot is there, whole
    expect(await assertConsistent(store)).toBe('present');
    const next = await runCli(runArgs(store, out), { timeoutMs: 120_000 });
    expect(next.code, next.stderr.slice(-2000)).toBe(0);
    expect(await assertConsistent(store)).toBe('present');
  }, 150_000);
});

describe('two runs at once on one store', () => {
  it('the second waits (--wait) and succeeds after the first; nothing is corrupted', async () => {
    const store = copyStore(join(work, 'both.duckdb'));
    const first = startHolding(loadArgs(store));
    await first.opened;
    const second = await runCli([...loadArgs(store).slice(0, -1), '60']);
    const a = await first.done;
    expect(a.code, a.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/in use by another run; waiting/);
    expect(await assertConsistent(store)).toBe('present');
  }, 120_000);

  it('with --wait 0 the second fails at once with exit 5 and a clear message; nothing is corrupted', async () => {
    const store = copyStore(join(work, 'busy.duckdb'));
    const first = startHolding(loadArgs(store));
    await first.opened;
    const second = await runCli([...loadArgs(store).slice(0, -1), '0']);
    expect(second.code, second.stderr).toBe(5);
    const j = JSON.parse(second.stdout);
    expect(j).toMatchObject({ ok: false, exitCode: 5 });
    expect(j.error).toMatch(/in use by another run/);
    expect(j.hint).toMatch(/Nothing was changed/);
    const a = await first.done;
    expect(a.code, a.stderr).toBe(0);
    expect(await assertConsistent(store)).toBe('present');
  }, 120_000);
});
