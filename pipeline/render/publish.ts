/**
 * Publishing one KpiRun: the HTML report, the PDF from the same HTML, the downloads, and
 * for the public audience the automatic check that no child data leaked (a leak deletes the
 * outputs and fails the run). Internal outputs are written readable by the owner only.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatLong, quarterLabel } from '../core/dates.js';
import { CliError, ExitCode } from '../core/errors.js';
import type { LaConfig } from '../compute/config.js';
import type { KpiRun, MetricDef } from '../compute/types.js';
import type { Store } from '../store/store.js';
import type { SvgRenderer } from './charts.js';
import type { RenderedReport } from './html.js';
import type { PdfPrinter } from './pool.js';
import type { Leak } from './privacy.js';

// The renderer's modules (Handlebars, markdown-it, vega, apache-arrow...) load on first use:
// findCommentary is all a command needs before its extract has loaded.
const htmlModule = () => import('./html.js');
const downloadsModule = () => import('./downloads.js');
const privacyModule = () => import('./privacy.js');

export type Audience = 'public' | 'internal';
export const INTERNAL_MARK = 'OFFICIAL-SENSITIVE, not for publication';

export interface PublishOptions {
  audience: Audience;
  formats: Set<'html' | 'pdf'>;
  outDir: string; // <out>/<LA>/<date>
  defs: MetricDef[];
  commentary: string | null;
  pdf: (() => Promise<PdfPrinter>) | null;
  store: Store;
  onProgress?: (m: string) => void;
  /** Draws the charts (the render workers' svg, pool.ts); default: vega in this thread. */
  toSvg?: SvgRenderer;
  /** The HTML already being rendered (renderHtmlFor), so a pool renders report N+1 while Chromium prints report N. */
  html?: Promise<RenderedReport>;
  /** Called when Chromium starts printing this report (the moment to start rendering the next one). */
  onPdf?: () => void;
  /** Work for the wait while Chromium prints, once the privacy check is done (e.g. a store CHECKPOINT). */
  whilePrinting?: () => Promise<void>;
}

/** The run as the audience sees it: the public report never carries the exceptions annex. */
const runFor = (run: KpiRun, audience: Audience): KpiRun => (audience === 'public' ? { ...run, exceptions: undefined } : run);

/** Start rendering the HTML of a report (what publish would render for this run and audience). */
export async function renderHtmlFor(run: KpiRun, o: Pick<PublishOptions, 'audience' | 'commentary' | 'defs' | 'toSvg'>): Promise<RenderedReport> {
  const { renderReportHtml } = await htmlModule();
  return renderReportHtml(runFor(run, o.audience), { audience: o.audience, commentary: o.commentary ?? undefined, defs: o.defs, toSvg: o.toSvg });
}

export interface Published { files: string[]; warnings: string[] }

export const reportBase = (run: KpiRun, audience: Audience) =>
  `panel-report-${run.la}-${run.asAt}${audience === 'internal' ? '-INTERNAL-OFFICIAL-SENSITIVE' : ''}`;

/** Commentary: --commentary FILE, else the config's folder (<date>.md or <2025-26-Q2>.md), else commentary.md in the extract folder. */
export function findCommentary(opts: { file?: string; config?: LaConfig; dataDir?: string; asAt: string }): string | null {
  if (opts.file) {
    if (!existsSync(opts.file)) throw new CliError(ExitCode.USAGE, `commentary file ${opts.file} not found`);
    return readFileSync(opts.file, 'utf8');
  }
  const q = quarterLabel(opts.asAt).replace(' ', '-');
  const candidates = [
    ...(opts.config?.commentary ? [join(opts.config.commentary, `${opts.asAt}.md`), join(opts.config.commentary, `${q}.md`)] : []),
    ...(opts.dataDir ? [join(opts.dataDir, 'commentary.md')] : []),
  ];
  const f = candidates.find((c) => existsSync(c));
  return f ? readFileSync(f, 'utf8') : null;
}

export async function publish(run: KpiRun, o: PublishOptions): Promise<Published> {
  const outDir = resolve(o.outDir);
  mkdirSync(outDir, { recursive: true, mode: o.audience === 'internal' ? 0o700 : 0o755 });
  const base = reportBase(run, o.audience);
  const mode = o.audience === 'internal' ? 0o600 : 0o644;
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => {
    const p = join(outDir, name);
    writeFileSync(p, data, { mode });
    chmodSync(p, mode);
    files.push(p);
    return p;
  };
  const forRender = runFor(run, o.audience);
  o.onProgress?.(`rendering the ${o.audience} HTML report for ${run.laName}`);
  const rendered = await (o.html ?? renderHtmlFor(run, o));
  const html = typeof rendered === 'string' ? rendered : rendered.html;
  const warnings = typeof rendered === 'string' ? [] : (rendered.warnings ?? []);
  const htmlPath = join(outDir, `${base}.html`);
  // Chromium prints (in its own process) while this thread writes the HTML and the downloads
  // and runs the privacy check; a leak deletes the PDF too, once it is written.
  const pdfPath = join(outDir, `${base}.pdf`);
  let printing: Promise<{ ok: true } | { ok: false; error: unknown }> | null = null;
  if (o.formats.has('pdf') && o.pdf) {
    o.onProgress?.(`printing the PDF for ${run.laName}`);
    const renderer = await o.pdf();
    printing = renderer
      .render(html, pdfPath, {
        title: `Corporate Parenting Panel report: ${run.laName}, ${run.quarter}`,
        headerText: `${run.laName} · ${run.quarter} · as at ${formatLong(run.asAt)}`,
        watermark: o.audience === 'internal' ? INTERNAL_MARK : undefined,
      })
      .then(() => ({ ok: true as const }), (error: unknown) => ({ ok: false as const, error }));
    o.onPdf?.();
  }
  let leaks: Leak[] = [];
  let failed: { error: unknown } | null = null;
  try {
    if (o.formats.has('html')) write(`${base}.html`, html);
    const { writeDownloads } = await downloadsModule();
    const downloads = await writeDownloads(outDir, base, forRender, o.audience);
    for (const f of downloads) chmodSync(f, mode);
    files.push(...downloads);
    if (o.audience === 'public') {
      const texts = [{ file: `${base}.html`, text: html }, ...downloads.filter((f) => !f.endsWith('.arrow')).map((f) => ({ file: f.slice(outDir.length + 1), text: readFileSync(f, 'utf8') }))];
      const ownDates = [run.asAt, ...run.kpis.flatMap((k) => k.history.map((h) => h.r)), run.generatedAt.slice(0, 10), ...(run.loadedAt ? [run.loadedAt.slice(0, 10)] : [])];
      const { findLeaks } = await privacyModule();
      leaks = await findLeaks(o.store, run.la, texts, [...new Set(ownDates)]);
    }
  } catch (error) {
    failed = { error };
  }
  if (printing && o.whilePrinting) await o.whilePrinting().catch(() => undefined);
  const printed = printing ? await printing : null;
  if (printed?.ok) {
    chmodSync(pdfPath, mode);
    files.push(pdfPath);
  }
  if (failed) throw failed.error;
  if (leaks.length) {
    for (const f of files) rmSync(f, { force: true });
    if (!o.formats.has('html')) rmSync(htmlPath, { force: true });
    throw new CliError(ExitCode.DATA, `the public report for ${run.laName} would have published child data (${leaks.length} item(s): ${[...new Set(leaks.map((l) => `${l.kind} in ${l.file}`))].join('; ')}); its files were deleted`, {
      hint: 'Most often the commentary names a child, a date of birth or a postcode: remove it and run again. Values are not printed here on purpose.',
      details: leaks.map((l) => ({ file: l.file, kind: l.kind })),
    });
  }
  if (printed && !printed.ok) throw printed.error;
  return { files, warnings };
}
