/**
 * A render worker thread (started by pool.ts): either the one that owns the Chromium printing
 * the PDFs (Chromium's start and the DevTools traffic, kept off the main thread), or one that draws charts with vega. It starts loading what it needs as soon as
 * it starts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PdfOptions, PdfRenderer } from './pdf.js';
import { WARM_UP_ROUNDS } from './pool.js';

export type WorkerRequest =
  | { id: number; kind: 'svg'; spec: unknown }
  | { id: number; kind: 'pdf'; html: string; outPath: string; opts: PdfOptions }
  | { id: number; kind: 'close' };

export type WorkerReply = { id: number; ok: true; value?: string } | { id: number; ok: false; error: { message: string; stack?: string } };

export interface WorkerData {
  /** Start Chromium now (the worker that prints the PDFs). */
  pdf: boolean;
  /** Load vega now and warm it up (a chart worker). */
  charts: boolean;
}

const port = parentPort;
if (!port) throw new Error('pipeline/render/worker.js runs as a worker thread (see pool.ts)');
const role = workerData as WorkerData;

let renderer: Promise<PdfRenderer> | null = null;
const printer = () => (renderer ??= import('./pdf.js').then((m) => m.PdfRenderer.launch()));
if (role.pdf) printer().catch(() => undefined); // a failure to start is reported when the PDF is printed

let charts: Promise<typeof import('./charts.js')> | null = null;
const vega = () =>
  (charts ??= import('./charts.js').then(async (c) => {
    await c.loadVega();
    return c;
  }));
let asked = false;
if (role.charts) {
  // Draw a few charts of each kind while there is time (see warmUpSpecs); the first real
  // chart asked for stops this.
  vega()
    .then(async (c) => {
      for (let i = 0; i < WARM_UP_ROUNDS; i++) {
        for (const spec of await c.warmUpSpecs()) {
          if (asked) return;
          await c.vegaLiteToSvg(spec);
        }
      }
    })
    .catch(() => undefined); // reported by the first chart asked for
}

async function handle(m: WorkerRequest): Promise<string | undefined> {
  switch (m.kind) {
    case 'svg':
      asked = true;
      return (await vega()).vegaLiteToSvg(m.spec);
    case 'pdf':
      await (await printer()).render(m.html, m.outPath, m.opts);
      return undefined;
    case 'close':
      if (renderer) await renderer.then((r) => r.close()).catch(() => undefined);
      renderer = null;
      return undefined;
  }
}

port.on('message', (m: WorkerRequest) => {
  handle(m).then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies WorkerReply),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ id: m.id, ok: false, error: { message: err.message, stack: err.stack } } satisfies WorkerReply);
    },
  );
});
