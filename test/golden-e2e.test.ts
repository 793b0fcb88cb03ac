/**
 * Golden files, end to end: a fixture extract folder in, the panel report and its downloads
 * out, compared byte for byte with test/golden/e2e/ (date and time zone frozen by
 * SOURCE_DATE_EPOCH and TZ). After an intended change: UPDATE_GOLDEN=1 npm test, then read
 * the diff before committing it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, SAMPLES, tempDir } from './helpers/cli.js';

const R = '2026-09-30';
const GOLDEN = join(ROOT, 'test', 'golden', 'e2e');
const FILES = [
  `panel-report-E09000015-${R}.html`,
  `panel-report-E09000015-${R}-kpis.csv`,
  `panel-report-E09000015-${R}-kpis.json`,
  `panel-report-E09000015-${R}-chart-data.csv`,
];

describe('golden report from the fixture extract', () => {
  it('the same inputs give the same files, byte for byte', () => {
    const work = tempDir('golden-');
    const store = join(work, 'store.duckdb');
    // two stored quarters, so the trend and the change since last quarter are exercised
    const prev = cli(['load', '--data', join(SAMPLES, '2026-06-30'), '--as-at', '2026-06-30', '--la', 'E09000015', '--store', store]);
    expect(prev.code, prev.stderr).toBe(0);
    const r = cli(['run', '--data', join(SAMPLES, R), '--as-at', R, '--la', 'E09000015', '--store', store, '--out', join(work, 'reports'), '--format', 'html']);
    expect(r.code, r.stderr).toBe(0);
    const dir = join(work, 'reports', 'E09000015', R);
    const kpis = cli(['kpis', '--as-at', R, '--la', 'E09000015', '--store', store, '--format', 'json']);
    expect(kpis.code, kpis.stderr).toBe(0);
    const produced: Record<string, string> = { 'kpis-cli.json': kpis.stdout };
    for (const f of FILES) produced[f] = readFileSync(join(dir, f), 'utf8');
    if (process.env.UPDATE_GOLDEN) {
      mkdirSync(GOLDEN, { recursive: true });
      for (const [f, text] of Object.entries(produced)) writeFileSync(join(GOLDEN, f), text);
    }
    for (const [f, text] of Object.entries(produced)) {
      expect(existsSync(join(GOLDEN, f)), `golden file ${f} (run with UPDATE_GOLDEN=1 to create)`).toBe(true);
      const want = readFileSync(join(GOLDEN, f), 'utf8');
      if (text !== want) {
        const at = [...text].findIndex((c, i) => c !== want[i]);
        expect.fail(`${f} differs from the golden file at character ${at}: …${text.slice(Math.max(0, at - 80), at + 80)}…`);
      }
    }
  });
});
