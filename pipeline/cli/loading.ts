/** load and validate: recognise, stage, validate and (load) store one extract atomically. */
import { join, relative, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { CliError, ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { IsoDate } from '../core/dates.js';
import { loadExtracts, stageExtract, writeProblemsCsv, type IngestResult, type Problem } from '../ingest/ingest.js';
import { Store } from '../store/store.js';
import type { LaInfo } from '../compute/reference.js';
import { problemsTable, summariseProblems } from './problems.js';

export interface LoadOutcome {
  la: string;
  asAt: IsoDate;
  data: string;
  loaded: boolean;
  rowCounts: Record<string, number>;
  errors: number;
  warnings: number;
  problems: Problem[];
  validationReport: string | null;
}

export function reportDir(outRoot: string, la: string, asAt: IsoDate): string {
  return resolve(outRoot, la, asAt);
}

/** Validate (dryRun) or load one extract; writes the validation report CSV when there are problems. */
export async function loadOne(
  out: Output,
  store: Store | null,
  dir: string,
  la: LaInfo,
  asAt: IsoDate,
  opts: { outRoot: string; dryRun?: boolean; validationFile?: string },
): Promise<LoadOutcome> {
  out.progress(`${opts.dryRun ? 'validating' : 'loading'} ${la.name} (${la.ons}) at ${asAt} from ${dir}`);
  const onProgress = (m: string) => out.progress(m);
  if (opts.dryRun || !store) {
    const mem = await Store.memory();
    try {
      const res = { ...(await stageExtract(mem, dir, { la: la.ons, asAt, onProgress })), loaded: false };
      return outcome(res, dir, la, asAt, opts);
    } finally {
      mem.close();
    }
  }
  return (await loadMany(out, store, [{ dir, la }], asAt, opts))[0]!;
}

/**
 * Load many extracts (a pool) into the store: staged and checked together in batches, each
 * extract stored only when it has no error. Writes each one's validation report.
 */
export async function loadMany(
  out: Output,
  store: Store,
  extracts: { dir: string; la: LaInfo }[],
  asAt: IsoDate,
  opts: { outRoot: string; validationFile?: string },
): Promise<LoadOutcome[]> {
  const res = await loadExtracts(store, extracts.map((e) => ({ dir: e.dir, la: e.la.ons, asAt })), { onProgress: (m) => out.progress(m) });
  return res.map((r, i) => outcome(r, extracts[i]!.dir, extracts[i]!.la, asAt, opts));
}

function outcome(res: IngestResult & { loaded: boolean }, dir: string, la: LaInfo, asAt: IsoDate, opts: { outRoot: string; validationFile?: string }): LoadOutcome {
  const s = summariseProblems(res.problems);
  let validationReport: string | null = null;
  if (res.problems.length) {
    validationReport = opts.validationFile ? resolve(opts.validationFile) : join(reportDir(opts.outRoot, la.ons, asAt), 'validation-report.csv');
    mkdirSync(resolve(validationReport, '..'), { recursive: true });
    writeProblemsCsv(validationReport, res.problems);
  }
  return { la: la.ons, asAt, data: dir, loaded: res.loaded, rowCounts: res.rowCounts, errors: s.errors, warnings: s.warnings, problems: res.problems, validationReport };
}

/** Human summary of a load/validate outcome. */
export function describeLoad(out: Output, o: LoadOutcome, verb: 'load' | 'validate'): string {
  const lines: string[] = [];
  const counts = Object.entries(o.rowCounts).map(([t, n]) => `${t} ${n}`).join(', ');
  if (o.problems.length) lines.push(problemsTable(out, o.problems), '');
  if (o.errors) {
    lines.push(out.style(`${o.errors} error(s), ${o.warnings} warning(s): ${verb === 'load' ? 'nothing was loaded; the store is unchanged' : 'this extract would not load'}.`, 'red', 'bold'));
  } else if (verb === 'load') {
    lines.push(out.style(`Loaded ${o.la} at ${o.asAt}`, 'green', 'bold') + ` (${counts})${o.warnings ? `, ${o.warnings} warning(s)` : ''}.`);
  } else {
    lines.push(out.style(`Valid: ${o.la} at ${o.asAt}`, 'green', 'bold') + ` (${counts})${o.warnings ? `, ${o.warnings} warning(s)` : ''}.`);
  }
  if (o.validationReport) lines.push(`Validation report: ${relative(process.cwd(), o.validationReport) || o.validationReport}`);
  return lines.join('\n');
}

export function failIfErrors(o: LoadOutcome): void {
  if (o.errors) {
    throw new CliError(ExitCode.DATA, `${o.errors} data error(s) in ${o.data}: nothing was loaded`, {
      hint: `Fix the rows listed${o.validationReport ? ` (all of them are in ${o.validationReport})` : ''} and run again.`,
    });
  }
}
