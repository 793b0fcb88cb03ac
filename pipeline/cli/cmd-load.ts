import { ExitCode } from '../core/errors.js';
import type { Output } from '../core/output.js';
import type { CommandResult } from './main.js';
import { laOf, metricsAndConfig, openStore, readManifest, referenceDate, requireDir, type GlobalOpts, outRootOf } from './common.js';
import { describeLoad, loadOne } from './loading.js';

type Opts = GlobalOpts & { data?: string; asAt?: string; quarter?: string; la?: string; out?: string; validationReport?: string };

async function loadOrValidate(o: Opts, out: Output, dryRun: boolean): Promise<CommandResult> {
  const dir = requireDir(o.data);
  const manifest = readManifest(dir);
  const la = laOf(o, manifest);
  const asAt = referenceDate(o, manifest);
  const { config } = metricsAndConfig(o, la.ons);
  const store = dryRun ? null : await openStore(o, out, config);
  try {
    const res = await loadOne(out, store, dir, la, asAt, { outRoot: outRootOf(o, config), dryRun, validationFile: o.validationReport });
    return {
      exitCode: res.errors ? ExitCode.DATA : ExitCode.OK,
      data: { ok: res.errors === 0, command: dryRun ? 'validate' : 'load', store: store?.path ?? null, ...res },
      human: () => describeLoad(out, res, dryRun ? 'validate' : 'load'),
    };
  } finally {
    store?.close();
  }
}

export const loadCommand = (o: Opts, out: Output) => loadOrValidate(o, out, false);
export const validateCommand = (o: Opts, out: Output) => loadOrValidate(o, out, true);
