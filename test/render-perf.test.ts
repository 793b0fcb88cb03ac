/**
 * The charts' compile cache (pipeline/render/charts.ts chartSpec/runtimeFor): a chart drawn from
 * a cached dataflow, with its own labels, numbers and rows put in, is the SVG a fresh compile
 * of the same filled template gives, byte for byte; so is a chart drawn by the View kept from an
 * earlier chart with the same labels and numbers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { CHARTS_DIR, chartCacheStats, chartSpec, fillTemplate, finishSvg, loadVega, resetChartCache, VEGA_CONFIG, vegaLiteToSvg } from '../pipeline/render/charts.js';

const template = (f: string) => JSON.parse(readFileSync(join(CHARTS_DIR, f), 'utf8'));

function trendVars(la: string, quarters: string[], values: (number | null)[], max: number, target: string) {
  return {
    points: quarters.map((quarter, i) => ({ quarter, series: la, value: values[i] ?? null })),
    refs: [{ series: target, value: 60 }],
    quarters,
    seriesDomain: [la, target],
    seriesColours: ['#1d70b8', '#00703c'],
    seriesDashes: [[1, 0], [1, 0]],
    yDomain: [0, max],
    yTitle: 'Number',
    config: VEGA_CONFIG,
  };
}

function breakdownVars(dims: string[], max: number, cats: string[]) {
  return {
    cells: cats.map((category, i) => ({ dimension: dims[i % dims.length], category, order: i, value: i % 3 ? i * 3 : null, textX: i % 3 ? i * 3 : 0, label: i % 3 ? `${i * 3}` : 'c' })),
    dimensions: dims,
    xDomain: [0, max],
    xTitle: 'Number',
    config: VEGA_CONFIG,
  };
}

/** The SVG of a fresh compile and the cached path's, ids renamed alike. */
async function both(file: string, vars: Record<string, unknown>, labels: string[], datasets: string[], numbers: string[]) {
  const fresh = await vegaLiteToSvg(fillTemplate(template(file), structuredClone(vars)));
  const cached = await vegaLiteToSvg(chartSpec(file, structuredClone(vars), labels, datasets, numbers));
  return { fresh: finishSvg(fresh, 'c', 't', 'd'), cached: finishSvg(cached, 'c', 't', 'd') };
}

describe('chart compile cache', () => {
  it('draws trend charts of one shape from one compile, the same SVG as a fresh compile', async () => {
    const before = chartCacheStats();
    const cases = [
      trendVars('Harrow', ['2025-26 Q3', '2025-26 Q4', '2026-27 Q1'], [10, null, 12], 15, 'Target (60%)'),
      trendVars("King's Lynn & <West>", ['2024-25 Q3', '2024-25 Q4', '2025-26 Q1'], [3, 4, 5], 7, 'Target (7)'),
      trendVars('Bristol, City of', ['2025-26 Q1', '2025-26 Q2', '2025-26 Q3'], [null, null, 99], 120, 'Target (1,000)'),
    ];
    for (const v of cases) {
      const { fresh, cached } = await both('trend.vl.json', v, ['quarters', 'seriesDomain'], ['points', 'refs'], ['yDomain']);
      expect(cached).toBe(fresh);
    }
    const after = chartCacheStats();
    expect(after.shapes - before.shapes).toBe(1);
    expect(after.reused - before.reused).toBe(1);
  });

  it('draws breakdown charts of one shape from one compile, the same SVG as a fresh compile', async () => {
    const cases = [
      breakdownVars(['Sex', 'Age band'], 100, ['Female', 'Male', 'Under 1', '1 to 4', '5 to 9']),
      breakdownVars(['Ethnicity', 'UASC'], 7, ['White', 'Mixed', 'UASC', 'Not UASC', 'Asian & <b>']),
    ];
    for (const v of cases) {
      const { fresh, cached } = await both('breakdown.vl.json', v, ['dimensions'], ['cells'], ['xDomain']);
      expect(cached).toBe(fresh);
    }
  });

  it('draws charts that differ only in their rows with one kept View, in any order and at once, the SVG of a new View', async () => {
    // the same labels and numbers, other rows, as a report's breakdowns differ: each dimension's
    // categories together, more or fewer of them, some suppressed (no bar), other values
    const dims = ['Sex', 'Age band', 'Ethnicity', 'UASC'];
    const groups: [string, string[]][][] = [
      [['Sex', ['Female', 'Male']], ['Age band', ['18 to 20', '21 and over']], ['Ethnicity', ['Asian', 'Black', 'Mixed', 'White']], ['UASC', ['Not UASC', 'UASC']]],
      [['Sex', ['Female', 'Male']], ['Age band', ['Under 5', '5 to 9', '10 to 15', '16 to 17']], ['Ethnicity', ['Asian', 'Black', 'Mixed', 'Not known', 'Other', 'White']], ['UASC', ['Not UASC', 'UASC']]],
      [['Sex', ['Male']], ['Age band', ['16 to 17', '18 to 20']], ['Ethnicity', ['White']], ['UASC', ['Not UASC']]],
      [['Sex', ['Female', 'Male', 'Not known']], ['Age band', ['10 to 15', '16 to 17', '18 to 20', '21 and over']], ['Ethnicity', ['Black', 'Other', 'White']], ['UASC', ['UASC']]],
    ];
    const bars = groups.map((g, k) => {
      let order = 0;
      const rows = g.flatMap(([dimension, cats]) => cats.map((category) => {
        const n = (order * 7 + k * 13) % 11;
        const value = n ? n * 9 + 1 : null;
        return { dimension, category, order: order++, value, textX: value ?? 0, label: value === null ? 'c' : `${value}%` };
      }));
      return { cells: rows, dimensions: dims, xDomain: [0, 100], xTitle: 'Per cent', config: VEGA_CONFIG };
    });
    const trends = [[10, null, 12], [1, 2, 3], [null, null, 14], [0, 15, 0]].map((vals) => trendVars('Harrow', ['2025-26 Q3', '2025-26 Q4', '2026-27 Q1'], vals, 15, 'Target (60%)'));
    const fresh = async (f: string, v: Record<string, unknown>) => finishSvg(await vegaLiteToSvg(fillTemplate(template(f), structuredClone(v))), 'c', 't', 'd');
    const drawn = (f: string, v: Record<string, unknown>) =>
      f === 'breakdown.vl.json'
        ? vegaLiteToSvg(chartSpec(f, structuredClone(v), ['dimensions'], ['cells'], ['xDomain']))
        : vegaLiteToSvg(chartSpec(f, structuredClone(v), ['quarters', 'seriesDomain'], ['points', 'refs'], ['yDomain']));
    const charts = [...bars.map((v) => ['breakdown.vl.json', v] as const), ...trends.map((v) => ['trend.vl.json', v] as const)];
    const want = await Promise.all(charts.map(([f, v]) => fresh(f, v)));
    expect(new Set(want).size).toBe(charts.length); // the rows do change the drawing
    resetChartCache();
    const s0 = chartCacheStats();
    // in turn, interleaved, then backwards: each SVG is a new View's whatever was drawn before it
    const order = [0, 4, 1, 5, 2, 6, 3, 7, 7, 3, 6, 2, 5, 1, 4, 0];
    for (const i of order) expect(finishSvg(await drawn(charts[i]![0], charts[i]![1]), 'c', 't', 'd'), `chart ${i}`).toBe(want[i]);
    // 2 shapes drawn new once each (the rest by their kept View)
    expect(chartCacheStats().viewsReused - s0.viewsReused).toBe(order.length - 2);
    // at once: a View in use is not lent twice
    const together = await Promise.all(charts.map(([f, v]) => drawn(f, v)));
    expect(together.map((x) => finishSvg(x, 'c', 't', 'd'))).toEqual(want);
    resetChartCache();
  });

  it('compiles afresh a chart whose labels JSON would escape (the same SVG)', async () => {
    const v = trendVars('A "quoted" \\ name', ['2025-26 Q3', '2025-26 Q4', '2026-27 Q1'], [1, 2, 3], 5, 'Target (60%)');
    const { fresh, cached } = await both('trend.vl.json', v, ['quarters', 'seriesDomain'], ['points', 'refs'], ['yDomain']);
    expect(cached).toBe(fresh);
  });

  it('keeps compiled shapes on disk: a new process draws a known shape without compiling, the same SVG; a damaged or foreign file is a miss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-chart-cache-'));
    const saved = process.env.CP_CHART_CACHE;
    process.env.CP_CHART_CACHE = dir;
    try {
      const shape = (la: string, max: number) => trendVars(la, ['2023-24 Q1', '2023-24 Q2', '2023-24 Q3', '2023-24 Q4', '2024-25 Q1'], [1, 2, null, 4, 5], max, 'Target (9)');
      const draw = async (la: string, max: number) => finishSvg(await vegaLiteToSvg(chartSpec('trend.vl.json', structuredClone(shape(la, max)), ['quarters', 'seriesDomain'], ['points', 'refs'], ['yDomain'])), 'c', 't', 'd');
      const fresh = async (la: string, max: number) => finishSvg(await vegaLiteToSvg(fillTemplate(template('trend.vl.json'), structuredClone(shape(la, max)))), 'c', 't', 'd');
      resetChartCache();
      const s0 = chartCacheStats();
      expect(await draw('Barnet', 6)).toBe(await fresh('Barnet', 6));
      const s1 = chartCacheStats();
      expect(s1.compiles - s0.compiles).toBe(1);
      const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      expect(files).toHaveLength(1);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

      // as a new process: nothing in memory, the shape read from disk, not compiled
      resetChartCache();
      expect(await draw('Camden & <Islington>', 11)).toBe(await fresh('Camden & <Islington>', 11));
      const s2 = chartCacheStats();
      expect(s2.compiles).toBe(s1.compiles);
      expect(s2.fromDisk - s1.fromDisk).toBe(1);

      // a damaged file: compiled again (the same SVG) and written whole again
      writeFileSync(join(dir, files[0]!), '{"key": "trun');
      resetChartCache();
      expect(await draw('Ealing', 3)).toBe(await fresh('Ealing', 3));
      const s3 = chartCacheStats();
      expect(s3.compiles - s2.compiles).toBe(1);
      expect(JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')).compiled.template).not.toBeNull();

      // a file that names another shape (say, a hash collision or a copied file) is not used
      const f = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8'));
      writeFileSync(join(dir, files[0]!), JSON.stringify({ ...f, key: `${f.key} ` }));
      resetChartCache();
      expect(await draw('Enfield', 8)).toBe(await fresh('Enfield', 8));
      expect(chartCacheStats().compiles - s3.compiles).toBe(1);

      // a file of the right shape's name and key but not a compiled layout: a miss too
      writeFileSync(join(dir, files[0]!), JSON.stringify({ key: f.key, compiled: { template: { json: '{}' }, warnings: [] } }));
      resetChartCache();
      const s4 = chartCacheStats();
      expect(await draw('Harrow', 5)).toBe(await fresh('Harrow', 5));
      expect(chartCacheStats().compiles - s4.compiles).toBe(1);

      // off: nothing read or written
      process.env.CP_CHART_CACHE = 'off';
      rmSync(join(dir, files[0]!));
      resetChartCache();
      await draw('Hounslow', 4);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.CP_CHART_CACHE;
      else process.env.CP_CHART_CACHE = saved;
      resetChartCache();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads vega from its one-file build, which draws what vega's ES modules draw", async () => {
    const bundle = await loadVega();
    const esm = await import('vega');
    expect(Object.prototype.toString.call(bundle)).not.toBe('[object Module]'); // not the modules: the bundle
    expect(bundle.version).toBe(esm.version);
    const svg = async (vega: typeof esm, spec: unknown) => {
      const view = new vega.View(vega.parse(compile(spec as never).spec), { renderer: 'none' });
      try {
        return await view.toSVG();
      } finally {
        view.finalize();
      }
    };
    const specs = [
      fillTemplate(template('trend.vl.json'), trendVars('Harrow', ['2025-26 Q3', '2025-26 Q4', '2026-27 Q1'], [10, null, 12], 15, 'Target (60%)')),
      fillTemplate(template('breakdown.vl.json'), breakdownVars(['Sex', 'Age band'], 100, ['Female', 'Male', 'Under 1', '1 to 4', '5 to 9'])),
    ];
    for (const spec of specs) {
      const a = await svg(bundle, spec);
      expect(a).toContain('<svg');
      expect(a).toBe(await svg(esm, spec));
    }
  });
});
