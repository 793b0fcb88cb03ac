#!/usr/bin/env node
// Synthetic SSDA903 extracts: the committed samples (default) or a pool of councils.
//
//   node dist/data-samples/generate.js                       # regenerate data-samples/extracts
//   node dist/data-samples/generate.js --out data-samples/extracts
//   node dist/data-samples/generate.js --pool 5 --out /tmp/pool --as-at 2026-09-30
//   node dist/data-samples/generate.js --pool all --out /tmp/pool --quarters 1
//
// Everything is synthetic and fully determined by the seed and the arguments.

import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { iso, parseDate } from './generator/dates.js';
import {
  DEFAULT_AS_AT,
  DEFAULT_CLA,
  DEFAULT_LA,
  DEFAULT_QUARTERS,
  DEFAULT_SEED,
  type LaOptions,
  simulateLa,
  writeLaExtracts,
} from './generator/generate-la.js';
import { PostcodePools, defaultReferenceDir, findLa, loadReference, poolSizes, publishedClaCounts, repoRoot } from './generator/reference.js';

const USAGE = `Usage: generate [options]
  --out DIR        output folder (default: data-samples/extracts in the repository)
  --as-at DATE     latest reference date, a quarter end (default ${DEFAULT_AS_AT})
  --quarters K     number of quarterly extracts ending at --as-at (default ${DEFAULT_QUARTERS}; 1 with --pool)
  --seed N         seed (default ${DEFAULT_SEED})
  --la CODE        one LA by ONS code, DfE code or name (default ${DEFAULT_LA}, Harrow)
  --cla N          children looked after at the latest R (default ${DEFAULT_CLA} for one LA)
  --pool N|all     N councils (the first N current LAs in la_codes.csv), realistic sizes
  --scale X        with --pool: multiply every council's size by X (e.g. 2.4 gives ~2 million
                   episode rows for all councils, the national history's order of size)
  --derived        add the DfE-derived PL_DISTANCE, PL_LA, PL_LOCATION episode columns
  --no-edges       leave out the scripted edge-case children
  --reference DIR  folder with la_codes.csv and postcode_sectors.csv
  -h, --help       this help`;

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'as-at': { type: 'string' },
      quarters: { type: 'string' },
      seed: { type: 'string' },
      la: { type: 'string' },
      cla: { type: 'string' },
      pool: { type: 'string' },
      scale: { type: 'string' },
      derived: { type: 'boolean', default: false },
      'no-edges': { type: 'boolean', default: false },
      reference: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const int = (name: string, v: string | undefined, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got ${v}`);
    return Number(v);
  };
  const root = repoRoot();
  const out = values.out === undefined ? join(root, 'data-samples', 'extracts') : isAbsolute(values.out) ? values.out : resolve(values.out);
  const asAt = parseDate(values['as-at'] ?? DEFAULT_AS_AT);
  const seed = int('seed', values.seed, DEFAULT_SEED);
  const refDir = values.reference ?? defaultReferenceDir();
  const ref = loadReference(refDir);
  const pool = values.pool;
  const quarters = int('quarters', values.quarters, pool !== undefined ? 1 : DEFAULT_QUARTERS);
  if (quarters < 1) throw new Error('--quarters must be at least 1');

  const jobs: Array<Pick<LaOptions, 'la' | 'targetCla' | 'edges'>> = [];
  if (pool !== undefined) {
    const n = pool === 'all' ? ref.las.length : int('pool', pool, 0);
    if (n < 1 || n > ref.las.length) throw new Error(`--pool must be 1..${ref.las.length} or all`);
    const sizes = poolSizes(ref, seed, publishedClaCounts(refDir));
    const scale = values.scale === undefined ? 1 : Number(values.scale);
    if (!(scale > 0 && scale <= 20)) throw new Error(`--scale must be a number above 0 and at most 20, got ${values.scale}`);
    for (const la of ref.las.slice(0, n)) {
      const targetCla = Math.max(8, Math.round(sizes.get(la.ons)! * scale));
      // Edge-case actors would dominate a small LA, so only larger councils get them.
      jobs.push({ la, targetCla, edges: !values['no-edges'] && targetCla >= 150 });
    }
  } else {
    if (values.scale !== undefined) throw new Error('--scale goes with --pool');
    const la = findLa(ref, values.la ?? DEFAULT_LA);
    jobs.push({ la, targetCla: int('cla', values.cla, DEFAULT_CLA), edges: !values['no-edges'] });
  }

  const t0 = performance.now();
  let totalCla = 0;
  let totalEpisodes = 0;
  for (const job of jobs) {
    const t = performance.now();
    const h = simulateLa({ ...job, pools: new PostcodePools(ref, job.la.ons), ref, seed, asAt, quarters, derived: values.derived });
    const summaries = writeLaExtracts(h, out);
    const last = summaries[summaries.length - 1]!;
    totalCla += last.cla;
    totalEpisodes += last.rows.episodes;
    const first = summaries[0]!;
    const span = summaries.length > 1 ? `${iso(first.asAt)}..${iso(last.asAt)}` : iso(last.asAt);
    process.stderr.write(
      `${job.la.ons} ${job.la.name}: ${summaries.length} extract(s) ${span}; at ${iso(last.asAt)}: ${last.cla} CLA, ` +
        `${last.children} children, ${last.rows.episodes} episodes, ${last.rows.oc3} OC3, ${last.rows.care_leavers} care leavers ` +
        `(${Math.round(performance.now() - t)} ms)\n`,
    );
  }
  if (jobs.length > 1) {
    process.stderr.write(`${jobs.length} LAs: ${totalCla} CLA and ${totalEpisodes} episode rows at the latest R, ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}\n`);
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
