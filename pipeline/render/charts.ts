/**
 * Charts: Vega-Lite spec templates (templates/charts/*.vl.json) filled with a KPI's data,
 * compiled with vega-lite and rendered to SVG by vega in Node (no canvas, no browser).
 * Each SVG is made accessible (role="img" with <title> and <desc>; Vega's per-mark ARIA
 * roles removed) and deterministic (element ids renamed from the chart's own id).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import type { TopLevelSpec } from 'vega-lite';
import { ROOT, TEMPLATES_DIR } from '../core/paths.js';
import type { Dimension, KpiResult } from '../compute/types.js';
import { quarterLabel } from '../core/dates.js';
import { benchmarkYearShort, formatBenchmark, formatTarget, showCount, showValue, SUPPRESSED } from './format.js';
import type { ShownKpi, ShownTrendPoint } from './shown.js';

export const CHARTS_DIR = join(TEMPLATES_DIR, 'charts');
export const FONT_STACK = 'Atkinson Hyperlegible, Arial, sans-serif';

export const COLOURS = { la: '#1d70b8', target: '#00703c', england: '#505a5f' };

export const DIMENSION_LABEL: Record<Dimension, string> = {
  sex: 'Sex',
  age_band: 'Age band',
  ethnicity: 'Ethnicity',
  uasc: 'Unaccompanied asylum-seeking children (UASC)',
};
/** Shorter names for the chart's panel headers (the table beside it uses the full names). */
const DIMENSION_SHORT: Record<Dimension, string> = { sex: 'Sex', age_band: 'Age band', ethnicity: 'Ethnicity', uasc: 'UASC' };
const DIMENSION_ORDER: Dimension[] = ['sex', 'age_band', 'ethnicity', 'uasc'];

/** Vega config shared by every chart: the report's font, readable sizes, no ARIA on marks. */
export const VEGA_CONFIG = {
  font: FONT_STACK,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, labelColor: '#0b0c0c', titleColor: '#0b0c0c', domainColor: '#505a5f', tickColor: '#505a5f', gridColor: '#dcdcdc', aria: false },
  legend: { labelFontSize: 12, labelColor: '#0b0c0c', aria: false },
  header: { labelColor: '#0b0c0c' },
  mark: { aria: false },
  aria: false,
};

const templateCache = new Map<string, unknown>();
function loadTemplate(name: string): unknown {
  let t = templateCache.get(name);
  if (!t) {
    t = JSON.parse(readFileSync(join(CHARTS_DIR, name), 'utf8'));
    templateCache.set(name, t);
  }
  return structuredClone(t);
}

/** Replace every string "$name" in a template with vars[name] (any JSON value). */
export function fillTemplate(node: unknown, vars: Record<string, unknown>): unknown {
  if (typeof node === 'string' && node.startsWith('$') && !node.startsWith('$schema')) {
    const key = node.slice(1);
    if (key in vars) return vars[key];
    if (/^[A-Za-z]\w*$/.test(key)) throw new Error(`chart template: no value for placeholder ${node}`);
    return node;
  }
  if (Array.isArray(node)) return node.map((n) => fillTemplate(n, vars));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = fillTemplate(v, vars);
    return out;
  }
  return node;
}

/**
 * vega and vega-lite (about half a second of module loading): imported on first use, so a
 * command that renders no chart does not pay for them, and the CLI's render pool can load
 * vega while the KPIs compute (pipeline/render/pool.ts warmUp). vega-lite is needed only to
 * compile a chart shape that is in neither cache (see runtimeFor).
 */
let vegaModule: Promise<typeof import('vega')> | null = null;
let vegaLiteModule: Promise<typeof import('vega-lite')> | null = null;
export const loadVega = () => (vegaModule ??= Promise.resolve().then(() => vegaBundle() ?? import('vega')));
const loadVegaLite = () => (vegaLiteModule ??= import('vega-lite'));

/**
 * vega from its own one-file build (build/vega.min.js, the same release as its ES modules, with
 * no imports): one script to compile instead of some forty packages' modules to resolve, read
 * and link, ~75 ms instead of ~250 ms of the main thread. Loaded as its UMD wrapper expects
 * (CommonJS exports; the package is ESM, so require() would read it as a module). null (and
 * vega's modules imported instead) if it is missing or is not the installed release.
 */
function vegaBundle(): typeof import('vega') | null {
  try {
    const dir = dirname(fileURLToPath(import.meta.resolve('vega')));
    const file = join(dir, 'vega.min.js');
    const mod = { exports: {} as Record<string, unknown> };
    runInThisContext(`(function (exports, module) {${readFileSync(file, 'utf8')}\n})`, { filename: file })(mod.exports, mod);
    const v = mod.exports;
    return typeof v.View === 'function' && typeof v.parse === 'function' && v.version === packageOf(dir).version ? (v as unknown as typeof import('vega')) : null;
  } catch {
    return null;
  }
}

/** The package.json of the package holding `dir` (a package's exports need not list it). */
function packageOf(dir: string): { name: string; version: string } {
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
}

/** Turns a chart (ChartSpec, or a filled Vega-Lite spec) into raw SVG: vegaLiteToSvg, or the render pool's (pool.ts). */
export type SvgRenderer = (spec: unknown) => Promise<string>;

/**
 * A chart of a report for vegaLiteToSvg: a filled template in which the lists of labels named
 * by chartSpec are stand-ins ("@@cp:<name>:<i>@@"), so are the domains' numbers, and each
 * dataset is {"$cpData": name}, with the real ones beside it. Charts that differ only in those (most of
 * a report's, and the same KPI's in every council) compile to the same Vega dataflow but for
 * them: it is compiled (vega-lite) and parsed (vega) once per process, and each chart gets a
 * copy with its own labels and rows put in (see runtimeFor). The SVG is the same.
 */
export interface ChartSpec {
  cpChart: 1;
  vl: unknown;
  /** stand-in -> the label it stands for */
  strings: Record<string, string>;
  /** A stand-in number (as JSON writes it: NUMBER_BASE + i) -> the number it stands for (a scale's domain). */
  numbers: Record<string, number>;
  datasets: Record<string, unknown[]>;
}

const isChartSpec = (x: unknown): x is ChartSpec => !!x && typeof x === 'object' && (x as ChartSpec).cpChart === 1;

const NUMBER_BASE = 1234500000.5;
const NUMBER_STAND_IN = /\b12345\d{5}\.5\b/g;

/**
 * Fill a template into a ChartSpec: `labels` name lists of strings, `datasets` the rows and
 * `numbers` lists of numbers (a scale's domain) whose non-zero values get stand-ins.
 */
export function chartSpec(template: string, vars: Record<string, unknown>, labels: string[], datasets: string[], numbers: string[] = []): ChartSpec {
  const strings: Record<string, string> = {};
  const nums: Record<string, number> = {};
  const data: Record<string, unknown[]> = {};
  const v: Record<string, unknown> = { ...vars };
  for (const name of labels) {
    v[name] = (vars[name] as string[]).map((s, i) => {
      const id = `@@cp:${name}:${i}@@`;
      strings[id] = s;
      return id;
    });
  }
  for (const name of datasets) {
    data[name] = vars[name] as unknown[];
    v[name] = { $cpData: name };
  }
  let k = 0;
  for (const name of numbers) {
    v[name] = (vars[name] as number[]).map((x) => {
      if (x === 0 || !Number.isFinite(x)) return x;
      const n = NUMBER_BASE + k++;
      nums[String(n)] = x;
      return n;
    });
  }
  return { cpChart: 1, vl: fillTemplate(loadTemplate(template), v), strings, numbers: nums, datasets: data };
}

/** The chart's Vega-Lite spec: rows put in, and (with `labels`) the real labels and numbers for the stand-ins. */
function vlSpec(c: ChartSpec, labels: boolean): unknown {
  const walk = (n: unknown): unknown => {
    if (typeof n === 'string') return labels && n in c.strings ? c.strings[n] : n;
    if (typeof n === 'number') return labels && String(n) in c.numbers ? c.numbers[String(n)] : n;
    if (Array.isArray(n)) return n.map(walk);
    if (n && typeof n === 'object') {
      const name = (n as { $cpData?: string }).$cpData;
      if (typeof name === 'string') return c.datasets[name];
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(n)) out[k] = walk(v);
      return out;
    }
    return n;
  };
  return walk(c.vl);
}

/**
 * A cached dataflow: its JSON with stand-ins (plain labels, see plainLabels, go in as they are,
 * quoted or inside an expression's string) and where the rows go ({"$cpData": name} in it).
 */
interface Template {
  json: string;
  rows: { path: (string | number)[]; name: string }[];
}

/** Mark where the chart's rows (the arrays passed in) are in a dataflow (which must be plain JSON, as vega's parse gives). */
function toTemplate(rt: unknown, c: ChartSpec): Template {
  const names = new Map<unknown, string>(Object.entries(c.datasets).map(([k, v]) => [v, k]));
  const rows: Template['rows'] = [];
  const path: (string | number)[] = [];
  const mark = (n: unknown): unknown => {
    if (Array.isArray(n)) {
      const name = names.get(n);
      if (name !== undefined) {
        rows.push({ path: [...path], name });
        return { $cpData: name };
      }
      return n.map((x, i) => {
        path.push(i);
        const r = mark(x);
        path.pop();
        return r;
      });
    }
    if (n && typeof n === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(n)) {
        path.push(k);
        out[k] = mark(v);
        path.pop();
      }
      return out;
    }
    // JSON keeps everything else of vega's dataflow (its undefined values read the same missing)
    if (typeof n === 'number' ? !Number.isFinite(n) || Object.is(n, -0) : typeof n === 'function' || typeof n === 'bigint' || typeof n === 'symbol') throw new Error('chart: not JSON');
    return n;
  };
  return { json: JSON.stringify(mark(rt)), rows };
}

/** A copy of a cached dataflow with this chart's labels and rows; null if a stand-in is left. */
function instantiate(t: Template, c: ChartSpec): unknown | null {
  // numbers first, then labels (so that a label is never read as a stand-in number)
  let left = false;
  let json = t.json.replace(NUMBER_STAND_IN, (m) => {
    if (m in c.numbers) return JSON.stringify(c.numbers[m]);
    left = true;
    return m;
  });
  if (left) return null;
  json = json.replace(/@@cp:\w+:\d+@@/g, (m) => (m in c.strings ? c.strings[m]! : m));
  if (json.includes('@@cp:')) return null;
  const rt = JSON.parse(json) as Record<string | number, unknown>;
  for (const { path, name } of t.rows) {
    let n: any = rt;
    for (const k of path.slice(0, -1)) n = n[k];
    n[path[path.length - 1]!] = c.datasets[name];
  }
  return rt;
}

/** Labels put into a cached dataflow as they are: none that JSON or an expression would escape. */
const plainLabels = (c: ChartSpec) => Object.values(c.strings).every((s) => typeof s === 'string' && !/["\\\u0000-\u001f\u2028\u2029]|@@cp:/.test(s));

interface Compiled {
  /** The dataflow with stand-ins and where the rows go; null: compile each chart of this shape. */
  template: Template | null;
  warnings: string[];
}
const compiledCache = new Map<string, Compiled>();
let shapeCompiles = 0;
let fromDisk = 0;
/**
 * For tests: the shapes known in this process, how many of them are reused, how many were
 * compiled here (vega-lite) and how many were read from the disk cache.
 */
export const chartCacheStats = () => ({ shapes: compiledCache.size, reused: [...compiledCache.values()].filter((e) => e.template).length, compiles: shapeCompiles, fromDisk, viewsReused });
/** For tests: forget this process's compiled shapes and kept Views (as a new process would start). */
export function resetChartCache(): void {
  compiledCache.clear();
  for (const v of keptViews.values()) v.view.finalize();
  keptViews.clear();
}

/**
 * The disk cache of compiled shapes: one file per shape in CP_CHART_CACHE (default
 * <project>/.cache/charts; "off" for none), named by the SHA-256 of the shape and of what
 * compiled it (this module's own source, vega's and vega-lite's versions), so a shape
 * compiled by other code is never read. A new process then draws a known shape without
 * loading vega-lite or compiling at all (about 0.3 s of a one-council run). Files are written
 * whole (a temporary file renamed), read only if they name the very shape asked for, and a
 * file that cannot be read or written is a miss, never an error: delete the folder at will.
 */
function chartCacheDir(): string | null {
  const env = process.env.CP_CHART_CACHE;
  if (env === 'off' || env === '') return null;
  return env ? resolve(env) : join(ROOT, '.cache', 'charts');
}
let compilerId: string | null = null;
function compiler(): string {
  if (compilerId) return compilerId;
  const h = createHash('sha256').update('chart-cache 1\n').update(readFileSync(fileURLToPath(import.meta.url)));
  for (const pkg of ['vega', 'vega-lite']) {
    const { name, version } = packageOf(dirname(fileURLToPath(import.meta.resolve(pkg))));
    h.update(`${name}@${version}\n`);
  }
  return (compilerId = h.digest('hex'));
}
const diskFile = (dir: string, key: string) => join(dir, `${createHash('sha256').update(compiler()).update('\n').update(key).digest('hex').slice(0, 32)}.json`);

function readDisk(key: string): Compiled | undefined {
  const dir = chartCacheDir();
  if (!dir) return undefined;
  try {
    const f = JSON.parse(readFileSync(diskFile(dir, key), 'utf8')) as { key: string; compiled: Compiled };
    const t = f.compiled?.template;
    const wellFormed = Array.isArray(f.compiled?.warnings) && (t === null || (typeof t?.json === 'string' && Array.isArray(t.rows) && t.rows.every((r) => Array.isArray(r?.path) && typeof r.name === 'string')));
    if (f.key !== key || !wellFormed) return undefined;
    fromDisk++;
    return f.compiled;
  } catch {
    return undefined;
  }
}

function writeDisk(key: string, compiled: Compiled): void {
  const dir = chartCacheDir();
  if (!dir) return;
  const file = diskFile(dir, key);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key, compiled }));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/**
 * The chart's Vega dataflow (vega.parse of vega-lite's compile). A shape seen first (in neither
 * this process's cache nor the disk cache) is compiled twice, with its labels and with the
 * stand-ins, and the stand-ins' dataflow is kept only if, with the labels and rows put back, it
 * is the very dataflow of the labelled compile (and the rows occur in it only where they were
 * passed in). CP_CHART_CHECK=1 checks every chart.
 */
async function runtimeFor(c: ChartSpec, vega: typeof import('vega'), warnings?: string[]): Promise<{ rt: unknown; fromTemplate: boolean }> {
  const full = async () => {
    const { compile } = await loadVegaLite();
    const w: string[] = [];
    const rt = vega.parse(compile(vlSpec(c, true) as TopLevelSpec, { logger: quietLogger(w) }).spec);
    return { rt, w };
  };
  const plain = plainLabels(c);
  const key = JSON.stringify(c.vl);
  let e = compiledCache.get(key);
  if (!e && plain) {
    e = readDisk(key);
    if (e) compiledCache.set(key, e);
  }
  if (!e && plain) {
    const { rt, w } = await full();
    shapeCompiles++;
    let template: Template | null = null;
    try {
      const { compile } = await loadVegaLite();
      const stand = vega.parse(compile(vlSpec(c, false) as TopLevelSpec, { logger: quietLogger() }).spec);
      const t = toTemplate(stand, c);
      const copied = Object.values(c.datasets).some((rs) => rs.some((r) => t.json.includes(JSON.stringify(r))));
      const back = instantiate(t, c);
      if (!copied && back !== null && JSON.stringify(back) === JSON.stringify(rt)) template = t;
    } catch {
      template = null;
    }
    e = { template, warnings: w };
    compiledCache.set(key, e);
    writeDisk(key, e);
    warnings?.push(...w);
    return { rt, fromTemplate: false };
  }
  if (e?.template && plain) {
    const rt = instantiate(e.template, c);
    if (rt !== null) {
      if (process.env.CP_CHART_CHECK === '1' && JSON.stringify(rt) !== JSON.stringify((await full()).rt)) throw new Error('chart: cached dataflow differs from a fresh compile');
      warnings?.push(...e.warnings);
      return { rt, fromTemplate: true };
    }
  }
  const { rt, w } = await full();
  warnings?.push(...w);
  return { rt, fromTemplate: false };
}

type VegaView = InstanceType<(typeof import('vega'))['View']>;
/**
 * Views kept to draw again: a chart whose dataflow came from a cached shape (runtimeFor) with
 * the same labels and numbers as an earlier one differs from it only in its rows, so the earlier
 * chart's View draws it, rows swapped, without vega parsing the dataflow again (a third of a
 * chart's time). A report's breakdown charts share their labels (20 of the largest report's 42
 * charts: 0.31 -> 0.14 s). The View is first emptied and run, so that every mark is made anew
 * from the rows, in their order, as in a new View: the SVG is byte for byte a new View's
 * (CP_CHART_CHECK=1 checks each one; test/render-perf.test.ts draws them in several orders). The
 * last VIEWS_KEPT keys are kept; a View in use is not lent twice.
 */
const keptViews = new Map<string, { view: VegaView; warnings: string[]; busy: boolean }>();
const VIEWS_KEPT = 8;
let viewsReused = 0;
const viewKey = (c: ChartSpec) => JSON.stringify([c.vl, c.strings, c.numbers]);

function keepView(key: string, view: VegaView, warnings: string[]): boolean {
  if (keptViews.has(key)) return false;
  keptViews.set(key, { view, warnings, busy: false });
  for (const [k, v] of keptViews) {
    if (keptViews.size <= VIEWS_KEPT) break;
    if (v.busy) continue;
    keptViews.delete(k);
    v.view.finalize();
  }
  return true;
}

/** A kept View's SVG with this chart's rows; null if it could not be drawn so (the caller draws afresh). */
async function drawAgain(key: string, c: ChartSpec, warnings?: string[]): Promise<string | null> {
  const kept = keptViews.get(key);
  if (!kept || kept.busy) return null;
  kept.busy = true;
  try {
    const names = Object.keys(c.datasets);
    for (const n of names) kept.view.data(n, []);
    await kept.view.runAsync();
    for (const n of names) kept.view.data(n, c.datasets[n]!);
    kept.view.resize();
    await kept.view.runAsync();
    const svg = await kept.view.toSVG();
    viewsReused++;
    warnings?.push(...kept.warnings);
    keptViews.delete(key); // the most recently used goes last, evicted last
    keptViews.set(key, kept);
    return svg;
  } catch {
    keptViews.delete(key);
    kept.view.finalize();
    return null;
  } finally {
    kept.busy = false;
  }
}

/** Compile a chart (ChartSpec, or a filled Vega-Lite spec) and render it to an SVG string (raw vega output). */
export async function vegaLiteToSvg(spec: unknown, warnings?: string[]): Promise<string> {
  const vega = await loadVega();
  const key = isChartSpec(spec) ? viewKey(spec) : null;
  const again = key !== null ? await drawAgain(key, spec as ChartSpec, warnings) : null;
  if (again === null) return drawFresh(spec, vega, warnings, key);
  if (process.env.CP_CHART_CHECK === '1' && again !== (await drawFresh(spec, vega, undefined, null))) throw new Error('chart: a kept View drew other SVG than a new View');
  return again;
}

/** A new View's SVG; kept for the charts after it (under `key`) when its dataflow came from a cached shape. */
async function drawFresh(spec: unknown, vega: typeof import('vega'), warnings: string[] | undefined, key: string | null): Promise<string> {
  const w: string[] = [];
  const { rt, fromTemplate } = isChartSpec(spec) ? await runtimeFor(spec, vega, w) : { rt: vega.parse((await loadVegaLite()).compile(spec as TopLevelSpec, { logger: quietLogger(w) }).spec), fromTemplate: false };
  warnings?.push(...w);
  const view = new vega.View(rt as ReturnType<typeof vega.parse>, { renderer: 'none' });
  let kept = false;
  try {
    const svg = await view.toSVG();
    kept = key !== null && fromTemplate && keepView(key, view, w);
    return svg;
  } finally {
    if (!kept) view.finalize();
  }
}

/**
 * Vega-Lite's warnings go to the caller's list instead of the console; two are expected
 * from the breakdown template's layered, faceted bars (shared category axis) and dropped.
 */
const BENIGN = [/faceted independent scales that union domain/, /conflicting sort properties/];
function quietLogger(sink?: string[]) {
  let level = 2;
  const logger = {
    level(l?: number): any {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...a: unknown[]) {
      throw new Error(`vega-lite: ${a.map(String).join(' ')}`);
    },
    warn(...a: unknown[]) {
      const m = a.map(String).join(' ');
      if (!BENIGN.some((re) => re.test(m))) sink?.push(`chart: ${m}`);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * Make vega's SVG accessible and deterministic: one role="img" on the root labelled by a
 * <title> and described by a <desc>; no role/aria attributes on inner marks; every id (vega
 * numbers clip paths with a process-wide counter) renamed `<idBase>-<n>` in order.
 */
export function finishSvg(svg: string, idBase: string, title: string, desc: string): string {
  let s = svg.replace(/\s(?:role|aria-[a-z-]+)="[^"]*"/g, '');
  const ids = new Map<string, string>();
  s = s.replace(/\sid="([^"]+)"/g, (_m, id: string) => {
    if (!ids.has(id)) ids.set(id, `${idBase}-g${ids.size + 1}`);
    return ` id="${ids.get(id)}"`;
  });
  s = s.replace(/url\(#([^)]+)\)/g, (m, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : m));
  s = s.replace(/(xlink:)?href="#([^"]+)"/g, (m, x: string | undefined, id: string) => (ids.has(id) ? `${x ?? ''}href="#${ids.get(id)}"` : m));
  const tId = `${idBase}-title`;
  const dId = `${idBase}-desc`;
  let done = false;
  s = s.replace(/^<svg\b([^>]*)>/, (_m, attrs: string) => {
    done = true;
    const a = attrs.replace(/\sclass="[^"]*"/, '');
    return `<svg${a} class="chart-svg" role="img" aria-labelledby="${tId}" aria-describedby="${dId}" focusable="false"><title id="${tId}">${escapeXml(title)}</title><desc id="${dId}">${escapeXml(desc)}</desc>`;
  });
  if (!done) throw new Error('chart: vega output does not start with <svg>');
  return s;
}

export interface TrendRow {
  r: string;
  quarter: string;
  numerator: string;
  denominator: string;
  value: string;
  source: string;
}

export const quarterOf = (r: string) => {
  try {
    return quarterLabel(r);
  } catch {
    return r;
  }
};

const BASIS_LABEL: Record<ShownTrendPoint['basis'], string> = { this_quarter: 'This quarter', stored: 'As reported', recomputed: 'Recomputed' };

/** A one-sentence summary of the trend, from the figures that are shown. */
export function trendSummary(k: KpiResult, laName: string, points: ShownTrendPoint[]): string {
  const shown = points.filter((p): p is ShownTrendPoint & { value: number } => typeof p.value === 'number' && Number.isFinite(p.value));
  const refs: string[] = [];
  if (k.target !== null) refs.push(`the target is ${formatTarget(k.target, k.unit)}`);
  if (k.benchmarks?.england != null) refs.push(`England's published figure is ${formatBenchmark(k.benchmarks.england, k.unit)}`);
  const tail = refs.length ? `; ${refs.join(' and ')}.` : '.';
  const nHidden = points.filter((p) => p.value === SUPPRESSED).length;
  const hiddenNote = nHidden ? ` ${nHidden} of ${points.length} quarters are not shown because the numbers are small.` : '';
  if (!shown.length) return `${laName} has no figure to show for any quarter${tail}${hiddenNote}`;
  const first = shown[0]!;
  const last = shown[shown.length - 1]!;
  if (shown.length === 1) return `${laName}: ${showValue(last.value, k.unit)} in ${quarterOf(last.r)}${tail}${hiddenNote}`;
  const d = last.value - first.value;
  const verb = Math.abs(d) < 0.05 ? 'stayed at' : d > 0 ? 'rose from' : 'fell from';
  const mid = verb === 'stayed at' ? `${showValue(last.value, k.unit)} from ${quarterOf(first.r)} to ${quarterOf(last.r)}` : `${showValue(first.value, k.unit)} in ${quarterOf(first.r)} to ${showValue(last.value, k.unit)} in ${quarterOf(last.r)}`;
  return `${laName}: ${verb} ${mid}${tail}${hiddenNote}`;
}

export interface ChartOut {
  svg: string;
  title: string;
  desc: string;
  /** A short visible caption (the full description is in the SVG's <desc>). */
  caption?: string;
}

/** The trend chart and its table rows, from the figures shown. Hidden points are left out of the chart (the table says c). */
export async function trendChart(k: KpiResult, shownK: ShownKpi, laName: string, idBase: string, toSvg: SvgRenderer = vegaLiteToSvg) {
  const points = shownK.trend;
  const quarters = points.map((p) => quarterOf(p.r));
  const series = laName || 'This council';
  const data = points.map((p) => ({ quarter: quarterOf(p.r), series, value: typeof p.value === 'number' ? p.value : null }));
  const refs: { series: string; value: number }[] = [];
  const domain = [series];
  const colours = [COLOURS.la];
  const dashes: number[][] = [[1, 0]];
  if (k.target !== null) {
    refs.push({ series: `Target (${formatTarget(k.target, k.unit)})`, value: k.target });
    domain.push(refs[refs.length - 1]!.series);
    colours.push(COLOURS.target);
    dashes.push([1, 0]);
  }
  if (k.benchmarks?.england != null) {
    refs.push({ series: `England ${benchmarkYearShort(k.benchmarks.year)} (${formatBenchmark(k.benchmarks.england, k.unit)})`, value: k.benchmarks.england });
    domain.push(refs[refs.length - 1]!.series);
    colours.push(COLOURS.england);
    dashes.push([6, 4]);
  }
  const maxV = Math.max(0, ...data.map((d) => d.value ?? 0), ...refs.map((r) => r.value));
  const spec = chartSpec('trend.vl.json', {
    points: data,
    refs,
    quarters,
    seriesDomain: domain,
    seriesColours: colours,
    seriesDashes: dashes,
    yDomain: k.unit === 'percent' ? [0, 100] : [0, Math.max(5, Math.ceil(maxV * 1.1))],
    yTitle: k.unit === 'percent' ? 'Per cent' : 'Number',
    config: VEGA_CONFIG,
  }, ['quarters', 'seriesDomain'], ['points', 'refs'], ['yDomain']);
  const title = `Trend: ${k.title}`;
  const desc = trendSummary(k, series, points);
  const svg = finishSvg(await toSvg(spec), idBase, title, desc);
  const rows: TrendRow[] = points.map((p) => ({
    r: p.r,
    quarter: quarterOf(p.r),
    numerator: showCount(p.numerator),
    denominator: showCount(p.denominator),
    value: showValue(p.value, k.unit),
    source: BASIS_LABEL[p.basis],
  }));
  return { chart: { svg, title, desc } satisfies ChartOut, rows, points };
}

export interface BreakdownRow {
  category: string;
  numerator: string;
  denominator: string;
  value: string;
}
export interface BreakdownGroup {
  dimension: Dimension;
  label: string;
  rows: BreakdownRow[];
}

const dimensionRank = (d: Dimension) => DIMENSION_ORDER.indexOf(d) + 1 || 99;

/** The breakdown tables' rows, one group per dimension shown, from the figures shown. */
export function breakdownGroups(k: KpiResult, shownK: ShownKpi): BreakdownGroup[] {
  const dims = [...new Set(shownK.cells.map((c) => c.dimension))].sort((a, b) => dimensionRank(a) - dimensionRank(b));
  return dims.map((d) => ({
    dimension: d,
    label: DIMENSION_LABEL[d] ?? d,
    rows: shownK.cells
      .filter((c) => c.dimension === d)
      .map((c) => ({ category: c.category, numerator: showCount(c.numerator), denominator: showCount(c.denominator), value: showValue(c.value, k.unit) })),
  }));
}

/** The breakdown bar chart of the cells shown (null when there are none). */
export async function breakdownChart(k: KpiResult, shownK: ShownKpi, idBase: string, toSvg: SvgRenderer = vegaLiteToSvg): Promise<ChartOut | null> {
  if (!shownK.cells.length) return null;
  const cells = shownK.cells.map((c, i) => {
    const value = typeof c.value === 'number' && Number.isFinite(c.value) ? c.value : null;
    return {
      dimension: DIMENSION_SHORT[c.dimension] ?? c.dimension,
      category: c.category,
      order: i,
      value,
      textX: value ?? 0,
      label: showValue(c.value, k.unit),
    };
  });
  const dims = [...new Set(shownK.cells.map((c) => c.dimension))].sort((a, b) => dimensionRank(a) - dimensionRank(b));
  const maxV = Math.max(0, ...cells.map((c) => c.value ?? 0));
  const spec = chartSpec('breakdown.vl.json', {
    cells,
    dimensions: DIMENSION_ORDER.filter((d) => dims.includes(d)).map((d) => DIMENSION_SHORT[d]).concat(dims.filter((d) => !DIMENSION_ORDER.includes(d))),
    xDomain: k.unit === 'percent' ? [0, 100] : [0, Math.max(5, Math.ceil(maxV * 1.15))],
    xTitle: k.unit === 'percent' ? 'Per cent' : 'Number',
    config: VEGA_CONFIG,
  }, ['dimensions'], ['cells'], ['xDomain']);
  const title = `Breakdown: ${k.title}`;
  const nHidden = cells.filter((c) => c.label === SUPPRESSED).length;
  const desc = `Bar chart of the figure for each group by ${dims.map((d) => (DIMENSION_LABEL[d] ?? d).toLowerCase()).join(', ')}; the table gives the numbers.${nHidden ? ` ${nHidden} ${nHidden === 1 ? 'group has' : 'groups have'} no bar because the numbers are small (shown as c).` : ''}`;
  const caption = `${k.unit === 'percent' ? 'Percentage' : 'Number'} for each group; the tables give the numbers.${nHidden ? ` Groups shown as c have no bar.` : ''}`;
  return { svg: finishSvg(await toSvg(spec), idBase, title, desc), title, desc, caption };
}

/** The chart templates shipped (for tests: each must compile and render). */
export const chartTemplates = () => readdirSync(CHARTS_DIR).filter((f) => f.endsWith('.vl.json')).sort();

/**
 * A trend and a breakdown spec like a report's (every series, a suppressed point, two
 * dimensions), drawn by the render pool while it waits for the real charts, so that vega's
 * code is compiled by then (the first charts a thread draws take several times longer).
 */
export async function warmUpSpecs(): Promise<unknown[]> {
  const specs: unknown[] = [];
  const keep: SvgRenderer = async (spec) => {
    specs.push(spec);
    return '<svg></svg>';
  };
  const k = {
    id: 'warm_up', title: 'Warm-up', unit: 'percent', target: 60,
    benchmarks: { indicator: 'x', year: '2025', england: 55, region: null, regionName: null, neighbours: null, neighboursUsed: 0, neighbourMethod: '', la: null, note: '' },
  } as unknown as KpiResult;
  const trend: ShownTrendPoint[] = ['2025-12-31', '2026-03-31', '2026-06-30', '2026-09-30'].map((r, i) => ({ r, numerator: 10 + i, denominator: 20, value: i === 1 ? SUPPRESSED : 50 + 5 * i, basis: 'stored' }));
  const cells = [['sex', 'Female', 40], ['sex', 'Male', 60], ['age_band', '10 to 15', 55], ['age_band', '16 and over', null]].map(([dimension, category, value]) => ({ dimension, category, numerator: 5, denominator: 10, children: 10, value: value ?? SUPPRESSED }));
  const shown = { trend, cells } as unknown as ShownKpi;
  await trendChart(k, shown, 'Warm-up', 'warm-trend', keep);
  await breakdownChart(k, shown, 'warm-bd', keep);
  return specs;
}
