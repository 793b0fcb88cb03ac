import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../pipeline/store/store.js';
import { loadExtract, stageExtract, writeProblemsCsv, MAX_ROWS_PER_RULE, type Problem } from '../pipeline/ingest/ingest.js';
import { TABLES } from '../pipeline/ingest/contract.js';

const LA = 'E09000015';
const AS_AT = '2025-06-30';
const opts = { la: LA, asAt: AS_AT };

const tmpRoot = mkdtempSync(join(tmpdir(), 'ingest-test-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;

/** Write an extract folder; values are file contents (string or bytes). */
function extract(files: Record<string, string | Buffer>): string {
  const dir = join(tmpRoot, `x${n++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

const HEADER = [
  'CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB',
  'A1,M,01/02/2010,WBRI,,0,',
  'B2,F,2012-03-04,AIND,X123,,',
  'C3,2,5/6/2006,BAFR,,0,',
].join('\n') + '\n';
const EP_COLS = 'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN';
const EPISODES = [
  EP_COLS,
  'A1,01/04/2024,S,C2,N1,U1,PR1,01/06/2024,X1,,HA1 2AB,HA2 3CD,SC1',
  'A1,01/06/2024,P,C2,N1,U4,PR1,,,CARPL,HA1 2AB,HA2 3,SC2',
  'B2,15/05/2025,S,C1,N2,K2,PR4,,,,,,',
  'C3,01/01/2020,S,C2,N1,U4,PR1,05/06/2024,E8,,,,',
].join('\n') + '\n';
const OC3 = ['CHILD,DOB,IN_TOUCH,ACTIV,ACCOM', 'C3,5/6/2006,YES,F2,U1'].join('\n') + '\n';
const BASE = { 'header.csv': HEADER, 'episodes.csv': EPISODES, 'oc3.csv': OC3 };

/** Base extract with one file's lines replaced or appended. */
function withLines(file: keyof typeof BASE, edit: (lines: string[]) => string[], extra: Record<string, string | Buffer> = {}) {
  const lines = BASE[file].trimEnd().split('\n');
  return extract({ ...BASE, [file]: edit(lines).join('\n') + '\n', ...extra });
}

async function checksum(store: Store): Promise<Record<string, unknown>> {
  const tables = await store.all<{ name: string }>(`SELECT table_name AS name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1`);
  const out: Record<string, unknown> = {};
  for (const { name } of tables) {
    out[name] = await store.one(`SELECT count(*)::INT AS n, coalesce(sum(hash(t)), 0)::VARCHAR AS h FROM main."${name}" t`);
  }
  return out;
}

const errors = (ps: Problem[]) => ps.filter((p) => p.severity === 'error');
const only = (ps: Problem[], rule: string) => ps.filter((p) => p.rule === rule);

let store: Store;
beforeEach(async () => {
  store?.close();
  store = await Store.memory();
});

describe('loading a valid extract', () => {
  it('loads a minimal extract with typed values, provenance and a snapshot row', async () => {
    const res = await loadExtract(store, extract(BASE), opts);
    expect(errors(res.problems)).toEqual([]);
    expect(res.loaded).toBe(true);
    expect(res.rowCounts).toMatchObject({ header: 3, episodes: 4, oc3: 1, uasc: 0, attendance: 0 });
    expect(res.files.map((f) => [f.path, f.table, f.rows])).toEqual([
      ['episodes.csv', 'episodes', 4], ['header.csv', 'header', 3], ['oc3.csv', 'oc3', 1],
    ]);
    const h = await store.all(`SELECT child, sex, dob::VARCHAR AS dob, mother, src_file, src_line FROM header ORDER BY src_line`);
    expect(h).toEqual([
      { child: 'A1', sex: 'M', dob: '2010-02-01', mother: '0', src_file: 'header.csv', src_line: 2 },
      { child: 'B2', sex: 'F', dob: '2012-03-04', mother: null, src_file: 'header.csv', src_line: 3 },
      { child: 'C3', sex: '2', dob: '2006-06-05', mother: '0', src_file: 'header.csv', src_line: 4 },
    ]);
    const ep = await store.one(`SELECT la, as_at::VARCHAR AS as_at, decom::VARCHAR AS decom, dec::VARCHAR AS dec, rec, pl_post, pl_distance FROM episodes WHERE src_line = 2`);
    expect(ep).toEqual({ la: LA, as_at: AS_AT, decom: '2024-04-01', dec: '2024-06-01', rec: 'X1', pl_post: 'HA2 3CD', pl_distance: null });
    const snap = await store.all<{ loaded_at: string; files: string; row_counts: string; warnings: number; source: string }>(
      `SELECT loaded_at::VARCHAR AS loaded_at, files, row_counts, warnings, source FROM snapshots`);
    expect(snap).toHaveLength(1);
    expect(snap[0]!.loaded_at).toBe('2026-11-01 00:00:00'); // SOURCE_DATE_EPOCH
    expect(JSON.parse(snap[0]!.row_counts)).toMatchObject({ header: 3, episodes: 4, oc3: 1 });
    expect(JSON.parse(snap[0]!.files)[0]).toMatchObject({ path: 'episodes.csv', table: 'episodes', rows: 4 });
    expect(JSON.parse(snap[0]!.files)[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(snap[0]!.warnings).toBe(res.problems.length);
    // nothing staged is left behind
    expect(await store.all(`SELECT table_name FROM duckdb_tables() WHERE temporary`)).toEqual([]);
  });

  it('accepts a BOM, CRLF, any column order, any file name and any header case; warnings load', async () => {
    const cols = 'oc3 ACCOM, activ ,In_Touch,dob,child'.replace('oc3 ', '');
    const dir = extract({
      'Export 2025 (final).txt': '\uFEFF' + HEADER.replace(/\n/g, '\r\n'),
      'eps': (EP_COLS.toLowerCase() + EPISODES.slice(EP_COLS.length).replace('X1', 'x1')).replace(/\n/g, '\r\n'),
      'leavers.CSV': `${cols}\r\nu1 , f2,Yes,05/06/2006, C3\r\n`,
      'manifest.json': '{"la":"x"}',
      '.hidden.csv': 'garbage',
      'README.txt': 'notes',
    });
    const res = await loadExtract(store, dir, opts);
    expect(errors(res.problems)).toEqual([]);
    expect(res.loaded).toBe(true);
    expect(res.files.map((f) => f.path).sort()).toEqual(['Export 2025 (final).txt', 'eps', 'leavers.CSV']);
    // codes given in lower case: warned and loaded upper-cased
    const norm = only(res.problems, 'code-normalised');
    expect(norm.find((p) => p.file === 'leavers.CSV' && p.column === 'ACCOM')).toMatchObject({ line: 2, value: 'u1 ', child: 'C3', severity: 'warning' });
    expect(await store.one(`SELECT child, in_touch, activ, accom, src_line FROM oc3`)).toEqual({ child: 'C3', in_touch: 'YES', activ: 'F2', accom: 'U1', src_line: 2 });
    expect(await store.one(`SELECT count(*)::INT AS n FROM episodes WHERE rec = 'X1' AND child = 'A1'`)).toEqual({ n: 1 });
    expect(await store.one(`SELECT child, src_line FROM header WHERE child = 'C3'`)).toEqual({ child: 'C3', src_line: 4 });
  });

  it('replaces a snapshot on reload and leaves other snapshots untouched', async () => {
    expect((await loadExtract(store, extract(BASE), { la: LA, asAt: '2025-09-30' })).loaded).toBe(true);
    const other = await checksum(store);
    await loadExtract(store, extract(BASE), opts);
    const smaller = withLines('header.csv', (l) => l.slice(0, 4), { 'episodes.csv': [EP_COLS, 'B2,15/05/2025,S,C1,N2,K2,PR4,,,,,,'].join('\n') });
    const res = await loadExtract(store, smaller, opts);
    expect(res.loaded).toBe(true);
    expect(await store.all(`SELECT as_at::VARCHAR AS a FROM snapshots ORDER BY 1`)).toEqual([{ a: '2025-06-30' }, { a: '2025-09-30' }]);
    expect(await store.all(`SELECT as_at::VARCHAR AS a, count(*)::INT AS n FROM episodes GROUP BY 1 ORDER BY 1`)).toEqual([
      { a: '2025-06-30', n: 1 }, { a: '2025-09-30', n: 4 },
    ]);
    const old = await store.one(`SELECT count(*)::INT AS n, sum(hash(e))::VARCHAR AS h FROM episodes e WHERE as_at = DATE '2025-09-30'`);
    // the first snapshot's rows are exactly what they were
    await store.run(`DELETE FROM episodes WHERE as_at = DATE '2025-06-30'`);
    expect(old).toEqual(other.episodes);
  });

  it('leaves the store exactly as it was when the folder has errors', async () => {
    await loadExtract(store, extract(BASE), opts);
    const before = await checksum(store);
    const bad = withLines('episodes.csv', (l) => [...l, 'A1,31/02/2025,S,C2,N1,U1,PR1,,,,,,']);
    const res = await loadExtract(store, bad, opts);
    expect(res.loaded).toBe(false);
    expect(errors(res.problems).length).toBeGreaterThan(0);
    expect(await checksum(store)).toEqual(before);
  });

  it('stageExtract writes nothing persistent and keeps the typed staging tables', async () => {
    const before = await checksum(store);
    const res = await stageExtract(store, extract(BASE), opts);
    expect(errors(res.problems)).toEqual([]);
    expect(await checksum(store)).toEqual(before);
    expect(await store.one(`SELECT count(*)::INT AS n FROM temp.stg_episodes`)).toEqual({ n: 4 });
  });
});

describe('row rules', () => {
  type Case = [name: string, dir: () => string, expected: Partial<Problem>];
  const ep = (row: string) => withLines('episodes.csv', (l) => [...l, row]);
  const cases: Case[] = [
    ['blank required value', () => ep('A1,,S,C2,N1,U1,PR1,,,,,,'), { rule: 'missing-value', file: 'episodes.csv', line: 6, column: 'DECOM', child: 'A1', value: null }],
    ['impossible date', () => ep('B2,31/02/2025,S,C1,N2,K2,PR4,,,,,,'), { rule: 'bad-date', line: 6, column: 'DECOM', child: 'B2', value: '31/02/2025' }],
    ['month 13 (ISO)', () => ep('B2,2025-13-01,S,C1,N2,K2,PR4,,,,,,'), { rule: 'bad-date', line: 6, value: '2025-13-01' }],
    ['Excel serial', () => ep('B2,45678,S,C1,N2,K2,PR4,,,,,,'), { rule: 'bad-date', line: 6, value: '45678' }],
    ['two-digit year', () => ep('B2,1/1/25,S,C1,N2,K2,PR4,,,,,,'), { rule: 'two-digit-year', line: 6, column: 'DECOM', value: '1/1/25' }],
    ['903 date after R', () => ep('B2,01/07/2025,S,C1,N2,K2,PR4,,,,,,'), { rule: 'date-after-reference', severity: 'error', line: 6, column: 'DECOM', value: '01/07/2025' }],
    ['bad code', () => ep('B2,01/06/2025,S,C1,N2,K9,PR4,,,,,,'), { rule: 'bad-code', line: 6, column: 'PLACE', value: 'K9' }],
    ['code valid once trimmed', () => ep('B2,01/06/2025, p ,C1,N2,K2,PR4,,,,,,'), { rule: 'code-normalised', severity: 'warning', line: 6, column: 'RNE', value: ' p ' }],
    ['DEC before DECOM', () => withLines('episodes.csv', (l) => [l[0]!, l[1]!, l[2]!, 'B2,15/05/2025,S,C1,N2,K2,PR4,10/05/2025,E8,,,,', l[4]!]),
      { rule: 'episode-dates', line: 4, column: 'DEC', child: 'B2', value: '10/05/2025' }],
    ['DEC without REC', () => withLines('episodes.csv', (l) => [l[0]!, l[1]!, l[2]!, 'B2,15/05/2025,S,C1,N2,K2,PR4,20/05/2025,,,,,', l[4]!]),
      { rule: 'dec-rec-pair', line: 4, column: 'DEC', child: 'B2' }],
    ['REC without DEC', () => withLines('episodes.csv', (l) => [l[0]!, l[1]!, l[2]!, 'B2,15/05/2025,S,C1,N2,K2,PR4,,E8,,,,', l[4]!]),
      { rule: 'dec-rec-pair', line: 4, column: 'REC', child: 'B2', value: 'E8' }],
    ['two open episodes', () => ep('B2,01/06/2025,P,C1,N2,U4,PR1,,,CARPL,,,'), { rule: 'episode-overlap', line: 6, column: 'DECOM', child: 'B2', value: '01/06/2025' }],
    ['episode starts before the previous ended', () => ep('C3,01/05/2024,P,C2,N1,U4,PR1,01/06/2024,E8,,,,'),
      { rule: 'episode-overlap', line: 6, column: 'DECOM', child: 'C3', value: '01/05/2024' }],
    ['X1 with no next episode', () => withLines('episodes.csv', (l) => [l[0]!, l[1]!, l[3]!, l[4]!]), { rule: 'x1-gap', line: 2, column: 'REC', child: 'A1', value: 'X1' }],
    ['child not in Header', () => ep('Z9,01/06/2025,S,C1,N2,K2,PR4,,,,,,'), { rule: 'child-not-in-header', line: 6, column: 'CHILD', child: 'Z9' }],
    ['child id too long', () => ep('ABCDEFGHIJK,01/06/2025,S,C1,N2,K2,PR4,,,,,,'), { rule: 'child-id-too-long', line: 6, child: 'ABCDEFGHIJK' }],
    ['child id with markup', () => ep('<script>,01/06/2025,S,C1,N2,K2,PR4,,,,,,'), { rule: 'bad-child-id', line: 6, child: '<script>', value: '<script>' }],
    ['formula in a text column', () => ep('B2,01/06/2025,P,C1,N2,K2,PR4,,,,,,=HYPERLINK("x")'.replace('=HYPERLINK("x")', '"=HYPERLINK(""x"")"')),
      { rule: 'formula-like-value', severity: 'warning', line: 6, column: 'URN', value: '=HYPERLINK("x")' }],
    ['implausible postcode', () => ep('B2,01/06/2025,P,C1,N2,K2,PR4,,,,HA12,,'), { rule: 'bad-postcode', severity: 'warning', line: 6, column: 'HOME_POST', value: 'HA12' }],
    ['duplicate CHILD in Header', () => withLines('header.csv', (l) => [...l, 'A1,F,01/02/2011,WBRI,,0,']), { rule: 'duplicate-child', file: 'header.csv', line: 5, child: 'A1' }],
    ['bad SEX', () => withLines('header.csv', (l) => [...l, 'D4,X,01/02/2011,WBRI,,0,']), { rule: 'bad-code', file: 'header.csv', line: 5, column: 'SEX', value: 'X' }],
    ['OC3 in touch, activity unknown', () => withLines('oc3.csv', (l) => [l[0]!, 'C3,5/6/2006,YES,0,U1']), { rule: 'oc3-in-touch-unknown', file: 'oc3.csv', line: 2, column: 'ACTIV', value: '0' }],
    ['OC3 child not in Header', () => withLines('oc3.csv', (l) => [...l, 'Q1,5/6/2006,NO,0,0']), { rule: 'child-not-in-header', file: 'oc3.csv', line: 3, child: 'Q1' }],
    ['attended above possible', () => extract({ ...BASE, 'att.csv': 'CHILD,PERIOD_START,PERIOD_END,POSSIBLE_SESSIONS,ATTENDED_SESSIONS\nA1,01/04/2025,30/04/2025,20,21\n' }),
      { rule: 'attended-above-possible', file: 'att.csv', line: 2, column: 'ATTENDED_SESSIONS', value: '21' }],
    ['negative sessions', () => extract({ ...BASE, 'att.csv': 'CHILD,PERIOD_START,PERIOD_END,POSSIBLE_SESSIONS,ATTENDED_SESSIONS\nA1,01/04/2025,30/04/2025,-2,0\n' }),
      { rule: 'negative-number', file: 'att.csv', line: 2, column: 'POSSIBLE_SESSIONS', value: '-2' }],
    ['not an integer', () => extract({ ...BASE, 'att.csv': 'CHILD,PERIOD_START,PERIOD_END,POSSIBLE_SESSIONS,ATTENDED_SESSIONS\nA1,01/04/2025,30/04/2025,20.5,10\n' }),
      { rule: 'bad-integer', file: 'att.csv', line: 2, column: 'POSSIBLE_SESSIONS', value: '20.5' }],
    ['PERIOD_END before PERIOD_START', () => extract({ ...BASE, 'att.csv': 'CHILD,PERIOD_START,PERIOD_END,POSSIBLE_SESSIONS,ATTENDED_SESSIONS\nA1,01/04/2025,30/03/2025,20,10\n' }),
      { rule: 'period-dates', file: 'att.csv', line: 2, column: 'PERIOD_END', value: '30/03/2025' }],
    ['MIS_END before MIS_START', () => extract({ ...BASE, 'm.csv': 'CHILD,DOB,MISSING,MIS_START,MIS_END\nA1,01/02/2010,M,10/05/2025,09/05/2025\n' }),
      { rule: 'missing-dates', file: 'm.csv', line: 2, column: 'MIS_END', value: '09/05/2025' }],
    ['CLOSED without a date', () => extract({ ...BASE, 'cl.csv': 'CHILD,DOB,CASE_STATUS,CASE_CLOSED_DATE,CLOSURE_REASON,LAST_CONTACT_DATE,PATHWAY_PLAN_DATE\nC3,05/06/2006,closed,,AGE_21,,\n' }),
      { rule: 'closed-without-date', severity: 'warning', file: 'cl.csv', line: 2, column: 'CASE_CLOSED_DATE' }],
    ['local date after R is a warning', () => extract({ ...BASE, 'pep.csv': 'CHILD,PEP_DATE,PEP_STATUS\nA1,01/07/2025,COMPLETE\n' }),
      { rule: 'date-after-reference', severity: 'warning', file: 'pep.csv', line: 2, column: 'PEP_DATE', value: '01/07/2025' }],
    ['repeated header row', () => withLines('header.csv', (l) => [l[0]!, l[1]!, l[0]!.toLowerCase(), l[2]!]), { rule: 'repeated-header', file: 'header.csv', line: 3 }],
  ];
  for (const [name, dir, expected] of cases) {
    it(name, async () => {
      const res = await loadExtract(store, dir(), opts);
      const hits = only(res.problems, expected.rule!);
      expect(hits.length, JSON.stringify(res.problems, null, 1)).toBeGreaterThan(0);
      expect(hits).toContainEqual(expect.objectContaining({ severity: 'error', file: 'episodes.csv', ...expected }));
      expect(hits[0]!.message.length).toBeGreaterThan(20);
      expect(res.loaded).toBe(errors(res.problems).length === 0);
    });
  }

  it('accepts single-digit day and month with a four-digit year, and both date formats', async () => {
    const res = await loadExtract(store, withLines('header.csv', (l) => [...l, 'D4,M,1/2/2010,WBRI,,0,', 'E5,F,2011-12-31,WBRI,,1,01/01/2030'.replace('01/01/2030', '3/4/2024')]), opts);
    expect(errors(res.problems)).toEqual([]);
    expect(await store.all(`SELECT child, dob::VARCHAR AS dob, mc_dob::VARCHAR AS mc FROM header WHERE child IN ('D4', 'E5') ORDER BY 1`)).toEqual([
      { child: 'D4', dob: '2010-02-01', mc: null }, { child: 'E5', dob: '2011-12-31', mc: '2024-04-03' },
    ]);
  });

  it('a warning-only extract loads', async () => {
    const res = await loadExtract(store, withLines('episodes.csv', (l) => [l[0]!, l[1]!, l[2]!, l[4]!, 'B2,15/05/2025, p ,C1,N2,K2,PR4,18/06/2025,e8,,HA12,,']), opts);
    expect(res.problems.length).toBeGreaterThan(0);
    expect(errors(res.problems)).toEqual([]);
    expect(res.loaded).toBe(true);
    expect(await store.one(`SELECT rne, rec, home_post FROM episodes WHERE src_line = 5`)).toEqual({ rne: 'P', rec: 'E8', home_post: 'HA12' });
  });
});

describe('files and structure', () => {
  const file = async (dir: string) => (await loadExtract(store, dir, opts)).problems;

  it('reports a missing required table, an unknown file, two files for one table', async () => {
    const ps = await file(extract({ 'h.csv': HEADER, 'e1.csv': EPISODES, 'e2.csv': EPISODES, 'names.csv': 'NAME,ADDRESS\nx,y\n' }));
    expect(only(ps, 'missing-table')).toEqual([expect.objectContaining({ severity: 'error', file: null, line: null })]);
    expect(only(ps, 'missing-table')[0]!.message).toContain('OC3');
    expect(only(ps, 'unknown-file')).toEqual([expect.objectContaining({ severity: 'warning', file: 'names.csv', line: 1 })]);
    expect(only(ps, 'unknown-file')[0]!.message).toContain('Episodes: CHILD, DECOM');
    expect(only(ps, 'duplicate-table')).toEqual([expect.objectContaining({ severity: 'error', file: 'e2.csv' })]);
  });

  it('reports missing, extra, duplicated and unnamed columns', async () => {
    const ps = await file(extract({
      ...BASE,
      'episodes.csv': EPISODES.replace(EP_COLS, EP_COLS.replace(',URN', ',NOTES')),
      'oc3.csv': OC3.replace('CHILD,DOB,IN_TOUCH,ACTIV,ACCOM', 'CHILD,DOB,IN_TOUCH,ACTIV,ACCOM,').replace('U1', 'U1,'),
      'u.csv': 'CHILD,SEX,DOB,DUC,DUC\nA1,M,01/02/2010,,\n',
    }));
    expect(only(ps, 'missing-column')).toEqual([expect.objectContaining({ severity: 'error', file: 'episodes.csv', line: 1, column: 'URN' })]);
    expect(only(ps, 'extra-column')).toContainEqual(expect.objectContaining({ severity: 'warning', file: 'episodes.csv', line: 1, column: 'NOTES' }));
    expect(only(ps, 'extra-column')).toContainEqual(expect.objectContaining({ severity: 'warning', file: 'oc3.csv', line: 1, column: null }));
    expect(only(ps, 'duplicate-column')).toEqual([expect.objectContaining({ severity: 'error', file: 'u.csv', column: 'DUC' })]);
    // a table that cannot be staged is not followed by row noise
    expect(ps.filter((p) => p.file === 'episodes.csv' && p.line !== 1)).toEqual([]);
  });

  it('recognises a header row longer than the first read (8 KB), quoted line breaks in it included', async () => {
    // the extra column's name holds a quoted line break and ~9,000 characters, so the header row
    // ends past the first 8 KB read; the header is found whole, and the file is loaded
    const long = `"notes\n${'x'.repeat(9000)}"`;
    const [head, ...rows] = EPISODES.trim().split('\n');
    const eps = [`${head},${long}`, ...rows.map((r) => `${r},`)].join('\n') + '\n';
    const res = await loadExtract(store, extract({ ...BASE, 'episodes.csv': eps }), opts);
    expect(errors(res.problems)).toEqual([]);
    expect(res.files.find((f) => f.path === 'episodes.csv')).toMatchObject({ table: 'episodes', rows: 4 });
    expect(only(res.problems, 'extra-column')).toEqual([expect.objectContaining({ file: 'episodes.csv', line: 1, column: `NOTES\n${'X'.repeat(9000)}` })]);
    // episodes' rows start on line 3 (the header row takes two lines)
    expect(await store.all(`SELECT min(src_line)::INT AS lo FROM main.episodes WHERE la = '${LA}' AND as_at = DATE '${AS_AT}'`)).toEqual([{ lo: 3 }]);
  });

  it('reports an empty file, a header-only required table (error) and optional table (warning)', async () => {
    const ps = await file(extract({ ...BASE, 'oc3.csv': 'CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\r\n', 'pep.csv': 'CHILD,PEP_DATE,PEP_STATUS\n', 'blank.csv': '' }));
    expect(only(ps, 'empty-file')).toEqual([expect.objectContaining({ severity: 'error', file: 'blank.csv' })]);
    expect(only(ps, 'empty-table')).toEqual([
      expect.objectContaining({ severity: 'error', file: 'oc3.csv' }),
      expect.objectContaining({ severity: 'warning', file: 'pep.csv' }),
    ]);
  });

  it('rejects semicolon- and tab-separated files', async () => {
    const ps = await file(extract({ ...BASE, 'oc3.csv': OC3.replace(/,/g, ';'), 'pep.csv': 'CHILD\tPEP_DATE\tPEP_STATUS\nA1\t01/04/2025\tCOMPLETE\n' }));
    expect(only(ps, 'delimiter').map((p) => [p.file, p.severity, p.line])).toEqual([['oc3.csv', 'error', 1], ['pep.csv', 'error', 1]]);
    expect(only(ps, 'missing-table')).toEqual([]); // recognised, but not loaded
  });

  it('rejects UTF-16, NUL bytes, Excel workbooks and Windows-1252 with the line of the first bad byte', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(OC3, 'utf16le')]);
    const cp1252 = Buffer.from(PEP_OK.replace('COMPLETE\n', 'COMPLETE\nB2,02/04/2025,DRAFT\nC3,03/04/2025,DRAFT caf\u00e9\n'), 'latin1');
    const ps = await file(extract({
      ...BASE, 'oc3.csv': utf16, 'pep.csv': cp1252,
      'att.csv': Buffer.from('CHILD,PERIOD_START,PERIOD_END,POSSIBLE_SESSIONS,ATTENDED_SESSIONS\nA1,01/04/2025,30/04/2025,2\u00000,1\n'),
      'book.xlsx': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0]),
    }));
    const enc = only(ps, 'encoding');
    expect(enc.map((p) => [p.file, p.line])).toEqual([['att.csv', 2], ['book.xlsx', null], ['oc3.csv', null], ['pep.csv', 4]]);
    expect(enc.every((p) => p.severity === 'error' && /CSV UTF-8/.test(p.message))).toBe(true);
    expect(enc.find((p) => p.file === 'pep.csv')!.message).toContain('0xE9');
  });

  it('gives exact physical lines after quoted line breaks, blank lines and CRLF', async () => {
    const eps = [
      EP_COLS,
      'A1,01/04/2024,S,C2,N1,U1,PR1,01/06/2024,X1,,HA1 2AB,HA2 3CD,"line one\r\nline two\r\nline three"',
      '',
      'A1,01/06/2024,P,C2,N1,U4,PR1,,,CARPL,HA1 2AB,HA2 3,"SC2"',
      'B2,15/05/2025,S,C1,N2,K2,PR4,,,,,,"a ""quoted"" word, and a comma\nand a line"',
      '',
      '',
      'C3,01/01/2020,S,C2,N1,XX,PR1,05/06/2024,E8,,,,',
    ].join('\r\n') + '\r\n';
    const res = await loadExtract(store, extract({ ...BASE, 'episodes.csv': eps }), opts);
    expect(only(res.problems, 'bad-code')).toEqual([expect.objectContaining({ file: 'episodes.csv', line: 11, column: 'PLACE', child: 'C3', value: 'XX' })]);
    expect(only(res.problems, 'csv-structure')).toEqual([]);
    // staged lines are exact too
    const st = await stageExtract(store, extract({ ...BASE, 'episodes.csv': eps.replace(',XX,', ',U4,') }), opts);
    expect(errors(st.problems)).toEqual([]);
    expect(await store.all(`SELECT child, src_line, urn FROM temp.stg_episodes ORDER BY src_line`)).toEqual([
      { child: 'A1', src_line: 2, urn: 'line one\r\nline two\r\nline three' },
      { child: 'A1', src_line: 6, urn: 'SC2' },
      { child: 'B2', src_line: 7, urn: 'a "quoted" word, and a comma\nand a line' },
      { child: 'C3', src_line: 11, urn: null },
    ]);
  });

  it('reports rows the CSV reader cannot read with their line, and still checks the rest with exact lines', async () => {
    const eps = [
      EP_COLS,
      'A1,01/04/2024,S,C2,N1,U1,PR1,01/06/2024,X1,,HA1 2AB,HA2 3CD,SC1',
      'A1,01/06/2024,P,C2,N1,U4,PR1,,,CARPL,HA1 2AB,HA2 3,SC2,extra',
      'A1,01/06/2024,P,C2,N1,U4,PR1,,,CARPL,HA1 2AB,HA2 3,SC2',
      'B2,15/05/2025,S,C1,N2,K2',
      'B2,15/05/2025,S,C1,N2,K2,PR4,,,,,"x"y,',
      'C3,"01/01/2020\n",S,C2,N1,U4,PR1,05/06/2024,E8,,,,',
      'C3,01/01/2021,S,C2,N1,QQ,PR1,,,,,,',
      'C3,01/01/2022,"S,C2,N1,U4,PR1,,,,,,',
      'C3,01/01/2023,S,C2,N1,U4,PR1,,,,,,',
    ].join('\n') + '\n';
    const res = await loadExtract(store, extract({ ...BASE, 'episodes.csv': eps }), opts);
    const cs = only(res.problems, 'csv-structure');
    expect(cs.map((p) => p.line)).toEqual([3, 5, 6, 10]);
    expect(cs.every((p) => p.severity === 'error' && p.file === 'episodes.csv')).toBe(true);
    expect(cs[0]!.message).toContain('14 values');
    expect(cs[3]!.message).toContain('never closed');
    expect(only(res.problems, 'bad-code')).toEqual([expect.objectContaining({ line: 9, value: 'QQ', column: 'PLACE' })]);
    expect(res.loaded).toBe(false);
  });

  it('lists at most 1000 rows per rule per file, then a summary', async () => {
    const rows = Array.from({ length: MAX_ROWS_PER_RULE + 5 }, (_, i) => `A1,0${1 + (i % 9)}/04/2025,BAD`);
    const res = await loadExtract(store, extract({ ...BASE, 'pep.csv': ['CHILD,PEP_DATE,PEP_STATUS', ...rows].join('\n') }), opts);
    const bad = only(res.problems, 'bad-code');
    expect(bad).toHaveLength(MAX_ROWS_PER_RULE + 1);
    expect(bad[0]).toMatchObject({ line: null, file: 'pep.csv' });
    expect(bad[0]!.message).toContain(`${MAX_ROWS_PER_RULE + 5} rows`);
    expect(bad[MAX_ROWS_PER_RULE]!.line).toBe(MAX_ROWS_PER_RULE + 1);
  });

  it('reports a missing folder as a problem', async () => {
    const res = await loadExtract(store, join(tmpRoot, 'nope'), opts);
    expect(res.loaded).toBe(false);
    expect(only(res.problems, 'no-folder')).toHaveLength(1);
  });
});

const PEP_OK = 'CHILD,PEP_DATE,PEP_STATUS\nA1,01/04/2025,COMPLETE\n';

describe('writeProblemsCsv', () => {
  it('writes a filterable, formula-safe CSV readable only by the owner', () => {
    const path = join(tmpRoot, 'problems.csv');
    writeProblemsCsv(path, [
      { rule: 'formula-like-value', severity: 'warning', file: 'a.csv', line: 3, column: 'URN', child: 'A1', value: '=HYPERLINK("http://x")', message: 'says "hi", then\nmore' },
      { rule: 'bad-code', severity: 'error', file: 'b.csv', line: 2, column: 'X', child: '@me', value: '-5', message: '+ok' },
      { rule: 'missing-table', severity: 'error', file: null, line: null, column: null, child: null, value: '\tx', message: 'm' },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\r\n')).toEqual([
      '\uFEFFrule,severity,file,line,column,child,value,message',
      'formula-like-value,warning,a.csv,3,URN,A1,"\'=HYPERLINK(""http://x"")","says ""hi"", then\nmore"',
      "bad-code,error,b.csv,2,X,'@me,'-5,'+ok",
      "missing-table,error,,,,,'\tx,m",
      '',
    ]);
  });
});

describe('every contract table', () => {
  it('can be loaded from a file with exactly its columns', async () => {
    const files: Record<string, string> = { ...BASE };
    for (const t of TABLES) {
      if (['header', 'episodes', 'oc3'].includes(t.table)) continue;
      files[`${t.table}.csv`] = t.columns.map((c) => c.name).join(',') + '\n';
    }
    const res = await loadExtract(store, extract(files), opts);
    expect(errors(res.problems)).toEqual([]);
    expect(res.files.filter((f) => f.table).map((f) => f.table).sort()).toEqual(TABLES.map((t) => t.table).sort());
    expect(only(res.problems, 'empty-table')).toHaveLength(TABLES.length - 3);
  });
});
