/** run: the quarter in one command, for one LA or a regional pool (--la all). */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExitCode, usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { loadConfig, type LaConfig } from '../compute/config.js';
import { diffCsv, diffRun, type RunDiff } from '../compute/diff.js';
import { lastRunResults, saveRun } from '../compute/kpis.js';
import { resolveLa, type LaInfo } from '../compute/reference.js';
import { STATUS_LABEL, type KpiRun } from '../compute/types.js';
import { findCommentary, type Audience } from '../render/publish.js';
import type { RenderPool } from '../render/pool.js';
import type { CommandResult } from './main.js';
import { fmtPct, laOf, metricsAndConfig, openStore, readManifest, referenceDate, requireDir, type GlobalOpts, outRootOf } from './common.js';
import { computeFor, historyOpt, prepareStoredAhead } from './compute.js';
import { describeLoad, loadMany, loadOne, reportDir, type LoadOutcome } from './loading.js';
import { parseFormats, prepareRender, relativeFiles, renderReports } from './rendering.js';

type Opts = GlobalOpts & {
  data?: string; quarter?: string; asAt?: string; la?: string; format?: string; out?: string; audience: Audience;
  commentary?: string; history?: string; failOnChange?: boolean; threshold?: string;
};

/** Run-to-run diff files: exact figures, for the analyst only (mode 0600, not for publication). */
export const DIFF_FILES = ['run-diff-OFFICER-ONLY.json', 'run-diff-OFFICER-ONLY.csv'] as const;

interface Member { la: LaInfo; dir: string; config: LaConfig }

/** The LA sub-folders of a pool folder (named by ONS code, DfE number or LA name, or with a manifest). */
function poolMembers(dir: string, o: Opts, asAt: string): Member[] {
  const { defs } = metricsAndConfig(o);
  const subs = readdirSync(dir).filter((f) => !f.startsWith('.') && statSync(join(dir, f)).isDirectory()).sort();
  if (!subs.length) throw usageError(`--la all: ${dir} has no LA sub-folders`, 'A pool folder holds one sub-folder per LA, named by its ONS code (E09000015) or DfE number (310).');
  return subs.map((s) => {
    // <LA>/ holds the extract, or <LA>/<as-at date>/ does (the layout the generator writes)
    const dated = join(dir, s, asAt);
    const d = existsSync(dated) && statSync(dated).isDirectory() ? dated : join(dir, s);
    const la = resolveLa(readManifest(d).la ?? s);
    return { la, dir: d, config: loadConfig(defs, { la: la.ons }) };
  });
}

export async function runCommand(o: Opts, out: Output): Promise<CommandResult> {
  const dir = requireDir(o.data);
  const pool = (o.la ?? '').toLowerCase() === 'all';
  const manifest = pool ? {} : readManifest(dir);
  const asAt = referenceDate(o, manifest);
  const formats = parseFormats(o.format);
  const history = historyOpt(o.history);
  const { defs, config: firstConfig } = metricsAndConfig(o, pool ? undefined : laOf(o, manifest).ons);
  const members: Member[] = pool ? poolMembers(dir, o, asAt) : [{ la: laOf(o, manifest, firstConfig), dir, config: firstConfig }];
  const threshold = o.threshold !== undefined ? Number(o.threshold) : firstConfig.changeThreshold;
  if (!Number.isFinite(threshold) || threshold < 0) throw usageError(`--threshold ${o.threshold} must be a number of percentage points`);

  const store = await openStore(o, out, firstConfig);
  // the store's reference tables and base views, made (if missing) while the extracts load,
  // and kept only if an extract loads
  let loaded: (ok: boolean) => void = () => undefined;
  const stored = prepareStoredAhead(store, new Promise<boolean>((resolve) => (loaded = resolve)));
  let renderPool: RenderPool | null = null;
  try {
    // 1. validate and load every extract (each atomically; a broken one changes nothing)
    if (pool) out.progress(`loading ${members.length} councils`);
    const loads: LoadOutcome[] = pool
      ? await loadMany(out, store, members, asAt, { outRoot: outRootOf(o, firstConfig) })
      : [await loadOne(out, store, members[0]!.dir, members[0]!.la, asAt, { outRoot: outRootOf(o, firstConfig) })];
    const ok = members.filter((_, i) => loads[i]!.errors === 0);
    const failed = loads.filter((l) => l.errors > 0);
    loaded(ok.length > 0);
    if (!ok.length) {
      return {
        exitCode: ExitCode.DATA,
        data: { ok: false, command: 'run', asAt, loads, reports: [] },
        human: () => loads.map((l) => describeLoad(out, l, 'load')).join('\n\n') + '\n\nNo report was made.',
      };
    }
    // Chromium and the renderer start now, while the KPIs compute (see prepareRender).
    renderPool = prepareRender(formats);
    // 2. the last run of this quarter, before this run is saved
    const last = new Map<string, Awaited<ReturnType<typeof lastRunResults>>>();
    for (const m of ok) last.set(m.la.ons, await lastRunResults(store, m.la.ons, asAt));
    // 3. compute every LA in one set-based pass
    await stored;
    const runs = await computeFor(out, store, defs, ok.map((m) => ({ la: m.la, config: m.config })), asAt, { history, exceptions: o.audience === 'internal' });
    const diffs: RunDiff[] = [];
    for (const [i, run] of runs.entries()) {
      await saveRun(store, run, pool ? 'run --la all' : 'run');
      const d = diffRun(run, last.get(run.la) ?? null, o.threshold !== undefined ? threshold : ok[i]!.config.changeThreshold);
      diffs.push(d);
      const rd = reportDir(outRootOf(o, firstConfig), run.la, asAt);
      // internal runs: the folder owner-only, like the report itself
      const internal = o.audience === 'internal';
      mkdirSync(rd, { recursive: true, mode: internal ? 0o700 : 0o755 });
      if (internal) chmodSync(rd, 0o700);
      // The diff carries exact numerators and denominators (small counts included): it is for
      // the analyst, never for publication, so it is owner-only whatever the audience.
      for (const [f, text] of [[DIFF_FILES[0], `${JSON.stringify(d, null, 2)}\n`], [DIFF_FILES[1], diffCsv(d)]] as const) {
        writeFileSync(join(rd, f), text, { mode: 0o600 });
        chmodSync(join(rd, f), 0o600);
      }
    }
    // 4. render: one browser for every report
    const rendered = await renderReports(out, store, runs.map((run, i) => ({ run, commentary: findCommentary({ file: pool ? undefined : o.commentary, config: ok[i]!.config, dataDir: ok[i]!.dir, asAt }) })), {
      audience: o.audience, formats, outRoot: outRootOf(o, firstConfig), defs, pool: renderPool, keepGoing: pool,
    });
    for (const r of rendered) for (const w of r.warnings) out.warn(`${r.la}: ${w}`);
    const poolFiles = pool ? writePoolSummary(outRootOf(o, firstConfig), asAt, runs) : [];
    const moved = diffs.flatMap((d) => d.kpis.filter((k) => k.movedBeyondThreshold).map((k) => ({ la: d.la, id: k.id })));
    const unpublished = rendered.filter((r) => r.error);
    const exitCode = failed.length || unpublished.length ? ExitCode.DATA : o.failOnChange && moved.length ? ExitCode.KPI_MOVED : ExitCode.OK;
    const data = {
      ok: failed.length === 0 && unpublished.length === 0,
      command: 'run',
      asAt,
      quarter: runs[0]!.quarter,
      audience: o.audience,
      store: store.path,
      loads: loads.map(({ problems, ...l }) => ({ ...l, problems: problems.slice(0, 1000) })),
      reports: rendered.map((r) => ({ la: r.la, files: r.files, ...(r.error ? { error: r.error } : {}) })),
      poolSummary: poolFiles,
      changes: diffs.map((d) => ({
        la: d.la,
        lastRunId: d.lastRunId,
        statusChanged: d.kpis.filter((k) => k.statusChangedSinceLastRun || k.statusChangedSincePreviousQuarter).map((k) => ({ id: k.id, now: k.now.status, lastRun: k.lastRun?.status ?? null, previousQuarter: k.previousQuarter?.status ?? null })),
        movedBeyondThreshold: d.kpis.filter((k) => k.movedBeyondThreshold).map((k) => ({ id: k.id, change: k.sinceLastRun })),
      })),
      exitCode,
    };
    return { exitCode, data, human: () => summary(out, loads, runs, diffs, rendered, poolFiles, pool, exitCode, o.failOnChange ?? false) };
  } finally {
    loaded(false); // no-op once the loads have settled it
    const closing = renderPool?.close();
    await stored;
    store.close();
    await closing;
  }
}

function summary(out: Output, loads: LoadOutcome[], runs: KpiRun[], diffs: RunDiff[], rendered: { la: string; files: string[]; error?: { message: string } }[], poolFiles: string[], pool: boolean, exitCode: number, failOnChange: boolean): string {
  const lines: string[] = [];
  for (const l of loads) {
    if (l.errors || !pool) lines.push(describeLoad(out, l, 'load'));
  }
  if (pool) lines.push(`Loaded ${loads.filter((l) => !l.errors).length} of ${loads.length} councils.`);
  for (const d of diffs) {
    const run = runs.find((r) => r.la === d.la)!;
    const changed = d.kpis.filter((k) => k.statusChangedSinceLastRun || k.statusChangedSincePreviousQuarter);
    const moved = d.kpis.filter((k) => k.movedBeyondThreshold);
    if (pool && !changed.length && !moved.length) continue;
    lines.push('', out.style(`${run.laName}, ${run.quarter}`, 'bold') + (d.lastRunId ? ` (compared with the last run, ${d.lastRunId}, and with the previous quarter)` : ' (first run of this quarter; compared with the previous quarter)'));
    if (!changed.length) lines.push('  No KPI changed status.');
    for (const k of changed) {
      const was = k.statusChangedSinceLastRun ? `since the last run: ${STATUS_LABEL[k.lastRun!.status]}` : `last quarter: ${STATUS_LABEL[k.previousQuarter!.status]}`;
      lines.push(`  ${k.id}: ${STATUS_LABEL[k.now.status]} (${was}); now ${fmtPct(k.now.value, k.unit)}`);
    }
    for (const k of moved) {
      lines.push(`  ${out.style('moved', 'yellow')} ${k.id}: ${fmtPct(k.lastRun!.value, k.unit)} -> ${fmtPct(k.now.value, k.unit)} (numerator ${signed(k.sinceLastRun!.numerator)}, denominator ${signed(k.sinceLastRun!.denominator)})`);
    }
  }
  lines.push('', 'Files written:');
  for (const r of rendered) for (const f of relativeFiles(r.files)) if (/\.(html|pdf)$/.test(f)) lines.push(`  ${f}`);
  for (const r of rendered) if (r.error) lines.push(out.style(`  ${r.la}: no report: ${r.error.message}`, 'red'));
  lines.push(`  (+ downloads beside each report, and ${DIFF_FILES.join(' / ')} for officers only)`);
  for (const f of relativeFiles(poolFiles)) lines.push(`  ${f}`);
  if (exitCode === ExitCode.KPI_MOVED && failOnChange) lines.push('', out.style('KPIs moved beyond the threshold since the last run (exit code 4).', 'yellow', 'bold'));
  if (exitCode === ExitCode.DATA) lines.push('', out.style('Some extracts had errors: their councils got no report (exit code 1).', 'red', 'bold'));
  return lines.join('\n');
}

const signed = (v: number | null) => (v === null ? 'n/a' : v > 0 ? `+${v}` : String(v));

/** Pool summary: every council's KPIs side by side (CSV and JSON). */
function writePoolSummary(outRoot: string, asAt: string, runs: KpiRun[]): string[] {
  mkdirSync(outRoot, { recursive: true });
  const ids = runs[0]!.kpis.map((k) => k.id);
  const head = ['la', 'la_name', ...ids.flatMap((id) => [`${id}_value`, `${id}_status`, `${id}_suppressed`])];
  const rows = runs.map((r) => [r.la, `"${r.laName.replace(/"/g, '""')}"`, ...ids.flatMap((id) => {
    const k = r.kpis.find((x) => x.id === id)!;
    return [k.suppressed ? 'c' : k.value === null ? '' : String(Math.round(k.value * 10) / 10), k.status, String(k.suppressed)];
  })]);
  const csv = join(outRoot, `pool-summary-${asAt}.csv`);
  writeFileSync(csv, [head, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  const json = join(outRoot, `pool-summary-${asAt}.json`);
  writeFileSync(json, `${JSON.stringify({ asAt, councils: runs.map((r) => ({ la: r.la, laName: r.laName, kpis: r.kpis.map((k) => ({ id: k.id, value: k.suppressed ? null : k.value, status: k.status, suppressed: k.suppressed })) })) }, null, 2)}\n`);
  return [csv, json];
}

