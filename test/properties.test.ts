/**
 * Property-based tests (fast-check):
 *  (a) date parsing through the real ingest path: any valid date written dd/mm/yyyy or ISO
 *      loads as that date; impossible day/month combinations are bad-date; two-digit years
 *      are two-digit-year;
 *  (b) periods of care, placements and carer spells (pipeline/compute/sql/10_periods.sql,
 *      20_placements.sql) over random valid episode histories: invariants that must hold
 *      whatever the history.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageExtract } from '../pipeline/ingest/ingest.js';
import { Store } from '../pipeline/store/store.js';
import { prepare } from '../pipeline/compute/engine.js';
import { addSnapshot, fixtureStore, LA, LA_DFE } from './helpers/fixture-store.js';
import { tempDir } from './helpers/cli.js';

const AS_AT = '2026-09-30';
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const isoOf = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

describe('(a) dates through the ingest path', () => {
  let store: Store;
  let dir: string;
  beforeAll(async () => {
    store = await Store.memory();
    dir = tempDir('prop-dates-');
  });
  afterAll(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const validDate = fc
    .record({ y: fc.integer({ min: 1900, max: 2026 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) })
    .map(({ y, m, d }) => ({ y, m, d: Math.min(d, daysIn(y, m)) }))
    .filter(({ y, m, d }) => isoOf(y, m, d) <= AS_AT);
  const impossible = fc.oneof(
    // a day after the month's last day (29-31 February, 31 April, ...)
    fc.record({ y: fc.integer({ min: 1900, max: 2026 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 29, max: 31 }) }).filter(({ y, m, d }) => d > daysIn(y, m)),
    // a month after December
    fc.record({ y: fc.integer({ min: 1900, max: 2026 }), m: fc.integer({ min: 13, max: 99 }), d: fc.integer({ min: 1, max: 28 }) }),
    // day or month 0
    fc.record({ y: fc.integer({ min: 1900, max: 2026 }), m: fc.integer({ min: 0, max: 12 }), d: fc.integer({ min: 0, max: 28 }) }).filter(({ m, d }) => m === 0 || d === 0),
  );

  /** Stage a header.csv whose DOB column holds `values`; returns the staged DOB per line and the problems. */
  async function stageDobs(values: string[]) {
    const folder = join(dir, 'x');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    const lines = ['CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB', ...values.map((v, i) => `C${pad(i, 5)},M,${v},WBRI,,0,`)];
    writeFileSync(join(folder, 'header.csv'), lines.join('\n') + '\n');
    const res = await stageExtract(store, folder, { la: LA, asAt: AS_AT });
    const rows = await store.all<{ line: number; dob: string | null }>('SELECT src_line AS line, dob FROM stg_header ORDER BY src_line');
    return { byLine: new Map(rows.map((r) => [r.line, r.dob])), problems: res.problems.filter((p) => p.file === 'header.csv') };
  }

  it('a valid date written dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd loads as that date', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validDate, { minLength: 1, maxLength: 12 }), fc.boolean(), async (dates, unpadded) => {
        const texts = dates.flatMap(({ y, m, d }) => [unpadded ? `${d}/${m}/${y}` : `${pad(d)}/${pad(m)}/${y}`, isoOf(y, m, d)]);
        const { byLine, problems } = await stageDobs(texts);
        expect(problems.filter((p) => p.rule === 'bad-date' || p.rule === 'two-digit-year')).toEqual([]);
        dates.forEach(({ y, m, d }, i) => {
          expect(byLine.get(2 + 2 * i)).toBe(isoOf(y, m, d));
          expect(byLine.get(3 + 2 * i)).toBe(isoOf(y, m, d));
        });
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('an impossible day or month is rejected as bad-date on its line, in either form', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(impossible, { minLength: 1, maxLength: 8 }), async (dates) => {
        const texts = dates.flatMap(({ y, m, d }) => [`${pad(d)}/${pad(m)}/${y}`, isoOf(y, m, d)]);
        const { problems } = await stageDobs(texts);
        texts.forEach((t, i) => {
          const p = problems.find((x) => x.line === i + 2 && x.column === 'DOB');
          expect(p, `${t} on line ${i + 2}`).toMatchObject({ rule: 'bad-date', severity: 'error', value: t });
        });
      }),
      { numRuns: 30 },
    );
  }, 120_000);

  it('a two-digit year is rejected as two-digit-year', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(validDate, { minLength: 1, maxLength: 8 }), async (dates) => {
        const texts = dates.map(({ y, m, d }) => `${d}/${m}/${pad(y % 100)}`);
        const { problems } = await stageDobs(texts);
        texts.forEach((t, i) => {
          expect(problems.find((x) => x.line === i + 2 && x.column === 'DOB'), t).toMatchObject({ rule: 'two-digit-year', severity: 'error' });
        });
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});

// ---------------------------------------------------------------------------------------

interface Ep { child: string; decom: string; dec: string | null; rne: string; ls: string; place: string; rec: string | null; pl_post: string; urn: string }

const addDays = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A random valid history: periods separated by gaps; inside a period, episodes chained by X1. */
const history = (child: string) =>
  fc
    .record({
      start: fc.integer({ min: 0, max: 2500 }), // days after 2018-01-01
      periods: fc.array(
        fc.record({
          gap: fc.integer({ min: 0, max: 200 }),
          episodes: fc.array(
            fc.record({
              len: fc.integer({ min: 0, max: 400 }),
              rne: fc.constantFrom('L', 'P', 'T', 'U', 'B'),
              place: fc.constantFrom('U1', 'U3', 'U4', 'R1', 'K2', 'T0', 'T4', 'A3', 'A4', 'A5', 'A6', 'P1'),
              ls: fc.constantFrom('C1', 'C2', 'E1', 'J2'),
              carer: fc.integer({ min: 0, max: 2 }),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          endRec: fc.constantFrom('E11', 'E12', 'E13', 'E4A', 'E8'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      open: fc.boolean(),
    })
    .map(({ start, periods, open }) => {
      const eps: Ep[] = [];
      let day = addDays('2018-01-01', start);
      periods.forEach((p, pi) => {
        if (pi > 0) day = addDays(day, p.gap);
        p.episodes.forEach((e, ei) => {
          const lastInPeriod = ei === p.episodes.length - 1;
          const lastOfAll = lastInPeriod && pi === periods.length - 1;
          const dec = lastOfAll && open ? null : addDays(day, e.len);
          eps.push({
            child,
            decom: day,
            dec,
            rne: ei === 0 ? 'S' : e.rne,
            ls: e.ls,
            place: e.place,
            rec: dec === null ? null : lastInPeriod ? p.endRec : 'X1',
            pl_post: `HA${e.carer} 1AA`,
            urn: `URN${e.carer}`,
          });
          if (dec !== null) day = dec;
        });
      });
      return eps;
    })
    .filter((eps) => eps.every((e) => e.decom <= AS_AT && (e.dec === null || e.dec <= AS_AT)));

describe('(b) periods of care, placements and carer spells', () => {
  // one store (the reference tables are read once); each run refills the base tables and prepares again
  let store: Store;
  beforeAll(async () => {
    store = await fixtureStore({}, { asAt: AS_AT });
    await prepare(store, [{ la: LA, laDfe: LA_DFE, asAt: AS_AT, r: AS_AT }]);
  }, 120_000);
  afterAll(() => store.close());

  it('hold their invariants for random valid episode histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(history('A1'), history('B2'), history('C3')), async (hs) => {
        const eps = hs.flat();
        const children = [...new Set(eps.map((e) => e.child))];
        await store.run('DELETE FROM episodes');
        await store.run('DELETE FROM header');
        await addSnapshot(store, {
          header: children.map((c) => ({ child: c, sex: 'M', dob: '2010-01-01', ethnic: 'WBRI' })),
          episodes: eps.map((e) => ({ ...e })),
        }, { asAt: AS_AT });
        // prepare() materialises ep_seq and ep_nt: rebuild them from this run's rows
        await prepare(store, [{ la: LA, laDfe: LA_DFE, asAt: AS_AT, r: AS_AT }]);
        {
          // periods never overlap, and only the last may be open
          const periods = await store.all<{ child: string; s: string; e: string | null }>('SELECT child, period_start AS s, period_end AS e FROM care_periods ORDER BY child, period_no');
          const placements = await store.all<{ child: string; period_no: number; placement_no: number; s: string; e: string | null }>('SELECT child, period_no, placement_no, start AS s, end_date AS e FROM placements ORDER BY child, placement_no');
          for (const list of [periods, placements]) {
            for (let i = 1; i < list.length; i++) {
              const [a, b] = [list[i - 1]!, list[i]!];
              if (a.child !== b.child) continue;
              expect(a.e, `${a.child}: an earlier one is still open`).not.toBeNull();
              expect(a.e! <= b.s, `${a.child}: ${a.s}..${a.e} overlaps ${b.s}`).toBe(true);
            }
            for (const x of list) if (x.e !== null) expect(x.s <= x.e).toBe(true);
          }
          // every carer spell is a union of whole placements
          const split = await store.all('SELECT child, placement_no FROM ep_nt GROUP BY child, placement_no HAVING count(DISTINCT spell_no) > 1');
          expect(split).toEqual([]);
          const spellStarts = await store.all<{ bad: number }>(`SELECT count(*)::INT AS bad FROM carer_spells s
            WHERE s.start <> (SELECT min(p.start) FROM placements p JOIN (SELECT DISTINCT child, placement_no, spell_no FROM ep_nt) m
                              ON m.child = p.child AND m.placement_no = p.placement_no WHERE m.child = s.child AND m.spell_no = s.spell_no)`);
          expect(spellStarts[0]!.bad).toBe(0);
          // placements >= carer spells, per child
          const counts = await store.all<{ child: string; p: number; s: number }>(`SELECT child, count(DISTINCT placement_no)::INT AS p, count(DISTINCT spell_no)::INT AS s FROM ep_nt GROUP BY child`);
          for (const c of counts) expect(c.p).toBeGreaterThanOrEqual(c.s);
          // every CLA at R: one open episode, one open period, at most one open placement (exactly one unless in a temporary placement)
          const cla = await store.all<{ child: string; eps: number; periods: number; placements: number; temp: boolean }>(`
            SELECT c.child,
              (SELECT count(*)::INT FROM ep_open o WHERE o.child = c.child) AS eps,
              (SELECT count(*)::INT FROM care_periods p WHERE p.child = c.child AND p.period_start <= c.r AND (p.period_end IS NULL OR p.period_end > c.r)) AS periods,
              (SELECT count(*)::INT FROM placements p WHERE p.child = c.child AND p.start <= c.r AND (p.end_date IS NULL OR p.end_date > c.r)) AS placements,
              (SELECT bool_or(o.is_temp) FROM ep_open o WHERE o.child = c.child) AS temp
            FROM cla c`);
          const expectedCla = hs.filter((h) => h[h.length - 1]!.dec === null).map((h) => h[0]!.child).sort();
          expect(cla.map((c) => c.child).sort()).toEqual(expectedCla);
          for (const c of cla) {
            expect(c.eps).toBe(1);
            expect(c.periods).toBe(1);
            expect(c.placements).toBeLessThanOrEqual(1);
            if (!c.temp) expect(c.placements, `${c.child} placed at R`).toBe(1);
          }
        }
      }),
      { numRuns: 50 },
    );
  }, 180_000);
});
