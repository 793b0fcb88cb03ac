/**
 * Placement KPIs (spec/kpis.md "Placements (episodes)", clarifications 3-7) on small
 * hand-built fixtures. Every edge the definitions name is tested on both sides.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureStore, addSnapshot, computeAt, members, LA, LA_DFE, type Rows } from './helpers/fixture-store.js';
import { prepare, computeMetric } from '../pipeline/compute/engine.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';
import type { Store } from '../pipeline/store/store.js';

type Row = Record<string, string | number | null>;

/** One episode. Defaults: LS C2, foster placement U4 in Harrow, URN SC1. */
function epi(child: string, decom: string, dec: string | null, rec: string | null, rne: string, place = 'U4', extra: Row = {}): Row {
  return {
    child, decom, dec, rec, rne, ls: 'C2', cin: 'N1', place, place_provider: place.startsWith('T') ? null : 'PR1',
    home_post: 'HA1 2AB', pl_post: 'HA1 1AA', urn: 'SC1', ...extra,
  };
}
const hdr = (child: string, dob = '2015-01-01', sex = 'M'): Row => ({ child, sex, dob, ethnic: 'WBRI', mother: '0' });

/** Header rows for every child with episodes. */
function withHeaders(episodes: Row[], dobs: Record<string, string> = {}): Rows {
  const kids = [...new Set(episodes.map((e) => String(e.child)))];
  return { header: kids.map((k) => hdr(k, dobs[k])), episodes };
}

const stores: Store[] = [];
async function store(rows: Rows, opts: { la?: string; asAt?: string } = {}) {
  const s = await fixtureStore(rows, opts);
  stores.push(s);
  return s;
}
afterEach(() => {
  while (stores.length) stores.pop()!.close();
});

/** Member rows of a KPI at r, by child: { num, den, unknown }. */
async function byChild(s: Store, id: string, r = '2026-03-31', opts: Parameters<typeof computeAt>[3] = {}) {
  const res = await computeAt(s, id, r, { asAt: '2026-03-31', ...opts });
  const rows = (await members(s, id)) as Record<string, unknown>[];
  const out: Record<string, { num: number; den: number; unknown?: number }> = {};
  for (const m of rows) {
    if (String(m.r) !== r) continue;
    out[String(m.child)] = { num: Number(m.num), den: Number(m.den), ...(m.unknown !== undefined ? { unknown: Number(m.unknown) } : {}) };
  }
  return { res, kids: out };
}
const nums = (kids: Record<string, { num: number }>) => Object.fromEntries(Object.entries(kids).map(([k, v]) => [k, v.num]));

describe('placement_stability_short_term', () => {
  it('counts placements overlapping W: window edges, temporary returns, A3/A5, RNE L and T, periods, short breaks', async () => {
    const e: Row[] = [
      // A: three placements in W
      epi('A', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('A', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'), epi('A', '2025-09-01', null, null, 'P', 'U5'),
      // B: first placement ends exactly on the first day of W (2025-04-01): does not overlap -> 2
      epi('B', '2024-01-01', '2025-04-01', 'X1', 'S', 'K2'), epi('B', '2025-04-01', '2025-06-01', 'X1', 'P', 'U4'), epi('B', '2025-06-01', null, null, 'P', 'U5'),
      // C: ends the day after -> overlaps -> 3
      epi('C', '2024-01-01', '2025-04-02', 'X1', 'S', 'K2'), epi('C', '2025-04-02', '2025-06-01', 'X1', 'P', 'U4'), epi('C', '2025-06-01', null, null, 'P', 'U5'),
      // D: temporary placement, then back to the same place (case/space differences only) -> continues -> 2
      epi('D', '2025-01-01', '2025-05-01', 'X1', 'S', 'K2'),
      epi('D', '2025-05-01', '2025-07-01', 'X1', 'P', 'U4', { pl_post: 'HA1 1AA', urn: 'SC1' }),
      epi('D', '2025-07-01', '2025-07-10', 'X1', 'P', 'T1', { pl_post: 'CR0 9AA', urn: null }),
      epi('D', '2025-07-10', null, null, 'P', 'u4', { pl_post: ' ha11aa ', urn: ' sc1 ' }),
      // E: same but returns elsewhere (another URN) -> new -> 3
      epi('E', '2025-01-01', '2025-05-01', 'X1', 'S', 'K2'),
      epi('E', '2025-05-01', '2025-07-01', 'X1', 'P', 'U4', { pl_post: 'HA1 1AA', urn: 'SC1' }),
      epi('E', '2025-07-01', '2025-07-10', 'X1', 'P', 'T1', { pl_post: 'CR0 9AA', urn: null }),
      epi('E', '2025-07-10', null, null, 'P', 'U4', { pl_post: 'HA1 1AA', urn: 'SC2' }),
      // D2: return with blank URN before and after (blank equals blank) -> continues -> 2
      epi('D2', '2025-01-01', '2025-05-01', 'X1', 'S', 'K2'),
      epi('D2', '2025-05-01', '2025-07-01', 'X1', 'P', 'U4', { urn: null }),
      epi('D2', '2025-07-01', '2025-07-10', 'X1', 'P', 'T3', { urn: null }),
      epi('D2', '2025-07-10', null, null, 'P', 'U4', { urn: '' }),
      // F: move into A3 with RNE P continues -> 2;  G: move into A4 -> new -> 3
      epi('F', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('F', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'),
      epi('F', '2025-09-01', '2025-10-01', 'X1', 'P', 'A3'), epi('F', '2025-10-01', null, null, 'B', 'A5'),
      epi('G', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('G', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'), epi('G', '2025-09-01', null, null, 'P', 'A4'),
      // H: RNE L continues -> 2;  I: RNE T (same carer) is a new placement -> 3
      epi('H', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('H', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'), epi('H', '2025-09-01', null, null, 'L', 'U4'),
      epi('I', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('I', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'), epi('I', '2025-09-01', null, null, 'T', 'U5'),
      // U: RNE U is a new placement too -> 3
      epi('U', '2025-01-01', '2025-06-01', 'X1', 'S', 'K2'), epi('U', '2025-06-01', '2025-09-01', 'X1', 'P', 'U4'), epi('U', '2025-09-01', null, null, 'U', 'U5'),
      // J: two periods of care overlapping W (clarification 5): 1 + 2 -> 3
      epi('J', '2025-05-01', '2025-07-01', 'E11', 'S', 'U4'), epi('J', '2025-09-01', '2025-10-01', 'X1', 'S', 'K2'), epi('J', '2025-10-01', null, null, 'P', 'U5'),
      // K: a non-X1 end starts a new period even on the same day, whose first episode (RNE L) starts a placement -> 3
      epi('K', '2025-01-01', '2025-05-01', 'X1', 'S', 'K2'), epi('K', '2025-05-01', '2025-07-01', 'E11', 'P', 'U4'), epi('K', '2025-07-01', null, null, 'L', 'U4'),
      // L: the same chained by X1: RNE L continues -> 2
      epi('L', '2025-01-01', '2025-05-01', 'X1', 'S', 'K2'), epi('L', '2025-05-01', '2025-07-01', 'X1', 'P', 'U4'), epi('L', '2025-07-01', null, null, 'L', 'U4'),
      // N: a short-break episode between placements is dropped -> 2 (and not a placement)
      epi('N', '2025-01-01', '2025-03-01', 'E8', 'S', 'U4', { ls: 'V3' }), epi('N', '2025-05-01', '2025-06-01', 'X1', 'S', 'K2'), epi('N', '2025-06-01', null, null, 'P', 'U5'),
      // M: short breaks only, three of them -> in no cohort
      epi('M', '2025-05-01', '2025-05-03', 'E8', 'S', 'U4', { ls: 'V4' }), epi('M', '2025-06-01', '2025-06-03', 'E8', 'S', 'U4', { ls: 'V4' }),
      epi('M', '2026-03-01', null, null, 'S', 'U4', { ls: 'V4' }),
      // O: three placements but not looked after at R -> not in the cohort
      epi('O', '2025-05-01', '2025-06-01', 'X1', 'S', 'K2'), epi('O', '2025-06-01', '2025-07-01', 'X1', 'P', 'U4'), epi('O', '2025-07-01', '2026-03-31', 'E11', 'P', 'U5'),
      // P: third placement starts on R itself -> counts
      epi('P', '2025-05-01', '2025-06-01', 'X1', 'S', 'K2'), epi('P', '2025-06-01', '2026-03-31', 'X1', 'P', 'U4'), epi('P', '2026-03-31', null, null, 'P', 'U5'),
      // Q: temporary placements are not placements: K2, T0, T1, U4 (return elsewhere) -> 2
      epi('Q', '2025-05-01', '2025-06-01', 'X1', 'S', 'K2'), epi('Q', '2025-06-01', '2025-06-05', 'X1', 'P', 'T0'),
      epi('Q', '2025-06-05', '2025-06-09', 'X1', 'P', 'T1'), epi('Q', '2025-06-09', null, null, 'P', 'U4'),
    ];
    const s = await store(withHeaders(e));
    const { res, kids } = await byChild(s, 'placement_stability_short_term');
    expect(nums(kids)).toEqual({ A: 1, B: 0, C: 1, D: 0, E: 1, D2: 0, F: 0, G: 1, H: 0, I: 1, U: 1, J: 1, K: 1, L: 0, N: 0, P: 1, Q: 0 });
    expect(res.totals).toHaveLength(1);
    expect(res.totals[0]).toMatchObject({ numerator: 9, denominator: 17, children: 17 });
    // the breakdowns add up to the total
    const sexes = res.breakdowns.filter((b) => b.dimension === 'sex');
    expect(sexes.reduce((a, b) => a + (b.denominator ?? 0), 0)).toBe(17);
  });

  it('follows R: the same extract recomputed at an earlier quarter moves W and the cohort', async () => {
    const e: Row[] = [
      // third placement starts 2026-03-31: at R = 2026-03-30 it does not exist yet
      epi('P', '2025-05-01', '2025-06-01', 'X1', 'S', 'K2'), epi('P', '2025-06-01', '2026-03-31', 'X1', 'P', 'U4'), epi('P', '2026-03-31', null, null, 'P', 'U5'),
      epi('V', '2024-06-01', '2024-12-31', 'X1', 'S', 'K2'), epi('V', '2024-12-31', '2025-01-02', 'X1', 'P', 'U4'),
      epi('V', '2025-01-02', '2025-05-01', 'X1', 'P', 'U5'), epi('V', '2025-05-01', null, null, 'P', 'U6'),
    ];
    const s = await store(withHeaders(e));
    const at30 = await byChild(s, 'placement_stability_short_term', '2026-03-30');
    expect(nums(at30.kids)).toEqual({ P: 0, V: 0 }); // V: W from 2025-03-31: U5 and U6 only
    const atQ3 = await byChild(s, 'placement_stability_short_term', '2025-12-31');
    expect(nums(atQ3.kids)).toEqual({ P: 0, V: 1 }); // W from 2025-01-01: U4 (ends 01-02), U5, U6
    const atQ3b = await byChild(s, 'placement_stability_short_term', '2026-01-02');
    expect(nums(atQ3b.kids)).toEqual({ P: 0, V: 0 }); // W from 2025-01-03: U4 ended 2025-01-02
  });
});

describe('placement_stability_long_term', () => {
  const R = '2026-03-31';
  it('30-month period and 24-month spell boundaries, RNE T/U, A3/A5, the A4/A6 rule, temporary placements, age', async () => {
    const e: Row[] = [
      // period starting 2023-10-01 qualifies for 30 months, 2023-10-02 does not
      epi('P30', '2023-10-01', null, null, 'S', 'U4'),
      epi('P29', '2023-10-02', null, null, 'S', 'U4'),
      // spell starting 2024-04-01 has lasted 24 months; 2024-04-02 has not
      epi('S24', '2023-01-01', '2024-04-01', 'X1', 'S', 'K2'), epi('S24', '2024-04-01', null, null, 'P', 'U4'),
      epi('S23', '2023-01-01', '2024-04-02', 'X1', 'S', 'K2'), epi('S23', '2024-04-02', null, null, 'P', 'U4'),
      // RNE T and U continue the carer spell (though they start new placements)
      epi('T', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('T', '2025-01-01', null, null, 'T', 'U5'),
      epi('U', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('U', '2025-01-01', null, null, 'U', 'U5'),
      // RNE B and P start a new spell
      epi('B', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('B', '2025-01-01', null, null, 'B', 'U5'),
      // RNE L continues
      epi('L', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('L', '2025-01-01', null, null, 'L', 'U4'),
      // A5 (adoption with the current foster carer) continues whatever the RNE
      epi('A5', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('A5', '2025-01-01', null, null, 'P', 'A5'),
      // A4: the adoptive spell counts with the spell before it (which started 2023-01-01)
      epi('A4', '2023-01-01', '2025-06-01', 'X1', 'S', 'U4'), epi('A4', '2025-06-01', null, null, 'P', 'A4'),
      // A6: the spell before started 2024-04-02 -> not 24 months
      epi('A6', '2023-01-01', '2024-04-02', 'X1', 'S', 'K2'), epi('A6', '2024-04-02', '2025-06-01', 'X1', 'P', 'U4'),
      epi('A6', '2025-06-01', null, null, 'P', 'A6'),
      // A6b: the spell before started 2024-04-01 -> 24 months
      epi('A6b', '2023-01-01', '2024-04-01', 'X1', 'S', 'K2'), epi('A6b', '2024-04-01', '2025-06-01', 'X1', 'P', 'U4'),
      epi('A6b', '2025-06-01', null, null, 'P', 'A6'),
      // temporary placement open at R: the interrupted spell is used
      epi('TMP', '2023-01-01', '2026-03-01', 'X1', 'S', 'U4'), epi('TMP', '2026-03-01', null, null, 'P', 'T1'),
      // ... and the child is not treated as placed for adoption (the A4 spell started 2025-06-01)
      epi('TA4', '2023-01-01', '2025-06-01', 'X1', 'S', 'U4'), epi('TA4', '2025-06-01', '2026-03-01', 'X1', 'P', 'A4'),
      epi('TA4', '2026-03-01', null, null, 'P', 'T2'),
      // back from a temporary placement to the same carer: continues; to another: new spell
      epi('RS', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('RS', '2025-01-01', '2025-01-15', 'X1', 'P', 'T0'),
      epi('RS', '2025-01-15', null, null, 'P', 'U4'),
      epi('RE', '2023-01-01', '2025-01-01', 'X1', 'S', 'U4'), epi('RE', '2025-01-01', '2025-01-15', 'X1', 'P', 'T0'),
      epi('RE', '2025-01-15', null, null, 'P', 'U4', { pl_post: 'HA1 3AA' }),
      // a gap (non-X1 end) starts a new period: period from 2024-01-01, too short
      epi('GAP', '2020-01-01', '2024-01-01', 'E11', 'S', 'U4'), epi('GAP', '2024-01-01', null, null, 'S', 'U4'),
      // chained by X1: one period from 2020, RNE L continues the spell
      epi('CH', '2020-01-01', '2024-01-01', 'X1', 'S', 'U4'), epi('CH', '2024-01-01', null, null, 'L', 'U4'),
      // age: 15 at R (16th birthday 2026-04-01) is in; 16 on R is out
      epi('Y15', '2020-01-01', null, null, 'S', 'U4'),
      epi('Y16', '2020-01-01', null, null, 'S', 'U4'),
      // short breaks only: in no cohort
      epi('SB', '2020-01-01', null, null, 'S', 'U4', { ls: 'V3' }),
      // not looked after at R
      epi('OUT', '2020-01-01', '2026-03-31', 'E11', 'S', 'U4'),
    ];
    const s = await store(withHeaders(e, { Y15: '2010-04-01', Y16: '2010-03-31' }));
    const { res, kids } = await byChild(s, 'placement_stability_long_term', R);
    expect(nums(kids)).toEqual({
      P30: 1, S24: 1, S23: 0, T: 1, U: 1, B: 0, L: 1, A5: 1, A4: 1, A6: 0, A6b: 1,
      TMP: 1, TA4: 0, RS: 1, RE: 0, CH: 1, Y15: 1,
    });
    expect(res.totals[0]).toMatchObject({ numerator: 12, denominator: 17 });
  });

  it('29 February birthdays: under 16 on 28 February 2024, 16 on 29 February 2024', async () => {
    const e = [epi('F29', '2018-01-01', null, null, 'S', 'U4')];
    const s = await store(withHeaders(e, { F29: '2008-02-29' }), { asAt: '2024-03-31' });
    const before = await byChild(s, 'placement_stability_long_term', '2024-02-28', { asAt: '2024-03-31' });
    expect(nums(before.kids)).toEqual({ F29: 1 });
    const on = await byChild(s, 'placement_stability_long_term', '2024-02-29', { asAt: '2024-03-31' });
    expect(on.kids).toEqual({});
  });

  it('month arithmetic clamps: at R = 2026-08-31, 30 months back is 29 February 2024, so a start on 1 March 2024 qualifies', async () => {
    const e = [epi('X', '2024-03-01', null, null, 'S', 'U4'), epi('Z', '2024-03-02', null, null, 'S', 'U4')];
    const s = await store(withHeaders(e), { asAt: '2026-08-31' });
    const { kids } = await byChild(s, 'placement_stability_long_term', '2026-08-31', { asAt: '2026-08-31' });
    expect(nums(kids)).toEqual({ X: 1 });
  });
});

describe('distance KPIs', () => {
  // Grid references (reference/postcode_sectors.csv): HA1 2 (515804,188531) Harrow; CR0 9 -> 20.0 miles
  // from HA1 2; BR2 9 -> 20.1 miles; GU1 1 -> 25.2 miles (Surrey); HA0 2 -> 2.1 miles (Brent); HA1 1 -> 0.3.
  const base = (child: string, extra: Row) => epi(child, '2025-01-01', null, null, 'S', 'U4', { home_post: 'HA1 2AB', ...extra });

  it('placed_within_20_miles: 20.0 in, 20.1 out; unknown for UASC, blank or unknown postcodes, HA12; PL_DISTANCE used as given', async () => {
    const e: Row[] = [
      base('IN20', { pl_post: 'CR0 9XX' }), // 20.0 from the sector table
      base('OUT20', { pl_post: 'BR2 9XX' }), // 20.1
      base('NEAR', { pl_post: 'HA1 1AA' }),
      base('SECT', { pl_post: 'HA0 2' }), // sector-only postcode with its space
      base('NOSP', { pl_post: 'HA12' }), // not a sector -> unknown
      base('COMPACT', { pl_post: 'ha02ab' }), // full postcode without its space
      base('UASC', { pl_post: 'HA1 1AA' }), // UASC: always unknown
      base('UASCD', { pl_post: 'HA1 1AA', pl_distance: 3.0 }), // even with PL_DISTANCE
      base('BLANK', { pl_post: null }),
      base('BLANKD', { pl_post: null, pl_distance: 5.0 }), // PL_DISTANCE present with a blank postcode
      base('D20', { pl_post: 'HA1 1AA', pl_distance: 20.0 }), // PL_DISTANCE wins over postcodes
      base('D201', { pl_post: 'HA1 1AA', pl_distance: 20.1 }),
      base('NOHOME', { home_post: 'ZZ9 9ZZ', pl_post: 'HA1 1AA' }), // home postcode not found
      // temporary placement open at R: distance uses it (far) not the placement before it (near)
      epi('TEMP', '2025-01-01', '2026-03-01', 'X1', 'S', 'U4', { pl_post: 'HA1 1AA' }),
      epi('TEMP', '2026-03-01', null, null, 'P', 'T1', { pl_post: 'GU1 1AA' }),
      // short break: not in the cohort
      epi('SB', '2025-01-01', null, null, 'S', 'U4', { ls: 'V4', pl_post: 'HA1 1AA' }),
    ];
    const rows = withHeaders(e);
    rows.uasc = [{ child: 'UASC', sex: 'M', dob: '2015-01-01', duc: '2033-01-01' }, { child: 'UASCD', sex: 'M', dob: '2015-01-01' }];
    const s = await store(rows);
    const { res, kids } = await byChild(s, 'placed_within_20_miles');
    expect(kids).toEqual({
      IN20: { num: 1, den: 1, unknown: 0 },
      OUT20: { num: 0, den: 1, unknown: 0 },
      NEAR: { num: 1, den: 1, unknown: 0 },
      SECT: { num: 1, den: 1, unknown: 0 },
      NOSP: { num: 0, den: 0, unknown: 1 },
      COMPACT: { num: 1, den: 1, unknown: 0 },
      UASC: { num: 0, den: 0, unknown: 1 },
      UASCD: { num: 0, den: 0, unknown: 1 },
      BLANK: { num: 0, den: 0, unknown: 1 },
      BLANKD: { num: 1, den: 1, unknown: 0 },
      D20: { num: 1, den: 1, unknown: 0 },
      D201: { num: 0, den: 1, unknown: 0 },
      NOHOME: { num: 0, den: 0, unknown: 1 },
      TEMP: { num: 0, den: 1, unknown: 0 },
    });
    expect(res.totals[0]).toMatchObject({ numerator: 6, denominator: 9, unknown: 5, children: 9 });
    const d = await s.all<{ child: string; distance: number | null }>(`SELECT child, distance FROM placement_at_r ORDER BY child`);
    const dist = Object.fromEntries(d.map((x) => [x.child, x.distance]));
    expect(dist).toMatchObject({ IN20: 20.0, OUT20: 20.1, NEAR: 0.3, SECT: 2.1, COMPACT: 2.1, TEMP: 25.2, D201: 20.1 });
  });

  it('exact half-up rounding with a unit-level file; postcodes it does not hold fall back to their sector', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-units-'));
    const file = join(dir, 'onspd.csv');
    writeFileSync(file, [
      'pcd,easting,northing',
      'ZZ1 1AA,500000,200000', // home
      'ZZ1 1AB,532187,200000', // 20.00007 -> 20.0
      'ZZ1 1AD,532267,200000', // 20.0498 -> 20.0
      'ZZ1 1AE,532268,200000', // 20.0504 -> 20.1
      'ZZ1 1AF,550292,200000', // exactly 31.25 -> 31.3 (half up, not to even)
      'ZZ1 1AG,528550,200000', // 17.7401 -> 17.7
      'ZZ11AH,500000,228550', // 7-character ONSPD form, no space
      'HA1 2XY,518804,192531', // 5000 m from the HA1 2 sector centre -> 3.1
    ].join('\n'));
    const home = 'ZZ1 1AA';
    const e: Row[] = [
      base('U200', { home_post: home, pl_post: 'ZZ1 1AB' }),
      base('U2004', { home_post: home, pl_post: 'zz1 1ad' }),
      base('U2005', { home_post: home, pl_post: 'ZZ1 1AE' }),
      base('U3125', { home_post: home, pl_post: 'ZZ1 1AF' }),
      base('U1774', { home_post: home, pl_post: 'ZZ1 1AG' }),
      base('UNOSP', { home_post: home, pl_post: 'ZZ1 1AH' }),
      base('FALL', { home_post: 'HA1 2AB', pl_post: 'HA1 2XY' }), // home from its sector, placement from the unit file
      base('FALL2', { home_post: 'HA1 2AB', pl_post: 'HA1 1AA' }), // both from sectors
      base('NOTFOUND', { home_post: home, pl_post: 'ZZ1 1ZZ' }), // neither in the unit file nor a known sector
    ];
    const s = await store(withHeaders(e));
    const { res, kids } = await byChild(s, 'placed_within_20_miles', '2026-03-31', { engine: { unitPostcodes: file } });
    const d = await s.all<{ child: string; distance: number | null }>(`SELECT child, distance FROM placement_at_r`);
    expect(Object.fromEntries(d.map((x) => [x.child, x.distance]))).toEqual({
      U200: 20.0, U2004: 20.0, U2005: 20.1, U3125: 31.3, U1774: 17.7, UNOSP: 17.7, FALL: 3.1, FALL2: 0.3, NOTFOUND: null,
    });
    expect(nums(kids)).toEqual({ U200: 1, U2004: 1, U2005: 0, U3125: 0, U1774: 1, UNOSP: 1, FALL: 1, FALL2: 1, NOTFOUND: 0 });
    expect(res.totals[0]).toMatchObject({ numerator: 6, denominator: 8, unknown: 1 });
  });

  it('the rounding is exact for every tenth around the 20-mile line (property check against BigInt arithmetic)', async () => {
    const s = await store({});
    await computeAt(s, 'placed_within_20_miles'); // loads the macros
    const ds = [32186, 32187, 32200, 32266, 32267, 32268, 32269, 50291, 50292, 50293, 28549, 28550, 0, 1, 80, 81, 160934, 160935];
    const rows = await s.all<{ d: number; m: number }>(`SELECT d, miles_1dp(CAST(d AS DOUBLE) * d) AS m FROM unnest([${ds.join(',')}]) t(d)`);
    for (const { d, m } of rows) {
      // half up to tenths: k = floor((20 * d * 1000 / 1609344 + 1) / 2) in exact integers
      const k = (20n * BigInt(d) * 1000n / 1609344n + 1n) / 2n;
      expect([d, m]).toEqual([d, Number(k) / 10]);
    }
  });

  it('placed_outside_la_over_20_miles: PL_LOCATION, PL_LA as ONS and DfE code, boundary-file LAs, unknowns', async () => {
    const far = { pl_distance: 25.0 };
    const e: Row[] = [
      base('POST', { pl_post: 'GU1 1AA' }), // Surrey, 25.2 miles, derived outside
      base('POST20', { pl_post: 'CR0 9AA' }), // Croydon, 20.0 miles: not over 20
      base('POST201', { pl_post: 'BR2 9AA' }), // Bromley, 20.1 miles
      base('LOCIN', { pl_post: 'GU1 1AA', pl_location: 'IN' }), // PL_LOCATION wins
      base('LOCOUT', { pl_post: null, pl_location: 'out', ...far }), // blank postcode, supplied distance
      base('LOCOUT20', { pl_post: null, pl_location: 'OUT', pl_distance: 20.0 }),
      base('LAONS', { pl_post: 'GU1 1AA', pl_la: LA }), // PL_LA = own ONS code: inside
      base('LADFE', { pl_post: 'GU1 1AA', pl_la: LA_DFE }), // PL_LA = own DfE code: inside
      base('LAOTH', { pl_post: 'HA1 1AA', pl_la: 'E10000030', ...far }), // another LA
      base('LAOTHD', { pl_post: 'HA1 1AA', pl_la: '936', ...far }), // another LA by DfE code
      base('LOCLA', { pl_post: 'GU1 1AA', pl_location: 'IN', pl_la: 'E10000030' }), // PL_LOCATION before PL_LA
      // split sector HA3 0 (sector table: Brent): the boundary-unit file places HA3 0AE in Harrow and HA3 0AA in Brent
      base('BHARROW', { pl_post: 'HA3 0AE', ...far }),
      base('BBRENT', { pl_post: 'HA3 0AA', ...far }),
      base('BSECTOR', { pl_post: 'HA3 0', ...far }), // sector only: sector table (Brent)
      base('BUNLISTED', { pl_post: 'HA3 0ZZ', ...far }), // full postcode not in the boundary file: its sector
      base('INSIDE', { pl_post: 'HA1 1AA', ...far }), // Harrow postcode, far by supplied distance: inside
      base('UNKNOWNLA', { pl_post: 'HA12', ...far }), // unknown area counts as not outside
      base('UASC', { pl_post: 'GU1 1AA', pl_location: 'OUT' }), // distance unknown -> not counted, but in the denominator
      base('NODIST', { home_post: null, pl_post: 'GU1 1AA' }), // distance unknown
      epi('SB', '2025-01-01', null, null, 'S', 'U4', { ls: 'V3', pl_post: 'GU1 1AA' }),
    ];
    const rows = withHeaders(e);
    rows.uasc = [{ child: 'UASC', sex: 'M', dob: '2015-01-01' }];
    const s = await store(rows);
    const { res, kids } = await byChild(s, 'placed_outside_la_over_20_miles');
    expect(nums(kids)).toEqual({
      POST: 1, POST20: 0, POST201: 1, LOCIN: 0, LOCOUT: 1, LOCOUT20: 0, LAONS: 0, LADFE: 0, LAOTH: 1, LAOTHD: 1, LOCLA: 0,
      BHARROW: 0, BBRENT: 1, BSECTOR: 1, BUNLISTED: 1, INSIDE: 0, UNKNOWNLA: 0, UASC: 0, NODIST: 0,
    });
    expect(res.totals[0]).toMatchObject({ numerator: 8, denominator: 19 });
  });

  it('uses the own LA of each computation point: two LAs in one calc give the same numbers as each alone', async () => {
    const e: Row[] = [
      base('A1', { pl_post: 'GU1 1AA' }), base('A2', { pl_post: 'HA0 2AB' }), base('A3', { pl_post: 'BR2 9AA', pl_la: '310' }),
      base('A4', { pl_post: 'CR0 9AA' }), base('A5', { pl_post: 'HA1 1AA', pl_location: 'OUT', pl_distance: 30 }),
    ];
    // Surrey's extract (E10000030, DfE 936): same children and ids, different LA
    const e2: Row[] = [
      base('A1', { home_post: 'HA1 1AA', pl_post: 'GU1 1AA' }), base('A2', { pl_post: 'GU1 1AB', pl_la: '936' }),
      base('A9', { pl_post: 'BR2 9AA' }),
    ];
    const ids = ['placed_outside_la_over_20_miles', 'placed_within_20_miles', 'placement_stability_short_term', 'placement_stability_long_term'];
    const alone = async (rows: Row[], la: string, laDfe: string) => {
      const s = await store(withHeaders(rows), { la });
      const out: Record<string, unknown> = {};
      for (const id of ids) out[id] = (await computeAt(s, id, ['2025-12-31', '2026-03-31'], { la, laDfe })).totals;
      return out;
    };
    const harrow = await alone(e, LA, LA_DFE);
    const surrey = await alone(e2, 'E10000030', '936');
    const both = await store(withHeaders(e));
    await addSnapshot(both, withHeaders(e2), { la: 'E10000030' });
    await prepare(both, [
      { la: LA, laDfe: LA_DFE, asAt: '2026-03-31', r: '2025-12-31' },
      { la: LA, laDfe: LA_DFE, asAt: '2026-03-31', r: '2026-03-31' },
      { la: 'E10000030', laDfe: '936', asAt: '2026-03-31', r: '2025-12-31' },
      { la: 'E10000030', laDfe: '936', asAt: '2026-03-31', r: '2026-03-31' },
    ]);
    const defs = loadMetrics();
    for (const id of ids) {
      const { totals } = await computeMetric(both, defs.find((d) => d.id === id)!);
      expect(totals.filter((t) => t.la === LA)).toEqual(harrow[id]);
      expect(totals.filter((t) => t.la === 'E10000030')).toEqual(surrey[id]);
    }
    // and the numbers are not trivially equal: Harrow's outside count differs from Surrey's
    expect((harrow.placed_outside_la_over_20_miles as { numerator: number }[])[1]!.numerator).toBe(2); // A1 (derived), A5 (OUT); A3 is PL_LA 310
    expect((surrey.placed_outside_la_over_20_miles as { numerator: number }[])[1]!.numerator).toBe(1); // A9 (Bromley); A1 in Surrey; A2 PL_LA 936
  });
});

describe('at a 31 March R the placement KPIs follow the DfE year (W = 1 April to 31 March)', () => {
  it('short-term stability counts placements in the collection year only', async () => {
    const e: Row[] = [
      // W at R = 31 March 2026 is 1 April 2025 to 31 March 2026. Y's U4 ends on 2 April 2025: in the year -> 3.
      epi('Y', '2025-01-01', '2025-03-31', 'X1', 'S', 'K2'), epi('Y', '2025-03-31', '2025-04-02', 'X1', 'P', 'U4'),
      epi('Y', '2025-04-02', '2025-10-01', 'X1', 'P', 'U5'), epi('Y', '2025-10-01', null, null, 'P', 'U6'),
      // Z's K2 ends on 1 April 2025, the year's first day: not in the year -> 2
      epi('Z', '2025-01-01', '2025-04-01', 'X1', 'S', 'K2'), epi('Z', '2025-04-01', '2025-10-01', 'X1', 'P', 'U5'),
      epi('Z', '2025-10-01', null, null, 'P', 'U6'),
    ];
    const s = await store(withHeaders(e));
    const { kids } = await byChild(s, 'placement_stability_short_term', '2026-03-31');
    expect(nums(kids)).toEqual({ Y: 1, Z: 0 });
    // at 31 December 2025 (W from 1 January 2025) both have 3 or more
    const prev = await byChild(s, 'placement_stability_short_term', '2025-12-31');
    expect(nums(prev.kids)).toEqual({ Y: 1, Z: 1 });
  });

  it('every placement KPI counts children looked after at 31 March (DfE "at 31 March" cohorts)', async () => {
    const e: Row[] = [
      // left care on 31 March 2026: not looked after at 31 March
      epi('LEFT', '2020-01-01', '2026-03-31', 'E11', 'S', 'U4', { pl_post: 'GU1 1AA' }),
      // came into care on 31 March 2026: looked after at 31 March (but not for 30 months)
      epi('NEW', '2026-03-31', null, null, 'S', 'U4', { pl_post: 'GU1 1AA' }),
      // looked after since 2020 with the same carer, placed 25.2 miles away outside Harrow
      epi('LONG', '2020-01-01', null, null, 'S', 'U4', { pl_post: 'GU1 1AA' }),
    ];
    const s = await store(withHeaders(e));
    expect(nums((await byChild(s, 'placement_stability_short_term')).kids)).toEqual({ NEW: 0, LONG: 0 });
    expect(nums((await byChild(s, 'placement_stability_long_term')).kids)).toEqual({ LONG: 1 });
    expect(nums((await byChild(s, 'placed_within_20_miles')).kids)).toEqual({ NEW: 0, LONG: 0 });
    expect(nums((await byChild(s, 'placed_outside_la_over_20_miles')).kids)).toEqual({ NEW: 1, LONG: 1 });
  });
});
