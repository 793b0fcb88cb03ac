/**
 * The PDF printer's own DevTools client (pipeline/render/cdp.ts): a PDF is printed and read back,
 * page scripts do not run, requests to any other address are refused, and a Chromium that dies
 * mid-job rejects the pending print instead of hanging.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../pipeline/render/browser.js';
import { CdpBrowser } from '../pipeline/render/cdp.js';
import { cssString, pageBoxesCss, PdfRenderer } from '../pipeline/render/pdf.js';

const TMP = join(import.meta.dirname, '.tmp', 'cdp-test');
const skipTools = process.env.SKIP_PDF_TOOLS === '1';
const text = (pdf: string) => execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const page = (body: string) =>
  `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>CDP test</title></head><body>${body}</body></html>`;
const opts = { title: 'CDP test report', headerText: 'Testshire · 2026-27 Q1' };

let server: Server;
let hits = 0;

beforeAll(async () => {
  rmSync(TMP, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  server = createServer((_req, res) => {
    hits++;
    res.end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('PdfRenderer over CDP', () => {
  it('prints a tagged A4 PDF with header and footer, runs no page script, refuses other requests', async () => {
    const port = (server.address() as AddressInfo).port;
    const renderer = await PdfRenderer.launch();
    const pid = renderer.browserPid!;
    const out = join(TMP, 'a.pdf');
    try {
      await renderer.render(
        page(
          `<h1>Looked after children</h1><p>Ünïcode · text £5</p>` +
            `<img src="http://127.0.0.1:${port}/pixel.png" alt=""><link rel="stylesheet" href="http://127.0.0.1:${port}/x.css">` +
            `<script>document.write('SCRIPT' + 'RAN')</script>`,
        ),
        out,
        { ...opts, watermark: 'OFFICIAL-SENSITIVE' },
      );
      // The renderer is reused for a second report.
      await renderer.render(page('<h1>Second report</h1>'), join(TMP, 'b.pdf'), opts);
    } finally {
      await renderer.close();
    }
    expect(alive(pid)).toBe(false);
    expect(hits).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(statSync(join(TMP, 'b.pdf')).mode & 0o777).toBe(0o644);
    if (skipTools) return;
    const t = text(out);
    expect(t).toContain('Looked after children');
    expect(t).toContain('Ünïcode · text £5');
    expect(t).toContain('Testshire · 2026-27 Q1');
    expect(t).toContain('OFFICIAL-SENSITIVE');
    expect(t).toMatch(/Page 1 of 1/);
    expect(t).not.toContain('SCRIPTRAN');
    const info = execFileSync('pdfinfo', [out], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/\(A4\)$/m);
    expect(text(join(TMP, 'b.pdf'))).toContain('Second report');
  }, 60_000);

  it('prints the header and footer as page-margin boxes, their text escaped, or as templates for a document without a head', async () => {
    // a CSS string cannot end the string, nor the <style> it is put in
    expect(cssString('a "b" \\ </style>\nz')).toBe('"a \\22 b\\22  \\5c  \\3c /style>\\a z"');
    expect(pageBoxesCss({ ...opts, watermark: 'OFFICIAL-SENSITIVE' })).toContain('@top-right { content: "OFFICIAL-SENSITIVE"');
    expect(pageBoxesCss(opts)).not.toContain('@top-right');
    const tricky = { title: 'Report "Q2" \\ </style><p>INJECTED</p>', headerText: 'Testshire · 2026-27 Q1', watermark: 'OFFICIAL-SENSITIVE' };
    const renderer = await PdfRenderer.launch();
    const boxed = join(TMP, 'boxed.pdf');
    const bare = join(TMP, 'bare.pdf');
    try {
      await renderer.render(page('<h1>Boxed</h1>' + '<p>text</p>'.repeat(120)), boxed, tricky);
      await renderer.render('<p>No head at all</p>', bare, opts);
    } finally {
      await renderer.close();
    }
    if (skipTools) return;
    const b = text(boxed);
    expect(b).toContain('Boxed');
    expect(b).toContain('Testshire · 2026-27 Q1');
    expect(b).toContain('OFFICIAL-SENSITIVE');
    expect(b).toContain('Report "Q2" \\ </style><p>INJECTED</p>'); // the title, as text, in the footer
    const pages = Number(/Page 1 of (\d+)/.exec(b)?.[1]);
    expect(pages).toBeGreaterThan(1);
    expect(b).toContain(`Page ${pages} of ${pages}`);
    expect(b.match(/INJECTED/g)).toHaveLength(pages); // once a page: in the footer only
    expect(b.match(/Testshire · 2026-27 Q1/g)).toHaveLength(pages);
    const n = text(bare);
    expect(n).toContain('No head at all');
    expect(n).toContain('Testshire · 2026-27 Q1');
    expect(n).toContain('CDP test report');
    expect(n).toMatch(/Page 1 of 1/);
  }, 60_000);

  it('rejects the pending print, not hangs, when Chromium is killed', async () => {
    const renderer = await PdfRenderer.launch();
    const pid = renderer.browserPid!;
    const big = page('<p>row</p>'.repeat(200_000));
    try {
      const job = renderer.render(big, join(TMP, 'killed.pdf'), opts);
      setTimeout(() => process.kill(pid, 'SIGKILL'), 50);
      await expect(job).rejects.toThrow(/Chromium (exited|closed)/);
      await expect(renderer.render(page('<p>x</p>'), join(TMP, 'after.pdf'), opts)).rejects.toThrow(/Chromium/);
    } finally {
      await renderer.close();
    }
    expect(alive(pid)).toBe(false);
  }, 60_000);
});

describe('CdpBrowser', () => {
  it('answers protocol errors with a clear message, and evaluates with page scripts disabled', async () => {
    const { executablePath, args } = await chromiumLaunchOptions();
    const browser = await CdpBrowser.launch(executablePath, args);
    try {
      await expect(browser.send('No.suchMethod')).rejects.toThrow(/No\.suchMethod failed/);
      const { targetId } = await browser.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      await browser.send('Emulation.setScriptExecutionDisabled', { value: true }, sessionId);
      const r = await browser.send<{ result: { value: unknown } }>('Runtime.evaluate', { expression: 'Promise.resolve(6 * 7)', awaitPromise: true, returnByValue: true }, sessionId);
      expect(r.result.value).toBe(42);
    } finally {
      await browser.close();
    }
    await expect(browser.send('Browser.getVersion')).rejects.toThrow(/Chromium exited|closed/);
  }, 60_000);

  it('fails to launch with a clear error for a missing executable', async () => {
    await expect(CdpBrowser.launch('/nonexistent/chromium', [])).rejects.toThrow(/Chromium/);
  });
});
