/**
 * A minimal Chrome DevTools Protocol client: headless Chromium driven over
 * --remote-debugging-pipe (fd 3 = commands to the browser, fd 4 = its replies and events, each
 * message JSON ended by '\0'), with flattened sessions (one sessionId per attached page).
 * It replaces playwright-core for the PDF: loading playwright and its protocol layer cost more
 * CPU per process than Chromium's own start. Every pending call is rejected with a clear
 * message when Chromium exits or answers with an error, and each call times out (30 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CDP_TIMEOUT_MS = 30_000;

/** What playwright-core adds to Chromium's command line that matters for a headless print. */
const HEADLESS_ARGS = [
  '--disable-field-trial-config',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-back-forward-cache',
  '--disable-breakpad',
  '--disable-component-extensions-with-background-pages',
  '--disable-component-update',
  '--no-default-browser-check',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--disable-prompt-on-repost',
  '--disable-renderer-backgrounding',
  '--force-color-profile=srgb',
  '--metrics-recording-only',
  '--no-first-run',
  '--password-store=basic',
  '--use-mock-keychain',
  '--no-service-autorun',
  '--disable-search-engine-choice-screen',
  '--disable-sync',
  '--headless',
  '--hide-scrollbars',
  '--mute-audio',
  '--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4',
];

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface Pending {
  method: string;
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class CdpBrowser {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: CdpEvent) => void>();
  /** Why the connection is gone (Chromium exited, the pipe broke); null while it is up. */
  private gone: string | null = null;
  private stderrTail = '';
  private readonly exited: Promise<void>;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    private readonly userDataDir: string,
  ) {
    const toBrowser = child.stdio[3] as Writable;
    const fromBrowser = child.stdio[4] as Readable;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => this.fail(`Chromium exited (${signal ? `signal ${signal}` : `code ${code}`})`));
    child.once('error', (e) => this.fail(`Chromium failed to start: ${e.message}`));
    // A broken pipe is mostly Chromium dying: give its exit (code or signal) a moment to be the reason.
    const broke = (why: string) => setTimeout(() => this.fail(why), 200);
    toBrowser.on('error', (e) => broke(`Chromium's DevTools pipe broke (${e.message})`));
    fromBrowser.on('error', (e) => broke(`Chromium's DevTools pipe broke (${e.message})`));
    fromBrowser.on('close', () => broke('Chromium closed its DevTools pipe'));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-2000);
    });
    let parts: Buffer[] = [];
    fromBrowser.on('data', (chunk: Buffer) => {
      let start = 0;
      for (let end = chunk.indexOf(0); end >= 0; end = chunk.indexOf(0, start)) {
        parts.push(chunk.subarray(start, end));
        const text = Buffer.concat(parts).toString('utf8');
        parts = [];
        start = end + 1;
        this.dispatch(text);
      }
      if (start < chunk.length) parts.push(chunk.subarray(start));
    });
    process.on('exit', this.killOnExit);
  }

  /** Start Chromium (`args` as for playwright's launch: the caller's own switches). */
  static async launch(executablePath: string, args: string[]): Promise<CdpBrowser> {
    const userDataDir = mkdtempSync(join(tmpdir(), 'cp-chromium-'));
    const own = args.filter((a) => !a.startsWith('--headless') && !a.startsWith('--user-data-dir') && !a.startsWith('--remote-debugging'));
    const argv = [
      ...HEADLESS_ARGS,
      ...(own.includes('--no-sandbox') ? [] : ['--no-sandbox']),
      ...own,
      `--user-data-dir=${userDataDir}`,
      '--remote-debugging-pipe',
      '--no-startup-window',
    ];
    let child: ChildProcess;
    try {
      child = spawn(executablePath, argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    } catch (e) {
      rmSync(userDataDir, { recursive: true, force: true });
      throw e;
    }
    const browser = new CdpBrowser(child, userDataDir);
    try {
      await browser.send('Browser.getVersion');
    } catch (e) {
      await browser.close();
      throw e;
    }
    return browser;
  }

  private dispatch(text: string): void {
    let msg: { id?: number; result?: Record<string, unknown>; error?: { message: string; data?: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`Chromium: ${p.method} failed: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      else p.resolve(msg.result ?? {});
    } else if (msg.method) {
      const event: CdpEvent = { method: msg.method, params: msg.params ?? {}, sessionId: msg.sessionId };
      for (const l of [...this.listeners]) l(event);
    }
  }

  private fail(why: string): void {
    if (this.gone) return;
    this.gone = this.stderrTail.trim() ? `${why}; its last output: ${this.stderrTail.trim().slice(-500)}` : why;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new Error(`${this.gone} while waiting for ${p.method}`));
    }
    for (const l of [...this.listeners]) l({ method: 'cdp.disconnected', params: { reason: this.gone } });
  }

  /** Why the browser can no longer be used, or null. */
  get closedReason(): string | null {
    return this.gone;
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = CDP_TIMEOUT_MS): Promise<T> {
    if (this.gone) return Promise.reject(new Error(`${this.gone}: cannot send ${method}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`Chromium did not answer ${method} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (v: Record<string, unknown>) => void, reject, timer });
      (this.child.stdio[3] as Writable).write(`${JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params })}\0`);
    });
  }

  /** Listen to every event (and to 'cdp.disconnected'); returns the function that stops it. */
  on(listener: (e: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Wait for the first event `match` accepts, rejecting on disconnect or after `timeoutMs`.
   * Returns the promise and a cancel function (for when the caller stops waiting).
   */
  waitFor(what: string, match: (e: CdpEvent) => boolean, timeoutMs = CDP_TIMEOUT_MS): { done: Promise<CdpEvent>; cancel: () => void } {
    let cancel = () => {};
    const done = new Promise<CdpEvent>((resolve, reject) => {
      if (this.gone) return reject(new Error(`${this.gone} while waiting for ${what}`));
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Chromium: ${what} did not happen within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.method === 'cdp.disconnected') {
          off();
          clearTimeout(timer);
          reject(new Error(`${String(e.params.reason)} while waiting for ${what}`));
        } else if (match(e)) {
          off();
          clearTimeout(timer);
          resolve(e);
        }
      });
      cancel = () => {
        off();
        clearTimeout(timer);
      };
    });
    done.catch(() => undefined);
    return { done, cancel };
  }

  /**
   * Ends Chromium and removes its profile. SIGKILL at once, not Browser.close: the profile is a
   * temporary folder deleted here and every PDF is whole on disk before close is called, so an
   * orderly shutdown (0.1-0.25 s of Chromium saving that profile) buys nothing, and it was on the
   * way to the end of every run. Waits up to 2 s for the exit.
   */
  async close(): Promise<void> {
    try {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGKILL');
        await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
    } finally {
      process.off('exit', this.killOnExit);
      this.fail('the browser was closed');
      rmSync(this.userDataDir, { recursive: true, force: true });
    }
  }

  /** For tests: the Chromium process. */
  get pid(): number | undefined {
    return this.child.pid;
  }
}
