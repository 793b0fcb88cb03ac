/**
 * A small batch (one council) is staged by other plans than a large one (one DuckDB thread,
 * trimmed values stored by the read, ordered instead of partitioned windows): see
 * smallBatchBytes in pipeline/ingest/ingest.ts. Both ways must give exactly the same problems,
 * stored rows (src_line included) and snapshot records; the extracts below take the staging off
 * its plain path (line map, rejected rows, cross-row rules, codes to normalise, blank values,
 * rule groups).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../pipeline/store/store.js';
import { loadExtract, loadExtracts, stageExtracts, type ExtractSpec } from '../pipeline/ingest/ingest.js';
import { TABLES } from '../pipeline/ingest/contract.js';
import { ROOT } from '../pipeline/core/paths.js';
import { withEnv } from './helpers/env.js';

const SAMPLE = join(ROOT, 'data-samples', 'extracts', 'E09000015');
const tmp = mkdtempSync(join(tmpdir(), 'ingest-perf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const copy = (name: string, asAt = '2026-09-30') => {
  const dir = join(tmp, name);
  cpSync(join(SAMPLE, asAt), dir, { recursive: true });
  return dir;
};
const lines = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n');
const write = (dir: string, f: string, ls: string[], eol = '\n') => writeFileSync(join(dir, f), ls.join(eol) + eol);
/** Change field `i` of line `n` (no quoted commas in the samples). */
const setField = (ls: string[], n: number, i: number, v: string) => {
  const f = ls[n]!.split(',');
  f[i] = v;
  ls[n] = f.join(',');
};

let specs: ExtractSpec[];

beforeAll(() => {
  const plain = copy('plain');
  const messy = copy('messy');
  const ep = lines(messy, 'episodes.csv');
  const col = (name: string) => ep[0]!.split(',').indexOf(name);
  ep[5] = ep[5]!.replace(/,([^,]*)$/, ',"URN\nwith a line break"');
  ep.splice(9, 0, ''); // blank line
  setField(ep, 3, col('RNE'), ' p '); // code to normalise
  setField(ep, 4, col('DECOM'), '31/02/2025'); // not a real date
  setField(ep, 6, col('REC'), 'X1'); // x1-gap, probably
  ep.push(ep[2]!); // the same episode twice: overlap
  write(messy, 'episodes.csv', ep, '\r\n');
  const hd = lines(messy, 'header.csv');
  hd.push(hd[1]!); // duplicate child
  hd.splice(4, 0, hd[0]!); // repeated header row
  setField(hd, 2, 1, ''); // blank required value
  write(messy, 'header.csv', hd);
  const short = copy('short-row');
  const rv = lines(short, 'reviews.csv');
  rv[3] = rv[3]!.split(',').slice(0, -1).join(',');
  write(short, 'reviews.csv', rv);
  const older = copy('older', '2026-06-30');
  unlinkSync(join(older, 'missing.csv'));
  specs = [
    { dir: plain, la: 'E09000015', asAt: '2026-09-30' },
    { dir: messy, la: 'E09000001', asAt: '2026-09-30' },
    { dir: short, la: 'E09000003', asAt: '2026-09-30' },
    { dir: older, la: 'E09000005', asAt: '2026-06-30' },
  ];
});

async function contents(store: Store) {
  const out: Record<string, unknown> = {};
  for (const t of TABLES) out[t.table] = await store.all(`SELECT * FROM main.${t.table} ORDER BY la, as_at, src_line`);
  out.snapshots = await store.all(`SELECT la, as_at, source, files, row_counts, warnings FROM main.snapshots ORDER BY la, as_at`);
  out.staging = await store.all(`SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'stg%' UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND view_name LIKE 'stg%'`);
  return JSON.parse(JSON.stringify(out, (_, x) => (typeof x === 'bigint' ? Number(x) : x)));
}

/** Run fn with the small-batch limit set to `bytes` (0: every batch takes the large plans). */
const withLimit = <T>(bytes: number, fn: () => Promise<T>) => withEnv('CP_INGEST_SMALL_BYTES', String(bytes), fn);

describe('small and large batch plans', () => {
  it('load each extract, and the batch, with the same results both ways', async () => {
    for (const batch of [false, true]) {
      const res: unknown[] = [];
      const db: unknown[] = [];
      for (const bytes of [0, 1e12]) {
        const store = await Store.memory();
        try {
          res.push(await withLimit(bytes, async () => {
            if (batch) return loadExtracts(store, specs);
            const one = [];
            for (const s of specs) one.push(await loadExtract(store, s.dir, { la: s.la, asAt: s.asAt }));
            return one;
          }));
          db.push(await contents(store));
          expect(await store.one(`SELECT current_setting('threads')::INT AS t`)).toEqual({ t: 2 }); // restored
        } finally {
          store.close();
        }
      }
      expect(res[1]).toEqual(res[0]);
      expect(db[1]).toEqual(db[0]);
    }
  });

  it('the messy extract reports the problems it was made for', async () => {
    const store = await Store.memory();
    try {
      const [r] = await stageExtracts(store, [specs[1]!]);
      const rules = new Set(r!.problems.map((p) => p.rule));
      for (const rule of ['code-normalised', 'bad-date', 'duplicate-child', 'repeated-header', 'missing-value', 'episode-overlap']) expect(rules, rule).toContain(rule);
    } finally {
      store.close();
    }
  });
});
