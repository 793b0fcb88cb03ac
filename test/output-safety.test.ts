/**
 * Output safety: data is escaped in HTML and SVG, CSV downloads neutralise formulas, the
 * public report never carries a child id, date of birth or postcode (the automatic privacy
 * check fails the run and deletes the files), and internal outputs and the store are
 * readable by the owner only.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KpiRun } from '../pipeline/compute/types.js';
import { chartRows, kpiCsv, csvLine } from '../pipeline/render/downloads.js';
import { renderReportHtml } from '../pipeline/render/html.js';
import { cli, copySample, tempDir } from './helpers/cli.js';
import { loadDefs, loadRun } from './helpers/render-fixture.js';

const LA = 'E09000015';
const R = '2026-09-30';
const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);
const listFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()) : []);

describe('escaping in the HTML, the SVG charts and the CSV downloads', () => {
  const EVIL = '<script>alert(1)</script>';
  const FORMULA = '=HYPERLINK("http://x","click")';
  let run: KpiRun;
  let html: string;
  beforeAll(async () => {
    run = loadRun();
    const k = run.kpis.find((x) => x.breakdowns.length > 0)!;
    k.breakdowns[0]!.category = `${EVIL} & "q"`;
    k.breakdowns[1 % k.breakdowns.length]!.category = FORMULA;
    run.laName = `Harrow ${EVIL}`;
    html = (await renderReportHtml(run, { audience: 'internal', defs: loadDefs(), commentary: `Intro ${EVIL}\n\n## ${k.id}\n\n<img src=x onerror=alert(1)> [link](javascript:alert(1)) ${EVIL}\n` })).html;
  });

  it('never lets a data value or commentary open a tag or run script', () => {
    expect(html).not.toMatch(/<script\b/i);
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i); // no event-handler attribute on any tag
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.length).toBeGreaterThan(0);
    for (const s of svgs) expect(s).not.toMatch(/<script|<foreignObject/i);
    expect(svgs.some((s) => s.includes('&lt;script&gt;'))).toBe(true);
  });

  it('neutralises formulas in the CSV downloads (every cell that starts with = + - @ gets a leading \')', () => {
    const csv = kpiCsv(run, 'internal') + [...chartRows(run, 'internal')].map(csvLine).join('\r\n');
    const rows = parse(csv, { relax_column_count: true }) as string[][];
    const cells = rows.flat();
    expect(cells).toContain(`'${FORMULA}`);
    for (const c of cells) expect(c).not.toMatch(/^[=+@\t\r]/);
    // negative numbers stay numbers (only text is prefixed)
    expect(csvLine([-1.5, '-1.5'])).toBe(`-1.5,'-1.5`);
  });
});

describe('the public report never publishes child data', () => {
  let dir: string;
  let store: string;
  let childId: string;
  beforeAll(() => {
    dir = copySample(R);
    store = join(tempDir('store-'), 'private', 's.duckdb');
    const header = readFileSync(join(dir, 'header.csv'), 'utf8').trim().split('\n');
    childId = header[5]!.split(',')[0]!;
    expect(childId).toMatch(/^[A-Za-z0-9_-]{4,}$/);
  });

  it('a clean run passes the check; the store and its folder are owner-only', () => {
    const out = tempDir('out-');
    writeFileSync(join(dir, 'commentary.md'), 'Intro.\n');
    const r = cli(['run', '--data', dir, '--la', LA, '--as-at', R, '--store', store, '--out', out, '--format', 'html', '--json'], { timeout: 180_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(mode(store)).toBe('600');
    expect(mode(join(store, '..'))).toBe('700');
    const files = listFiles(out);
    expect(files.some((f) => f.endsWith('.html'))).toBe(true);
    // the public downloads: no cell that a spreadsheet would run
    for (const f of files.filter((x) => x.endsWith('.csv'))) {
      const rows = parse(readFileSync(f, 'utf8'), { bom: true, relax_column_count: true }) as string[][];
      for (const c of rows.flat()) expect(c, f).not.toMatch(/^[=+@]/);
    }
  }, 200_000);

  it('fails the run (exit 1) and deletes the report files when the commentary names a child, a DOB or a postcode', () => {
    const out = tempDir('out-');
    const header = readFileSync(join(dir, 'header.csv'), 'utf8').trim().split('\n');
    const dob = header[5]!.split(',')[2]!;
    const episodes = readFileSync(join(dir, 'episodes.csv'), 'utf8').trim().split('\n');
    const cols = episodes[0]!.split(',');
    const postcode = episodes.map((l) => l.split(',')[cols.indexOf('HOME_POST')]!).find((p) => /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/.test(p ?? ''))!;
    expect(postcode).toBeTruthy();
    writeFileSync(join(dir, 'commentary.md'), `Intro.\n\n## placement_stability_short_term\n\nThe panel discussed ${childId} (born ${dob}, home ${postcode}).\n`);
    const r = cli(['run', '--data', dir, '--la', LA, '--as-at', R, '--store', store, '--out', out, '--format', 'html', '--json'], { timeout: 180_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const j = r.json();
    expect(j.ok).toBe(false);
    expect(j.error).toMatch(/would have published child data/);
    expect(j.hint).toMatch(/commentary/);
    const kinds = new Set((j.details as { kind: string }[]).map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['child id', 'date of birth', 'postcode']);
    // the values themselves are never printed
    for (const v of [childId, dob, postcode]) expect(r.stdout + r.stderr).not.toContain(v);
    // no report or download is left behind
    const left = listFiles(out).filter((f) => /panel-report/.test(f));
    expect(left).toEqual([]);
  }, 200_000);

  it('internal outputs are owner-only (files 0600, folder 0700)', () => {
    const out = tempDir('out-');
    writeFileSync(join(dir, 'commentary.md'), 'Intro.\n');
    const r = cli(['report', '--la', LA, '--as-at', R, '--store', store, '--out', out, '--format', 'html', '--audience', 'internal', '--json'], { timeout: 180_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const files = listFiles(out).filter((f) => /INTERNAL-OFFICIAL-SENSITIVE/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(5); // html + 4 downloads
    for (const f of files) expect(mode(f), f).toBe('600');
    expect(mode(join(out, LA, R))).toBe('700');
  }, 200_000);

  it('run --audience internal: the report folder is 0700 and every file in it 0600 (run-diff files too)', () => {
    const out = tempDir('out-');
    writeFileSync(join(dir, 'commentary.md'), 'Intro.\n');
    const r = cli(['run', '--data', dir, '--la', LA, '--as-at', R, '--store', store, '--out', out, '--format', 'html', '--audience', 'internal', '--json'], { timeout: 180_000 });
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const files = listFiles(join(out, LA, R));
    expect(files.some((f) => f.endsWith('run-diff-OFFICER-ONLY.json'))).toBe(true);
    for (const f of files) expect(mode(f), f).toBe('600');
    expect(mode(join(out, LA, R))).toBe('700');
  }, 200_000);

  it('the validation report (it names children) is owner-only', () => {
    const bad = copySample(R);
    const ep = join(bad, 'episodes.csv');
    const lines = readFileSync(ep, 'utf8').split('\n');
    const c = lines[1]!.split(',');
    c[1] = '31/02/2025';
    lines[1] = c.join(',');
    writeFileSync(ep, lines.join('\n'));
    const out = tempDir('out-');
    const r = cli(['validate', '--data', bad, '--la', LA, '--as-at', R, '--out', out, '--json']);
    expect(r.code).toBe(1);
    const report = r.json().validationReport as string;
    expect(mode(report)).toBe('600');
  }, 120_000);
});
