/**
 * The benchmark (issue 6): `npm run bench [-- --councils N] [-- --skip-pool-run]`.
 *
 * Every figure is printed beside a floor measured in the same run on the same machine, and
 * beside the previous run's figure (bench-results.json). Each measurement runs in its own
 * child process (this script with --phase X, or the built CLI) under /usr/bin/time -v when
 * available, so its peak memory (max RSS) is its own.
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
const RESULTS = join(ROOT, 'bench-results.json');
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
    const { PdfRenderer, headerTemplate, footerTemplate } = await import('../../pipeline/render/pdf.js');
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
      t = performance.now();
      await page.setContent(h);
      const pdf = await page.pdf({
        format: 'A4', printBackground: true, tagged: true, outline: true, displayHeaderFooter: true,
        headerTemplate: headerTemplate(opts(i)), footerTemplate: footerTemplate(opts(i)),
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
    process.stdout.write('Usage: npm run bench [-- --councils N] [--scale X] [--skip-pool-run] [--reports N]\n');
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

  // 2. load
  log(`load: our ingest of ${las.length} councils`);
  const load = phaseChild('load', ['--pool', pool, '--store', store]);
  if (load.res.errors) throw new Error(`${load.res.errors} extracts did not load`);
  log('load: DuckDB read_csv floor');
  const floorLoad = phaseChild('duckdb', ['--pool', pool, '--store', floorStore]);
  rmSync(floorStore, { force: true });
  const loadRatio = load.res.total / floorLoad.res.total;
  figures.push({ id: 'load_total', label: `load ${las.length} councils (stage+validate+store)`, value: load.res.total, cpu: load.res.cpu, unit: 's', floor: floorLoad.res.total, floorCpu: floorLoad.res.cpu, floorLabel: 'DuckDB read_csv of the same files', target: '<= 1.5x floor', ok: loadRatio <= 1.5 });
  figures.push({ id: 'load_per_la', label: 'load per council (pool total / councils)', value: median(load.res.perLa), unit: 's' });
  rss.load = load.child.rssMb;
  rss.duckdb = floorLoad.child.rssMb;

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

  // 5. one council end to end, cold process
  const sizes = las.map((l) => ({ ...l, bytes: readdirSync(l.dir).reduce((a, f) => a + statSync(join(l.dir, f)).size, 0) })).sort((a, b) => a.bytes - b.bytes);
  for (const [tag, l] of [['median', sizes[Math.floor(sizes.length / 2)]!], ['largest', sizes[sizes.length - 1]!]] as const) {
    log(`one council end to end (${tag}: ${l.la})`);
    const s = join(work, `one-${tag}.duckdb`);
    const c = runChild([CLI, 'run', '--data', l.dir, '--la', l.la, '--as-at', R, '--store', s, '--out', join(work, `out-one-${tag}`), '--json']);
    if (c.status !== 0) throw new Error(`run ${l.la} failed (${c.status}): ${c.stderr.slice(-2000)}`);
    figures.push({ id: `one_${tag}`, label: `one council end to end, cold, new store (${tag}, ${l.la})`, value: c.wall, cpu: c.cpu, unit: 's', target: '< 5 s', ok: c.wall < 5 });
    rss[`one_${tag}`] = c.rssMb;
    if (tag === 'median') {
      // the usual case: the council's store already exists (earlier quarters, reference tables)
      const again = runChild([CLI, 'run', '--data', l.dir, '--la', l.la, '--as-at', R, '--store', s, '--out', join(work, `out-one-${tag}`), '--json']);
      if (again.status !== 0) throw new Error(`run ${l.la} again failed (${again.status}): ${again.stderr.slice(-2000)}`);
      figures.push({ id: 'one_median_existing_store', label: `one council end to end, cold, existing store (${l.la})`, value: again.wall, cpu: again.cpu, unit: 's', target: '< 5 s', ok: again.wall < 5 });
      rss.one_median_existing_store = again.rssMb;
    }
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
  const prev = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { figures: Figure[]; at: string; councils: number }) : null;
  const prevOf = (id: string) => (prev && prev.councils === las.length ? prev.figures.find((f) => f.id === id) : undefined);
  const fmt = (v: number | null | undefined, unit: string) => (v === null || v === undefined || !Number.isFinite(v) ? '' : unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(2)} s`);
  const rows = figures.map((f) => [
    f.label,
    fmt(f.value, f.unit),
    f.cpu ? fmt(f.cpu, 's') : '',
    f.floor ? `${fmt(f.floor, f.unit)} (${f.floorLabel})` : '',
    f.floor ? `${(f.value / f.floor).toFixed(2)}x${f.cpu && f.floorCpu ? ` (cpu ${(f.cpu / f.floorCpu).toFixed(2)}x)` : ''}` : '',
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
  writeFileSync(RESULTS, `${JSON.stringify({ at: new Date().toISOString(), councils: las.length, scale: scale ?? 1, data: size, machine: { ...m, loadavgEnd: end }, figures, raw: { load: load.res, floorLoad: floorLoad.res, kpis1: k1.res, kpis8: k8.res, render: rd.res } }, null, 2)}\n`);
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
