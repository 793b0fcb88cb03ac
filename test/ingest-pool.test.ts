/**
 * A pool is staged in batches (one read_csv per table and header layout, each rule once over the
 * batch). Whatever shares a batch, every extract must give exactly what it gives loaded alone:
 * the same stored rows (values, src_file, src_line), the same snapshot record, the same problems.
 * The extracts below differ in the ways that take the batch off its fast path: another column
 * order, CRLF line ends, quoted line breaks and blank lines (line map), a row with a missing
 * value (the reader rejects it: exact re-scan and cleaned copy), rule errors (not stored), two
 * reference dates (rule groups), a missing optional table, and the same folder given twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, schemaSql } from '../pipeline/store/store.js';
import { loadExtract, loadExtracts, stageExtracts, type ExtractSpec } from '../pipeline/ingest/ingest.js';
import { TABLES } from '../pipeline/ingest/contract.js';
import { ROOT } from '../pipeline/core/paths.js';
import { withEnv } from './helpers/env.js';

const SAMPLE = join(ROOT, 'data-samples', 'extracts', 'E09000015');
const tmp = mkdtempSync(join(tmpdir(), 'ingest-pool-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copy(name: string, asAt = '2026-09-30'): string {
  const dir = join(tmp, name);
  cpSync(join(SAMPLE, asAt), dir, { recursive: true });
  return dir;
}
const lines = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n');
const write = (dir: string, f: string, ls: string[], eol = '\n') => writeFileSync(join(dir, f), ls.join(eol) + eol);

/** Move column `from` to the front of every line (no quoted commas in the samples). */
function reorder(dir: string, f: string, from: number) {
  write(dir, f, lines(dir, f).map((l) => {
    const v = l.split(',');
    const [x] = v.splice(from, 1);
    return [x, ...v].join(',');
  }));
}

let specs: ExtractSpec[];

beforeAll(() => {
  const plain = copy('plain');
  const reordered = copy('reordered');
  reorder(reordered, 'episodes.csv', 7); // DEC first
  reorder(reordered, 'header.csv', 2);
  write(reordered, 'pep.csv', lines(reordered, 'pep.csv'), '\r\n');
  const quoted = copy('quoted');
  const ep = lines(quoted, 'episodes.csv');
  const i = 5;
  ep[i] = ep[i]!.replace(/,([^,]*)$/, ',"URN\nwith a line break"'); // URN spans two lines
  ep.splice(9, 0, ''); // a blank line (skipped without a problem)
  write(quoted, 'episodes.csv', ep);
  const short = copy('short-row');
  const rv = lines(short, 'reviews.csv');
  rv[3] = rv[3]!.split(',').slice(0, -1).join(','); // one value missing: the reader rejects the row
  write(short, 'reviews.csv', rv);
  const broken = copy('broken');
  const ep2 = lines(broken, 'episodes.csv');
  const v = ep2[2]!.split(',');
  [v[1], v[7]] = ['01/01/2025', '01/01/2024']; // DEC before DECOM
  ep2[2] = v.join(',');
  write(broken, 'episodes.csv', ep2);
  const older = copy('older', '2026-06-30');
  unlinkSync(join(older, 'missing.csv'));
  specs = [
    { dir: plain, la: 'E09000015', asAt: '2026-09-30' },
    { dir: reordered, la: 'E09000001', asAt: '2026-09-30' },
    { dir: quoted, la: 'E09000002', asAt: '2026-09-30' },
    { dir: short, la: 'E09000003', asAt: '2026-09-30' },
    { dir: broken, la: 'E09000004', asAt: '2026-09-30' },
    { dir: older, la: 'E09000005', asAt: '2026-06-30' },
    { dir: plain, la: 'E09000006', asAt: '2026-09-30' }, // the same folder again
  ];
});

async function contents(store: Store) {
  const out: Record<string, unknown> = {};
  for (const t of TABLES) {
    out[t.table] = await store.all(`SELECT * FROM main.${t.table} ORDER BY la, as_at, src_line`);
  }
  out.snapshots = await store.all(`SELECT la, as_at, source, files, row_counts, warnings FROM main.snapshots ORDER BY la, as_at`);
  return JSON.parse(JSON.stringify(out, (_, x) => (typeof x === 'bigint' ? Number(x) : x)));
}

describe('staging a pool in one batch', () => {
  it('stores and reports for each extract exactly what loading it alone does', async () => {
    const pooled = await Store.memory();
    const alone = await Store.memory();
    try {
      const together = await loadExtracts(pooled, specs);
      const separate = [];
      for (const s of specs) separate.push(await loadExtract(alone, s.dir, { la: s.la, asAt: s.asAt }));
      expect(together.map((r) => r.loaded)).toEqual([true, true, true, false, false, true, true]);
      expect(together).toEqual(separate);
      expect(await contents(pooled)).toEqual(await contents(alone));
      // the cases did what they are for
      expect(separate[3]!.problems.filter((p) => p.severity === 'error').map((p) => [p.rule, p.file, p.line])).toEqual([['csv-structure', 'reviews.csv', 4]]);
      expect(separate[4]!.problems.filter((p) => p.severity === 'error').map((p) => p.rule)).toContain('episode-dates');
      const quotedRows = await pooled.all<{ src_line: number; urn: string }>(`SELECT src_line, urn FROM main.episodes WHERE la = 'E09000002' AND src_line BETWEEN 5 AND 12 ORDER BY src_line`);
      expect(quotedRows.map((r) => r.src_line)).toEqual([5, 6, 8, 9, 10, 12]); // line 7 continues 6; line 11 is blank
      expect(quotedRows[1]!.urn).toBe('URN\nwith a line break');
    } finally {
      pooled.close();
      alone.close();
    }
  });

  it('stages each extract of a batch with the same problems as alone, without storing', async () => {
    const pooled = await Store.memory();
    const alone = await Store.memory();
    try {
      const together = await stageExtracts(pooled, specs);
      for (const [i, s] of specs.entries()) {
        expect(together[i]).toEqual((await stageExtracts(alone, [s]))[0]);
      }
      expect(await pooled.one(`SELECT count(*)::INT AS n FROM main.episodes`)).toEqual({ n: 0 });
    } finally {
      pooled.close();
      alone.close();
    }
  });
});

describe('a large batch, stored table by table while it is staged', () => {
  it('rolls back when the checks find an error late: the earlier snapshot of that council stays, the others are stored', async () => {
    const ref = await Store.memory();
    const spec = await Store.memory();
    try {
      const earlier = { la: specs[4]!.la, asAt: specs[4]!.asAt }; // the council whose new extract has errors
      for (const s of [ref, spec]) expect((await loadExtract(s, specs[0]!.dir, earlier)).loaded).toBe(true);
      const expected = await loadExtracts(ref, specs); // one small batch: stored once the checks are done
      const progress: string[] = [];
      // every batch "large": the store begins with the first table, guessing all 7 extracts clean
      const got = await withEnv('CP_INGEST_SMALL_BYTES', '0', () => loadExtracts(spec, specs, { onProgress: (m) => progress.push(m) }));
      expect(progress.filter((m) => /storing|errors/.test(m))).toEqual([
        'storing 7 snapshots', 'the checks found errors in 2 of those extracts: storing the other 5 again', 'storing 5 snapshots']);
      expect(got).toEqual(expected);
      expect(got.map((r) => r.loaded)).toEqual([true, true, true, false, false, true, true]);
      const stored = await contents(spec);
      expect(stored).toEqual(await contents(ref));
      // the council with errors keeps its earlier snapshot (the rollback undid the delete of its rows)
      expect((stored.snapshots as { la: string; source: string }[]).find((r) => r.la === earlier.la)!.source).toBe(specs[0]!.dir);
      expect((stored.episodes as { la: string }[]).filter((r) => r.la === earlier.la).length).toBe(lines(specs[0]!.dir, 'episodes.csv').length - 1);
      expect(await spec.all(`SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'stg%'`)).toEqual([]);
    } finally {
      ref.close();
      spec.close();
    }
  });
});

/** Run fn with batches of at most `bytes` (1: every extract is a batch of its own). */
const withBatchBytes = <T>(bytes: number, fn: () => Promise<T>) => withEnv('CP_INGEST_BATCH_BYTES', String(bytes), fn);

describe('a pool in several batches (staged on one connection, one after another, and stored on the other)', () => {
  it('stores and reports exactly what one batch does, storing the batches in order', async () => {
    const one = await Store.memory();
    const many = await Store.memory();
    try {
      const together = await loadExtracts(one, specs);
      const progress: string[] = [];
      const batched = await withBatchBytes(1, () => loadExtracts(many, specs, { onProgress: (m) => progress.push(m) }));
      expect(batched).toEqual(together);
      expect(await contents(many)).toEqual(await contents(one));
      // seven batches, stored in order as they are staged; the fourth and fifth have errors found
      // while they were being stored (the CSV reader's, the checks'): rolled back, nothing stored
      expect(progress.filter((m) => /^batch \d+\/7: \d+ extract/.test(m))).toHaveLength(7);
      expect(progress.filter((m) => /storing|errors/.test(m))).toEqual([1, 2, 3, 4, 5, 6, 7].flatMap((b) => [
        `batch ${b}/7: storing the snapshot`, ...(b === 4 || b === 5 ? [`batch ${b}/7: the checks found errors: nothing is stored`] : [])]));
      expect(await many.all(`SELECT la FROM main.snapshots ORDER BY la`)).toEqual(specs.filter((_, i) => i !== 3 && i !== 4).map((s) => ({ la: s.la })).sort((a, b) => a.la.localeCompare(b.la)));
      // nothing staged is left behind on the store's own connection, nor attached to the database
      expect(await many.all(`SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal`)).toEqual([]);
      expect(await many.all(`SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'stg%'`)).toEqual([]);
    } finally {
      one.close();
      many.close();
    }
  });

  it('a batch that cannot be stored stops the load: the batches before it stay stored, none after it is', async () => {
    const store = await Store.memory();
    try {
      // the Header table refuses the sixth extract's council (as a full disk or a bad row would)
      const ddl = schemaSql().find((s) => /TABLE IF NOT EXISTS header /.test(s))!;
      await store.run('DROP TABLE main.header');
      await store.run(ddl.replace(/\)$/, `, CHECK (la <> 'E09000005'))`));
      await expect(withBatchBytes(1, () => loadExtracts(store, specs))).rejects.toThrow(/CHECK constraint/i);
      expect(await store.all(`SELECT la FROM main.snapshots ORDER BY la`)).toEqual([{ la: 'E09000001' }, { la: 'E09000002' }, { la: 'E09000015' }]);
      expect(await store.all(`SELECT DISTINCT la FROM main.episodes ORDER BY la`)).toEqual([{ la: 'E09000001' }, { la: 'E09000002' }, { la: 'E09000015' }]);
      // the store is usable after the failure
      expect(await store.one(`SELECT count(*)::INT AS n FROM main.header WHERE la = 'E09000006'`)).toEqual({ n: 0 });
    } finally {
      store.close();
    }
  });

  it('a batch that cannot be staged stops the load after the batch being stored is stored', async () => {
    const store = await Store.memory();
    try {
      const bad = specs.map((s, i) => (i === 2 ? { ...s, asAt: '2026-02-30' as ExtractSpec['asAt'] } : s)); // no such date: the checks fail
      await expect(withBatchBytes(1, () => loadExtracts(store, bad))).rejects.toThrow();
      expect(await store.all(`SELECT la FROM main.snapshots ORDER BY la`)).toEqual([{ la: 'E09000001' }, { la: 'E09000015' }]);
    } finally {
      store.close();
    }
  });
});
