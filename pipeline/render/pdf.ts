/**
 * HTML -> tagged, A4 PDF with headless Chromium (playwright-core). One browser and one page
 * are reused for every report of a run: launch() once, render() per report, close() at the end.
 */
import { chmod, rename, writeFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser.js';

export interface PdfOptions {
  /** Shown in the PDF title bar via the HTML <title>; kept here for the header. */
  title: string;
  /** Page header text, e.g. "Harrow · 2025-26 Q2". */
  headerText: string;
  /** Internal audience: printed in every page header; the file is written with mode 0600. */
  watermark?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const BOX = 'font-family: Arial, Helvetica, sans-serif; font-size: 8pt; color: #0b0c0c; width: 100%; margin: 0 15mm; display: flex; justify-content: space-between; align-items: center;';

export function headerTemplate(opts: PdfOptions): string {
  const mark = opts.watermark
    ? `<span style="color: #942514; font-weight: bold; border: 1px solid #942514; padding: 0.5mm 2mm;">${esc(opts.watermark)}</span>`
    : '<span></span>';
  return `<div style="${BOX}"><span>${esc(opts.headerText)}</span>${mark}</div>`;
}

export function footerTemplate(opts: PdfOptions): string {
  return `<div style="${BOX}"><span>${esc(opts.title)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
}

export class PdfRenderer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async launch(): Promise<PdfRenderer> {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      // A self-contained report makes no requests; refuse any that slip through.
      await context.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      const page = await context.newPage();
      await page.emulateMedia({ media: 'print' });
      return new PdfRenderer(browser, page);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  async render(html: string, outPath: string, opts: PdfOptions): Promise<void> {
    await this.page.setContent(html, { waitUntil: 'load' });
    await this.page.evaluate(() => document.fonts.ready.then(() => undefined)).catch(() => undefined);
    const pdf = await this.page.pdf({
      format: 'A4',
      printBackground: true,
      tagged: true,
      outline: true,
      displayHeaderFooter: true,
      headerTemplate: headerTemplate(opts),
      footerTemplate: footerTemplate(opts),
      margin: { top: '20mm', bottom: '18mm', left: '15mm', right: '15mm' },
    });
    const mode = opts.watermark ? 0o600 : 0o644;
    const tmp = `${outPath}.tmp-${process.pid}`;
    await writeFile(tmp, pdf, { mode });
    await chmod(tmp, mode);
    await rename(tmp, outPath);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
