/**
 * Rendering many reports in one process: one browser with one page, driven from a worker
 * thread and reused for every PDF (pipeline/render/pool.ts).
 */
import { join } from 'node:path';
import { CliError, ExitCode, usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { KpiRun, MetricDef } from '../compute/types.js';
import { RenderPool } from '../render/pool.js';
import { publish, renderHtmlFor, type Audience } from '../render/publish.js';
import type { Store } from '../store/store.js';
import { reportDir } from './loading.js';

export interface RenderJob { run: KpiRun; commentary: string | null }

export interface RenderResult {
  la: string;
  files: string[];
  warnings: string[];
  /** A data problem that stopped this report (e.g. the privacy check): its files were deleted. */
  error?: { message: string; hint: string | null };
}

/**
 * Start what rendering needs while the KPIs compute: Chromium (in its worker, when PDFs are
 * asked for) and this thread's renderer, warmed up. The load keeps both cores of a two-core
 * machine busy (DuckDB), the KPI queries about one and a half, so this is when the second
 * core has room; started at the beginning of a run it slows the load down. Pass the pool to
 * renderReports, and close it.
 */
export function prepareRender(formats: Set<'html' | 'pdf'>): RenderPool {
  const pool = RenderPool.start({ pdf: formats.has('pdf') });
  pool.warmUp();
  return pool;
}

export async function renderReports(
  out: Output,
  store: Store,
  jobs: RenderJob[],
  o: { audience: Audience; formats: Set<'html' | 'pdf'>; outRoot: string; defs: MetricDef[]; pool?: RenderPool | null; keepGoing?: boolean },
): Promise<RenderResult[]> {
  // Chromium may have been started by the caller (prepareRender, while the KPIs compute); else now.
  if (!o.pool && o.formats.has('pdf')) out.progress('starting the PDF engine (Chromium)');
  const pool = o.pool ?? RenderPool.start({ pdf: o.formats.has('pdf') });
  const printer = o.formats.has('pdf') ? pool.printer() : null;
  const pdf = printer ? () => Promise.resolve(printer) : null;
  // The HTML of report i+1 is rendered (in this thread) while Chromium prints report i (in
  // its own process, driven from its worker): the two halves of the work run on two cores.
  const html = (i: number) => {
    const p = new Promise<void>((r) => setImmediate(r)).then(() => renderHtmlFor(jobs[i]!.run, { audience: o.audience, commentary: jobs[i]!.commentary, defs: o.defs, toSvg: pool.svg }));
    p.catch(() => undefined); // awaited by its publish; never an unhandled rejection meanwhile
    return p;
  };
  const results: RenderResult[] = [];
  let next: ReturnType<typeof html> | null = null;
  try {
    for (const [i, job] of jobs.entries()) {
      out.progress(`report ${i + 1}/${jobs.length}: ${job.run.laName}`);
      const current = next ?? html(i);
      next = null;
      try {
        const res = await publish(job.run, {
          html: current,
          onPdf: i + 1 < jobs.length ? () => { next = html(i + 1); } : undefined,
          audience: o.audience,
          formats: o.formats,
          outDir: reportDir(o.outRoot, job.run.la, job.run.asAt),
          defs: o.defs,
          commentary: job.commentary,
          pdf,
          toSvg: pool.svg,
          // the last report: the store writes its log to the file now, while Chromium prints,
          // rather than when it closes
          whilePrinting: i + 1 === jobs.length ? () => store.run('CHECKPOINT') : undefined,
          store,
          onProgress: (m) => out.progress(m),
        });
        results.push({ la: job.run.la, ...res });
      } catch (err) {
        // In a pool, one council's data problem (exit 1) does not stop the others' reports.
        if (!o.keepGoing || !(err instanceof CliError) || err.exitCode !== ExitCode.DATA) throw err;
        out.warn(`${job.run.laName}: ${err.message}`);
        results.push({ la: job.run.la, files: [], warnings: [], error: { message: err.message, hint: err.hint ?? null } });
      }
    }
  } finally {
    if (!o.pool) await pool.close();
  }
  return results;
}

export function parseFormats(v: string | undefined): Set<'html' | 'pdf'> {
  const parts = (v ?? 'html,pdf').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = parts.filter((p) => p !== 'html' && p !== 'pdf');
  if (bad.length || !parts.length) throw usageError(`--format ${v} is not valid`, 'Give html, pdf or html,pdf.');
  return new Set(parts as ('html' | 'pdf')[]);
}

export const relativeFiles = (files: string[]) => files.map((f) => (f.startsWith(process.cwd()) ? join('.', f.slice(process.cwd().length)) : f));
