/**
 * Independent oracle for the 21 KPIs of /work/shared/spec/kpis.md, written in plain
 * TypeScript from the written definitions only (not from the product's SQL). It reads the
 * CSV files of one extract folder directly and returns { id: { numerator, denominator,
 * unknown? } }. Used by test/oracle.test.ts as a differential test against the product.
 *
 * Dates are ISO strings (yyyy-mm-dd), so string comparison is date comparison.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';

export type Iso = string;
export interface OracleValue { numerator: number; denominator: number | null; unknown?: number }
export type OracleResult = Record<string, OracleValue>;

export interface OracleLa { ons: string; dfe: string }

// ---------------------------------------------------------------------------------------
// Dates

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const ymd = (d: Iso) => [Number(d.slice(0, 4)), Number(d.slice(5, 7)), Number(d.slice(8, 10))] as const;
const mk = (y: number, m: number, d: number): Iso => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

export function parseDate(v: string | undefined): Iso | null {
  const s = (v ?? '').trim();
  if (!s) return null;
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) return mk(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return mk(Number(m[1]), Number(m[2]), Number(m[3]));
  throw new Error(`oracle: bad date ${s}`);
}

export function addDays(d: Iso, n: number): Iso {
  const [y, m, dd] = ymd(d);
  const t = new Date(Date.UTC(y, m - 1, dd) + n * 86400000);
  return mk(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** d plus n months (n may be negative), keeping the day, clamped to the month's last day. */
export function addMonths(d: Iso, n: number): Iso {
  const [y, m, dd] = ymd(d);
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = idx - ny * 12 + 1;
  return mk(ny, nm, Math.min(dd, daysIn(ny, nm)));
}

/** The birthday of someone born on dob in year y (29 Feb -> 1 Mar in non-leap years). */
export function birthday(dob: Iso, y: number): Iso {
  const [, m, d] = ymd(dob);
  if (m === 2 && d === 29 && !isLeap(y)) return mk(y, 3, 1);
  return mk(y, m, d);
}
/** The birthday of a given age. */
export const birthdayOfAge = (dob: Iso, age: number): Iso => birthday(dob, ymd(dob)[0] + age);

/** Whole years on date d. */
export function ageOn(dob: Iso, d: Iso): number {
  let age = ymd(d)[0] - ymd(dob)[0];
  while (age > 0 && birthdayOfAge(dob, age) > d) age--;
  while (birthdayOfAge(dob, age + 1) <= d) age++;
  return age;
}

/** Started "for at least N months at R": start <= (R minus N months) plus one day. */
const lastedMonths = (start: Iso, r: Iso, n: number) => start <= addDays(addMonths(r, -n), 1);
const lastedDays = (start: Iso, r: Iso, n: number) => start <= addDays(addDays(r, -n), 1);
/** Within the N months up to and including R: R minus N < d <= R. */
const withinMonths = (d: Iso | null, r: Iso, n: number) => d !== null && d > addMonths(r, -n) && d <= r;
const withinDays = (d: Iso | null, r: Iso, n: number) => d !== null && d > addDays(r, -n) && d <= r;

/** 31 August before R. */
function augustBefore(r: Iso): Iso {
  const [y] = ymd(r);
  const same = mk(y, 8, 31);
  return same < r ? same : mk(y - 1, 8, 31);
}

// ---------------------------------------------------------------------------------------
// Reading an extract folder

type Row = Record<string, string>;
interface Tables {
  header: Row[]; episodes: Row[]; uasc: Row[]; oc2: Row[]; oc3: Row[]; missing: Row[]; reviews: Row[];
  attendance: Row[]; pep: Row[]; care_leavers: Row[];
}

const RECOGNISE: [keyof Tables, string][] = [
  ['episodes', 'DECOM'], ['header', 'ETHNIC'], ['uasc', 'DUC'], ['oc2', 'HEALTH_ASSESSMENT'], ['oc3', 'IN_TOUCH'],
  ['missing', 'MIS_START'], ['reviews', 'REVIEW_CODE'], ['attendance', 'POSSIBLE_SESSIONS'], ['pep', 'PEP_STATUS'],
  ['care_leavers', 'CASE_STATUS'],
];

export function readExtract(dir: string): Tables {
  const t: Tables = { header: [], episodes: [], uasc: [], oc2: [], oc3: [], missing: [], reviews: [], attendance: [], pep: [], care_leavers: [] };
  for (const f of readdirSync(dir).sort()) {
    if (!/\.csv$/i.test(f)) continue;
    const rows = parse(readFileSync(join(dir, f)), {
      columns: (h: string[]) => h.map((c) => c.trim().toUpperCase()),
      bom: true, skip_empty_lines: true, relax_column_count: false,
    }) as Row[];
    const cols = rows.length ? Object.keys(rows[0]!) : [];
    const kind = RECOGNISE.find(([, c]) => cols.includes(c));
    if (!kind) continue;
    // codes trimmed and upper-cased; blank = ''
    t[kind[0]].push(...rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v ?? '').trim().toUpperCase()]))));
  }
  return t;
}

// ---------------------------------------------------------------------------------------
// Reference data

export interface PostcodeRef {
  sectors: Map<string, { e: bigint; n: bigint; utla: string }>;
  units: Map<string, string>; // full postcode "HA1 2AB" -> utla (boundary-split sectors)
}

let refCache: PostcodeRef | null = null;
export function loadPostcodeRef(refDir: string): PostcodeRef {
  if (refCache) return refCache;
  const sectors = new Map<string, { e: bigint; n: bigint; utla: string }>();
  const srows = parse(readFileSync(join(refDir, 'postcode_sectors.csv')), { columns: true, bom: true, skip_empty_lines: true }) as Row[];
  for (const r of srows) sectors.set(r.sector!.trim().toUpperCase(), { e: BigInt(r.easting!), n: BigInt(r.northing!), utla: r.utla_code!.trim().toUpperCase() });
  const units = new Map<string, string>();
  const text = gunzipSync(readFileSync(join(refDir, 'postcode_units_boundary.csv.gz'))).toString('utf8');
  const lines = text.split(/\r?\n/);
  const head = lines[0]!.split(',');
  const ip = head.indexOf('pcd'), iu = head.indexOf('utla_code');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l) continue;
    const f = l.split(',');
    units.set(f[ip]!.trim().toUpperCase().replace(/\s+/g, ' '), f[iu]!.trim().toUpperCase());
  }
  refCache = { sectors, units };
  return refCache;
}

const FULL = /^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])([A-Z]{2})$/;
const SECTOR = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9])$/;

/** A postcode as { full: "HA1 2AB" | null, sector: "HA1 2" } or null when it is neither. */
export function postcodeParts(pc: string): { full: string | null; sector: string } | null {
  const s = pc.trim().toUpperCase().replace(/\s+/g, ' ');
  if (!s) return null;
  const f = FULL.exec(s.replace(/ /g, ''));
  if (f && (s.includes(' ') ? s === `${f[1]} ${f[2]}${f[3]}` : true)) return { full: `${f[1]} ${f[2]}${f[3]}`, sector: `${f[1]} ${f[2]}` };
  const m = SECTOR.exec(s);
  if (m) return { full: null, sector: `${m[1]} ${m[2]}` };
  return null;
}

function isqrt(n: bigint): bigint {
  if (n < 0n) throw new Error('isqrt');
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** Distance in tenths of a mile, rounded half up: sqrt(dE^2+dN^2)/1609.344. */
export function distanceTenths(e1: bigint, n1: bigint, e2: bigint, n2: bigint): bigint {
  const d2 = (e1 - e2) ** 2n + (n1 - n2) ** 2n;
  // tenths = sqrt(d2) * 10 / 1609.344 = sqrt(d2 * 4e8) / 3218688 ... half up:
  // n = floor(sqrt(d2)*10000/1609344 + 1/2) = floor((isqrt(4e8*d2) + 1609344) / 3218688)
  const s = isqrt(400000000n * d2);
  return (s + 1609344n) / 3218688n;
}

// ---------------------------------------------------------------------------------------
// Episodes, periods, placements, carer spells

interface Episode {
  child: string; decom: Iso; dec: Iso | null; rne: string; ls: string; place: string; rec: string;
  homePost: string; plPost: string; urn: string; plDistance: string; plLa: string; plLocation: string;
}

const isTemp = (e: Episode) => /^T[0-4]$/.test(e.place);
const norm = (s: string) => s.trim().toUpperCase();
const normPc = (s: string) => s.trim().toUpperCase().replace(/\s+/g, '');
const openAt = (e: Episode, d: Iso) => e.decom <= d && (e.dec === null || e.dec > d);

interface Spell { episodes: Episode[]; start: Iso; end: Iso | null }
interface Period { episodes: Episode[]; start: Iso; end: Iso | null; placements: Spell[]; carerSpells: Spell[] }

function byStart(a: Episode, b: Episode): number {
  if (a.decom !== b.decom) return a.decom < b.decom ? -1 : 1;
  const ad = a.dec ?? '9999-99-99', bd = b.dec ?? '9999-99-99';
  return ad < bd ? -1 : ad > bd ? 1 : 0;
}

export function periodsOf(eps: Episode[]): Period[] {
  const sorted = [...eps].sort(byStart);
  const periods: Period[] = [];
  let cur: Episode[] = [];
  for (const e of sorted) {
    const prev = cur[cur.length - 1];
    if (prev && prev.rec === 'X1' && prev.dec === e.decom) cur.push(e);
    else {
      if (cur.length) periods.push(mkPeriod(cur));
      cur = [e];
    }
  }
  if (cur.length) periods.push(mkPeriod(cur));
  return periods;
}

function mkPeriod(eps: Episode[]): Period {
  const last = eps[eps.length - 1]!;
  return { episodes: eps, start: eps[0]!.decom, end: last.dec, placements: spells(eps, ['S', 'P', 'B', 'T', 'U']), carerSpells: spells(eps, ['S', 'P', 'B']) };
}

/** Placements (newCodes S P B T U) or carer spells (S P B) of one period of care. */
function spells(eps: Episode[], newCodes: string[]): Spell[] {
  const out: Episode[][] = [];
  let lastNonTemp: Episode | null = null;
  let afterTemp = false;
  for (const e of eps) {
    if (isTemp(e)) {
      afterTemp = true;
      continue;
    }
    let starts: boolean;
    if (lastNonTemp === null) starts = true; // first non-temporary episode of the period
    else if (e.place === 'A3' || e.place === 'A5') starts = false;
    else if (afterTemp && lastNonTemp !== null && norm(e.place) === norm(lastNonTemp.place) && normPc(e.plPost) === normPc(lastNonTemp.plPost) && norm(e.urn) === norm(lastNonTemp.urn)) starts = false;
    else starts = newCodes.includes(e.rne);
    if (starts) out.push([e]);
    else out[out.length - 1]!.push(e);
    lastNonTemp = e;
    afterTemp = false;
  }
  return out.map((s) => ({ episodes: s, start: s[0]!.decom, end: s[s.length - 1]!.dec }));
}

// ---------------------------------------------------------------------------------------
// The KPIs

export const KPI_IDS = [
  'care_leavers_in_touch_19_21', 'care_leavers_in_touch_17_18',
  'care_leavers_suitable_accommodation_19_21', 'care_leavers_suitable_accommodation_17_18',
  'care_leavers_eet_19_21', 'care_leavers_eet_17_18',
  'placement_stability_short_term', 'placement_stability_long_term', 'placed_within_20_miles', 'placed_outside_la_over_20_miles',
  'school_attendance_rate', 'persistent_absence', 'good_attendance', 'pep_in_date',
  'health_assessment_up_to_date', 'dental_check_up_to_date', 'immunisations_up_to_date', 'went_missing',
  'care_leavers_contact_within_8_weeks', 'care_leavers_pathway_plan_in_date', 'care_leaver_cases_closed_before_21',
] as const;

export interface OracleOptions {
  /** Good attendance threshold in per cent (default 95). */
  goodAttendance?: number;
  /** PEP window in months (default 4). */
  pepMonths?: number;
  referenceDir: string;
  /** A configured full unit-level ONSPD CSV (pcd, easting, northing): unit grid references for distances. */
  unitPostcodes?: string;
}

export function oracleFromDir(dir: string, la: OracleLa, r: Iso, opts: OracleOptions): OracleResult {
  return oracle(readExtract(dir), la, r, opts);
}

export function oracle(t: Tables, la: OracleLa, r: Iso, opts: OracleOptions): OracleResult {
  const ref = loadPostcodeRef(opts.referenceDir);
  const wStart = addDays(addMonths(r, -12), 1);
  const inW = (d: Iso | null) => d !== null && d >= wStart && d <= r;
  const overlapsW = (start: Iso, end: Iso | null) => start <= r && (end === null || end > wStart);
  const res: OracleResult = {};
  const ratio = (num: number, den: number | null): OracleValue => ({ numerator: num, denominator: den });

  // episodes (short breaks dropped first)
  const allEps: Episode[] = t.episodes.map((x) => ({
    child: x.CHILD!, decom: parseDate(x.DECOM)!, dec: parseDate(x.DEC), rne: x.RNE ?? '', ls: x.LS ?? '', place: x.PLACE ?? '', rec: x.REC ?? '',
    homePost: x.HOME_POST ?? '', plPost: x.PL_POST ?? '', urn: x.URN ?? '', plDistance: x.PL_DISTANCE ?? '', plLa: x.PL_LA ?? '', plLocation: x.PL_LOCATION ?? '',
  }));
  const hasEpisodes = new Set(allEps.map((e) => e.child));
  const eps = allEps.filter((e) => e.ls !== 'V3' && e.ls !== 'V4');
  const epsBy = new Map<string, Episode[]>();
  for (const e of eps) (epsBy.get(e.child) ?? epsBy.set(e.child, []).get(e.child)!).push(e);
  const shortBreakOnly = (c: string) => hasEpisodes.has(c) && !epsBy.has(c);

  const periodsBy = new Map<string, Period[]>();
  for (const [c, list] of epsBy) periodsBy.set(c, periodsOf(list));

  const dobBy = new Map<string, Iso>();
  for (const h of t.header) { const d = parseDate(h.DOB); if (d && !dobBy.has(h.CHILD!)) dobBy.set(h.CHILD!, d); }
  const uasc = new Set(t.uasc.map((u) => u.CHILD!));

  // CLA at R: child -> { episode open at R, its period }
  const claAtR = new Map<string, { ep: Episode; period: Period }>();
  for (const [c, periods] of periodsBy) {
    for (const p of periods) {
      const ep = p.episodes.find((e) => openAt(e, r));
      if (ep) claAtR.set(c, { ep, period: p });
    }
  }
  const cla = [...claAtR.keys()];

  // ---- care leavers (OC3) ----
  const lastEpisode = (c: string): Episode | null => {
    const list = epsBy.get(c);
    if (!list || !list.length) return null;
    return [...list].sort(byStart)[list.length - 1]!;
  };
  const band = (ages: number[], lookedAfterExcl: boolean) => {
    const rows = t.oc3.filter((o) => {
      if (shortBreakOnly(o.CHILD!)) return false;
      const dob = parseDate(o.DOB);
      if (!dob) return false;
      const bday = ages.map((a) => birthdayOfAge(dob, a)).find((b) => inW(b));
      if (!bday) return false;
      if (o.IN_TOUCH === 'DIED' || o.IN_TOUCH === 'RHOM') return false;
      const last = lastEpisode(o.CHILD!);
      if (last && last.rec === 'E3') return false;
      if (lookedAfterExcl && (epsBy.get(o.CHILD!) ?? []).some((e) => openAt(e, bday))) return false;
      return true;
    });
    const suitDen = rows.filter((o) => !/^[GHR]/.test(o.ACCOM ?? ''));
    return {
      inTouch: ratio(rows.filter((o) => o.IN_TOUCH === 'YES').length, rows.length),
      accom: ratio(suitDen.filter((o) => (o.ACCOM ?? '').endsWith('1')).length, suitDen.length),
      eet: ratio(rows.filter((o) => ['F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5'].includes(o.ACTIV ?? '')).length, rows.length),
    };
  };
  const b1921 = band([19, 20, 21], false);
  const b1718 = band([17, 18], true);
  res.care_leavers_in_touch_19_21 = b1921.inTouch;
  res.care_leavers_in_touch_17_18 = b1718.inTouch;
  res.care_leavers_suitable_accommodation_19_21 = b1921.accom;
  res.care_leavers_suitable_accommodation_17_18 = b1718.accom;
  res.care_leavers_eet_19_21 = b1921.eet;
  res.care_leavers_eet_17_18 = b1718.eet;

  // ---- placements ----
  let short = 0;
  for (const c of cla) {
    const n = periodsBy.get(c)!.flatMap((p) => p.placements).filter((pl) => overlapsW(pl.start, pl.end)).length;
    if (n >= 3) short++;
  }
  res.placement_stability_short_term = ratio(short, cla.length);

  let ltDen = 0, ltNum = 0;
  for (const c of cla) {
    const dob = dobBy.get(c);
    const { ep, period } = claAtR.get(c)!;
    if (!dob || ageOn(dob, r) >= 16) continue;
    if (!lastedMonths(period.start, r, 30)) continue;
    ltDen++;
    const temp = isTemp(ep);
    // the carer spell of the open episode, or of the last non-temporary episode before it
    let anchor: Episode | null = ep;
    if (temp) {
      const idx = period.episodes.indexOf(ep);
      anchor = [...period.episodes.slice(0, idx)].reverse().find((e) => !isTemp(e)) ?? null;
    }
    if (!anchor) continue;
    const si = period.carerSpells.findIndex((s) => s.episodes.includes(anchor!));
    const spell = period.carerSpells[si]!;
    let start = spell.start;
    if (!temp && (spell.episodes[0]!.place === 'A4' || spell.episodes[0]!.place === 'A6') && si > 0) start = period.carerSpells[si - 1]!.start;
    if (lastedMonths(start, r, 24)) ltNum++;
  }
  res.placement_stability_long_term = ratio(ltNum, ltDen);

  // distance (tenths of a mile; null = unknown) and outside-LA of the episode open at R
  const unitGrid = new Map<string, { e: bigint; n: bigint }>();
  if (opts.unitPostcodes) {
    for (const u of parse(readFileSync(opts.unitPostcodes), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), bom: true, skip_empty_lines: true }) as Row[]) {
      if (!u.easting || !u.northing) continue;
      unitGrid.set(u.pcd!.trim().toUpperCase().replace(/\s+/g, ' '), { e: BigInt(u.easting), n: BigInt(u.northing) });
    }
  }
  /** Grid reference: the configured unit file for a full postcode it holds, else the sector table. */
  const sectorOf = (pc: string) => {
    const p = postcodeParts(pc);
    if (!p) return null;
    const unit = p.full ? unitGrid.get(p.full) : undefined;
    return unit ?? ref.sectors.get(p.sector) ?? null;
  };
  /** Miles (one decimal), null when unknown. */
  const distance = (c: string, e: Episode): number | null => {
    if (uasc.has(c)) return null;
    if (e.plDistance !== '') return Number(e.plDistance);
    const h = sectorOf(e.homePost), p = sectorOf(e.plPost);
    if (!h || !p) return null;
    return Number(distanceTenths(h.e, h.n, p.e, p.n)) / 10;
  };
  const outside = (e: Episode): boolean => {
    if (e.plLocation !== '') return e.plLocation === 'OUT';
    if (e.plLa !== '') return e.plLa !== la.ons.toUpperCase() && e.plLa !== la.dfe.toUpperCase();
    const p = postcodeParts(e.plPost);
    if (!p) return false;
    const utla = (p.full ? ref.units.get(p.full) : undefined) ?? ref.sectors.get(p.sector)?.utla;
    if (!utla) return false;
    return utla !== la.ons.toUpperCase();
  };
  let known = 0, within = 0, unknown = 0, outFar = 0;
  for (const c of cla) {
    const { ep } = claAtR.get(c)!;
    const d = distance(c, ep);
    if (d === null) unknown++;
    else {
      known++;
      if (d <= 20) within++;
    }
    if (d !== null && d > 20 && outside(ep)) outFar++;
  }
  res.placed_within_20_miles = { numerator: within, denominator: known, unknown };
  res.placed_outside_la_over_20_miles = ratio(outFar, cla.length);

  // ---- education ----
  const aug = augustBefore(r);
  const schoolAge = cla.filter((c) => { const dob = dobBy.get(c); if (!dob) return false; const a = ageOn(dob, aug); return a >= 5 && a <= 15; });
  const att = new Map<string, { p: number; a: number }>();
  for (const row of t.attendance) {
    if (!inW(parseDate(row.PERIOD_END))) continue;
    const cur = att.get(row.CHILD!) ?? { p: 0, a: 0 };
    cur.p += Number(row.POSSIBLE_SESSIONS || 0);
    cur.a += Number(row.ATTENDED_SESSIONS || 0);
    att.set(row.CHILD!, cur);
  }
  let sumP = 0, sumA = 0;
  const withSessions: { p: number; a: number }[] = [];
  for (const c of schoolAge) {
    const x = att.get(c);
    if (!x) continue;
    sumP += x.p;
    sumA += x.a;
    if (x.p > 0) withSessions.push(x);
  }
  const good = opts.goodAttendance ?? 95;
  res.school_attendance_rate = ratio(sumA, sumP);
  res.persistent_absence = ratio(withSessions.filter((x) => 10 * (x.p - x.a) >= x.p).length, withSessions.length);
  res.good_attendance = ratio(withSessions.filter((x) => 100 * x.a >= good * x.p).length, withSessions.length);

  const pepMonths = opts.pepMonths ?? 4;
  const pepDen = cla.filter((c) => {
    const dob = dobBy.get(c);
    if (!dob) return false;
    const a = ageOn(dob, aug);
    return a >= 3 && a <= 17 && lastedDays(claAtR.get(c)!.period.start, r, 28);
  });
  const pepOk = new Set(t.pep.filter((p) => p.PEP_STATUS === 'COMPLETE' && withinMonths(parseDate(p.PEP_DATE), r, pepMonths)).map((p) => p.CHILD!));
  res.pep_in_date = ratio(pepDen.filter((c) => pepOk.has(c)).length, pepDen.length);

  // ---- health and missing ----
  const health = cla.filter((c) => lastedMonths(claAtR.get(c)!.period.start, r, 12));
  const oc2Flag = (col: string) => new Set(t.oc2.filter((o) => o[col] === '1').map((o) => o.CHILD!));
  const ha = oc2Flag('HEALTH_ASSESSMENT'), teeth = oc2Flag('TEETH_CHECK'), imm = oc2Flag('IMMUNISATIONS');
  res.health_assessment_up_to_date = ratio(health.filter((c) => ha.has(c)).length, health.length);
  res.dental_check_up_to_date = ratio(health.filter((c) => teeth.has(c)).length, health.length);
  res.immunisations_up_to_date = ratio(health.filter((c) => imm.has(c)).length, health.length);

  const missDen = [...epsBy.keys()].filter((c) => epsBy.get(c)!.some((e) => overlapsW(e.decom, e.dec)));
  const missed = new Set(t.missing.filter((m) => m.MISSING === 'M' && inW(parseDate(m.MIS_START))).map((m) => m.CHILD!));
  res.went_missing = ratio(missDen.filter((c) => missed.has(c)).length, missDen.length);

  // ---- care-leaver tracking ----
  const tracked = t.care_leavers.filter((x) => {
    if (shortBreakOnly(x.CHILD!)) return false;
    const dob = parseDate(x.DOB);
    if (!dob) return false;
    return birthdayOfAge(dob, 18) <= r && birthdayOfAge(dob, 21) > r && x.CASE_STATUS === 'OPEN';
  });
  res.care_leavers_contact_within_8_weeks = ratio(tracked.filter((x) => withinDays(parseDate(x.LAST_CONTACT_DATE), r, 56)).length, tracked.length);
  res.care_leavers_pathway_plan_in_date = ratio(tracked.filter((x) => withinMonths(parseDate(x.PATHWAY_PLAN_DATE), r, 6)).length, tracked.length);
  res.care_leaver_cases_closed_before_21 = ratio(t.care_leavers.filter((x) => {
    const closed = parseDate(x.CASE_CLOSED_DATE);
    const dob = parseDate(x.DOB);
    if (!closed || !inW(closed)) return false;
    if (!dob || closed >= birthdayOfAge(dob, 21)) return false;
    return !['DIED', 'TRANSFERRED', 'MOVED_ABROAD'].includes(x.CLOSURE_REASON ?? '');
  }).length, null);

  return res;
}
