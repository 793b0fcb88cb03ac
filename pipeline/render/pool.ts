/**
 * The render threads of a run (worker.ts).
 *
 * PDF: Chromium is driven from a worker thread (over the DevTools protocol, cdp.ts), so that
 * starting Chromium and printing never hold up the main thread. The renderer
 * starts it when rendering starts: on a two-core machine the extract's load and the KPIs
 * (DuckDB) keep both cores busy, while the HTML (vega, in this thread) leaves one free, so
 * Chromium starts on that one and is ready when the HTML is. printer() prints a PDF there
 * while the main thread writes the downloads and runs the privacy check.
 *
 * Charts: drawn with vega in this thread, one at a time, unless chart workers are asked for
 * (`charts: n`, or CP_RENDER_THREADS=n): then every chart of a report is drawn at once on
 * whichever worker is free. That pays on a machine with cores to spare; on two cores, where
 * each worker's vega (half a second of CPU to load and warm up) competes with DuckDB, it does
 * not, so the default is none.
 *
 * Without worker.js (the tests run the TypeScript sources) everything runs in this thread:
 * the same output.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PdfOptions, PdfRenderer } from './pdf.js';
import type { WorkerData, WorkerReply, WorkerRequest } from './worker.js';

/** What publish() needs of a PDF engine: PdfRenderer, or the pool's Chromium in its worker. */
export interface PdfPrinter {
  render(html: string, outPath: string, opts: PdfOptions): Promise<void>;
}

type Pending = { resolve: (v: string | undefined) => void; reject: (e: Error) => void };
interface Slot {
  worker: Worker;
  /** A chart in flight on this worker (one at a time, so a free worker takes the next). */
  busy: boolean;
  dead: boolean;
  pending: Map<number, Pending>;
}
type Request = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

const WORKER_FILE = new URL('./worker.js', import.meta.url);
/** Charts of each kind drawn to warm vega up: the first charts a thread draws take several times longer. */
export const WARM_UP_ROUNDS = 2;

function chartThreads(asked: number | undefined): number {
  const v = asked ?? Number(process.env.CP_RENDER_THREADS ?? 0);
  return Number.isInteger(v) && v > 0 ? Math.min(v, 8) : 0;
}

export class RenderPool {
  private pdfSlot: Slot | null = null;
  private readonly chartSlots: Slot[] = [];
  private readonly queue: { spec: unknown; resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  /** In-thread fallbacks: Chromium in this process; charts one at a time. */
  private localPdf: Promise<PdfRenderer> | null = null;
  private lastLocalChart: Promise<unknown> = Promise.resolve();
  private readonly threads: boolean;
  private warming: Promise<void> | null = null;
  /** A real chart was asked for: warming up stops. */
  private asked = false;

  private constructor() {
    this.threads = existsSync(fileURLToPath(WORKER_FILE));
  }

  /** Start Chromium now (when `pdf`) and `charts` chart workers; close() when done. */
  static start(o: { pdf: boolean; charts?: number }): RenderPool {
    const pool = new RenderPool();
    if (o.pdf) pool.pdfEngine();
    if (pool.threads) for (let i = chartThreads(o.charts); i > 0; i--) pool.chartSlots.push(pool.spawn({ pdf: false, charts: true }));
    return pool;
  }

  private spawn(data: WorkerData): Slot {
    const worker = new Worker(WORKER_FILE, { workerData: data });
    const slot: Slot = { worker, busy: false, dead: false, pending: new Map() };
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
      this.dispatch();
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

  /** Give each free chart worker the next chart waiting. */
  private dispatch(): void {
    if (!this.queue.length) return;
    const live = this.chartSlots.filter((s) => !s.dead);
    if (!live.length) {
      for (const t of this.queue.splice(0)) t.reject(new Error('no render worker is running'));
      return;
    }
    for (const slot of live) {
      if (slot.busy) continue;
      const t = this.queue.shift();
      if (!t) return;
      slot.busy = true;
      this.send(slot, { kind: 'svg', spec: t.spec })
        .then(
          (svg) => t.resolve(svg ?? ''),
          (e: Error) => t.reject(e),
        )
        .finally(() => {
          slot.busy = false;
          this.dispatch();
        });
    }
  }

  /**
   * Load this thread's renderer (vega, the HTML template's modules) and draw a few charts of
   * each kind (see warmUpSpecs), stopping at the first real chart: for a wait, such as the
   * KPIs computing, that leaves this thread idle.
   */
  warmUp(): void {
    if (this.chartSlots.length || this.warming) return;
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
    if (!this.chartSlots.length) {
      const p = this.lastLocalChart.then(async () => (await import('./charts.js')).vegaLiteToSvg(spec));
      this.lastLocalChart = p.catch(() => undefined);
      return p;
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ spec, resolve, reject });
      this.dispatch();
    });
  };

  /** Start Chromium (once): in its worker, or in this thread without worker.js. */
  private pdfEngine(): void {
    if (this.pdfSlot || this.localPdf) return;
    if (this.threads) {
      this.pdfSlot = this.spawn({ pdf: true, charts: false });
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

  /** Close Chromium and stop the workers (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.queue.splice(0)) t.reject(new Error('the render pool is closed'));
      if (this.pdfSlot) await this.send(this.pdfSlot, { kind: 'close' }).catch(() => undefined);
      if (this.localPdf) await this.localPdf.then((r) => r.close()).catch(() => undefined);
      const slots = [...(this.pdfSlot ? [this.pdfSlot] : []), ...this.chartSlots];
      await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
    })();
    return this.closing;
  }
}
