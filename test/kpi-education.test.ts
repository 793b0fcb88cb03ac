/**
 * Education KPIs (attendance and PEP local extracts) on small hand-built fixtures.
 * R = 2026-03-31: W = 2025-04-01 .. 2026-03-31, the 31 August before R is 2025-08-31.
 */
import { describe, expect, it } from 'vitest';
import { fixtureStore, addSnapshot, computeAt, members, LA, LA_DFE, type Rows } from './helpers/fixture-store.js';
import { Store } from '../pipeline/store/store.js';
import { prepare, computeMetric } from '../pipeline/compute/engine.js';
import { loadMetrics } from '../pipeline/compute/metrics.js';

const R = '2026-03-31';

type Row = Record<string, string | number | null>;
const hd = (child: string, dob = '2015-01-01', sex = 'F'): Row => ({ child, dob, sex, ethnic: 'WBRI' });
const ep = (child: string, decom = '2024-01-01', dec: string | null = null, rec: string | null = null, ls = 'C2'): Row => ({
  child, decom, dec, rec, ls, rne: 'S', place: 'U1', cin: 'N1',
});
const att = (child: string, period_end: string, possible: number, attended: number): Row => ({
  child, period_start: '2025-01-01', period_end, possible_sessions: possible, attended_sessions: attended,
});
const pep = (child: string, pep_date: string, pep_status = 'COMPLETE'): Row => ({ child, pep_date, pep_status });

/** A child looked after at R since 2024 with the given Header DOB. */
const cla = (child: string, dob = '2015-01-01') => ({ header: hd(child, dob), episode: ep(child) });

function build(children: { header: Row; episode: Row }[], extra: Rows = {}): Rows {
  return {
    header: [...children.map((c) => c.header), ...(extra.header ?? [])],
    episodes: [...children.map((c) => c.episode), ...(extra.episodes ?? [])],
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'header' && k !== 'episodes')),
  };
}

async function memberMap(store: Store, id: string): Promise<Record<string, [number, number | null]>> {
  const rows = (await members(store, id)) as { child: string; num: number | bigint; den: number | bigint | null }[];
  const out: Record<string, [number, number | null]> = {};
  for (const r of rows) out[r.child] = [Number(r.num), r.den === null ? null : Number(r.den)];
  return out;
}

async function run(rows: Rows, id: string, r = R, asAt = R) {
  const store = await fixtureStore(rows, { asAt });
  const res = await computeAt(store, id, r, { asAt });
  return { total: res.totals[0]!, members: await memberMap(store, id), store, res };
}

// Common cohort edges (school age 5 to 15 on 2025-08-31; CLA at R; short breaks out).
const schoolAgeEdges = (): { header: Row[]; episodes: Row[] } => ({
  header: [hd('Y4', '2020-09-01'), hd('S16', '2009-08-31'), hd('NCLA'), hd('SBO')],
  episodes: [ep('Y4'), ep('S16'), ep('NCLA', '2024-01-01', '2026-03-30', 'E4A'), ep('SBO', '2024-01-01', null, null, 'V3')],
});

describe('school_attendance_rate', () => {
  it('sums sessions of rows ending in W over the school-age cohort', async () => {
    const edges = schoolAgeEdges();
    const rows = build([cla('A'), cla('F5', '2020-08-31'), cla('F15', '2009-09-01'), cla('NR'), cla('ZERO')], {
      header: [...edges.header, hd('LAO')],
      episodes: [...edges.episodes, ep('LAO', '2026-03-01')],
      attendance: [
        att('A', '2025-04-01', 50, 45), // PERIOD_END on the first day of W: counted
        att('A', '2025-03-31', 100, 0), // the day before W: not
        att('A', '2026-03-31', 60, 60), // on R: counted
        att('A', '2026-04-01', 10, 0), // after R (loaded with a warning): not
        att('F5', '2025-12-01', 100, 80), // aged 5 on 31 August: in
        att('F15', '2025-12-01', 40, 40), // aged 15 on 31 August: in
        att('ZERO', '2025-12-01', 0, 0), // no possible sessions: den 0
        att('LAO', '2025-06-01', 20, 10), // in care only since March: still counted
        att('Y4', '2025-12-01', 100, 0), // aged 4 on 31 August: out
        att('S16', '2025-12-01', 40, 0), // aged 16 on 31 August: out
        att('NCLA', '2025-12-01', 100, 0), // not looked after at R: out
        att('SBO', '2025-12-01', 100, 0), // short breaks only: out
      ],
    });
    const { total, members: m } = await run(rows, 'school_attendance_rate');
    expect(m).toEqual({ A: [105, 110], F5: [80, 100], F15: [40, 40], NR: [0, 0], ZERO: [0, 0], LAO: [10, 20] });
    expect(total).toMatchObject({ numerator: 235, denominator: 270, children: 4 });
  });

  it('can be recomputed at an earlier R from a later extract (history)', async () => {
    const rows = build([cla('A')], { attendance: [att('A', '2025-12-01', 10, 5), att('A', '2026-02-01', 10, 10)] });
    const store = await fixtureStore(rows, { asAt: R });
    const res = await computeAt(store, 'school_attendance_rate', ['2025-12-31', R], { asAt: R });
    expect(res.totals.map((t) => [t.r, t.numerator, t.denominator])).toEqual([['2025-12-31', 5, 10], [R, 15, 20]]);
  });
});

describe('persistent_absence', () => {
  it('counts children missing 10% or more (exactly 90% attendance is persistent absence)', async () => {
    const edges = schoolAgeEdges();
    const rows = build([cla('P90'), cla('P91'), cla('P89'), cla('P0'), cla('NR'), cla('PW'), cla('F5', '2020-08-31'), cla('WS'), cla('WB')], {
      ...edges,
      attendance: [
        att('P90', '2025-10-01', 100, 90),
        att('P91', '2025-10-01', 100, 91),
        att('P89', '2025-10-01', 50, 45), att('P89', '2026-01-01', 50, 44),
        att('P0', '2025-10-01', 0, 0),
        att('PW', '2025-03-31', 100, 0), att('PW', '2025-10-01', 20, 19), // the row before W is ignored: 95%
        att('F5', '2025-10-01', 10, 5),
        att('WS', '2025-04-01', 10, 0), // first day of W: counted
        att('WB', '2025-03-31', 10, 0), // day before W only: no possible sessions in W
        att('Y4', '2025-10-01', 10, 0), att('S16', '2025-10-01', 10, 0), att('NCLA', '2025-10-01', 10, 0), att('SBO', '2025-10-01', 10, 0),
      ],
    });
    const { total, members: m } = await run(rows, 'persistent_absence');
    expect(m).toEqual({ P90: [1, 1], P91: [0, 1], P89: [1, 1], PW: [0, 1], F5: [1, 1], WS: [1, 1] });
    expect(total).toMatchObject({ numerator: 4, denominator: 6 });
  });
});

describe('good_attendance', () => {
  const rows = () => {
    const edges = schoolAgeEdges();
    return build([cla('G95'), cla('G94'), cla('G190'), cla('G189'), cla('G100'), cla('P0'), cla('NR'), cla('F15', '2009-09-01')], {
      ...edges,
      attendance: [
        att('G95', '2025-10-01', 100, 95),
        att('G94', '2025-10-01', 100, 94),
        att('G190', '2025-10-01', 100, 95), att('G190', '2026-03-01', 100, 95),
        att('G189', '2025-10-01', 100, 95), att('G189', '2026-03-01', 100, 94),
        att('G100', '2026-03-31', 10, 10),
        att('P0', '2025-10-01', 0, 0),
        att('F15', '2025-04-01', 20, 19),
        att('Y4', '2025-10-01', 10, 10), att('S16', '2025-10-01', 10, 10), att('NCLA', '2025-10-01', 10, 10), att('SBO', '2025-10-01', 10, 10),
      ],
    });
  };

  it('counts children attending 95% or more (exactly 95% is good)', async () => {
    const { total, members: m } = await run(rows(), 'good_attendance');
    expect(m).toEqual({ G95: [1, 1], G94: [0, 1], G190: [1, 1], G189: [0, 1], G100: [1, 1], F15: [1, 1] });
    expect(total).toMatchObject({ numerator: 4, denominator: 6 });
  });

  it('reads its threshold from good_attendance_threshold() (95), so changing it changes the KPI', async () => {
    const { store } = await run(rows(), 'good_attendance');
    expect(await store.one<{ t: number }>('SELECT good_attendance_threshold()::INT AS t')).toEqual({ t: 95 });
    await store.run('CREATE OR REPLACE TEMP MACRO good_attendance_threshold() AS 94');
    const def = loadMetrics().find((d) => d.id === 'good_attendance')!;
    const res = await computeMetric(store, def);
    expect(res.totals[0]).toMatchObject({ numerator: 6, denominator: 6 });
  });
});

describe('pep_in_date', () => {
  it('COMPLETE PEP within the 4 months to R, over CLA aged 3 to 17 in care for 28 days or more', async () => {
    const rows = build([cla('IN'), cla('EDGE'), cla('ONR'), cla('FUT'), cla('DRA'), cla('CAN'), cla('MIX'), cla('NONE'),
      cla('A3', '2022-08-31'), cla('A2', '2022-09-01'), cla('A17', '2007-09-01'), cla('A18', '2007-08-31')], {
      header: [hd('D28'), hd('D27'), hd('CHN'), hd('BRK'), hd('NCLA'), hd('SBO')],
      episodes: [
        ep('D28', '2026-03-04'), // R minus 28 days plus one day: 28 days in care at R
        ep('D27', '2026-03-05'), // 27 days
        ep('CHN', '2026-01-01', '2026-03-10', 'X1'), ep('CHN', '2026-03-10'), // one period since 1 January
        ep('BRK', '2026-01-01', '2026-03-10', 'E4A'), ep('BRK', '2026-03-10'), // a new period on 10 March
        ep('NCLA', '2024-01-01', '2026-03-30', 'E4A'),
        ep('SBO', '2024-01-01', null, null, 'V4'),
      ],
      pep: [
        pep('IN', '2025-12-01'), // one day after R minus 4 months: counted
        pep('EDGE', '2025-11-30'), // exactly R minus 4 months: not counted
        pep('ONR', '2026-03-31'),
        pep('FUT', '2026-04-01'), // after R: not counted
        pep('DRA', '2026-01-01', 'DRAFT'),
        pep('CAN', '2026-01-01', 'CANCELLED'),
        pep('MIX', '2026-02-01', 'CANCELLED'), pep('MIX', '2025-12-15', 'COMPLETE'),
        pep('A3', '2026-01-01'), pep('A17', '2026-01-01', 'DRAFT'),
        pep('A2', '2026-01-01'), pep('A18', '2026-01-01'),
        pep('D28', '2026-03-10'), pep('D27', '2026-03-10'), pep('BRK', '2026-03-20'),
        pep('NCLA', '2026-01-01'), pep('SBO', '2026-01-01'),
      ],
    });
    const { total, members: m } = await run(rows, 'pep_in_date');
    expect(m).toEqual({
      IN: [1, 1], EDGE: [0, 1], ONR: [1, 1], FUT: [0, 1], DRA: [0, 1], CAN: [0, 1], MIX: [1, 1], NONE: [0, 1],
      A3: [1, 1], A17: [0, 1], D28: [1, 1], CHN: [0, 1],
    });
    expect(total).toMatchObject({ numerator: 5, denominator: 12 });
  });

  it('edu_period_start follows X1 chains and ignores short breaks', async () => {
    const rows: Rows = {
      header: [hd('C'), hd('S')],
      episodes: [
        ep('C', '2025-01-01', '2025-06-01', 'E4A'), // an earlier period
        ep('C', '2025-09-01', '2025-11-01', 'X1'), ep('C', '2025-11-01', '2026-02-01', 'X1'), ep('C', '2026-02-01'),
        ep('S', '2025-05-01', '2025-05-03', 'E13', 'V3'), ep('S', '2026-03-10'),
      ],
    };
    const store = await fixtureStore(rows);
    await computeAt(store, 'pep_in_date', R);
    const ps = await store.all<{ child: string; s: string }>(`SELECT child, strftime(period_start, '%Y-%m-%d') AS s FROM edu_period_start ORDER BY child`);
    expect(ps).toEqual([{ child: 'C', s: '2025-09-01' }, { child: 'S', s: '2026-03-10' }]);
  });

  it('the 4-month window clamps to the month end: at R 2026-06-30 it starts after 2026-02-28', async () => {
    const rows = build([cla('A'), cla('B')], { pep: [pep('A', '2026-02-28'), pep('B', '2026-03-01')] });
    const { members: m } = await run(rows, 'pep_in_date', '2026-06-30', '2026-06-30');
    expect(m).toEqual({ A: [0, 1], B: [1, 1] });
  });
});

describe('education KPIs: two LAs in one calculation', () => {
  const IDS = ['school_attendance_rate', 'persistent_absence', 'good_attendance', 'pep_in_date'];
  const OTHER = 'E09000003';
  const rowsA = build([cla('A1'), cla('A2', '2012-05-05'), cla('A3', '2019-01-01')], {
    attendance: [att('A1', '2025-10-01', 100, 96), att('A2', '2025-10-01', 100, 85), att('A3', '2025-11-01', 50, 50)],
    pep: [pep('A1', '2026-01-01'), pep('A3', '2025-10-01')],
  });
  // The same child ids in the other LA, with different data.
  const rowsB = build([cla('A1', '2010-01-01'), cla('A2'), cla('B3', '2014-01-01')], {
    attendance: [att('A1', '2025-10-01', 100, 50), att('A2', '2025-10-01', 200, 195), att('B3', '2025-06-01', 30, 27)],
    pep: [pep('A2', '2026-02-01'), pep('B3', '2026-03-01', 'DRAFT')],
  });

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
    for (const d of defs) {
      const t = together.get(d.id)!;
      const a = await computeAt(aloneA, d.id, ['2025-12-31', R], { asAt: R });
      const b = await computeAt(aloneB, d.id, R, { la: OTHER, laDfe: '302', asAt: R });
      const pick = (x: typeof a.totals) => x.map((p) => ({ la: p.la, r: p.r, n: p.numerator, d: p.denominator }));
      expect(pick(t.totals.filter((p) => p.la === LA))).toEqual(pick(a.totals));
      expect(pick(t.totals.filter((p) => p.la === OTHER))).toEqual(pick(b.totals));
      expect(t.breakdowns.filter((p) => p.la === LA)).toEqual(a.breakdowns);
      expect(t.breakdowns.filter((p) => p.la === OTHER)).toEqual(b.breakdowns);
      expect(b.totals[0]!.numerator).toBeGreaterThan(0);
    }
  });
});
