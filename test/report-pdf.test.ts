/**
 * The PDF: rendered once per audience with one reused browser, then checked with poppler
 * (pdfinfo, pdftotext, pdffonts). Missing poppler fails the test unless SKIP_PDF_TOOLS=1.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml, WATERMARK } from '../pipeline/render/html.js';
import { PdfRenderer } from '../pipeline/render/pdf.js';
import { loadCommentary, loadDefs, loadRun } from './helpers/render-fixture.js';

const TMP = join(import.meta.dirname, '.tmp', 'pdf-test');
const skipTools = process.env.SKIP_PDF_TOOLS === '1';
const tool = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const run = loadRun();
const out = { public: join(TMP, 'report-public.pdf'), internal: join(TMP, 'report-internal.pdf') };

beforeAll(async () => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  const renderer = await PdfRenderer.launch();
  try {
    for (const audience of ['public', 'internal'] as const) {
      const { html } = await renderReportHtml(run, { audience, commentary: loadCommentary(), defs: loadDefs() });
      await renderer.render(html, out[audience], {
        title: `${run.laName} Corporate Parenting Panel report, ${run.quarter}`,
        headerText: `${run.laName} · ${run.quarter}`,
        watermark: audience === 'internal' ? WATERMARK : undefined,
      });
    }
  } finally {
    await renderer.close();
  }
}, 240_000);

describe('report PDF', () => {
  it('writes PDFs, internal ones readable by the owner only', () => {
    for (const p of Object.values(out)) expect(readFileSync(p).subarray(0, 5).toString()).toBe('%PDF-');
    expect(statSync(out.internal).mode & 0o777).toBe(0o600);
    expect(statSync(out.public).mode & 0o777).toBe(0o644);
    // The document language is set in the catalog (from <html lang>).
    expect(readFileSync(out.public).toString('latin1')).toMatch(/\/Lang \(en-GB\)/);
  });

  describe.skipIf(skipTools)('poppler checks', () => {
    beforeAll(() => {
      try {
        tool('pdfinfo', ['-v']);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pdfinfo not found: apt-get install -y poppler-utils (or set SKIP_PDF_TOOLS=1)');
      }
    });

    it('is tagged, A4, titled', () => {
      const info = tool('pdfinfo', [out.public]);
      expect(info).toMatch(/^Tagged:\s+yes$/m);
      expect(info).toMatch(/^Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)$/m);
      expect(info).toMatch(/^Title:\s+Harrow Corporate Parenting Panel report, 2025-26 Q2$/m);
      // About one page per KPI, KPIs flowing within a theme (it was 57 pages with a page break before each KPI).
      const pages = Number(/^Pages:\s+(\d+)$/m.exec(info)![1]);
      expect(pages).toBeGreaterThanOrEqual(10);
      expect(pages).toBeLessThanOrEqual(30);
    });

    it('has no nearly empty page between the cover and the last page', () => {
      const pages = tool('pdftotext', [out.public, '-']).split('\f').filter((p) => p.trim());
      // The running header and footer alone are about 100 characters; a page that holds only a
      // stray line ("Commentary: none") or one table row is well under 400.
      pages.slice(1, -1).forEach((p, i) => expect(p.replace(/\s+/g, '').length, `page ${i + 2}: ${p.slice(0, 200)}`).toBeGreaterThan(400));
    });

    it('contains every KPI title, page numbers and the header', () => {
      const text = tool('pdftotext', ['-layout', out.public, '-']).replace(/\s+/g, ' ');
      for (const k of run.kpis) expect(text).toContain(k.title.replace(/\s+/g, ' '));
      expect(text).toMatch(/Page 1 of \d+/);
      expect(text).toContain('Harrow · 2025-26 Q2');
      expect(text).not.toContain('OFFICIAL-SENSITIVE');
      expect(text).not.toContain('CL0042');
      expect(text).toContain('Contains OS data © Crown copyright and database right 2025');
    });

    it('marks every page of the internal PDF and includes the annex', () => {
      const pages = tool('pdftotext', [out.internal, '-']).split('\f').filter((p) => p.trim());
      expect(pages.length).toBeGreaterThanOrEqual(10);
      for (const [i, p] of pages.entries()) expect(p, `page ${i + 1}`).toContain(WATERMARK);
      expect(pages.join('')).toContain('CL0042');
    });

    it('embeds every font', () => {
      for (const p of Object.values(out)) {
        const lines = tool('pdffonts', [p]).trim().split('\n').slice(2);
        expect(lines.length).toBeGreaterThan(0);
        for (const l of lines) {
          // Columns: name type encoding emb sub uni object ID; name may be absent for Type 3 fonts.
          const cols = l.trim().split(/\s+/);
          expect(cols[cols.length - 5], l).toBe('yes');
        }
      }
    });
  });
});
