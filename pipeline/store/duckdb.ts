/**
 * The DuckDB client (@duckdb/node-api), loaded with require(): the package is CommonJS, and an
 * ES import of it first lexes each of its files for their export names (~0.1 s of every start,
 * on the way to the first query). Import DuckDB from here, not from the package.
 */
import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

export const { DuckDBInstance, DuckDBConnection, listValue, LIST, INTEGER } = duckdb;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export type DuckDBConnection = DuckDB.DuckDBConnection;
export type DuckDBValue = DuckDB.DuckDBValue;
