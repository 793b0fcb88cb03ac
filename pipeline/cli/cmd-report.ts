import type { Output } from '../core/output.js';
import { saveRun } from '../compute/kpis.js';
import { findCommentary, type Audience } from '../render/publish.js';
import type { CommandResult } from './main.js';
import { laOf, metricsAndConfig, openStore, referenceDate, type GlobalOpts, outRootOf } from './common.js';
import { computeFor, historyOpt } from './compute.js';
import { parseFormats, relativeFiles, renderReports } from './rendering.js';

type Opts = GlobalOpts & { asAt?: string; quarter?: string; la?: string; format?: string; out?: string; audience: Audience; commentary?: string; history?: string };

export async function reportCommand(o: Opts, out: Output): Promise<CommandResult> {
  const la = laOf(o);
  const asAt = referenceDate(o);
  const { defs, config } = metricsAndConfig(o, la.ons);
  const formats = parseFormats(o.format);
  const history = historyOpt(o.history);
  const commentary = findCommentary({ file: o.commentary, config, asAt });
  const store = await openStore(o, out, config);
  try {
    const [run] = await computeFor(out, store, defs, [{ la, config }], asAt, { history, exceptions: o.audience === 'internal' });
    await saveRun(store, run!, 'report');
    const [res] = await renderReports(out, store, [{ run: run!, commentary }], { audience: o.audience, formats, outRoot: outRootOf(o, config), defs });
    for (const w of res!.warnings) out.warn(w);
    return {
      data: { ok: true, command: 'report', la: la.ons, asAt, audience: o.audience, files: res!.files, warnings: res!.warnings },
      human: () => [`${o.audience === 'internal' ? 'Internal (OFFICIAL-SENSITIVE) report' : 'Public report'} for ${la.name}, ${run!.quarter}:`, ...relativeFiles(res!.files).map((f) => `  ${f}`)].join('\n'),
    };
  } finally {
    store.close();
  }
}
