/** Rendering many reports in one process: one browser, one page, reused for every PDF. */
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { KpiRun, MetricDef } from '../compute/types.js';
import { PdfRenderer } from '../render/pdf.js';
import { publish, type Audience } from '../render/publish.js';
import type { Store } from '../store/store.js';
import { reportDir } from './loading.js';

export interface RenderJob { run: KpiRun; commentary: string | null }

export async function renderReports(
  out: Output,
  store: Store,
  jobs: RenderJob[],
  o: { audience: Audience; formats: Set<'html' | 'pdf'>; outRoot: string; defs: MetricDef[] },
): Promise<{ la: string; files: string[]; warnings: string[] }[]> {
  let renderer: PdfRenderer | null = null;
  const pdf = async () => {
    if (!renderer) {
      out.progress('starting the PDF engine (Chromium)');
      renderer = await PdfRenderer.launch();
    }
    return renderer;
  };
  const results: { la: string; files: string[]; warnings: string[] }[] = [];
  try {
    for (const [i, job] of jobs.entries()) {
      out.progress(`report ${i + 1}/${jobs.length}: ${job.run.laName}`);
      const res = await publish(job.run, {
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
    }
  } finally {
    if (renderer) await (renderer as PdfRenderer).close();
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
