/**
 * The render worker thread (started by pool.ts): it owns the Chromium that prints the PDFs
 * (Chromium's start and the DevTools traffic, kept off the main thread), started as soon as the
 * thread starts.
 */
import { parentPort } from 'node:worker_threads';
import type { PdfOptions, PdfRenderer } from './pdf.js';

export type WorkerRequest =
  | { id: number; kind: 'pdf'; html: string; outPath: string; opts: PdfOptions }
  | { id: number; kind: 'close' };

export type WorkerReply = { id: number; ok: true; value?: string } | { id: number; ok: false; error: { message: string; stack?: string } };

const port = parentPort;
if (!port) throw new Error('pipeline/render/worker.js runs as a worker thread (see pool.ts)');

let renderer: Promise<PdfRenderer> | null = null;
const printer = () => (renderer ??= import('./pdf.js').then((m) => m.PdfRenderer.launch()));
printer().catch(() => undefined); // a failure to start is reported when the PDF is printed

async function handle(m: WorkerRequest): Promise<string | undefined> {
  switch (m.kind) {
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
