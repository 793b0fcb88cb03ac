/**
 * Headless Chromium for the PDF and the accessibility tests: CHROMIUM_PATH when set, else the
 * binary that @sparticuz/chromium ships inside its npm package (unpacked to /tmp on first use).
 */
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';

/**
 * --disable-gpu: a report page is only ever printed (or read by axe), never shown, so it needs
 * no GPU; Chromium's own software compositor is far cheaper than the GPU that
 * @sparticuz/chromium's flags emulate on SwiftShader (software GL), which is dropped (GPU_ARGS).
 * The PDF is the same either way (it is drawn by Skia's PDF backend, not rasterised).
 */
export const EXTRA_ARGS = ['--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu'];
const GPU_ARGS = /^--(use-gl|use-angle|enable-unsafe-swiftshader|in-process-gpu|ignore-gpu-blocklist)\b/;

export async function chromiumLaunchOptions(): Promise<{ executablePath: string; args: string[] }> {
  if (process.env.CHROMIUM_PATH) {
    return { executablePath: process.env.CHROMIUM_PATH, args: [...EXTRA_ARGS] };
  }
  const sparticuz = (await import('@sparticuz/chromium')).default;
  const executablePath = await sparticuz.executablePath();
  // Playwright sets its own headless mode; drop the package's --headless flag (and its GPU ones).
  const args = sparticuz.args.filter((a: string) => !a.startsWith('--headless') && !GPU_ARGS.test(a));
  return { executablePath, args: [...args, ...EXTRA_ARGS] };
}

export async function launchChromium(): Promise<Browser> {
  // require, not import(): playwright-core is CommonJS (7 MB of bundles), and import() would
  // first scan it all for its export names (about half a second of CPU).
  const { chromium } = createRequire(import.meta.url)('playwright-core') as typeof import('playwright-core');
  const { executablePath, args } = await chromiumLaunchOptions();
  return chromium.launch({ executablePath, args, headless: true });
}
