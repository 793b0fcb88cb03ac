/**
 * End to end: the built CLI as a child process, as analysts and CI jobs run it.
 * Exit codes, JSON on stdout (and nothing else), no ANSI codes when not a TTY, atomic loads,
 * identical files from identical runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, copySample, hashTree, ROOT, SAMPLES, storeFingerprint, tempDir } from './helpers/cli.js';
import { SHORT_RUN_BYTES, shortRunFlags } from '../pipeline/cli/short-run.js';

const R = '2026-09-30';
const ANSI = /\x1b\[/;

describe('corporate-parenting CLI', () => {
  let store: string;
  beforeAll(() => {
    expect(existsSync(join(SAMPLES, R)), 'samples are committed').toBe(true);
    store = join(tempDir('store-'), 'cp.duckdb');
  });

  it('validate: a good sample is valid, JSON on stdout only, exit 0', () => {
    const r = cli(['validate', '--data', join(SAMPLES, R), '--as-at', R, '--la', 'E09000015', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.ok).toBe(true);
    expect(doc.errors).toBe(0);
    expect(doc.rowCounts.episodes).toBeGreaterThan(100);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    expect(existsSync(store)).toBe(false); // validate changes nothing
  });

  it('load twice leaves one snapshot; the quarter can be given as a financial-year quarter', () => {
    for (const q of ['2026-27-Q2', R]) {
      const r = cli(['load', '--data', join(SAMPLES, R), '--quarter', q, '--la', '310', '--store', store]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json().loaded).toBe(true);
    }
    const list = cli(['list', '--store', store]).json();
    expect(list.snapshots.filter((s: { asAt: string }) => s.asAt === R)).toHaveLength(1);
    expect((statSync(store).mode & 0o777).toString(8)).toBe('600');
  });

  it('a broken extract: exit 1, every problem with file and line, the store exactly as it was', async () => {
    const other = cli(['load', '--data', join(SAMPLES, '2026-06-30'), '--as-at', '2026-06-30', '--la', 'E09000015', '--store', store]);
    expect(other.code, other.stderr).toBe(0);
    const before = await storeFingerprint(store);
    const dir = copySample(R);
    const ep = join(dir, 'episodes.csv');
    const lines = readFileSync(ep, 'utf8').split('\n');
    const cols = lines[0]!.split(',');
    const bad = lines[1]!.split(',');
    bad[cols.indexOf('DECOM')] = '31/02/2025';
    lines[1] = bad.join(',');
    writeFileSync(ep, lines.join('\n'));
    const hdr = readFileSync(join(dir, 'header.csv'), 'utf8').split('\n');
    writeFileSync(join(dir, 'header.csv'), [...hdr.slice(0, 2), hdr[1], ...hdr.slice(2)].join('\n')); // duplicate child
    const r = cli(['load', '--data', dir, '--as-at', R, '--la', 'E09000015', '--store', store, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = r.json();
    expect(doc.loaded).toBe(false);
    const rules = doc.problems.map((p: { rule: string }) => p.rule);
    expect(rules).toEqual(expect.arrayContaining(['bad-date', 'duplicate-child']));
    const badDate = doc.problems.find((p: { rule: string }) => p.rule === 'bad-date');
    expect(badDate).toMatchObject({ file: 'episodes.csv', line: 2, column: 'DECOM', value: '31/02/2025' });
    const dup = doc.problems.find((p: { rule: string }) => p.rule === 'duplicate-child');
    expect(dup.file).toBe('header.csv');
    expect(dup.line).toBeGreaterThan(1);
    expect(existsSync(doc.validationReport)).toBe(true);
    expect(readFileSync(doc.validationReport, 'utf8')).toMatch(/^\uFEFF?rule,severity,file,line,column,child,value,message/);
    expect(await storeFingerprint(store)).toEqual(before);
  });

  it('usage errors exit 2 with a hint, and never prompt', () => {
    const r = cli(['load', '--data', join(SAMPLES, R), '--as-at', '2026-09-29', '--la', 'E09000015', '--store', store]);
    expect(r.code).toBe(2);
    expect(r.json().error).toMatch(/not a quarter end/);
    expect(r.stderr).toMatch(/what to do/);
    expect(cli(['load', '--data', '/no/such/dir', '--as-at', R, '--la', 'E09000015', '--store', store]).code).toBe(2);
    expect(cli(['load', '--data', join(SAMPLES, R), '--as-at', R, '--la', 'E99999999', '--store', store]).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
  });

  it('kpis --format json has the documented shape; csv and table work', () => {
    const r = cli(['kpis', '--as-at', R, '--la', 'E09000015', '--store', store, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.la).toBe('E09000015');
    expect(doc.asAt).toBe(R);
    expect(doc.kpis.length).toBe(21);
    for (const k of doc.kpis) {
      for (const f of ['id', 'title', 'numerator', 'denominator', 'value', 'unit', 'polarity', 'target', 'status', 'previous', 'benchmarks', 'suppressed']) expect(k, `${k.id}.${f}`).toHaveProperty(f);
      if (k.unit === 'percent' && k.denominator > 0) expect(k.value).toBeCloseTo((k.numerator / k.denominator) * 100, 10);
    }
    const within = doc.kpis.find((k: { id: string }) => k.id === 'placed_within_20_miles');
    expect(typeof within.unknown).toBe('number');
    const csv = cli(['kpis', '--as-at', R, '--la', 'E09000015', '--store', store, '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toMatch(/^id,/);
    expect(csv.stdout.trim().split('\n')).toHaveLength(22);
  });

  it('run: one command makes the report and downloads; two runs give identical files; diff against the last run', () => {
    const out1 = tempDir('out-');
    const out2 = tempDir('out-');
    const s = join(tempDir('store-'), 'cp.duckdb');
    const a = cli(['run', '--data', join(SAMPLES, R), '--quarter', '2026-27-Q2', '--la', 'E09000015', '--store', s, '--out', out1, '--format', 'html']);
    expect(a.code, a.stderr).toBe(0);
    const doc = a.json();
    expect(doc.reports[0].files.some((f: string) => f.endsWith('.html'))).toBe(true);
    const b = cli(['run', '--data', join(SAMPLES, R), '--quarter', '2026-27-Q2', '--la', 'E09000015', '--store', s, '--out', out2, '--format', 'html']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json().changes[0].lastRunId).toBe('E09000015:2026-09-30:1');
    const h1 = hashTree(join(out1, 'E09000015', R));
    const h2 = hashTree(join(out2, 'E09000015', R));
    for (const f of ['run-diff-OFFICER-ONLY.json', 'run-diff-OFFICER-ONLY.csv']) { expect((statSync(join(out1, 'E09000015', R, f)).mode & 0o777).toString(8)).toBe('600'); delete h1[f]; delete h2[f]; }
    expect(Object.keys(h1).filter((f) => /\.(html|csv|json|arrow)$/.test(f)).length).toBeGreaterThanOrEqual(5);
    expect(h2).toEqual(h1);
    expect(a.stdout + a.stderr).not.toMatch(ANSI);
  });

  it('--fail-on-change exits 4 when a KPI moved beyond the threshold since the last run', () => {
    const s = join(tempDir('store-'), 'cp.duckdb');
    const out = tempDir('out-');
    const base = ['run', '--quarter', '2026-27-Q2', '--la', 'E09000015', '--store', s, '--out', out, '--format', 'html', '--fail-on-change', '--threshold', '1'];
    expect(cli([...base, '--data', join(SAMPLES, R)]).code).toBe(0);
    const dir = copySample(R);
    const oc3 = join(dir, 'oc3.csv');
    const rows = readFileSync(oc3, 'utf8').split('\n');
    const cols = rows[0]!.split(',');
    const it = cols.indexOf('IN_TOUCH');
    let changed = 0;
    const next = rows.map((l, i) => {
      if (i === 0 || !l) return l;
      const f = l.split(',');
      if (f[it] === 'YES' && changed < 15) {
        changed++;
        f[it] = 'NO';
        f[cols.indexOf('ACTIV')] = '0';
        f[cols.indexOf('ACCOM')] = '0';
      }
      return f.join(',');
    });
    writeFileSync(oc3, next.join('\n'));
    const r = cli([...base, '--data', dir]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.json().changes[0].movedBeyondThreshold.map((m: { id: string }) => m.id)).toContain('care_leavers_in_touch_19_21');
  });

  it('internal audience: a separate file name, owner-only, watermarked, with the exceptions annex', () => {
    const out = tempDir('out-');
    const r = cli(['report', '--as-at', R, '--la', 'E09000015', '--store', store, '--out', out, '--format', 'html', '--audience', 'internal']);
    expect(r.code, r.stderr).toBe(0);
    const html = r.json().files.find((f: string) => f.endsWith('.html'));
    expect(html).toMatch(/INTERNAL-OFFICIAL-SENSITIVE\.html$/);
    expect((statSync(html).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(html, 'utf8')).toContain('OFFICIAL-SENSITIVE');
  });

  it('a second run on a busy store waits, then fails clearly with exit 5, changing nothing', async () => {
    const { Store } = await import('../pipeline/store/store.js');
    const held = await Store.open(store);
    try {
      const r = cli(['load', '--data', join(SAMPLES, R), '--as-at', R, '--la', 'E09000015', '--store', store, '--wait', '1']);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/in use by another run/);
    } finally {
      held.close();
    }
  });

  it('forget deletes a quarter for good', () => {
    const r = cli(['forget', '--la', 'E09000015', '--as-at', '2026-06-30', '--store', store]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().snapshotsDeleted).toBe(1);
    const list = cli(['list', '--store', store]).json();
    expect(list.snapshots.map((s: { asAt: string }) => s.asAt)).not.toContain('2026-06-30');
    expect((statSync(store).mode & 0o777).toString(8)).toBe('600');
  });

  it('init writes a starter config with neighbours and refuses to overwrite', () => {
    const dir = tempDir('cfg-');
    const r = cli(['init', '--la', 'Harrow', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'E09000015.yaml'), 'utf8');
    expect(text).toContain('Redbridge');
    expect(text).toContain('care_leavers_in_touch_19_21: { target: 98');
    expect(cli(['init', '--la', 'Harrow', '--dir', dir]).code).toBe(2);
    const k = cli(['kpis', '--as-at', R, '--la', 'E09000015', '--store', store, '--config', join(dir, 'E09000015.yaml'), '--format', 'json']);
    expect(k.code, k.stderr).toBe(0);
  });

  it('run --la all over a pool makes every report and a pool summary, in one process', () => {
    const pool = tempDir('pool-');
    const g = spawnSync(process.execPath, ['dist/data-samples/generate.js', '--pool', '3', '--out', pool, '--as-at', R], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    const las = readdirSync(pool).filter((f) => statSync(join(pool, f)).isDirectory()).sort();
    const out = tempDir('out-');
    const r = cli(['run', '--data', pool, '--la', 'all', '--as-at', R, '--store', join(tempDir('store-'), 'p.duckdb'), '--out', out, '--format', 'html']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.reports).toHaveLength(las.length);
    for (const la of las) expect(readdirSync(join(out, la, R)).some((f) => f.endsWith('.html'))).toBe(true);
    expect(existsSync(join(out, `pool-summary-${R}.csv`))).toBe(true);

    // One council's commentary names a child: that council gets no report, the others do, exit 1.
    const bad = las[0]!;
    const extract = existsSync(join(pool, bad, R)) ? join(pool, bad, R) : join(pool, bad);
    const child = readFileSync(join(extract, 'header.csv'), 'utf8').split('\n')[1]!.split(',')[0]!;
    writeFileSync(join(extract, 'commentary.md'), `## care_leavers_in_touch_19_21\nWe spoke to ${child} about this.\n`);
    const out2 = tempDir('out-');
    const r2 = cli(['run', '--data', pool, '--la', 'all', '--as-at', R, '--store', join(tempDir('store-'), 'p.duckdb'), '--out', out2, '--format', 'html']);
    expect(r2.code, r2.stderr).toBe(1);
    const doc2 = r2.json();
    const failedReport = doc2.reports.find((x: { la: string }) => x.la === bad);
    expect(failedReport.error.message).toMatch(/child data/);
    expect(failedReport.error.message).not.toContain(child); // the check never prints the values
    for (const la of las.slice(1)) expect(readdirSync(join(out2, la, R)).some((f) => f.endsWith('.html'))).toBe(true);
    expect(existsSync(join(out2, bad, R)) ? readdirSync(join(out2, bad, R)).some((f) => f.endsWith('.html')) : false).toBe(false);
  });
});

describe('V8 for a short run', () => {
  it('a one-council command runs without TurboFan; a pool run, a large extract and CP_V8_OPT=1 keep it', () => {
    expect(shortRunFlags({ la: 'E09000015' }, {})).toEqual(['--no-opt']);
    expect(shortRunFlags({}, {})).toEqual(['--no-opt']);
    expect(shortRunFlags({ la: 'ALL' }, {})).toEqual([]);
    expect(shortRunFlags({ la: 'E09000015' }, { CP_V8_OPT: '1' })).toEqual([]);
    // the extract folder's size decides: a council's few MB, or a file as large as the limit
    const small = copySample('2026-09-30');
    expect(shortRunFlags({ la: 'E09000015', data: small }, {})).toEqual(['--no-opt']);
    const large = tempDir('large-');
    writeFileSync(join(large, 'episodes.csv'), '');
    truncateSync(join(large, 'episodes.csv'), SHORT_RUN_BYTES);
    expect(shortRunFlags({ la: 'E09000015', data: large }, {})).toEqual([]);
    expect(shortRunFlags({ la: 'E09000015', data: join(large, 'missing') }, {})).toEqual(['--no-opt']);
  });

  it('the flag set at run time stops V8 optimising (this Node still honours it)', () => {
    // a function V8 is told to optimise: TurboFan's bit (64) of its status, with and without the flag
    const status = (tune: boolean) => {
      const script = `const m = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'pipeline', 'cli', 'short-run.js')).href)});
        ${tune ? "m.tuneForShortRun({ la: 'E09000015' });" : ''}
        function f(x) { return x * 2 + 1; }
        %PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3);
        console.log(%GetOptimizationStatus(f));`;
      const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout.trim());
    };
    expect(status(false) & 64).toBe(64);
    expect(status(true) & 64).toBe(0);
  });
});
