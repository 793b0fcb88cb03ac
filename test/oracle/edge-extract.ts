/**
 * A hand-built extract folder whose children sit on the edges the spec's common terms and
 * clarifications decide (boundary days of W and of the "for at least N months" rule, 29
 * February birthdays, temporary placements, A3/A5 and A4/A6 moves, derived distance and
 * in/out-of-LA columns, split postcode sectors, short breaks). Written as CSV so both the
 * oracle and the product read it through their own parsers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Cells = Record<string, string | number | null | undefined>;

const EP_COLS = ['CHILD', 'DECOM', 'RNE', 'LS', 'CIN', 'PLACE', 'PLACE_PROVIDER', 'DEC', 'REC', 'REASON_PLACE_CHANGE', 'HOME_POST', 'PL_POST', 'URN', 'PL_DISTANCE', 'PL_LA', 'PL_LOCATION'];
const COLS: Record<string, string[]> = {
  header: ['CHILD', 'SEX', 'DOB', 'ETHNIC', 'UPN', 'MOTHER', 'MC_DOB'],
  episodes: EP_COLS,
  uasc: ['CHILD', 'SEX', 'DOB', 'DUC'],
  oc2: ['CHILD', 'DOB', 'SDQ_SCORE', 'SDQ_REASON', 'CONVICTED', 'HEALTH_CHECK', 'IMMUNISATIONS', 'TEETH_CHECK', 'HEALTH_ASSESSMENT', 'SUBSTANCE_MISUSE', 'INTERVENTION_RECEIVED', 'INTERVENTION_OFFERED'],
  oc3: ['CHILD', 'DOB', 'IN_TOUCH', 'ACTIV', 'ACCOM'],
  missing: ['CHILD', 'DOB', 'MISSING', 'MIS_START', 'MIS_END'],
  attendance: ['CHILD', 'PERIOD_START', 'PERIOD_END', 'POSSIBLE_SESSIONS', 'ATTENDED_SESSIONS'],
  pep: ['CHILD', 'PEP_DATE', 'PEP_STATUS'],
  care_leavers: ['CHILD', 'DOB', 'CASE_STATUS', 'CASE_CLOSED_DATE', 'CLOSURE_REASON', 'LAST_CONTACT_DATE', 'PATHWAY_PLAN_DATE'],
};

const CODE_COLS = new Set(['RNE', 'LS', 'CIN', 'PLACE', 'PLACE_PROVIDER', 'REC', 'IN_TOUCH', 'ACTIV', 'ACCOM', 'MISSING', 'PEP_STATUS', 'CASE_STATUS', 'CLOSURE_REASON', 'PL_LOCATION', 'HOME_POST', 'PL_POST']);
const dmy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
const isIso = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const cell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = isIso(v) ? dmy(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export class ExtractBuilder {
  rows: Record<string, Cells[]> = Object.fromEntries(Object.keys(COLS).map((k) => [k, []]));
  constructor(readonly r: string) {}

  child(id: string, dob: string, extra: Cells = {}): this {
    this.rows.header!.push({ CHILD: id, SEX: 'M', DOB: dob, ETHNIC: 'WBRI', UPN: '', MOTHER: '', MC_DOB: '', ...extra });
    return this;
  }

  /** Episodes of one child as a chain: each [decom, place, rne, extra]; consecutive ones joined with X1, the last ended by `end`. */
  chain(id: string, eps: [string, string, string, Cells?][], end: { dec: string; rec: string } | null = null): this {
    eps.forEach(([decom, place, rne, extra], i) => {
      const next = eps[i + 1];
      const dec = next ? next[0] : end?.dec ?? null;
      const rec = next ? 'X1' : end?.rec ?? null;
      const temp = /^T[0-4]$/.test(place);
      this.rows.episodes!.push({
        CHILD: id, DECOM: decom, RNE: rne, LS: 'C2', CIN: 'N1', PLACE: place, PLACE_PROVIDER: temp ? '' : 'PR1',
        DEC: dec, REC: rec, REASON_PLACE_CHANGE: i > 0 && rne !== 'L' ? 'CARPL' : '', HOME_POST: 'HA1 2AB', PL_POST: 'HA1 2AD', URN: 'SC000001',
        ...extra,
      });
    });
    return this;
  }

  add(table: string, row: Cells): this {
    this.rows[table]!.push(row);
    return this;
  }

  /** Write the CSV files; `messy` writes ISO dates, lower-case padded codes and lower-case column names. */
  write(dir: string, messy = false): string {
    mkdirSync(dir, { recursive: true });
    for (const [table, cols] of Object.entries(COLS)) {
      const list = this.rows[table]!;
      if (!list.length && !['header', 'episodes', 'oc3'].includes(table)) continue;
      const fmt = (c: string, v: unknown) => {
        if (!messy) return cell(v);
        if (isIso(v)) return v;
        if (CODE_COLS.has(c) && typeof v === 'string' && v !== '') return ` ${v.toLowerCase()} `;
        return cell(v);
      };
      const head = messy ? cols.map((c) => c.toLowerCase()).reverse() : cols;
      const order = messy ? [...cols].reverse() : cols;
      const lines = [head.join(','), ...list.map((row) => order.map((c) => fmt(c, row[c])).join(','))];
      writeFileSync(join(dir, `${table}.csv`), lines.join('\r\n') + '\r\n');
    }
    return dir;
  }
}

/** The main edge extract at R = 31 March 2026 (W = 1 April 2025 .. 31 March 2026). */
export function edgeExtract2026(dir: string, messy = false): string {
  const b = new ExtractBuilder('2026-03-31');
  const kid = '2012-05-05';
  const C = (id: string, eps: [string, string, string, Cells?][], end: { dec: string; rec: string } | null = null, dob = kid) => b.child(id, dob).chain(id, eps, end);

  // ---- long-term stability: period start <= 2023-10-01, spell start <= 2024-04-01 ----
  C('LT01', [['2023-10-01', 'U4', 'S']]);
  C('LT02', [['2023-10-02', 'U4', 'S']]);
  C('LT03', [['2020-01-01', 'U4', 'S'], ['2024-04-01', 'U5', 'P', { URN: 'SC000002' }]]);
  C('LT04', [['2020-01-01', 'U4', 'S'], ['2024-04-02', 'U5', 'P', { URN: 'SC000002' }]]);
  C('LT05', [['2020-01-01', 'U4', 'S'], ['2025-01-01', 'U5', 'T']]);
  C('LT06', [['2020-01-01', 'U4', 'S'], ['2025-06-01', 'A4', 'P', { URN: 'SC000009' }]]);
  C('LT07', [['2020-01-01', 'U4', 'S'], ['2023-01-01', 'U5', 'P', { URN: 'SC000002' }], ['2025-06-01', 'A4', 'P', { URN: 'SC000009' }]]);
  C('LT08', [['2020-01-01', 'U4', 'S'], ['2024-06-01', 'U5', 'P', { URN: 'SC000002' }], ['2025-06-01', 'A6', 'P', { URN: 'SC000009' }]]);
  C('LT09', [['2020-01-01', 'U4', 'S'], ['2025-12-01', 'T1', 'P']]);
  C('LT10', [['2020-01-01', 'U4', 'S'], ['2025-06-01', 'A4', 'P', { URN: 'SC000009' }], ['2026-01-01', 'T2', 'P']]);
  C('LT11', [['2020-01-01', 'U4', 'S', { PL_POST: 'HA1 2AD', URN: 'sc000001' }], ['2025-10-01', 'T1', 'P', { PL_POST: 'SG13 6AA' }], ['2025-11-01', 'U4', 'P', { PL_POST: 'ha12ad', URN: 'SC000001 ' }]]);
  C('LT12', [['2020-01-01', 'U4', 'S'], ['2025-10-01', 'T1', 'P'], ['2025-11-01', 'U4', 'P', { URN: 'SC000002' }]]);
  C('LT13', [['2020-01-01', 'U4', 'S']], null, '2010-03-31');
  C('LT14', [['2020-01-01', 'U4', 'S']], null, '2010-04-01');
  C('LT15', [['2020-01-01', 'U4', 'S'], ['2025-01-01', 'A5', 'P']]);
  C('LT16', [['2023-01-01', 'T0', 'S']]);
  C('LT17', [['2020-01-01', 'T1', 'S'], ['2020-02-01', 'U4', 'P']]);
  C('LT18', [['2020-01-01', 'U4', 'S'], ['2025-01-01', 'U4', 'L']]);
  C('LT19', [['2020-01-01', 'U4', 'S'], ['2025-01-01', 'U5', 'U', { URN: 'SC000002' }]]);
  b.chain('LT20', [['2020-01-01', 'U4', 'S']], { dec: '2024-01-01', rec: 'E11' }).child('LT20', kid).chain('LT20', [['2024-01-01', 'U4', 'S']]);
  C('LT21', [['2020-01-01', 'U4', 'S', { URN: '' }], ['2025-10-01', 'T3', 'P', { URN: '' }], ['2025-10-05', 'T4', 'P', { URN: '' }], ['2025-11-01', 'U4', 'B', { URN: '' }]]);
  C('LT22', [['2020-01-01', 'A4', 'S']]);
  C('LT23', [['2020-01-01', 'U4', 'S'], ['2025-06-01', 'A3', 'P'], ['2025-09-01', 'A4', 'P', { URN: 'SC000009' }]]);

  // ---- short-term stability: placements overlapping W (ends on 2025-04-01 do not) ----
  C('ST01', [['2024-01-01', 'U4', 'S'], ['2025-04-01', 'U5', 'P', { URN: 'SC000002' }], ['2025-08-01', 'U6', 'P', { URN: 'SC000003' }]]);
  C('ST02', [['2024-01-01', 'U4', 'S'], ['2025-04-02', 'U5', 'P', { URN: 'SC000002' }], ['2025-08-01', 'U6', 'P', { URN: 'SC000003' }]]);
  b.chain('ST03', [['2025-05-01', 'U4', 'S']], { dec: '2025-06-01', rec: 'E11' }).child('ST03', kid)
    .chain('ST03', [['2025-09-01', 'U4', 'S'], ['2025-12-01', 'U5', 'P', { URN: 'SC000002' }]]);
  C('ST04', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'T1', 'P'], ['2025-06-10', 'U4', 'P'], ['2025-09-01', 'T2', 'P'], ['2025-09-10', 'U4', 'P', { URN: 'SC000002' }], ['2025-12-01', 'A3', 'P']]);
  C('ST05', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'U5', 'T'], ['2025-09-01', 'U6', 'U']]);
  C('ST06', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'U4', 'L'], ['2025-09-01', 'U4', 'L']]);
  C('ST07', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'U5', 'P', { URN: 'SC000002' }], ['2025-06-01', 'U6', 'P', { URN: 'SC000003' }]]);
  C('ST08', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'T1', 'P'], ['2025-07-01', 'T2', 'P'], ['2025-08-01', 'U4', 'P']]);
  // short-break-only child: in no cohort of any KPI
  b.child('SB01', '2010-01-01').chain('SB01', [['2025-05-01', 'U4', 'S', { LS: 'V3' }]]);
  b.add('missing', { CHILD: 'SB01', DOB: '2010-01-01', MISSING: 'M', MIS_START: '2025-06-01', MIS_END: '2025-06-02' });
  // child with short breaks and an ordinary episode: the short breaks are dropped
  b.child('SB02', kid).chain('SB02', [['2024-01-01', 'U4', 'S', { LS: 'V4' }]], { dec: '2024-02-01', rec: 'E8' })
    .chain('SB02', [['2025-02-01', 'U4', 'S'], ['2025-06-01', 'U5', 'P', { URN: 'SC000002' }]]);

  // ---- distance and in/out of the LA (home HA1 2AB, Harrow) ----
  C('D01', [['2024-01-01', 'U4', 'S', { PL_POST: 'RM6 5AA' }]]); // 20.008 mi -> 20.0: within
  C('D02', [['2024-01-01', 'U4', 'S', { PL_POST: 'SG13 6AA' }]]); // 20.07 -> 20.1, Hertfordshire: over
  b.add('uasc', { CHILD: 'D03', SEX: 'M', DOB: '2009-01-01', DUC: '2026-01-01' });
  C('D03', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '5.0', PL_POST: 'SG13 6AA' }]], null, '2009-01-01');
  C('D04', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '25.0', HOME_POST: '', PL_POST: '' }]]);
  C('D05', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '20.0', PL_LOCATION: 'OUT', PL_LA: 'E10000015' }]]);
  C('D06', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '20.1', PL_LA: '310' }]]);
  C('D07', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '30', PL_LA: 'E06000001' }]]);
  C('D08', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '30', PL_LA: 'E06000001', PL_LOCATION: 'IN' }]]);
  C('D09', [['2024-01-01', 'U4', 'S', { HOME_POST: 'M1 1AA', PL_POST: 'HA3 0AE' }]]); // split sector, unit in Harrow
  C('D10', [['2024-01-01', 'U4', 'S', { HOME_POST: 'M1 1AA', PL_POST: 'HA3 0ZZ' }]]); // not listed: sector -> Brent
  C('D11', [['2024-01-01', 'U4', 'S', { PL_POST: 'HA12' }]]);
  C('D12', [['2024-01-01', 'U4', 'S', { PL_POST: 'HA1 2' }]]);
  C('D13', [['2024-01-01', 'U4', 'S', { HOME_POST: '', PL_POST: 'SG13 6AA' }]]);
  C('D14', [['2024-01-01', 'U4', 'S'], ['2026-03-01', 'T1', 'P', { PL_POST: 'SG13 6AA' }]]);
  C('D15', [['2024-01-01', 'U4', 'S', { PL_POST: 'ZZ9 9ZZ' }]]);
  C('D16', [['2024-01-01', 'U4', 'S', { HOME_POST: 'ha12ab', PL_POST: 'sg136aa' }]]);
  C('D17', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '40', PL_LOCATION: 'OUT', HOME_POST: '', PL_POST: '' }]]);
  C('D18', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '40', PL_LA: 'e09000015' }]]);
  C('D19', [['2024-01-01', 'U4', 'S', { HOME_POST: 'M1 1AA', PL_POST: 'HA1 2' }]]); // far, in Harrow by sector

  // ---- care leavers (OC3) ----
  const oc3 = (id: string, dob: string, inTouch: string, activ: string, accom: string) => b.add('oc3', { CHILD: id, DOB: dob, IN_TOUCH: inTouch, ACTIV: activ, ACCOM: accom });
  const left = (id: string, dob: string, dec: string, rec = 'E8') => b.child(id, dob).chain(id, [['2020-01-01', 'U4', 'S']], { dec, rec });
  left('CL01', '2006-04-01', '2024-04-01'); oc3('CL01', '2006-04-01', 'YES', 'F1', 'B1');
  left('CL02', '2006-03-31', '2024-03-31'); oc3('CL02', '2006-03-31', 'YES', 'G6', 'U2');
  left('CL03', '2004-03-31', '2022-03-31'); oc3('CL03', '2004-03-31', 'YES', 'F5', 'B1');
  left('CL04', '2004-04-01', '2022-04-01'); oc3('CL04', '2004-04-01', 'YES', 'P3', 'Z1');
  left('CL05', '2005-06-01', '2023-06-01'); oc3('CL05', '2005-06-01', 'DIED', '0', '0');
  left('CL06', '2005-06-01', '2023-06-01'); oc3('CL06', '2005-06-01', 'RHOM', '0', '0');
  left('CL07', '2005-06-01', '2023-06-01'); oc3('CL07', '2005-06-01', 'NO', '0', '0');
  left('CL08', '2005-06-01', '2023-06-01'); oc3('CL08', '2005-06-01', 'YES', 'F2', 'G1');
  left('CL09', '2005-06-01', '2023-06-01'); oc3('CL09', '2005-06-01', 'YES', 'F2', 'R2');
  left('CL10', '2005-06-01', '2023-06-01'); oc3('CL10', '2005-06-01', 'YES', 'F2', 'H1');
  left('CL11', '2005-06-01', '2023-06-01', 'E3'); oc3('CL11', '2005-06-01', 'YES', 'F2', 'B1');
  left('CL12', '2005-06-01', '2022-06-01', 'E3'); b.chain('CL12', [['2023-01-01', 'U4', 'S', { LS: 'V3' }]], { dec: '2023-02-01', rec: 'E8' }); oc3('CL12', '2005-06-01', 'YES', 'F2', 'B1');
  left('CL13', '2005-06-01', '2022-06-01', 'E3'); b.chain('CL13', [['2023-01-01', 'U4', 'S']], { dec: '2023-02-01', rec: 'E8' }); oc3('CL13', '2005-06-01', 'YES', 'F2', 'B1');
  b.child('CL14', '2005-06-01'); oc3('CL14', '2005-06-01', 'YES', 'F4', 'B1'); // no episodes
  left('CL15', '2008-02-29', '2026-03-01'); oc3('CL15', '2008-02-29', 'YES', 'F2', 'B1'); // 18th birthday 1 March 2026, left that day
  left('CL16', '2008-02-29', '2026-03-02'); oc3('CL16', '2008-02-29', 'YES', 'F2', 'B1'); // looked after on the 18th birthday
  b.child('CL17', '2008-06-15').chain('CL17', [['2020-01-01', 'U4', 'S']]); oc3('CL17', '2008-06-15', 'YES', 'F2', 'B1'); // looked after on 17th birthday
  left('CL18', '2008-06-15', '2025-06-15'); oc3('CL18', '2008-06-15', 'YES', 'F2', 'B1');
  left('CL19', '2008-06-15', '2025-06-16'); oc3('CL19', '2008-06-15', 'NO', '0', '0');
  b.child('CL20', '2008-06-15').chain('CL20', [['2024-01-01', 'U4', 'S', { LS: 'V3' }]], { dec: '2024-02-01', rec: 'E8' }); oc3('CL20', '2008-06-15', 'YES', 'F2', 'B1');
  left('CL21', '2007-01-01', '2024-12-31'); oc3('CL21', '2005-09-09', 'YES', 'F2', 'S2'); // OC3's own DOB (20th birthday in W)
  // a short break open on the 17th birthday is not "looked after" (short breaks are dropped first)
  left('CL23', '2008-06-15', '2024-01-01'); b.chain('CL23', [['2025-06-01', 'U4', 'S', { LS: 'V3' }]], { dec: '2025-06-20', rec: 'E8' }); oc3('CL23', '2008-06-15', 'YES', 'F2', 'B1');
  left('CL22', '2006-09-09', '2024-09-09'); oc3('CL22', '2006-09-09', 'REFU', '0', '0'); oc3('CL22', '2006-09-09', 'NREQ', '0', '0');

  // ---- care-leaver tracking ----
  const track = (id: string, dob: string, status: string, closed: string | null, reason: string | null, contact: string | null, plan: string | null) =>
    b.add('care_leavers', { CHILD: id, DOB: dob, CASE_STATUS: status, CASE_CLOSED_DATE: closed, CLOSURE_REASON: reason, LAST_CONTACT_DATE: contact, PATHWAY_PLAN_DATE: plan });
  track('TR01', '2008-03-31', 'OPEN', null, null, '2026-02-03', '2025-09-30');
  track('TR02', '2005-04-01', 'OPEN', null, null, '2026-02-04', '2025-10-01');
  track('TR03', '2005-03-31', 'OPEN', null, null, '2026-03-01', '2026-03-01');
  track('TR04', '2006-05-05', 'CLOSED', '2025-03-31', 'OTHER', '2025-03-01', '2025-03-01');
  track('TR05', '2008-04-01', 'OPEN', null, null, '2026-03-01', '2026-03-01');
  track('TR06', '2008-02-29', 'OPEN', null, null, '2026-03-31', '2026-03-31');
  track('TR07', '2006-01-01', 'CLOSED', '2025-04-01', 'OTHER', '2025-03-01', '2025-03-01');
  track('TR08', '2004-06-01', 'CLOSED', '2025-06-01', 'RETURNED_HOME', '2025-03-01', '2025-03-01');
  track('TR09', '2004-06-02', 'CLOSED', '2025-06-01', 'DECLINED_SUPPORT', '2025-03-01', '2025-03-01');
  track('TR10', '2005-06-02', 'CLOSED', '2025-06-01', 'DIED', '2025-03-01', '2025-03-01');
  track('TR11', '2005-06-02', 'OPEN', '2025-06-01', 'TRANSFERRED', '2026-03-01', '2026-03-01');
  track('TR12', '2005-06-02', 'OPEN', '2025-06-01', 'OTHER', '2026-03-01', '2026-03-01'); // reopened since
  b.child('TR13', '2006-06-02').chain('TR13', [['2023-01-01', 'U4', 'S', { LS: 'V3' }]], { dec: '2023-02-01', rec: 'E8' });
  track('TR13', '2006-06-02', 'CLOSED', '2025-06-01', 'AGE_25', '2025-03-01', '2025-03-01'); // short breaks only: still counted
  track('TR14', '2006-06-02', 'OPEN', null, null, '2026-03-01', '2026-03-01'); // short breaks only child? no: no episodes at all
  track('TR15', '2006-06-02', 'OPEN', null, null, null, null);
  track('TR16', '2006-06-02', 'OPEN', null, null, '2026-04-02', '2026-04-02'); // after R
  b.child('TR17', '2006-06-02').chain('TR17', [['2023-01-01', 'U4', 'S', { LS: 'V4' }]], { dec: '2023-02-01', rec: 'E8' });
  track('TR17', '2006-06-02', 'OPEN', null, null, '2026-03-01', '2026-03-01'); // short-break-only: no cohort
  track('TR18', '2005-06-02', 'OPEN', '2025-06-01', null, '2026-03-01', '2026-03-01'); // reopened, closure reason left blank

  // ---- education (31 August before R: 2025-08-31) ----
  const att = (id: string, end: string, possible: number, attended: number) => b.add('attendance', { CHILD: id, PERIOD_START: '2025-01-01' < end ? '2025-01-01' : end, PERIOD_END: end, POSSIBLE_SESSIONS: possible, ATTENDED_SESSIONS: attended });
  C('E01', [['2024-01-01', 'U4', 'S']], null, '2020-08-31'); att('E01', '2025-04-01', 100, 90); att('E01', '2025-03-31', 100, 0);
  C('E02', [['2024-01-01', 'U4', 'S']], null, '2020-09-01'); att('E02', '2025-06-01', 100, 10);
  C('E03', [['2024-01-01', 'U4', 'S']], null, '2009-09-01'); att('E03', '2025-06-01', 60, 57); att('E03', '2025-12-01', 40, 38);
  C('E04', [['2024-01-01', 'U4', 'S']], null, '2009-08-31'); att('E04', '2025-06-01', 100, 10);
  C('E05', [['2024-01-01', 'U4', 'S']], null, '2012-01-01'); att('E05', '2025-06-01', 0, 0);
  C('E06', [['2024-01-01', 'U4', 'S']], null, '2012-01-01');
  C('E07', [['2024-01-01', 'U4', 'S']], null, '2012-01-01'); att('E07', '2026-04-05', 100, 50); att('E07', '2026-03-31', 10, 9);
  b.child('E08', '2012-01-01').chain('E08', [['2020-01-01', 'U4', 'S']], { dec: '2025-01-01', rec: 'E8' }); att('E08', '2025-06-01', 100, 10);
  C('E09', [['2026-03-01', 'U4', 'S']], null, '2012-01-01'); att('E09', '2025-06-01', 100, 91); // attendance before care counts
  C('E10', [['2024-01-01', 'U4', 'S']], null, '2012-01-01'); att('E10', '2025-06-01', 1000, 899); att('E10', '2025-07-01', 1000, 1000);
  // PEP: aged 3..17 on 2025-08-31, period start <= 2026-03-04, COMPLETE PEP in (2025-11-30, 2026-03-31]
  const pep = (id: string, date: string, status: string) => b.add('pep', { CHILD: id, PEP_DATE: date, PEP_STATUS: status });
  C('P01', [['2024-01-01', 'U4', 'S']], null, '2007-09-01'); pep('P01', '2025-12-01', 'COMPLETE');
  C('P02', [['2024-01-01', 'U4', 'S']], null, '2007-08-31'); pep('P02', '2025-12-01', 'COMPLETE');
  C('P03', [['2024-01-01', 'U4', 'S']], null, '2022-08-31'); pep('P03', '2025-11-30', 'COMPLETE');
  C('P04', [['2024-01-01', 'U4', 'S']], null, '2022-09-01'); pep('P04', '2025-12-01', 'COMPLETE');
  C('P05', [['2026-03-04', 'U4', 'S']], null, '2015-01-01'); pep('P05', '2026-03-20', 'COMPLETE');
  C('P06', [['2026-03-05', 'U4', 'S']], null, '2015-01-01'); pep('P06', '2026-03-20', 'COMPLETE');
  C('P07', [['2024-01-01', 'U4', 'S']], null, '2015-01-01'); pep('P07', '2026-01-01', 'DRAFT'); pep('P07', '2026-04-02', 'COMPLETE');
  C('P08', [['2024-01-01', 'U4', 'S']], null, '2015-01-01'); pep('P08', '2026-03-31', 'COMPLETE'); pep('P08', '2026-01-01', 'CANCELLED');
  C('P09', [['2025-12-01', 'U4', 'S'], ['2026-03-04', 'U5', 'P', { URN: 'SC000002' }]], null, '2015-01-01'); pep('P09', '2026-03-10', 'COMPLETE');

  // ---- health (period start <= 2025-04-01) and missing ----
  const oc2 = (id: string, dob: string, ha: number, teeth: number, imm: number) => b.add('oc2', { CHILD: id, DOB: dob, CONVICTED: 0, IMMUNISATIONS: imm, TEETH_CHECK: teeth, HEALTH_ASSESSMENT: ha, SUBSTANCE_MISUSE: 0 });
  C('H01', [['2025-04-01', 'U4', 'S']]); oc2('H01', kid, 1, 1, 1);
  C('H02', [['2025-04-02', 'U4', 'S']]); oc2('H02', kid, 1, 1, 1);
  C('H03', [['2024-04-01', 'U4', 'S']]);
  C('H04', [['2024-01-01', 'U4', 'S'], ['2025-06-01', 'U5', 'P', { URN: 'SC000002' }]]); oc2('H04', kid, 1, 0, 1);
  b.chain('H05', [['2020-01-01', 'U4', 'S']], { dec: '2025-05-01', rec: 'E11' }).child('H05', kid).chain('H05', [['2025-05-01', 'U4', 'S']]); oc2('H05', kid, 1, 1, 1);
  b.child('H06', kid).chain('H06', [['2020-01-01', 'U4', 'S']], { dec: '2025-05-01', rec: 'E8' }); oc2('H06', kid, 1, 1, 1);
  const miss = (id: string, code: string, start: string) => b.add('missing', { CHILD: id, DOB: kid, MISSING: code, MIS_START: start, MIS_END: start });
  b.child('M01', kid).chain('M01', [['2020-01-01', 'U4', 'S']], { dec: '2025-04-01', rec: 'E8' }); miss('M01', 'M', '2025-04-01');
  b.child('M02', kid).chain('M02', [['2020-01-01', 'U4', 'S']], { dec: '2025-04-02', rec: 'E8' }); miss('M02', 'M', '2025-04-01');
  C('M03', [['2024-01-01', 'U4', 'S']]); miss('M03', 'A', '2025-06-01');
  C('M04', [['2024-01-01', 'U4', 'S']]); miss('M04', 'M', '2025-03-31');
  C('M05', [['2024-01-01', 'U4', 'S']]); miss('M05', 'M', '2026-03-31'); miss('M05', 'M', '2026-03-30');
  b.child('M06', kid).chain('M06', [['2026-03-31', 'U4', 'S']]);
  b.child('M07', kid); miss('M07', 'M', '2025-06-01'); // no episodes at all

  // ---- supplied distances on the threshold; unit-level grid references (when configured) ----
  C('D20', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '20.04' }]]);
  C('D21', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '20.00' }]]);
  C('D22', [['2024-01-01', 'U4', 'S', { PL_DISTANCE: '0' }]]);
  // HA1 2AB / HA1 2AD are in the test unit file (UNIT_FILE below); WD6 1AA is not (sector), HA1 2ZZ not
  C('D23', [['2024-01-01', 'U4', 'S', { HOME_POST: 'HA1 2AB', PL_POST: 'WD6 1AA' }]]);
  C('D24', [['2024-01-01', 'U4', 'S', { HOME_POST: 'HA1 2ZZ', PL_POST: 'HA1 2AD' }]]);
  C('D25', [['2024-01-01', 'U4', 'S', { HOME_POST: 'HA1 2AB', PL_POST: 'HA1 2' }]]);

  return b.write(dir, messy);
}

/** A small extract at R = 31 March 2025 for 29 February birthdays (W = 1 April 2024 .. 31 March 2025). */
export function edgeExtract2025(dir: string): string {
  const b = new ExtractBuilder('2025-03-31');
  const left = (id: string, dob: string, dec: string) => b.child(id, dob).chain(id, [['2020-01-01', 'U4', 'S']], { dec, rec: 'E8' });
  // 21st birthday of someone born 29/02/2004 is 01/03/2025
  left('F01', '2004-02-29', '2022-03-01'); b.add('oc3', { CHILD: 'F01', DOB: '2004-02-29', IN_TOUCH: 'YES', ACTIV: 'F1', ACCOM: 'B1' });
  // 17th birthday of someone born 29/02/2008 is 01/03/2025: left care that day (not looked after on it)
  left('F02', '2008-02-29', '2025-03-01'); b.add('oc3', { CHILD: 'F02', DOB: '2008-02-29', IN_TOUCH: 'YES', ACTIV: 'F1', ACCOM: 'B1' });
  left('F03', '2008-02-29', '2025-02-28'); b.add('oc3', { CHILD: 'F03', DOB: '2008-02-29', IN_TOUCH: 'NO', ACTIV: '0', ACCOM: '0' });
  // cases closed before the 21st birthday (01/03/2025 for 29/02/2004)
  const track = (id: string, dob: string, closed: string) => b.add('care_leavers', { CHILD: id, DOB: dob, CASE_STATUS: 'CLOSED', CASE_CLOSED_DATE: closed, CLOSURE_REASON: 'OTHER', LAST_CONTACT_DATE: '2024-06-01', PATHWAY_PLAN_DATE: '2024-06-01' });
  track('F04', '2004-02-29', '2025-02-28');
  track('F05', '2004-02-29', '2025-03-01');
  // long-term stability: under 16 at R; born 29/02/2009? (not a leap year) -> use 2009-03-31 (16 on R) and 2009-04-01
  b.child('F06', '2009-03-31').chain('F06', [['2019-01-01', 'U4', 'S']]);
  b.child('F07', '2009-04-01').chain('F07', [['2019-01-01', 'U4', 'S']]);
  // period started exactly 30 months + 1 day before: 2022-10-01
  b.child('F08', '2015-01-01').chain('F08', [['2022-10-01', 'U4', 'S']]);
  b.child('F09', '2015-01-01').chain('F09', [['2022-10-02', 'U4', 'S']]);
  // school age on 31/08/2024: born 29/02/2020 (age 4) and 29/02/2008 (16)
  b.child('F10', '2020-02-29').chain('F10', [['2022-10-01', 'U4', 'S']]);
  b.child('F11', '2008-02-29').chain('F11', [['2022-10-01', 'U4', 'S']]);
  b.child('F12', '2019-08-31').chain('F12', [['2022-10-01', 'U4', 'S']]);
  for (const c of ['F10', 'F11', 'F12']) b.add('attendance', { CHILD: c, PERIOD_START: '2024-09-01', PERIOD_END: '2024-10-01', POSSIBLE_SESSIONS: 40, ATTENDED_SESSIONS: 30 });
  // tracking cohort aged 18-20 at R: 18th birthday 01/03/2025 for 29/02/2007? (not leap) -> 2007-03-31, and 21st birthday 01/03/2025 for 29/02/2004
  b.add('care_leavers', { CHILD: 'F13', DOB: '2004-02-29', CASE_STATUS: 'OPEN', LAST_CONTACT_DATE: '2025-03-01', PATHWAY_PLAN_DATE: '2025-03-01' });
  b.add('care_leavers', { CHILD: 'F14', DOB: '2007-03-31', CASE_STATUS: 'OPEN', LAST_CONTACT_DATE: '2025-03-01', PATHWAY_PLAN_DATE: '2025-03-01' });
  // missing: an incident on the first day of W
  b.child('F15', '2012-01-01').chain('F15', [['2020-01-01', 'U4', 'S']]);
  b.add('missing', { CHILD: 'F15', DOB: '2012-01-01', MISSING: 'M', MIS_START: '2024-04-01', MIS_END: '2024-04-02' });
  return b.write(dir);
}

/** A small unit-level grid file (pcd, easting, northing) for the unitPostcodes option. */
export const UNIT_FILE = [
  'pcd,easting,northing',
  'HA1 2AB,500000,170000', // far from its sector's mean (515804, 188531): 14.7 miles away
  'HA1 2AD,515900,188600',
  'SG13 6AA,533000,211000',
].join('\n') + '\n';
