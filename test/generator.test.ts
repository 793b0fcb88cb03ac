// The synthetic data generator: determinism, the input contract's invariants, the edge cases
// of kpis.md in every committed sample quarter, and pool sizes.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Day, addMonths, ageOn, birthday, iso, lastAug31, parseDate, windowStart } from '../data-samples/generator/dates.js';
import {
  DEFAULT_AS_AT,
  DEFAULT_CLA,
  DEFAULT_LA,
  DEFAULT_QUARTERS,
  DEFAULT_SEED,
  type LaOptions,
  simulateLa,
  writeLaExtracts,
} from '../data-samples/generator/generate-la.js';
import {
  PostcodePools,
  type Reference,
  defaultReferenceDir,
  findLa,
  loadReference,
  poolSizes,
  publishedClaCounts,
  repoRoot,
  sectorOf,
} from '../data-samples/generator/reference.js';

// ---------------------------------------------------------------------------------------------
// Code lists (codes.md)

const RNE = new Set(['S', 'L', 'P', 'T', 'B', 'U']);
const LS = new Set(['C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3']);
const CIN = new Set(['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8']);
const PLACE_ALWAYS = new Set(['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'A3', 'A4', 'A5', 'A6', 'P1', 'P3', 'K1', 'K2', 'R1', 'R2', 'R3', 'R5', 'S1', 'T0', 'T1', 'T2', 'T3', 'T4']);
const TEMP = new Set(['T0', 'T1', 'T2', 'T3', 'T4']);
const PROVIDER = new Set(['PR0', 'PR1', 'PR2', 'PR3', 'PR4', 'PR5']);
const REC = new Set(['X1', 'E11', 'E12', 'E2', 'E3', 'E4A', 'E4B', 'E13', 'E41', 'E45', 'E46', 'E47', 'E48', 'E5', 'E6', 'E7', 'E8', 'E9', 'E14', 'E15', 'E16', 'E17']);
const RPC = new Set(['CARPL', 'CLOSE', 'ALLEG', 'STAND', 'APPRR', 'CREQB', 'CREQO', 'CHILD', 'LAREQ', 'PLACE', 'CUSTOD', 'OTHER']);
const IN_TOUCH = new Set(['YES', 'NO', 'DIED', 'REFU', 'NREQ', 'RHOM']);
const ACTIV = new Set(['F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5', 'G4', 'G5', 'G6', '0']);
const ACCOM = /^(0|[BCDEGHKRTUVWYZ][12]|S2|X2)$/;
const ETHNIC = new Set(['WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT']);
const EET = new Set(['F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5']);

const COLUMNS: Record<string, string[]> = {
  'header.csv': ['CHILD', 'SEX', 'DOB', 'ETHNIC', 'UPN', 'MOTHER', 'MC_DOB'],
  'episodes.csv': ['CHILD', 'DECOM', 'RNE', 'LS', 'CIN', 'PLACE', 'PLACE_PROVIDER', 'DEC', 'REC', 'REASON_PLACE_CHANGE', 'HOME_POST', 'PL_POST', 'URN'],
  'uasc.csv': ['CHILD', 'SEX', 'DOB', 'DUC'],
  'oc2.csv': ['CHILD', 'DOB', 'SDQ_SCORE', 'SDQ_REASON', 'CONVICTED', 'HEALTH_CHECK', 'IMMUNISATIONS', 'TEETH_CHECK', 'HEALTH_ASSESSMENT', 'SUBSTANCE_MISUSE', 'INTERVENTION_RECEIVED', 'INTERVENTION_OFFERED'],
  'oc3.csv': ['CHILD', 'DOB', 'IN_TOUCH', 'ACTIV', 'ACCOM'],
  'missing.csv': ['CHILD', 'DOB', 'MISSING', 'MIS_START', 'MIS_END'],
  'reviews.csv': ['CHILD', 'DOB', 'REVIEW', 'REVIEW_CODE'],
  'attendance.csv': ['CHILD', 'PERIOD_START', 'PERIOD_END', 'POSSIBLE_SESSIONS', 'ATTENDED_SESSIONS'],
  'pep.csv': ['CHILD', 'PEP_DATE', 'PEP_STATUS', 'PEP_QUALITY'],
  'care_leavers.csv': ['CHILD', 'DOB', 'CASE_STATUS', 'CASE_CLOSED_DATE', 'CLOSURE_REASON', 'LAST_CONTACT_DATE', 'PATHWAY_PLAN_DATE'],
};

// ---------------------------------------------------------------------------------------------
// Reading an extract

type Row = Record<string, string>;

interface Ep {
  child: string;
  decom: Day;
  dec: Day | undefined;
  row: Row;
}

interface Extract {
  dir: string;
  R: Day;
  ws: Day;
  tables: Record<string, Row[]>;
  heads: Record<string, string[]>;
  eps: Map<string, Ep[]>;
  dob: Map<string, Day>;
}

const DMY = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const d = (s: string): Day => {
  if (!DMY.test(s)) throw new Error(`bad date ${s}`);
  return parseDate(s);
};
const od = (s: string | undefined): Day | undefined => (s ? d(s) : undefined);

function readExtract(dir: string): Extract {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { asAt: string };
  const R = parseDate(manifest.asAt);
  const tables: Record<string, Row[]> = {};
  const heads: Record<string, string[]> = {};
  for (const f of Object.keys(COLUMNS)) {
    const text = readFileSync(join(dir, f), 'utf8');
    const [head] = parse(text, { to_line: 1 }) as string[][];
    heads[f] = head!;
    tables[f] = parse(text, { columns: true }) as Row[];
  }
  const eps = new Map<string, Ep[]>();
  for (const row of tables['episodes.csv']!) {
    const list = eps.get(row.CHILD!) ?? [];
    list.push({ child: row.CHILD!, decom: d(row.DECOM!), dec: od(row.DEC), row });
    eps.set(row.CHILD!, list);
  }
  for (const list of eps.values()) list.sort((a, b) => a.decom - b.decom);
  const dob = new Map(tables['header.csv']!.map((r) => [r.CHILD!, d(r.DOB!)]));
  return { dir, R, ws: windowStart(R), tables, heads, eps, dob };
}

const isShortBreak = (e: Ep): boolean => e.row.LS === 'V3' || e.row.LS === 'V4';
const openAt = (e: Ep, day: Day): boolean => e.decom <= day && (e.dec === undefined || e.dec > day);
const normal = (list: Ep[]): Ep[] => list.filter((e) => !isShortBreak(e));

/** Periods of care (short breaks dropped first). */
function periods(list: Ep[]): Ep[][] {
  const out: Ep[][] = [];
  for (const e of normal(list)) {
    const cur = out[out.length - 1];
    const prev = cur?.[cur.length - 1];
    if (prev && prev.row.REC === 'X1' && prev.dec === e.decom) cur!.push(e);
    else out.push([e]);
  }
  return out;
}

const norm = (s: string | undefined): string => (s ?? '').trim().toUpperCase().replace(/ /g, '');

/** Placements (or carer spells) of a period, as kpis.md defines them. */
function placements(period: Ep[], carerSpells: boolean): Array<{ start: Day; end: Day | undefined; first: Ep }> {
  const out: Array<{ start: Day; end: Day | undefined; first: Ep }> = [];
  let prev: Ep | undefined;
  let afterTemp = false;
  for (const e of period) {
    if (TEMP.has(e.row.PLACE!)) {
      afterTemp = true;
      continue;
    }
    let starts = false;
    if (!prev) starts = true;
    else if (e.row.PLACE === 'A3' || e.row.PLACE === 'A5') starts = false;
    else if (afterTemp && norm(e.row.PLACE) === norm(prev.row.PLACE) && norm(e.row.PL_POST) === norm(prev.row.PL_POST) && norm(e.row.URN) === norm(prev.row.URN)) starts = false;
    else starts = ['S', 'P', 'B'].includes(e.row.RNE!) || (!carerSpells && ['T', 'U'].includes(e.row.RNE!));
    if (starts) out.push({ start: e.decom, end: e.dec, first: e });
    else out[out.length - 1]!.end = e.dec;
    prev = e;
    afterTemp = false;
  }
  return out;
}

/** Children looked after at R (short breaks excluded) with their open episode. */
function claAtR(x: Extract): Map<string, Ep> {
  const out = new Map<string, Ep>();
  for (const [c, list] of x.eps) for (const e of normal(list)) if (openAt(e, x.R)) out.set(c, e);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Invariants (the data must pass validation)

function validate(x: Extract): string[] {
  const errors: string[] = [];
  const err = (m: string): void => {
    if (errors.length < 50) errors.push(`${iso(x.R)}: ${m}`);
  };
  const R = x.R;
  for (const [f, cols] of Object.entries(COLUMNS)) {
    const head = x.heads[f]!;
    for (const c of cols) if (!head.includes(c)) err(`${f} lacks ${c}`);
  }
  const raw = readFileSync(join(x.dir, 'episodes.csv'), 'utf8');
  if (raw.includes('\r')) err('CR in episodes.csv');
  if (raw.charCodeAt(0) === 0xfeff) err('BOM');

  // Header
  const ids = new Set<string>();
  for (const r of x.tables['header.csv']!) {
    if (ids.has(r.CHILD!)) err(`duplicate header ${r.CHILD}`);
    ids.add(r.CHILD!);
    if (!/^[A-Za-z0-9]{1,10}$/.test(r.CHILD!)) err(`CHILD id ${r.CHILD}`);
    if (!['M', 'F'].includes(r.SEX!)) err(`SEX ${r.SEX}`);
    if (!ETHNIC.has(r.ETHNIC!)) err(`ETHNIC ${r.ETHNIC}`);
    if (d(r.DOB!) > R) err(`DOB after R ${r.CHILD}`);
    if (r.MC_DOB && d(r.MC_DOB) > R) err(`MC_DOB after R ${r.CHILD}`);
    if (r.MOTHER === '1' && !r.MC_DOB) err(`MOTHER without MC_DOB ${r.CHILD}`);
    if (!/^(UN[1-5]|[A-Z]\d{12})$/.test(r.UPN!)) err(`UPN ${r.UPN}`);
  }
  for (const f of ['episodes.csv', 'uasc.csv', 'oc2.csv', 'oc3.csv', 'missing.csv', 'reviews.csv']) {
    for (const r of x.tables[f]!) if (!ids.has(r.CHILD!)) err(`${f} child ${r.CHILD} not in header`);
  }

  // Episodes
  for (const [c, list] of x.eps) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const r = e.row;
      const next = list[i + 1];
      if (e.decom > R) err(`DECOM after R ${c}`);
      if (e.dec !== undefined && e.dec > R) err(`DEC after R ${c}`);
      if (!!r.DEC !== !!r.REC) err(`DEC/REC half blank ${c}`);
      if (!r.DEC && next) err(`open episode not last ${c}`);
      if (e.dec !== undefined && e.dec < e.decom) err(`DEC before DECOM ${c}`);
      if (next && e.dec !== undefined && next.decom < e.dec) err(`overlap ${c} ${r.DECOM}`);
      if (r.REC === 'X1' && (!next || next.decom !== e.dec || next.row.RNE === 'S')) err(`X1 without a same-day follow-on ${c} ${r.DEC}`);
      const prev = list[i - 1];
      const firstOfPeriod = !prev || prev.row.REC !== 'X1';
      if (firstOfPeriod && r.RNE !== 'S') err(`period starts with RNE ${r.RNE} ${c}`);
      if (!RNE.has(r.RNE!)) err(`RNE ${r.RNE}`);
      if (!LS.has(r.LS!)) err(`LS ${r.LS}`);
      if (!CIN.has(r.CIN!)) err(`CIN ${r.CIN}`);
      if (r.REC && !REC.has(r.REC)) err(`REC ${r.REC}`);
      if (r.REASON_PLACE_CHANGE && !RPC.has(r.REASON_PLACE_CHANGE)) err(`RPC ${r.REASON_PLACE_CHANGE}`);
      if (r.REASON_PLACE_CHANGE && r.REC !== 'X1') err(`RPC on a non-X1 episode ${c}`);
      const p = r.PLACE!;
      const end = e.dec ?? R;
      const ok =
        PLACE_ALWAYS.has(p) ||
        (p === 'H5' && end <= parseDate('2024-03-31')) ||
        (p === 'K3' && e.decom >= parseDate('2024-04-01')) ||
        ((p === 'P2' || p === 'Z1') && end <= parseDate('2025-03-31')) ||
        (['Z11', 'Z12', 'Z13', 'Z14'].includes(p) && e.decom >= parseDate('2025-04-01'));
      if (!ok) err(`PLACE ${p} not valid ${r.DECOM}-${r.DEC} ${c}`);
      if (TEMP.has(p) ? r.PLACE_PROVIDER !== '' : !PROVIDER.has(r.PLACE_PROVIDER!)) err(`PLACE_PROVIDER ${r.PLACE_PROVIDER} for ${p} ${c}`);
      if (['E11', 'E12'].includes(r.REC!) && (!p.startsWith('A') || e.dec! >= birthday(x.dob.get(c)!, 18))) err(`adoption from ${p} ${c}`);
      if (['E45', 'E46'].includes(r.REC!) && !/^U[1-6]$/.test(p)) err(`SGO from ${p} ${c}`);
      if (r.LS === 'V3' && r.RNE !== 'S') err(`V3 with RNE ${r.RNE}`);
      if (e.decom < x.dob.get(c)!) err(`episode before birth ${c}`);
    }
  }

  // UASC, missing, reviews
  for (const r of x.tables['uasc.csv']!) if (r.DUC && d(r.DUC) > R) err(`DUC after R ${r.CHILD}`);
  for (const r of x.tables['missing.csv']!) {
    if (!['M', 'A'].includes(r.MISSING!)) err(`MISSING ${r.MISSING}`);
    if (d(r.MIS_START!) > R || (r.MIS_END && d(r.MIS_END) > R)) err(`missing after R ${r.CHILD}`);
    if (r.MIS_END && d(r.MIS_END) < d(r.MIS_START!)) err(`MIS_END before MIS_START ${r.CHILD}`);
  }
  for (const r of x.tables['reviews.csv']!) {
    if (d(r.REVIEW!) > R) err(`REVIEW after R ${r.CHILD}`);
    if (!/^PN[0-7]$/.test(r.REVIEW_CODE!)) err(`REVIEW_CODE ${r.REVIEW_CODE}`);
    if (r.REVIEW_CODE === 'PN0' && ageOn(d(r.DOB!), d(r.REVIEW!)) >= 4) err(`PN0 for a child aged 4+ ${r.CHILD}`);
  }

  // OC2: looked after continuously for 12 months or more at R
  const cla = claAtR(x);
  for (const r of x.tables['oc2.csv']!) {
    const list = x.eps.get(r.CHILD!)!;
    const cur = periods(list).find((p) => p.some((e) => openAt(e, R)));
    if (!cur || cur[0]!.decom > addMonths(R, -12) + 1) err(`OC2 row outside the 12-month cohort ${r.CHILD}`);
    for (const f of ['IMMUNISATIONS', 'TEETH_CHECK', 'HEALTH_ASSESSMENT', 'SUBSTANCE_MISUSE']) if (!['0', '1'].includes(r[f]!)) err(`OC2 ${f} ${r[f]}`);
    if (r.SDQ_SCORE && !(Number(r.SDQ_SCORE) >= 0 && Number(r.SDQ_SCORE) <= 40)) err(`SDQ ${r.SDQ_SCORE}`);
  }

  // OC3
  for (const r of x.tables['oc3.csv']!) {
    const dob = d(r.DOB!);
    if (![17, 18, 19, 20, 21].some((a) => birthday(dob, a) >= x.ws && birthday(dob, a) <= R)) err(`OC3 row without a 17-21 birthday in W ${r.CHILD}`);
    if (!IN_TOUCH.has(r.IN_TOUCH!) || !ACTIV.has(r.ACTIV!) || !ACCOM.test(r.ACCOM!)) err(`OC3 codes ${r.IN_TOUCH} ${r.ACTIV} ${r.ACCOM}`);
    if (r.IN_TOUCH === 'YES' && (r.ACTIV === '0' || r.ACCOM === '0')) err(`OC3 YES with 0 ${r.CHILD}`);
    if (['DIED', 'RHOM'].includes(r.IN_TOUCH!) && (r.ACTIV !== '0' || r.ACCOM !== '0')) err(`OC3 ${r.IN_TOUCH} not 0 ${r.CHILD}`);
    if (['NO', 'REFU', 'NREQ'].includes(r.IN_TOUCH!) && r.ACTIV !== '0') err(`OC3 ${r.IN_TOUCH} with ACTIV ${r.ACTIV}`);
    const list = x.eps.get(r.CHILD!);
    if (!list || !list.some((e) => !isShortBreak(e) && (e.dec === undefined || e.dec > birthday(dob, 16)))) err(`OC3 row for a child not looked after at 16+ ${r.CHILD}`);
  }

  // Local extracts
  for (const r of x.tables['attendance.csv']!) {
    const p = Number(r.POSSIBLE_SESSIONS);
    const a = Number(r.ATTENDED_SESSIONS);
    if (!Number.isInteger(p) || !Number.isInteger(a) || a < 0 || a > p) err(`attendance ${p}/${a} ${r.CHILD}`);
    if (d(r.PERIOD_END!) < d(r.PERIOD_START!)) err(`attendance period ${r.CHILD}`);
  }
  for (const r of x.tables['pep.csv']!) {
    if (!['COMPLETE', 'DRAFT', 'CANCELLED'].includes(r.PEP_STATUS!)) err(`PEP_STATUS ${r.PEP_STATUS}`);
    if (r.PEP_QUALITY && !['GOOD', 'REQUIRES_IMPROVEMENT', 'INADEQUATE'].includes(r.PEP_QUALITY)) err(`PEP_QUALITY ${r.PEP_QUALITY}`);
    d(r.PEP_DATE!);
  }
  let reopened = 0;
  for (const r of x.tables['care_leavers.csv']!) {
    const age = ageOn(d(r.DOB!), R);
    if (age < 16 || age > 25) err(`care leaver aged ${age} ${r.CHILD}`);
    if (r.CASE_STATUS === 'OPEN') {
      if (r.CLOSURE_REASON) err(`OPEN with a closure reason ${r.CHILD}`);
      if (r.CASE_CLOSED_DATE) reopened++;
    } else if (r.CASE_STATUS === 'CLOSED') {
      if (!r.CASE_CLOSED_DATE || !['AGE_21', 'AGE_25', 'DECLINED_SUPPORT', 'DIED', 'TRANSFERRED', 'MOVED_ABROAD', 'RETURNED_HOME', 'OTHER'].includes(r.CLOSURE_REASON!)) err(`CLOSED row ${r.CHILD}`);
      if (d(r.CASE_CLOSED_DATE!) > R) err(`closed after R ${r.CHILD}`);
    } else err(`CASE_STATUS ${r.CASE_STATUS}`);
    od(r.LAST_CONTACT_DATE);
    od(r.PATHWAY_PLAN_DATE);
  }
  if (reopened > 1) err(`${reopened} reopened cases (OPEN with a closed date); expected at most one`);
  if (cla.size === 0) err('no children looked after at R');
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Edge cases (kpis.md), per quarter

function edgeCases(x: Extract, ref: Reference, la: string): Record<string, boolean> {
  const R = x.R;
  const ws = x.ws;
  const cla = claAtR(x);
  const inW = (day: Day | undefined): boolean => day !== undefined && day >= ws && day <= R;
  const allEps = [...x.eps.values()].flat();
  const epsInW = allEps.filter((e) => e.decom <= R && (e.dec === undefined || e.dec > ws));
  const has: Record<string, boolean> = {};

  // Short breaks
  const sbOnly = [...x.eps.values()].filter((l) => l.every(isShortBreak));
  has.shortBreakOnlyV3OpenAtR = sbOnly.some((l) => l.some((e) => e.row.LS === 'V3' && openAt(e, R)));
  has.shortBreakOnlyV4OpenAtR = sbOnly.some((l) => l.some((e) => e.row.LS === 'V4' && openAt(e, R)));
  has.shortBreaksPlusNormal = [...x.eps.values()].some((l) => l.some(isShortBreak) && l.some((e) => !isShortBreak(e)) && l.some((e) => e.dec === undefined || e.dec > ws));

  // Temporary placements
  let tempSame = false;
  let tempElse = false;
  for (const list of x.eps.values()) {
    for (const p of periods(list)) {
      for (let i = 1; i + 1 < p.length; i++) {
        const t = p[i]!;
        if (!TEMP.has(t.row.PLACE!) || !inW(t.dec)) continue;
        const before = p[i - 1]!;
        const after = p[i + 1]!;
        if (TEMP.has(after.row.PLACE!)) continue;
        const same = norm(before.row.PLACE) === norm(after.row.PLACE) && norm(before.row.PL_POST) === norm(after.row.PL_POST) && norm(before.row.URN) === norm(after.row.URN);
        if (same) tempSame = true;
        else tempElse = true;
      }
    }
  }
  has.tempReturnSame = tempSame;
  has.tempThenNewPlacement = tempElse;
  has.tempOpenAtR = [...cla.values()].some((e) => TEMP.has(e.row.PLACE!));
  has.allTempCodes = ['T0', 'T1', 'T2', 'T3', 'T4'].every((t) => allEps.some((e) => e.row.PLACE === t));

  // Adoption moves within W
  has.moveIntoA3orA5 = epsInW.some((e) => ['A3', 'A5'].includes(e.row.PLACE!) && inW(e.decom) && e.row.RNE !== 'S');
  has.moveIntoA4orA6 = epsInW.some((e) => ['A4', 'A6'].includes(e.row.PLACE!) && inW(e.decom) && e.row.RNE !== 'S');
  has.allAdoptionCodes = ['A3', 'A4', 'A5', 'A6'].every((a) => allEps.some((e) => e.row.PLACE === a));
  for (const rne of ['L', 'T', 'U', 'P', 'B']) has[`rne${rne}InW`] = epsInW.some((e) => e.row.RNE === rne && inW(e.decom));

  // 3+ placements in the year; 30 months / 24 months exactly
  has.threePlusPlacements = [...cla.keys()].some((c) => {
    let n = 0;
    for (const p of periods(x.eps.get(c)!)) for (const pl of placements(p, false)) if (pl.start <= R && (pl.end === undefined || pl.end > ws)) n++;
    return n >= 3;
  });
  const startsIn = (c: string): [Day, Day] => {
    const cur = periods(x.eps.get(c)!).find((p) => p.some((e) => openAt(e, R)))!;
    const spells = placements(cur, true).filter((s) => s.start <= R);
    return [cur[0]!.decom, spells[spells.length - 1]!.start];
  };
  const cla30 = addMonths(R, -30) + 1;
  const spell24 = addMonths(R, -24) + 1;
  const boundary = [...cla.keys()].map(startsIn);
  has.lookedAfterExactly30Months = boundary.some(([s]) => s === cla30);
  has.lookedAfter30MonthsLessADay = boundary.some(([s]) => s === cla30 + 1);
  has.carerSpellExactly24Months = boundary.some(([, s]) => s === spell24);
  has.carerSpell24MonthsLessADay = boundary.some(([, s]) => s === spell24 + 1);
  has.currentSpellIsA4orA6 = [...cla.keys()].some((c) => {
    const cur = periods(x.eps.get(c)!).find((p) => p.some((e) => openAt(e, R)))!;
    const spells = placements(cur, true).filter((s) => s.start <= R);
    return spells.length > 1 && ['A4', 'A6'].includes(spells[spells.length - 1]!.first.row.PLACE!) && spells[spells.length - 2]!.start <= spell24;
  });

  // People
  const header = x.tables['header.csv']!;
  has.born29FebCla = header.some((r) => r.DOB!.startsWith('29/02/') && cla.has(r.CHILD!));
  const leaverRows = [...x.tables['oc3.csv']!, ...x.tables['care_leavers.csv']!];
  has.born29FebCareLeaver = leaverRows.some((r) => r.DOB!.startsWith('29/02/'));
  const uasc = new Set(x.tables['uasc.csv']!.map((r) => r.CHILD!));
  const own = new PostcodePools(ref, la);
  const home = ref.bySector.get(own.own.names[0]!)!;
  has.uascPlacedFarAway = [...cla].some(([c, e]) => {
    const s = ref.bySector.get(sectorOf(e.row.PL_POST!));
    return uasc.has(c) && !!s && Math.hypot(s.e - home.e, s.n - home.n) / 1609.344 > 20;
  });
  const groups = new Set(header.map((r) => (['CHNE', 'OOTH'].includes(r.ETHNIC!) ? 'O' : ['REFU', 'NOBT'].includes(r.ETHNIC!) ? 'X' : r.ETHNIC![0])));
  has.allEthnicGroups = ['W', 'M', 'A', 'B', 'O', 'X'].every((g) => groups.has(g));
  has.bothSexes = header.some((r) => r.SEX === 'M') && header.some((r) => r.SEX === 'F');
  const ages = new Set([...cla.keys()].map((c) => ageOn(x.dob.get(c)!, R)));
  has.ages0to17 = Array.from({ length: 18 }, (_, a) => a).every((a) => ages.has(a));
  has.teenageMother = header.some((r) => r.MOTHER === '1');

  // Postcodes of the placement open at R
  const open = [...cla.values()].map((e) => e.row);
  has.blankHomePost = open.some((r) => !r.HOME_POST);
  has.blankPlPost = open.some((r) => !r.PL_POST);
  has.unknownSectorPostcode = open.some((r) => r.HOME_POST === 'ZZ9 9ZZ' || r.PL_POST === 'ZZ9 9ZZ');
  has.sectorOnlyPostcode = open.some((r) => /^[A-Z]{1,2}\d[A-Z\d]? \d$/.test(r.HOME_POST!) || /^[A-Z]{1,2}\d[A-Z\d]? \d$/.test(r.PL_POST!));
  has.placedInWalesOrScotland = allEps.some((e) => /^[WS]/.test(ref.bySector.get(sectorOf(e.row.PL_POST!))?.utla ?? ''));

  // Care leavers: OC3
  const oc3 = x.tables['oc3.csv']!;
  const lastNormal = (c: string): Ep | undefined => normal(x.eps.get(c) ?? []).at(-1);
  has.oc3CareEndedE3 = oc3.some((r) => lastNormal(r.CHILD!)?.row.REC === 'E3');
  for (const v of IN_TOUCH) has[`inTouch${v}`] = oc3.some((r) => r.IN_TOUCH === v);
  for (const l of ['G', 'H', 'R']) has[`accom${l}`] = oc3.some((r) => r.ACCOM!.startsWith(l));
  has.oc3Eet = oc3.some((r) => EET.has(r.ACTIV!));
  has.oc3LookedAfterOn17thBirthday = oc3.some((r) => {
    const b = birthday(d(r.DOB!), 17);
    return inW(b) && normal(x.eps.get(r.CHILD!) ?? []).some((e) => openAt(e, b));
  });
  const bdays = oc3.flatMap((r) => [17, 18, 19, 20, 21].map((a) => birthday(d(r.DOB!), a)));
  has.oc3BirthdayOnR = bdays.includes(R);
  has.oc3BirthdayOnFirstDayOfW = bdays.includes(ws);

  // Care leavers: tracking
  const cl = x.tables['care_leavers.csv']!;
  const closedBefore21 = cl.filter((r) => r.CASE_CLOSED_DATE && inW(d(r.CASE_CLOSED_DATE)) && d(r.CASE_CLOSED_DATE) < birthday(d(r.DOB!), 21));
  has.closedBefore21Counted = closedBefore21.some((r) => ['DECLINED_SUPPORT', 'OTHER', 'RETURNED_HOME'].includes(r.CLOSURE_REASON!));
  has.closedBefore21Excluded = closedBefore21.some((r) => ['DIED', 'TRANSFERRED', 'MOVED_ABROAD'].includes(r.CLOSURE_REASON!));
  has.reopenedCase = cl.some((r) => r.CASE_STATUS === 'OPEN' && !!r.CASE_CLOSED_DATE);
  has.closedAge21 = cl.some((r) => r.CLOSURE_REASON === 'AGE_21');
  for (const k of [55, 56, 57]) has[`lastContact${k}DaysBeforeR`] = cl.some((r) => r.CASE_STATUS === 'OPEN' && r.LAST_CONTACT_DATE === fmt(R - k));

  // Education
  const pep = x.tables['pep.csv']!;
  const edge4 = addMonths(R, -4);
  has.pepCompleteAtWindowEdge = pep.some((r) => r.PEP_STATUS === 'COMPLETE' && d(r.PEP_DATE!) === edge4);
  has.pepCompleteJustInWindow = pep.some((r) => r.PEP_STATUS === 'COMPLETE' && d(r.PEP_DATE!) === edge4 + 1);
  for (const s of ['COMPLETE', 'DRAFT', 'CANCELLED']) has[`pep${s}`] = pep.some((r) => r.PEP_STATUS === s);
  has.pepPlannedAfterR = pep.some((r) => d(r.PEP_DATE!) > R);
  const att = x.tables['attendance.csv']!;
  const byChild = new Map<string, [number, number]>();
  for (const r of att) {
    if (!inW(d(r.PERIOD_END!))) continue;
    const t = byChild.get(r.CHILD!) ?? [0, 0];
    t[0] += Number(r.POSSIBLE_SESSIONS);
    t[1] += Number(r.ATTENDED_SESSIONS);
    byChild.set(r.CHILD!, t);
  }
  const schoolAge = (c: string): boolean => {
    const a = ageOn(x.dob.get(c)!, lastAug31(R));
    return a >= 5 && a <= 15;
  };
  has.attendanceExactly90 = [...byChild].some(([c, [p, a]]) => cla.has(c) && schoolAge(c) && p > 0 && a * 10 === p * 9);
  has.attendanceExactly95 = [...byChild].some(([c, [p, a]]) => cla.has(c) && schoolAge(c) && p > 0 && a * 20 === p * 19);
  has.attendancePeriodEndsAfterR = att.some((r) => d(r.PERIOD_END!) > R);

  // Missing
  const mis = x.tables['missing.csv']!;
  has.missingM = mis.some((r) => r.MISSING === 'M' && inW(d(r.MIS_START!)));
  has.missingA = mis.some((r) => r.MISSING === 'A' && inW(d(r.MIS_START!)));
  has.missingOpen = mis.some((r) => !r.MIS_END);
  return has;
}

const fmt = (day: Day): string => {
  const [y, m, dd] = iso(day).split('-');
  return `${dd}/${m}/${y}`;
};

// ---------------------------------------------------------------------------------------------

let ref: Reference;
let tmp: string;

function defaultOptions(overrides: Partial<LaOptions> = {}): LaOptions {
  const la = findLa(ref, DEFAULT_LA);
  return {
    la,
    ref,
    pools: new PostcodePools(ref, la.ons),
    seed: DEFAULT_SEED,
    asAt: parseDate(DEFAULT_AS_AT),
    quarters: DEFAULT_QUARTERS,
    targetCla: DEFAULT_CLA,
    edges: true,
    derived: false,
    ...overrides,
  };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d0: string, rel: string): void => {
    for (const e of readdirSync(d0, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d0, e.name), join(rel, e.name));
      else out.push(join(rel, e.name));
    }
  };
  walk(dir, '');
  return out;
}

beforeAll(() => {
  ref = loadReference(defaultReferenceDir());
  tmp = mkdtempSync(join(tmpdir(), 'cp-generator-'));
  writeLaExtracts(simulateLa(defaultOptions()), join(tmp, 'a'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('synthetic 903 generator', () => {
  it('is deterministic: the same seed and arguments give byte-identical files', () => {
    writeLaExtracts(simulateLa(defaultOptions()), join(tmp, 'b'));
    const a = filesUnder(join(tmp, 'a'));
    expect(a.length).toBe(8 * 11);
    expect(filesUnder(join(tmp, 'b'))).toEqual(a);
    for (const f of a) expect(readFileSync(join(tmp, 'b', f)).equals(readFileSync(join(tmp, 'a', f))), f).toBe(true);
  });

  it('a different seed gives different data', () => {
    writeLaExtracts(simulateLa(defaultOptions({ seed: DEFAULT_SEED + 1, quarters: 1 })), join(tmp, 'c'));
    const f = join(DEFAULT_LA, DEFAULT_AS_AT, 'episodes.csv');
    expect(readFileSync(join(tmp, 'c', f)).equals(readFileSync(join(tmp, 'a', f)))).toBe(false);
  });

  it('the committed samples are what the generator makes (npm run samples regenerates them)', () => {
    const committed = join(repoRoot(), 'data-samples', 'extracts');
    if (!existsSync(join(committed, DEFAULT_LA))) return;
    const files = filesUnder(join(tmp, 'a'));
    for (const f of files) expect(readFileSync(join(committed, f)).equals(readFileSync(join(tmp, 'a', f))), f).toBe(true);
  });

  it('one history: an extract of fewer quarters equals the same quarter of the eight', () => {
    writeLaExtracts(simulateLa(defaultOptions({ quarters: 1 })), join(tmp, 'd'));
    for (const f of filesUnder(join(tmp, 'd'))) expect(readFileSync(join(tmp, 'd', f)).equals(readFileSync(join(tmp, 'a', f))), f).toBe(true);
  });

  it('quarterly extracts are consistent with each other', () => {
    const dirs = readdirSync(join(tmp, 'a', DEFAULT_LA)).sort();
    const xs = dirs.map((q) => readExtract(join(tmp, 'a', DEFAULT_LA, q)));
    for (let i = 1; i < xs.length; i++) {
      const [p, x] = [xs[i - 1]!, xs[i]!];
      // Every episode of the earlier extract that had ended is unchanged in the later one.
      for (const [c, list] of p.eps) {
        const later = x.eps.get(c);
        if (!later) continue;
        for (const e of list) {
          const m = later.find((l) => l.decom === e.decom);
          expect(m, `${c} ${e.row.DECOM} in ${dirs[i]}`).toBeDefined();
          if (e.dec !== undefined) expect(m!.row).toEqual(e.row);
          else expect({ ...m!.row, DEC: '', REC: '', REASON_PLACE_CHANGE: '' }).toEqual(e.row);
        }
      }
    }
  });

  it('every sample quarter passes the input-contract checks', () => {
    for (const q of readdirSync(join(tmp, 'a', DEFAULT_LA)).sort()) {
      expect(validate(readExtract(join(tmp, 'a', DEFAULT_LA, q)))).toEqual([]);
    }
  });

  it('every sample quarter contains the edge cases of kpis.md', () => {
    const missing: string[] = [];
    for (const q of readdirSync(join(tmp, 'a', DEFAULT_LA)).sort()) {
      const x = readExtract(join(tmp, 'a', DEFAULT_LA, q));
      const [, m] = q.split('-');
      for (const [k, v] of Object.entries(edgeCases(x, ref, DEFAULT_LA))) {
        // An attendance period running past R only exists when R falls in term time.
        if (k === 'attendancePeriodEndsAfterR' && m === '12') continue;
        if (!v) missing.push(`${q} ${k}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has about 200 children looked after, 250 care leavers and 6+ years of history', () => {
    const x = readExtract(join(tmp, 'a', DEFAULT_LA, DEFAULT_AS_AT));
    expect(claAtR(x).size).toBeGreaterThan(170);
    expect(claAtR(x).size).toBeLessThan(240);
    expect(x.tables['care_leavers.csv']!.length).toBeGreaterThan(180);
    const first = Math.min(...[...x.eps.values()].flat().map((e) => e.decom));
    expect(x.R - first).toBeGreaterThan(6 * 365);
  });

  it('writes the derived distance columns when asked', () => {
    writeLaExtracts(simulateLa(defaultOptions({ quarters: 1, derived: true })), join(tmp, 'e'));
    const rows = parse(readFileSync(join(tmp, 'e', DEFAULT_LA, DEFAULT_AS_AT, 'episodes.csv'), 'utf8'), { columns: true }) as Row[];
    expect(Object.keys(rows[0]!)).toEqual([...COLUMNS['episodes.csv']!, 'PL_DISTANCE', 'PL_LA', 'PL_LOCATION']);
    expect(rows.some((r) => r.PL_LOCATION === 'IN')).toBe(true);
    expect(rows.some((r) => r.PL_LOCATION === 'OUT' && Number(r.PL_DISTANCE) > 20)).toBe(true);
    expect(rows.every((r) => r.PL_DISTANCE === '' || /^\d+\.\d$/.test(r.PL_DISTANCE!))).toBe(true);
  });

  it('pool: sizes vary widely, and pool councils pass the same checks', () => {
    const sizeOf = poolSizes(ref, DEFAULT_SEED, publishedClaCounts(defaultReferenceDir()));
    const sizes = [...sizeOf.values()];
    expect(sizes.length).toBe(ref.las.length);
    expect(Math.min(...sizes)).toBeLessThan(50);
    expect(Math.max(...sizes)).toBeGreaterThan(1000);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(60_000);
    expect(total).toBeLessThan(110_000);
    const sample = ['E06000001', 'E09000001', 'E06000053'].map((c) => findLa(ref, c));
    const counts: number[] = [];
    for (const la of sample) {
      const size = sizeOf.get(la.ons)!;
      const h = simulateLa(defaultOptions({ la, pools: new PostcodePools(ref, la.ons), quarters: 2, targetCla: size, edges: size >= 150 }));
      const out = writeLaExtracts(h, join(tmp, 'pool'));
      counts.push(out[1]!.cla);
      for (const s of out) expect(validate(readExtract(s.dir))).toEqual([]);
      // Postcodes are mostly around the LA itself.
      const x = readExtract(out[1]!.dir);
      const homes = [...x.eps.values()].flat().map((e) => ref.bySector.get(sectorOf(e.row.HOME_POST!))?.utla).filter(Boolean);
      expect(homes.filter((u) => u === la.ons).length / homes.length).toBeGreaterThan(0.6);
    }
    expect(Math.max(...counts)).toBeGreaterThan(4 * Math.min(...counts));
  });

  it('pool --scale X: every council X times its size (the bench\'s national-size history)', () => {
    const gen = join(process.cwd(), 'dist', 'data-samples', 'generate.js');
    const cla = (scale: string | null) => {
      const args = [gen, '--pool', '2', '--out', join(tmp, `scale-${scale}`), '--as-at', '2026-09-30', ...(scale ? ['--scale', scale] : [])];
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return [...r.stderr.matchAll(/: (\d+) CLA,/g)].map((m) => Number(m[1]));
    };
    const base = cla(null);
    const doubled = cla('2');
    expect(base).toHaveLength(2);
    doubled.forEach((n, i) => expect(n / base[i]!).toBeGreaterThan(1.6));
    doubled.forEach((n, i) => expect(n / base[i]!).toBeLessThan(2.4));
    const bad = spawnSync(process.execPath, [gen, '--pool', '1', '--scale', 'big', '--out', join(tmp, 'bad')], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--scale must be a number/);
  });
});
