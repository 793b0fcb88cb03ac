import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { BENCH_INDEX_JSON, benchIndexFromCsv, fileSha256, benchmarksFor, csvFields, currentLas, neighbours, readCsv } from '../pipeline/compute/reference.js';
import { REFERENCE_DIR } from '../pipeline/core/paths.js';
import { UNITS_CSV, UNITS_K_PARQUET, UNITS_SOURCE_KEY, unitsKeyedFromCsv, unitsParquetFresh } from '../pipeline/compute/engine.js';
import { lit, Store } from '../pipeline/store/store.js';

describe('reference CSV reader', () => {
  it('splits quoted fields as RFC 4180 says', () => {
    expect(csvFields('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(csvFields('"Kingston upon Hull, City of",810,""')).toEqual(['Kingston upon Hull, City of', '810', '']);
    expect(csvFields('x,"say ""hi""",y')).toEqual(['x', 'say "hi"', 'y']);
    expect(csvFields('x,"a,b"')).toEqual(['x', 'a,b']);
  });
  for (const f of ['la_codes.csv', 'statistical_neighbours.csv', 'cla_kpi_benchmarks.csv']) {
    it(`reads ${f} as csv-parse does`, () => {
      const want = parse(readFileSync(join(REFERENCE_DIR, f)), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
      expect(readCsv(f)).toEqual(want);
    });
  }
  it('benchmarksFor gives what a scan of the parsed rows gives, for every indicator and current LA', () => {
    // the former implementation: csv-parse, then a scan of the latest year's rows
    const rows = (parse(readFileSync(join(REFERENCE_DIR, 'cla_kpi_benchmarks.csv')), { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[]).map((r) => {
      const p = r.percentage?.trim() ?? '';
      return { indicator: r.indicator!, year: r.time_period!, level: r.geographic_level!, region: (r.region_name ?? '').toLowerCase(), dfe: r.old_la_code ?? '', pct: /^-?\d+(\.\d+)?$/.test(p) ? Number(p) : null };
    });
    const indicators = [...new Set(rows.map((r) => r.indicator)), 'nope'];
    for (const indicator of indicators) {
      const mine = rows.filter((r) => r.indicator === indicator);
      const years = [...new Set(mine.filter((r) => r.level === 'National' && r.pct !== null).map((r) => r.year))].sort();
      const year = years[years.length - 1];
      const inYear = mine.filter((r) => r.year === year);
      for (const la of currentLas()) {
        const got = benchmarksFor({ indicator, transform: 'none', note: '' }, la);
        if (!year) {
          expect(got).toBeNull();
          continue;
        }
        const nbValues = neighbours(la.dfe).map((n) => inYear.find((r) => r.level === 'Local authority' && r.dfe === n.dfe)?.pct ?? null).filter((v): v is number => v !== null);
        expect(got).toMatchObject({
          england: inYear.find((r) => r.level === 'National')?.pct ?? null,
          region: inYear.find((r) => r.level === 'Regional' && r.region === la.regionName.toLowerCase())?.pct ?? null,
          la: inYear.find((r) => r.level === 'Local authority' && r.dfe === la.dfe)?.pct ?? null,
          neighboursUsed: nbValues.length,
          neighbours: nbValues.length ? Math.round((nbValues.reduce((a, b) => a + b, 0) / nbValues.length) * 10) / 10 : null,
        });
      }
    }
  });
  it('the shipped Parquet boundary units are exactly the rows derived from the CSV (rebuild: data-samples/reference-derived.ts)', async () => {
    const store = await Store.memory();
    try {
      await store.run(`CREATE TABLE from_csv AS ${unitsKeyedFromCsv()}`);
      await store.run(`CREATE TABLE from_parquet AS SELECT * FROM read_parquet(${lit(UNITS_K_PARQUET)})`);
      const cols = await store.all(`SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'from_parquet' ORDER BY column_index`);
      expect(cols).toEqual([{ column_name: 'key', data_type: 'VARCHAR' }, { column_name: 'utla_code', data_type: 'VARCHAR' }]);
      const n = await store.one<{ a: number; b: number; keys: number }>(`SELECT (SELECT count(*) FROM from_csv)::INT AS a, (SELECT count(*) FROM from_parquet)::INT AS b,
        (SELECT count(DISTINCT key) FROM from_parquet)::INT AS keys`);
      expect(n!.a).toBeGreaterThan(500_000);
      expect(n).toEqual({ a: n!.a, b: n!.a, keys: n!.a });
      const diff = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM ((SELECT * FROM from_csv EXCEPT ALL SELECT * FROM from_parquet) UNION ALL (SELECT * FROM from_parquet EXCEPT ALL SELECT * FROM from_csv))`);
      expect(diff!.n).toBe(0);
    } finally {
      store.close();
    }
  }, 60_000);
  it('the shipped benchmarks index is what the CSV gives (rebuild: data-samples/reference-derived.ts)', () => {
    const shipped = JSON.parse(readFileSync(join(REFERENCE_DIR, BENCH_INDEX_JSON), 'utf8'));
    expect(shipped).toEqual(benchIndexFromCsv());
    expect(shipped.sourceSha256).toBe(fileSha256(join(REFERENCE_DIR, 'cla_kpi_benchmarks.csv')));
  });
  it('the shipped Parquet copy records the SHA-256 of the CSV it was built from; a copy from another CSV, or none, is not read', async () => {
    const store = await Store.memory();
    const dir = mkdtempSync(join(tmpdir(), 'cp-units-'));
    try {
      const meta = await store.one<{ v: string }>(`SELECT decode(value) AS v FROM parquet_kv_metadata(${lit(UNITS_K_PARQUET)}) WHERE decode(key) = ${lit(UNITS_SOURCE_KEY)}`);
      expect(meta!.v).toBe(fileSha256(UNITS_CSV));
      expect(await unitsParquetFresh(store)).toBe(true);
      // the same rows with another source hash (a CSV refreshed without rebuilding the copy)
      const stale = join(dir, 'stale.parquet');
      await store.run(`COPY (SELECT * FROM read_parquet(${lit(UNITS_K_PARQUET)}) LIMIT 10) TO ${lit(stale)} (FORMAT parquet, KV_METADATA {${UNITS_SOURCE_KEY}: '${'0'.repeat(64)}'})`);
      expect(await unitsParquetFresh(store, stale)).toBe(false);
      // no metadata at all (an older copy), or no file
      const bare = join(dir, 'bare.parquet');
      await store.run(`COPY (SELECT * FROM read_parquet(${lit(UNITS_K_PARQUET)}) LIMIT 10) TO ${lit(bare)} (FORMAT parquet)`);
      expect(await unitsParquetFresh(store, bare)).toBe(false);
      expect(await unitsParquetFresh(store, join(dir, 'missing.parquet'))).toBe(false);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
