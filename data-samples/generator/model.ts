// The simulated history of one LA: children, their episodes of care and what happens after care.
// An extract at a reference date R is this history as it would have been recorded at R
// (see extract.ts); the history itself does not depend on R.

import { type Day, dayFromYmd } from './dates.js';
import type { PostcodePools, Zone } from './reference.js';
import { Rng, type Weights, mixSeed, rngFor } from './prng.js';

// Weighted choices (module constants: the simulation draws from them millions of times).
const PROV_U46: Weights<string> = [['PR1', 55], ['PR4', 40], ['PR5', 5]];
const PROV_U5: Weights<string> = [['PR1', 60], ['PR5', 40]];
const PROV_A: Weights<string> = [['PR1', 50], ['PR2', 15], ['PR5', 35]];
const PROV_K2: Weights<string> = [['PR1', 30], ['PR4', 65], ['PR5', 5]];
const PROV_K1: Weights<string> = [['PR1', 60], ['PR2', 40]];
const PROV_SEMI: Weights<string> = [['PR4', 75], ['PR1', 25]];
const PROV_S1: Weights<string> = [['PR4', 70], ['PR5', 30]];
const PROV_OTHER: Weights<string> = [['PR1', 60], ['PR4', 40]];
const ZONE_UASC: Weights<Zone> = [['own', 20], ['near', 25], ['far', 52], ['celtic', 3]];
const ZONE_KIN: Weights<Zone> = [['own', 55], ['near', 35], ['far', 9], ['celtic', 1]];
const ZONE_LA_FOSTER: Weights<Zone> = [['own', 55], ['near', 40], ['far', 5]];
const ZONE_AGENCY: Weights<Zone> = [['own', 25], ['near', 45], ['far', 28], ['celtic', 2]];
const ZONE_ADOPT: Weights<Zone> = [['own', 30], ['near', 45], ['far', 25]];
const ZONE_RESIDENTIAL: Weights<Zone> = [['own', 15], ['near', 30], ['far', 50], ['celtic', 5]];
const ZONE_SEMI: Weights<Zone> = [['own', 40], ['near', 40], ['far', 20]];
const ZONE_OTHER: Weights<Zone> = [['own', 40], ['near', 50], ['far', 10]];
const ZONE_HOME: Weights<Zone> = [['own', 85], ['near', 11], ['far', 3.8], ['celtic', 0.2]];
const ZONE_TEMP: Weights<Zone> = [['own', 50], ['near', 40], ['far', 10]];
const RPC_SAME_CARER: Weights<string> = [['OTHER', 50], ['LAREQ', 30], ['CARPL', 20]];
const RPC_NEW_CARER: Weights<string> = [['CARPL', 20], ['LAREQ', 30], ['CHILD', 15], ['CREQB', 8], ['CREQO', 5], ['ALLEG', 4], ['STAND', 4], ['CLOSE', 3], ['APPRR', 2], ['PLACE', 4], ['CUSTOD', 1], ['OTHER', 4]];

export type ClosureReason = 'AGE_21' | 'AGE_25' | 'DECLINED_SUPPORT' | 'DIED' | 'TRANSFERRED' | 'MOVED_ABROAD' | 'RETURNED_HOME' | 'OTHER';

export interface Carer {
  /** Same id = same carer (RNE T/U when only the placement changes). */
  id: number;
  place: string;
  provider: string;
  urn: string;
  post: string;
}

export interface Episode {
  start: Day;
  /** True end date (may lie after any R; extracts blank it). Every simulated episode ends. */
  end: Day;
  rne: string;
  ls: string;
  cin: string;
  place: string;
  provider: string;
  rec: string;
  rpc: string;
  home: string;
  post: string;
  urn: string;
  carer: number;
}

export interface Incident {
  start: Day;
  end: Day;
  type: 'M' | 'A';
}

export interface Pep {
  date: Day;
  /** Day the PEP was signed off (COMPLETE from then on); before that it is a DRAFT. */
  completed: Day;
  cancelled: boolean;
  quality: string;
}

export interface CaseEvent {
  date: Day;
  status: 'OPEN' | 'CLOSED';
  reason?: ClosureReason;
}

/** The leaving-care service's view of a care leaver (ages 16 to 25). */
export interface CareLeaverCourse {
  /** The service knows them from this day (16th birthday, or when they came into care after 16). */
  start: Day;
  /** Status changes after `start` (OPEN at start). */
  events: CaseEvent[];
  died?: Day;
  /** Probability of a Personal Adviser contact in each 30-day slot. */
  engagement: number;
  /** Scripted contact dates (replace the random slots). */
  contacts?: Day[];
  /** In the tracking extract? (No for children whose care was transferred to another LA.) */
  tracked: boolean;
  /** Baseline IN_TOUCH while the case is open. */
  inTouch: 'YES' | 'NO' | 'REFU' | 'NREQ';
  /** Scripted OC3 ACCOM letter+digit used for every birthday (edge cases). */
  accom?: string;
}

export interface Child {
  /** Internal key; the CHILD id is assigned once the whole population exists. */
  key: string;
  id: string;
  seed: number;
  sex: 'M' | 'F';
  dob: Day;
  ethnic: string;
  upn: string;
  uasc: boolean;
  babyDob?: Day;
  episodes: Episode[];
  missing: Incident[];
  peps: Pep[];
  /** Typical share of sessions attended; `exactAttendance` forces every row to exactly this rate. */
  attendance: number;
  exactAttendance?: number;
  schoolUrn: string;
  careLeaver?: CareLeaverCourse;
  /** Edge-case label (scripted children), for the tests and the README. */
  edge?: string;
}

export const TEMP_PLACES = new Set(['T0', 'T1', 'T2', 'T3', 'T4']);
export const SHORT_BREAK_LS = new Set(['V3', 'V4']);

// Year-appropriate placement codes (codes.md).
export const H5_LAST_DAY = dayFromYmd(2024, 3, 31); // H5 until 2023-24
export const K3_FIRST_DAY = dayFromYmd(2024, 4, 1); // K3 from 2024-25
export const P2_Z1_LAST_DAY = dayFromYmd(2025, 3, 31); // P2, Z1 until 2024-25
export const Z1X_FIRST_DAY = dayFromYmd(2025, 4, 1); // Z11-Z14 from 2025-26

// ---------------------------------------------------------------------------------------------
// Carers and providers

export type Kind =
  | 'fosterRel'
  | 'fosterOther'
  | 'ffa'
  | 'adoptSame'
  | 'adoptNew'
  | 'home'
  | 'secure'
  | 'semi'
  | 'parents'
  | 'indep'
  | 'school'
  | 'mbu'
  | 'health'
  | 'yoi'
  | 'other'
  | 'employ'
  | 'temp';

/** The placement code for a kind over [start, end], or undefined if the kind has no code valid then. */
export function placeCode(kind: Kind, start: Day, end: Day, rng: Rng): string | undefined {
  switch (kind) {
    case 'fosterRel':
      return rng.chance(0.45) ? 'U1' : 'U3';
    case 'fosterOther':
      return rng.chance(0.4) ? 'U4' : 'U6';
    case 'ffa':
      return rng.chance(0.2) ? 'U2' : 'U5';
    case 'adoptSame':
      return rng.chance(0.25) ? 'A3' : 'A5';
    case 'adoptNew':
      return rng.chance(0.25) ? 'A4' : 'A6';
    case 'home':
      return 'K2';
    case 'secure':
      return 'K1';
    case 'semi':
      if (end <= H5_LAST_DAY) return 'H5';
      if (start >= K3_FIRST_DAY) return 'K3';
      return undefined;
    case 'parents':
      return 'P1';
    case 'indep':
      return end <= P2_Z1_LAST_DAY ? 'P2' : undefined;
    case 'school':
      return 'S1';
    case 'mbu':
      return 'R3';
    case 'health':
      return 'R2';
    case 'yoi':
      return 'R5';
    case 'employ':
      return 'P3';
    case 'other':
      if (end <= P2_Z1_LAST_DAY) return 'Z1';
      if (start >= Z1X_FIRST_DAY) return rng.pick(['Z11', 'Z12', 'Z13', 'Z14']);
      return undefined;
    case 'temp':
      return rng.pick(['T0', 'T1', 'T2', 'T3', 'T4']);
  }
}

function providerFor(place: string, rng: Rng): string {
  switch (place) {
    case 'U1':
    case 'U2':
    case 'U3':
      return 'PR1';
    case 'U4':
    case 'U6':
      return rng.weighted(PROV_U46);
    case 'U5':
      return rng.weighted(PROV_U5);
    case 'A3':
    case 'A4':
    case 'A5':
    case 'A6':
      return rng.weighted(PROV_A);
    case 'K2':
      return rng.weighted(PROV_K2);
    case 'K1':
      return rng.weighted(PROV_K1);
    case 'H5':
    case 'K3':
      return rng.weighted(PROV_SEMI);
    case 'P1':
      return 'PR0';
    case 'P2':
      return 'PR1';
    case 'S1':
      return rng.weighted(PROV_S1);
    case 'R2':
    case 'R3':
    case 'R5':
      return 'PR3';
    default:
      return rng.weighted(PROV_OTHER);
  }
}

const REGISTERED = new Set(['K1', 'K2', 'K3', 'S1']);

function zoneFor(place: string, provider: string, uasc: boolean, rng: Rng): Zone {
  if (uasc) return rng.weighted(ZONE_UASC);
  if (place === 'U1' || place === 'U2' || place === 'U3') return rng.weighted(ZONE_KIN);
  if (place === 'U4' || place === 'U5' || place === 'U6') {
    return provider === 'PR1'
      ? rng.weighted(ZONE_LA_FOSTER)
      : rng.weighted(ZONE_AGENCY);
  }
  if (place[0] === 'A') return rng.weighted(ZONE_ADOPT);
  if (place === 'K1' || place === 'K2' || place === 'S1') return rng.weighted(ZONE_RESIDENTIAL);
  if (place === 'H5' || place === 'K3') return rng.weighted(ZONE_SEMI);
  return rng.weighted(ZONE_OTHER);
}

/** Per-LA settings and shared state for building children. */
export class LaContext {
  private nextCarer = 1;
  /** Registered settings (children's homes, supported accommodation...) are shared between children. */
  private readonly settings = new Map<string, Carer[]>();

  constructor(
    readonly la: string,
    readonly dfe: string,
    readonly seed: number,
    readonly pools: PostcodePools,
    readonly settingsPerKind: number,
    readonly london: boolean,
  ) {}

  /** A postcode with the realistic share of sector-only, blank and unknown ('ZZ9 9ZZ') values. */
  postcode(rng: Rng, zone: Zone, quirks = true): string {
    if (quirks) {
      const x = rng.next();
      if (x < 0.01) return '';
      if (x < 0.013) return 'ZZ9 9ZZ';
      if (x < 0.043) return this.pools.sector(rng, zone);
    }
    return this.pools.postcode(rng, zone);
  }

  homePostcode(rng: Rng, uasc: boolean): string {
    if (uasc && rng.chance(0.5)) return '';
    const zone = rng.weighted(ZONE_HOME);
    const x = rng.next();
    if (x < 0.015) return '';
    if (x < 0.019) return 'ZZ9 9ZZ';
    if (x < 0.05) return this.pools.sector(rng, zone);
    return this.pools.postcode(rng, zone);
  }

  /** A new carer (or a shared registered setting) of the given placement code. */
  carer(place: string, rng: Rng, opts: { uasc?: boolean; home?: string; zone?: Zone; post?: string } = {}): Carer {
    if (TEMP_PLACES.has(place)) {
      return { id: this.nextCarer++, place, provider: '', urn: 'XXXXXXX', post: opts.post ?? this.postcode(rng, opts.zone ?? rng.weighted(ZONE_TEMP)) };
    }
    if (place === 'P1') return { id: this.nextCarer++, place, provider: 'PR0', urn: 'XXXXXXX', post: opts.post ?? opts.home ?? '' };
    if (REGISTERED.has(place) && opts.post === undefined && opts.zone === undefined) {
      const key = `${place}/${opts.uasc ? 'u' : ''}`;
      let list = this.settings.get(key);
      if (!list) {
        list = [];
        const srng = rngFor(this.seed, 'settings', key);
        for (let i = 0; i < this.settingsPerKind; i++) {
          const provider = providerFor(place, srng);
          list.push({
            id: this.nextCarer++,
            place,
            provider,
            urn: 'SC' + String(srng.int(100000, 999999)),
            post: this.postcode(srng, zoneFor(place, provider, !!opts.uasc, srng)),
          });
        }
        this.settings.set(key, list);
      }
      return rng.pick(list);
    }
    const provider = providerFor(place, rng);
    const post = opts.post ?? this.postcode(rng, opts.zone ?? zoneFor(place, provider, !!opts.uasc, rng));
    const urn = REGISTERED.has(place) ? 'SC' + String(rng.int(100000, 999999)) : 'XXXXXXX';
    return { id: this.nextCarer++, place, provider, urn, post };
  }

  /** The same carer in a changed placement (RNE T/U): new placement type and/or address. */
  sameCarer(c: Carer, change: Partial<Omit<Carer, 'id'>>): Carer {
    return { ...c, ...change };
  }
}

// ---------------------------------------------------------------------------------------------
// Episodes

interface State {
  ls: string;
  carer: Carer;
}

/**
 * Builds a child's episodes in date order. `change` works out the RNE from what changed:
 * carer -> P (B with a legal status change), same carer in a changed placement -> T (U),
 * legal status only -> L. Each period of care starts with RNE S; REC X1 links episodes.
 */
export class CareBuilder {
  private state: State | undefined;
  private cin = 'N1';
  private home = '';

  constructor(readonly child: Child) {}

  startPeriod(date: Day, ls: string, carer: Carer, cin: string, home: string): void {
    if (this.state) throw new Error(`${this.child.key}: period already open`);
    const last = this.child.episodes[this.child.episodes.length - 1];
    if (last && date <= last.end) throw new Error(`${this.child.key}: new period overlaps (${date} <= ${last.end})`);
    this.cin = cin;
    this.home = home;
    this.push(date, 'S', ls, carer);
  }

  change(date: Day, next: { ls?: string; carer?: Carer }): void {
    const s = this.state;
    if (!s) throw new Error(`${this.child.key}: no open period`);
    const ls = next.ls ?? s.ls;
    const carer = next.carer ?? s.carer;
    const lsChanged = ls !== s.ls;
    const sameCarer = carer.id === s.carer.id;
    const placementChanged = carer.place !== s.carer.place || carer.post !== s.carer.post || carer.urn !== s.carer.urn;
    let rne: string;
    if (!sameCarer) rne = lsChanged ? 'B' : 'P';
    else if (placementChanged) rne = lsChanged ? 'U' : 'T';
    else if (lsChanged) rne = 'L';
    else return; // nothing changed
    this.close(date, 'X1');
    this.push(date, rne, ls, carer);
  }

  endPeriod(date: Day, rec: string): void {
    if (!this.state) throw new Error(`${this.child.key}: no open period`);
    this.close(date, rec);
    this.state = undefined;
  }

  private close(date: Day, rec: string): void {
    const ep = this.child.episodes[this.child.episodes.length - 1]!;
    if (date < ep.start || (rec === 'X1' && date === ep.start)) throw new Error(`${this.child.key}: episode would end ${date} before/at its start ${ep.start}`);
    ep.end = date;
    ep.rec = rec;
  }

  private push(date: Day, rne: string, ls: string, carer: Carer): void {
    this.state = { ls, carer };
    this.child.episodes.push({
      start: date,
      end: Number.POSITIVE_INFINITY,
      rne,
      ls,
      cin: this.cin,
      place: carer.place,
      provider: carer.provider,
      rec: '',
      rpc: '',
      home: this.home,
      post: carer.post,
      urn: carer.urn,
      carer: carer.id,
    });
  }
}

/**
 * REASON_PLACE_CHANGE, as the DfE validator expects it: on an episode that ends X1 where the
 * next episode changes the placement (RNE P, B, T or U) and neither is a temporary placement.
 */
export function assignPlacementChangeReasons(child: Child): void {
  const eps = child.episodes;
  const rng = new Rng(mixSeed(child.seed, 'rpc'));
  for (let i = 0; i + 1 < eps.length; i++) {
    const e = eps[i]!;
    const n = eps[i + 1]!;
    e.rpc = '';
    if (e.rec !== 'X1' || TEMP_PLACES.has(e.place) || TEMP_PLACES.has(n.place)) continue;
    if (n.rne === 'T' || n.rne === 'U') e.rpc = n.place[0] === 'A' ? 'LAREQ' : rng.weighted(RPC_SAME_CARER);
    else if (n.rne === 'P' || n.rne === 'B') {
      e.rpc =
        n.place[0] === 'A'
          ? 'LAREQ'
          : rng.weighted(RPC_NEW_CARER);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// People

export const ETHNIC_LONDON: Weights<string> = [
  ['WBRI', 22], ['WIRI', 1], ['WOTH', 11], ['WIRT', 0.5], ['WROM', 1], ['MWBC', 6], ['MWBA', 2], ['MWAS', 2], ['MOTH', 5],
  ['AIND', 6], ['APKN', 3], ['ABAN', 1.5], ['AOTH', 8], ['BCRB', 4], ['BAFR', 8], ['BOTH', 4], ['CHNE', 0.5], ['OOTH', 10],
  ['REFU', 1.5], ['NOBT', 2],
];
export const ETHNIC_ENGLAND: Weights<string> = [
  ['WBRI', 68], ['WIRI', 0.3], ['WOTH', 4], ['WIRT', 0.5], ['WROM', 0.7], ['MWBC', 4], ['MWBA', 1], ['MWAS', 1], ['MOTH', 3],
  ['AIND', 0.7], ['APKN', 1.5], ['ABAN', 0.5], ['AOTH', 3], ['BCRB', 1], ['BAFR', 3], ['BOTH', 1], ['CHNE', 0.2], ['OOTH', 4],
  ['REFU', 0.5], ['NOBT', 2],
];
export const ETHNIC_UASC: Weights<string> = [
  ['AOTH', 35], ['BAFR', 30], ['OOTH', 20], ['WOTH', 10], ['BOTH', 3], ['NOBT', 2],
];

const UPN_CHECK = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/** A UPN with a valid check letter (DfE algorithm), built from the LA's DfE number. */
export function makeUpn(dfe: string, rng: Rng): string {
  let digits = dfe.padStart(3, '0').slice(0, 3);
  for (let i = 0; i < 9; i++) digits += String(rng.int(0, 9));
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(digits[i]) * (i + 2);
  return UPN_CHECK[sum % 23]! + digits;
}

export function newChild(ctx: LaContext, key: string, opts: { dob: Day; sex?: 'M' | 'F'; ethnic?: string; uasc?: boolean; edge?: string }): Child {
  const seed = mixSeed(ctx.seed, 'person', key);
  const rng = new Rng(seed);
  const uasc = !!opts.uasc;
  const sex = opts.sex ?? (uasc ? (rng.chance(0.94) ? 'M' : 'F') : rng.chance(0.56) ? 'M' : 'F');
  const ethnic = opts.ethnic ?? rng.weighted(uasc ? ETHNIC_UASC : ctx.london ? ETHNIC_LONDON : ETHNIC_ENGLAND);
  const r = rng.next();
  const attendance = r < 0.7 ? 0.93 + 0.07 * rng.next() : r < 0.9 ? 0.85 + 0.08 * rng.next() : 0.4 + 0.45 * rng.next();
  return {
    key,
    id: '',
    seed,
    sex,
    dob: opts.dob,
    ethnic,
    upn: uasc && rng.chance(0.6) ? 'UN4' : makeUpn(ctx.dfe, rng),
    uasc,
    episodes: [],
    missing: [],
    peps: [],
    attendance,
    schoolUrn: String(rng.int(100000, 149999)),
    ...(opts.edge ? { edge: opts.edge } : {}),
  };
}
