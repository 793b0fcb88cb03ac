// The random part of an LA's history: a steady flow of children into care over 25 years,
// each with a simulated life course (periods of care, legal statuses, placements, temporary
// placements, missing incidents, PEPs) and, for care leavers, the leaving-care years after.
// Only children who can appear in some extract are built in detail.

import { type Day, addMonths, birthday } from './dates.js';
import {
  type Carer,
  type CareLeaverCourse,
  type Child,
  type ClosureReason,
  type Kind,
  CareBuilder,
  LaContext,
  assignPlacementChangeReasons,
  newChild,
  placeCode,
} from './model.js';
import { Rng, type Weights, mixSeed } from './prng.js';

// Weighted choices (module constants: the simulation draws from them millions of times).
const LS_FIRST_UNDER_5: Weights<string> = [['V2', 25], ['C1', 45], ['L1', 8], ['L2', 18], ['C2', 4]];
const LS_FIRST: Weights<string> = [['V2', 55], ['C1', 22], ['L1', 10], ['L2', 8], ['C2', 5]];
const AGE_GROUPS: Weights<number> = [[0, 17], [1, 13], [2, 13], [3, 35], [4, 22]];
const ROUTES_UASC: Weights<Route> = [['long', 90], ['home', 3], ['assessed', 7]];
const ROUTES_UNDER_1: Weights<Route> = [['adoption', 30], ['home', 32], ['sgo', 25], ['long', 13]];
const ROUTES_1_4: Weights<Route> = [['adoption', 14], ['home', 40], ['sgo', 28], ['long', 18]];
const ROUTES_5_9: Weights<Route> = [['home', 55], ['sgo', 17], ['long', 28]];
const ROUTES_10_15: Weights<Route> = [['home', 58], ['long', 35], ['justice', 5], ['sgo', 2]];
const ROUTES_16_17: Weights<Route> = [['home', 30], ['long', 66], ['justice', 4]];
const REC_HOME: Weights<string> = [['E4A', 50], ['E4B', 15], ['E13', 20], ['E8', 10], ['E16', 1], ['E3', 2.5], ['E2', 0.2]];
const REC_SGO: Weights<string> = [['E45', 30], ['E46', 55], ['E47', 5], ['E48', 10]];
const REC_LONG_EARLY_YOUNG: Weights<string> = [['E4A', 35], ['E45', 25], ['E46', 20], ['E47', 5], ['E48', 15]];
const REC_LONG_EARLY: Weights<string> = [['E5', 30], ['E6', 10], ['E4B', 20], ['E13', 20], ['E8', 15], ['E9', 5]];
const KIND_JUSTICE: Weights<Kind> = [['fosterOther', 40], ['home', 50], ['yoi', 10]];
const KIND_UASC_16: Weights<Kind> = [['semi', 55], ['fosterOther', 30], ['home', 15]];
const KIND_UASC: Weights<Kind> = [['fosterOther', 70], ['home', 30]];
const KIND_UNDER_1: Weights<Kind> = [['fosterOther', 70], ['fosterRel', 12], ['ffa', 8], ['mbu', 6], ['parents', 2], ['health', 2]];
const KIND_1_4: Weights<Kind> = [['fosterOther', 65], ['fosterRel', 22], ['parents', 8], ['home', 2], ['ffa', 3]];
const KIND_5_9: Weights<Kind> = [['fosterOther', 65], ['fosterRel', 20], ['parents', 7], ['home', 5], ['school', 2], ['other', 1]];
const KIND_10_15: Weights<Kind> = [['fosterOther', 55], ['fosterRel', 12], ['home', 22], ['secure', 1.5], ['school', 3], ['parents', 4], ['other', 1.5], ['health', 1]];
const KIND_16_17: Weights<Kind> = [['fosterOther', 38], ['fosterRel', 8], ['home', 16], ['semi', 30], ['indep', 2], ['parents', 3], ['other', 1.5], ['employ', 0.5], ['secure', 1]];
const REC_18: Weights<string> = [['E5', 45], ['E6', 10], ['E8', 20], ['E4A', 8], ['E7', 3], ['E13', 8]];
const MISSING_DAYS: Weights<number> = [[0, 40], [1, 30], [2, 12], [3, 8], [5, 6], [9, 4]];
const PEP_QUALITY: Weights<string> = [['GOOD', 65], ['REQUIRES_IMPROVEMENT', 28], ['INADEQUATE', 7]];
const EARLY_CLOSURE: Weights<ClosureReason> = [['DECLINED_SUPPORT', 40], ['RETURNED_HOME', 15], ['OTHER', 15], ['TRANSFERRED', 15], ['MOVED_ABROAD', 10]];
const ENGAGEMENT: Weights<number> = [[0.95, 70], [0.8, 20], [0.45, 10]];
const IN_TOUCH_LOW: Weights<CareLeaverCourse['inTouch']> = [['YES', 90], ['NO', 5], ['REFU', 3], ['NREQ', 2]];

/** The span of history the extracts need. */
export interface SimWindow {
  /** The latest reference date. */
  last: Day;
  /** The first day any extract looks at (first W start, minus margin for look-backs). */
  relevantFrom: Day;
  /** Entries into care are simulated from here (25 years before `last`). */
  horizonStart: Day;
}

type Route = 'home' | 'adoption' | 'sgo' | 'long' | 'justice' | 'assessed';

interface PeriodPlan {
  start: Day;
  end: Day;
  route: Route;
  /** REC; '18' = decided when the last placement is known (E17 needs foster carers). */
  rec: string;
  /** Adoption route: the move into the adoptive placement. */
  aMove?: Day;
}

interface Plan {
  dob: Day;
  uasc: boolean;
  periods: PeriodPlan[];
}

const YEAR = 365.25;

function years(from: Day, to: Day): number {
  return (to - from) / YEAR;
}

/** Samples when a child comes into care, how old they are and how each period of care ends. */
function planChild(rng: Rng, entry: Day, uascShare: number): Plan {
  const group = rng.weighted(AGE_GROUPS);
  const ranges: Array<[number, number]> = [[0, 364], [365, 1825], [1826, 3652], [3653, 5843], [5844, 6540]];
  const [lo, hi] = ranges[group]!;
  const ageDays = group === 0 && rng.chance(0.35) ? rng.int(0, 7) : rng.int(lo, hi);
  const dob = entry - ageDays;
  const uasc = ageDays >= 14 * 365 + 4 && rng.chance(uascShare);
  const b16 = birthday(dob, 16);
  const b18 = birthday(dob, 18);
  const periods: PeriodPlan[] = [];
  let start = entry;
  for (let n = 0; n < 3; n++) {
    const age = years(dob, start);
    const route: Route = uasc
      ? rng.weighted(ROUTES_UASC)
      : age < 1
        ? rng.weighted(ROUTES_UNDER_1)
        : age < 5
          ? rng.weighted(ROUTES_1_4)
          : age < 10
            ? rng.weighted(ROUTES_5_9)
            : age < 16
              ? rng.weighted(ROUTES_10_15)
              : rng.weighted(ROUTES_16_17);
    let end: Day;
    let rec: string;
    let aMove: Day | undefined;
    switch (route) {
      case 'home': {
        const x = rng.next();
        end = start + (x < 0.25 ? rng.int(1, 30) : x < 0.65 ? rng.int(31, 180) : rng.int(181, 900));
        rec = rng.weighted(REC_HOME);
        break;
      }
      case 'adoption':
        end = start + rng.int(450, 1000);
        aMove = end - rng.int(150, 330);
        rec = rng.chance(0.9) ? 'E11' : 'E12';
        break;
      case 'sgo':
        end = start + rng.int(270, 1100);
        rec = rng.weighted(REC_SGO);
        break;
      case 'justice':
        end = start + rng.int(3, 120);
        rec = rng.chance(0.7) ? 'E14' : 'E9';
        break;
      case 'assessed':
        end = start + rng.int(20, 200);
        rec = 'E15';
        break;
      case 'long': {
        end = b18;
        rec = '18';
        const x = rng.next();
        if (age < 13 && rng.chance(age < 10 ? 0.5 : 0.4)) {
          // Many younger children in long-term care leave it before adulthood (home, SGO, CAO).
          end = start + rng.int(2 * 365, 7 * 365);
          rec = rng.weighted(REC_LONG_EARLY_YOUNG);
        } else if (x < 0.15 && start < b16 + 30) {
          end = b16 + rng.int(30, b18 - b16 - 30);
          rec = rng.weighted(REC_LONG_EARLY);
        } else if (x < 0.17) {
          end = start + rng.int(30, Math.max(31, b18 - start - 1));
          rec = 'E3';
        } else if (x < 0.173) {
          end = start + rng.int(30, Math.max(31, b18 - start - 1));
          rec = 'E2';
        }
        break;
      }
    }
    if (end >= b18) {
      end = b18;
      if (route !== 'long') rec = '18';
      if (rec === 'E11' || rec === 'E12' || rec === 'E45' || rec === 'E46' || rec === 'E47' || rec === 'E48' || rec === 'E15') rec = '18';
      aMove = undefined;
    }
    if (route === 'adoption' && rec === '18') aMove = undefined;
    if (end <= start) end = start + 1;
    periods.push({ start, end, route: rec === '18' && route === 'adoption' ? 'long' : route, rec, ...(aMove !== undefined ? { aMove } : {}) });
    const homeEnd = rec === 'E4A' || rec === 'E4B' || rec === 'E13' || rec === 'E8' || rec === 'E14';
    if (!homeEnd || !rng.chance(0.2)) break;
    start = end + rng.int(30, 700);
    if (start >= b18 - 60) break;
  }
  return { dob, uasc, periods };
}

const calibration = new Map<number, number>();

/** Mean years in care per child entering (all periods), for calibrating the entry rate. */
export function meanYearsInCare(uascShare: number): number {
  const cached = calibration.get(uascShare);
  if (cached !== undefined) return cached;
  const rng = new Rng(mixSeed(uascShare * 1000, 'calibrate'));
  let total = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const plan = planChild(rng, 20000, uascShare);
    for (const p of plan.periods) total += p.end - p.start;
  }
  const mean = total / n / YEAR;
  calibration.set(uascShare, mean);
  return mean;
}

function careLeaverEligible(plan: Plan): boolean {
  const b14 = birthday(plan.dob, 14);
  const b16 = birthday(plan.dob, 16);
  let after14 = 0;
  let after16 = false;
  for (const p of plan.periods) {
    if (p.end > b14) after14 += p.end - Math.max(p.start, b14);
    if (p.end > b16) after16 = true;
  }
  const last = plan.periods[plan.periods.length - 1]!;
  return after14 >= 91 && after16 && last.rec !== 'E2' && last.rec !== 'E15';
}

// ---------------------------------------------------------------------------------------------
// Building a child in detail

const CIN: Weights<string> = [['N1', 62], ['N2', 4], ['N3', 3], ['N4', 8], ['N5', 14], ['N6', 2], ['N7', 0.5], ['N8', 6]];

function chooseKind(rng: Rng, age: number, uasc: boolean, route: Route): Kind {
  if (route === 'justice') return rng.weighted(KIND_JUSTICE);
  if (uasc) return age >= 16 ? rng.weighted(KIND_UASC_16) : rng.weighted(KIND_UASC);
  if (age < 1) return rng.weighted(KIND_UNDER_1);
  if (age < 5) return rng.weighted(KIND_1_4);
  if (age < 10) return rng.weighted(KIND_5_9);
  if (age < 16)
    return rng.weighted(KIND_10_15);
  return rng.weighted(KIND_16_17);
}

function carerFor(ctx: LaContext, rng: Rng, kind: Kind, from: Day, to: Day, child: Child, home: string): Carer {
  let place = placeCode(kind, from, to, rng);
  if (place === undefined) place = placeCode('fosterOther', from, to, rng)!;
  return ctx.carer(place, rng, { uasc: child.uasc, home });
}

interface Change {
  date: Day;
  order: number;
  ls?: string;
  seg?: Carer;
  tempStart?: Carer;
  tempEnd?: true;
  move?: string;
}

/** Episodes of one period of care: legal statuses, placements, temporary placements, moves. */
function simulatePeriod(ctx: LaContext, child: Child, b: CareBuilder, p: PeriodPlan, rng: Rng): void {
  const { start, end, route } = p;
  const age = years(child.dob, start);
  const cin = child.uasc ? 'N8' : rng.weighted(CIN);
  const home = ctx.homePostcode(rng, child.uasc);
  const dur = end - start;

  // Legal status timeline.
  const lsEvents: Array<[Day, string]> = [];
  let first: string;
  if (route === 'justice') first = dur <= 3 ? 'J2' : rng.chance(0.85) ? 'J1' : 'J3';
  else if (child.uasc) first = 'V2';
  else first = rng.weighted(age < 5 ? LS_FIRST_UNDER_5 : LS_FIRST);
  let cur = first;
  let t = start;
  if (cur === 'L1' || cur === 'L2') {
    t = start + (cur === 'L1' ? rng.int(1, 3) : rng.int(2, 7));
    cur = cur === 'L2' || rng.chance(0.5) ? 'C1' : 'V2';
    lsEvents.push([t, cur]);
  }
  if (cur === 'V2' && !child.uasc && (route === 'adoption' || route === 'sgo' || route === 'long') && age < 16 && rng.chance(0.4)) {
    t += rng.int(30, 240);
    cur = 'C1';
    lsEvents.push([t, cur]);
  }
  if (cur === 'C1' && route !== 'home') {
    t += rng.int(180, 360);
    cur = 'C2';
    lsEvents.push([t, cur]);
  }
  const adoptSame = route === 'adoption' && rng.chance(0.45);
  const consent = route === 'adoption' && rng.chance(0.25);
  if (p.aMove !== undefined && !consent) {
    const e1 = rng.chance(0.3) ? p.aMove : p.aMove - rng.int(10, 120);
    if (e1 > t + 2) lsEvents.push([e1, 'E1']);
  }
  const ls = lsEvents.filter(([d]) => d > start && d < end - 1);

  // Placements: cut points where the carer changes.
  // Moves are most likely in the first year in care; some children are much less stable.
  const unstable = rng.chance(0.1) ? 3 : 1;
  const rate1 = (age < 5 ? 0.7 : age < 12 ? 0.9 : 1.4) * unstable;
  const rate2 = (age < 5 ? 0.1 : age < 12 ? 0.16 : 0.33) * unstable;
  const cutSet = new Set<Day>();
  const lastCut = p.aMove !== undefined ? p.aMove - 3 : end - 3;
  const firstYearEnd = Math.min(lastCut, start + 365);
  if (lastCut > start + 3) {
    const n1 = Math.min(12, rng.poisson(rate1 * years(start, firstYearEnd)));
    for (let i = 0; i < n1; i++) cutSet.add(rng.int(start + 3, firstYearEnd));
    const n2 = lastCut > firstYearEnd ? Math.min(20, rng.poisson(rate2 * years(firstYearEnd, lastCut))) : 0;
    for (let i = 0; i < n2; i++) cutSet.add(rng.int(firstYearEnd, lastCut));
  }
  if (p.aMove !== undefined) cutSet.add(p.aMove);

  // Temporary placements, which return to the same carer or lead to a new one.
  const temps: Array<[Day, Day]> = [];
  const nTemps = Math.min(6, rng.poisson(0.15 * years(start, end)));
  const lsDays = new Set(ls.map(([d]) => d));
  for (let i = 0; i < nTemps; i++) {
    if (dur < 40) break;
    const d0 = rng.int(start + 5, end - 20);
    const d1 = d0 + rng.int(1, 14);
    let ok = d1 < end - 3;
    for (let d = d0 - 2; ok && d <= d1 + 2; d++) if (cutSet.has(d) || lsDays.has(d) || d === p.aMove) ok = false;
    for (const [a, z] of temps) if (d0 <= z + 2 && d1 >= a - 2) ok = false;
    if (!ok) continue;
    temps.push([d0, d1]);
    if (rng.chance(0.2) && (p.aMove === undefined || d1 < p.aMove - 3)) cutSet.add(d1);
  }
  const cuts = [...cutSet].sort((a, z) => a - z);
  const segStarts = [start, ...cuts];

  // Carers per placement.
  const carers: Carer[] = [];
  for (let j = 0; j < segStarts.length; j++) {
    const s = segStarts[j]!;
    const e = j + 1 < segStarts.length ? segStarts[j + 1]! : end;
    const a = years(child.dob, s);
    const last = j === segStarts.length - 1;
    if (p.aMove !== undefined && s === p.aMove) {
      const prev = carers[j - 1]!;
      if (adoptSame && prev.place[0] === 'U') {
        carers.push(ctx.sameCarer(prev, { place: consent ? 'A3' : 'A5' }));
      } else {
        carers.push(ctx.carer(consent ? 'A4' : 'A6', rng, { home }));
      }
      continue;
    }
    let kind: Kind;
    if (p.aMove !== undefined && adoptSame && e === p.aMove) kind = 'ffa';
    else if (last && (route === 'sgo' || p.rec === 'E45' || p.rec === 'E46')) kind = rng.chance(0.7) ? 'fosterRel' : 'fosterOther';
    else kind = chooseKind(rng, a, child.uasc, route);
    carers.push(carerFor(ctx, rng, kind, s, e, child, home));
  }

  // Same carer, placement changed (carer moves house): RNE T, or U with a legal status change.
  const moves: Array<[Day, string]> = [];
  for (let j = 0; j < segStarts.length; j++) {
    const c = carers[j]!;
    const s = segStarts[j]!;
    const e = j + 1 < segStarts.length ? segStarts[j + 1]! : end;
    if (c.place[0] !== 'U' || e - s < 365 || !rng.chance(0.12 * years(s, e))) continue;
    const d = rng.int(s + 60, e - 30);
    let ok = true;
    for (const [a, z] of temps) if (d >= a - 2 && d <= z + 2) ok = false;
    if (ok) moves.push([d, ctx.postcode(rng, rng.chance(0.6) ? 'own' : 'near')]);
  }

  // Some legal status changes happen on the day of a move (RNE B, or U with the same carer).
  const moveDays = [...cuts.filter((c) => c !== p.aMove), ...moves.map(([d]) => d)];
  for (let i = 0; i < ls.length; i++) {
    if (i === 0 && (first === 'L1' || first === 'L2')) continue;
    if (!rng.chance(0.3)) continue;
    const lo = i > 0 ? ls[i - 1]![0] : start;
    const hi = i + 1 < ls.length ? ls[i + 1]![0] : end - 1;
    const near = moveDays.filter((m) => m > lo && m < hi && Math.abs(m - ls[i]![0]) <= 90);
    if (near.length > 0) ls[i] = [rng.pick(near), ls[i]![1]];
  }

  // Sweep all changes in date order.
  const changes: Change[] = [];
  for (let j = 1; j < segStarts.length; j++) changes.push({ date: segStarts[j]!, order: 1, seg: carers[j]! });
  for (const [d, v] of ls) changes.push({ date: d, order: 3, ls: v });
  for (const [d0, d1] of temps) {
    changes.push({ date: d0, order: 2, tempStart: ctx.carer(placeCode('temp', d0, d1, rng)!, rng) });
    changes.push({ date: d1, order: 0, tempEnd: true });
  }
  for (const [d, post] of moves) changes.push({ date: d, order: 2, move: post });
  changes.sort((a, z) => a.date - z.date || a.order - z.order);

  let base = carers[0]!;
  let carer = base;
  let lsNow = first;
  b.startPeriod(start, first, carer, cin, home);
  for (let i = 0; i < changes.length; ) {
    const date = changes[i]!.date;
    for (; i < changes.length && changes[i]!.date === date; i++) {
      const c = changes[i]!;
      if (c.tempEnd) carer = base;
      if (c.seg) base = carer = c.seg;
      if (c.tempStart) carer = c.tempStart;
      if (c.move) {
        base = ctx.sameCarer(base, { post: c.move });
        if (carer.id === base.id) carer = base;
      }
      if (c.ls) {
        lsNow = c.ls;
        // A full care order often turns a short-term foster placement into a long-term one with
        // the same carers (RNE U).
        if (c.ls === 'C2' && carer.id === base.id && (base.place === 'U6' || base.place === 'U3') && rng.chance(0.35)) {
          base = carer = ctx.sameCarer(base, { place: base.place === 'U6' ? 'U4' : 'U1' });
        }
      }
    }
    if (date >= end) break;
    b.change(date, { ls: lsNow, carer });
  }
  let rec = p.rec;
  if (rec === '18') {
    const fostered = carer.place[0] === 'U';
    rec = fostered && rng.chance(0.3) ? 'E17' : rng.weighted(REC_18);
  }
  b.endPeriod(end, rec);
}

/** Missing and away-without-authorisation incidents while in care (teenagers mostly). */
function addMissing(child: Child, rng: Rng, from: Day): void {
  const prone = rng.chance(0.2);
  const rate = prone ? (rng.chance(0.25) ? 14 : 5) : 0.06;
  const b10 = birthday(child.dob, 10);
  for (const e of child.episodes) {
    if (e.ls === 'V3' || e.ls === 'V4') continue;
    const s = Math.max(e.start + 1, b10, from);
    const z = e.end === Number.POSITIVE_INFINITY ? s : e.end - 1;
    if (z <= s) continue;
    const n = rng.poisson(rate * years(s, z));
    const starts: Day[] = [];
    for (let i = 0; i < n; i++) starts.push(rng.int(s, z));
    starts.sort((a, zz) => a - zz);
    let lastEnd = -Infinity;
    for (const d of starts) {
      if (d <= lastEnd) continue;
      const type = rng.chance(0.72) ? 'M' : 'A';
      const len = type === 'A' ? rng.int(0, 1) : rng.weighted(MISSING_DAYS);
      const end = Math.min(d + len, z);
      child.missing.push({ start: d, end, type });
      lastEnd = end;
    }
  }
}

/** Termly PEPs while in care between ages 3 and 17 (stored only from `from`). */
export function addPeps(child: Child, rng: Rng, from: Day, periodStart: Day, periodEnd: Day): void {
  const b3 = birthday(child.dob, 3);
  const b18 = birthday(child.dob, 18);
  let d = periodStart + rng.int(10, 28);
  while (d < periodEnd && d < b18) {
    if (d >= b3 && d >= from) {
      const cancelled = rng.chance(0.04);
      const x = rng.next();
      const completed = x < 0.03 ? Number.POSITIVE_INFINITY : x < 0.55 ? d : d + rng.int(1, 40);
      const quality = rng.weighted(PEP_QUALITY);
      child.peps.push({ date: d, completed, cancelled, quality });
      if (cancelled) d += rng.int(7, 21);
      else d += rng.int(90, 140);
    } else d += rng.int(90, 140);
  }
}

/** The leaving-care course of an eligible care leaver. */
export function careLeaverCourse(child: Child, rng: Rng): CareLeaverCourse {
  const b16 = birthday(child.dob, 16);
  const b18 = birthday(child.dob, 18);
  const b21 = birthday(child.dob, 21);
  const b25 = birthday(child.dob, 25);
  const eps = child.episodes.filter((e) => e.ls !== 'V3' && e.ls !== 'V4');
  const lastEp = eps[eps.length - 1]!;
  let start = b16;
  for (const e of eps) {
    if (e.end > b16) {
      start = Math.max(b16, e.start);
      break;
    }
  }
  const left = lastEp.end;
  const events: CareLeaverCourse['events'] = [];
  let closeAt: Day;
  let reason: ClosureReason;
  if (rng.chance(0.11)) {
    const from = Math.max(left, b18);
    closeAt = from < b21 - 1 ? rng.int(from, b21 - 1) : b21;
    reason = rng.weighted(EARLY_CLOSURE);
  } else if (rng.chance(0.72)) {
    closeAt = b21;
    reason = 'AGE_21';
  } else if (rng.chance(0.25)) {
    closeAt = rng.int(b21 + 1, b25 - 1);
    reason = 'DECLINED_SUPPORT';
  } else {
    closeAt = b25;
    reason = 'AGE_25';
  }
  let died: Day | undefined;
  if (rng.chance(0.008)) {
    died = rng.int(Math.min(left, b25 - 1), b25 - 1);
    if (died < closeAt) {
      closeAt = died;
      reason = 'DIED';
    }
  }
  if (closeAt < start) closeAt = start;
  events.push({ date: closeAt, status: 'CLOSED', reason });
  const engagement = rng.weighted(ENGAGEMENT);
  const inTouch = engagement > 0.9 ? 'YES' : rng.weighted(IN_TOUCH_LOW);
  return {
    start,
    events,
    ...(died !== undefined ? { died } : {}),
    engagement,
    tracked: lastEp.rec !== 'E3',
    inTouch,
  };
}

/** Shared finishing steps for every child (random or scripted). */
export function finishChild(child: Child, from: Day, opts: { missing?: boolean; peps?: boolean; careLeaver?: boolean } = {}): void {
  const rng = new Rng(mixSeed(child.seed, 'finish'));
  assignPlacementChangeReasons(child);
  if (opts.missing !== false) addMissing(child, rng, from);
  if (opts.peps !== false) {
    // One PEP schedule per period of care (short breaks excluded).
    let ps: Day | undefined;
    const eps = child.episodes;
    for (let i = 0; i < eps.length; i++) {
      const e = eps[i]!;
      if (e.ls === 'V3' || e.ls === 'V4') continue;
      if (ps === undefined) ps = e.start;
      const next = eps[i + 1];
      if (e.rec !== 'X1' || !next || next.start !== e.end) {
        addPeps(child, rng, from, ps, e.end);
        ps = undefined;
      }
    }
  }
  if (opts.careLeaver !== false && !child.careLeaver) {
    const plan: Plan = { dob: child.dob, uasc: child.uasc, periods: periodsOf(child) };
    if (plan.periods.length > 0 && careLeaverEligible(plan)) child.careLeaver = careLeaverCourse(child, rng);
  }
}

function periodsOf(child: Child): PeriodPlan[] {
  const out: PeriodPlan[] = [];
  let cur: PeriodPlan | undefined;
  for (const e of child.episodes) {
    if (e.ls === 'V3' || e.ls === 'V4') continue;
    if (!cur) cur = { start: e.start, end: e.end, route: 'long', rec: e.rec };
    cur.end = e.end;
    cur.rec = e.rec;
    if (e.rec !== 'X1') {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Short breaks

function shortBreakChild(ctx: LaContext, key: string, rng: Rng, win: SimWindow): Child | undefined {
  const s = win.relevantFrom - 4 * 365 + rng.int(0, win.last - win.relevantFrom + 4 * 365);
  const age0 = rng.int(5, 15);
  const dob = addMonths(s, -12 * age0) - rng.int(0, 364);
  const b18 = birthday(dob, 18);
  const e = Math.min(s + rng.int(365, 6 * 365), b18 - 1);
  if (e < win.relevantFrom || e <= s + 30) return undefined;
  const child = newChild(ctx, key, { dob });
  const b = new CareBuilder(child);
  const home = ctx.homePostcode(rng, false);
  const v3 = rng.chance(0.7);
  const unit = ctx.carer(rng.chance(0.6) ? 'K2' : 'U6', rng, { zone: 'own' });
  let d = s;
  if (v3) {
    while (d < e) {
      const nights = rng.int(1, 4);
      b.startPeriod(d, 'V3', unit, 'N2', home);
      b.endPeriod(d + nights, 'E13');
      d += nights + rng.int(21, 45);
    }
  } else {
    while (d < e) {
      const z = Math.min(d + 364, b18 - 1);
      if (z <= d) break;
      b.startPeriod(d, 'V4', unit, 'N2', home);
      b.endPeriod(z, 'E13');
      d = z + 1;
    }
  }
  // Some short-break children later come into care full time.
  const last = child.episodes[child.episodes.length - 1];
  if (last && rng.chance(0.12)) {
    const start = last.end + rng.int(20, 200);
    if (start < b18 - 60) {
      b.startPeriod(start, rng.chance(0.5) ? 'V2' : 'C1', ctx.carer(rng.chance(0.5) ? 'K2' : 'U4', rng), 'N2', home);
      b.endPeriod(Math.min(b18, start + rng.int(60, 1500)), 'E4A');
    }
  }
  if (child.episodes.length === 0) return undefined;
  finishChild(child, win.relevantFrom);
  return child;
}

// ---------------------------------------------------------------------------------------------

export interface PopulationOptions {
  targetCla: number;
  uascShare: number;
}

/** The random children of one LA (only those any extract in the window can show). */
export function randomPopulation(ctx: LaContext, win: SimWindow, opts: PopulationOptions): Child[] {
  const mean = meanYearsInCare(opts.uascShare);
  const perYear = opts.targetCla / mean;
  const n = Math.round(perYear * years(win.horizonStart, win.last));
  const out: Child[] = [];
  const span = win.last - win.horizonStart;
  for (let i = 0; i < n; i++) {
    const rng = new Rng(mixSeed(ctx.seed, 'child', i));
    const entry = win.horizonStart + rng.int(0, span);
    const plan = planChild(rng, entry, opts.uascShare);
    const lastPeriod = plan.periods[plan.periods.length - 1]!;
    const inWindow = lastPeriod.end >= win.relevantFrom;
    const leaver = !inWindow && birthday(plan.dob, 26) > win.relevantFrom && careLeaverEligible(plan);
    if (!inWindow && !leaver) continue;
    const child = newChild(ctx, `r${i}`, { dob: plan.dob, uasc: plan.uasc });
    const b = new CareBuilder(child);
    for (const p of plan.periods) simulatePeriod(ctx, child, b, p, rng);
    if (child.sex === 'F' && rng.chance(0.04)) {
      const b15 = birthday(child.dob, 15);
      const inCare = child.episodes.filter((e) => e.end > b15 + 180);
      if (inCare.length > 0) {
        const e = inCare[inCare.length - 1]!;
        const lo = Math.max(e.start, b15 + 180);
        if (e.end > lo + 1) child.babyDob = rng.int(lo, e.end - 1);
      }
    }
    finishChild(child, win.relevantFrom);
    out.push(child);
  }
  const nShort = Math.max(1, Math.round(opts.targetCla * 0.06 * years(win.relevantFrom - 4 * 365, win.last) / 4));
  for (let i = 0; i < nShort; i++) {
    const c = shortBreakChild(ctx, `s${i}`, new Rng(mixSeed(ctx.seed, 'short', i)), win);
    if (c) out.push(c);
  }
  return out;
}

