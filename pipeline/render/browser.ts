/**
 * Headless Chromium for the PDF and the accessibility tests: CHROMIUM_PATH when set, else the
 * binary that @sparticuz/chromium ships inside its npm package (unpacked to /tmp on first use).
 */
import type { Browser } from 'playwright-core';

export const EXTRA_ARGS = ['--disable-background-networking', '--disable-component-update', '--no-first-run'];

export async function chromiumLaunchOptions(): Promise<{ executablePath: string; args: string[] }> {
  if (process.env.CHROMIUM_PATH) {
    return { executablePath: process.env.CHROMIUM_PATH, args: [...EXTRA_ARGS] };
  }
  const sparticuz = (await import('@sparticuz/chromium')).default;
  const executablePath = await sparticuz.executablePath();
  // Playwright sets its own headless mode; drop the package's --headless flag.
  const args = sparticuz.args.filter((a: string) => !a.startsWith('--headless'));
  return { executablePath, args: [...args, ...EXTRA_ARGS] };
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const { executablePath, args } = await chromiumLaunchOptions();
  return chromium.launch({ executablePath, args, headless: true });
}
