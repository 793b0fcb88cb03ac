/**
 * V8's optimising compiler (TurboFan) for a short run. It compiles hot functions again, on
 * background threads, so that they run faster for the rest of the process. One council's command
 * lasts a few seconds, in which that work does not pay back: on 2 cores it competes with DuckDB
 * and Chromium. Measured, one council end to end (`run`, HTML and PDF), 8 runs each in turn:
 * the largest council 5.39 → 5.09 s (CPU 8.57 → 7.52 s), the median council 4.38 → 4.19 s
 * (CPU 6.77 → 6.08 s). It is kept where the JavaScript runs long enough to gain from it: a pool
 * (`run --la all`), and an extract folder of SHORT_RUN_BYTES or more (the byte pass over a 300 MB
 * file took 26 s without it, 6 s with it). CP_V8_OPT=1 keeps it on for every command.
 */
import { setFlagsFromString } from 'node:v8';
import { folderBytes } from '../core/paths.js';

/** One council's extract is 1-10 MB; a folder this size or larger is not a short run. */
export const SHORT_RUN_BYTES = 16e6;

/**
 * The V8 flags a command's run is given: none for a pool, for an extract folder (`--data`) of
 * SHORT_RUN_BYTES or more, or when CP_V8_OPT=1.
 */
export function shortRunFlags(opts: { la?: string; data?: string }, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CP_V8_OPT === '1' || (opts.la ?? '').toLowerCase() === 'all') return [];
  if (opts.data && folderBytes(opts.data) >= SHORT_RUN_BYTES) return [];
  return ['--no-opt'];
}

/**
 * Set them, before the command's modules load. V8 reads this flag each time it decides whether
 * to optimise a function, so setting it at run time only stops further optimisation.
 */
export function tuneForShortRun(opts: { la?: string; data?: string }): void {
  for (const f of shortRunFlags(opts)) setFlagsFromString(f);
}
