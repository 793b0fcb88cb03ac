/**
 * Differential test: the independent oracle (test/oracle/oracle.ts, written from
 * /work/shared/spec/kpis.md alone) against the product's SQL KPIs, on the 8 committed
 * sample quarters and a small generated pool (one with the DfE-derived PL_DISTANCE,
 * PL_LA, PL_LOCATION columns). Numerators, denominators and the unknown-distance count must
 * be identical for every KPI.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, REFERENCE_DIR } from '../pipeline/core/paths.js';
import { Store } from '../pipeline/store/store.js';
import { loadExtract } from '../pipeline/ingest/ingest.js';
import { computeRuns } from '../pipeline/compute/kpis.js';
import { resolveLa } from '../pipeline/compute/reference.js';
import { defaultConfig } from '../pipeline/compute/config.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';
import { edgeExtract2025, edgeExtract2026, UNIT_FILE } from './oracle/edge-extract.js';
import { KPI_IDS, oracleFromDir, addDays, addMonths, ageOn, birthdayOfAge, distanceTenths, postcodeParts, type OracleResult } from './oracle/oracle.js';

const SAMPLES = join(ROOT, 'data-samples', 'extracts', 'E09000015');
const defs = loadMetrics();

/**
 * The product's numbers: load the extract into an in-memory store and compute the KPIs at R.
 * A store may be shared by the extracts of one describe block (the postcode reference tables
 * are read once per connection); a configured unit file or parameters get a fresh store.
 */
async function product(dir: string, la: string, asAt: string, opts: { store?: Store; unitPostcodes?: string; parameters?: Record<string, number> } = {}): Promise<OracleResult> {
  const store = opts.store ?? (await Store.memory());
  try {
    const info = resolveLa(la);
    const res = await loadExtract(store, dir, { la: info.ons, asAt });
    const errors = res.problems.filter((p) => p.severity === 'error');
    if (!res.loaded) throw new Error(`extract ${dir} did not load: ${errors.slice(0, 20).map((p) => JSON.stringify(p)).join('; ')}`);
    const config = { ...defaultConfig(defs), unitPostcodes: opts.unitPostcodes ?? null, parameters: opts.parameters ?? {} };
    const [run] = await computeRuns(store, defs, [{ la: info, config }], asAt, { quarters: 1 });
    const out: OracleResult = {};
    for (const k of run!.kpis) {
      out[k.id] = { numerator: k.numerator ?? 0, denominator: k.denominator ?? null, ...(k.id === 'placed_within_20_miles' ? { unknown: k.unknown } : {}) };
    }
    return out;
  } finally {
    if (!opts.store) store.close();
  }
}

let shared: Store | null = null;
afterAll(() => { shared?.close(); shared = null; });
async function sharedStore(): Promise<Store> {
  shared ??= await Store.memory();
  return shared;
}

interface CompareOpts { populated?: boolean; unitPostcodes?: string; goodAttendance?: number; pepMonths?: number }

function compare(dir: string, la: string, asAt: string, o: CompareOpts = {}) {
  const populated = o.populated ?? true;
  const parameters: Record<string, number> = {};
  if (o.goodAttendance !== undefined) parameters.good_attendance_threshold = o.goodAttendance;
  if (o.pepMonths !== undefined) parameters.pep_window_months = o.pepMonths;
  return async () => {
    const info = resolveLa(la);
    const expected = oracleFromDir(dir, { ons: info.ons, dfe: info.dfe }, asAt, { referenceDir: REFERENCE_DIR, unitPostcodes: o.unitPostcodes, goodAttendance: o.goodAttendance, pepMonths: o.pepMonths });
    const fresh = o.unitPostcodes !== undefined || Object.keys(parameters).length > 0;
    const got = await product(dir, la, asAt, { store: fresh ? undefined : await sharedStore(), unitPostcodes: o.unitPostcodes, parameters });
    expect(Object.keys(expected).sort()).toEqual([...KPI_IDS].sort());
    const diffs: string[] = [];
    for (const id of KPI_IDS) {
      const e = expected[id]!, g = got[id];
      if (!g) { diffs.push(`${id}: missing from the product`); continue; }
      if (e.numerator !== g.numerator || e.denominator !== g.denominator || (e.unknown !== undefined && e.unknown !== g.unknown)) {
        diffs.push(`${id}: oracle ${JSON.stringify(e)} product ${JSON.stringify(g)}`);
      }
    }
    expect(diffs, `${la} at ${asAt}`).toEqual([]);
    // not a vacuous comparison: the extract populates the main cohorts
    if (populated) {
      expect(expected.placement_stability_short_term!.denominator).toBeGreaterThan(0);
      expect(expected.care_leavers_in_touch_19_21!.denominator).toBeGreaterThan(0);
    }
  };
}

describe('oracle helpers (spec common terms)', () => {
  it('month arithmetic clamps; W is the DfE year at 31 March', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2026-03-31', -30)).toBe('2023-09-30');
    expect(addDays(addMonths('2026-03-31', -12), 1)).toBe('2025-04-01');
  });
  it('ages by birthdays, 29 February -> 1 March', () => {
    expect(birthdayOfAge('2008-02-29', 17)).toBe('2025-03-01');
    expect(birthdayOfAge('2008-02-29', 16)).toBe('2024-02-29');
    expect(ageOn('2008-02-29', '2025-02-28')).toBe(16);
    expect(ageOn('2008-02-29', '2025-03-01')).toBe(17);
    expect(ageOn('2010-06-30', '2026-06-29')).toBe(15);
    expect(ageOn('2010-06-30', '2026-06-30')).toBe(16);
  });
  it('distance rounds half up to one decimal exactly', () => {
    // 32186.88 m = 20.0 miles exactly; 32105 m = 19.949 -> 19.9; 32106 m = 19.9496 -> 19.9; 32107 -> 19.9502 -> 20.0
    expect(distanceTenths(0n, 0n, 3218688n, 0n)).toBe(20000n); // 2000 miles
    expect(distanceTenths(0n, 0n, 32106n, 0n)).toBe(199n);
    expect(distanceTenths(0n, 0n, 32107n, 0n)).toBe(200n);
    expect(distanceTenths(0n, 0n, 30000n, 40000n)).toBe(311n); // 50000 m = 31.069 mi
    expect(distanceTenths(0n, 0n, 0n, 0n)).toBe(0n);
  });
  it('postcode parts: full, sector, and HA12 is not a sector', () => {
    expect(postcodeParts('ha1 2ab')).toEqual({ full: 'HA1 2AB', sector: 'HA1 2' });
    expect(postcodeParts('HA12AB')).toEqual({ full: 'HA1 2AB', sector: 'HA1 2' });
    expect(postcodeParts('HA1 2')).toEqual({ full: null, sector: 'HA1 2' });
    expect(postcodeParts('HA12')).toBeNull();
    expect(postcodeParts('')).toBeNull();
  });
});

describe('oracle vs product: committed samples (Harrow)', () => {
  const dates = readdirSync(SAMPLES).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
  it('has the 8 sample quarters', () => expect(dates).toHaveLength(8));
  for (const d of dates) it(`E09000015 at ${d}${d.endsWith('03-31') ? ' (DfE collection year)' : ''}`, compare(join(SAMPLES, d), 'E09000015', d), 60_000);
});

describe('oracle vs product: generated pool', () => {
  let tmp = '';
  const jobs: { dir: string; la: string; asAt: string }[] = [];
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'oracle-pool-'));
    const gen = join(ROOT, 'dist', 'data-samples', 'generate.js');
    if (!existsSync(gen)) throw new Error('build first (npm run build): dist/data-samples/generate.js is missing');
    execFileSync(process.execPath, [gen, '--pool', '3', '--out', join(tmp, 'pool'), '--as-at', '2026-03-31'], { stdio: 'pipe' });
    execFileSync(process.execPath, [gen, '--pool', '2', '--out', join(tmp, 'derived'), '--as-at', '2025-09-30', '--derived'], { stdio: 'pipe' });
  }, 120_000);
  afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });

  const cases = [
    { set: 'pool', la: 'E06000001', asAt: '2026-03-31' },
    { set: 'pool', la: 'E06000002', asAt: '2026-03-31' },
    { set: 'pool', la: 'E06000003', asAt: '2026-03-31' },
    { set: 'derived', la: 'E06000001', asAt: '2025-09-30' },
    { set: 'derived', la: 'E06000002', asAt: '2025-09-30' },
  ];
  for (const c of cases) {
    it(`${c.set} ${c.la} at ${c.asAt}`, async () => {
      await compare(join(tmp, c.set, c.la, c.asAt), c.la, c.asAt)();
    }, 60_000);
  }
  void jobs;
});

describe('oracle vs product: hand-built edge extracts', () => {
  let tmp = '';
  beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'oracle-edge-')); });
  afterAll(() => { if (tmp) rmSync(tmp, { recursive: true, force: true }); });
  it('edges at 31 March 2026', async () => {
    await compare(edgeExtract2026(join(tmp, 'e2026')), 'E09000015', '2026-03-31', { populated: false })();
  }, 60_000);
  it('edges at 31 March 2026, ISO dates, lower-case padded codes, columns in another order', async () => {
    await compare(edgeExtract2026(join(tmp, 'e2026m'), true), 'E09000015', '2026-03-31', { populated: false })();
  }, 60_000);
  it('edges at 31 March 2026 with a unit-level postcode file configured', async () => {
    const units = join(tmp, 'units.csv');
    writeFileSync(units, UNIT_FILE);
    await compare(edgeExtract2026(join(tmp, 'e2026u')), 'E09000015', '2026-03-31', { populated: false, unitPostcodes: units })();
  }, 60_000);
  it('edges at 31 March 2026 with configured parameters (good attendance 90%, PEP window 3 months)', async () => {
    await compare(edgeExtract2026(join(tmp, 'e2026p')), 'E09000015', '2026-03-31', { populated: false, goodAttendance: 90, pepMonths: 3 })();
  }, 60_000);
  it('the oracle is not blind to the variants: messy input reads the same, units and parameters change results', () => {
    const la = { ons: 'E09000015', dfe: '310' };
    const at = (dir: string, extra: object = {}) => oracleFromDir(dir, la, '2026-03-31', { referenceDir: REFERENCE_DIR, ...extra });
    const plain = at(join(tmp, 'e2026'));
    expect(at(join(tmp, 'e2026m'))).toEqual(plain);
    expect(at(join(tmp, 'e2026u'), { unitPostcodes: join(tmp, 'units.csv') }).placed_within_20_miles).not.toEqual(plain.placed_within_20_miles);
    const p = at(join(tmp, 'e2026p'), { goodAttendance: 90, pepMonths: 3 });
    expect(p.good_attendance).not.toEqual(plain.good_attendance);
    expect(p.pep_in_date).not.toEqual(plain.pep_in_date);
  });
  it('the built CLI (kpis --format json) gives the oracle numbers on the edge extract', () => {
    const cli = join(ROOT, 'dist', 'pipeline', 'cli', 'main.js');
    if (!existsSync(cli)) throw new Error('build first (npm run build): dist/pipeline/cli/main.js is missing');
    const dir = join(tmp, 'e2026');
    const out = execFileSync(process.execPath, [cli, 'kpis', '--data', dir, '--as-at', '2026-03-31', '--la', 'E09000015', '--store', join(tmp, 'cli.duckdb'), '--format', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    const json = JSON.parse(out) as { kpis: { id: string; numerator: number; denominator: number | null; unknown?: number }[] };
    const expected = oracleFromDir(dir, { ons: 'E09000015', dfe: '310' }, '2026-03-31', { referenceDir: REFERENCE_DIR });
    const got = Object.fromEntries(json.kpis.map((k) => [k.id, { numerator: k.numerator, denominator: k.denominator, ...(k.id === 'placed_within_20_miles' ? { unknown: k.unknown } : {}) }]));
    expect(got).toEqual(expected);
  }, 120_000);
  it('29 February birthdays at 31 March 2025', async () => {
    await compare(edgeExtract2025(join(tmp, 'e2025')), 'E09000015', '2025-03-31', { populated: false })();
  }, 60_000);
});
