/**
 * Care-leaver KPIs (OC3 and the local tracking extract) on small hand-built fixtures.
 * R = 2026-03-31 unless stated, so W = 2025-04-01 .. 2026-03-31.
 */
import { describe, expect, it } from 'vitest';
import { fixtureStore, addSnapshot, computeAt, members, LA, LA_DFE, type Rows } from './helpers/fixture-store.js';
import { Store } from '../pipeline/store/store.js';
import { prepare, computeMetric } from '../pipeline/compute/engine.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';

const R = '2026-03-31';

type Row = Record<string, string | number | null>;
const oc3 = (child: string, dob: string, in_touch = 'YES', activ: string | null = 'F1', accom: string | null = 'D1'): Row => ({ child, dob, in_touch, activ, accom });
const ep = (child: string, decom: string, dec: string | null = null, rec: string | null = null, ls = 'C2'): Row => ({
  child, decom, dec, rec, ls, rne: 'S', place: 'U1', cin: 'N1',
});

/** Member rows of a metric at its last computeAt, as `child -> num` (rows per child joined). */
async function memberMap(store: Store, id: string): Promise<Record<string, number[]>> {
  const rows = (await members(store, id)) as { child: string; num: number | bigint }[];
  const out: Record<string, number[]> = {};
  for (const r of rows) (out[r.child] ??= []).push(Number(r.num));
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

async function run(rows: Rows, id: string, r = R, asAt = r) {
  const store = await fixtureStore(rows, { asAt });
  const res = await computeAt(store, id, r, { asAt });
  const m = await memberMap(store, id);
  return { total: res.totals[0]!, breakdowns: res.breakdowns, members: m, store };
}

describe('care_leavers_in_touch_19_21', () => {
  it('takes the 19th/20th/21st birthday in W, applies every exclusion and counts rows', async () => {
    const rows: Rows = {
      oc3: [
        oc3('W19', '2006-04-01'), // 19th on 2025-04-01 = first day of W: in
        oc3('R21', '2004-03-31', 'YES'), // 21st on 2025-03-31, the day before W: out
        oc3('W21', '2004-04-01', 'NO'), // 21st on the first day of W: in (not in touch)
        oc3('ONR', '2007-03-31', 'REFU'), // 19th on R: in (refused stays in)
        oc3('AFT', '2007-04-01', 'YES'), // 19th on 2026-04-01, the day after R: out
        oc3('N20', '2006-03-31', 'NREQ'), // 20th on R: in (NREQ stays in)
        oc3('FEB', '2008-02-29', 'YES'), // 18th on 2026-03-01: not this band at R 2026
        oc3('DIE', '2006-06-01', 'DIED'),
        oc3('RHO', '2006-06-01', 'RHOM'),
        oc3('E3L', '2006-06-01', 'YES'), // last episode ended E3: out
        oc3('E3E', '2006-06-01', 'YES'), // E3 on an earlier episode only: in
        oc3('E3S', '2006-06-01', 'YES'), // last non-short-break episode E3, short break after: out
        oc3('SBE', '2006-06-01', 'YES'), // a short break ended E3 after an E4A episode: in
        oc3('NOE', '2006-06-01', 'YES'), // no episodes at all: in
        oc3('SBO', '2006-06-01', 'YES'), // short breaks only: in no cohort
        oc3('TWO', '2005-12-01', 'YES'), // two rows for one child: counted twice
        oc3('TWO', '2005-12-01', 'NO'),
        oc3('OLD', '2003-06-01', 'YES'), // 22nd in W: out
      ],
      header: [{ child: 'W19', sex: 'M', dob: '1990-01-01' }],
      episodes: [
        ep('E3L', '2020-01-01', '2023-01-01', 'E3'),
        ep('E3E', '2018-01-01', '2019-01-01', 'E3'),
        ep('E3E', '2020-01-01', '2023-01-01', 'E4A'),
        ep('E3S', '2020-01-01', '2023-01-01', 'E3'),
        ep('E3S', '2023-06-01', '2023-06-03', 'E13', 'V3'),
        ep('SBE', '2020-01-01', '2023-01-01', 'E4A'),
        ep('SBE', '2023-06-01', '2023-06-03', 'E3', 'V4'),
        ep('SBO', '2020-01-01', '2020-01-03', 'E13', 'V3'),
      ],
    };
    const { total, members: m, breakdowns } = await run(rows, 'care_leavers_in_touch_19_21');
    expect(m).toEqual({ W19: [1], W21: [0], ONR: [0], N20: [0], E3E: [1], SBE: [1], NOE: [1], TWO: [0, 1] });
    expect(total).toMatchObject({ numerator: 5, denominator: 9 });
    // Age bands use the OC3 row's own DOB (W19's Header says 1990, its OC3 row says 19 at R).
    const ages = breakdowns.filter((b) => b.dimension === 'age_band');
    expect(ages.map((b) => [b.category, b.denominator])).toEqual([['18 to 20', 8], ['21 and over', 1]]);
  });

  it('29 February: the 19th birthday of 2008-02-29 is 1 March 2027, in W at R 2027-03-31', async () => {
    const rows: Rows = { oc3: [oc3('FEB', '2008-02-29', 'YES'), oc3('LEAP', '2004-02-29', 'NO')] };
    // 2004-02-29: 21st on 2025-03-01 (non-leap), before W at R 2027; at R 2024-03-31 its 20th is 2024-02-29.
    const a = await run(rows, 'care_leavers_in_touch_19_21', '2027-03-31');
    expect(a.members).toEqual({ FEB: [1] });
    const b = await run(rows, 'care_leavers_in_touch_19_21', '2026-03-31');
    expect(b.members).toEqual({});
    expect(b.total).toMatchObject({ numerator: 0, denominator: 0 });
    const c = await run(rows, 'care_leavers_in_touch_19_21', '2024-03-31');
    expect(c.members).toEqual({ LEAP: [0] });
    const d = await run(rows, 'care_leavers_in_touch_19_21', '2025-03-31');
    expect(d.members).toEqual({ LEAP: [0] }); // 21st on 2025-03-01, in W 2024-04-01..2025-03-31
  });
});

describe('care_leavers_in_touch_17_18', () => {
  it('takes the 17th/18th birthday in W and drops anyone looked after on it', async () => {
    const rows: Rows = {
      oc3: [
        oc3('W17', '2008-04-01'), // 17th on the first day of W: in
        oc3('B17', '2008-03-31', 'NO'), // 17th the day before W, 18th on R: in
        oc3('AFT', '2009-04-01'), // 17th the day after R: out
        oc3('O19', '2007-03-31'), // 19th on R: other band
        oc3('LA8', '2007-10-10'), // 18th 2025-10-10, looked after that day: out
        oc3('END', '2007-10-10', 'NO'), // episode ended ON the 18th birthday: not looked after then: in
        oc3('OLD', '2008-06-15'), // 17th in W; looked after on the 16th only: in
        oc3('FEB', '2008-02-29', 'YES'), // 18th on 2026-03-01; episode ended that day: in
        oc3('FEL', '2008-02-29', 'YES'), // 18th on 2026-03-01; episode ended 2026-03-02: out
        oc3('SBB', '2007-10-10', 'YES'), // short break open on the birthday, earlier care: in
        oc3('DIE', '2007-10-10', 'DIED'),
        oc3('E3L', '2007-10-10', 'YES'),
        oc3('SBO', '2007-10-10', 'YES'),
      ],
      episodes: [
        ep('LA8', '2020-01-01', '2025-10-11', 'E4A'),
        ep('END', '2020-01-01', '2025-10-10', 'E4A'),
        ep('OLD', '2023-01-01', '2024-06-16', 'E4A'),
        ep('FEB', '2020-01-01', '2026-03-01', 'E4A'),
        ep('FEL', '2020-01-01', '2026-03-02', 'E4A'),
        ep('SBB', '2015-01-01', '2016-01-01', 'E4A'),
        ep('SBB', '2025-10-01', null, null, 'V3'),
        ep('E3L', '2020-01-01', '2024-01-01', 'E3'),
        ep('SBO', '2025-10-01', '2025-10-20', 'E13', 'V4'),
      ],
    };
    const { total, members: m } = await run(rows, 'care_leavers_in_touch_17_18');
    expect(m).toEqual({ W17: [1], B17: [0], END: [0], OLD: [1], FEB: [1], SBB: [1] });
    expect(total).toMatchObject({ numerator: 4, denominator: 6 });
  });
});

describe('care_leavers_suitable_accommodation_19_21', () => {
  it('counts ACCOM ending 1 over the cohort less G, H and R', async () => {
    const rows: Rows = {
      oc3: [
        oc3('D1', '2006-06-01', 'YES', 'F1', 'D1'),
        oc3('U1', '2006-06-01', 'YES', 'F1', 'U1'),
        oc3('W2', '2006-06-01', 'YES', 'F1', 'W2'),
        oc3('G1', '2006-06-01', 'YES', 'F1', 'G1'), // gone abroad: out, never suitable
        oc3('G2', '2006-06-01', 'YES', 'F1', 'G2'),
        oc3('H2', '2006-06-01', 'YES', 'F1', 'H2'),
        oc3('R1', '2006-06-01', 'YES', 'F1', 'R1'),
        oc3('Z0', '2006-06-01', 'NO', '0', '0'), // not known: in, not suitable
        oc3('NUL', '2006-06-01', 'NO', null, null), // blank: in, not suitable
        oc3('DIE', '2006-06-01', 'DIED', '0', '0'),
        oc3('RHO', '2006-06-01', 'RHOM', '0', '0'),
        oc3('E3L', '2006-06-01', 'YES', 'F1', 'D1'),
        oc3('OUT', '2007-04-01', 'YES', 'F1', 'D1'), // 19th the day after R
        oc3('TWO', '2006-06-01', 'YES', 'F1', 'B1'),
        oc3('TWO', '2006-06-01', 'YES', 'F1', 'B1'),
      ],
      episodes: [ep('E3L', '2020-01-01', '2023-01-01', 'E3')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_suitable_accommodation_19_21');
    expect(m).toEqual({ D1: [1], U1: [1], W2: [0], Z0: [0], NUL: [0], TWO: [1, 1] });
    expect(total).toMatchObject({ numerator: 4, denominator: 7 });
  });
});

describe('care_leavers_suitable_accommodation_17_18', () => {
  it('same rule over the 17-18 cohort, without those looked after on the birthday', async () => {
    const rows: Rows = {
      oc3: [
        oc3('K1', '2008-06-01', 'YES', 'F1', 'K1'),
        oc3('V2', '2008-06-01', 'YES', 'F1', 'V2'),
        oc3('G1', '2008-06-01', 'YES', 'F1', 'G1'),
        oc3('H1', '2008-06-01', 'YES', 'F1', 'H1'),
        oc3('R2', '2008-06-01', 'YES', 'F1', 'R2'),
        oc3('Z0', '2008-06-01', 'REFU', '0', '0'),
        oc3('LAB', '2008-06-01', 'YES', 'F1', 'Z1'), // looked after on the 17th birthday
        oc3('OUT', '2009-04-01', 'YES', 'F1', 'Z1'),
        oc3('SBO', '2008-06-01', 'YES', 'F1', 'Z1'),
      ],
      episodes: [ep('LAB', '2024-01-01', null), ep('SBO', '2024-01-01', '2024-01-02', 'E13', 'V3')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_suitable_accommodation_17_18');
    expect(m).toEqual({ K1: [1], V2: [0], Z0: [0] });
    expect(total).toMatchObject({ numerator: 1, denominator: 3 });
  });
});

describe('care_leavers_eet_19_21', () => {
  it('counts ACTIV F1..F5 / P1..P5 over the whole cohort', async () => {
    const rows: Rows = {
      oc3: ['F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5', 'G4', 'G5', 'G6', '0'].map((a) => oc3(`A${a}`, '2005-09-09', a === '0' ? 'NO' : 'YES', a, a === '0' ? '0' : 'D1'))
        .concat([oc3('NUL', '2005-09-09', 'NO', null, null), oc3('DIE', '2005-09-09', 'DIED', '0', '0'), oc3('RHO', '2005-09-09', 'RHOM', '0', '0'),
          oc3('E3L', '2005-09-09', 'YES', 'F1', 'D1'), oc3('TWO', '2005-09-09', 'YES', 'F5', 'D1'), oc3('TWO', '2005-09-09', 'YES', 'G4', 'D1'),
          oc3('OUT', '2004-03-31', 'YES', 'F1', 'D1')]),
      episodes: [ep('E3L', '2019-01-01', '2020-01-01', 'E11'), ep('E3L', '2020-01-01', '2023-01-01', 'E3')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_eet_19_21');
    expect(Object.keys(m).sort()).toEqual(['A0', 'AF1', 'AF2', 'AF3', 'AF4', 'AF5', 'AG4', 'AG5', 'AG6', 'AP1', 'AP2', 'AP3', 'AP4', 'AP5', 'NUL', 'TWO']);
    expect(m.TWO).toEqual([0, 1]);
    expect(total).toMatchObject({ numerator: 11, denominator: 17 });
  });
});

describe('care_leavers_eet_17_18', () => {
  it('counts EET over the 17-18 cohort', async () => {
    const rows: Rows = {
      oc3: [
        oc3('F4', '2008-12-31', 'YES', 'F4', 'D1'),
        oc3('G6', '2008-12-31', 'YES', 'G6', 'D1'),
        oc3('P2', '2007-04-01', 'YES', 'P2', 'D1'), // 18th on the first day of W
        oc3('P3', '2007-03-31', 'YES', 'P3', 'D1'), // 18th the day before W, 19th on R: other band
        oc3('LA', '2008-12-31', 'YES', 'F1', 'D1'), // looked after on the 17th birthday
        oc3('E3', '2008-12-31', 'YES', 'F1', 'D1'),
        oc3('NOE', '2008-12-31', 'NO', '0', '0'),
      ],
      episodes: [ep('LA', '2025-12-01', '2026-01-01', 'E4A'), ep('E3', '2020-01-01', '2025-12-01', 'E3')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_eet_17_18');
    expect(m).toEqual({ F4: [1], G6: [0], P2: [1], NOE: [0] });
    expect(total).toMatchObject({ numerator: 2, denominator: 4 });
  });
});

const tr = (child: string, dob: string, extra: Row = {}): Row => ({ child, dob, case_status: 'OPEN', ...extra });

describe('care_leavers_contact_within_8_weeks', () => {
  it('open cases aged 18 to 20 at R; contact R-55 counts, R-56 does not', async () => {
    const rows: Rows = {
      care_leavers: [
        tr('C55', '2006-06-01', { last_contact_date: '2026-02-04' }), // 56 days incl. R
        tr('C56', '2006-06-01', { last_contact_date: '2026-02-03' }), // 57 days
        tr('ONR', '2006-06-01', { last_contact_date: '2026-03-31' }),
        tr('FUT', '2006-06-01', { last_contact_date: '2026-04-01' }), // after R: loaded, not counted
        tr('NUL', '2006-06-01'),
        tr('CLO', '2006-06-01', { case_status: 'CLOSED', case_closed_date: '2026-01-01', closure_reason: 'OTHER', last_contact_date: '2026-03-01' }),
        tr('E18', '2008-03-31', { last_contact_date: '2026-03-30' }), // 18th on R: in
        tr('Y17', '2008-04-01', { last_contact_date: '2026-03-30' }), // 18th the day after R: out
        tr('L20', '2005-04-01', { last_contact_date: '2026-03-30' }), // 21st the day after R: in
        tr('A21', '2005-03-31', { last_contact_date: '2026-03-30' }), // 21st on R: out
        tr('FEB', '2008-02-29', { last_contact_date: '2026-03-30' }), // 18th on 2026-03-01: in
        tr('SBO', '2006-06-01', { last_contact_date: '2026-03-30' }),
        tr('TWO', '2006-06-01', { last_contact_date: '2026-03-30' }),
        tr('TWO', '2006-06-01', { last_contact_date: '2025-03-30' }),
      ],
      episodes: [ep('SBO', '2020-01-01', '2020-01-02', 'E13', 'V3')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_contact_within_8_weeks');
    expect(m).toEqual({ C55: [1], C56: [0], ONR: [1], FUT: [0], NUL: [0], E18: [1], L20: [1], FEB: [1], TWO: [0, 1] });
    expect(total).toMatchObject({ numerator: 6, denominator: 10 });
  });

  it('29 February: the 18th birthday of 2008-02-29 is 1 March 2026, after an R of 28 February', async () => {
    const rows: Rows = { care_leavers: [tr('FEB', '2008-02-29', { last_contact_date: '2026-02-20' }), tr('ADU', '2008-02-28', { last_contact_date: '2026-02-20' })] };
    const { members: m } = await run(rows, 'care_leavers_contact_within_8_weeks', '2026-02-28');
    expect(m).toEqual({ ADU: [1] });
  });
});

describe('care_leavers_pathway_plan_in_date', () => {
  it('open cases aged 18 to 20; plan within the 6 months to R (2025-10-01 in, 2025-09-30 out)', async () => {
    const rows: Rows = {
      care_leavers: [
        tr('IN', '2006-06-01', { pathway_plan_date: '2025-10-01' }),
        tr('EDGE', '2006-06-01', { pathway_plan_date: '2025-09-30' }),
        tr('ONR', '2006-06-01', { pathway_plan_date: '2026-03-31' }),
        tr('FUT', '2006-06-01', { pathway_plan_date: '2026-04-01' }),
        tr('NUL', '2006-06-01'),
        tr('CLO', '2006-06-01', { case_status: 'CLOSED', case_closed_date: '2026-01-01', closure_reason: 'OTHER', pathway_plan_date: '2026-01-01' }),
        tr('Y17', '2008-04-01', { pathway_plan_date: '2026-01-01' }),
        tr('A21', '2005-03-31', { pathway_plan_date: '2026-01-01' }),
        tr('SBO', '2006-06-01', { pathway_plan_date: '2026-01-01' }),
      ],
      episodes: [ep('SBO', '2020-01-01', '2020-01-02', 'E13', 'V4')],
    };
    const { total, members: m } = await run(rows, 'care_leavers_pathway_plan_in_date');
    expect(m).toEqual({ IN: [1], EDGE: [0], ONR: [1], FUT: [0], NUL: [0] });
    expect(total).toMatchObject({ numerator: 2, denominator: 5 });
  });

  it('month-end clamping: at R 2026-06-30 the window starts after 2025-12-30', async () => {
    const rows: Rows = {
      care_leavers: [tr('A', '2006-06-01', { pathway_plan_date: '2025-12-30' }), tr('B', '2006-06-01', { pathway_plan_date: '2025-12-31' })],
    };
    const { members: m } = await run(rows, 'care_leavers_pathway_plan_in_date', '2026-06-30');
    expect(m).toEqual({ A: [0], B: [1] });
  });
});

describe('care_leaver_cases_closed_before_21', () => {
  const closed = (child: string, dob: string, date: string, reason: string | null = 'DECLINED_SUPPORT', status = 'CLOSED'): Row =>
    tr(child, dob, { case_status: status, case_closed_date: date, closure_reason: reason });

  it('counts every row closed in W before the 21st birthday, reasons other than DIED/TRANSFERRED/MOVED_ABROAD', async () => {
    const rows: Rows = {
      care_leavers: [
        closed('WST', '2005-06-10', '2025-04-01'), // first day of W: counted
        closed('WBF', '2005-06-10', '2025-03-31'), // day before W: not
        closed('ONR', '2005-06-10', '2026-03-31'), // on R: counted
        closed('AFT', '2005-06-10', '2026-04-01'), // after R (loaded with a warning): not
        closed('B21', '2004-10-10', '2025-10-09'), // day before the 21st birthday: counted
        closed('O21', '2004-10-10', '2025-10-10', 'AGE_21'), // on the 21st birthday: not
        closed('DIE', '2006-01-01', '2025-06-01', 'DIED'),
        closed('TRA', '2006-01-01', '2025-06-01', 'TRANSFERRED'),
        closed('ABR', '2006-01-01', '2025-06-01', 'MOVED_ABROAD'),
        closed('RET', '2006-01-01', '2025-06-01', 'RETURNED_HOME'), // counted
        closed('OTH', '2006-01-01', '2025-06-01', 'OTHER'), // counted
        closed('BLK', '2006-01-01', '2025-06-01', null), // blank reason: counted
        closed('REO', '2006-01-01', '2025-06-01', 'DECLINED_SUPPORT', 'OPEN'), // reopened since: counted
        closed('Y16', '2009-01-01', '2025-06-01'), // 16 now, any age: counted
        closed('SBO', '2006-01-01', '2025-06-01'), // short-break-only: no cohort, counted
        tr('OPN', '2006-01-01'), // never closed
      ],
      episodes: [ep('SBO', '2020-01-01', '2020-01-02', 'E13', 'V3')],
    };
    const { total, members: m, breakdowns } = await run(rows, 'care_leaver_cases_closed_before_21');
    expect(Object.keys(m).sort()).toEqual(['B21', 'BLK', 'ONR', 'OTH', 'REO', 'RET', 'SBO', 'WST', 'Y16']);
    // A count KPI: the value is the count, no denominator.
    expect(total.numerator).toBe(9);
    expect(total.denominator).toBeNull();
    expect(breakdowns.filter((b) => b.dimension === 'sex').reduce((s, b) => s + (b.numerator ?? 0), 0)).toBe(9);
  });

  it('29 February: the 21st birthday of 2004-02-29 is 1 March 2025, so a closure on 28 February counts', async () => {
    const rows: Rows = {
      care_leavers: [closed('FEB', '2004-02-29', '2025-02-28'), closed('MAR', '2004-02-29', '2025-03-01')],
    };
    const { total, members: m } = await run(rows, 'care_leaver_cases_closed_before_21', '2025-03-31');
    expect(m).toEqual({ FEB: [1] });
    expect(total.numerator).toBe(1);
  });

  it('is 0 (not blank) with nothing to count', async () => {
    const { total } = await run({ care_leavers: [tr('OPN', '2006-01-01')] }, 'care_leaver_cases_closed_before_21');
    expect(total.numerator).toBe(0);
    expect(total.denominator).toBeNull();
  });
});

describe('care-leaver KPIs: two LAs in one calculation', () => {
  const IDS = ['care_leavers_in_touch_19_21', 'care_leavers_in_touch_17_18', 'care_leavers_suitable_accommodation_19_21',
    'care_leavers_suitable_accommodation_17_18', 'care_leavers_eet_19_21', 'care_leavers_eet_17_18',
    'care_leavers_contact_within_8_weeks', 'care_leavers_pathway_plan_in_date', 'care_leaver_cases_closed_before_21'];
  const OTHER = 'E09000003';
  const rowsA: Rows = {
    oc3: [oc3('A1', '2006-06-01'), oc3('A2', '2008-06-01', 'NO', 'G4', 'D2'), oc3('A3', '2006-06-01', 'YES', 'F1', 'G1'), oc3('A4', '2008-06-01')],
    episodes: [ep('A4', '2024-01-01', null), ep('A1', '2010-01-01', '2012-01-01', 'E4A')],
    care_leavers: [tr('A1', '2006-06-01', { last_contact_date: '2026-03-01', pathway_plan_date: '2025-12-01' }), tr('A9', '2006-06-01', { case_status: 'CLOSED', case_closed_date: '2025-08-01', closure_reason: 'OTHER' })],
  };
  // The same child ids in the other LA, with different data.
  const rowsB: Rows = {
    oc3: [oc3('A1', '2006-06-01', 'NO'), oc3('A2', '2008-06-01', 'YES', 'F2', 'D1'), oc3('B3', '2005-01-01', 'YES', 'P1', 'B1')],
    episodes: [ep('A1', '2010-01-01', '2012-01-01', 'E3'), ep('A2', '2024-01-01', '2025-01-01', 'E4A')],
    care_leavers: [tr('A1', '2006-06-01', { last_contact_date: '2025-03-01' }), tr('A9', '2006-06-01', { case_status: 'CLOSED', case_closed_date: '2025-08-01', closure_reason: 'DIED' }),
      tr('B2', '2007-01-01', { case_status: 'CLOSED', case_closed_date: '2025-09-01' }), tr('B3', '2007-01-01', { case_status: 'CLOSED', case_closed_date: '2025-10-01', closure_reason: 'OTHER' })],
  };

  it('gives each LA the same numbers as computing it alone', async () => {
    const both = await Store.memory();
    await addSnapshot(both, rowsA, { la: LA, asAt: R });
    await addSnapshot(both, rowsB, { la: OTHER, asAt: R });
    const defs = loadMetrics().filter((d) => IDS.includes(d.id));
    expect(defs.map((d) => d.id).sort()).toEqual([...IDS].sort());
    await prepare(both, [
      { la: LA, laDfe: LA_DFE, asAt: R, r: R },
      { la: OTHER, laDfe: '302', asAt: R, r: R },
      { la: LA, laDfe: LA_DFE, asAt: R, r: '2025-12-31' },
    ]);
    const together = new Map<string, Awaited<ReturnType<typeof computeMetric>>>();
    for (const d of defs) together.set(d.id, await computeMetric(both, d));

    const aloneA = await fixtureStore(rowsA, { asAt: R });
    const aloneB = await fixtureStore(rowsB, { la: OTHER, asAt: R });
    let nonEmpty = 0;
    for (const d of defs) {
      const t = together.get(d.id)!;
      const a = await computeAt(aloneA, d.id, ['2025-12-31', R], { asAt: R });
      const b = await computeAt(aloneB, d.id, R, { la: OTHER, laDfe: '302', asAt: R });
      const pick = (x: typeof a.totals) => x.map((p) => ({ la: p.la, r: p.r, n: p.numerator, d: p.denominator }));
      expect(pick(t.totals.filter((p) => p.la === LA))).toEqual(pick(a.totals));
      expect(pick(t.totals.filter((p) => p.la === OTHER))).toEqual(pick(b.totals));
      expect(t.breakdowns.filter((p) => p.la === OTHER)).toEqual(b.breakdowns);
      expect(t.breakdowns.filter((p) => p.la === LA)).toEqual(a.breakdowns);
      if ([...a.totals, ...b.totals].some((p) => (p.numerator ?? 0) > 0)) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(7);
  });
});
