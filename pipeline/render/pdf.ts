/**
 * HTML -> tagged, A4 PDF with headless Chromium, driven over the DevTools protocol (cdp.ts;
 * playwright-core cost more CPU to load than Chromium takes to start). One browser and one page
 * are reused for every report of a run: launch() once, render() per report, close() at the end.
 */
import { chmod, rename, writeFile } from 'node:fs/promises';
import { chromiumLaunchOptions } from './browser.js';
import { CdpBrowser, type CdpEvent } from './cdp.js';

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

/** A CSS string: quotes, backslashes, line breaks and "<" (which could end the <style>) escaped. */
export const cssString = (s: string) => `"${s.replace(/[\\"<\n\r]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;

const FONT_CSS = 'font-family: Arial, Helvetica, sans-serif; font-size: 8pt;';
const BOX_CSS = `${FONT_CSS} color: #0b0c0c;`;

/**
 * The same header and footer as headerTemplate and footerTemplate, as CSS page-margin boxes:
 * laid out with the document, where Chromium lays a template out as a document of its own for
 * every page (about 0.1 s of a 29-page report's print). Neither is tagged in the PDF.
 */
export function pageBoxesCss(opts: PdfOptions): string {
  const mark = opts.watermark
    ? ` @top-right { content: ${cssString(opts.watermark)}; ${FONT_CSS} color: #942514; font-weight: bold; border: 1px solid #942514; padding: 0.5mm 2mm; width: max-content; margin: 7mm 0 7mm auto; }`
    : '';
  return `@page { @top-left { content: ${cssString(opts.headerText)}; ${BOX_CSS} }${mark}` +
    ` @bottom-left { content: ${cssString(opts.title)}; ${BOX_CSS} } @bottom-right { content: "Page " counter(page) " of " counter(pages); ${BOX_CSS} } }`;
}

/** The document with this CSS added at the end of its <head>; null when it has no </head>. */
const withHeadCss = (html: string, css: string): string | null => {
  const at = html.indexOf('</head>');
  return at < 0 ? null : `${html.slice(0, at)}<style>${css}</style>${html.slice(at)}`;
};

/**
 * The document as it is printed, and the print options for its header and footer: the header
 * and footer as page-margin boxes in its <head> (pageBoxesCss), or, for a document with no
 * </head> to put them in, Chromium's templates. (Page.printToPDF and playwright's page.pdf name
 * these options alike.)
 */
export function printable(html: string, opts: PdfOptions): { html: string; headerFooter: { displayHeaderFooter: boolean; headerTemplate?: string; footerTemplate?: string } } {
  const boxed = withHeadCss(html, pageBoxesCss(opts));
  return boxed === null
    ? { html, headerFooter: { displayHeaderFooter: true, headerTemplate: headerTemplate(opts), footerTemplate: footerTemplate(opts) } }
    : { html: boxed, headerFooter: { displayHeaderFooter: false } };
}

/**
 * The page is only ever printed: hidden on screen (a style for screen media only, which print
 * ignores), it is laid out once, for print, instead of three times (on screen, again when its
 * web fonts arrive, and again after printing). The PDF is the same. Null when the document
 * has no </head> to put the style in.
 */
export function hiddenOnScreen(html: string): string | null {
  return withHeadCss(html, '@media screen { html { display: none !important; } }');
}

/**
 * The address the report is opened at: its HTML is served to the page from this process
 * (Fetch.fulfillRequest), which Chromium reads as a network response, faster than page.setContent's
 * document.write of a 1 MB string. .invalid never resolves; every other request is refused.
 */
const REPORT_URL = 'http://report.invalid/';

/** What playwright's page.pdf sent for format A4 and margins in mm (1 mm = 3.78 px, 96 px an inch). */
const A4 = { paperWidth: 8.27, paperHeight: 11.7 };
const mm = (n: number) => (n * 3.78) / 96;

/** The default font families playwright sets on Linux (Page.setFontFamilies). */
const FONT_FAMILIES = {
  standard: 'Times New Roman',
  fixed: 'Monospace',
  serif: 'Times New Roman',
  sansSerif: 'Arial',
  cursive: 'Comic Sans MS',
  fantasy: 'Impact',
};

/** Loads every web font of the page; true when all loaded. Run by DevTools, with page scripts disabled. */
const LOAD_FONTS = `(async () => {
  const faces = Array.from(document.fonts);
  await Promise.all(faces.map((f) => f.load()));
  return faces.every((f) => f.status === 'loaded');
})()`;

export class PdfRenderer {
  private constructor(
    private readonly browser: CdpBrowser,
    /** The flattened session of the one page. */
    private readonly session: string,
    /** The document REPORT_URL serves (the report being printed). */
    private readonly served: { html: string },
  ) {}

  static async launch(): Promise<PdfRenderer> {
    const { executablePath, args } = await chromiumLaunchOptions();
    const browser = await CdpBrowser.launch(executablePath, args);
    try {
      const { targetId } = await browser.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      const served = { html: '' };
      // A self-contained report makes no requests; refuse any that slip through.
      browser.on((e) => {
        if (e.method !== 'Fetch.requestPaused' || e.sessionId !== sessionId) return;
        const requestId = e.params.requestId as string;
        const url = (e.params.request as { url: string }).url;
        const reply =
          url === REPORT_URL
            ? browser.send(
                'Fetch.fulfillRequest',
                { requestId, responseCode: 200, responseHeaders: [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }], body: Buffer.from(served.html).toString('base64') },
                sessionId,
              )
            : url.startsWith('data:')
              ? browser.send('Fetch.continueRequest', { requestId }, sessionId)
              : browser.send('Fetch.failRequest', { requestId, errorReason: 'Failed' }, sessionId);
        reply.catch(() => undefined); // the navigation then fails or times out, and says so
      });
      await Promise.all([
        browser.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] }, sessionId),
        browser.send('Page.enable', {}, sessionId),
        browser.send('Page.setLifecycleEventsEnabled', { enabled: true }, sessionId),
        browser.send('Page.setFontFamilies', { fontFamilies: FONT_FAMILIES }, sessionId),
        browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 720, deviceScaleFactor: 1, mobile: false }, sessionId),
        browser.send('Emulation.setScriptExecutionDisabled', { value: true }, sessionId),
      ]);
      return new PdfRenderer(browser, sessionId, served);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  private async open(html: string): Promise<void> {
    this.served.html = html;
    // The page's load event for this navigation (its loader), whichever arrives first.
    const loaded = new Set<string>();
    const off = this.browser.on((e: CdpEvent) => {
      if (e.sessionId === this.session && e.method === 'Page.lifecycleEvent' && e.params.name === 'load') loaded.add(e.params.loaderId as string);
    });
    try {
      const nav = await this.browser.send<{ loaderId?: string; errorText?: string }>('Page.navigate', { url: REPORT_URL }, this.session);
      if (nav.errorText) throw new Error(`Chromium could not open the report: ${nav.errorText}`);
      const loaderId = nav.loaderId;
      if (!loaderId || !loaded.has(loaderId)) {
        const wait = this.browser.waitFor(
          'the report page load',
          (e) => e.sessionId === this.session && e.method === 'Page.lifecycleEvent' && e.params.name === 'load' && (!loaderId || e.params.loaderId === loaderId),
        );
        if (loaderId && loaded.has(loaderId)) wait.cancel();
        else await wait.done;
      }
    } finally {
      off();
      this.served.html = '';
    }
  }

  /** The value of `expression` (awaited), or undefined when it throws. */
  private async evaluate(expression: string): Promise<unknown> {
    const r = await this.browser.send<{ result?: { value?: unknown }; exceptionDetails?: unknown }>(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
      this.session,
    );
    return r.exceptionDetails ? undefined : r.result?.value;
  }

  async render(html: string, outPath: string, opts: PdfOptions): Promise<void> {
    const doc = printable(html, opts);
    const hidden = hiddenOnScreen(doc.html); // null, as printable's boxes, for a document with no </head>
    let ready = false;
    if (hidden) {
      await this.open(hidden);
      // Nothing on screen asks for the web fonts, so they are loaded here, before printing
      // (font-display: block would print their text invisible). Should that fail, the page is
      // laid out on screen as before, which loads them.
      ready = (await this.evaluate(LOAD_FONTS).catch(() => false)) === true;
    }
    if (!ready) {
      await this.open(doc.html);
      await this.evaluate('document.fonts.ready.then(() => undefined)').catch(() => undefined);
    }
    const { stream } = await this.browser.send<{ stream: string }>(
      'Page.printToPDF',
      {
        transferMode: 'ReturnAsStream',
        landscape: false,
        ...doc.headerFooter,
        printBackground: true,
        scale: 1,
        ...A4,
        marginTop: mm(20),
        marginBottom: mm(18),
        marginLeft: mm(15),
        marginRight: mm(15),
        pageRanges: '',
        preferCSSPageSize: false,
        generateTaggedPDF: true,
        generateDocumentOutline: true,
      },
      this.session,
    );
    const chunks: Buffer[] = [];
    try {
      for (;;) {
        const r = await this.browser.send<{ data: string; base64Encoded?: boolean; eof: boolean }>('IO.read', { handle: stream, size: 4 << 20 }, this.session);
        chunks.push(Buffer.from(r.data, r.base64Encoded ? 'base64' : 'utf8'));
        if (r.eof) break;
      }
    } finally {
      await this.browser.send('IO.close', { handle: stream }, this.session).catch(() => undefined);
    }
    const pdf = Buffer.concat(chunks);
    const mode = opts.watermark ? 0o600 : 0o644;
    const tmp = `${outPath}.tmp-${process.pid}`;
    await writeFile(tmp, pdf, { mode });
    await chmod(tmp, mode);
    await rename(tmp, outPath);
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** For tests: the Chromium process id. */
  get browserPid(): number | undefined {
    return this.browser.pid;
  }
}
