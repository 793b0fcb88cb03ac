/**
 * The bad-input corpus (test/bad-input/<NN-name>/case.json): every case breaks one good
 * base extract in one way, runs the BUILT CLI with --json, and checks the exit code, that
 * the JSON names the rule, file, line (and column and value where they make sense), that the
 * message is plain English saying what to do, and that the store is exactly as it was.
 *
 * One base extract is generated per test run (two quarters: the earlier one is loaded into a
 * template store, so every case runs on a store that already holds a good snapshot); each
 * case copies the later quarter and applies its mutations (see test/helpers/bad-input.ts).
 * The huge-file case (300 MB, made in the temp dir) is skipped with SKIP_HUGE=1.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, storeFingerprint, tempDir } from './helpers/cli.js';
import { applyMutations, limiter, resolveLine, runCli, type BadInputCase } from './helpers/bad-input.js';
import { TABLES } from '../pipeline/ingest/contract.js';

const CASES_DIR = join(ROOT, 'test', 'bad-input');
const LA = 'E09000015';
const AS_AT = '2026-09-30';
const EARLIER = '2026-06-30';

const cases: [string, BadInputCase][] = readdirSync(CASES_DIR)
  .filter((d) => /^\d\d-/.test(d) && existsSync(join(CASES_DIR, d, 'case.json')))
  .sort()
  .map((d) => [d, JSON.parse(readFileSync(join(CASES_DIR, d, 'case.json'), 'utf8')) as BadInputCase]);

/** Words that tell the analyst what to do (every error message has one). */
const ACTION = /\b(add|remove|save|fill|check|correct|export|give|write|use|fix|format|close|record|combine|open|delete|must|needs?)\b/i;

let work: string;
let base: string;
let template: string;
let templateFp: Record<string, string>;
let earlierFp: Record<string, string>;
const baseRows: Record<string, number> = {};
const limit = limiter(2);

interface Problem { rule: string; severity: 'error' | 'warning'; file: string | null; line: number | null; column: string | null; child: string | null; value: string | null; message: string }

/** Rows and a hash per contract table for one snapshot, plus its snapshots row (without loaded_at). */
async function snapshotFingerprint(path: string, asAt: string): Promise<Record<string, string>> {
  const { Store } = await import('../pipeline/store/store.js');
  const store = await Store.open(path, { readOnly: true, waitSeconds: 10 });
  try {
    const out: Record<string, string> = {};
    const where = `WHERE la = '${LA}' AND as_at = DATE '${asAt}'`;
    for (const t of [...TABLES.map((x) => x.table), 'snapshots']) {
      const r = await store.one<{ n: number; h: string }>(`SELECT count(*)::INT AS n, coalesce(sum(hash(x))::VARCHAR, '0') AS h FROM ${t} x ${where}`);
      out[t] = `${r!.n}:${r!.h}`;
    }
    return out;
  } finally {
    store.close();
  }
}

async function snapshotRowCounts(path: string, asAt: string): Promise<Record<string, number>> {
  const { Store } = await import('../pipeline/store/store.js');
  const store = await Store.open(path, { readOnly: true, waitSeconds: 10 });
  try {
    const out: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await store.one<{ n: number }>(`SELECT count(*)::INT AS n FROM ${t.table} WHERE la = '${LA}' AND as_at = DATE '${asAt}'`);
      out[t.table] = r!.n;
    }
    return out;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  work = tempDir('bad-input-');
  execFileSync(process.execPath, [join(ROOT, 'dist', 'data-samples', 'generate.js'), '--out', join(work, 'gen'), '--quarters', '2', '--cla', '40'], { stdio: 'pipe' });
  base = join(work, 'gen', LA, AS_AT);
  for (const t of TABLES) {
    const f = join(base, `${t.table}.csv`);
    baseRows[t.table] = existsSync(f) ? readFileSync(f, 'utf8').trimEnd().split('\n').length - 1 : 0;
  }
  template = join(work, 'template.duckdb');
  const r = await runCli(['load', '--data', join(work, 'gen', LA, EARLIER), '--la', LA, '--as-at', EARLIER, '--store', template, '--json', '--out', join(work, 'out')]);
  expect(r.code, r.stderr).toBe(0);
  templateFp = await storeFingerprint(template);
  earlierFp = await snapshotFingerprint(template, EARLIER);
  expect(Number(earlierFp.episodes!.split(':')[0])).toBeGreaterThan(0);
}, 120_000);

afterAll(() => {
  if (work && !process.env.KEEP_BAD_INPUT) rmSync(work, { recursive: true, force: true });
});

describe('bad-input corpus', () => {
  it('has at least 40 cases, each with a description and an expected exit code', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const [name, c] of cases) {
      expect(c.description, name).toMatch(/\w{3,}/);
      expect([0, 1, 2], name).toContain(c.expectExit);
      expect(['load', 'validate', 'run'], name).toContain(c.command);
      if (c.expectExit === 1) expect(c.expectRules?.length, `${name}: an exit-1 case names its rules`).toBeGreaterThan(0);
    }
  });
});

describe.concurrent.each(cases)('%s', (name, c) => {
  const skip = c.skipEnv !== undefined && Boolean(process.env[c.skipEnv]);
  it.skipIf(skip)(c.description, async () => {
    const dir = join(work, 'cases', name);
    const data = join(dir, 'extract');
    mkdirSync(dir, { recursive: true });
    cpSync(base, data, { recursive: true });
    const written = applyMutations(data, c.mutations ?? []);
    const store = join(dir, 'store.duckdb');
    copyFileSync(template, store);
    const out = join(dir, 'out');
    const args = [c.command, '--data', data, '--la', c.la ?? LA, '--as-at', c.asAt ?? AS_AT, '--json', '--store', store, '--out', out, '--wait', '30'];
    if (c.command === 'run') args.push('--format', 'html');
    else args.push('--validation-report', join(dir, 'validation-report.csv'));

    const r = await limit(() => runCli(args, { measureRss: c.checks?.includes('bounded-memory'), timeoutMs: 170_000 }));
    try {
      expect(r.code, `${name}: exit code\n${r.stderr.slice(-2000)}`).toBe(c.expectExit);
      // exactly one JSON document on stdout, no ANSI codes anywhere
      const json = JSON.parse(r.stdout);
      expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
      if (c.maxSeconds) expect(r.ms, `${name}: took ${r.ms} ms`).toBeLessThan(c.maxSeconds * 1000);

      if (c.expectExit === 2) {
        expect(json).toMatchObject({ ok: false, exitCode: 2 });
        const text = `${json.error} ${json.hint ?? ''}`;
        if (c.expectMessage) expect(text).toMatch(new RegExp(c.expectMessage, 'i'));
        expect(json.hint, 'a usage error says what to do').toMatch(ACTION);
      } else {
        const outcome = c.command === 'run' ? json.loads[0] : json;
        const problems = outcome.problems as Problem[];
        const errors = problems.filter((p) => p.severity === 'error');
        const errorRules = [...new Set(errors.map((p) => p.rule))].sort();
        const warningRules = new Set(problems.filter((p) => p.severity === 'warning').map((p) => p.rule));
        const allowed = new Set([...(c.expectRules ?? []), ...(c.errorsMayInclude ?? [])]);
        for (const rule of c.expectRules ?? []) expect(errorRules, `${name}: error ${rule} reported`).toContain(rule);
        for (const rule of errorRules) expect(allowed.has(rule), `${name}: unexpected error ${rule}: ${errors.find((p) => p.rule === rule)?.message}`).toBe(true);
        for (const rule of c.expectWarnings ?? []) expect([...warningRules], `${name}: warning ${rule} reported`).toContain(rule);
        expect(outcome.errors).toBe(errors.length > 0 && c.expectExit === 1 ? outcome.errors : 0);
        if (c.expectExit === 1) expect(outcome.errors).toBeGreaterThan(0);

        for (const e of c.expectAt ?? []) {
          const line = resolveLine(e.line, written);
          const match = problems.find((p) =>
            p.rule === e.rule && p.severity === (e.severity ?? 'error') &&
            ('file' in e ? p.file === e.file : true) &&
            (e.line === 'any' ? typeof p.line === 'number' && p.line > 1 : line === undefined ? true : p.line === line) &&
            (e.column === undefined ? true : p.column === e.column) &&
            (e.value === undefined ? true : p.value === e.value));
          expect(match, `${name}: no ${e.rule} at ${e.file}:${line} ${e.column ?? ''}; got ${JSON.stringify(problems.filter((p) => p.rule === e.rule).slice(0, 3))}`).toBeDefined();
        }
        // every problem: a rule, a file name inside the folder (not a path), plain-English text
        for (const p of problems) {
          expect(p.rule).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
          if (p.file !== null) expect(p.file).not.toMatch(/[\\/]/);
          expect(p.message.length).toBeGreaterThan(20);
          expect(p.message).toMatch(/[.)]$/);
          // plain text: never HTML-escaped; markup only where the message quotes the value as written
          expect(p.message, 'plain text, not HTML').not.toMatch(/&(lt|gt|amp|quot|#\d+);/i);
          if (!(p.value && p.value.includes('<'))) expect(p.message, 'no markup').not.toMatch(/<[a-z/!]/i);
          if (p.severity === 'error') expect(p.message, `${name}: ${p.rule} says what to do`).toMatch(ACTION);
        }
        if (c.expectMessage) {
          const rules = new Set([...(c.expectRules ?? []), ...(c.expectWarnings ?? [])]);
          expect(problems.filter((p) => rules.has(p.rule)).some((p) => new RegExp(c.expectMessage!, 'i').test(p.message)), `${name}: a message matches /${c.expectMessage}/`).toBe(true);
        }
        if (c.maxProblems) expect(problems.length).toBeLessThanOrEqual(c.maxProblems);
        if (c.command === 'load') expect(json.loaded).toBe(c.expectExit === 0);
      }

      // the store: untouched on failure; on success the earlier snapshot is byte-for-byte the same
      if (c.expectExit === 0 && c.command !== 'validate') {
        expect(await snapshotFingerprint(store, EARLIER)).toEqual(earlierFp);
        const counts = await snapshotRowCounts(store, c.asAt ?? AS_AT);
        expect(counts).toEqual(json.rowCounts);
      } else {
        expect(await storeFingerprint(store)).toEqual(templateFp);
      }

      for (const check of c.checks ?? []) {
        switch (check) {
          case 'capped-summary': {
            const problems = (c.command === 'run' ? json.loads[0] : json).problems as Problem[];
            expect(problems.some((p) => p.line === null && /rows in all/.test(p.message))).toBe(true);
            break;
          }
          case 'bounded-memory':
            expect(r.maxRssKb, 'peak RSS measured').not.toBeNull();
            // the file is 300 MB: validation streams it and keeps far less than that in memory
            expect(r.maxRssKb! / 1024, 'peak RSS in MB').toBeLessThan(600);
            break;
          case 'report-neutralises-formula': {
            const csv = readFileSync(join(dir, 'validation-report.csv'), 'utf8');
            const rows = parse(csv, { bom: true }) as string[][];
            expect(rows.some((row) => row.includes(`'=HYPERLINK("http://x","click")`))).toBe(true);
            for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+@\t\r]/);
            // and the value is stored as plain text
            const { Store } = await import('../pipeline/store/store.js');
            const s = await Store.open(store, { readOnly: true });
            try {
              const v = await s.one<{ urn: string }>(`SELECT urn FROM episodes WHERE child = 'BAD0001' AND as_at = DATE '${AS_AT}'`);
              expect(v?.urn).toBe('=HYPERLINK("http://x","click")');
            } finally {
              s.close();
            }
            break;
          }
          case 'plain-text':
            expect(r.stdout).not.toMatch(/&lt;|&gt;|&amp;/);
            expect(r.stdout).toContain('<script>alert(1)</script>');
            break;
          case 'same-row-counts':
            expect(json.rowCounts).toEqual(baseRows);
            break;
          case 'no-report': {
            const files = existsSync(out) ? readdirSync(out, { recursive: true }).map(String) : [];
            expect(files.filter((f) => /\.(html|pdf|arrow)$|kpis\.(csv|json)$/.test(f))).toEqual([]);
            break;
          }
          default:
            throw new Error(`unknown check ${check}`);
        }
      }
    } finally {
      if (!process.env.KEEP_BAD_INPUT) rmSync(join(dir, 'extract'), { recursive: true, force: true });
    }
  }, 180_000);
});
