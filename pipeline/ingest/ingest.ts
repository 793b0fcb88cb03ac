/**
 * Ingest: recognise the files of an extract folder, stage them into TEMP tables of the
 * store's connection (stg_<table>, nothing persistent; a large load stages into attached
 * in-memory databases instead), validate them with SQL rules, and, when there is no error,
 * replace the snapshot (la, as_at) in one transaction.
 *
 * Row data never comes to JS: DuckDB reads the files; JS only streams the bytes once for
 * the encoding and structure checks and the line map (physical line of each row).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listValue, LIST, INTEGER } from '../store/duckdb.js';
import type { Store } from '../store/store.js';
import { lit } from '../store/store.js';
import { nowDate, type IsoDate } from '../core/dates.js';
import { folderBytes } from '../core/paths.js';
import { TABLES, sqlType, type TableDef } from './contract.js';
import { problem, sortProblems, type Problem } from './problems.js';
import { readHeader, scanFile, type EncodingProblem, type ScanResult, type StructureProblem } from './scan.js';
import { MACROS, PROBLEM_COLUMNS, colId, crossChecksSql, rowChecks, rowChecksSql, typedExpr } from './rules.js';

export type { Problem } from './problems.js';
export { writeProblemsCsv, sortProblems, problemsCsv } from './problems.js';

/** Rows reported per rule per file; the rest are counted in one summary problem. */
export const MAX_ROWS_PER_RULE = 1000;

export interface ExtractFile {
  /** File name relative to the extract folder. */
  path: string;
  /** Contract table the file was recognised as, or null (not loaded). */
  table: string | null;
  /** Header row column names as written (trimmed). */
  columns: string[];
  bytes: number;
  /** SHA-256 of the file's bytes (provenance), '' when the file was not read in full. */
  sha256: string;
  /** Data rows read (excluding the header, blank and empty rows). */
  rows: number;
  /** Whether the file's rows are in the staged tables. */
  staged: boolean;
}

export interface IngestResult {
  problems: Problem[];
  files: ExtractFile[];
  /** Rows staged per contract table (every table, 0 when absent). */
  rowCounts: Record<string, number>;
}

export interface IngestOptions {
  la: string;
  asAt: IsoDate;
  onProgress?: (msg: string) => void;
}

const SKIP_NAMES = /^(manifest\.json|thumbs\.db|desktop\.ini)$/i;
const SHARED_COLUMNS = new Set(['CHILD', 'DOB', 'SEX', 'UPN']);

/** Which contract table a header looks like: the best overlap of column names. */
export function matchTable(names: string[]): TableDef | null {
  let best: { t: TableDef; overlap: number; coverage: number } | null = null;
  const set = new Set(names);
  for (const t of TABLES) {
    const cols = t.columns.map((c) => c.name);
    const overlap = cols.filter((c) => set.has(c)).length;
    const distinctive = cols.filter((c) => set.has(c) && !SHARED_COLUMNS.has(c)).length;
    if (distinctive === 0) continue;
    const req = t.columns.filter((c) => c.required);
    const coverage = req.filter((c) => set.has(c.name)).length / req.length;
    if (!best || overlap > best.overlap || (overlap === best.overlap && coverage > best.coverage)) best = { t, overlap, coverage };
  }
  return best?.t ?? null;
}

const describeTables = () =>
  TABLES.map((t) => `${t.label}: ${t.columns.filter((c) => c.required).map((c) => c.name).join(', ')}`).join('; ');

function encodingMessage(e: EncodingProblem): string {
  switch (e.kind) {
    case 'utf16':
      return 'The file is saved as UTF-16 (Unicode text), not UTF-8. Open it in Excel and save it as "CSV UTF-8 (Comma delimited)".';
    case 'excel':
      return 'The file is an Excel workbook, not a CSV file. Open it in Excel and save it as "CSV UTF-8 (Comma delimited)".';
    case 'nul':
      return `The file contains NUL bytes (line ${e.line}): it is not a text CSV file (perhaps UTF-16 or a binary file). Save it as "CSV UTF-8 (Comma delimited)".`;
    case 'invalid-utf8':
      return `Line ${e.line} is not valid UTF-8 (byte 0x${(e.byte ?? 0).toString(16).toUpperCase().padStart(2, '0')}, perhaps a £ sign or an accented letter): the file was probably saved as "CSV (Comma delimited)" (Windows-1252). Open it in Excel and save it as "CSV UTF-8 (Comma delimited)".`;
  }
}

function structureMessage(s: StructureProblem, columns: number): string {
  switch (s.kind) {
    case 'field-count':
      return `This line has ${s.fields} value${s.fields === 1 ? '' : 's'} but the header row has ${columns} columns, so the row cannot be read. A value may contain an unquoted comma, or a comma may be missing: values that contain commas or line breaks must be in double quotes.`;
    case 'after-quote':
      return 'Text follows a closing double quote, so the row cannot be read. A value that starts with a double quote must end with one; write a double quote inside a value as two double quotes ("").';
    case 'unterminated-quote':
      return `A double quote opened on this line is never closed, so the rest of the file (${s.lines} line${s.lines === 1 ? '' : 's'}) cannot be read. Close the quote or remove it.`;
  }
}

interface Candidate {
  path: string;
  abs: string;
  bytes: number;
  names: string[]; // trimmed, upper case
  written: string[]; // trimmed, as written
  table: TableDef | null;
  ok: boolean; // may be staged
}

/** Run one statement; with CP_INGEST_TIMING=1 its duration goes to stderr (diagnostics). */
async function exec(store: Store, sql: string): Promise<void> {
  if (process.env.CP_INGEST_TIMING !== '1') return store.run(sql);
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  await store.run(sql);
  const c = process.cpuUsage(c0);
  process.stderr.write(`[ingest] ${Date.now() - t0} ms (cpu ${Math.round((c.user + c.system) / 1000)} ms) ${sql.replace(/\s+/g, ' ').slice(0, 140)}\n`);
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

/** `CREATE OR REPLACE TABLE|VIEW` of `name` in database `db` ('temp': a TEMP one, named unqualified). */
const createIn = (db: string, kind: 'TABLE' | 'VIEW', name: string) =>
  db === 'temp' ? `CREATE OR REPLACE TEMP ${kind} ${q(name)}` : `CREATE OR REPLACE ${kind} ${db}.${q(name)}`;

/**
 * Drop every staging table and view of this connection (stageExtract leaves them for the
 * caller to query; loadExtract drops them when done).
 */
export async function dropStaged(store: Store): Promise<void> {
  const like = `LIKE 'stg\\_%' ESCAPE '\\'`;
  const objects = await store.all<{ kind: string; name: string }>(`SELECT 'VIEW' AS kind, view_name AS name FROM duckdb_views() WHERE temporary AND view_name ${like}
    UNION ALL SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary AND table_name ${like} ORDER BY kind DESC, name`);
  // views first (they read the tables); one call for every statement
  if (objects.length) await store.run(objects.map((o) => `DROP ${o.kind} IF EXISTS temp.${q(o.name)};`).join('\n'));
}

/** One extract of a batch: a folder holding one council's files at one reference date. */
export interface ExtractSpec {
  dir: string;
  la: string;
  asAt: IsoDate;
}

/** A batch's extract while it is being staged. */
interface Ext {
  i: number;
  spec: ExtractSpec;
  problems: Problem[];
  files: ExtractFile[];
  rowCounts: Record<string, number>;
  /** Recognised file per table (ok: may be staged). */
  byTable: Map<string, Candidate>;
}

/** A staged file: which extract and table its rows belong to, and how they were read. */
interface Item {
  ext: Ext;
  t: TableDef;
  cand: Candidate;
  file: ExtractFile;
  scan: ScanResult;
  /** Rule group: the extracts of a table that share the same columns and reference date. */
  rg: number;
}

/** Recognise the files of one extract folder by their header rows (no data read yet). */
async function recognise(ext: Ext): Promise<void> {
  const { problems, files } = ext;
  const dir = ext.spec.dir;
  const root = resolve(dir);
  let entries: string[] = [];
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push(problem({ rule: 'no-folder', severity: 'error', message: `The extract folder ${dir} does not exist or is not a folder. Give the folder that holds the extract's CSV files.` }));
  } else {
    entries = readdirSync(root).filter((n) => !n.startsWith('.') && !n.startsWith('~$') && !/^readme/i.test(n) && !SKIP_NAMES.test(n)).sort();
  }
  const candidates: Candidate[] = [];
  for (const name of entries) {
    const abs = join(root, name);
    let st;
    try {
      st = statSync(abs);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const cand: Candidate = { path: name, abs, bytes: st.size, names: [], written: [], table: null, ok: false };
    candidates.push(cand);
    const file: ExtractFile = { path: name, table: null, columns: [], bytes: st.size, sha256: '', rows: 0, staged: false };
    files.push(file);
    if (st.size === 0) {
      problems.push(problem({ rule: 'empty-file', severity: 'error', file: name, message: 'The file is empty (0 bytes). Export it again, or remove it from the folder.' }));
      continue;
    }
    const h = await readHeader(abs);
    if (h.encoding) {
      problems.push(problem({ rule: 'encoding', severity: 'error', file: name, line: h.encoding.line, message: encodingMessage(h.encoding) }));
      continue;
    }
    if (h.emptyFirstLine) {
      problems.push(problem({ rule: 'no-header', severity: 'error', file: name, line: 1, message: 'The first line is empty. The first line of each file must be the header row (the column names).' }));
      continue;
    }
    cand.written = h.fields.map((f) => f.trim());
    cand.names = cand.written.map((f) => f.toUpperCase());
    file.columns = cand.written;
    if (h.fields.length === 1 && /[;\t]/.test(h.fields[0]!)) {
      const sep = h.fields[0]!.includes(';') ? ';' : '\t';
      const guess = matchTable(h.fields[0]!.split(sep).map((f) => f.trim().toUpperCase()));
      cand.table = guess;
      file.table = guess?.table ?? null;
      problems.push(problem({ rule: 'delimiter', severity: 'error', file: name, line: 1,
        message: `The file is separated by ${sep === ';' ? 'semicolons' : 'tabs'}, not commas. Save it as "CSV UTF-8 (Comma delimited)".` }));
      continue;
    }
    const t = matchTable(cand.names);
    if (!t) {
      problems.push(problem({ rule: 'unknown-file', severity: 'warning', file: name, line: 1,
        message: `Not recognised as a table of the extract, so it is not loaded. Files are recognised by their header row; the tables and their columns are: ${describeTables()}.` }));
      continue;
    }
    cand.table = t;
    file.table = t.table;
    cand.ok = true;
    const seen = new Map<string, number>();
    cand.names.forEach((n, i) => {
      if (n === '') {
        problems.push(problem({ rule: 'extra-column', severity: 'warning', file: name, line: 1, column: null,
          message: `Column ${i + 1} of the header row has no name: it is ignored.` }));
        return;
      }
      if (seen.has(n)) {
        problems.push(problem({ rule: 'duplicate-column', severity: 'error', file: name, line: 1, column: n,
          message: `The column ${n} appears twice in the header row (columns ${seen.get(n)! + 1} and ${i + 1}). Remove one of them.` }));
        cand.ok = false;
      } else seen.set(n, i);
      if (!t.columns.some((c) => c.name === n)) {
        problems.push(problem({ rule: 'extra-column', severity: 'warning', file: name, line: 1, column: n, value: cand.written[i]!,
          message: `${t.label} has no column ${n}: it is ignored.` }));
      }
    });
    for (const c of t.columns) {
      if (c.required && !seen.has(c.name)) {
        problems.push(problem({ rule: 'missing-column', severity: 'error', file: name, line: 1, column: c.name,
          message: `The ${t.label} file has no ${c.name} column. Add it to the header row (column names are matched in any order and any case).` }));
        cand.ok = false;
      }
    }
  }
  // one file per table; required tables present
  for (const cand of candidates) {
    if (!cand.table) continue;
    const prev = ext.byTable.get(cand.table.table);
    if (prev) {
      problems.push(problem({ rule: 'duplicate-table', severity: 'error', file: cand.path, line: 1,
        message: `This file and ${prev.path} both look like ${cand.table.label}. An extract has one file per table: remove one, or combine them.` }));
      cand.ok = false;
    } else ext.byTable.set(cand.table.table, cand);
  }
  for (const t of TABLES) {
    if (t.required && !ext.byTable.has(t.table)) {
      problems.push(problem({ rule: 'missing-table', severity: 'error',
        message: `No ${t.label} file was found. The extract must have one: a CSV file whose header row has ${t.columns.filter((c) => c.required).map((c) => c.name).join(', ')}.` }));
    }
  }
}

/** The byte pass over one recognised file: encoding, CSV structure, line map, SHA-256. */
async function scan(ext: Ext, cand: Candidate, file: ExtractFile, quick = true): Promise<ScanResult | null> {
  const n = cand.names.length;
  const res = await scanFile(cand.abs, n, { fieldsToReader: quick });
  file.sha256 = res.sha256;
  if (res.encoding) {
    ext.problems.push(problem({ rule: 'encoding', severity: 'error', file: cand.path, line: res.encoding.line, message: encodingMessage(res.encoding) }));
    return null;
  }
  for (const s of res.structure) {
    ext.problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path, line: s.line, message: structureMessage(s, n) }));
  }
  if (res.structureTotal > res.structure.length) {
    ext.problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path,
      message: `${res.structureTotal} rows in all cannot be read; only the first ${res.structure.length} are listed. Check that the file is comma-separated with one header row.` }));
  }
  return res;
}

/**
 * Recognise, stage and validate a batch of extract folders into TEMP tables of this store
 * connection: `stg_<table>` (every extract's rows, with `ext`, the extract's index in `specs`).
 * Each table of the whole batch is read with one `read_csv` per header layout and each rule
 * runs once over the batch, so the cost per statement is paid per batch, not per council.
 * Nothing persistent is written. Results come in the order of `specs`, problems sorted.
 */
export async function stageExtracts(store: Store, specs: ExtractSpec[], opts: { onProgress?: (msg: string) => void } = {}): Promise<IngestResult[]> {
  const prepared = await prepareBatch(specs);
  return smallOnOneThread(store, prepared.bytes, async () => (await stagePrepared(store, prepared, opts)).results);
}

interface Prepared {
  exts: Ext[];
  /** Per table, its files once their byte pass is done (tables in staging order, one after another). */
  items: Map<string, Promise<Item[]>>;
  /** Bytes of the recognised files (the batch's size). */
  bytes: number;
}

/**
 * Recognition of a batch's files (header rows), then their byte pass (JS only, no store), table by
 * table in the order they are staged: DuckDB reads and checks a table while the next tables'
 * files are scanned, and a batch may be prepared while the previous one is staged and stored.
 */
async function prepareBatch(specs: ExtractSpec[]): Promise<Prepared> {
  const exts: Ext[] = specs.map((spec, i) => ({
    i, spec, problems: [], files: [], rowCounts: Object.fromEntries(TABLES.map((t) => [t.table, 0])), byTable: new Map(),
  }));
  for (const ext of exts) await recognise(ext);
  const items = new Map<string, Promise<Item[]>>();
  let bytes = 0;
  let chain: Promise<unknown> = Promise.resolve();
  for (const t of TABLES) {
    const cands = exts.flatMap((ext) => {
      const cand = ext.byTable.get(t.table);
      return cand && cand.ok ? [{ ext, cand, file: ext.files.find((f) => f.path === cand.path)! }] : [];
    });
    bytes += cands.reduce((a, c) => a + c.cand.bytes, 0);
    const scanned = chain.then(async () => {
      const list: Item[] = [];
      const keys = new Map<string, number>(); // rule groups: reference date and columns present
      for (const { ext, cand, file } of cands) {
        const res = await scan(ext, cand, file);
        if (!res) continue;
        const present = t.columns.filter((c) => cand.names.includes(c.name)).map((c) => c.name);
        const key = `${ext.spec.asAt}|${present.join(',')}`;
        if (!keys.has(key)) keys.set(key, keys.size);
        list.push({ ext, t, cand, file, scan: res, rg: keys.get(key)! });
      }
      return list;
    });
    scanned.catch(() => undefined); // reported when awaited
    items.set(t.table, scanned);
    chain = scanned;
  }
  return { exts, items, bytes };
}

/**
 * A staged batch: which extracts may be stored (no error), known as soon as the checks are done, and
 * the results with every problem, which come while the batch is stored.
 */
interface Staged {
  ok: boolean[];
  results: Promise<IngestResult[]>;
}

/**
 * Where a batch's staged tables are put, and who hears when each is ready. By default every table
 * is TEMP on the staging connection. A load that stores a batch while it is still being staged puts
 * each table in an in-memory database of its own (attached: seen by every connection; one per
 * table, because a transaction sees a database as it was when the transaction first read it).
 */
interface Placement {
  /** The database that holds a table's staging (its raw reads, check view and `stg_<table>`). */
  db(table: string): Promise<string>;
  /** A table's rows are staged and checked: `view` holds them; `clean`, the extracts with no error found yet. */
  ready(table: string, view: string, clean: boolean[]): void;
}
const IN_TEMP: Placement = { db: async () => 'temp', ready: () => undefined };

async function stagePrepared(store: Store, { exts, items, bytes }: Prepared, opts: { onProgress?: (msg: string) => void }, place = IN_TEMP): Promise<Staged> {
  const progress = opts.onProgress ?? (() => undefined);
  const small = bytes < smallBatchBytes();
  await dropStaged(store);
  for (const m of MACROS) await store.run(m);
  await store.run(`CREATE TEMP TABLE stg_problems (rule VARCHAR, severity VARCHAR, ext INTEGER, tbl VARCHAR, line BIGINT, col VARCHAR, child VARCHAR, value VARCHAR, message VARCHAR)`);
  const clean = () => exts.map((e) => !e.problems.some((p) => p.severity === 'error'));

  // 2. Stage each table of the whole batch, then check it
  const headerExts: number[] = [];
  let headerChk = '';
  const stagedItems: Item[] = [];
  const countSql: string[] = [];
  for (const t of TABLES) {
    const list = await items.get(t.table)!;
    const db = await place.db(t.table);
    const view = `${db}.${q(`stg_${t.table}`)}`;
    if (!list.length) {
      const cols = t.columns.map((c) => `${colId(c)} ${sqlType(c.type)}`).join(', ');
      await store.run(`${createIn(db, 'TABLE', `stg_${t.table}`)} (ext INTEGER, src_file VARCHAR, src_line INTEGER, ${cols})`);
      place.ready(t.table, view, clean());
      continue;
    }
    const mb = list.reduce((a, it) => a + it.cand.bytes, 0) / 1e6;
    progress(list.length === 1 ? `reading ${list[0]!.cand.path} (${t.label}, ${mb.toFixed(1)} MB)` : `reading ${list.length} ${t.label} files (${mb.toFixed(1)} MB)`);
    const staged = await stageTable(store, t, list, small, db);
    for (const it of staged) it.file.staged = true;
    const chk = `${db}.${q(`stg_chk_${t.table}`)}`;
    if (t.table === 'header') {
      headerExts.push(...staged.map((it) => it.ext.i));
      headerChk = chk;
    }
    progress(list.length === 1 ? `checking ${list[0]!.cand.path}` : `checking ${t.label}`);
    // every problem of the table in one statement: the rows skipped while reading (repeated
    // header rows and blank rows), then each rule group's (extracts with the same columns and
    // reference date) row and cross-row checks
    const checks = [`SELECT CASE WHEN is_header THEN 'repeated-header' ELSE 'empty-row' END, CASE WHEN is_header THEN 'error' ELSE 'warning' END, ext, ${lit(t.table)}, line, NULL, NULL, NULL,
        CASE WHEN is_header THEN 'This row repeats the header row (the column names). Remove it: files joined together often carry a second header row.'
          ELSE 'Every value on this row is blank: the row is ignored.' END
      FROM ${chk} WHERE skip`];
    const groups = new Map<number, Item>();
    for (const it of staged) if (!groups.has(it.rg)) groups.set(it.rg, it);
    for (const [rg, it] of groups) {
      const present = new Set(it.cand.names);
      const where = groups.size === 1 ? 'true' : `rg = ${rg}`;
      const rowSql = rowChecksSql(chk, t.table, rowChecks(t, present, it.ext.spec.asAt), where);
      if (rowSql) checks.push(rowSql);
      const header = t.table === 'header' ? null : { chk: headerChk, exts: headerExts };
      checks.push(...crossChecksSql(t, chk, present, where, header, small));
    }
    await exec(store, `INSERT INTO stg_problems ${PROBLEM_COLUMNS}\n${checks.map((c) => `(${c})`).join('\nUNION ALL\n')}`);
    // the typed rows used for the load, each with its file's path
    const cols = t.columns.map((c) => `c.t_${colId(c)}::${sqlType(c.type)} AS ${colId(c)}`).join(', ');
    const files = staged.length
      ? `(VALUES ${staged.map((it) => `(${it.ext.i}, ${lit(it.cand.path)})`).join(', ')}) f(ext, path)`
      : '(SELECT NULL::INTEGER AS ext, NULL::VARCHAR AS path WHERE false) f';
    await store.run(`${createIn(db, 'VIEW', `stg_${t.table}`)} AS
      SELECT c.ext, f.path AS src_file, c.line::INTEGER AS src_line, ${cols}
      FROM ${chk} c JOIN ${files} ON f.ext = c.ext WHERE NOT c.skip`);
    place.ready(t.table, view, clean());
    countSql.push(`SELECT ${lit(t.table)} AS tbl, ext, count(*)::INT AS n FROM ${chk} WHERE NOT skip GROUP BY ext`);
    stagedItems.push(...staged);
  }
  const counts = countSql.length ? await store.all<{ tbl: string; ext: number; n: number }>(countSql.join(' UNION ALL ')) : [];
  const rowsOf = new Map(counts.map((r) => [`${r.ext}|${r.tbl}`, r.n]));
  for (const it of stagedItems) {
    const t = it.t;
    const n = rowsOf.get(`${it.ext.i}|${t.table}`) ?? 0;
    it.ext.rowCounts[t.table] = n;
    it.file.rows = n;
    if (n === 0) {
      it.ext.problems.push(problem({ rule: 'empty-table', severity: t.required ? 'error' : 'warning', file: it.cand.path,
        message: t.required
          ? `The ${t.label} file has a header row but no data rows. The extract needs ${t.label} rows: export the file again.`
          : `The ${t.label} file has a header row but no data rows: the table is empty.` }));
    }
  }

  // 3. The row problems (capped per rule per file). Which extracts have an error is known from a
  // small query; the rows come to JS afterwards, a chunk at a time, so that the batch can be stored
  // while they are converted (at national size a batch lists ~90,000 problems, warnings mostly)
  const fileOf = new Map<string, string>();
  for (const ext of exts) for (const [tb, cand] of ext.byTable) fileOf.set(`${ext.i}|${tb}`, cand.path);
  await store.run(`CREATE OR REPLACE TEMP TABLE stg_problem_list AS
    SELECT dense_rank() OVER (ORDER BY rule, severity, tbl, message)::INT AS kind, rule, severity, tbl, message, ext, line::DOUBLE AS line, col, child, value,
      total::INT AS total, rn::INT AS rn FROM (
      SELECT *, row_number() OVER (PARTITION BY ext, tbl, rule ORDER BY line, col) AS rn, count(*) OVER (PARTITION BY ext, tbl, rule) AS total
      FROM stg_problems)
    WHERE rn <= ${MAX_ROWS_PER_RULE} OR rn = total`);
  // the kinds of problem (rule, severity, table, message: a few, repeated on thousands of rows)
  const kinds = await store.all<{ kind: number; rule: string; severity: Problem['severity']; tbl: string; message: string; exts: number[] | null }>(`
    SELECT kind, any_value(rule) AS rule, any_value(severity) AS severity, any_value(tbl) AS tbl, any_value(message) AS message,
      CASE WHEN any_value(severity) = 'error' THEN list(DISTINCT ext) END AS exts
    FROM stg_problem_list GROUP BY kind`);
  const kindOf = new Map(kinds.map((k) => [k.kind, k]));
  const errorExts = new Set(kinds.flatMap((k) => k.exts ?? []));
  const ok = clean().map((c, i) => c && !errorExts.has(i));
  const rows = await store.conn.run(`SELECT kind, ext, line, col, child, value, total, rn FROM stg_problem_list ORDER BY ext, tbl, line, rule`);
  await store.run('DROP TABLE IF EXISTS temp.stg_problems; DROP TABLE IF EXISTS temp.stg_problem_list');
  const collect = async (): Promise<IngestResult[]> => {
    for (let i = 0; i < rows.chunkCount; i++) {
      if (i > 0) await new Promise((r) => setImmediate(r)); // let the store's statements go on
      const [kind, ext, line, col, child, value, total, rn] = rows.getChunk(i).getColumns() as [number[], number[], (number | null)[], (string | null)[], (string | null)[], (string | null)[], number[], number[]];
      for (let k = 0; k < kind.length; k++) {
        const kd = kindOf.get(kind[k]!)!;
        const e = exts[ext[k]!]!;
        const file = fileOf.get(`${ext[k]}|${kd.tbl}`) ?? null;
        if (rn[k]! > MAX_ROWS_PER_RULE) {
          e.problems.push(problem({ rule: kd.rule, severity: kd.severity, file,
            message: `${total[k]} rows in all have this problem (${kd.rule}); only the first ${MAX_ROWS_PER_RULE} are listed. Fix those, then validate again.` }));
          continue;
        }
        e.problems.push(problem({ rule: kd.rule, severity: kd.severity, file, line: line[k] ?? null, column: col[k] ?? null, child: child[k] ?? null, value: value[k] ?? null, message: kd.message }));
      }
    }
    return exts.map((e) => ({ problems: sortProblems(e.problems), files: e.files, rowCounts: e.rowCounts }));
  };
  const results = collect();
  results.catch(() => undefined); // reported when awaited
  return { ok, results };
}

/** Recognise, stage and validate one extract folder (a batch of one). */
export async function stageExtract(store: Store, dir: string, opts: IngestOptions): Promise<IngestResult> {
  return (await stageExtracts(store, [{ dir, la: opts.la, asAt: opts.asAt }], opts))[0]!;
}

/** Column types whose typed value is computed once while reading (parsing them is costly). */
const STORED_TYPED = new Set(['date', 'int', 'decimal']);

const READ_OPTIONS = `header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, encoding = 'utf-8'`;

/**
 * Read every file of one table and define `stg_chk_<table>`: per row, the extract (`ext`), its rule
 * group (`rg`), the physical line, whether the row is skipped (blank, or a repeated header), and
 * the raw (r_), trimmed (v_) and typed (t_) values of every contract column. Files that share a
 * header layout are read by one `read_csv` straight into a typed table; a file that needs a
 * cleaned copy, or whose rows do not match its byte pass, is read alone from a cleaned copy.
 * Returns the items whose rows are staged.
 */
async function stageTable(store: Store, t: TableDef, list: Item[], small: boolean, db: string): Promise<Item[]> {
  const obj = (name: string) => `${db}.${q(name)}`;
  /** paths: how many files the read took (a file whose rows do not match its byte pass is left out of `files`). */
  interface Raw { table: string; names: string[]; paths: number; files: { item: Item; fidx: number; off: number }[] }
  const raws: Raw[] = [];
  const alone: Item[] = [];
  let reads = 0; // names each read's raw and rejects tables

  /** read_csv of `paths` into a typed raw table; per path: rows read, rejected, first rowid. */
  const read = async (table: string, names: string[], paths: string[]) => {
    const columns = `{${names.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')}}`;
    // the trimmed values (v<i>) once, in an inner projection: every later expression reads them
    // as columns (short expressions plan fast; the macros expand into long ones)
    const inner = [paths.length === 1 ? '0 AS fidx' : 'file_index::INTEGER AS fidx',
      ...names.map((_, i) => `c${i}, cp_clean(c${i}) AS v${i}`)];
    const emptyRow = names.map((_, i) => `v${i} IS NULL`).join(' AND ');
    const childIdx = names.indexOf('CHILD');
    const headerRow = `CASE WHEN upper(v${childIdx}) = 'CHILD' THEN ${names.map((nm, i) => `coalesce(upper(v${i}), '') = ${lit(nm)}`).join(' AND ')} ELSE false END`;
    const idxOf = new Map(names.map((nm, i) => [nm, i] as const));
    // stored: the raw values (r_), the typed values that are costly to compute (dates, numbers),
    // and in a small batch the trimmed values (v_); the check view derives the rest (in a large
    // batch, materialising strings is the dominant cost of a read, and of its memory)
    const sel: string[] = ['fidx', `${emptyRow} AS is_empty`, `${headerRow} AS is_header`];
    for (const c of t.columns) {
      const i = idxOf.get(c.name);
      if (i === undefined) continue;
      sel.push(`c${i} AS r_${colId(c)}`);
      if (small) sel.push(`v${i} AS v_${colId(c)}`);
      if (STORED_TYPED.has(c.type)) sel.push(`${typedExpr(c, `v${i}`)} AS t_${colId(c)}`);
    }
    // rejects tables are named after the raw table, and are TEMP wherever it is (stg_ prefix:
    // dropped with the staging)
    const rejects = `${table}_rejects`, rejectsScan = `${table}_rejects_scan`;
    await exec(store, `${createIn(db, 'TABLE', table)} AS SELECT ${sel.join(', ')}
      FROM (SELECT ${inner.join(', ')} FROM read_csv([${paths.map(lit).join(', ')}], columns = ${columns}, ${READ_OPTIONS},
        store_rejects = true, rejects_table = ${lit(rejects)}, rejects_scan = ${lit(rejectsScan)}))`);
    const counts = await store.all<{ fidx: number | null; filename: string | null; n: number; lo: number; hi: number }>(
      `SELECT fidx, NULL AS filename, count(*)::INT AS n, min(rowid)::DOUBLE AS lo, max(rowid)::DOUBLE AS hi FROM ${obj(table)} GROUP BY fidx
       UNION ALL
       SELECT NULL, s.file_path, -count(*)::INT, 0, 0 FROM temp.${q(rejects)} r JOIN temp.${q(rejectsScan)} s USING (scan_id, file_id) GROUP BY s.file_path`);
    const out = paths.map(() => ({ rows: 0, rejects: 0, contiguous: true, lo: 0 }));
    for (const c of counts) {
      if (c.filename === null) {
        if (c.fidx !== null && out[c.fidx]) out[c.fidx] = { ...out[c.fidx]!, rows: c.n, contiguous: c.hi - c.lo + 1 === c.n, lo: c.lo };
        continue;
      }
      const k = paths.indexOf(c.filename);
      if (k >= 0) out[k]!.rejects = -c.n;
      else out.forEach((o) => (o.rejects += -c.n)); // unattributed: distrust every file
    }
    return out;
  };
  const good = (it: Item, r: { rows: number; rejects: number; contiguous: boolean }) => r.rows === it.scan.goodRows && r.rejects === 0 && r.contiguous;

  // files that share a header layout: one read (a path appears once per read)
  const layouts = new Map<string, Item[]>();
  for (const it of list) {
    if (it.scan.needsRewrite) {
      alone.push(it);
      continue;
    }
    const key = it.cand.names.join('\u0001');
    const g = layouts.get(key) ?? layouts.set(key, []).get(key)!;
    if (g.some((x) => x.cand.abs === it.cand.abs)) alone.push(it);
    else g.push(it);
  }
  for (const g of layouts.values()) {
    const table = `stg_raw_${t.table}_${reads++}`;
    let res: Awaited<ReturnType<typeof read>> | null = null;
    try {
      res = await read(table, g[0]!.cand.names, g.map((it) => it.cand.abs));
    } catch {
      res = null;
    }
    const raw: Raw = { table, names: g[0]!.cand.names, paths: g.length, files: [] };
    g.forEach((it, k) => {
      if (res && good(it, res[k]!)) raw.files.push({ item: it, fidx: k, off: res[k]!.lo });
      else alone.push(it);
    });
    if (res) raws.push(raw);
  }
  // alone: a cleaned copy (header and readable records only, LF line ends: same line map)
  for (const it of alone) {
    if (it.scan.fieldsUnchecked) {
      // the reader disagreed with the quick byte pass: the exact pass finds and reports why
      it.ext.problems = it.ext.problems.filter((p) => !(p.file === it.cand.path && p.rule === 'csv-structure'));
      const full = await scan(it.ext, it.cand, it.file, false);
      if (!full) continue;
      it.scan = full;
    }
    const table = `stg_raw_${t.table}_${reads++}`;
    const tmp = mkdtempSync(join(tmpdir(), 'cp-ingest-'));
    try {
      const copy = join(tmp, 'clean.csv');
      const fh = await open(copy, 'w', 0o600);
      try {
        await scanFile(it.cand.abs, it.cand.names.length, { rewriteTo: fh });
      } finally {
        await fh.close();
      }
      let r;
      try {
        r = (await read(table, it.cand.names, [copy]))[0]!;
      } catch (err) {
        it.ext.problems.push(problem({ rule: 'csv-structure', severity: 'error', file: it.cand.path,
          message: `The file cannot be read as CSV (${err instanceof Error ? err.message.split('\n')[0] : String(err)}). Save it as "CSV UTF-8 (Comma delimited)".` }));
        continue;
      }
      if (!good(it, r)) {
        it.ext.problems.push(problem({ rule: 'csv-structure', severity: 'error', file: it.cand.path,
          message: 'The file cannot be read reliably as CSV (the rows found do not match its line structure). Save it as "CSV UTF-8 (Comma delimited)" and check the quoting of values.' }));
        await store.run(`DROP TABLE IF EXISTS ${obj(table)}`);
        continue;
      }
      raws.push({ table, names: it.cand.names, paths: 1, files: [{ item: it, fidx: 0, off: r.lo }] });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  // the file map (reads of several files) and the line map (from row index k of a file on, line = k + 2 + d)
  const fmapName = `stg_fmap_${t.table}`, linemapName = `stg_linemap_${t.table}`;
  const fmap = obj(fmapName), linemap = obj(linemapName);
  const fmapRows = raws.filter((r) => r.paths > 1).flatMap((r) => r.files.map((f) => `(${raws.indexOf(r)}, ${f.fidx}, ${f.item.ext.i}, ${f.item.rg}, ${f.off})`));
  if (fmapRows.length) {
    await store.run(`${createIn(db, 'TABLE', fmapName)} AS SELECT raw::INTEGER AS raw, fidx::INTEGER AS fidx, ext::INTEGER AS ext, rg::INTEGER AS rg, off::BIGINT AS off
      FROM (VALUES ${fmapRows.join(', ')}) v(raw, fidx, ext, rg, off)`);
  }
  const mapped = raws.flatMap((r) => r.files.map((f) => f.item));
  const withMap = mapped.filter((it) => it.scan.starts.length > 0);
  if (withMap.length) {
    const exts: number[] = [], ks: number[] = [], ds: number[] = [];
    for (const it of withMap) {
      it.scan.starts.forEach((k, j) => {
        exts.push(it.ext.i);
        ks.push(k);
        ds.push(it.scan.deltas[j]!);
      });
    }
    await store.conn.run(`${createIn(db, 'TABLE', linemapName)} AS SELECT unnest($1::INTEGER[]) AS ext, unnest($2::INTEGER[]) AS k, unnest($3::INTEGER[]) AS d`,
      [listValue(exts), listValue(ks), listValue(ds)], [LIST(INTEGER), LIST(INTEGER), LIST(INTEGER)]);
  }
  // the check view: the values computed by the read, and the rest (cheap, or not stored)
  const selects = raws.filter((r) => r.files.length).map((r) => {
    const values = t.columns.map((c) => {
      const id = colId(c);
      if (!r.names.includes(c.name)) return `NULL::VARCHAR AS r_${id}, NULL::VARCHAR AS v_${id}, NULL::${sqlType(c.type)} AS t_${id}`;
      const v = small ? `c.v_${id}` : `cp_clean(c.r_${id})`;
      const typed = STORED_TYPED.has(c.type) ? `c.t_${id}` : typedExpr(c, v);
      return `c.r_${id}, ${v} AS v_${id}, ${typed} AS t_${id}`;
    }).join(', ');
    const mapOf = (it: Item) => it.scan.starts.length > 0;
    if (r.paths === 1) {
      // one file: its extract, rule group and first rowid are constants
      const f = r.files[0]!;
      const idx = `(c.rowid - ${f.off})`;
      const lm = mapOf(f.item);
      const line = lm ? `(${idx} + 2 + coalesce(lm.d, 0))::BIGINT` : `(${idx} + 2)::BIGINT`;
      const lineJoin = lm ? ` ASOF LEFT JOIN (SELECT k, d FROM ${linemap} WHERE ext = ${f.item.ext.i}) lm ON ${idx} >= lm.k` : '';
      return `SELECT ${f.item.ext.i}::INTEGER AS ext, ${f.item.rg}::INTEGER AS rg, ${line} AS line, c.is_empty, c.is_header, c.is_empty OR c.is_header AS skip, ${values}
      FROM ${obj(r.table)} c${lineJoin}`;
    }
    const ri = raws.indexOf(r);
    const idx = '(c.rowid - m.off)';
    const lm = r.files.some((f) => mapOf(f.item));
    const line = lm ? `(${idx} + 2 + coalesce(lm.d, 0))::BIGINT` : `(${idx} + 2)::BIGINT`;
    const lineJoin = lm ? ` ASOF LEFT JOIN ${linemap} lm ON lm.ext = m.ext AND ${idx} >= lm.k` : '';
    return `SELECT m.ext, m.rg, ${line} AS line, c.is_empty, c.is_header, c.is_empty OR c.is_header AS skip, ${values}
      FROM ${obj(r.table)} c JOIN ${fmap} m ON m.raw = ${ri} AND m.fidx = c.fidx${lineJoin}`;
  });
  if (!selects.length) {
    const cols = t.columns.flatMap((c) => [`NULL::VARCHAR AS r_${colId(c)}`, `NULL::VARCHAR AS v_${colId(c)}`, `NULL::${sqlType(c.type)} AS t_${colId(c)}`]).join(', ');
    selects.push(`SELECT NULL::INTEGER AS ext, NULL::INTEGER AS rg, NULL::BIGINT AS line, false AS is_empty, false AS is_header, false AS skip, ${cols} WHERE false`);
  }
  await exec(store, `${createIn(db, 'VIEW', `stg_chk_${t.table}`)} AS ${selects.join('\nUNION ALL\n')}`);
  return mapped.sort((a, b) => a.ext.i - b.ext.i);
}

/**
 * A batch under this many bytes (one council is 1-10 MB) is staged and stored on one DuckDB
 * thread: on small tables the fixed cost of parallel operators (per-thread hash tables, batch
 * inserts) is most of the time. Results do not depend on the number of threads, nor on the choice
 * of plans made for small batches (CP_INGEST_SMALL_BYTES overrides the limit: tests use it to
 * check both ways give the same results).
 */
const smallBatchBytes = () => Number(process.env.CP_INGEST_SMALL_BYTES ?? 16e6);

/** Run fn with DuckDB on one thread when `bytes` is small; the setting is restored after. */
async function smallOnOneThread<T>(store: Store, bytes: number, fn: () => Promise<T>): Promise<T> {
  if (bytes >= smallBatchBytes()) return fn();
  const cur = (await store.one<{ t: number }>(`SELECT current_setting('threads')::INT AS t`))!.t;
  if (cur === 1) return fn();
  await store.run('SET threads = 1');
  try {
    return await fn();
  } finally {
    await store.run(`SET threads = ${cur}`);
  }
}

/**
 * Batches of extracts of about this many bytes are staged together: the batch bounds the work in
 * flight at any scale (DuckDB's own memory limit bounds its memory, spilling beyond it). Each batch
 * pays a commit, a checkpoint of the tables' partly filled row groups and a fixed cost per
 * statement, so batches are large: at national size (303 MB of CSV) 64 MB batches cost about a
 * third more CPU than 160 MB ones. CP_INGEST_BATCH_BYTES overrides it (tests: many batches).
 */
const batchBytes = () => Number(process.env.CP_INGEST_BATCH_BYTES ?? 160e6);

function batches(specs: ExtractSpec[]): ExtractSpec[][] {
  const limit = batchBytes();
  const out: ExtractSpec[][] = [];
  let cur: ExtractSpec[] = [];
  let bytes = 0;
  for (const s of specs) {
    const b = folderBytes(s.dir); // a missing folder is reported by stageExtracts
    if (cur.length && bytes + b > limit) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(s);
    bytes += b;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Stage and validate the extracts; every extract without an error replaces its snapshot
 * (la, as_at). Extracts are staged in batches of about 160 MB, and each batch is stored in one
 * transaction: every snapshot of it, or none. An extract with errors is not stored and changes
 * nothing; the others of its batch are stored.
 *
 * One small batch (one council) is staged and stored on one connection. Otherwise one connection
 * stages the batches, one after another, and the other stores each table of a batch as soon as it
 * is staged and checked, while the next tables are read: the store (a commit runs on one thread;
 * inserts into compressed tables do not keep both cores busy) no longer waits for the whole batch.
 * That store is a guess: it holds every extract that had no error when it began. When the checks
 * end with an error in one of those, the transaction is rolled back and the batch stored again,
 * without it. Batches are stored one at a time, in order; the byte pass of the next batch (JS)
 * overlaps both.
 */
export async function loadExtracts(store: Store, specs: ExtractSpec[], opts: { onProgress?: (msg: string) => void } = {}): Promise<(IngestResult & { loaded: boolean })[]> {
  const all = batches(specs);
  if (!all.length) return [];
  // the byte pass of a batch (JS) runs while DuckDB stages its first tables, and the previous batch
  let next: Promise<Prepared> | null = prepareBatch(all[0]!);
  const nextPrepared = async (bi: number): Promise<Prepared> => {
    const prepared = await next!;
    // the next batch's byte pass starts when this one's is done (one JS thread: this batch first)
    const scanned = Promise.allSettled([...prepared.items.values()]);
    next = bi + 1 < all.length ? scanned.then(() => prepareBatch(all[bi + 1]!)) : null;
    next?.catch(() => undefined); // reported when awaited
    return prepared;
  };
  const first = await nextPrepared(0);
  const loaded = (s: { res: IngestResult[]; ok: boolean[] }) => s.res.map((r, i) => ({ ...r, loaded: s.ok[i]! }));
  if (all.length === 1 && first.bytes < smallBatchBytes()) {
    return loaded(await smallOnOneThread(store, first.bytes, async () => {
      const views = new Map<string, string>();
      const staged = await stagePrepared(store, first, opts, { ...IN_TEMP, ready: (table, view) => views.set(table, view) });
      try {
        return await storeBatch(store, all[0]!, Promise.resolve(staged), { view: async (table) => views.get(table)!, clean: () => staged.ok }, opts);
      } finally {
        await dropStaged(store);
      }
    }));
  }
  const stager = await store.connection();
  const attached = new Set<string>();
  const detach = async (names: string[]) => {
    for (const db of names) attached.delete(db);
    if (names.length) await store.run(names.map((db) => `DETACH DATABASE IF EXISTS ${db};`).join('\n'));
  };
  const stored: Promise<{ res: IngestResult[]; ok: boolean[] }>[] = [];
  try {
    for (const m of MACROS) await store.run(m); // the staged views call them on the storing connection
    for (const [bi, batch] of all.entries()) {
      // at most two batches' staging at once: the one being stored and the one being read
      if (bi >= 2) await stored[bi - 2];
      const label = all.length > 1 ? `batch ${bi + 1}/${all.length}: ` : '';
      if (all.length > 1) opts.onProgress?.(`${label}${batch.length} extract(s)`);
      const views = new Map(TABLES.map((t) => [t.table, deferred<string>()]));
      let clean: boolean[] = [];
      const dbs: string[] = [];
      const place: Placement = {
        db: async (table) => {
          const db = `stg_b${bi}_${table}`;
          await stager.run(`ATTACH ':memory:' AS ${db}`);
          attached.add(db);
          dbs.push(db);
          return db;
        },
        ready: (table, view, c) => {
          clean = c;
          views.get(table)!.resolve(view);
        },
      };
      const staging = (async () => stagePrepared(stager, bi === 0 ? first : await nextPrepared(bi), opts, place))();
      staging.catch((err) => views.forEach((v) => v.reject(err)));
      const prev = stored[bi - 1];
      const p = (async () => {
        if (prev) await prev;
        try {
          return await storeBatch(store, batch, staging, { view: (table) => views.get(table)!.promise, clean: () => clean }, opts, label);
        } finally {
          await staging.catch(() => undefined); // its databases are detached once the staging has stopped
          await detach(dbs);
        }
      })();
      p.catch(() => undefined); // reported when awaited
      stored.push(p);
      await staging; // the stager takes the next batch
    }
    const out: (IngestResult & { loaded: boolean })[] = [];
    for (const p of stored) out.push(...loaded(await p));
    return out;
  } finally {
    await Promise.allSettled(stored);
    stager.close();
    await detach([...attached]).catch(() => undefined);
    await dropStaged(store);
  }
}

/** A promise with its resolve and reject (Promise.withResolvers, Node 22). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // reported when awaited
  return { promise, resolve, reject };
}

/** The staged rows of a batch, as the store sees them while the batch is being staged. */
interface StagedSource {
  /** A table's rows (a view or table name), once the table is staged and checked. */
  view(table: string): Promise<string>;
  /** The extracts with no error found so far. */
  clean(): boolean[];
}

const RETRY = Symbol('an extract had an error found after the store began');

/**
 * Store a batch in one transaction: the extracts without an error found so far, table by table as
 * each is ready; then, once the checks are done, the snapshots' rows (with their count of
 * warnings). If the checks found an error in an extract being stored, roll back and store the
 * batch again without it.
 */
async function storeBatch(store: Store, batch: ExtractSpec[], staging: Promise<Staged>, src: StagedSource, opts: { onProgress?: (msg: string) => void }, label = ''): Promise<{ res: IngestResult[]; ok: boolean[] }> {
  const attempt = async (keep: boolean[], final: boolean): Promise<boolean> => {
    const keepIdx = keep.flatMap((v, i) => (v ? [i] : []));
    if (!keepIdx.length) return final || !(await staging).ok.some((v) => v);
    opts.onProgress?.(label + (keepIdx.length === 1 ? 'storing the snapshot' : `storing ${keepIdx.length} snapshots`));
    const loadedAt = nowDate().toISOString().replace('T', ' ').replace('Z', '');
    await store.run(`CREATE OR REPLACE TEMP TABLE stg_load (ext INTEGER, la VARCHAR, as_at DATE)`);
    await store.run(`INSERT INTO stg_load VALUES ${keepIdx.map((i) => `(${i}, ${lit(batch[i]!.la)}, DATE ${lit(batch[i]!.asAt)})`).join(', ')}`);
    try {
      await store.transaction(async () => {
        for (const t of TABLES) {
          const view = await src.view(t.table);
          await exec(store, `DELETE FROM main.${t.table} USING stg_load l WHERE ${t.table}.la = l.la AND ${t.table}.as_at = l.as_at`);
          const cols = t.columns.map((c) => colId(c)).join(', ');
          await exec(store, `INSERT INTO main.${t.table} (la, as_at, src_file, src_line, ${cols})
            SELECT l.la, l.as_at, s.src_file, s.src_line, ${t.columns.map((c) => `s.${colId(c)}`).join(', ')}
            FROM ${view} s JOIN stg_load l ON l.ext = s.ext`);
        }
        const { ok, results } = await staging;
        if (!final && ok.some((v, i) => v !== keep[i])) throw RETRY;
        await store.run(`DELETE FROM main.snapshots USING stg_load l WHERE snapshots.la = l.la AND snapshots.as_at = l.as_at`);
        const res = await results;
        const values = keepIdx.map((i) => {
          const r = res[i]!;
          const spec = batch[i]!;
          const warnings = r.problems.length;
          const filesJson = JSON.stringify(r.files.map((f) => ({ path: f.path, table: f.table, bytes: f.bytes, sha256: f.sha256, rows: f.rows })));
          return `(${lit(spec.la)}, DATE ${lit(spec.asAt)}, TIMESTAMP ${lit(loadedAt)}, ${lit(resolve(spec.dir))}, ${lit(filesJson)}, ${lit(JSON.stringify(r.rowCounts))}, ${warnings})`;
        });
        await store.run(`INSERT INTO main.snapshots (la, as_at, loaded_at, source, files, row_counts, warnings) VALUES ${values.join(', ')}`);
      });
      return true;
    } catch (err) {
      if (err === RETRY) return false;
      throw err;
    }
  };
  // the first table's readiness tells which extracts are clean so far
  await src.view(TABLES[0]!.table);
  const guess = src.clean();
  if (!(await attempt(guess, false))) {
    const { ok } = await staging;
    const left = guess.filter((v, i) => v && !ok[i]).length, kept = ok.filter(Boolean).length;
    opts.onProgress?.(label + (kept ? `the checks found errors in ${left} of those extracts: storing the other ${kept} again` : 'the checks found errors: nothing is stored'));
    await attempt(ok, true);
  }
  const { ok, results } = await staging;
  return { res: await results, ok };
}

/**
 * Stage and validate the folder; when there is no error, replace the snapshot (la, as_at)
 * in one transaction. With errors nothing is written and `loaded` is false.
 */
export async function loadExtract(store: Store, dir: string, opts: IngestOptions): Promise<IngestResult & { loaded: boolean }> {
  return (await loadExtracts(store, [{ dir, la: opts.la, asAt: opts.asAt }], opts))[0]!;
}
