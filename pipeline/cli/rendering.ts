/** Rendering many reports in one process: one browser, one page, reused for every PDF. */
import { join } from 'node:path';
import { CliError, ExitCode, usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { KpiRun, MetricDef } from '../compute/types.js';
import { PdfRenderer } from '../render/pdf.js';
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

export async function renderReports(
  out: Output,
  store: Store,
  jobs: RenderJob[],
  o: { audience: Audience; formats: Set<'html' | 'pdf'>; outRoot: string; defs: MetricDef[]; renderer?: Promise<PdfRenderer> | null; keepGoing?: boolean },
): Promise<RenderResult[]> {
  // Chromium may have been started by the caller at the beginning of the run (it starts in
  // its own process while the extracts load and the KPIs compute); else on first use.
  let renderer: Promise<PdfRenderer> | null = o.formats.has('pdf') ? (o.renderer ?? null) : null;
  const pdf = () => {
    if (!renderer) {
      out.progress('starting the PDF engine (Chromium)');
      renderer = PdfRenderer.launch();
    }
    return renderer;
  };
  // The HTML of report i+1 is rendered (in this process) while Chromium prints report i (in
  // its own): the two halves of the work run on two cores instead of taking turns.
  const html = (i: number) => {
    const p = new Promise<void>((r) => setImmediate(r)).then(() => renderHtmlFor(jobs[i]!.run, { audience: o.audience, commentary: jobs[i]!.commentary, defs: o.defs }));
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
          pdf: o.formats.has('pdf') ? pdf : null,
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
    if (renderer) await (renderer as Promise<PdfRenderer>).then((r) => r.close()).catch(() => undefined);
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
