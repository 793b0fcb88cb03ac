// Generates one LA: one simulated history, then an extract folder per quarter end.

import { join } from 'node:path';
import { type Day, addMonths, iso, quarterEnds, windowStart } from './dates.js';
import { edgeCaseActors } from './edge-cases.js';
import { type ExtractStats, buildExtract } from './extract.js';
import { type Child, LaContext, SHORT_BREAK_LS } from './model.js';
import { type SimWindow, randomPopulation } from './population.js';
import { mixSeed } from './prng.js';
import { type LaInfo, type PostcodePools, type Reference } from './reference.js';
import { openExtractFiles, writeManifest } from './write.js';

export const GENERATOR_NAME = 'corporate-parenting synthetic SSDA903 generator';
/** Bump when the output changes for the same seed and arguments. */
export const GENERATOR_VERSION = '1.0.0';
export const DEFAULT_SEED = 903;
/** Default LA and reference date of the committed samples. */
export const DEFAULT_LA = 'E09000015';
export const DEFAULT_AS_AT = '2026-09-30';
export const DEFAULT_QUARTERS = 8;
/** Children looked after at R in the default sample LA. */
export const DEFAULT_CLA = 200;

export interface LaOptions {
  la: LaInfo;
  ref: Reference;
  pools: PostcodePools;
  seed: number;
  /** Latest reference date. */
  asAt: Day;
  /** Number of quarterly extracts (ending at asAt). */
  quarters: number;
  /** Children looked after at the latest R (approximately). */
  targetCla: number;
  /** Add the scripted edge-case children. */
  edges: boolean;
  /** Add the DfE-derived PL_DISTANCE, PL_LA, PL_LOCATION columns. */
  derived: boolean;
}

export interface LaHistory {
  opts: LaOptions;
  children: Child[];
  /** Reference dates of the extracts, oldest first. */
  quarters: Day[];
  window: SimWindow;
}

const UASC_HEAVY = new Set(['E10000016']); // Kent

/** Simulates the LA's single history (random children plus, optionally, the edge-case actors). */
export function simulateLa(opts: LaOptions): LaHistory {
  const laSeed = mixSeed(opts.seed, opts.la.ons);
  const london = opts.la.region === 'London';
  const ctx = new LaContext(opts.la.ons, opts.la.dfe, laSeed, opts.pools, Math.max(6, Math.round(opts.targetCla / 12)), london);
  const quarters = quarterEnds(opts.asAt, opts.quarters);
  const eight = quarterEnds(opts.asAt, Math.max(8, opts.quarters));
  const window: SimWindow = {
    last: opts.asAt,
    relevantFrom: addMonths(windowStart(eight[0]!), -2),
    horizonStart: addMonths(opts.asAt, -12 * 25),
  };
  const actors = opts.edges ? edgeCaseActors(ctx, eight.slice(-8), window.relevantFrom) : [];
  const actorsCla = actors.filter((c) => c.episodes.some((e) => !SHORT_BREAK_LS.has(e.ls) && e.start <= opts.asAt && e.end > opts.asAt)).length;
  const uascShare = UASC_HEAVY.has(opts.la.ons) ? 0.75 : london ? 0.7 : 0.25;
  const random = randomPopulation(ctx, window, { targetCla: Math.max(4, opts.targetCla - actorsCla), uascShare });
  const children = [...random, ...actors];
  // CHILD ids in order of first entry into care, as a case system would number them.
  const first = (c: Child): number => (c.episodes.length > 0 ? c.episodes[0]!.start : c.dob);
  children.sort((a, b) => first(a) - first(b) || a.dob - b.dob || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  children.forEach((c, i) => (c.id = 'SYN' + String(i + 1).padStart(6, '0')));
  return { opts, children, quarters, window };
}

export interface ExtractSummary extends ExtractStats {
  asAt: Day;
  dir: string;
}

/** Writes `<outRoot>/<ONS code>/<yyyy-mm-dd>/` for every quarter of the history. */
export function writeLaExtracts(h: LaHistory, outRoot: string): ExtractSummary[] {
  const { opts } = h;
  const out: ExtractSummary[] = [];
  for (const r of h.quarters) {
    const dir = join(outRoot, opts.la.ons, iso(r));
    const sink = openExtractFiles(dir, opts.derived);
    let stats: ExtractStats;
    try {
      stats = buildExtract(h.children, r, sink, { la: opts.la.ons, derived: opts.derived, ref: opts.ref });
    } finally {
      sink.close();
    }
    writeManifest(dir, {
      la: opts.la.ons,
      asAt: iso(r),
      generator: {
        name: GENERATOR_NAME,
        version: GENERATOR_VERSION,
        seed: opts.seed,
        synthetic: true,
        laName: opts.la.name,
        dfeCode: opts.la.dfe,
        latestAsAt: iso(opts.asAt),
        targetCla: opts.targetCla,
        edgeCases: opts.edges,
        derivedColumns: opts.derived,
      },
    });
    out.push({ ...stats, asAt: r, dir });
  }
  return out;
}
