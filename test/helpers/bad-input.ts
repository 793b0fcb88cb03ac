/**
 * The bad-input corpus: each case folder under test/bad-input/<NN-name>/ holds a case.json
 * that describes, as data, how to break a good base extract (mutations) and what the CLI
 * must answer. This module applies the mutations and runs the built CLI asynchronously.
 *
 * Mutations (each has `op`; most have `file`, a file of the extract folder):
 *   set            {row, column, value}      data row `row` (1 = the first row after the header)
 *   append         {rows: [{COL: value}], repeat?}  rows by column name, written in the file's column order
 *   appendRaw      {lines: [text]}           lines appended exactly as written (broken CSV on purpose)
 *   writeHex       {hex}                     the file's whole content as bytes
 *   insertHeader   {afterRow}                a copy of the header row after data row `afterRow`
 *   write          {text}                    the file's whole content (create or overwrite)
 *   delete         {}                        remove the file
 *   deleteAll      {}                        remove every file of the folder (manifest too)
 *   copy           {to}                      a second copy of the file under another name
 *   truncate       {keep: "header"|"nothing"}
 *   encode         {encoding: "windows-1252"|"utf-16le-bom"}  re-encode the whole file
 *   delimiter      {delimiter}               rewrite with another separator
 *   dropColumn     {column} / addColumn {column, value}
 *   removeHeader   {}                        delete the header row (data first)
 *   lineEndings    {eol, bom?}
 *   reorderColumns {order: "reverse", headerCase: "lower"|"mixed"}
 *   randomBytes    {bytes, seed, append?}    seeded random bytes (with NULs), whole file or appended
 *   huge           {megabytes, kind: "rows"|"junk"}  grow the file to that size (the test's temp dir only)
 * Each mutation records the physical lines it wrote (`append`, `set`, `insertHeader`), so
 * expectations can name them as "@<mutation>.<row>" (e.g. "@1.0": first row of mutation 1).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from './cli.js';

export interface Mutation {
  op: string;
  file?: string;
  [k: string]: unknown;
}

export interface Expectation {
  rule: string;
  file?: string | null;
  /** A physical line, null (file-level), "any" (some line), or "@m.i": the i-th line written by mutation m (".i" optional, default 0), "+k" optional. */
  line?: number | string | null;
  column?: string | null;
  value?: string | null;
  severity?: 'error' | 'warning';
}

export interface BadInputCase {
  description: string;
  command: 'load' | 'validate' | 'run';
  asAt?: string;
  la?: string;
  mutations?: Mutation[];
  expectExit: 0 | 1 | 2;
  /** Error rules: exactly these rule ids are reported as errors (unless errorsMayInclude lists more). */
  expectRules?: string[];
  errorsMayInclude?: string[];
  expectWarnings?: string[];
  expectAt?: Expectation[];
  /** Regex (case-insensitive) the messages must match: the problem messages, or error + hint for exit 2. */
  expectMessage?: string;
  /** At most this many problems in the JSON (capped output). */
  maxProblems?: number;
  /** The case must finish within this many seconds. */
  maxSeconds?: number;
  /** Extra checks by name, implemented in the driver. */
  checks?: string[];
  /** Skipped when this environment variable is set (the huge file: SKIP_HUGE=1). */
  skipEnv?: string;
}

// ---- CSV helpers (the base extract is plain: no quotes, LF line ends) ----

export function csvQuote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const writeLines = (path: string, lines: string[], eol = '\n') => writeFileSync(path, lines.join(eol) + eol);

/** A base line (no quotes) split on commas. */
const cells = (line: string) => line.split(',');

/** Physical lines used by a file's content so far (number of line breaks, +1 for a last line without one). */
function lineCount(path: string): number {
  const b = readFileSync(path);
  let n = 0;
  for (const c of b) if (c === 0x0a) n++;
  if (b.length && b[b.length - 1] !== 0x0a) n++;
  return n;
}

/** Windows-1252 for the few characters the corpus uses; everything else must be ASCII. */
const CP1252: Record<string, number> = { '’': 0x92, '‘': 0x91, '£': 0xa3, 'é': 0xe9, '€': 0x80 };
function toWindows1252(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else if (CP1252[ch] !== undefined) out.push(CP1252[ch]);
    else throw new Error(`toWindows1252: no byte for ${ch}`);
  }
  return Buffer.from(out);
}

/** A small seeded PRNG (mulberry32) so that junk is the same on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(n: number, seed: number): Buffer {
  const r = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  b[1] = 0; // at least one NUL early on
  return b;
}

/** Apply the mutations to the extract folder `dir`; returns the lines each mutation wrote. */
export function applyMutations(dir: string, mutations: Mutation[]): number[][] {
  const written: number[][] = [];
  for (const m of mutations) {
    const f = m.file ? join(dir, m.file) : '';
    const lines: number[] = [];
    switch (m.op) {
      case 'set': {
        const ls = readLines(f);
        const header = cells(ls[0]!).map((h) => h.trim().toUpperCase());
        const row = Number(m.row);
        const col = header.indexOf(String(m.column));
        if (col < 0 || row < 1 || row >= ls.length) throw new Error(`set: no ${m.column} / row ${row} in ${m.file}`);
        const c = cells(ls[row]!);
        c[col] = csvQuote(String(m.value));
        ls[row] = c.join(',');
        writeLines(f, ls);
        lines.push(row + 1);
        break;
      }
      case 'append': {
        const header = cells(readLines(f)[0]!).map((h) => h.trim().toUpperCase());
        const rows = m.rows as Record<string, string>[];
        const repeat = Number(m.repeat ?? 1);
        let next = lineCount(f) + 1;
        const text: string[] = [];
        for (let k = 0; k < repeat; k++) {
          for (const r of rows) {
            for (const key of Object.keys(r)) if (!header.includes(key)) throw new Error(`append: ${m.file} has no column ${key}`);
            const line = header.map((h) => csvQuote(r[h] ?? '')).join(',');
            lines.push(next);
            next += line.split('\n').length;
            text.push(line);
          }
        }
        appendFileSync(f, text.join('\n') + '\n');
        break;
      }
      case 'appendRaw': {
        // lines written exactly as given (to break the CSV structure on purpose)
        let next = lineCount(f) + 1;
        for (const l of m.lines as string[]) {
          lines.push(next);
          next += l.split('\n').length;
        }
        appendFileSync(f, (m.lines as string[]).join('\n') + '\n');
        break;
      }
      case 'writeHex':
        writeFileSync(f, Buffer.from(String(m.hex).replace(/\s+/g, ''), 'hex'));
        break;
      case 'insertHeader': {
        const ls = readLines(f);
        const after = Number(m.afterRow);
        ls.splice(after + 1, 0, ls[0]!);
        writeLines(f, ls);
        lines.push(after + 2);
        break;
      }
      case 'write':
        writeFileSync(f, String(m.text));
        break;
      case 'delete':
        rmSync(f);
        break;
      case 'deleteAll':
        for (const n of readdirSync(dir)) rmSync(join(dir, n), { recursive: true });
        break;
      case 'copy':
        cpSync(f, join(dir, String(m.to)));
        break;
      case 'truncate':
        writeFileSync(f, m.keep === 'header' ? readLines(f)[0]! + '\n' : '');
        break;
      case 'encode': {
        const text = readFileSync(f, 'utf8');
        if (m.encoding === 'windows-1252') writeFileSync(f, toWindows1252(text));
        else if (m.encoding === 'utf-16le-bom') writeFileSync(f, Buffer.from('\uFEFF' + text, 'utf16le'));
        else throw new Error(`encode: ${String(m.encoding)}`);
        break;
      }
      case 'delimiter':
        writeLines(f, readLines(f).map((l) => cells(l).join(String(m.delimiter))));
        break;
      case 'dropColumn': {
        const ls = readLines(f);
        const i = cells(ls[0]!).indexOf(String(m.column));
        if (i < 0) throw new Error(`dropColumn: no ${m.column}`);
        writeLines(f, ls.map((l) => cells(l).filter((_, k) => k !== i).join(',')));
        break;
      }
      case 'addColumn': {
        const ls = readLines(f);
        writeLines(f, ls.map((l, k) => `${l},${k === 0 ? String(m.column) : csvQuote(String(m.value ?? ''))}`));
        break;
      }
      case 'removeHeader':
        writeLines(f, readLines(f).slice(1));
        break;
      case 'lineEndings': {
        const text = readLines(f).join(String(m.eol)) + String(m.eol);
        writeFileSync(f, (m.bom ? '\uFEFF' : '') + text);
        break;
      }
      case 'reorderColumns': {
        const ls = readLines(f).map(cells);
        const n = ls[0]!.length;
        const order = m.order === 'reverse' ? [...Array(n).keys()].reverse() : (m.order as number[]);
        const mixed = (s: string) => s.split('').map((ch, i) => (i % 2 ? ch.toLowerCase() : ch)).join('');
        const hc = (s: string) => (m.headerCase === 'lower' ? s.toLowerCase() : m.headerCase === 'mixed' ? mixed(s) : s);
        writeLines(f, ls.map((c, k) => order.map((i) => (k === 0 ? hc(c[i]!) : c[i]!)).join(',')));
        break;
      }
      case 'randomBytes': {
        const b = randomBytes(Number(m.bytes), Number(m.seed ?? 1));
        if (m.append) appendFileSync(f, b);
        else writeFileSync(f, b);
        break;
      }
      case 'huge':
        growFile(f, Number(m.megabytes) * 1e6, String(m.kind ?? 'rows'));
        break;
      default:
        throw new Error(`unknown mutation ${m.op}`);
    }
    written.push(lines);
  }
  return written;
}

/**
 * Grow a file to `bytes`: "rows" repeats the file's data rows (valid-looking rows: every
 * repeat is a duplicate), "junk" appends lines that are not CSV records of the file.
 */
function growFile(path: string, bytes: number, kind: string): void {
  const text = readFileSync(path, 'utf8');
  const body = text.slice(text.indexOf('\n') + 1);
  const unit =
    kind === 'rows'
      ? Buffer.from(body.repeat(Math.max(1, Math.ceil(4e6 / body.length))))
      : Buffer.from('this line is not part of the extract; it has no commas at all and goes on and on\n'.repeat(50_000));
  const fd = openSync(path, 'a');
  try {
    let size = Buffer.byteLength(text);
    while (size < bytes) {
      writeSync(fd, unit);
      size += unit.length;
    }
  } finally {
    closeSync(fd);
  }
}

/** Resolve an expected line: a number, null, or "@m.i+k". */
export function resolveLine(spec: number | string | null | undefined, written: number[][]): number | null | undefined {
  if (spec === undefined || spec === null || typeof spec === 'number' || spec === 'any') return spec as number | null | undefined;
  const mm = /^@(\d+)(?:\.(\d+))?(?:\+(\d+))?$/.exec(spec);
  if (!mm) throw new Error(`bad line spec ${spec}`);
  const l = written[Number(mm[1])]?.[Number(mm[2] ?? 0)];
  if (l === undefined) throw new Error(`line spec ${spec}: mutation wrote no such line`);
  return l + Number(mm[3] ?? 0);
}

export interface AsyncRun { code: number; stdout: string; stderr: string; ms: number; maxRssKb: number | null }

const RSS_HOOK = join(ROOT, 'test', 'helpers', 'rss-hook.mjs');

/** Run the built CLI as a child process, without blocking the test worker. */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; measureRss?: boolean } = {}): Promise<AsyncRun> {
  const t0 = Date.now();
  const node = opts.measureRss && existsSync(RSS_HOOK) ? ['--import', RSS_HOOK] : [];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...node, CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, SOURCE_DATE_EPOCH: '1793491200', TZ: 'UTC', NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const rss = /MAXRSS_KB=(\d+)/.exec(stderr);
      resolvePromise({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0, maxRssKb: rss ? Number(rss[1]) : null });
    });
  });
}

/** At most `n` tasks at once (the machine has two cores). */
export function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}
