// One extract = the LA's history as recorded at a reference date R: episodes starting after R
// are left out, DEC/REC after R are blank, OC2/OC3/PEPs/attendance/tracking are as at R.

import { type Day, addMonths, ageOn, birthday, dayFromYmd, dmy, lastAug31, weekdaysBetween, windowStart, ymdFromDay } from './dates.js';
import type { CareLeaverCourse, Child, Episode } from './model.js';
import { SHORT_BREAK_LS } from './model.js';
import { Rng, type Weights, mixSeed, unitHash } from './prng.js';
import { type Reference, distanceMiles, sectorOf } from './reference.js';

// Weighted choices (module constants: the simulation draws from them millions of times).
const IN_TOUCH_ENGAGED: Weights<string> = [['YES', 98], ['NO', 1], ['REFU', 0.5], ['NREQ', 0.5]];
const REVIEW_CODES: Weights<string> = [['PN1', 60], ['PN2', 12], ['PN3', 8], ['PN4', 6], ['PN5', 5], ['PN6', 4], ['PN7', 5]];

export type TableName = 'header' | 'episodes' | 'uasc' | 'oc2' | 'oc3' | 'missing' | 'reviews' | 'attendance' | 'pep' | 'care_leavers';

const EPISODE_COLUMNS = ['CHILD', 'DECOM', 'RNE', 'LS', 'CIN', 'PLACE', 'PLACE_PROVIDER', 'DEC', 'REC', 'REASON_PLACE_CHANGE', 'HOME_POST', 'PL_POST', 'URN'];

/** Column names exactly as in the input contract (inputs.md). */
export function tableColumns(derived: boolean): Record<TableName, string[]> {
  return {
    header: ['CHILD', 'SEX', 'DOB', 'ETHNIC', 'UPN', 'MOTHER', 'MC_DOB'],
    episodes: derived ? [...EPISODE_COLUMNS, 'PL_DISTANCE', 'PL_LA', 'PL_LOCATION'] : EPISODE_COLUMNS,
    uasc: ['CHILD', 'SEX', 'DOB', 'DUC'],
    oc2: [
      'CHILD', 'DOB', 'SDQ_SCORE', 'SDQ_REASON', 'CONVICTED', 'HEALTH_CHECK', 'IMMUNISATIONS', 'TEETH_CHECK',
      'HEALTH_ASSESSMENT', 'SUBSTANCE_MISUSE', 'INTERVENTION_RECEIVED', 'INTERVENTION_OFFERED',
    ],
    oc3: ['CHILD', 'DOB', 'IN_TOUCH', 'ACTIV', 'ACCOM'],
    missing: ['CHILD', 'DOB', 'MISSING', 'MIS_START', 'MIS_END'],
    reviews: ['CHILD', 'DOB', 'REVIEW', 'REVIEW_CODE'],
    attendance: [
      'CHILD', 'PERIOD_START', 'PERIOD_END', 'POSSIBLE_SESSIONS', 'ATTENDED_SESSIONS', 'UPN', 'SCHOOL_URN',
      'AUTHORISED_ABSENCE', 'UNAUTHORISED_ABSENCE', 'SUSPENSIONS', 'PERMANENT_EXCLUSION',
    ],
    pep: ['CHILD', 'PEP_DATE', 'PEP_STATUS', 'PEP_QUALITY'],
    care_leavers: ['CHILD', 'DOB', 'CASE_STATUS', 'CASE_CLOSED_DATE', 'CLOSURE_REASON', 'LAST_CONTACT_DATE', 'PATHWAY_PLAN_DATE'],
  };
}

export const TABLE_NAMES: TableName[] = ['header', 'episodes', 'uasc', 'oc2', 'oc3', 'missing', 'reviews', 'attendance', 'pep', 'care_leavers'];

export interface ExtractSink {
  row(table: TableName, values: string[]): void;
}

export interface ExtractStats {
  cla: number;
  children: number;
  rows: Record<TableName, number>;
}

export interface ExtractOptions {
  /** Own LA (ONS code), for PL_LA / PL_LOCATION. */
  la: string;
  derived: boolean;
  ref: Reference;
}

const isShortBreak = (e: Episode): boolean => SHORT_BREAK_LS.has(e.ls);

/** Start of the period of care that episode i belongs to. */
function periodStart(eps: Episode[], i: number): Day {
  let j = i;
  while (j > 0 && eps[j - 1]!.rec === 'X1' && eps[j - 1]!.end === eps[j]!.start && !isShortBreak(eps[j - 1]!)) j--;
  return eps[j]!.start;
}

// ---------------------------------------------------------------------------------------------
// OC3

const ACTIV_17_18: Weights<string> = [
  ['F2', 30], ['P2', 4], ['F4', 5], ['P4', 1], ['F5', 8], ['P5', 5], ['F1', 2], ['P1', 0.5], ['G4', 8], ['G5', 3], ['G6', 25],
];
const ACTIV_19_21: Weights<string> = [
  ['F1', 9], ['P1', 2], ['F2', 11], ['P2', 3], ['F4', 5], ['P4', 1], ['F5', 24], ['P5', 10], ['G4', 8], ['G5', 5], ['G6', 22],
];
const ACCOM: Weights<string> = [
  ['U1', 30], ['D1', 10], ['E1', 6], ['B1', 12], ['K1', 4], ['T1', 4], ['Z1', 8], ['C1', 2], ['Y1', 1],
  ['U2', 1], ['B2', 0.6], ['S2', 0.5], ['V2', 0.4], ['V1', 0.5], ['W2', 0.3], ['X2', 0.8], ['D2', 0.3],
  ['G1', 0.5], ['G2', 0.2], ['H1', 0.2], ['R1', 0.3], ['R2', 0.3],
];

function caseStatusAt(course: CareLeaverCourse, d: Day): { status: 'OPEN' | 'CLOSED'; closed?: Day; reason?: string } {
  let status: 'OPEN' | 'CLOSED' = 'OPEN';
  let closed: Day | undefined;
  let reason: string | undefined;
  for (const ev of course.events) {
    if (ev.date > d) break;
    status = ev.status;
    if (ev.status === 'CLOSED') {
      closed = ev.date;
      reason = ev.reason;
    }
  }
  return { status, ...(closed !== undefined ? { closed } : {}), ...(status === 'CLOSED' && reason ? { reason } : {}) };
}

/** IN_TOUCH, ACTIV, ACCOM for the birthday of age `age` (what the LA recorded around it). */
export function oc3Values(child: Child, course: CareLeaverCourse, age: number, inCare: boolean): [string, string, string] {
  const b = birthday(child.dob, age);
  const rng = new Rng(mixSeed(child.seed, 'oc3', age));
  if (course.died !== undefined && course.died <= b) return ['DIED', '0', '0'];
  const st = caseStatusAt(course, b);
  let inTouch: string;
  let abroad = false;
  if (inCare) inTouch = 'YES';
  else if (st.status === 'CLOSED' && st.reason !== 'AGE_21' && st.reason !== 'AGE_25') {
    switch (st.reason) {
      case 'DECLINED_SUPPORT':
        inTouch = 'NREQ';
        break;
      case 'RETURNED_HOME':
        inTouch = 'RHOM';
        break;
      case 'MOVED_ABROAD':
        inTouch = 'YES';
        abroad = true;
        break;
      case 'TRANSFERRED':
        inTouch = 'YES';
        break;
      default:
        inTouch = 'NO';
    }
  } else if (course.inTouch !== 'YES') inTouch = course.inTouch;
  else inTouch = rng.weighted(IN_TOUCH_ENGAGED);
  if (inTouch === 'RHOM') return ['RHOM', '0', '0'];
  if (inTouch !== 'YES') return [inTouch, '0', course.accom ?? '0'];
  const activ = rng.weighted(age <= 18 ? ACTIV_17_18 : ACTIV_19_21);
  const accom = course.accom ?? (abroad ? 'G1' : rng.weighted(ACCOM));
  return ['YES', activ, accom];
}

// ---------------------------------------------------------------------------------------------
// Local extracts

/** Latest PA contact on or before `limit`. */
function lastContact(child: Child, course: CareLeaverCourse, limit: Day): Day | undefined {
  if (course.contacts) {
    let best: Day | undefined;
    for (const d of course.contacts) if (d <= limit && d >= course.start && (best === undefined || d > best)) best = d;
    return best;
  }
  return lastSlotEvent(child.seed, 'contact', course.start, limit, 30, course.engagement, 0);
}

/** Periodic events: slot k (length `period` days from `anchor`) has one event with probability p. */
function lastSlotEvent(seed: number, kind: string, anchor: Day, limit: Day, period: number, p: number, offset: number): Day | undefined {
  if (limit < anchor + offset) return undefined;
  for (let k = Math.floor((limit - anchor - offset) / period); k >= 0 && k > Math.floor((limit - anchor - offset) / period) - 40; k--) {
    if (unitHash(seed, kind, k) >= p) continue;
    const d = anchor + offset + k * period + Math.floor(unitHash(seed, kind, 'day', k) * period);
    if (d <= limit) return d;
  }
  return undefined;
}

/** Half-term periods of the academic year starting in September of `y`. */
function halfTerms(y: number): Array<[Day, Day]> {
  return [
    [dayFromYmd(y, 9, 4), dayFromYmd(y, 10, 24)],
    [dayFromYmd(y, 11, 3), dayFromYmd(y, 12, 19)],
    [dayFromYmd(y + 1, 1, 5), dayFromYmd(y + 1, 2, 13)],
    [dayFromYmd(y + 1, 2, 23), dayFromYmd(y + 1, 4, 2)],
    [dayFromYmd(y + 1, 4, 20), dayFromYmd(y + 1, 5, 22)],
    [dayFromYmd(y + 1, 6, 1), dayFromYmd(y + 1, 7, 21)],
  ];
}

// ---------------------------------------------------------------------------------------------

/** Writes one extract (the history as at R) to the sink; returns counts. */
export function buildExtract(children: Child[], R: Day, sink: ExtractSink, opts: ExtractOptions): ExtractStats {
  const ws = windowStart(R);
  const rows = Object.fromEntries(TABLE_NAMES.map((t) => [t, 0])) as Record<TableName, number>;
  const emit = (t: TableName, v: string[]): void => {
    rows[t]++;
    sink.row(t, v);
  };
  let cla = 0;
  let childrenOut = 0;
  const attendanceFrom = addMonths(R, -13);
  const [ry] = ymdFromDay(R);
  const terms: Array<[Day, Day]> = [...halfTerms(ry - 2), ...halfTerms(ry - 1), ...halfTerms(ry)].filter(([s, e]) => e >= attendanceFrom && s <= R);
  const closedFrom = addMonths(R, -24);

  for (const child of children) {
    const eps = child.episodes;
    let nUpTo = 0;
    while (nUpTo < eps.length && eps[nUpTo]!.start <= R) nUpTo++;
    let inW = false;
    let openIdx = -1;
    for (let i = 0; i < nUpTo; i++) {
      const e = eps[i]!;
      if (e.end >= ws) inW = true;
      if (e.end > R && !isShortBreak(e)) openIdx = i;
    }
    const course = child.careLeaver;
    const age = ageOn(child.dob, R);

    // OC3 rows: birthdays 17..21 in W, known to the leaving-care service by then.
    const oc3: string[][] = [];
    if (course && child.dob <= R) {
      for (let a = 17; a <= 21; a++) {
        const b = birthday(child.dob, a);
        if (b < ws || b > R || course.start > b) continue;
        let inCare = false;
        for (let i = 0; i < nUpTo; i++) {
          const e = eps[i]!;
          if (!isShortBreak(e) && e.start <= b && e.end > b) inCare = true;
        }
        oc3.push([child.id, dmy(child.dob), ...oc3Values(child, course, a, inCare)]);
      }
    }

    if (inW || oc3.length > 0) {
      childrenOut++;
      if (openIdx >= 0) cla++;
      const dob = dmy(child.dob);
      const upn = age < 5 && child.upn !== 'UN4' ? 'UN1' : child.upn;
      const mother = child.sex === 'F' ? (child.babyDob !== undefined && child.babyDob <= R ? '1' : '0') : '';
      emit('header', [child.id, child.sex, dob, child.ethnic, upn, mother, mother === '1' ? dmy(child.babyDob!) : '']);

      for (let i = 0; i < nUpTo; i++) {
        const e = eps[i]!;
        const closed = e.end <= R;
        const v = [
          child.id, dmy(e.start), e.rne, e.ls, e.cin, e.place, e.provider,
          closed ? dmy(e.end) : '', closed ? e.rec : '', closed ? e.rpc : '', e.home, e.post, e.urn,
        ];
        if (opts.derived) {
          const dist = distanceMiles(opts.ref, e.home, e.post);
          const pl = e.post ? opts.ref.bySector.get(sectorOf(e.post)) : undefined;
          v.push(dist === undefined ? '' : dist.toFixed(1), pl ? pl.utla : '', pl ? (pl.utla === opts.la ? 'IN' : 'OUT') : '');
        }
        emit('episodes', v);
      }

      if (child.uasc) {
        const b18 = birthday(child.dob, 18);
        emit('uasc', [child.id, child.sex, dob, b18 <= R ? dmy(b18) : '']);
      }

      for (const m of child.missing) {
        if (m.start > R || m.end < ws) continue;
        emit('missing', [child.id, dob, m.type, dmy(m.start), m.end <= R ? dmy(m.end) : '']);
      }

      // Reviews: 20 days after entry, 3 months later, then every 6 months.
      for (let i = 0; i < nUpTo; i++) {
        const e = eps[i]!;
        if (isShortBreak(e) || (i > 0 && eps[i - 1]!.rec === 'X1' && eps[i - 1]!.end === e.start && !isShortBreak(eps[i - 1]!))) continue;
        let j = i;
        while (j + 1 < eps.length && eps[j]!.rec === 'X1' && eps[j + 1]!.start === eps[j]!.end) j++;
        const pEnd = eps[j]!.end;
        const rr = new Rng(mixSeed(child.seed, 'reviews', e.start));
        let d = e.start + 14 + rr.int(0, 8);
        for (let k = 0; d < pEnd && d <= R; k++) {
          // Draw the code whether or not it is shown, so every extract sees the same reviews.
          const code = rr.weighted(REVIEW_CODES);
          if (d >= ws) emit('reviews', [child.id, dob, dmy(d), ageOn(child.dob, d) < 4 ? 'PN0' : code]);
          d = addMonths(d, k === 0 ? 3 : 6) + rr.int(-5, 10);
        }
      }

      // OC2: looked after continuously for at least 12 months at R.
      if (openIdx >= 0 && periodStart(eps, openIdx) <= addMonths(R, -12) + 1) {
        const rr = new Rng(mixSeed(child.seed, 'oc2', R));
        const good = rr.next() < 0.85;
        const sdqAge = age >= 4 && age <= 16;
        const sdq = sdqAge && rr.chance(0.82) ? String(Math.min(40, Math.max(0, Math.round(13 + 7 * rr.normal())))) : '';
        const sdqReason = sdq ? '' : sdqAge ? rr.pick(['SDQ2', 'SDQ3', 'SDQ4', 'SDQ5']) : 'SDQ1';
        const misuse = age >= 10 && rr.chance(0.04);
        emit('oc2', [
          child.id, dob, sdq, sdqReason,
          age >= 10 ? (rr.chance(0.03) ? '1' : '0') : '',
          age < 5 ? (rr.chance(0.9) ? '1' : '0') : '',
          rr.chance(good ? 0.88 : 0.55) ? '1' : '0',
          rr.chance(good ? 0.9 : 0.5) ? '1' : '0',
          rr.chance(good ? 0.96 : 0.7) ? '1' : '0',
          misuse ? '1' : '0',
          misuse ? (rr.chance(0.6) ? '1' : '0') : '',
          misuse ? (rr.chance(0.8) ? '1' : '0') : '',
        ]);
      }

      // PEPs in the 12 months to R, plus the next one planned after R.
      const pepFrom = addMonths(R, -12);
      let planned = false;
      for (const p of child.peps) {
        if (p.date <= pepFrom) continue;
        if (p.date > R) {
          if (!planned && p.date <= R + 92) emit('pep', [child.id, dmy(p.date), 'DRAFT', '']);
          planned = true;
          continue;
        }
        const status = p.cancelled ? 'CANCELLED' : p.completed <= R ? 'COMPLETE' : 'DRAFT';
        emit('pep', [child.id, dmy(p.date), status, status === 'COMPLETE' ? p.quality : '']);
      }

      // Attendance by half term, for school-age children in care during the half term.
      for (const [s, e] of terms) {
        const schoolAge = ageOn(child.dob, lastAug31(s));
        if (schoolAge < 4 || schoolAge > 15) continue;
        let inCare = false;
        for (let i = 0; i < nUpTo && !inCare; i++) {
          const ep = eps[i]!;
          if (!isShortBreak(ep) && ep.start <= e && ep.end >= s) inCare = true;
        }
        if (!inCare) continue;
        const rr = new Rng(mixSeed(child.seed, 'attendance', s));
        let possible = 2 * weekdaysBetween(s, Math.min(e, R)) - 2 * rr.int(0, 1);
        let attended: number;
        if (child.exactAttendance !== undefined) {
          possible -= possible % 20;
          attended = Math.round(possible * child.exactAttendance);
        } else {
          const rate = Math.min(1, Math.max(0, child.attendance + (rr.next() - 0.5) * 0.08));
          attended = Math.min(possible, Math.round(possible * rate));
        }
        if (possible <= 0) continue;
        const missed = possible - attended;
        const unauth = Math.round(missed * (0.2 + 0.5 * unitHash(child.seed, 'unauth')));
        emit('attendance', [
          child.id, dmy(s), dmy(e), String(possible), String(attended), child.upn.startsWith('UN') ? '' : child.upn, child.schoolUrn,
          String(missed - unauth), String(unauth), child.attendance < 0.85 && rr.chance(0.12) ? '1' : '0', '0',
        ]);
      }
    }
    for (const r of oc3) emit('oc3', r);

    // Care-leaver tracking: ages 16 to 25, known to the service; closed cases for 2 years.
    if (course && course.tracked && course.start <= R && age >= 16 && age <= 25) {
      const st = caseStatusAt(course, R);
      if (st.status === 'OPEN' || st.closed! > closedFrom) {
        const limit = st.status === 'CLOSED' ? st.closed! : R;
        const contact = lastContact(child, course, limit);
        const plan = lastSlotEvent(child.seed, 'pathway', course.start, limit, 182, course.engagement > 0.9 ? 0.93 : 0.75, 45);
        emit('care_leavers', [
          child.id, dmy(child.dob), st.status, st.closed !== undefined ? dmy(st.closed) : '', st.reason ?? '',
          contact !== undefined ? dmy(contact) : '', plan !== undefined ? dmy(plan) : '',
        ]);
      }
    }
  }
  return { cla, children: childrenOut, rows };
}
