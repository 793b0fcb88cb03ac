/**
 * Rebuild the derived reference files (run after refreshing a source file):
 * `npm run build && node dist/data-samples/reference-derived.js`.
 *
 * reference/cla_kpi_benchmarks_latest.json, from cla_kpi_benchmarks.csv: per indicator, the
 * latest year with an England figure and that year's England, region and LA figures (what
 * benchmarksFor looks up), so that a run does not parse the 5 MB CSV. Both files record the
 * SHA-256 of their source and are ignored (the source read) when it no longer matches.
 *
 * reference/postcode_units_boundary_k.parquet, from postcode_units_boundary.csv.gz:
 * the table the KPI engine keys boundary units by (compact postcode ->
 * upper-tier LA, see unitsKeyedFromCsv in pipeline/compute/engine.ts), sorted by key: a new
 * store reads it in a tenth of a second instead of parsing the 586k-row gzipped CSV (2 s).
 * test/kpi-prepare-reference.test.ts checks that both hold exactly what their source gives.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNITS_CSV, UNITS_K_PARQUET, UNITS_SOURCE_KEY, unitsKeyedFromCsv } from '../pipeline/compute/engine.js';
import { BENCH_INDEX_JSON, benchIndexFromCsv, fileSha256 } from '../pipeline/compute/reference.js';
import { REFERENCE_DIR } from '../pipeline/core/paths.js';
import { lit, Store } from '../pipeline/store/store.js';

const bench = join(REFERENCE_DIR, BENCH_INDEX_JSON);
const index = benchIndexFromCsv();
writeFileSync(`${bench}.tmp`, `${JSON.stringify(index)}\n`);
renameSync(`${bench}.tmp`, bench);
process.stdout.write(`${bench}: ${Object.keys(index.indicators).length} indicators\n`);

const tmp = `${UNITS_K_PARQUET}.tmp`;
const store = await Store.memory();
try {
  rmSync(tmp, { force: true });
  // the CSV's SHA-256 goes with it: a run reads the copy only while the CSV is unchanged
  await store.run(`COPY (${unitsKeyedFromCsv()} ORDER BY 1) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${UNITS_SOURCE_KEY}: ${lit(fileSha256(UNITS_CSV))}})`);
  const n = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM read_parquet(${lit(tmp)})`);
  renameSync(tmp, UNITS_K_PARQUET);
  process.stdout.write(`${UNITS_K_PARQUET}: ${n?.n ?? 0} postcode units\n`);
} finally {
  store.close();
}
