/**
 * Ingest: recognise the files of an extract folder, stage them into TEMP tables of the
 * store's connection (stg_<table>, nothing persistent), validate them with SQL rules, and,
 * when there is no error, replace the snapshot (la, as_at) in one transaction.
 *
 * Row data never comes to JS: DuckDB reads the files; JS only streams the bytes once for
 * the encoding and structure checks and the line map (physical line of each row).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listValue, LIST, INTEGER } from '@duckdb/node-api';
import type { Store } from '../store/store.js';
import { lit } from '../store/store.js';
import { nowDate, type IsoDate } from '../core/dates.js';
import { TABLES, sqlType, type TableDef } from './contract.js';
import { problem, sortProblems, type Problem } from './problems.js';
import { readHeader, scanFile, type EncodingProblem, type ScanResult, type StructureProblem } from './scan.js';
import { MACROS, colId, crossChecksSql, rowChecks, rowChecksSql, typedExpr } from './rules.js';

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
  await store.run(sql);
  process.stderr.write(`[ingest] ${Date.now() - t0} ms ${sql.replace(/\s+/g, ' ').slice(0, 120)}\n`);
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * Drop every staging table and view of this connection (stageExtract leaves them for the
 * caller to query; loadExtract drops them when done).
 */
export async function dropStaged(store: Store): Promise<void> {
  const like = `LIKE 'stg\\_%' ESCAPE '\\'`;
  const views = await store.all<{ name: string }>(`SELECT view_name AS name FROM duckdb_views() WHERE temporary AND view_name ${like}`);
  for (const v of views) await store.run(`DROP VIEW IF EXISTS temp.${q(v.name)}`);
  const tables = await store.all<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE temporary AND table_name ${like}`);
  for (const t of tables) await store.run(`DROP TABLE IF EXISTS temp.${q(t.name)}`);
}

/**
 * Recognise, stage and validate an extract folder into TEMP tables (stg_<table>) of this
 * store connection. Nothing persistent is written. Problems come sorted by file, line, rule.
 */
export async function stageExtract(store: Store, dir: string, opts: IngestOptions): Promise<IngestResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const problems: Problem[] = [];
  const files: ExtractFile[] = [];
  const rowCounts: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t.table, 0]));

  await dropStaged(store);
  for (const m of MACROS) await store.run(m);
  await store.run(`CREATE TEMP TABLE stg_problems (rule VARCHAR, severity VARCHAR, file VARCHAR, line BIGINT, col VARCHAR, child VARCHAR, value VARCHAR, message VARCHAR)`);
  const createEmptyStaged = async (t: TableDef) => {
    const cols = t.columns.map((c) => `${colId(c)} ${sqlType(c.type)}`).join(', ');
    await store.run(`CREATE OR REPLACE TEMP TABLE ${q(`stg_${t.table}`)} (src_file VARCHAR, src_line INTEGER, ${cols})`);
  };

  const root = resolve(dir);
  let entries: string[] = [];
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push(problem({ rule: 'no-folder', severity: 'error', message: `The extract folder ${dir} does not exist or is not a folder. Give the folder that holds the extract's CSV files.` }));
  } else {
    entries = readdirSync(root).filter((n) => !n.startsWith('.') && !n.startsWith('~$') && !/^readme/i.test(n) && !SKIP_NAMES.test(n)).sort();
  }

  // 1. Recognition by header row
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
    // columns
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
  const byTable = new Map<string, Candidate>();
  for (const cand of candidates) {
    if (!cand.table) continue;
    const prev = byTable.get(cand.table.table);
    if (prev) {
      problems.push(problem({ rule: 'duplicate-table', severity: 'error', file: cand.path, line: 1,
        message: `This file and ${prev.path} both look like ${cand.table.label}. An extract has one file per table: remove one, or combine them.` }));
      cand.ok = false;
    } else byTable.set(cand.table.table, cand);
  }
  for (const t of TABLES) {
    if (t.required && !byTable.has(t.table)) {
      problems.push(problem({ rule: 'missing-table', severity: 'error',
        message: `No ${t.label} file was found. The extract must have one: a CSV file whose header row has ${t.columns.filter((c) => c.required).map((c) => c.name).join(', ')}.` }));
    }
  }

  // 2. Stage each recognised file
  const staged = new Map<string, { chk: string; file: string; present: Set<string> }>();
  for (const t of TABLES) {
    const cand = byTable.get(t.table);
    if (!cand || !cand.ok) {
      await createEmptyStaged(t);
      continue;
    }
    const file = files.find((f) => f.path === cand.path)!;
    progress(`reading ${cand.path} (${t.label}, ${(cand.bytes / 1e6).toFixed(1)} MB)`);
    const res = await stageFile(store, t, cand, problems);
    if (res.scan) {
      file.sha256 = res.scan.sha256;
    }
    if (!res.ok) {
      await createEmptyStaged(t);
      continue;
    }
    file.staged = true;
    staged.set(t.table, { chk: res.chk, file: cand.path, present: new Set(cand.names) });
  }

  // 3. Rules
  const headerChk = staged.get('header')?.chk ?? null;
  for (const t of TABLES) {
    const s = staged.get(t.table);
    if (!s) continue;
    progress(`checking ${s.file}`);
    const rowSql = rowChecksSql(s.chk, s.file, rowChecks(t, s.present, opts.asAt));
    if (rowSql) await exec(store, rowSql);
    for (const sql of crossChecksSql(t, s.chk, s.file, s.present, headerChk)) await exec(store, sql);
    // typed staging table used for the load
    const cols = t.columns.map((c) => `${s.present.has(c.name) ? `t_${colId(c)}` : 'NULL'}::${sqlType(c.type)} AS ${colId(c)}`).join(', ');
    await store.run(`CREATE OR REPLACE TEMP VIEW ${q(`stg_${t.table}`)} AS
      SELECT ${lit(s.file)}::VARCHAR AS src_file, line::INTEGER AS src_line, ${cols} FROM ${s.chk} WHERE NOT skip`);
    const n = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM ${q(`stg_${t.table}`)}`);
    rowCounts[t.table] = n?.n ?? 0;
    const f = files.find((x) => x.path === s.file)!;
    f.rows = rowCounts[t.table]!;
    if (rowCounts[t.table] === 0) {
      problems.push(problem({ rule: 'empty-table', severity: t.required ? 'error' : 'warning', file: s.file,
        message: t.required
          ? `The ${t.label} file has a header row but no data rows. The extract needs ${t.label} rows: export the file again.`
          : `The ${t.label} file has a header row but no data rows: the table is empty.` }));
    }
  }

  // 4. Collect row problems (capped per rule per file)
  const rows = await store.all<{ rule: string; severity: string; file: string; line: number | null; col: string | null; child: string | null; value: string | null; message: string; total: number; rn: number }>(`
    SELECT rule, severity, file, line::BIGINT::DOUBLE AS line, col, child, value, message, total::INT AS total, rn::INT AS rn FROM (
      SELECT *, row_number() OVER (PARTITION BY file, rule ORDER BY line, col) AS rn, count(*) OVER (PARTITION BY file, rule) AS total
      FROM stg_problems)
    WHERE rn <= ${MAX_ROWS_PER_RULE} OR rn = total
    ORDER BY file, line, rule`);
  for (const r of rows) {
    if (r.rn > MAX_ROWS_PER_RULE) {
      problems.push(problem({ rule: r.rule, severity: r.severity as Problem['severity'], file: r.file,
        message: `${r.total} rows in all have this problem (${r.rule}); only the first ${MAX_ROWS_PER_RULE} are listed. Fix those, then validate again.` }));
      continue;
    }
    problems.push(problem({ rule: r.rule, severity: r.severity as Problem['severity'], file: r.file, line: r.line === null ? null : Number(r.line),
      column: r.col, child: r.child, value: r.value, message: r.message }));
  }
  await store.run('DROP TABLE IF EXISTS temp.stg_problems');

  return { problems: sortProblems(problems), files, rowCounts };
}

async function stageFile(store: Store, t: TableDef, cand: Candidate, problems: Problem[]): Promise<{ ok: boolean; chk: string; scan?: ScanResult }> {
  const chk = `stg_chk_${t.table}`;
  const raw = `stg_raw_${t.table}`;
  const n = cand.names.length;
  const scan = await scanFile(cand.abs, n);
  if (scan.encoding) {
    problems.push(problem({ rule: 'encoding', severity: 'error', file: cand.path, line: scan.encoding.line, message: encodingMessage(scan.encoding) }));
    return { ok: false, chk, scan };
  }
  for (const s of scan.structure) {
    problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path, line: s.line, message: structureMessage(s, n) }));
  }
  if (scan.structureTotal > scan.structure.length) {
    problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path,
      message: `${scan.structureTotal} rows in all cannot be read; only the first ${scan.structure.length} are listed. Check that the file is comma-separated with one header row.` }));
  }

  const columns = `{${cand.names.map((_, i) => `'c${i}': 'VARCHAR'`).join(', ')}}`;
  // rows to skip, computed while reading: every value blank, or a repeat of the header row
  const emptyRow = cand.names.map((_, i) => `cp_clean(c${i}) IS NULL`).join(' AND ');
  const childIdx = cand.names.indexOf('CHILD');
  const headerRow = `CASE WHEN upper(cp_clean(c${childIdx})) = 'CHILD' THEN ${cand.names.map((nm, i) => `coalesce(upper(cp_clean(c${i})), '') = ${lit(nm)}`).join(' AND ')} ELSE false END`;
  const read = async (path: string) => {
    await store.run(`DROP TABLE IF EXISTS temp.${q(`stg_rejects_${t.table}`)}`);
    await store.run(`DROP TABLE IF EXISTS temp.${q(`stg_rejects_scan_${t.table}`)}`);
    await exec(store, `CREATE OR REPLACE TEMP TABLE ${raw} AS SELECT *, ${emptyRow} AS is_empty, ${headerRow} AS is_header FROM read_csv(${lit(path)}, columns = ${columns},
      header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', strict_mode = true, encoding = 'utf-8',
      store_rejects = true, rejects_table = ${lit(`stg_rejects_${t.table}`)}, rejects_scan = ${lit(`stg_rejects_scan_${t.table}`)})`);
    const c = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM ${raw}`);
    const rej = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM temp.${q(`stg_rejects_${t.table}`)}`);
    return { rows: c?.n ?? 0, rejects: rej?.n ?? 0 };
  };
  let readOk = false;
  let tmp: string | null = null;
  try {
    if (!scan.needsRewrite) {
      try {
        const r = await read(cand.abs);
        readOk = r.rows === scan.goodRows && r.rejects === 0;
      } catch {
        readOk = false;
      }
    }
    if (!readOk) {
      // a cleaned copy: header and readable records only, LF line ends (same line map)
      tmp = mkdtempSync(join(tmpdir(), 'cp-ingest-'));
      const copy = join(tmp, 'clean.csv');
      const fh = await open(copy, 'w', 0o600);
      try {
        await scanFile(cand.abs, n, { rewriteTo: fh });
      } finally {
        await fh.close();
      }
      try {
        const r = await read(copy);
        readOk = r.rows === scan.goodRows && r.rejects === 0;
      } catch (err) {
        readOk = false;
        problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path,
          message: `The file cannot be read as CSV (${err instanceof Error ? err.message.split('\n')[0] : String(err)}). Save it as "CSV UTF-8 (Comma delimited)".` }));
        return { ok: false, chk, scan };
      }
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  if (!readOk) {
    problems.push(problem({ rule: 'csv-structure', severity: 'error', file: cand.path,
      message: 'The file cannot be read reliably as CSV (the rows found do not match its line structure). Save it as "CSV UTF-8 (Comma delimited)" and check the quoting of values.' }));
    return { ok: false, chk, scan };
  }

  await store.run(`DROP TABLE IF EXISTS temp.${q(`stg_rejects_${t.table}`)}`);
  await store.run(`DROP TABLE IF EXISTS temp.${q(`stg_rejects_scan_${t.table}`)}`);

  // line map: from row index k on, line = k + 2 + delta (materialised only when needed)
  let lineExpr = 'rowid + 2';
  if (scan.starts.length > 0) {
    await store.conn.run(`CREATE OR REPLACE TEMP TABLE stg_linemap AS SELECT unnest($1::INTEGER[]) AS k, unnest($2::INTEGER[]) AS d`,
      [listValue(scan.starts), listValue(scan.deltas)], [LIST(INTEGER), LIST(INTEGER)]);
    await store.run(`CREATE OR REPLACE TEMP TABLE stg_rawl AS SELECT r.*, r.idx + 2 + coalesce(m.d, 0) AS line
      FROM (SELECT rowid AS idx, * FROM ${raw}) r ASOF LEFT JOIN stg_linemap m ON r.idx >= m.k`);
    await store.run(`DROP TABLE temp.${raw}`);
    await store.run(`DROP TABLE temp.stg_linemap`);
    await store.run(`ALTER TABLE temp.stg_rawl RENAME TO ${raw}`);
    lineExpr = 'line';
  }

  // the check view: raw, trimmed and typed values of every contract column
  const idxOf = new Map(cand.names.map((nm, i) => [nm, i] as const));
  const sel: string[] = [`(${lineExpr})::BIGINT AS line`, 'is_empty', 'is_header', 'is_empty OR is_header AS skip'];
  for (const c of t.columns) {
    const i = idxOf.get(c.name);
    const id = colId(c);
    const rawCol = i === undefined ? 'NULL::VARCHAR' : `c${i}`;
    sel.push(`${rawCol} AS r_${id}`, `cp_clean(${rawCol}) AS v_${id}`, `${typedExpr(c, `cp_clean(${rawCol})`)} AS t_${id}`);
  }
  await exec(store, `CREATE OR REPLACE TEMP TABLE ${chk} AS SELECT ${sel.join(', ')} FROM ${raw}`);
  await store.run(`DROP TABLE IF EXISTS temp.${raw}`);

  const f = lit(cand.path);
  await store.run(`INSERT INTO stg_problems (rule, severity, file, line, col, child, value, message)
    SELECT 'repeated-header', 'error', ${f}, line, NULL, NULL, NULL, 'This row repeats the header row (the column names). Remove it: files joined together often carry a second header row.'
    FROM ${chk} WHERE is_header`);
  await store.run(`INSERT INTO stg_problems (rule, severity, file, line, col, child, value, message)
    SELECT 'empty-row', 'warning', ${f}, line, NULL, NULL, NULL, 'Every value on this row is blank: the row is ignored.'
    FROM ${chk} WHERE is_empty AND NOT is_header`);
  return { ok: true, chk, scan };
}

/**
 * Stage and validate the folder; when there is no error, replace the snapshot (la, as_at)
 * in one transaction. With errors nothing is written and `loaded` is false.
 */
export async function loadExtract(store: Store, dir: string, opts: IngestOptions): Promise<IngestResult & { loaded: boolean }> {
  const res = await stageExtract(store, dir, opts);
  const errors = res.problems.filter((p) => p.severity === 'error').length;
  if (errors > 0) {
    await dropStaged(store);
    return { ...res, loaded: false };
  }
  const warnings = res.problems.length - errors;
  const la = lit(opts.la);
  const asAt = `DATE ${lit(opts.asAt)}`;
  const loadedAt = nowDate().toISOString().replace('T', ' ').replace('Z', '');
  const filesJson = JSON.stringify(res.files.map((f) => ({ path: f.path, table: f.table, bytes: f.bytes, sha256: f.sha256, rows: f.rows })));
  opts.onProgress?.('storing the snapshot');
  await store.transaction(async () => {
    for (const t of TABLES) {
      await store.run(`DELETE FROM main.${t.table} WHERE la = ${la} AND as_at = ${asAt}`);
      const cols = t.columns.map((c) => colId(c)).join(', ');
      await store.run(`INSERT INTO main.${t.table} (la, as_at, src_file, src_line, ${cols})
        SELECT ${la}, ${asAt}, src_file, src_line, ${cols} FROM temp.${q(`stg_${t.table}`)} ORDER BY src_line`);
    }
    await store.run(`DELETE FROM main.snapshots WHERE la = ${la} AND as_at = ${asAt}`);
    await store.run(`INSERT INTO main.snapshots (la, as_at, loaded_at, source, files, row_counts, warnings)
      VALUES (${la}, ${asAt}, TIMESTAMP ${lit(loadedAt)}, ${lit(resolve(dir))}, ${lit(filesJson)}, ${lit(JSON.stringify(res.rowCounts))}, ${warnings})`);
  });
  await dropStaged(store);
  return { ...res, loaded: true };
}
