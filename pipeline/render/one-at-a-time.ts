import type { SvgRenderer } from './charts.js';

/** One call at a time, in the order made (vega in this thread: the charts as they always were drawn). */
export function oneAtATime(f: SvgRenderer): SvgRenderer {
  let last: Promise<unknown> = Promise.resolve();
  return (spec) => {
    const p = last.then(() => f(spec));
    last = p.catch(() => undefined);
    return p;
  };
}
