// Scripted children ("actors") who put the edge cases of kpis.md into every sample quarter.
// They live in the same single history as the random children, so every quarterly extract
// shows them consistently (an actor's temporary placement that spans 30 June is open in the
// 30 June extract and closed, with its DEC and REC, in the 30 September one).
//
// With Q[0..7] the eight quarter ends up to the latest reference date L (oldest first):
//
//  CLA and episodes
//   - short-break-only children: V3 individual breaks (one break spans every quarter end, so a
//     short break is "open at R") and V4 agreements (one open at every R)
//   - short breaks plus normal episodes: breaks then care, and care then breaks
//   - temporary placements T0..T4 that return to the same PLACE/PL_POST/URN (placement
//     continues), one a quarter; temporary placements followed by a new placement (every six
//     months, so that child also has 3+ placements in every year); a temporary placement open
//     at every quarter end (T3 from R-2 to R+3)
//   - moves into A5/A3 with the current foster carer (RNE T, one RNE U) and into A6/A4 with new
//     carers (RNE P, one RNE B), one every quarter, each still placed at that quarter's R
//   - long-term stability with adoption: A6 moves after 3+ years with one carer (counts with
//     the carer before; one such child placed at every R) and an A6 move after a 20-month
//     spell (does not)
//   - for every quarter end R: a child looked after since exactly (R - 30 months) + 1 day whose
//     carer spell began exactly (R - 24 months) + 1 day (both just in), and a twin one day
//     later (both just out); the same pair has a COMPLETE PEP dated (R - 4 months) + 1 day
//     (in the window) and (R - 4 months) (just out), a planned PEP after R, and attendance of
//     exactly 95% and exactly 90% in every row
//   - missing incidents open at every quarter end (MIS_END blank), and A incidents
//   - a teenage mother (MOTHER 1, MC_DOB); a child born on 29 February
//   - postcodes: HOME_POST and PL_POST 'ZZ9 9ZZ' (no such sector), blank HOME_POST, sector-only
//     HOME_POST and PL_POST (e.g. 'HA7 2'), blank PL_POST (an adoptive placement)
//   - ETHNIC: the actors cycle through all 20 codes, so every group appears
//  Care leavers (OC3 and the tracking extract)
//   - birthdays exactly on R (18th on 31 Dec and 31 Mar, 21st on 30 Jun and 30 Sep) and exactly on
//     the first day of W (19th, 20th, 18th, 21st)
//   - born 29 February 2004 (20th birthday 29/02/2024, 21st on 1 March 2025) and 2008 (17th
//     birthday on 1 March 2025 while still looked after, 18th on 1 March 2026); with quarter-end
//     reference dates a 1 March birthday can never sit on a window edge, so the exact edges are
//     covered by the birthday-on-R and birthday-on-first-day-of-W care leavers above
//   - care ended E3 (transferred to another LA), with OC3 rows in every quarter
//   - IN_TOUCH DIED, RHOM, NO, REFU, NREQ in every quarter; ACCOM G1, H1 and R2
//   - cases closed before 21 at (R - 40 days) for every quarter, cycling DECLINED_SUPPORT,
//     TRANSFERRED, OTHER, MOVED_ABROAD, RETURNED_HOME, DIED; cases closed at 21 (AGE_21)
//   - one reopened case (OPEN with a past CASE_CLOSED_DATE) in every quarter
//   - LAST_CONTACT_DATE exactly 55, 56 and 57 days before every R

import { type Day, addMonths, birthday, dayFromYmd, isLeap, windowStart, ymdFromDay } from './dates.js';
import { type CareLeaverCourse, type Carer, type Child, type ClosureReason, CareBuilder, LaContext, newChild, placeCode } from './model.js';
import { finishChild } from './population.js';
import { Rng, mixSeed } from './prng.js';

const ETHNIC_ALL = ['WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT'];

/** Scripted children for the eight quarters `q` (oldest first); `from` is where stored detail starts. */
export function edgeCaseActors(ctx: LaContext, q: Day[], from: Day): Child[] {
  if (q.length !== 8) throw new Error('edge cases need the eight quarter ends');
  const L = q[7]!;
  const out: Child[] = [];
  let n = 0;
  const rng = new Rng(mixSeed(ctx.seed, 'edge-cases'));
  /** The quarter end k quarters from Q[0] (negative = before the samples). */
  const Rq = (k: number): Day => addMonths(q[0]! + 1, 3 * k) - 1;

  const actor = (edge: string, dob: Day, opts: { sex?: 'M' | 'F'; uasc?: boolean } = {}): [Child, CareBuilder] => {
    const c = newChild(ctx, `e${n}`, { dob, edge, ethnic: ETHNIC_ALL[n % ETHNIC_ALL.length]!, ...opts });
    n++;
    out.push(c);
    return [c, new CareBuilder(c)];
  };
  const carer = (place: string, opts: { zone?: 'own' | 'near' | 'far'; post?: string } = {}): Carer =>
    ctx.carer(place, rng, { zone: opts.zone ?? 'own', ...(opts.post !== undefined ? { post: opts.post } : {}) });
  const home = (): string => ctx.pools.postcode(rng, 'own');
  const done = (c: Child, opts: { missing?: boolean; peps?: boolean } = {}): void => finishChild(c, from, { missing: false, ...opts });

  // --- Short breaks -------------------------------------------------------------------------
  {
    // V3 individual breaks; one spans each quarter end (R-1 to R+2).
    const [c, b] = actor('short-break-only-v3', addMonths(L, -144) - 40);
    const unit = carer('K2');
    const h = home();
    for (let k = -8; k <= 7; k++) {
      const r = Rq(k);
      for (const [s, e] of [[r - 1, r + 2], [r + 30, r + 32], [r + 60, r + 62]] as const) {
        b.startPeriod(s, 'V3', unit, 'N2', h);
        b.endPeriod(e, 'E13');
      }
    }
    done(c);
  }
  {
    // V4 agreements, one a year, one always open.
    const [c, b] = actor('short-break-only-v4', addMonths(L, -108) - 75);
    const unit = carer('U6');
    const h = home();
    for (let d = addMonths(L, -48) - 15; d < L + 400; d += 365) {
      b.startPeriod(d, 'V4', unit, 'N2', h);
      b.endPeriod(d + 364, 'E13');
    }
    done(c);
  }
  {
    // Short breaks, then full-time care (open at every R).
    const [c, b] = actor('short-breaks-then-care', addMonths(L, -132) - 10);
    const unit = carer('K2');
    const h = home();
    for (let d = addMonths(L, -60); d < addMonths(L, -24) - 60; d += 35) {
      b.startPeriod(d, 'V3', unit, 'N2', h);
      b.endPeriod(d + 2, 'E13');
    }
    const s = addMonths(L, -24);
    b.startPeriod(s, 'C1', carer('U4'), 'N2', h);
    b.change(s + 200, { ls: 'C2' });
    b.endPeriod(birthday(c.dob, 18), 'E17');
    done(c);
  }
  {
    // Full-time care that ended (E4A), then short breaks.
    const [c, b] = actor('care-then-short-breaks', addMonths(L, -156) - 200);
    const h = home();
    const s = addMonths(L, -72);
    b.startPeriod(s, 'V2', carer('U6'), 'N2', h);
    b.change(s + 150, { carer: carer('U4') });
    b.endPeriod(addMonths(L, -20), 'E4A');
    const unit = carer('K2');
    for (let d = addMonths(L, -18); d < L + 60; d += 30) {
      b.startPeriod(d, 'V3', unit, 'N2', h);
      b.endPeriod(d + 2, 'E13');
    }
    done(c);
  }

  // --- Temporary placements -----------------------------------------------------------------
  {
    // Temporary placements (T0..T4 in turn) every quarter, each returning to the same carer;
    // the carer moved house once (RNE T). Home postcode not in the sector table.
    const [c, b] = actor('temp-return-same', addMonths(L, -120) - 33);
    const s = addMonths(L, -60);
    let base = carer('U4', { zone: 'near' });
    b.startPeriod(s, 'V2', base, 'N1', 'ZZ9 9ZZ');
    b.change(s + 60, { ls: 'C1' });
    b.change(s + 300, { ls: 'C2' });
    const moveHouse = Rq(1) - 75;
    for (let k = -4; k <= 7; k++) {
      const d0 = Rq(k) - 50;
      if (k === 1) {
        base = ctx.sameCarer(base, { post: ctx.pools.postcode(rng, 'near') });
        b.change(moveHouse, { carer: base });
      }
      b.change(d0, { carer: carer(`T${(k + 4) % 5}`) });
      b.change(d0 + 3 + ((k + 4) % 7), { carer: base });
    }
    b.endPeriod(birthday(c.dob, 18), 'E5');
    done(c);
  }
  {
    // Every six months: a temporary placement (T3), then a different placement. So three or more
    // placements overlap every W. Home postcode blank.
    const [c, b] = actor('temp-then-new-placement', addMonths(L, -168) - 120);
    const s = addMonths(L, -48);
    b.startPeriod(s, 'V2', carer('U6'), 'N5', '');
    const kinds = ['K2', 'U4', 'U6', 'K2', 'U4', 'U6', 'U4'];
    let i = 0;
    for (let k = -6; k <= 6; k += 2) {
      const d = Rq(k) - 40;
      b.change(d - 7, { carer: carer('T3') });
      b.change(d, { carer: carer(kinds[i++ % kinds.length]!, { zone: i % 2 ? 'near' : 'own' }) });
    }
    b.endPeriod(birthday(c.dob, 18), 'E6');
    done(c);
  }
  {
    // A temporary placement (T3) open at every quarter end, returning to the same kinship carer.
    // Sector-only home and placement postcodes.
    const [c, b] = actor('temp-open-at-R', addMonths(L, -96) - 210);
    const s = addMonths(L, -72);
    const base = carer('U1', { post: ctx.pools.sector(rng, 'own') });
    b.startPeriod(s, 'C1', base, 'N1', ctx.pools.sector(rng, 'own'));
    b.change(s + 220, { ls: 'C2' });
    for (let k = -4; k <= 7; k++) {
      b.change(Rq(k) - 2, { carer: carer('T3', { zone: 'near' }) });
      b.change(Rq(k) + 3, { carer: base });
    }
    b.endPeriod(birthday(c.dob, 18), 'E17');
    done(c);
  }

  // --- Adoption -----------------------------------------------------------------------------
  for (let k = 0; k < 8; k++) {
    const r = q[k]!;
    const move = addMonths(r, -2);
    if (k % 2 === 0) {
      // With the current (fostering-for-adoption) carer: A5 (RNE T; RNE U when the placement
      // order is made the same day) or A3 (with consent).
      const [c, b] = actor(`adoption-same-carer-q${k}`, addMonths(r, -20));
      const s = c.dob + 3;
      const ffa = carer('U5', { zone: 'near' });
      b.startPeriod(s, 'L2', ffa, 'N1', home());
      b.change(s + 4, { ls: 'C1' });
      b.change(s + 240, { ls: 'C2' });
      if (k === 2 || k === 6) b.change(move, { carer: ctx.sameCarer(ffa, { place: 'A3' }) });
      else if (k === 4) b.change(move, { ls: 'E1', carer: ctx.sameCarer(ffa, { place: 'A5' }) });
      else {
        b.change(move - 60, { ls: 'E1' });
        b.change(move, { carer: ctx.sameCarer(ffa, { place: 'A5' }) });
      }
      b.endPeriod(addMonths(r, 7), 'E11');
      done(c);
    } else {
      // With new carers: A6 (RNE P; RNE B with the placement order the same day) or A4.
      const [c, b] = actor(`adoption-new-carer-q${k}`, addMonths(r, -30));
      const s = c.dob + 60;
      b.startPeriod(s, 'C1', carer('U6'), 'N1', home());
      b.change(s + 150, { carer: carer('U4', { zone: 'near' }) });
      b.change(s + 200, { ls: 'C2' });
      if (k === 3 || k === 7) b.change(move, { carer: carer('A4', { zone: 'far' }) });
      else if (k === 5) b.change(move, { ls: 'E1', carer: carer('A6', { zone: 'far' }) });
      else {
        b.change(move - 45, { ls: 'E1' });
        b.change(move, { carer: carer('A6', { zone: 'far' }) });
      }
      b.endPeriod(addMonths(r, 8), k === 7 ? 'E12' : 'E11');
      done(c);
    }
  }
  for (const [k, order, entryMonths] of [[0, Rq(3) - 20, 60], [3, addMonths(L, 2), 48]] as const) {
    // Long-term stability: A6 after years with one foster carer (the spells count together);
    // two children, so one is placed for adoption at every quarter end.
    const [c, b] = actor(`adoption-after-long-spell-q${k}`, addMonths(L, -entryMonths - 24));
    const s = addMonths(L, -entryMonths);
    b.startPeriod(s, 'C1', carer('U4'), 'N1', home());
    b.change(s + 200, { ls: 'C2' });
    b.change(Rq(k) - 90, { ls: 'E1' });
    b.change(Rq(k) - 30, { carer: carer('A6', k === 3 ? { post: '' } : { zone: 'near' }) });
    b.endPeriod(order, 'E11');
    done(c);
  }
  {
    // Long-term stability: A6 after a 20-month spell (does not reach 24 months).
    const [c, b] = actor('adoption-after-short-spell', addMonths(L, -84));
    const s = addMonths(L, -36);
    b.startPeriod(s, 'V2', carer('U6'), 'N1', home());
    b.change(s + 90, { ls: 'C1' });
    b.change(s + 300, { ls: 'C2' });
    b.change(addMonths(L, -20), { carer: carer('U4', { zone: 'near' }) });
    b.change(addMonths(L, -10), { ls: 'E1' });
    b.change(addMonths(L, -8), { carer: carer('A6', { zone: 'far' }) });
    b.endPeriod(addMonths(L, 3), 'E12');
    done(c);
  }

  // --- 30 months / 24 months / PEP window / attendance, for every quarter end ----------------
  for (let k = 0; k < 8; k++) {
    const r = q[k]!;
    for (const shift of [0, 1]) {
      const label = shift === 0 ? 'in' : 'out';
      const [c, b] = actor(`boundary-${label}-q${k}`, addMonths(r, -12 * (6 + (k % 7))) - 100 - 37 * shift);
      const s = addMonths(r, -30) + 1 + shift;
      const spell = addMonths(r, -24) + 1 + shift;
      b.startPeriod(s, 'V2', carer('U6', { zone: 'near' }), 'N1', home());
      b.change(s + 40, { ls: 'C1' });
      b.change(spell, { carer: carer('U4', shift === 1 && k === 3 ? { post: 'ZZ9 9ZZ' } : {}) });
      b.change(s + 300, { ls: 'C2' });
      b.endPeriod(birthday(c.dob, 18), 'E17');
      done(c, { peps: false });
      // PEPs every four months: the last one on or before R is dated (R - 4 months) + 1 day
      // ('in') or (R - 4 months) ('out'); the next one is planned after R (R + 1 day, R + 10 days).
      const dates: Day[] = [];
      for (let j = -12; j <= 12; j++) {
        const d = shift === 0 ? addMonths(r, 4 * j - 4) + 1 : j <= 0 ? addMonths(r, 4 * j - 4) : addMonths(r + 10, 4 * (j - 1));
        if (d > s + 20 && d <= L + 200) dates.push(d);
      }
      c.peps = dates.map((d, i) => ({ date: d, completed: d, cancelled: false, quality: i % 3 === 0 ? 'REQUIRES_IMPROVEMENT' : 'GOOD' }));
      c.exactAttendance = shift === 0 ? 0.95 : 0.9;
    }
  }

  // --- Missing, mothers, 29 February --------------------------------------------------------
  {
    const [c, b] = actor('missing-open-at-R', addMonths(L, -192) - 20, { sex: 'F' });
    const s = addMonths(L, -36);
    b.startPeriod(s, 'V2', carer('K2', { zone: 'far' }), 'N6', home());
    b.change(s + 120, { ls: 'C1' });
    b.change(s + 400, { ls: 'C2' });
    b.endPeriod(birthday(c.dob, 18), 'E5');
    done(c, { missing: false });
    for (let k = -4; k <= 7; k++) {
      const r = Rq(k);
      c.missing.push({ start: r - 60, end: r - 59, type: 'M' }, { start: r - 30, end: r - 30, type: 'A' }, { start: r - 1, end: r + 2, type: 'M' });
    }
  }
  {
    const [c, b] = actor('teenage-mother', addMonths(L, -204) - 100, { sex: 'F' });
    const s = addMonths(L, -36);
    b.startPeriod(s, 'C2', carer('U4'), 'N1', home());
    const move = addMonths(L, -24);
    b.change(move, { carer: carer(placeCode('semi', move, birthday(c.dob, 18), rng) ?? 'U4') });
    b.endPeriod(birthday(c.dob, 18), 'E5');
    c.babyDob = q[0]! - 50;
    done(c);
  }
  const leapOnOrBefore = (y: number): number => {
    while (!isLeap(y)) y--;
    return y;
  };
  {
    const [c, b] = actor('born-29-february', dayFromYmd(leapOnOrBefore(ymdFromDay(L)[0] - 10), 2, 29));
    const s = addMonths(L, -60);
    b.startPeriod(s, 'C2', carer('U1'), 'N1', home());
    b.endPeriod(birthday(c.dob, 18), 'E17');
    done(c);
  }

  // --- Care leavers ---------------------------------------------------------------------------
  /** A care leaver: in care from 14 (U6, then U4 a year later) until `left` (default the 18th birthday). */
  const leaver = (
    edge: string,
    dob: Day,
    course: Partial<CareLeaverCourse> & { left?: Day; rec?: string } = {},
  ): Child => {
    const [c, b] = actor(edge, dob);
    const s = birthday(dob, 14) + 40;
    const left = course.left ?? birthday(dob, 18);
    b.startPeriod(s, 'V2', carer('U6', { zone: 'near' }), 'N4', home());
    b.change(s + 365, { carer: carer('U4') });
    b.change(s + 500, { ls: 'C2' });
    b.endPeriod(left, course.rec ?? (left === birthday(dob, 18) ? 'E17' : 'E5'));
    done(c, { missing: false });
    const { left: _l, rec: _r, ...rest } = course;
    c.careLeaver = {
      start: birthday(dob, 16),
      events: [{ date: birthday(dob, 21), status: 'CLOSED', reason: 'AGE_21' }],
      engagement: 0.95,
      tracked: true,
      inTouch: 'YES',
      ...rest,
    };
    return c;
  };
  // Birthdays exactly on R, and exactly on the first day of W.
  leaver('birthday-18-on-R-q0', addMonths(q[0]!, -12 * 18));
  leaver('birthday-18-on-R-q1', addMonths(q[1]!, -12 * 18));
  leaver('birthday-21-on-R-q6', addMonths(q[6]!, -12 * 21));
  leaver('birthday-21-on-R-q7', addMonths(q[7]!, -12 * 21));
  leaver('birthday-19-on-W-start-q4', addMonths(windowStart(q[4]!), -12 * 19));
  leaver('birthday-20-on-W-start-q5', addMonths(windowStart(q[5]!), -12 * 20));
  leaver('birthday-18-on-W-start-q6', addMonths(windowStart(q[6]!), -12 * 18));
  leaver('birthday-21-on-W-start-q7', addMonths(windowStart(q[7]!), -12 * 21));
  // Born 29 February.
  const ly = ymdFromDay(L)[0];
  leaver('born-29-february-leaver-a', dayFromYmd(leapOnOrBefore(ly - 20), 2, 29));
  {
    const dob = dayFromYmd(leapOnOrBefore(ly - 17), 2, 29);
    leaver('born-29-february-leaver-b', dob, { left: birthday(dob, 17) + 167, rec: 'E5' });
  }
  // Care taken over by another LA (E3) at 17: in OC3, excluded from every care-leaver KPI.
  {
    const dob = L - 200 - 365 * 19 - 4;
    leaver('care-ended-E3', dob, { left: birthday(dob, 17) + 100, rec: 'E3', tracked: false });
  }
  // Died at 18 (IN_TOUCH DIED at the 19th, 20th and 21st birthdays).
  {
    const dob = addMonths(L, -253);
    const died = addMonths(L, -28);
    leaver('care-leaver-died', dob, { died, events: [{ date: died, status: 'CLOSED', reason: 'DIED' }] });
  }
  // IN_TOUCH other than YES at every birthday; ACCOM G, H and R.
  {
    const dob = addMonths(L, -246);
    leaver('in-touch-RHOM', dob, { left: birthday(dob, 16) + 190, rec: 'E4A', inTouch: 'NO', events: [{ date: birthday(dob, 17), status: 'CLOSED', reason: 'RETURNED_HOME' }] });
  }
  leaver('in-touch-NO', addMonths(L, -234) - 40, { inTouch: 'NO', engagement: 0.3, accom: 'R2' });
  leaver('in-touch-REFU', addMonths(L, -234) - 80, { inTouch: 'REFU', engagement: 0.3 });
  {
    const dob = addMonths(L, -234) - 120;
    leaver('in-touch-NREQ', dob, { events: [{ date: birthday(dob, 18) + 20, status: 'CLOSED', reason: 'DECLINED_SUPPORT' }] });
  }
  leaver('accom-G-abroad', addMonths(L, -230), { accom: 'G1' });
  leaver('accom-H-deported', addMonths(L, -238), { accom: 'H1' });
  // Cases closed before 21, one a quarter at R - 40 days, cycling the reasons.
  const reasons: ClosureReason[] = ['DECLINED_SUPPORT', 'TRANSFERRED', 'OTHER', 'MOVED_ABROAD', 'RETURNED_HOME', 'DIED'];
  for (let k = -3; k <= 7; k++) {
    const closed = Rq(k) - 40;
    const reason = reasons[(k + 3) % reasons.length]!;
    const dob = addMonths(closed, -234);
    leaver(`closed-before-21-${reason}-q${k}`, dob, {
      events: [{ date: closed, status: 'CLOSED', reason }],
      ...(reason === 'DIED' ? { died: closed } : {}),
      ...(reason === 'MOVED_ABROAD' ? { accom: k % 2 ? 'G2' : 'G1' } : {}),
    });
  }
  // Reopened cases: OPEN with the earlier CASE_CLOSED_DATE; one in every quarter.
  for (const [closeM, reopenM, b21Days] of [
    [-30.5, -27, -20 * 30.4],
    [-22.5, -19, -259],
    [-10, -7, 183],
  ] as const) {
    const b21 = L + Math.round(b21Days);
    const dob = addMonths(b21, -252);
    leaver(`reopened-case-${Math.round(-closeM)}m`, dob, {
      events: [
        { date: L + Math.round(closeM * 30.44), status: 'CLOSED', reason: closeM === -10 ? 'OTHER' : 'DECLINED_SUPPORT' },
        { date: L + Math.round(reopenM * 30.44), status: 'OPEN' },
        { date: birthday(dob, 21), status: 'CLOSED', reason: 'AGE_21' },
      ],
    });
  }
  // Last contact exactly 55, 56 and 57 days before every quarter end.
  for (const k of [55, 56, 57]) {
    const contacts: Day[] = [];
    for (let j = -6; j <= 7; j++) contacts.push(Rq(j) - k);
    leaver(`last-contact-${k}-days`, addMonths(L, -242) - k, { contacts });
  }
  return out;
}
