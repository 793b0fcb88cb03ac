/**
 * Accessibility: the report HTML (public and internal) opened in headless Chromium and checked
 * with axe-core for WCAG 2.0/2.1/2.2 A and AA: zero violations allowed.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../pipeline/render/browser.js';
import { renderReportHtml } from '../pipeline/render/html.js';
import { loadCommentary, loadDefs, loadRun } from './helpers/render-fixture.js';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let browser: Browser;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];

// One context and one page for every audit: the bundled Chromium runs --single-process, where a
// second browser context can hang.
beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext();
  context.on('request', (r) => {
    if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
  });
  page = await context.newPage();
});
afterAll(async () => {
  await browser?.close();
});

async function audit(audience: 'public' | 'internal', width: number) {
  const { html } = await renderReportHtml(loadRun(), { audience, commentary: loadCommentary(), defs: loadDefs() });
  requests.length = 0;
  await page.setViewportSize({ width, height: 900 });
  {
    await page.setContent(html, { waitUntil: 'load' });
    const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    const report = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n')}`,
    );
    if (report.length) console.error(`axe violations (${audience}, ${width}px):\n${report.join('\n')}`);
    expect(report).toEqual([]);
    expect(results.passes.length).toBeGreaterThan(10);
    // A self-contained file: no network requests at all.
    expect(requests).toEqual([]);
    // Readable on a phone: the page itself never scrolls sideways (wide tables scroll in their own box).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }
}

describe('report accessibility (axe, WCAG 2.2 AA)', () => {
  it('public report at desktop width has no violations', async () => {
    await audit('public', 1280);
  }, 180_000);
  it('internal report at phone width has no violations', async () => {
    await audit('internal', 390);
  }, 180_000);
});
