/**
 * The benchmark (issue 6): `npm run bench [-- --councils N] [-- --skip-pool-run]`.
 *
 * Every figure is printed beside a floor measured in the same run on the same machine, and
 * beside the previous run's figure (bench-results.json). The machine is shared and its speed
 * drifts by a fifth from one minute to the next, so the short measures are taken several times,
 * their cases in turn, and the median is the figure: the load and its floor 3 times
 * (--load-runs), one council end to end 5 times (--one-runs); every sample is in the note.
 * Each measurement runs in its own child process (this script with --phase X, or the built
 * CLI) under /usr/bin/time -v when available, so its peak memory (max RSS) is its own.
 *
 * Phases:
 *   load        our ingest (stage + validate + store) of every LA of the pool into a fresh store
 *   duckdb      floor: DuckDB's own read_csv of the same files into tables (one read_csv per table)
 *   kpis1/kpis8 computeRuns for every council at one quarter / 8 quarters (history recomputed)
 *   render      HTML per report; PDF per report vs bare Chromium setContent + pdf of the same HTML
 *   one         the built CLI `run` for one council from a cold process (HTML and PDF)
 *   pool        the built CLI `run --la all` over the pool (HTML and PDF)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../pipeline/core/paths.js';

const R = '2026-09-30';
const BENCH_DIR = join(ROOT, 'bench-data');
const FULL_POOL = join(BENCH_DIR, 'pool');
/** The figures of the last run at this scale (a --scale run is compared with the last run at its own scale). */
const resultsFile = (scale: number | null) => join(ROOT, scale && scale !== 1 ? `bench-results-scale-${scale}.json` : 'bench-results.json');
const SELF = fileURLToPath(import.meta.url);
const CLI = join(ROOT, 'dist', 'pipeline', 'cli', 'main.js');

interface Figure {
  id: string;
  label: string;
  value: number; // seconds (or MB for memory)
  unit: 's' | 'ms' | 'MB';
  /** CPU seconds (user + system) of the process(es) measured: steadier than wall time on a shared machine. */
  cpu?: number | null;
  floor?: number | null;
  floorCpu?: number | null;
  floorLabel?: string;
  /** value / floor, when it is not the two figures' quotient (the median of the ratios of runs taken in turn). */
  ratio?: number;
  target?: string;
  ok?: boolean | null;
  note?: string;
}

// ---------------------------------------------------------------- child phases

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function poolDirs(pool: string): { la: string; dir: string }[] {
  return readdirSync(pool)
    .filter((s) => !s.startsWith('.') && statSync(join(pool, s)).isDirectory())
    .sort()
    .map((la) => ({ la, dir: existsSync(join(pool, la, R)) ? join(pool, la, R) : join(pool, la) }));
}

async function phase(name: string): Promise<unknown> {
  const pool = arg('--pool')!;
  const storeFile = arg('--store')!;
  const { Store } = await import('../../pipeline/store/store.js');
  if (name === 'load') {
    const { loadExtracts } = await import('../../pipeline/ingest/ingest.js');
    rmSync(storeFile, { force: true });
    rmSync(`${storeFile}.wal`, { force: true });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const store = await Store.open(storeFile);
    const dirs = poolDirs(pool);
    const res = await loadExtracts(store, dirs.map(({ la, dir }) => ({ la, dir, asAt: R })), {
      onProgress: process.env.CP_BENCH_VERBOSE ? (m) => process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s ${m}\n`) : undefined,
    });
    const errors = res.filter((r) => !r.loaded).length;
    const perLa = [((performance.now() - t0) / 1000) / dirs.length];
    store.close();
    const c = process.cpuUsage(c0);
    return { total: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, perLa, errors };
  }
  if (name === 'duckdb') {
    rmSync(storeFile, { force: true });
    rmSync(`${storeFile}.wal`, { force: true });
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const store = await Store.open(storeFile);
    const byName = new Map<string, string[]>();
    for (const { dir } of poolDirs(pool)) {
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv'))) (byName.get(f) ?? byName.set(f, []).get(f)!).push(join(dir, f));
    }
    for (const [f, files] of byName) {
      const list = `[${files.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ')}]`;
      await store.run(`CREATE TABLE "raw_${f.replace(/\W/g, '_')}" AS SELECT * FROM read_csv(${list}, header = true, union_by_name = true, filename = true)`);
    }
    store.close();
    const c = process.cpuUsage(c0);
    return { total: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
  }
  if (name === 'kpis1' || name === 'kpis8') {
    const { loadMetrics } = await import('../../pipeline/compute/metrics.js');
    const { loadConfig } = await import('../../pipeline/compute/config.js');
    const { resolveLa } = await import('../../pipeline/compute/reference.js');
    const { computeRuns } = await import('../../pipeline/compute/kpis.js');
    const defs = loadMetrics();
    const las = poolDirs(pool).map(({ la }) => ({ la: resolveLa(la), config: loadConfig(defs, { la }) }));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const store = await Store.open(storeFile);
    const tOpen = performance.now();
    const steps: string[] = [];
    const runs = await computeRuns(store, defs, las, R, name === 'kpis1' ? { quarters: 1 } : { quarters: 8, history: 7, onProgress: (m) => steps.push(m) });
    const total = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    store.close();
    return { total, cpu: (c.user + c.system) / 1e6, open: (tOpen - t0) / 1000, councils: runs.length, kpis: runs[0]?.kpis.length ?? 0, points: runs[0]?.kpis[0]?.history.length ?? 0 };
  }
  if (name === 'render') {
    const { loadMetrics } = await import('../../pipeline/compute/metrics.js');
    const { loadConfig } = await import('../../pipeline/compute/config.js');
    const { resolveLa } = await import('../../pipeline/compute/reference.js');
    const { computeRuns } = await import('../../pipeline/compute/kpis.js');
    const { renderReportHtml } = await import('../../pipeline/render/html.js');
    const { PdfRenderer, printable } = await import('../../pipeline/render/pdf.js');
    const { launchChromium } = await import('../../pipeline/render/browser.js');
    const defs = loadMetrics();
    const n = Number(arg('--reports') ?? 5);
    const las = poolDirs(pool).slice(0, n).map(({ la }) => ({ la: resolveLa(la), config: loadConfig(defs, { la }) }));
    const store = await Store.open(storeFile, { readOnly: true });
    const runs = await computeRuns(store, defs, las, R, { quarters: 1 });
    store.close();
    const out = arg('--out')!;
    mkdirSync(out, { recursive: true });
    const htmls: string[] = [];
    const html: number[] = [];
    for (const run of runs) {
      const t = performance.now();
      const r = await renderReportHtml(run, { audience: 'public', defs });
      html.push((performance.now() - t) / 1000);
      htmls.push(typeof r === 'string' ? r : r.html);
    }
    const opts = (i: number) => ({ title: `Report ${runs[i]!.laName}`, headerText: `${runs[i]!.laName} · ${runs[i]!.quarter}` });
    // warm both the same way: the playwright module and the unpacked Chromium binary
    await import('playwright-core');
    await (await import('../../pipeline/render/browser.js')).chromiumLaunchOptions();
    // ours
    let t = performance.now();
    const renderer = await PdfRenderer.launch();
    const oursLaunch = (performance.now() - t) / 1000;
    const ours: number[] = [];
    for (const [i, h] of htmls.entries()) {
      t = performance.now();
      await renderer.render(h, join(out, `ours-${i}.pdf`), opts(i));
      ours.push((performance.now() - t) / 1000);
    }
    await renderer.close();
    // floor: a bare page of the same Chromium, the same HTML and print options, nothing else
    t = performance.now();
    const browser = await launchChromium();
    const page = await browser.newPage();
    const floorLaunch = (performance.now() - t) / 1000;
    const floor: number[] = [];
    for (const [i, h] of htmls.entries()) {
      // the document we print, with the same header and footer
      const doc = printable(h, opts(i));
      t = performance.now();
      await page.setContent(doc.html);
      const pdf = await page.pdf({
        format: 'A4', printBackground: true, tagged: true, outline: true, ...doc.headerFooter,
        margin: { top: '20mm', bottom: '18mm', left: '15mm', right: '15mm' },
      });
      writeFileSync(join(out, `floor-${i}.pdf`), pdf);
      floor.push((performance.now() - t) / 1000);
    }
    await browser.close();
    // the first report of each warms up the page: report the median of the rest
    return { html, ours, floor, oursLaunch, floorLaunch, htmlBytes: htmls.map((h) => h.length) };
  }
  throw new Error(`unknown phase ${name}`);
}

// ---------------------------------------------------------------- parent

interface Child { wall: number; cpu: number | null; rssMb: number | null; status: number | null; stdout: string; stderr: string }

const hasTime = existsSync('/usr/bin/time');
function runChild(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const full = hasTime ? ['-v', process.execPath, ...args] : args;
  const t = performance.now();
  const r = spawnSync(cmd, full, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, maxBuffer: 1 << 28, cwd: ROOT });
  const wall = (performance.now() - t) / 1000;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '');
  const u = /User time \(seconds\): ([\d.]+)/.exec(r.stderr ?? '');
  const sy = /System time \(seconds\): ([\d.]+)/.exec(r.stderr ?? '');
  const cpu = u && sy ? Number(u[1]) + Number(sy[1]) : null;
  return { wall, cpu, rssMb: m ? Number(m[1]) / 1024 : null, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function phaseChild(name: string, extra: string[]): { res: any; child: Child } {
  const child = runChild([SELF, '--phase', name, ...extra]);
  if (child.status !== 0) throw new Error(`phase ${name} failed (${child.status}):\n${child.stderr.slice(-3000)}`);
  const line = child.stdout.trim().split('\n').pop()!;
  return { res: JSON.parse(line), child };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

function machine() {
  const free = spawnSync('free', ['-h'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? '', memTotalGb: +(totalmem() / 2 ** 30).toFixed(1), memFreeGb: +(freemem() / 2 ** 30).toFixed(1), free, node: process.version, loadavgStart: loadavg().map((x) => +x.toFixed(2)) };
}

/** The pool's size: MB of CSV and episode rows (lines of the episodes files less their headers). */
function poolSize(dirs: string[]): { csvMb: number; episodeRows: number } {
  let bytes = 0, rows = 0;
  for (const d of dirs) {
    for (const f of readdirSync(d).filter((x) => x.endsWith('.csv'))) {
      const p = join(d, f);
      bytes += statSync(p).size;
      if (f === 'episodes.csv') {
        const b = readFileSync(p);
        for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) rows++;
        rows--;
      }
    }
  }
  return { csvMb: Math.round(bytes / 1e6), episodeRows: rows };
}

async function main(): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: npm run bench [-- --councils N] [--scale X] [--skip-pool-run] [--reports N] [--load-runs N] [--one-runs N]\n');
    return;
  }
  const councils = arg('--councils') ? Number(arg('--councils')) : null;
  const skipPool = argv.includes('--skip-pool-run');
  const m = machine();
  process.stderr.write(`bench: ${m.nproc} CPUs, ${m.memTotalGb} GB, node ${m.node}, load average ${m.loadavgStart.join(' ')}\n`);

  // 1. the pool data (generated once, git-ignored); --scale X: every council X times its size
  const scale = arg('--scale') ? Number(arg('--scale')) : null;
  const full = scale ? join(BENCH_DIR, `pool-scale-${scale}`) : FULL_POOL;
  if (!existsSync(full) || readdirSync(full).length < 100) {
    process.stderr.write(`bench: generating the pool of every council (once, into ${full})\n`);
    rmSync(full, { recursive: true, force: true });
    const g = spawnSync(process.execPath, [join(ROOT, 'dist', 'data-samples', 'generate.js'), '--pool', 'all', '--out', full, '--as-at', R, ...(scale ? ['--scale', String(scale)] : [])], { stdio: 'inherit', cwd: ROOT });
    if (g.status !== 0) throw new Error('generating the pool failed');
  }
  let pool = full;
  if (councils) {
    pool = join(BENCH_DIR, `pool-${councils}${scale ? `-scale-${scale}` : ''}`);
    rmSync(pool, { recursive: true, force: true });
    mkdirSync(pool, { recursive: true });
    for (const la of readdirSync(full).sort().slice(0, councils)) symlinkSync(join(full, la), join(pool, la));
  }
  const las = poolDirs(pool);
  const size = poolSize(las.map((l) => l.dir));
  process.stderr.write(`bench: ${las.length} councils, ${size.csvMb} MB of CSV, ${size.episodeRows} episode rows\n`);
  const work = join(BENCH_DIR, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const store = join(work, 'pool.duckdb');
  const floorStore = join(work, 'floor.duckdb');
  const figures: Figure[] = [];
  const rss: Record<string, number | null> = {};
  const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

  // 2. load: ours and the floor in turn, --load-runs times (default 3), so that a slow spell of
  // the shared machine falls on both alike; the figures are the medians (the last load's store
  // is the one the next phases read)
  const loadRuns = Math.max(1, Number(arg('--load-runs') ?? 3));
  const loads: { res: any; child: Child }[] = [];
  const floors: { res: any; child: Child }[] = [];
  for (let r = 1; r <= loadRuns; r++) {
    log(`load ${r}/${loadRuns}: our ingest of ${las.length} councils`);
    const l = phaseChild('load', ['--pool', pool, '--store', store]);
    if (l.res.errors) throw new Error(`${l.res.errors} extracts did not load`);
    loads.push(l);
    log(`load ${r}/${loadRuns}: DuckDB read_csv floor`);
    floors.push(phaseChild('duckdb', ['--pool', pool, '--store', floorStore]));
    rmSync(floorStore, { force: true });
  }
  const loadWall = median(loads.map((l) => l.res.total));
  const floorWall = median(floors.map((l) => l.res.total));
  // each of our loads against the floor taken next to it: the ratio is the median of those
  const ratios = loads.map((l, i) => l.res.total / floors[i]!.res.total);
  const loadRatio = median(ratios);
  const pairs = loads.map((l, i) => `${l.res.total.toFixed(2)}/${floors[i]!.res.total.toFixed(2)} (${ratios[i]!.toFixed(2)}x)`).join(', ');
  figures.push({
    id: 'load_total', label: `load ${las.length} councils (stage+validate+store)`, value: loadWall, cpu: median(loads.map((l) => l.res.cpu)), unit: 's',
    floor: floorWall, floorCpu: median(floors.map((l) => l.res.cpu)), floorLabel: 'DuckDB read_csv of the same files', ratio: loadRatio, target: '<= 1.5x floor', ok: loadRatio <= 1.5,
    note: loadRuns > 1 ? `medians of ${loadRuns} runs, ours/floor in turn, the ratio the median of theirs: ${pairs}` : undefined,
  });
  figures.push({ id: 'load_per_la', label: 'load per council (pool total / councils)', value: loadWall / las.length, unit: 's' });
  rss.load = Math.max(...loads.map((l) => l.child.rssMb ?? 0)) || null;
  rss.duckdb = Math.max(...floors.map((l) => l.child.rssMb ?? 0)) || null;

  // 3. KPIs
  log('kpis: every council, one quarter');
  const k1 = phaseChild('kpis1', ['--pool', pool, '--store', store]);
  figures.push({ id: 'kpis_1q', label: `all KPIs, ${k1.res.councils} councils, 1 quarter`, value: k1.res.total, cpu: k1.res.cpu, unit: 's', target: councils ? '< 10 s (152)' : '< 10 s', ok: k1.res.total < 10 });
  rss.kpis1 = k1.child.rssMb;
  log('kpis: every council, 8 quarters');
  const k8 = phaseChild('kpis8', ['--pool', pool, '--store', store]);
  figures.push({ id: 'kpis_8q', label: `all KPIs, ${k8.res.councils} councils, 8 quarters`, value: k8.res.total, cpu: k8.res.cpu, unit: 's', target: '< 30 s', ok: k8.res.total < 30 });
  rss.kpis8 = k8.child.rssMb;

  // 4. render
  log('render: HTML and PDF per report vs bare Chromium');
  const rd = phaseChild('render', ['--pool', pool, '--store', store, '--out', join(work, 'render'), '--reports', arg('--reports') ?? '6']);
  const warm = (xs: number[]) => median(xs.length > 1 ? xs.slice(1) : xs);
  figures.push({ id: 'html_per_report', label: 'HTML per report (median)', value: warm(rd.res.html), unit: 's', note: `first ${rd.res.html[0].toFixed(2)} s` });
  const pdfRatio = warm(rd.res.ours) / warm(rd.res.floor);
  figures.push({ id: 'pdf_per_report', label: 'PDF per report (median)', value: warm(rd.res.ours), unit: 's', floor: warm(rd.res.floor), floorLabel: 'bare setContent + page.pdf', target: '<= 1.3x floor', ok: pdfRatio <= 1.3 });
  figures.push({ id: 'pdf_launch', label: 'Chromium launch (once per process)', value: rd.res.oursLaunch, unit: 's', floor: rd.res.floorLaunch, floorLabel: 'bare launch + newPage' });
  rss.render = rd.child.rssMb;

  // 5. one council end to end, cold process: each case --one-runs times (default 5), the cases
  // in turn, so that a slow spell of the shared machine falls on each alike; the median is the
  // figure, the spread is in its note
  const oneRuns = Math.max(1, Number(arg('--one-runs') ?? 5));
  const sizes = las.map((l) => ({ ...l, bytes: readdirSync(l.dir).reduce((a, f) => a + statSync(join(l.dir, f)).size, 0) })).sort((a, b) => a.bytes - b.bytes);
  const mid = sizes[Math.floor(sizes.length / 2)]!;
  const big = sizes[sizes.length - 1]!;
  const cases = [
    { id: 'one_median', label: `one council end to end, cold, new store (median, ${mid.la})`, l: mid, store: 'one-median', fresh: true },
    // the usual case: the council's store already exists (earlier quarters, reference tables)
    { id: 'one_median_existing_store', label: `one council end to end, cold, existing store (${mid.la})`, l: mid, store: 'one-median', fresh: false },
    { id: 'one_largest', label: `one council end to end, cold, new store (largest, ${big.la})`, l: big, store: 'one-largest', fresh: true },
  ];
  const oneSamples = new Map<string, Child[]>(cases.map((c) => [c.id, []]));
  for (let r = 1; r <= oneRuns; r++) {
    for (const c of cases) {
      log(`one council end to end ${r}/${oneRuns}: ${c.id} (${c.l.la})`);
      const s = join(work, `${c.store}.duckdb`);
      if (c.fresh) for (const f of [s, `${s}.wal`]) rmSync(f, { force: true });
      const x = runChild([CLI, 'run', '--data', c.l.dir, '--la', c.l.la, '--as-at', R, '--store', s, '--out', join(work, `out-${c.store}`), '--json']);
      if (x.status !== 0) throw new Error(`run ${c.l.la} (${c.id}) failed (${x.status}): ${x.stderr.slice(-2000)}`);
      oneSamples.get(c.id)!.push(x);
    }
  }
  for (const c of cases) {
    const xs = oneSamples.get(c.id)!;
    const walls = xs.map((x) => x.wall);
    const wall = median(walls);
    const cpus = xs.map((x) => x.cpu).filter((v): v is number => v !== null);
    figures.push({
      id: c.id, label: c.label, value: wall, cpu: cpus.length ? median(cpus) : null, unit: 's', target: '< 5 s', ok: wall < 5,
      note: xs.length > 1 ? `median of ${xs.length} runs: ${walls.map((w) => w.toFixed(2)).join(', ')} s` : undefined,
    });
    rss[c.id] = Math.max(...xs.map((x) => x.rssMb ?? 0)) || null;
  }

  // 6. the whole pool end to end
  if (!skipPool) {
    log(`pool end to end: run --la all, ${las.length} councils, HTML and PDF`);
    const c = runChild([CLI, 'run', '--data', pool, '--la', 'all', '--as-at', R, '--store', join(work, 'run-all.duckdb'), '--out', join(work, 'out-pool'), '--json']);
    // a failed pool run is reported in the table (with its last message), not fatal to the bench
    const failed = c.status !== 0 ? (c.stderr.split('\n').find((l) => l.startsWith('error:')) ?? `exit ${c.status}`).slice(0, 160) : null;
    if (failed) log(`run --la all failed (${c.status}): ${failed}`);
    figures.push({ id: 'pool_run', label: `run --la all, ${las.length} councils (HTML+PDF)`, value: c.wall, cpu: c.cpu, unit: 's', target: '< 300 s', ok: failed ? false : c.wall < 300, note: failed ? `FAILED: ${failed}` : `${(c.wall / las.length).toFixed(2)} s per council` });
    rss.pool_run = c.rssMb;
  }

  // 7. memory
  for (const [k, v] of Object.entries(rss)) {
    if (v !== null) figures.push({ id: `rss_${k}`, label: `peak RSS: ${k}`, value: v, unit: 'MB', target: '< 2048 MB', ok: v < 2048 });
  }

  // 8. the table, with the previous run beside
  const RESULTS = resultsFile(scale);
  const prev = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { figures: Figure[]; at: string; councils: number }) : null;
  const prevOf = (id: string) => (prev && prev.councils === las.length ? prev.figures.find((f) => f.id === id) : undefined);
  const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined || !Number.isFinite(v) ? '' : unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(2)} s`);
  const rows = figures.map((f) => [
    f.label,
    fmt(f.value, f.unit),
    f.cpu ? fmt(f.cpu, 's') : '',
    f.floor ? `${fmt(f.floor, f.unit)} (${f.floorLabel})` : '',
    f.floor ? `${(f.ratio ?? f.value / f.floor).toFixed(2)}x${f.cpu && f.floorCpu ? ` (cpu ${(f.cpu / f.floorCpu).toFixed(2)}x)` : ''}` : '',
    f.target ?? '',
    f.ok === undefined || f.ok === null ? '' : f.ok ? 'ok' : 'MISS',
    fmt(prevOf(f.id)?.value, f.unit) + (prevOf(f.id)?.cpu ? ` (cpu ${fmt(prevOf(f.id)?.cpu, 's')})` : ''),
    f.note ?? '',
  ]);
  const head = ['measure', 'wall', 'cpu', 'floor (same run)', 'ratio', 'target', '', prev && prev.councils === las.length ? `previous (${prev.at.slice(0, 16)})` : 'previous', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const end = loadavg().map((x) => +x.toFixed(2));
  process.stdout.write(`\n${m.nproc} CPUs (${m.cpu}), ${m.memTotalGb} GB RAM, node ${m.node}; load average ${m.loadavgStart.join(' ')} at start, ${end.join(' ')} at end; ${las.length} councils, ${size.csvMb} MB of CSV, ${size.episodeRows} episode rows\n\n`);
  process.stdout.write([line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n');
  writeFileSync(RESULTS, `${JSON.stringify({ at: new Date().toISOString(), councils: las.length, scale: scale ?? 1, data: size, machine: { ...m, loadavgEnd: end }, figures, raw: { load: loads.map((l) => l.res), floorLoad: floors.map((l) => l.res), kpis1: k1.res, kpis8: k8.res, render: rd.res, one: Object.fromEntries([...oneSamples].map(([k, xs]) => [k, xs.map((x) => ({ wall: x.wall, cpu: x.cpu, rssMb: x.rssMb }))])) } }, null, 2)}\n`);
  process.stdout.write(`\nFigures written to ${resolve(RESULTS)}\n`);
}

const ph = arg('--phase');
if (ph) {
  phase(ph).then(
    (r) => process.stdout.write(`\n${JSON.stringify(r)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
