// Reference data for the generator: LA codes and the postcode-sector table.
// Postcodes are built from real sectors (sector + two letters), so distances and "outside the LA"
// can be derived the way the pipeline derives them.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng, type Weights, mixSeed } from './prng.js';

// Weighted choices (module constants: the simulation draws from them millions of times).
const FAR_BANDS: Weights<0 | 1 | 2> = [[0, 6], [1, 3], [2, 1]];

export interface LaInfo {
  ons: string;
  dfe: string;
  name: string;
  region: string;
}

export interface SectorRow {
  sector: string;
  e: number;
  n: number;
  utla: string;
  count: number;
  share: number;
}

export interface Reference {
  las: LaInfo[];
  sectors: SectorRow[];
  bySector: Map<string, SectorRow>;
}

/** Minimal RFC 4180 parser for the small reference files. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function readTable(path: string): Array<Record<string, string>> {
  return tableOf(readFileSync(path, 'utf8'));
}

function tableOf(text: string): Array<Record<string, string>> {
  const [head, ...body] = parseCsv(text);
  if (!head) return [];
  return body
    .filter((r) => r.length > 1)
    .map((r) => Object.fromEntries(head.map((h, j) => [h, r[j] ?? ''])));
}

/** The repository root: the nearest folder above this file with the project's package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"corporate-parenting"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('Cannot find the corporate-parenting repository root');
    dir = up;
  }
}

/** Where the reference files are: --reference, $CP_REFERENCE_DIR, <repo>/reference or ../shared/reference. */
export function defaultReferenceDir(): string {
  const root = repoRoot();
  const candidates = [process.env.CP_REFERENCE_DIR, join(root, 'reference'), resolve(root, '..', 'shared', 'reference')];
  for (const c of candidates) if (c && existsSync(join(c, 'postcode_sectors.csv'))) return c;
  throw new Error('Reference data not found: give --reference DIR (with la_codes.csv and postcode_sectors.csv)');
}

export function loadReference(dir: string): Reference {
  const las = readTable(join(dir, 'la_codes.csv'))
    .filter((r) => r.status === 'current')
    .map((r) => ({ ons: r.ons_code!, dfe: r.dfe_code!, name: r.name!, region: r.region_name! }));
  const sectors = readTable(join(dir, 'postcode_sectors.csv')).map((r) => ({
    sector: r.sector!,
    e: Number(r.easting),
    n: Number(r.northing),
    utla: r.utla_code!,
    count: Number(r.postcodes),
    share: Number(r.utla_share || 1),
  }));
  const bySector = new Map(sectors.map((s) => [s.sector, s]));
  return { las, sectors, bySector };
}

/** Find an LA by ONS code, DfE code or name (case-insensitive). */
export function findLa(ref: Reference, key: string): LaInfo {
  const k = key.trim().toUpperCase();
  const la = ref.las.find((l) => l.ons === k || l.dfe === k || l.name.toUpperCase() === k);
  if (!la) throw new Error(`Unknown or former LA: ${key}`);
  return la;
}

// ---------------------------------------------------------------------------------------------
// Postcodes

/** Sectors with cumulative weights, for weighted picking by binary search. */
class WeightedSectors {
  readonly names: string[] = [];
  private readonly cum: number[] = [];
  private total = 0;

  add(name: string, weight: number): void {
    this.total += weight;
    this.names.push(name);
    this.cum.push(this.total);
  }

  get size(): number {
    return this.names.length;
  }

  pick(rng: Rng): string {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.names[lo]!;
  }
}

export type Zone = 'own' | 'near' | 'far' | 'celtic';

const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
const MILE = 1609.344;

/** Where an LA's children live and are placed: its own sectors, neighbours, far away, Wales/Scotland. */
export class PostcodePools {
  readonly own = new WeightedSectors();
  readonly near = new WeightedSectors();
  readonly far: [WeightedSectors, WeightedSectors, WeightedSectors] = [new WeightedSectors(), new WeightedSectors(), new WeightedSectors()];
  readonly celtic = new WeightedSectors();
  constructor(ref: Reference, la: string) {
    let se = 0;
    let sn = 0;
    let sw = 0;
    for (const s of ref.sectors) {
      if (s.utla !== la || s.count < 5) continue;
      se += s.e * s.count;
      sn += s.n * s.count;
      sw += s.count;
      this.own.add(s.sector, s.count);
    }
    if (sw === 0) throw new Error(`No postcode sectors for ${la}`);
    const ce = se / sw;
    const cn = sn / sw;
    // Neighbouring sectors: other English LAs within 12 miles (wider where the LA is remote).
    for (let radius = 12; this.near.size < 20 && radius <= 60; radius += 12) {
      for (const s of ref.sectors) {
        if (s.utla === la || s.utla[0] !== 'E' || s.count < 10) continue;
        const d = Math.hypot(s.e - ce, s.n - cn) / MILE;
        if (d <= radius && d > radius - 12) this.near.add(s.sector, s.count);
      }
    }
    for (const s of ref.sectors) {
      if (s.count < 10) continue;
      if (s.utla[0] === 'W' || s.utla[0] === 'S') {
        this.celtic.add(s.sector, s.count);
        continue;
      }
      if (s.utla[0] !== 'E' || s.utla === la) continue;
      const d = Math.hypot(s.e - ce, s.n - cn) / MILE;
      if (d > 150) this.far[2].add(s.sector, s.count);
      else if (d > 60) this.far[1].add(s.sector, s.count);
      else if (d > 25) this.far[0].add(s.sector, s.count);
    }
  }

  sector(rng: Rng, zone: Zone): string {
    switch (zone) {
      case 'own':
        return this.own.pick(rng);
      case 'near':
        return this.near.pick(rng);
      case 'celtic':
        return this.celtic.pick(rng);
      case 'far': {
        const band = rng.weighted(FAR_BANDS);
        const pool = this.far[band].size > 0 ? this.far[band] : this.far[0].size > 0 ? this.far[0] : this.far[1];
        return pool.pick(rng);
      }
    }
  }

  /** A full postcode in the zone: a real sector plus two inward letters (the unit itself is made up). */
  postcode(rng: Rng, zone: Zone): string {
    return fullPostcode(this.sector(rng, zone), rng);
  }
}

export function fullPostcode(sector: string, rng: Rng): string {
  return sector + INWARD_LETTERS[rng.int(0, 19)]! + INWARD_LETTERS[rng.int(0, 19)]!;
}

/** The sector of a postcode ('HA1 2AB' -> 'HA1 2'; a sector-only 'HA1 2' is itself). */
export function sectorOf(postcode: string): string {
  const p = postcode.trim().toUpperCase();
  const m = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})?$/.exec(p);
  return m ? `${m[1]} ${m[2]}` : '';
}

/** Straight-line distance in miles between two postcodes, one decimal, or undefined if unknown. */
export function distanceMiles(ref: Reference, a: string, b: string): number | undefined {
  if (!a || !b) return undefined;
  const sa = ref.bySector.get(sectorOf(a));
  const sb = ref.bySector.get(sectorOf(b));
  if (!sa || !sb) return undefined;
  const miles = Math.hypot(sa.e - sb.e, sa.n - sb.n) / MILE;
  return Math.floor(miles * 10 + 0.5) / 10;
}

// ---------------------------------------------------------------------------------------------
// Sizes

/** England's children looked after at 31 March, roughly (DfE: about 82,000 in recent years). */
const ENGLAND_CLA = 82_000;

/** Population proxy per LA: postcodes in its sectors, weighted by its share of each sector. */
export function populationProxy(ref: Reference): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of ref.sectors) out.set(s.utla, (out.get(s.utla) ?? 0) + s.count * s.share);
  return out;
}

/**
 * Published children looked after at 31 March by DfE LA code, from the benchmarks file when the
 * reference folder has it (the denominator of the 3+ placements indicator, latest year).
 */
export function publishedClaCounts(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const path = join(dir, 'cla_kpi_benchmarks.csv');
  if (!existsSync(path)) return out;
  let year = '';
  // The file is large: keep only the indicator's lines before parsing them.
  const text = readFileSync(path, 'utf8');
  const head = text.slice(0, text.indexOf('\n') + 1);
  const lines = text.split('\n').filter((l) => l.startsWith('placement_stability_3plus_in_year,'));
  for (const r of tableOf(head + lines.join('\n'))) {
    if (r.geographic_level !== 'Local authority') continue;
    // 'c' = suppressed by DfE because it is small: recorded as -1.
    const n = r.denominator === 'c' ? -1 : Number(r.denominator);
    if (Number.isNaN(n) || r.time_period! < year) continue;
    if (r.time_period! > year) {
      year = r.time_period!;
      out.clear();
    }
    out.set(r.old_la_code!, n);
  }
  return out;
}

/**
 * A plausible number of children looked after at R for every LA: the published count where
 * there is one, jittered by a few per cent (the LAs are synthetic), about 20 where DfE suppressed
 * it as small, otherwise (no benchmarks file) the LA's share of England's postcodes (a
 * population proxy) times a seeded rate factor.
 */
export function poolSizes(ref: Reference, seed: number, published: Map<string, number>): Map<string, number> {
  const proxy = populationProxy(ref);
  let total = 0;
  for (const la of ref.las) total += proxy.get(la.ons) ?? 0;
  const out = new Map<string, number>();
  for (const la of ref.las) {
    const rng = new Rng(mixSeed(seed, la.ons, 'size'));
    const count = published.get(la.dfe);
    const jitter = Math.exp(0.08 * rng.normal());
    const n =
      count === undefined
        ? (ENGLAND_CLA * (proxy.get(la.ons) ?? 0) * Math.exp(0.35 * rng.normal() - 0.06)) / total
        : count < 0
          ? 20 * jitter
          : count * jitter;
    out.set(la.ons, Math.max(8, Math.round(n)));
  }
  return out;
}
