/**
 * The render threads of a run (worker.ts).
 *
 * PDF: Chromium is driven from a worker thread, so that starting Chromium and printing never
 * hold up the main thread. On a two-core machine the extract's load and the KPIs (DuckDB) keep
 * both cores busy, while the HTML (vega, in this thread) leaves one free, so Chromium starts on
 * that one and is ready when the HTML is. printer() prints a PDF there while the main thread
 * writes the downloads and runs the privacy check.
 *
 * Charts: drawn with vega in this thread, one at a time (chart worker threads were tried: on two
 * cores each worker's vega start competed with DuckDB and the report was no sooner done).
 *
 * Without worker.js (the tests run the TypeScript sources) everything runs in this thread:
 * the same output.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { oneAtATime } from './one-at-a-time.js';
import type { PdfOptions, PdfRenderer } from './pdf.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

/** What publish() needs of a PDF engine: PdfRenderer, or the pool's Chromium in its worker. */
export interface PdfPrinter {
  render(html: string, outPath: string, opts: PdfOptions): Promise<void>;
}

type Pending = { resolve: (v: string | undefined) => void; reject: (e: Error) => void };
interface Slot {
  worker: Worker;
  dead: boolean;
  pending: Map<number, Pending>;
}
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const WORKER_FILE = new URL('./worker.js', import.meta.url);
/** Charts of each kind drawn to warm vega up: the first charts a thread draws take several times longer. */
export const WARM_UP_ROUNDS = 2;

export class RenderPool {
  private pdfSlot: Slot | null = null;
  private nextId = 1;
  private closing: Promise<void> | null = null;
  /** In-thread fallback: Chromium in this process. */
  private localPdf: Promise<PdfRenderer> | null = null;
  /** Charts are drawn one at a time (charts.js loaded on the first, or by warmUp). */
  private readonly draw = oneAtATime(async (spec) => (await import('./charts.js')).vegaLiteToSvg(spec));
  private readonly threads: boolean;
  private warming: Promise<void> | null = null;
  /** A real chart was asked for: warming up stops. */
  private asked = false;

  private constructor() {
    this.threads = existsSync(fileURLToPath(WORKER_FILE));
  }

  /** Start Chromium now (when `pdf`); close() when done. */
  static start(o: { pdf: boolean }): RenderPool {
    const pool = new RenderPool();
    if (o.pdf) pool.pdfEngine();
    return pool;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_FILE);
    const slot: Slot = { worker, dead: false, pending: new Map() };
    worker.on('message', (r: WorkerReply) => {
      const p = slot.pending.get(r.id);
      if (!p) return;
      slot.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else {
        const e = new Error(r.error.message);
        if (r.error.stack) e.stack = r.error.stack;
        p.reject(e);
      }
    });
    const fail = (e: Error) => {
      if (slot.dead) return;
      slot.dead = true;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    worker.on('error', (e) => fail(e));
    worker.on('exit', (code) => fail(new Error(`a render worker stopped (exit code ${code})`)));
    return slot;
  }

  private send(slot: Slot, req: Request): Promise<string | undefined> {
    if (slot.dead) return Promise.reject(new Error('the render worker has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  /**
   * Load this thread's renderer (vega, the HTML template's modules) and draw a few charts of
   * each kind (see warmUpSpecs), stopping at the first real chart: for a wait, such as the
   * KPIs computing, that leaves this thread idle.
   */
  warmUp(): void {
    if (this.warming) return;
    this.warming = (async () => {
      const [c, h] = await Promise.all([import('./charts.js'), import('./html.js')]);
      h.warmUpHtml();
      await c.loadVega();
      for (let i = 0; i < WARM_UP_ROUNDS; i++) {
        for (const spec of await c.warmUpSpecs()) {
          if (this.asked) return;
          await new Promise((r) => setImmediate(r)); // one chart at a time, between other work
          if (this.asked) return;
          await c.vegaLiteToSvg(spec);
        }
      }
    })().catch(() => undefined);
  }

  /** One chart: a filled Vega-Lite spec in, vega's raw SVG out (charts.ts vegaLiteToSvg). */
  readonly svg = (spec: unknown): Promise<string> => {
    if (this.closing) return Promise.reject(new Error('the render pool is closed'));
    this.asked = true;
    return this.draw(spec);
  };

  /** Start Chromium (once): in its worker, or in this thread without worker.js. */
  private pdfEngine(): void {
    if (this.pdfSlot || this.localPdf) return;
    if (this.threads) {
      this.pdfSlot = this.spawn();
    } else {
      this.localPdf = import('./pdf.js').then((m) => m.PdfRenderer.launch());
      this.localPdf.catch(() => undefined); // a failure to start is reported when the PDF is printed
    }
  }

  /** The PDF engine (Chromium starts now if start() was not asked to start it). */
  printer(): PdfPrinter {
    this.pdfEngine();
    return {
      render: async (html, outPath, opts) => {
        if (this.pdfSlot) await this.send(this.pdfSlot, { kind: 'pdf', html, outPath, opts });
        else await (await this.localPdf!).render(html, outPath, opts);
      },
    };
  }

  /** Close Chromium and stop the worker (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pdfSlot) await this.send(this.pdfSlot, { kind: 'close' }).catch(() => undefined);
      if (this.localPdf) await this.localPdf.then((r) => r.close()).catch(() => undefined);
      await this.pdfSlot?.worker.terminate().catch(() => undefined);
    })();
    return this.closing;
  }
}
