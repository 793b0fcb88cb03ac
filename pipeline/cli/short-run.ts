/**
 * V8's optimising compiler (TurboFan) for a short run. It compiles hot functions again, on
 * background threads, so that they run faster for the rest of the process. One council's command
 * lasts a few seconds, in which that work does not pay back: on 2 cores it competes with DuckDB
 * and Chromium. Measured, one council end to end (`run`, HTML and PDF), 8 runs each in turn:
 * the largest council 5.39 → 5.09 s (CPU 8.57 → 7.52 s), the median council 4.38 → 4.19 s
 * (CPU 6.77 → 6.08 s). A pool (`run --la all`) keeps it: its JavaScript (the byte pass over
 * hundreds of MB, the charts of 153 reports) runs for minutes, and gains from it.
 * CP_V8_OPT=1 keeps it on for every command.
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flags a command's run is given: none for a pool, or when CP_V8_OPT=1. */
export function shortRunFlags(opts: { la?: string }, env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.CP_V8_OPT === '1' || (opts.la ?? '').toLowerCase() === 'all') return [];
  return ['--no-opt'];
}

/**
 * Set them, before the command's modules load. V8 reads this flag each time it decides whether
 * to optimise a function, so setting it at run time only stops further optimisation.
 */
export function tuneForShortRun(opts: { la?: string }): void {
  for (const f of shortRunFlags(opts)) setFlagsFromString(f);
}
