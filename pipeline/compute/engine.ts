/**
 * The KPI engine: set-based SQL over every computation point at once (one LA or a whole
 * pool, one quarter or eight). Each metric's SQL returns one row per cohort member; the
 * engine aggregates totals and breakdowns inside DuckDB and brings only those to JS.
 *
 * Member rows (see metrics/README.md): la, as_at, r, child, num, den
 *   and optionally: unknown (1 = member with unknown value, not in den), dob (overrides the Header DOB for age bands).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { IsoDate } from '../core/dates.js';
import { REFERENCE_DIR } from '../core/paths.js';
import { fileSha256 } from './reference.js';
import { lit, type Store } from '../store/store.js';
import type { Dimension, MetricDef } from './types.js';

export interface CalcPoint {
  la: string; // ONS code, the snapshot key
  laDfe: string; // DfE 3-digit code
  asAt: IsoDate; // the snapshot (extract) date
  r: IsoDate; // the reference date computed at (asAt itself, or earlier for history)
}

export interface Aggregate {
  la: string;
  asAt: IsoDate;
  r: IsoDate;
  kpiId: string;
  numerator: number | null;
  denominator: number | null;
  children: number;
  unknown: number;
}

export interface BreakdownAggregate extends Aggregate {
  dimension: Dimension;
  category: string;
}

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');
/** The SQL building blocks, from the source folder (dist has no .sql files). */
function sqlDir(): string {
  if (existsSync(SQL_DIR)) return SQL_DIR;
  return SQL_DIR.replace(/[\\/]dist[\\/]pipeline[\\/]/, '/pipeline/');
}

/** Split a SQL script into statements (no semicolons inside the SQL's string literals, please). */
export function splitSql(script: string): string[] {
  return script
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface EngineOptions {
  /** A full ONSPD unit-level file (CSV with pcd, easting, northing[, utla_code]) for exact distances. */
  unitPostcodes?: string;
}

/**
 * The boundary-unit file keyed by compact postcode (586k rows), from the shipped CSV: what
 * 30_distance.sql joins on. Parsing the gzipped CSV takes seconds, so a copy of this table
 * is shipped as Parquet (UNITS_K_PARQUET, built by data-samples/reference-derived.ts and
 * checked against this query by test/kpi-prepare-reference.test.ts) and read instead, when
 * the SHA-256 of the CSV it was built from (its key-value metadata UNITS_SOURCE_KEY) is the
 * CSV's: a CSV refreshed without rebuilding the copy is read itself.
 */
export const UNITS_CSV = join(REFERENCE_DIR, 'postcode_units_boundary.csv.gz');
export const UNITS_K_PARQUET = join(REFERENCE_DIR, 'postcode_units_boundary_k.parquet');
export const UNITS_SOURCE_KEY = 'source_sha256';
export const unitsKeyedFromCsv = (csv = UNITS_CSV) => `SELECT replace(upper(pcd), ' ', '') AS key, any_value(utla_code) AS utla_code
    FROM read_csv(${lit(csv)}, header = true, delim = ',', quote = '"', all_varchar = true) GROUP BY 1`;

/** The version key of the source reference files (content hash): a change rebuilds the stored copy. */
const REF_FORMAT = 3;
const referenceVersion = (files: string[]): string =>
  createHash('sha256').update(`format ${REF_FORMAT}\n${files.map(fileSha256).join('\n')}`).digest('hex').slice(0, 16);

/** Whether a Parquet copy of the units (by default the shipped one) was built from the CSV as it is now. */
export async function unitsParquetFresh(store: Store, parquet = UNITS_K_PARQUET, csv = UNITS_CSV): Promise<boolean> {
  if (!existsSync(parquet)) return false;
  const row = await store.one<{ v: string }>(`SELECT decode(value) AS v FROM parquet_kv_metadata(${lit(parquet)}) WHERE decode(key) = ${lit(UNITS_SOURCE_KEY)}`).catch(() => undefined);
  return row?.v === fileSha256(csv);
}

/**
 * Load reference tables into this connection, once. The postcode sectors are parsed from CSV
 * once per store and kept in it (ref_sectors_stored, keyed by a content hash in store_meta), so
 * a process start does not re-read them. The boundary units (586k rows) are read where they are
 * joined, from the shipped Parquet copy (a TEMP view): it is sorted by key, so DuckDB reads only
 * the row groups whose keys a council's postcodes fall in (pc_lookup ~30 ms, against ~21 ms over
 * a stored copy), and a new store no longer copies them in (~0.4 s of CPU, ~4 MB of its file).
 * Should the Parquet copy not be the CSV's (unitsParquetFresh), the units are parsed from the
 * CSV and kept in the store as before (ref_units_boundary_k_stored). Read-only and in-memory
 * stores read the sectors into TEMP tables (and the units through the view, or from the CSV).
 */
const referenceLoaded = new WeakSet<Store>();
/** The reference tables kept in a writable store (made by ensureReference, taken back by unprepareStored). */
const STORED_REF = { sectors: 'ref_sectors_stored', units: 'ref_units_boundary_k_stored' } as const;
/** The store_meta keys under which prepare() records what it keeps in the store. */
const META = { reference: 'reference_version', baseVersion: 'kpi_base_version', baseObjects: 'kpi_base_objects' } as const;
/** The unit-postcode file ref_units_grid was read from, per connection ('' = none). */
const unitGridSource = new WeakMap<Store, string>();
/** Whether the shipped Parquet units are the CSV's: checked once per process (the run's two connections ask). */
let shippedUnitsFresh: Promise<boolean> | null = null;
/** For tests: take the shipped Parquet units as the CSV's copy (true) or not (false), or check them again (null). */
export function assumeShippedUnitsFresh(fresh: boolean | null): void {
  shippedUnitsFresh = fresh === null ? null : Promise.resolve(fresh);
}

async function ensureReference(store: Store, opts: EngineOptions): Promise<void> {
  if (referenceLoaded.has(store)) return ensureUnitGrid(store, opts);
  const have = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'ref_units_grid' AND temporary`);
  if (have?.n) {
    referenceLoaded.add(store);
    return ensureUnitGrid(store, opts);
  }
  const sectors = join(REFERENCE_DIR, 'postcode_sectors.csv');
  const readSectors = `SELECT sector, easting::DOUBLE AS easting, northing::DOUBLE AS northing, utla_code
    FROM read_csv(${lit(sectors)}, header = true, delim = ',', quote = '"', all_varchar = true)`;
  shippedUnitsFresh ??= unitsParquetFresh(store).catch((e: unknown) => {
    shippedUnitsFresh = null; // asked again by the next connection
    throw e;
  });
  const parquet = await shippedUnitsFresh;
  const readParquet = `SELECT key, utla_code FROM read_parquet(${lit(UNITS_K_PARQUET)})`;
  // the key names where the units come from: a store that kept them from the CSV drops them
  // once the Parquet copy is fresh, and keeps them again should it not be
  const version = `${referenceVersion([sectors, UNITS_CSV])}${parquet ? '' : ':csv'}`;
  let persisted = false;
  const stored = await store.one<{ value: string }>(`SELECT value FROM duckdb_tables() t, store_meta m
    WHERE t.table_name = ${lit(STORED_REF.sectors)} AND t.schema_name = 'main' AND NOT t.temporary AND m.key = ${lit(META.reference)}`).catch(() => undefined);
  if (stored?.value === version) persisted = true;
  else if (store.path !== ':memory:') {
    try {
      await store.transaction(async () => {
        await store.run(`CREATE OR REPLACE TABLE main.${STORED_REF.sectors} AS ${readSectors}`);
        await store.run(parquet ? `DROP TABLE IF EXISTS main.${STORED_REF.units}` : `CREATE OR REPLACE TABLE main.${STORED_REF.units} AS ${unitsKeyedFromCsv()} ORDER BY 1`);
        await store.run(`INSERT OR REPLACE INTO store_meta VALUES (${lit(META.reference)}, ${lit(version)})`);
      });
      persisted = true;
    } catch {
      persisted = false; // a read-only store: read the files into this connection instead
    }
  }
  if (persisted) await store.run(`CREATE OR REPLACE TEMP VIEW ref_sectors AS SELECT * FROM ${STORED_REF.sectors}`);
  else await store.run(`CREATE OR REPLACE TEMP TABLE ref_sectors AS ${readSectors}`);
  if (parquet) await store.run(`CREATE OR REPLACE TEMP VIEW ref_units_boundary_k AS ${readParquet}`);
  else if (persisted) await store.run(`CREATE OR REPLACE TEMP VIEW ref_units_boundary_k AS SELECT * FROM ${STORED_REF.units}`);
  else await store.run(`CREATE OR REPLACE TEMP TABLE ref_units_boundary_k AS ${unitsKeyedFromCsv()}`);
  // what 30_distance.sql keys by compact postcode (already compact and upper case here)
  await store.run(`CREATE OR REPLACE TEMP VIEW ref_units_boundary AS
    SELECT key AS pcd, NULL::DOUBLE AS easting, NULL::DOUBLE AS northing, utla_code FROM ref_units_boundary_k`);
  await ensureUnitGrid(store, opts);
  referenceLoaded.add(store);
}

/**
 * ref_units_grid: the full unit-level postcode file of this computation (a council's config
 * `unitPostcodes`), or empty. Re-read when a later computation on this connection names another
 * file (the councils of a pool may differ).
 */
async function ensureUnitGrid(store: Store, opts: EngineOptions): Promise<void> {
  const want = opts.unitPostcodes ?? '';
  if (unitGridSource.get(store) === want) return;
  if (want) {
    await store.run(`CREATE OR REPLACE TEMP TABLE ref_units_grid AS SELECT upper(trim(regexp_replace(pcd, '\\s+', ' ', 'g'))) AS pcd, easting::DOUBLE AS easting, northing::DOUBLE AS northing
      FROM read_csv(${lit(want)}, header = true, all_varchar = true) WHERE easting IS NOT NULL`);
  } else {
    await store.run(`CREATE OR REPLACE TEMP TABLE ref_units_grid (pcd VARCHAR, easting DOUBLE, northing DOUBLE)`);
  }
  unitGridSource.set(store, want);
}

/** The points table; part of the persisted base objects' key (the views bind to its columns). */
const CALC_DDL = `CREATE OR REPLACE TEMP TABLE calc (la VARCHAR, la_dfe VARCHAR, as_at DATE, r DATE)`;
/** Bump when the way prepare() persists the base objects changes. */
const BASE_FORMAT = 1;
const CREATE_RE = /^CREATE\s+OR\s+REPLACE\s+TEMP\s+(MACRO|VIEW)\s+(\w+)/i;

interface BaseSql {
  /** Every statement of sql/*.sql, in order. */
  stmts: string[];
  /** Per statement: the macro or view it creates (null: a statement run in every prepare as written). */
  objects: ({ kind: 'MACRO' | 'VIEW'; name: string } | null)[];
  /** Content hash of the statements (and of what they bind to): the key of the persisted copy. */
  version: string;
}
let baseSqlCache: BaseSql | null = null;
/** The SQL building blocks, read and split once per process. */
function baseSql(): BaseSql {
  if (baseSqlCache) return baseSqlCache;
  const dir = sqlDir();
  const stmts: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.sql')).sort()) stmts.push(...splitSql(readFileSync(join(dir, f), 'utf8')));
  const objects = stmts.map((s) => {
    const m = CREATE_RE.exec(s);
    return m ? { kind: m[1]!.toUpperCase() as 'MACRO' | 'VIEW', name: m[2]! } : null;
  });
  const h = createHash('sha256').update(`base format ${BASE_FORMAT}\n${CALC_DDL}\n${MATERIALISED.join(',')}\n`);
  for (const s of stmts) h.update(`${s}\n;\n`);
  baseSqlCache = { stmts, objects, version: h.digest('hex').slice(0, 16) };
  return baseSqlCache;
}

/**
 * Make the macros and views of sql/*.sql usable in this connection. They are kept in the
 * store (main schema), created once per version of the SQL text (the key, with the store
 * schema version, is in store_meta as kpi_base_version), so a run does not re-create and
 * re-bind its 66 macros and views. A store that cannot be written (read-only, or an older copy there)
 * and an in-memory store get TEMP copies, as before. TEMP objects of the same names win
 * over the stored ones wherever they are used (DuckDB looks in temp before main): the
 * per-run overrides (config parameters, the mat_ redirects) keep working; TEMP copies left
 * by an earlier prepare on this connection are dropped first.
 */
async function ensureBase(store: Store): Promise<void> {
  const base = baseSql();
  const runAs = async (stmts: string[]) => {
    if (stmts.length) await store.run(stmts.join(';\n'));
  };
  const temp = () => runAs(base.stmts);
  if (store.path === ':memory:') return temp();
  const meta = await store.all<{ key: string; value: string }>(`SELECT key, value FROM store_meta WHERE key IN ('schema_version', ${lit(META.baseVersion)}, ${lit(META.baseObjects)})`).catch(() => []);
  const get = (k: string) => meta.find((m) => m.key === k)?.value;
  const version = `${base.version}:${get('schema_version') ?? '?'}`;
  if (get(META.baseVersion) !== version) {
    try {
      await store.transaction(async () => {
        // objects of an earlier version that this one no longer has
        const names = new Set(base.objects.map((o) => (o ? `${o.kind} ${o.name}` : '')));
        const old = (JSON.parse(get(META.baseObjects) ?? '[]') as string[]).filter((o) => !names.has(o));
        await runAs(dropStoredObjects(old));
        await runAs(base.stmts.map((s, i) => (base.objects[i] ? s.replace(/^(CREATE\s+OR\s+REPLACE\s+)TEMP\s+/i, '$1') : s)));
        await store.run(`INSERT OR REPLACE INTO store_meta VALUES (${lit(META.baseVersion)}, ${lit(version)}), (${lit(META.baseObjects)}, ${lit(JSON.stringify(base.objects.filter((o) => o).map((o) => `${o!.kind} ${o!.name}`)))})`);
      });
    } catch {
      return temp(); // a read-only store (or one written by another version): this connection's own copies
    }
  }
  // TEMP copies (an earlier prepare or parameters on this connection) would hide the stored objects
  await runAs([
    ...base.objects.filter((o) => o?.kind === 'VIEW').map((o) => `DROP VIEW IF EXISTS temp.main.${o!.name}`),
    ...base.objects.filter((o) => o?.kind === 'MACRO').map((o) => `DROP MACRO IF EXISTS temp.main.${o!.name}`),
    ...base.stmts.filter((_, i) => !base.objects[i]),
  ]);
}

/** DROP statements for stored base objects ('VIEW name' / 'MACRO name'): views first, in reverse order of creation. */
function dropStoredObjects(objects: string[]): string[] {
  return [...objects.filter((o) => o.startsWith('VIEW ')), ...objects.filter((o) => o.startsWith('MACRO '))].reverse()
    .map((o) => `DROP ${o.split(' ')[0]} IF EXISTS main.${o.split(' ')[1]}`);
}

const PREPARED_KEYS = Object.values(META);

/**
 * What prepare() keeps in the store, made now on this connection if the store lacks it or holds
 * another version: the reference tables (ensureReference) and the base macros and views
 * (ensureBase). `run` calls it on a second connection while the extract loads (pipeline/cli/
 * compute.ts prepareStoredAhead): for a new store that is the postcode sectors copied in and 66
 * objects created and bound, no longer between the load and the KPIs; prepare() then
 * finds them stored. Its TEMP objects are this connection's own. In-memory stores keep nothing.
 */
export async function prepareStored(store: Store): Promise<void> {
  if (store.path === ':memory:') return;
  await ensureReference(store, {});
  await store.run(CALC_DDL); // the base views bind to calc's columns
  await ensureBase(store);
}

/** Whether the store holds nothing of what prepare() keeps (a new store, or one never computed from). */
export async function storeUnprepared(store: Store): Promise<boolean> {
  if (store.path === ':memory:') return false;
  const n = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM store_meta WHERE key IN (${PREPARED_KEYS.map(lit).join(', ')})`).catch(() => undefined);
  return n?.n === 0;
}

/**
 * Take back what prepareStored made in a store that had none of it (storeUnprepared was true):
 * its reference tables, base objects and store_meta keys, in one transaction. The store is then
 * as it was before, table for table and key for key.
 */
export async function unprepareStored(store: Store): Promise<void> {
  await store.transaction(async () => {
    const listed = await store.one<{ value: string }>(`SELECT value FROM store_meta WHERE key = ${lit(META.baseObjects)}`);
    const drops = [
      ...dropStoredObjects(JSON.parse(listed?.value ?? '[]') as string[]),
      ...Object.values(STORED_REF).map((t) => `DROP TABLE IF EXISTS main.${t}`),
      `DELETE FROM store_meta WHERE key IN (${PREPARED_KEYS.map(lit).join(', ')})`,
    ];
    await store.run(drops.join(';\n'));
  });
}

/** Create `calc` for these points and make the base views usable (stored, or TEMP: see ensureBase). */
export async function prepare(store: Store, points: CalcPoint[], opts: EngineOptions = {}): Promise<void> {
  await ensureReference(store, opts);
  await store.run(CALC_DDL);
  if (points.length) {
    const values = points.map((p) => `(${lit(p.la)}, ${lit(p.laDfe)}, DATE ${lit(p.asAt)}, DATE ${lit(p.r)})`).join(',\n');
    await store.run(`INSERT INTO calc VALUES ${values}`);
  }
  await ensureBase(store);
  // Views that many metrics (and other views, several times over) build on are computed
  // once per prepare: DuckDB inlines a view at every reference, so the window functions of
  // ep_x would otherwise run in every metric that reads episodes. One call for all of them:
  // DuckDB runs the statements in turn without coming back to this thread between them, so a
  // busy event loop (the render modules loading meanwhile) does not hold the next one up.
  await store.run(MATERIALISED.map((v) => `CREATE OR REPLACE TEMP TABLE mat_${v} AS SELECT * FROM ${v};\nCREATE OR REPLACE TEMP VIEW ${v} AS SELECT * FROM mat_${v}`).join(';\n'));
}

/**
 * Base views materialised by prepare(), in dependency order. The per-snapshot ones (sbo_snap,
 * cl_oc3_snap, edu_dob_snap, health_oc2_snap) and the per-unit ones (ep_tied, ep_place_codes,
 * ep_x, ep_spells: see 10_periods.sql) are computed once whatever the number of reference
 * dates; the per-point ones hold one row per child (or OC3 row) and point at most.
 */
export const MATERIALISED = [
  'sbo_snap', 'ep_tied', 'ep_place_codes', 'ep_x', 'ep_spells', 'ep_open_x', 'pc_lookup', 'placement_at_r',
  'cl_oc3_snap', 'cl_oc3_flags', 'cl_cohort', 'cl_tracking_cohort',
  'edu_dob_snap', 'edu_school_age', 'edu_attendance', 'edu_pep_cohort', 'health_oc2_snap', 'health_cohort',
];

/**
 * Breakdown categories, over the columns of `j`: sex, ethnic (Header), dob (the member's own
 * or the Header's), age (age_on(dob, r), computed once per row: the age_on macro expands to
 * a large expression, five times over it made each breakdown query ten times slower),
 * uasc_child. The Header's categories are worked out once per child and point (childDims),
 * not once per member row of every metric.
 */
const DIM_SQL: Record<Dimension, string> = {
  sex: `CASE upper(j.sex) WHEN '1' THEN 'Male' WHEN 'M' THEN 'Male' WHEN '2' THEN 'Female' WHEN 'F' THEN 'Female' ELSE 'Not known' END`,
  age_band: `CASE
  WHEN j.dob IS NULL THEN 'Not known'
  WHEN j.age < 5 THEN 'Under 5'
  WHEN j.age < 10 THEN '5 to 9'
  WHEN j.age < 16 THEN '10 to 15'
  WHEN j.age < 18 THEN '16 to 17'
  WHEN j.age < 21 THEN '18 to 20'
  ELSE '21 and over' END`,
  ethnicity: `CASE WHEN upper(j.ethnic) IN ('CHNE', 'OOTH') THEN 'Other'
    WHEN j.ethnic IS NULL OR upper(j.ethnic) IN ('REFU', 'NOBT') THEN 'Not known'
    WHEN upper(j.ethnic) LIKE 'W%' THEN 'White' WHEN upper(j.ethnic) LIKE 'M%' THEN 'Mixed'
    WHEN upper(j.ethnic) LIKE 'A%' THEN 'Asian' WHEN upper(j.ethnic) LIKE 'B%' THEN 'Black' ELSE 'Not known' END`,
  uasc: `CASE WHEN j.uasc_child IS NOT NULL THEN 'UASC' ELSE 'Not UASC' END`,
};

/** What a dimension's category is for a member with no Header or UASC row (all of j NULL). */
const DIM_NONE: Record<Dimension, string> = { sex: 'Not known', age_band: 'Not known', ethnicity: 'Not known', uasc: 'Not UASC' };

export interface MetricAggregates { totals: Aggregate[]; breakdowns: BreakdownAggregate[] }

/** Run one metric over every prepared point: totals and breakdowns. */
export async function computeMetric(store: Store, def: MetricDef): Promise<MetricAggregates> {
  return (await computeMetrics(store, [def]))[0]!;
}

const REQUIRED = ['la', 'as_at', 'r', 'child', 'num', 'den'];
type Columns = Map<string, string>; // column name -> DuckDB type

/** The columns (and types) of these temp tables, in one query. */
async function columnsOf(store: Store, tables: string[]): Promise<Map<string, Columns>> {
  const out = new Map<string, Columns>(tables.map((t) => [t, new Map()]));
  if (!tables.length) return out;
  if (tables.length === 1) {
    // one table (a metric on its own): DESCRIBE is cheaper than a scan of the catalogue
    const rows = await store.all<{ c: string; ty: string }>(`SELECT column_name AS c, column_type AS ty FROM (DESCRIBE ${tables[0]})`);
    for (const r of rows) out.get(tables[0]!)!.set(r.c, r.ty);
    return out;
  }
  const rows = await store.all<{ t: string; c: string; ty: string }>(`SELECT table_name AS t, column_name AS c, data_type AS ty FROM duckdb_columns()
    WHERE database_name = 'temp' AND table_name IN (${tables.map(lit).join(', ')}) ORDER BY table_name, column_index`);
  for (const r of rows) out.get(r.t)?.set(r.c, r.ty);
  return out;
}

function requireColumns(def: MetricDef, cols: Columns): void {
  for (const need of REQUIRED) {
    if (!cols.has(need)) throw new Error(`metric ${def.id}: its SQL must return a column named ${need}`);
  }
}

export interface ComputeMetricsOptions {
  /** Breakdowns only at the points whose r is the snapshot's own date (what a KpiRun shows); totals at every point. */
  breakdownsAtAsAtOnly?: boolean;
  /**
   * Small work (one council): every metric's member table in one call, so that DuckDB goes
   * from one to the next without waiting for this thread (busy loading the renderer), and
   * onMetric is not called. Should a metric fail, they are run again one at a time, which
   * names it.
   */
  batch?: boolean;
}

/**
 * Run these metrics over every prepared point. Each metric's member rows are materialised
 * (m_<id>), then the totals and breakdowns of all of them come back from ONE aggregate query
 * over a UNION ALL of the member tables (a kpi_id column tells them apart): the Header and
 * UASC joins of the breakdowns are planned and run once, not once per metric.
 */
export async function computeMetrics(
  store: Store,
  defs: MetricDef[],
  onMetric?: (index: number, def: MetricDef) => void,
  opts: ComputeMetricsOptions = {},
): Promise<MetricAggregates[]> {
  const tables = defs.map((d) => `m_${d.id}`);
  try {
    // a line comment may end a metric's SQL: the separator goes on a line of its own
    const batched = opts.batch && defs.length > 1 ? await store.run(defs.map((def, i) => `CREATE OR REPLACE TEMP TABLE ${tables[i]} AS ${def.sql}\n`).join(';\n')).then(() => true, () => false) : false;
    if (!batched) for (const [i, def] of defs.entries()) {
      onMetric?.(i, def);
      try {
        await store.run(`CREATE OR REPLACE TEMP TABLE ${tables[i]} AS ${def.sql}`);
      } catch (err) {
        // the metrics before this one are checked first, as when each ran on its own
        const cols = await columnsOf(store, tables.slice(0, i));
        for (let j = 0; j < i; j++) requireColumns(defs[j]!, cols.get(tables[j]!)!);
        throw new Error(`metric ${def.id} (${def.file}): ${(err as Error).message}`, { cause: err });
      }
    }
    const cols = await columnsOf(store, tables);
    defs.forEach((def, i) => requireColumns(def, cols.get(tables[i]!)!));
    return await aggregateAll(store, defs, defs.map((_, i) => cols.get(tables[i]!)!), opts);
  } finally {
    if (tables.length) await store.run(tables.map((t) => `DROP TABLE IF EXISTS ${t}`).join(';\n'));
  }
}

function totalOf(def: MetricDef, t: Record<string, unknown>): Aggregate {
  return {
    la: t.la as string,
    asAt: t.as_at as string,
    r: t.r as string,
    kpiId: def.id,
    numerator: def.unit === 'count' ? ((t.members as number) ? (t.numerator as number) : 0) : ((t.numerator as number | null) ?? 0),
    denominator: def.unit === 'count' ? null : ((t.denominator as number | null) ?? 0),
    children: t.children as number,
    unknown: t.unknown as number,
  };
}

function breakdownOf(def: MetricDef, row: Record<string, unknown>, dimension: Dimension): BreakdownAggregate {
  return {
    la: row.la as string,
    asAt: row.as_at as string,
    r: row.r as string,
    kpiId: def.id,
    dimension,
    category: row[dimension] as string,
    numerator: (row.numerator as number | null) ?? 0,
    denominator: def.unit === 'count' ? null : ((row.denominator as number | null) ?? 0),
    children: row.children as number,
    unknown: 0,
  };
}

const sortBreakdowns = (rows: BreakdownAggregate[]) =>
  rows.sort((a, b) => a.la.localeCompare(b.la) || a.r.localeCompare(b.r) || a.dimension.localeCompare(b.dimension) || a.category.localeCompare(b.category));

/**
 * The breakdown categories of every child (Header and UASC) at every point (at the points
 * whose r is the snapshot's date only, when atAsAtOnly): one row per (la, as_at, r, child)
 * with each dimension's category (the age band from the Header DOB).
 */
function childDims(dims: Dimension[], atAsAtOnly: boolean): string {
  const pts = atAsAtOnly ? ' WHERE r = as_at' : '';
  return `SELECT j.la, j.as_at, j.r, j.child${dims.map((d) => `, ${DIM_SQL[d]} AS ${d}`).join('')}
      FROM (
        SELECT coalesce(h.la, u.la) AS la, coalesce(h.as_at, u.as_at) AS as_at, coalesce(h.r, u.r) AS r, coalesce(h.child, u.child) AS child,
          h.sex, h.ethnic, h.dob, age_on(h.dob, coalesce(h.r, u.r)) AS age, u.child AS uasc_child
        FROM (SELECT DISTINCT ON (la, as_at, r, child) * FROM hdr${pts}) h
        FULL JOIN (SELECT * FROM uasc_c${pts}) u ON u.la = h.la AND u.as_at = h.as_at AND u.r = h.r AND u.child = h.child
      ) j`;
}

/**
 * All the metrics' totals and breakdowns in one query. Member counts are summed as DOUBLE,
 * the type of every figure that leaves the engine: exact for whole-number counts (up to
 * 2^53), and a metric whose num/den are fractional is summed as it would be on its own.
 * Breakdowns: the member rows are summed per (metric, point, category of every dimension)
 * first, then per dimension over those few rows.
 */
async function aggregateAll(store: Store, defs: MetricDef[], cols: Columns[], opts: ComputeMetricsOptions): Promise<MetricAggregates[]> {
  const members = (list: MetricDef[], where = '') => list.map((def) => {
    const c = cols[defs.indexOf(def)]!;
    return `SELECT ${lit(def.id)} AS kpi_id, la, as_at, r, child, num::DOUBLE AS num, den::DOUBLE AS den,
      ${c.has('unknown') ? 'unknown::DOUBLE' : 'NULL::DOUBLE'} AS unknown, ${c.has('dob') ? 'dob' : 'NULL::DATE'} AS dob FROM m_${def.id}${where}`;
  }).join('\n      UNION ALL ');
  const dims = [...new Set(defs.flatMap((d) => d.breakdowns))].sort();
  const withBd = defs.filter((d) => d.breakdowns.length);
  const dimNull = dims.map((d) => `NULL::VARCHAR AS ${d}`).join(', ');
  // totals: every metric at every point, members or none (summed per point first, then
  // joined to the points: no join of every member row)
  const parts = [`
    SELECT 0 AS part, k.kpi_id, c.la, c.as_at, c.r${dims.length ? `, ${dimNull}` : ''},
      t.numerator, t.denominator, coalesce(t.children, 0)::INT AS children, coalesce(t.unknown, 0)::INT AS unknown, coalesce(t.members, 0)::INT AS members
    FROM (SELECT DISTINCT la, as_at, r FROM calc) c CROSS JOIN (SELECT unnest([${defs.map((d) => lit(d.id)).join(', ')}]) AS kpi_id) k
    LEFT JOIN (
      SELECT kpi_id, la, as_at, r, sum(num)::DOUBLE AS numerator, sum(den)::DOUBLE AS denominator,
        count(child) FILTER (WHERE den > 0)::INT AS children, coalesce(sum(unknown), 0)::INT AS unknown, count(child)::INT AS members
      FROM (${members(defs)})
      GROUP BY kpi_id, la, as_at, r
    ) t ON t.kpi_id = k.kpi_id AND t.la = c.la AND t.as_at = c.as_at AND t.r = c.r`];
  if (withBd.length) {
    const sets = dims.map((d) => `(kpi_id, la, as_at, r, ${d})`).join(', ');
    // a member's own DOB (care leavers) decides its age band; else the Header's
    const cat = (d: Dimension) => (d === 'age_band'
      ? `CASE WHEN m.dob IS NULL THEN coalesce(cd.age_band, ${lit(DIM_NONE[d])}) ELSE ${DIM_SQL[d].replace(/\bj\.dob\b/g, 'm.dob').replace(/\bj\.age\b/g, 'm.age')} END`
      : `coalesce(cd.${d}, ${lit(DIM_NONE[d])})`);
    parts.push(`
    SELECT 1 AS part, kpi_id, la, as_at, r, ${dims.join(', ')},
      sum(n)::DOUBLE AS numerator, sum(d)::DOUBLE AS denominator, sum(c)::INT AS children, 0 AS unknown, 0 AS members
    FROM (
      SELECT m.kpi_id, m.la, m.as_at, m.r, ${dims.map((d) => `${cat(d)} AS ${d}`).join(', ')},
        sum(m.num) AS n, sum(m.den) AS d, count(m.child) FILTER (WHERE m.den > 0) AS c
      FROM (SELECT *, CASE WHEN dob IS NOT NULL THEN age_on(dob, r) END AS age
        FROM (${members(withBd, opts.breakdownsAtAsAtOnly ? ' WHERE r = as_at' : '')})) m
      LEFT JOIN (${childDims(dims, !!opts.breakdownsAtAsAtOnly)}) cd ON cd.la = m.la AND cd.as_at = m.as_at AND cd.r = m.r AND cd.child = m.child
      GROUP BY ALL
    )
    GROUP BY GROUPING SETS (${sets})`);
  }
  const rows = await store.all<Record<string, unknown>>(`
    SELECT part, kpi_id, la, strftime(as_at, '%Y-%m-%d') AS as_at, strftime(r, '%Y-%m-%d') AS r${dims.length ? `, ${dims.join(', ')}` : ''},
      numerator, denominator, children, unknown, members
    FROM (${parts.join('\n    UNION ALL')})
    ORDER BY part, kpi_id, la, as_at, r`);
  const byId = new Map(defs.map((d) => [d.id, { def: d, totals: [] as Aggregate[], breakdowns: [] as BreakdownAggregate[] }]));
  for (const row of rows) {
    const m = byId.get(row.kpi_id as string)!;
    if (row.part === 0) m.totals.push(totalOf(m.def, row));
    else {
      const dimension = dims.find((d) => row[d] !== null && row[d] !== undefined)!;
      if (m.def.breakdowns.includes(dimension)) m.breakdowns.push(breakdownOf(m.def, row, dimension));
    }
  }
  return defs.map((d) => {
    const m = byId.get(d.id)!;
    return { totals: m.totals, breakdowns: sortBreakdowns(m.breakdowns) };
  });
}
