/** init: a starter config for an LA, with the strategy's default targets and its statistical neighbours. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { usageError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { loadMetrics } from '../compute/metrics.js';
import { neighbours, NEIGHBOUR_MODEL_LABEL, resolveLa } from '../compute/reference.js';
import type { CommandResult } from './main.js';
import type { GlobalOpts } from './common.js';

export async function initCommand(o: GlobalOpts & { la: string; dir: string; force?: boolean }, _out: Output): Promise<CommandResult> {
  const la = resolveLa(o.la);
  const defs = loadMetrics();
  const file = join(o.dir, `${la.ons}.yaml`);
  if (existsSync(file) && !o.force) throw usageError(`${file} already exists`, 'Edit it, or give --force to overwrite it with a fresh starter config.');
  const nb = neighbours(la.dfe);
  const yaml = [
    `# corporate-parenting config for ${la.name} (${la.ons}, DfE ${la.dfe}, ${la.regionName})`,
    `# Written by 'corporate-parenting init'. Paths are relative to this file.`,
    `la: ${la.ons}`,
    `name: ${JSON.stringify(la.name)}`,
    ``,
    `# Where the DuckDB store lives (every quarter loaded; readable by the owner only).`,
    `store: ../.store/corporate-parenting.duckdb`,
    `# Default output root: reports go to <out>/<LA>/<date>/.`,
    `out: ../reports`,
    `# Commentary: <date>.md or <2025-26-Q2>.md in this folder, one '## <kpi id>' heading per KPI.`,
    `commentary: ../commentary/${la.ons}`,
    `# A full ONSPD unit-level postcode file (pcd, easting, northing) for exact distances; sectors are used otherwise.`,
    `unitPostcodes: null`,
    ``,
    `# 'run --fail-on-change' exits 4 when a KPI moved more than this (percentage points, or count) since the last run.`,
    `changeThreshold: 5`,
    ``,
    `# Statistical neighbours (${NEIGHBOUR_MODEL_LABEL}), for information; benchmarks use them automatically.`,
    `neighbours:`,
    ...nb.map((n) => `  - ${JSON.stringify(`${n.name} (${n.dfe})`)}`),
    ``,
    `# KPI parameters (see metrics/*.sql): e.g. good_attendance_threshold: 95, pep_window_months: 4`,
    `parameters: {}`,
    ``,
    `# Targets: the strategy's defaults. 'target: null' means no target. Tolerance: how close (percentage points,`,
    `# or count) counts as "close to target".`,
    `targets:`,
    ...defs.map((d) => `  ${d.id}: { target: ${d.target === null ? 'null' : d.target}, tolerance: ${d.tolerance} }  # ${d.polarity} is better`),
    ``,
  ].join('\n');
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(file, yaml);
  const rel = relative(process.cwd(), file) || file;
  return {
    data: { ok: true, command: 'init', file: rel, la: la.ons, name: la.name, neighbours: nb },
    human: () => [
      `Wrote ${rel} for ${la.name} (${la.ons}).`,
      `Neighbours: ${nb.map((n) => n.name).join(', ')}.`,
      '',
      'Next: review the targets in that file, put the quarter’s extracts in a folder, and run',
      `  corporate-parenting run --data <folder> --quarter 2025-26-Q2 --la ${la.ons}`,
    ].join('\n'),
  };
}
