import { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { saveRun } from '../compute/kpis.js';
import { STATUS_LABEL, type KpiRun } from '../compute/types.js';
import { kpiArrow, kpiCsv } from '../render/downloads.js';
import type { CommandResult } from './main.js';
import { fmtPct, laOf, metricsAndConfig, openStore, readManifest, referenceDate, requireDir, type GlobalOpts, outRootOf } from './common.js';
import { computeFor, historyOpt } from './compute.js';
import { describeLoad, loadOne } from './loading.js';

type Opts = GlobalOpts & { asAt?: string; quarter?: string; la?: string; data?: string; format?: 'json' | 'csv' | 'table' | 'arrow'; history?: string; out?: string };

/** The machine shape of issue 3: { la, asAt, kpis: [{ id, title, numerator, denominator, value, unit, polarity, target, status, previous, benchmarks, suppressed, ... }] } */
export const kpisJson = (run: KpiRun) => ({ la: run.la, laName: run.laName, asAt: run.asAt, quarter: run.quarter, historyRecomputed: run.historyRecomputed, kpis: run.kpis });

export async function kpisCommand(o: Opts, out: Output): Promise<CommandResult> {
  const dir = o.data ? requireDir(o.data) : null;
  const manifest = dir ? readManifest(dir) : {};
  const la = laOf(o, manifest);
  const asAt = referenceDate(o, manifest);
  const { defs, config } = metricsAndConfig(o, la.ons);
  const history = historyOpt(o.history);
  const store = await openStore(o, out, config);
  try {
    if (dir) {
      const res = await loadOne(out, store, dir, la, asAt, { outRoot: outRootOf(o, config) });
      if (res.errors) return { exitCode: ExitCode.DATA, data: { ok: false, command: 'kpis', ...res }, human: () => describeLoad(out, res, 'load') };
      if (res.warnings) out.warn(`${res.warnings} warning(s) while loading; see ${res.validationReport}`);
    }
    const [run] = await computeFor(out, store, defs, [{ la, config }], asAt, { history, exceptions: false });
    await saveRun(store, run!, 'kpis');
    const format = o.format ?? (out.mode === 'json' ? 'json' : 'table');
    if (format === 'csv') {
      out.raw(kpiCsv(run!, 'internal'));
      return { data: undefined };
    }
    if (format === 'arrow') {
      out.raw(kpiArrow(run!, 'internal'));
      return { data: undefined };
    }
    if (format === 'json') {
      out.raw(`${JSON.stringify(kpisJson(run!), null, 2)}\n`);
      return { data: undefined };
    }
    return {
      data: kpisJson(run!),
      human: () => `${run!.laName} (${run!.la}), ${run!.quarter}, as at ${run!.asAt}\n\n` + out.table(
        ['KPI', 'value', 'n / d', 'target', 'status', 'last quarter', 'last year', 'public'],
        run!.kpis.map((k) => [k.id, fmtPct(k.value, k.unit), k.unit === 'count' ? String(k.numerator) : `${k.numerator} / ${k.denominator}`,
          k.target === null ? '' : fmtPct(k.target, k.unit), STATUS_LABEL[k.status], fmtPct(k.previous.quarter?.value ?? null, k.unit), fmtPct(k.previous.year?.value ?? null, k.unit), k.suppressed ? 'c' : '']),
      ),
    };
  } finally {
    store.close();
  }
}
