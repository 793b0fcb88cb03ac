/**
 * Health (OC2) and missing KPIs (spec/kpis.md "Health and missing (903)", clarifications
 * 1-3) on small hand-built fixtures, each edge tested on both sides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureStore, addSnapshot, computeAt, members, LA, LA_DFE, type Rows } from './helpers/fixture-store.js';
import { prepare, computeMetric } from '../pipeline/compute/engine.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';
import type { Store } from '../pipeline/store/store.js';

type Row = Record<string, string | number | null>;

function epi(child: string, decom: string, dec: string | null, rec: string | null, rne = 'S', place = 'U4', extra: Row = {}): Row {
  return {
    child, decom, dec, rec, rne, ls: 'C2', cin: 'N1', place, place_provider: place.startsWith('T') ? null : 'PR1',
    home_post: 'HA1 2AB', pl_post: 'HA1 1AA', urn: 'SC1', ...extra,
  };
}
const oc2 = (child: string, ha: string | null, teeth: string | null, imm: string | null): Row => ({
  child, dob: '2015-01-01', health_assessment: ha, teeth_check: teeth, immunisations: imm, health_check: '1', convicted: '0',
});
const miss = (child: string, missing: string, mis_start: string, mis_end: string | null = null): Row => ({ child, dob: '2015-01-01', missing, mis_start, mis_end });

function withHeaders(rows: Rows): Rows {
  const kids = [...new Set((rows.episodes ?? []).map((e) => String(e.child)))];
  return { header: kids.map((k) => ({ child: k, sex: 'F', dob: '2015-01-01', ethnic: 'BAFR', mother: '0' })), ...rows };
}

const stores: Store[] = [];
async function store(rows: Rows, opts: { la?: string; asAt?: string } = {}) {
  const s = await fixtureStore(withHeaders(rows), opts);
  stores.push(s);
  return s;
}
afterEach(() => {
  while (stores.length) stores.pop()!.close();
});

async function byChild(s: Store, id: string, r = '2026-03-31', asAt = '2026-03-31') {
  const res = await computeAt(s, id, r, { asAt });
  const rows = (await members(s, id)) as Record<string, unknown>[];
  const kids: Record<string, number> = {};
  for (const m of rows) {
    expect(Number(m.den)).toBe(1);
    kids[String(m.child)] = Number(m.num);
  }
  return { res, kids };
}

describe('OC2 health KPIs', () => {
  const episodes: Row[] = [
    // looked after for at least 12 months at 31 March 2026: period started on or before 1 April 2025
    epi('IN12', '2025-04-01', null, null),
    epi('OUT12', '2025-04-02', null, null),
    // an X1 chain keeps the period (started 2024); a non-X1 end starts a new one the same day
    epi('CHAIN', '2024-01-01', '2025-06-01', 'X1'), epi('CHAIN', '2025-06-01', null, null, 'P', 'K2'),
    epi('GAP', '2024-01-01', '2025-06-01', 'E11'), epi('GAP', '2025-06-01', null, null, 'S', 'K2'),
    // a temporary placement open at R is still looked after
    epi('TEMP', '2024-01-01', '2026-03-01', 'X1'), epi('TEMP', '2026-03-01', null, null, 'P', 'T1'),
    // no OC2 row: counts as not done
    epi('NOOC2', '2020-01-01', null, null),
    // all flags 0
    epi('ZERO', '2020-01-01', null, null),
    // not looked after at R (left on R): its OC2 row is ignored
    epi('LEFT', '2020-01-01', '2026-03-31', 'E11'),
    // short breaks only: in no cohort
    epi('SB', '2020-01-01', null, null, 'S', 'U4', { ls: 'V4' }),
  ];
  const oc2rows: Row[] = [
    oc2('IN12', '1', '0', '1'), oc2('OUT12', '1', '1', '1'), oc2('CHAIN', '1', '1', '0'), oc2('GAP', '1', '1', '1'),
    oc2('TEMP', '0', '1', '1'), oc2('ZERO', '0', '0', '0'), oc2('LEFT', '1', '1', '1'), oc2('SB', '1', '1', '1'),
  ];
  const cohort = ['IN12', 'CHAIN', 'TEMP', 'NOOC2', 'ZERO'];
  const cases: [string, Record<string, number>][] = [
    ['health_assessment_up_to_date', { IN12: 1, CHAIN: 1, TEMP: 0, NOOC2: 0, ZERO: 0 }],
    ['dental_check_up_to_date', { IN12: 0, CHAIN: 1, TEMP: 1, NOOC2: 0, ZERO: 0 }],
    ['immunisations_up_to_date', { IN12: 1, CHAIN: 0, TEMP: 1, NOOC2: 0, ZERO: 0 }],
  ];
  for (const [id, expected] of cases) {
    it(`${id}: 12-month boundary, X1 chains vs gaps, no OC2 row, rows outside the cohort ignored`, async () => {
      const s = await store({ episodes, oc2: oc2rows });
      const { res, kids } = await byChild(s, id);
      expect(Object.keys(kids).sort()).toEqual([...cohort].sort());
      expect(kids).toEqual(expected);
      const num = Object.values(expected).reduce((a, b) => a + b, 0);
      expect(res.totals).toEqual([expect.objectContaining({ la: LA, r: '2026-03-31', numerator: num, denominator: 5, children: 5 })]);
      // breakdowns: all five are female, Black, not UASC
      expect(res.breakdowns.find((b) => b.dimension === 'sex' && b.category === 'Female')).toMatchObject({ numerator: num, denominator: 5 });
    });
  }

  it('29 February: at R = 28 February 2025 a period starting 29 February 2024 has lasted 12 months, 1 March 2024 has not', async () => {
    const s = await store({
      episodes: [epi('F29', '2024-02-29', null, null), epi('M01', '2024-03-01', null, null)],
      oc2: [oc2('F29', '1', '1', '1'), oc2('M01', '1', '1', '1')],
    }, { asAt: '2025-03-31' });
    const { kids } = await byChild(s, 'health_assessment_up_to_date', '2025-02-28', '2025-03-31');
    expect(kids).toEqual({ F29: 1 });
  });

  it('a child with two OC2 rows counts as done when either says 1', async () => {
    const s = await store({ episodes: [epi('A', '2020-01-01', null, null)], oc2: [oc2('A', '0', null, '0'), oc2('A', '1', null, '0')] });
    expect((await byChild(s, 'health_assessment_up_to_date')).kids).toEqual({ A: 1 });
    expect((await byChild(s, 'dental_check_up_to_date')).kids).toEqual({ A: 0 });
  });
});

describe('went_missing', () => {
  it('cohort: episodes overlapping W; numerator: M incidents starting in W; short breaks and A incidents excluded', async () => {
    const episodes: Row[] = [
      epi('EDGE', '2024-01-01', '2025-04-01', 'E11'), // ends on W's first day: not in the cohort
      epi('EDGE2', '2024-01-01', '2025-04-02', 'E11'), // ends the day after: in
      epi('ONR', '2026-03-31', null, null), // starts on R: in
      epi('OPEN', '2020-01-01', null, null),
      epi('WSTART', '2020-01-01', null, null), // incident on W's first day: counts
      epi('BEFORE', '2020-01-01', null, null), // incident the day before W: does not
      epi('ATR', '2020-01-01', null, null), // incident on R: counts
      epi('AWAY', '2020-01-01', null, null), // A (away without authorisation) only: does not count
      epi('TWICE', '2020-01-01', null, null), // two incidents: counted once
      epi('LEFTW', '2020-01-01', '2025-06-01', 'E11'), // left care in W, went missing after leaving (in W): counts by its start date
      epi('OLD', '2020-01-01', '2025-01-01', 'E11'), // left before W: incident in W ignored
      epi('SB', '2025-06-01', null, null, 'S', 'U4', { ls: 'V3' }), // short breaks only
      // short-break episode overlapping W, care episode ended before W: not in the cohort
      epi('SBOLD', '2020-01-01', '2025-01-01', 'E11'), epi('SBOLD', '2025-06-01', '2025-06-03', 'E8', 'S', 'U4', { ls: 'V4' }),
    ];
    const missing: Row[] = [
      miss('EDGE', 'M', '2025-04-01'), miss('EDGE2', 'M', '2025-04-01', '2025-04-02'), miss('ONR', 'M', '2026-03-31'),
      miss('WSTART', 'M', '2025-04-01'), miss('BEFORE', 'M', '2025-03-31', '2025-04-05'), miss('ATR', 'M', '2026-03-31'),
      miss('AWAY', 'A', '2025-06-01'), miss('TWICE', 'M', '2025-06-01'), miss('TWICE', 'M', '2025-07-01'),
      miss('LEFTW', 'M', '2025-07-01'), miss('OLD', 'M', '2025-07-01'), miss('SB', 'M', '2025-07-01'), miss('SBOLD', 'M', '2025-06-02'),
    ];
    const s = await store({ episodes, missing });
    const { res, kids } = await byChild(s, 'went_missing');
    expect(kids).toEqual({ EDGE2: 1, ONR: 1, OPEN: 0, WSTART: 1, BEFORE: 0, ATR: 1, AWAY: 0, TWICE: 1, LEFTW: 1 });
    expect(res.totals[0]).toMatchObject({ numerator: 6, denominator: 9 });
  });

  it('29 February: at R = 28 February 2025, W starts on 29 February 2024', async () => {
    const s = await store({
      episodes: [epi('A', '2020-01-01', null, null), epi('B', '2020-01-01', null, null)],
      missing: [miss('A', 'M', '2024-02-29'), miss('B', 'M', '2024-02-28')],
    }, { asAt: '2025-03-31' });
    expect((await byChild(s, 'went_missing', '2025-02-28', '2025-03-31')).kids).toEqual({ A: 1, B: 0 });
  });

  it('can be recomputed at an earlier quarter from a later extract', async () => {
    const s = await store({
      episodes: [epi('A', '2020-01-01', null, null), epi('B', '2025-11-01', null, null), epi('C', '2020-01-01', '2025-02-01', 'E11')],
      missing: [miss('A', 'M', '2025-12-31'), miss('A', 'M', '2026-01-01'), miss('C', 'M', '2025-01-15')],
    });
    // R = 2025-12-31: W from 2025-01-01; B (in care from 2025-11-01) is in; at 2025-09-30 B is not yet looked after
    expect((await byChild(s, 'went_missing', '2025-12-31')).kids).toEqual({ A: 1, B: 0, C: 1 });
    expect((await byChild(s, 'went_missing', '2025-09-30')).kids).toEqual({ A: 0, C: 1 });
    expect((await byChild(s, 'went_missing', '2026-03-31')).kids).toEqual({ A: 1, B: 0 });
  });
});

describe('at a 31 March R the health KPIs follow the DfE annual definitions', () => {
  it('W and the 12-month cohort are the collection year (1 April to 31 March)', async () => {
    const s = await store({
      episodes: [
        epi('Y1', '2025-04-01', null, null), // in care all year: in the OC2 cohort
        epi('Y2', '2025-04-02', null, null), // not looked after for 12 months at 31 March
        epi('Y3', '2024-01-01', '2025-04-01', 'E11'), // left on 1 April 2025: not looked after during the year
        epi('Y4', '2024-01-01', '2025-04-02', 'E11'), // looked after on 1 April 2025: in the year
      ],
      oc2: [oc2('Y1', '1', '1', '1'), oc2('Y2', '1', '1', '1')],
      missing: [miss('Y1', 'M', '2025-04-01'), miss('Y2', 'M', '2025-03-31'), miss('Y3', 'M', '2025-04-01'), miss('Y4', 'M', '2026-03-31')],
    });
    for (const id of ['health_assessment_up_to_date', 'dental_check_up_to_date', 'immunisations_up_to_date']) {
      expect((await byChild(s, id)).kids).toEqual({ Y1: 1 });
    }
    expect((await byChild(s, 'went_missing')).kids).toEqual({ Y1: 1, Y2: 0, Y4: 1 });
  });
});

describe('two LAs in one computation', () => {
  it('give the same numbers as each LA alone', async () => {
    const a: Rows = {
      episodes: [epi('A', '2020-01-01', null, null), epi('B', '2025-06-01', null, null), epi('C', '2020-01-01', null, null)],
      oc2: [oc2('A', '1', '0', '1'), oc2('C', '0', '1', '1')],
      missing: [miss('A', 'M', '2025-06-01'), miss('B', 'M', '2025-07-01')],
    };
    // same child ids in another LA's extract
    const b: Rows = {
      episodes: [epi('A', '2020-01-01', null, null), epi('D', '2024-01-01', null, null)],
      oc2: [oc2('A', '0', '1', '0'), oc2('D', '1', '1', '1')],
      missing: [miss('D', 'M', '2025-06-01')],
    };
    const ids = ['health_assessment_up_to_date', 'dental_check_up_to_date', 'immunisations_up_to_date', 'went_missing'];
    const rs = ['2025-12-31', '2026-03-31'];
    const alone = async (rows: Rows, la: string, laDfe: string) => {
      const s = await store(rows, { la });
      const out: Record<string, unknown> = {};
      for (const id of ids) out[id] = (await computeAt(s, id, rs, { la, laDfe, asAt: '2026-03-31' })).totals;
      return out;
    };
    const one = await alone(a, LA, LA_DFE);
    const two = await alone(b, 'E09000005', '304');
    const both = await store(a);
    await addSnapshot(both, withHeaders(b), { la: 'E09000005' });
    await prepare(both, rs.flatMap((r) => [
      { la: LA, laDfe: LA_DFE, asAt: '2026-03-31', r },
      { la: 'E09000005', laDfe: '304', asAt: '2026-03-31', r },
    ]));
    for (const id of ids) {
      const { totals } = await computeMetric(both, loadMetrics().find((d) => d.id === id)!);
      expect(totals.filter((t) => t.la === LA)).toEqual(one[id]);
      expect(totals.filter((t) => t.la === 'E09000005')).toEqual(two[id]);
    }
    expect((one.health_assessment_up_to_date as { numerator: number; denominator: number }[])[1]).toMatchObject({ numerator: 1, denominator: 2 });
    expect((two.health_assessment_up_to_date as { numerator: number; denominator: number }[])[1]).toMatchObject({ numerator: 1, denominator: 2 });
    expect((one.went_missing as { numerator: number; denominator: number }[])[1]).toMatchObject({ numerator: 2, denominator: 3 });
  });
});
