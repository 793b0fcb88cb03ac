/**
 * The embedded DuckDB store. Row data stays inside DuckDB; only aggregates come to JS.
 * One file holds every snapshot (LA x reference date) an LA has loaded, the KPI results
 * of every run, and the run log. Created readable by the owner only (0600).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from './duckdb.js';
import { CliError, ExitCode } from '../core/errors.js';
import { TABLES, sqlType } from '../ingest/contract.js';

export type Row = Record<string, unknown>;
export type Params = DuckDBValue[] | Record<string, DuckDBValue>;

const SCHEMA_VERSION = 1;

export interface OpenOptions {
  readOnly?: boolean;
  /** Seconds to wait for another process that holds the store (default 30). */
  waitSeconds?: number;
  /** Called once while waiting for the lock. */
  onWait?: (message: string) => void;
}

/** A temp folder only this user can read (DuckDB spills row data there on large loads). */
function spillDir(): string {
  const dir = join(tmpdir(), `corporate-parenting-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/** CP_SQL_TIMING=1: every statement's wall time on stderr (profiling). */
const SQL_TIMING = process.env.CP_SQL_TIMING === '1';
const sqlTiming = (sql: string, ms: number) =>
  process.stderr.write(`sql ${ms.toFixed(1).padStart(8)} ms  @${(performance.now() - ms).toFixed(0).padStart(5)}  ${sql.replace(/\s+/g, ' ').slice(0, 110)}\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Store {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    /** Whether close() closes the database too (false for a second connection). */
    private readonly ownsInstance = true,
  ) {}

  /**
   * A second connection to the same database (its own TEMP objects and transactions): lets one
   * piece of work run while another is being committed. close() closes this connection only.
   */
  async connection(): Promise<Store> {
    return new Store(this.path, this.instance, await this.instance.connect(), false);
  }

  /** An in-memory store (validation without touching the real store; tests). */
  static memory(): Promise<Store> {
    return Store.open(':memory:');
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const memory = path === ':memory:';
    if (!memory) {
      const dir = dirname(path);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    const existed = !memory && existsSync(path);
    if (opts.readOnly && !memory && !existed) {
      throw new CliError(ExitCode.USAGE, `no store at ${path}`, { hint: 'Load an extract first (corporate-parenting load), or point --store at the store file.' });
    }
    const deadline = Date.now() + (opts.waitSeconds ?? 30) * 1000;
    let warned = false;
    for (;;) {
      try {
        const instance = await DuckDBInstance.create(path, {
          autoinstall_known_extensions: 'false',
          autoload_known_extensions: 'false',
          access_mode: opts.readOnly ? 'READ_ONLY' : 'READ_WRITE',
          threads: '2',
          // Bounded memory whatever the extract's size: DuckDB spills to a private temp folder.
          memory_limit: process.env.CP_MEMORY_LIMIT ?? '1GB',
          temp_directory: spillDir(),
        });
        const conn = await instance.connect();
        const store = new Store(path, instance, conn);
        if (!memory) {
          chmodSync(path, 0o600);
        }
        if (!opts.readOnly) await store.migrate();
        return store;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (/lock/i.test(msg) && !memory) {
          if (Date.now() < deadline) {
            if (!warned) opts.onWait?.(`the store ${path} is in use by another run; waiting up to ${opts.waitSeconds ?? 30} s`);
            warned = true;
            await sleep(250);
            continue;
          }
          throw new CliError(ExitCode.STORE_BUSY, `the store ${path} is in use by another run`, {
            hint: 'Wait for the other run to finish (or give --wait SECONDS), then run again. Nothing was changed.',
            cause: err,
          });
        }
        throw new CliError(ExitCode.STORE_BUSY, `cannot open the store ${path}: ${msg}`, {
          hint: 'Check the path and its permissions. If the file is not a corporate-parenting store, point --store elsewhere.',
          cause: err,
        });
      }
    }
  }

  /** Run a query and convert its result (timed with CP_SQL_TIMING, the conversion included). */
  private async read<R>(sql: string, params: Params | undefined, convert: (reader: Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>) => R): Promise<R> {
    const t0 = SQL_TIMING ? performance.now() : 0;
    const out = convert(await this.conn.runAndReadAll(sql, params));
    if (SQL_TIMING) sqlTiming(sql, performance.now() - t0);
    return out;
  }

  /** Rows as plain JSON-able objects (dates as YYYY-MM-DD strings). Cast counts to INT in SQL. */
  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.read(sql, params, (r) => r.getRowObjectsJson() as T[]);
  }

  /**
   * Columns as arrays of JSON-able values, by name: for many rows (a row object per row costs
   * about five times as much).
   */
  columns<T extends Row>(sql: string, params?: Params): Promise<{ [K in keyof T]: T[K][] }> {
    return this.read(sql, params, (r) => r.getColumnsObjectJson() as { [K in keyof T]: T[K][] });
  }

  async one<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params?: Params): Promise<void> {
    const t0 = SQL_TIMING ? performance.now() : 0;
    await this.conn.run(sql, params);
    if (SQL_TIMING) sqlTiming(sql, performance.now() - t0);
  }

  /** Run fn inside one transaction: all of it is stored, or none of it. */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.run('COMMIT');
      return out;
    } catch (err) {
      await this.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  close(): void {
    try {
      this.conn.closeSync();
    } catch {
      /* already closed */
    }
    if (!this.ownsInstance) return;
    try {
      this.instance.closeSync();
    } catch {
      /* already closed */
    }
  }

  private async migrate(): Promise<void> {
    await this.run(`CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`);
    const v = await this.one<{ value: string }>(`SELECT value FROM store_meta WHERE key = 'schema_version'`);
    if (v && Number(v.value) > SCHEMA_VERSION) {
      throw new CliError(ExitCode.USAGE, `the store ${this.path} was written by a newer version of corporate-parenting (schema ${v.value})`, {
        hint: 'Upgrade corporate-parenting, or use another --store.',
      });
    }
    await this.transaction(async () => {
      for (const sql of schemaSql()) await this.run(sql);
      await this.run(`INSERT OR REPLACE INTO store_meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    });
  }
}

/** DDL of every store table. Snapshot tables are keyed by (la, as_at). */
export function schemaSql(): string[] {
  const out: string[] = [];
  for (const t of TABLES) {
    const cols = t.columns.map((c) => `${c.name.toLowerCase()} ${sqlType(c.type)}`).join(', ');
    out.push(`CREATE TABLE IF NOT EXISTS ${t.table} (la VARCHAR NOT NULL, as_at DATE NOT NULL, src_file VARCHAR, src_line INTEGER, ${cols})`);
  }
  out.push(`CREATE TABLE IF NOT EXISTS snapshots (
    la VARCHAR NOT NULL, as_at DATE NOT NULL, loaded_at TIMESTAMP NOT NULL, source VARCHAR,
    files VARCHAR, row_counts VARCHAR, warnings INTEGER, PRIMARY KEY (la, as_at))`);
  out.push(`CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, la VARCHAR NOT NULL, as_at DATE NOT NULL, started_at TIMESTAMP NOT NULL, command VARCHAR)`);
  out.push(`CREATE TABLE IF NOT EXISTS kpi_results (
    run_id VARCHAR NOT NULL, la VARCHAR NOT NULL, as_at DATE NOT NULL, r DATE NOT NULL, kpi_id VARCHAR NOT NULL,
    numerator DOUBLE, denominator DOUBLE, value DOUBLE, children INTEGER, unknown INTEGER)`);
  out.push(`CREATE TABLE IF NOT EXISTS kpi_breakdowns (
    run_id VARCHAR NOT NULL, la VARCHAR NOT NULL, as_at DATE NOT NULL, r DATE NOT NULL, kpi_id VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL, category VARCHAR NOT NULL, numerator DOUBLE, denominator DOUBLE, children INTEGER)`);
  return out;
}

/** SQL string literal. */
export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
