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

/**
 * The page is only ever printed: hidden on screen (a style for screen media only, which print
 * ignores), it is laid out once, for print, instead of three times (on screen, again when its
 * web fonts arrive, and again after printing). The PDF is the same. Null when the document
 * has no </head> to put the style in.
 */
export function hiddenOnScreen(html: string): string | null {
  const at = html.indexOf('</head>');
  return at < 0 ? null : `${html.slice(0, at)}<style media="screen">html { display: none !important; }</style>${html.slice(at)}`;
}

/**
 * The address the report is opened at: its HTML is served to the page from this process
 * (route.fulfill), which Chromium reads as a network response, faster than page.setContent's
 * document.write of a 1 MB string. .invalid never resolves; every other request is refused.
 */
const REPORT_URL = 'http://report.invalid/';

export class PdfRenderer {
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    /** The document REPORT_URL serves (the report being printed). */
    private readonly served: { html: string },
  ) {}

  static async launch(): Promise<PdfRenderer> {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      const served = { html: '' };
      // A self-contained report makes no requests; refuse any that slip through.
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url === REPORT_URL) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: served.html });
        return url.startsWith('data:') ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      return new PdfRenderer(browser, page, served);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  private async open(html: string): Promise<void> {
    this.served.html = html;
    try {
      await this.page.goto(REPORT_URL, { waitUntil: 'load' });
    } finally {
      this.served.html = '';
    }
  }

  async render(html: string, outPath: string, opts: PdfOptions): Promise<void> {
    const hidden = hiddenOnScreen(html);
    let ready = false;
    if (hidden) {
      await this.open(hidden);
      // Nothing on screen asks for the web fonts, so they are loaded here, before printing
      // (font-display: block would print their text invisible). Should that fail, the page is
      // laid out on screen as before, which loads them.
      ready = await this.page
        .evaluate(async () => {
          const faces = Array.from(document.fonts as unknown as Iterable<FontFace>);
          await Promise.all(faces.map((f) => f.load()));
          return faces.every((f) => f.status === 'loaded');
        })
        .catch(() => false);
    }
    if (!ready) {
      await this.open(html);
      await this.page.evaluate(() => document.fonts.ready.then(() => undefined)).catch(() => undefined);
    }
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
