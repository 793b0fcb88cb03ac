import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyDisclosure, applyDisclosureAll, DISCLOSURE_EXPLANATION, visibleView, type Shown } from '../pipeline/compute/disclosure.js';
import { STATUS_LABEL, THEMES, type BreakdownCell, type KpiResult, type KpiRun } from '../pipeline/compute/types.js';
import { CHARTS_DIR, chartTemplates, fillTemplate, finishSvg, VEGA_CONFIG, vegaLiteToSvg } from '../pipeline/render/charts.js';
import { parseCommentary, renderMarkdown } from '../pipeline/render/commentary.js';
import { chartRows, csvCell, csvLine, csvNumber, kpiCsv, kpiJson, kpiRows, writeDownloads } from '../pipeline/render/downloads.js';
import { benchmarkPeriod, benchmarkYearShort, describeChange, formatValue } from '../pipeline/render/format.js';
import { shownKpi } from '../pipeline/render/shown.js';
import { renderReportHtml, WATERMARK } from '../pipeline/render/html.js';
import { htmlEscape, loadCommentary, loadDefs, loadRun } from './helpers/render-fixture.js';

const GOLDEN = join(import.meta.dirname, 'golden', 'report-public.html');
const TMP = join(import.meta.dirname, '.tmp', 'render-test');

let run: KpiRun;
let pub: string;
let internal: string;
let pubWarnings: string[];

beforeAll(async () => {
  run = loadRun();
  const defs = loadDefs();
  const commentary = loadCommentary();
  const a = await renderReportHtml(run, { audience: 'public', commentary, defs });
  const b = await renderReportHtml(run, { audience: 'internal', commentary, defs });
  pub = a.html;
  pubWarnings = a.warnings;
  internal = b.html;
});

/** The summary-table row of one KPI (from its link to the section to the end of the row). */
const summaryRow = (html: string, id: string) => {
  const start = html.indexOf(`<th scope="row"><a href="#kpi-${id}">`);
  expect(start, `summary row of ${id}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</tr>', start));
};
/** The section of one KPI. */
const section = (html: string, id: string) => {
  const start = html.indexOf(`<article class="kpi" id="kpi-${id}"`);
  expect(start, `section of ${id}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</article>', start));
};

describe('report HTML', () => {
  it('names every KPI with its status in words, in both audiences', () => {
    for (const html of [pub, internal]) {
      for (const k of run.kpis) {
        expect(html).toContain(htmlEscape(k.title));
        expect(summaryRow(html, k.id)).toContain(`<span class="status-text">${STATUS_LABEL[k.status]}</span>`);
        expect(section(html, k.id)).toContain(`<span class="kpi-id">${k.id}</span>`);
      }
      for (const t of THEMES) expect(html).toContain(`<h2 id="theme-${t.id}-heading">${htmlEscape(t.title)}</h2>`);
    }
  });

  it('is a self-contained, well-formed English document', () => {
    expect(pub.startsWith('<!DOCTYPE html>\n<html lang="en-GB">')).toBe(true);
    expect(pub).toMatch(/<title>Harrow Corporate Parenting Panel report, 2025-26 Q2<\/title>/);
    expect(pub).toContain('<a class="skip-link" href="#main">');
    expect(pub).toMatch(/<main id="main"/);
    expect(pub).not.toMatch(/<script/i);
    expect(pub).not.toMatch(/<link\b/i);
    expect(pub).not.toMatch(/<img\b/i);
    // Every src is a data: URL; every href is in-page or a plain link (http(s)/mailto) from commentary.
    for (const m of pub.matchAll(/\ssrc="([^"]*)"/g)) expect(m[1]).toMatch(/^data:/);
    for (const m of pub.matchAll(/\shref="([^"]*)"/g)) expect(m[1]).toMatch(/^(#|https:\/\/www\.harrow\.gov\.uk\/|mailto:)/);
    expect(pub).toMatch(/url\(data:font\/woff2;base64,/);
    expect(pub).not.toMatch(/url\((?!data:|#)/);
    // Headings never skip a level.
    const levels = [...pub.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!).toBeLessThanOrEqual(1);
    // Ids are unique.
    const ids = [...pub.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('shows the cover facts', () => {
    expect(pub).toContain('Harrow (ONS code E09000015, DfE number 310)');
    expect(pub).toContain('30 September 2025');
    expect(pub).toContain('Extract “harrow-2025-09-30”, loaded 14 October 2025 at 09:30 UTC');
    expect(pub).toContain('1 November 2026 at 00:00 UTC');
    expect(pub).toContain('Public: for publication with the panel papers');
  });

  it('shows c for suppressed figures in public, the numbers internally', () => {
    const k = run.kpis.find((x) => x.id === 'care_leavers_in_touch_19_21')!;
    expect(k.suppressed).toBe(true);
    const row = summaryRow(pub, k.id);
    expect(row).toContain('<td class="num figure">c</td>');
    expect(row).toContain('<td class="num">c / 212</td>');
    expect(row).not.toContain('207');
    expect(row).not.toContain('97.6%');
    // The change would give the figure away: hidden too.
    expect(row).toContain('<td class="change change-none">c</td>');
    const irow = summaryRow(internal, k.id);
    expect(irow).toContain('<td class="num">207 / 212</td>');
    expect(irow).toContain('97.6%');
    // A suppressed breakdown cell: n and % are c, d shown.
    const male = k.breakdowns.find((c) => c.dimension === 'sex' && c.category === 'Male')!;
    expect(male.suppressed).toBe(true);
    expect(section(pub, k.id)).toContain(`<tr><th scope="row">Male</th><td class="num">c</td><td class="num">${male.denominator}</td><td class="num">c</td></tr>`);
    expect(section(internal, k.id)).toContain(`<tr><th scope="row">Male</th><td class="num">${male.numerator}</td>`);
    // The trend table says c for the hidden quarter, and the chart leaves that point out.
    expect(section(pub, k.id)).toContain('<tr><th scope="row">2025-26 Q2</th><td class="num">c</td><td class="num">212</td><td class="num">c</td>');
    // A figure that is not suppressed is shown in both.
    const ok = run.kpis.find((x) => x.id === 'care_leavers_eet_19_21')!;
    expect(ok.suppressed).toBe(false);
    expect(summaryRow(pub, ok.id)).toContain(`<td class="num figure">${formatValue(ok.value, 'percent')}</td>`);
    expect(summaryRow(pub, ok.id)).toContain('131 / 212');
  });

  it('never prints a suppressed value anywhere in the public HTML (count KPI)', () => {
    const k = run.kpis.find((x) => x.unit === 'count')!;
    expect(k.suppressed).toBe(true);
    const sec = section(pub, k.id);
    expect(sec).toContain('<span class="big">c</span>');
    expect(sec).not.toMatch(/<td class="num">3<\/td>/);
    expect(section(internal, k.id)).toContain('<span class="big">3</span>');
  });

  it('shows a KPI with a zero denominator as No data, never 0% or 100%', () => {
    const k = run.kpis.find((x) => x.status === 'no_data')!;
    const row = summaryRow(pub, k.id);
    expect(row).toContain('No data');
    expect(row).not.toMatch(/\b(0|100)(\.0)?%/);
  });

  it('escapes data in HTML and in the chart SVG', () => {
    expect(pub).toContain('birthday &lt;script&gt;alert(1)&lt;/script&gt; &amp; others');
    // SVG <title> of the charts (our escaping) and category labels drawn by vega (vega's escaping).
    expect(pub).toContain('<title id="kpi-care_leaver_cases_closed_before_21-trend-title">Trend: Care leaver cases closed before the 21st birthday &lt;script&gt;alert(1)&lt;/script&gt; &amp; others</title>');
    const svgs = [...pub.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs.some((s) => s.includes('Other &lt;script&gt;x&lt;/script&gt; &amp; &quot;quoted&quot;') || s.includes('Other &lt;scrip'))).toBe(true);
    for (const s of svgs) expect(s).not.toMatch(/<script/i);
  });

  it('makes every chart one labelled image with a data table', () => {
    const svgs = [...pub.matchAll(/<svg\b[^>]*class="chart-svg"[^>]*>/g)].map((m) => m[0]);
    expect(svgs.length).toBe(run.kpis.length + run.kpis.filter((k) => k.breakdowns.length).length);
    for (const s of svgs) {
      expect(s).toContain('role="img"');
      const id = /aria-labelledby="([^"]+)"/.exec(s)![1];
      expect(pub).toContain(`<title id="${id}">`);
    }
    expect(pub).not.toMatch(/role="graphics-/);
    expect(pub).not.toMatch(/aria-roledescription/);
    const tables = pub.match(/<table\b/g)!.length;
    expect(tables).toBeGreaterThanOrEqual(svgs.length);
    expect(pub.match(/<caption\b/g)!.length).toBe(tables);
  });

  it('says when earlier quarters were recomputed, and not otherwise', async () => {
    expect(pub).toContain('Earlier quarters are figures as recorded now, recomputed from the current extract');
    const r2 = { ...loadRun(), historyRecomputed: false };
    const { html } = await renderReportHtml(r2, { audience: 'public', defs: loadDefs() });
    expect(html).not.toContain('recomputed from the current extract');
  });

  it('renders commentary safely and warns about unknown KPI ids', () => {
    expect(pubWarnings).toEqual([expect.stringMatching(/no_such_kpi.*not a KPI of this report/)]);
    expect(pub).not.toContain('This text belongs to a KPI that does not exist');
    expect(pub).toContain('&lt;script&gt;alert(&quot;intro&quot;)&lt;/script&gt;');
    expect(pub).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(pub).not.toMatch(/href="javascript/i);
    expect(pub).not.toContain('tracker.example.org');
    expect(pub).toContain('[image not shown: pixel]');
    const sec = section(pub, 'care_leavers_in_touch_19_21');
    expect(sec).toContain('<a href="https://www.harrow.gov.uk/corporate-parenting">the strategy</a>');
    expect(sec).toContain('<a href="mailto:panel@example.org">email us</a>');
    expect(sec).toContain('<h5>Actions</h5>');
    expect(section(pub, 'pep_in_date')).toContain('<p>PEPs: 97.7% &amp; rising.</p>');
    expect(section(pub, 'went_missing')).toContain('No commentary was provided for this KPI.');
    expect(pub).toContain('<h2 id="introduction-heading">Introduction</h2>');
    expect(pub).toContain('Overall the quarter was steady.');
  });

  it('puts the annex and watermark in the internal report only', async () => {
    expect(internal).toContain('Annex: officer-only exceptions');
    expect(internal).toContain('<tr><th scope="row">CL0042</th><td>last contact 12/07/2025 (80 days before R)</td></tr>');
    expect(internal).toContain('CL0107&lt;b&gt;');
    expect(internal).toContain(`<div class="watermark-print" aria-hidden="true">${htmlEscape(WATERMARK)}</div>`);
    expect(internal).toContain('class="watermark-banner"');
    expect(run.exceptions?.length).toBeGreaterThan(0);
    for (const e of run.exceptions!) for (const r of e.rows) expect(pub).not.toContain(htmlEscape(r.child));
    expect(pub).not.toContain('Annex');
    expect(pub).not.toContain('OFFICIAL-SENSITIVE');
  });

  it('is deterministic: two renders are byte-identical', async () => {
    const again = await renderReportHtml(run, { audience: 'public', commentary: loadCommentary(), defs: loadDefs() });
    expect(again.html).toBe(pub);
  });

  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(join(import.meta.dirname, 'golden'), { recursive: true });
      writeFileSync(GOLDEN, pub);
    }
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
    const golden = readFileSync(GOLDEN, 'utf8');
    if (golden !== pub) {
      // Point at the first difference rather than dumping 800 kB.
      let i = 0;
      while (i < golden.length && golden[i] === pub[i]) i++;
      expect(pub.slice(Math.max(0, i - 200), i + 200)).toBe(golden.slice(Math.max(0, i - 200), i + 200));
    }
    expect(pub === golden).toBe(true);
  });

  it('lists a KPI without a definition with a note and a warning', async () => {
    const { html, warnings } = await renderReportHtml(run, { audience: 'public', defs: loadDefs().filter((d) => d.id !== 'went_missing') });
    expect(warnings).toContain('KPI went_missing: no metric definition was given; its section says so');
    expect(section(html, 'went_missing')).toContain('No definition was supplied for this indicator.');
  });
});

describe('chart templates', () => {
  const samples: Record<string, Record<string, unknown>> = {
    'trend.vl.json': {
      points: [
        { quarter: '2025-26 Q1', series: 'Harrow', value: 50 },
        { quarter: '2025-26 Q2', series: 'Harrow', value: null },
      ],
      refs: [{ series: 'Target', value: 60 }],
      quarters: ['2025-26 Q1', '2025-26 Q2'],
      seriesDomain: ['Harrow', 'Target'],
      seriesColours: ['#1d70b8', '#00703c'],
      seriesDashes: [[1, 0], [1, 0]],
      yDomain: [0, 100],
      yTitle: 'Per cent',
      config: VEGA_CONFIG,
    },
    'breakdown.vl.json': {
      cells: [
        { dimension: 'Sex', category: 'Male & <b>', order: 0, value: 40, textX: 40, label: '40.0%' },
        { dimension: 'Sex', category: 'Female', order: 1, value: null, textX: 0, label: 'c' },
      ],
      dimensions: ['Sex'],
      xDomain: [0, 100],
      xTitle: 'Per cent',
      config: VEGA_CONFIG,
    },
  };
  it.each(chartTemplates())('%s compiles with vega-lite and renders to an accessible SVG', async (file) => {
    const vars = samples[file];
    expect(vars, `add sample data for ${file} to this test`).toBeDefined();
    const spec = fillTemplate(JSON.parse(readFileSync(join(CHARTS_DIR, file), 'utf8')), vars!);
    expect(JSON.stringify(spec)).not.toMatch(/"\$(?!schema)[A-Za-z]/);
    const warnings: string[] = [];
    const raw = await vegaLiteToSvg(spec, warnings);
    expect(warnings, warnings.join("\n")).toEqual([]);
    expect(raw).toMatch(/^<svg/);
    const svg = finishSvg(raw, 'c1', 'T & <t>', 'D');
    expect(svg).toContain('<title id="c1-title">T &amp; &lt;t&gt;</title>');
    expect(svg).not.toMatch(/\srole="(?!img)/);
    expect(svg).not.toMatch(/aria-(?!labelledby|describedby)[a-z]+=/);
    if (file === 'breakdown.vl.json') expect(svg).toContain('Male &amp; &lt;b&gt;');
  });
  it('finishSvg renames vega ids deterministically', () => {
    const raw = '<svg a="1" class="marks"><defs><clipPath id="clip7"><rect/></clipPath></defs><g clip-path="url(#clip7)" role="graphics-object" aria-label="x"></g></svg>';
    expect(finishSvg(raw, 'k', 't', 'd')).toBe(
      '<svg a="1" class="chart-svg" role="img" aria-labelledby="k-title" aria-describedby="k-desc" focusable="false"><title id="k-title">t</title><desc id="k-desc">d</desc><defs><clipPath id="k-g1"><rect/></clipPath></defs><g clip-path="url(#k-g1)"></g></svg>',
    );
  });
});

describe('commentary', () => {
  it('splits by KPI heading, ignoring headings inside code fences', () => {
    const c = parseCommentary('Intro\n\n## a_kpi\nA text\n```\n## b_kpi\n```\n## b_kpi\nB text\n', new Set(['a_kpi', 'b_kpi']));
    expect(c.intro).toBe('<p>Intro</p>');
    expect(c.byKpi.get('a_kpi')).toContain('<code>## b_kpi\n</code>');
    expect(c.byKpi.get('b_kpi')).toBe('<p>B text</p>');
    expect(c.warnings).toEqual([]);
  });
  it('allows only http(s) and mailto links, and no images', () => {
    expect(renderMarkdown('[a](http://x.org) [b](data:text/html,hi) [c](vbscript:x) [d](file:///etc/passwd) ![i](https://x.org/i.png)')).toBe(
      '<p><a href="http://x.org">a</a> [b](data:text/html,hi) [c](vbscript:x) [d](file:///etc/passwd) [image not shown: i]</p>',
    );
  });
});

describe('format', () => {
  it('describes changes with direction and polarity, hiding them when either end is c', () => {
    expect(describeChange(83.25, 80, 'percent', 'higher').text).toBe('Up 3.3 points (better)');
    expect(describeChange(79, 80, 'percent', 'higher').text).toBe('Down 1.0 point (worse)');
    expect(describeChange(79, 80, 'percent', 'lower').text).toBe('Down 1.0 point (better)');
    expect(describeChange(80.01, 80, 'percent', 'lower').text).toBe('No change');
    expect(describeChange(90, 'c', 'percent', 'higher').text).toBe('c');
    expect(describeChange('c', 80, 'percent', 'higher').text).toBe('c');
    expect(describeChange(90, 80, 'percent', 'higher').text).toBe('Up 10.0 points (better)');
    expect(describeChange(5, 7, 'count', 'lower').text).toBe('Down 2 (better)');
    expect(describeChange(null, 80, 'percent', 'higher').text).toBe('No comparison');
    expect(describeChange(80, null, 'percent', 'higher').text).toBe('No comparison');
  });
  it('words DfE benchmark years', () => {
    expect(benchmarkPeriod('2025')).toBe('the year ending 31 March 2025');
    expect(benchmarkPeriod('year ending 31 March 2025')).toBe('the year ending 31 March 2025');
    expect(benchmarkPeriod('academic year 2024/25')).toBe('the academic year 2024/25');
    expect(benchmarkYearShort('2025')).toBe('2024-25');
    expect(benchmarkYearShort('year ending 31 March 2025')).toBe('2024-25');
    expect(benchmarkYearShort('academic year 2024/25')).toBe('2024/25');
  });
});

describe('downloads', () => {
  beforeAll(() => {
    rmSync(TMP, { recursive: true, force: true });
  });

  it('neutralises formula injection and prints numbers deterministically', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    for (const p of ['+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(p).replace(/^"|"$/g, '').startsWith("'")).toBe(true);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvNumber(97.64150943396227)).toBe('97.641509');
    expect(csvNumber(100)).toBe('100');
    expect(csvNumber(1e-9)).toBe('0');
    expect(csvNumber(0.5)).toBe('0.5');
    expect(csvCell(-2.5)).toBe('-2.5');
  });

  it('writes public downloads with c for suppressed figures', async () => {
    const r = loadRun();
    r.kpis[0]!.title = '=cmd|calc';
    const paths = await writeDownloads(TMP, 'harrow-2025-26-q2', r, 'public');
    expect(paths.map((p) => p.slice(TMP.length + 1))).toEqual([
      'harrow-2025-26-q2-kpis.csv',
      'harrow-2025-26-q2-chart-data.csv',
      'harrow-2025-26-q2-kpis.json',
      'harrow-2025-26-q2-kpis.arrow',
    ]);
    const csv = readFileSync(paths[0]!, 'utf8').split('\r\n');
    expect(csv[0]).toBe('id,title,theme,unit,polarity,numerator,denominator,value,target,status,previous_quarter_value,previous_year_value,england,region,neighbours,suppressed');
    expect(csv.length).toBe(r.kpis.length + 2);
    expect(csv[1]).toBe("care_leavers_in_touch_19_21,'=cmd|calc,care_leavers,percent,higher,c,212,c,98,close,96.666667,95,93,94.5,92.3,true");
    const eet = csv.find((l) => l.startsWith('care_leavers_eet_19_21,'))!;
    expect(eet.startsWith('care_leavers_eet_19_21,"Care leavers aged 19 to 21 in education, employment or training",')).toBe(true);
    expect(eet).toContain(',131,212,61.792453,,no_target,');
    const chart = readFileSync(paths[1]!, 'utf8');
    expect(chart.split('\r\n')[0]).toBe('kpi_id,chart,dimension,r_or_category,numerator,denominator,value');
    expect(chart).toContain('care_leavers_in_touch_19_21,trend,,2025-09-30,c,212,c\r\n');
    expect(chart).toContain('care_leavers_in_touch_19_21,breakdown,sex,Male,c,117,c\r\n');
    expect(chart).toContain('care_leavers_in_touch_19_21,trend_reference,,target,,,98\r\n');
    expect(chartRows(r, 'public').length).toBe(chart.split('\r\n').length - 2);
    const json = JSON.parse(readFileSync(paths[2]!, 'utf8'));
    expect(json.kpis[0].numerator).toBe('c');
    expect(json.kpis[0].value).toBe('c');
    expect(json.exceptions).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('CL0042');
    expect(json.kpis[4].value).toBe(r.kpis[4]!.value); // unrounded
    const arrow = tableFromIPC(readFileSync(paths[3]!));
    expect(arrow.numRows).toBe(r.kpis.length);
    const first = arrow.get(0)!.toJSON();
    expect(first.id).toBe('care_leavers_in_touch_19_21');
    expect(first.value).toBeNull();
    expect(first.suppressed).toBe(true);
    expect(arrow.get(4)!.toJSON().value).toBe(r.kpis[4]!.value);
    for (const p of paths) expect(statSync(p).mode & 0o777).toBe(0o644);
    // Deterministic.
    const before = paths.map((p) => readFileSync(p));
    await writeDownloads(TMP, 'harrow-2025-26-q2', r, 'public');
    paths.forEach((p, i) => expect(readFileSync(p).equals(before[i]!)).toBe(true));
  });

  it('writes internal downloads with every figure, mode 0600', async () => {
    const paths = await writeDownloads(TMP, 'internal', loadRun(), 'internal');
    const csv = readFileSync(paths[0]!, 'utf8');
    expect(csv).toContain(',207,212,97.641509,98,close,96.666667,');
    const json = JSON.parse(readFileSync(paths[2]!, 'utf8'));
    expect(json.kpis[0].numerator).toBe(207);
    expect(json.exceptions[0].rows[0].child).toBe('CL0042');
    for (const p of paths) expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(TMP).some((f) => f.includes('.tmp-'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------
// Disclosure: every public output shows exactly what visibleView() shows.

const cellOf = (dimension: BreakdownCell['dimension'], category: string, n: number, d: number): BreakdownCell => ({
  dimension,
  category,
  numerator: n,
  denominator: d,
  children: d,
  value: (n / d) * 100,
  suppressed: false,
});

/** A health KPI built for one disclosure case, flagged by the data layer's own rules. */
function testKpi(id: string, n: number, d: number, cells: BreakdownCell[]): KpiResult {
  return applyDisclosure({
    id,
    title: `Test indicator ${id}`,
    theme: 'health',
    unit: 'percent',
    polarity: 'higher',
    numerator: n,
    denominator: d,
    value: (n / d) * 100,
    children: d,
    target: null,
    tolerance: 0,
    status: 'no_target',
    previous: { quarter: null, year: null },
    benchmarks: null,
    suppressed: false,
    breakdowns: cells,
    history: [],
  });
}

/** The CSV cell text of a shown figure. */
const csvOf = (v: Shown) => (v === null ? '' : typeof v === 'number' ? csvNumber(v) : v);

describe('disclosure in every public output', () => {
  // Sex: a group of 3 children (its size is shown as c). Ethnicity: five groups of 1 child
  // adding up to a total of 5 can only each be 1, so the dimension is withdrawn.
  const GROUP3 = testKpi('zz_group_of_three', 14, 23, [cellOf('sex', 'Female', 12, 20), cellOf('sex', 'Male', 2, 3)]);
  const WITHDRAWN = testKpi('zz_withdrawn_dimension', 3, 5, [
    cellOf('sex', 'Female', 1, 2),
    cellOf('sex', 'Male', 2, 3),
    ...['Ethnic group A', 'Ethnic group B', 'Ethnic group C', 'Ethnic group D', 'Ethnic group E'].map((c, i) => cellOf('ethnicity', c, i < 3 ? 1 : 0, 1)),
  ]);
  let r: KpiRun;
  let pubHtml: string;
  let intHtml: string;

  beforeAll(async () => {
    r = loadRun();
    r.kpis.push(GROUP3, WITHDRAWN);
    const defs = loadDefs();
    pubHtml = (await renderReportHtml(r, { audience: 'public', defs })).html;
    intHtml = (await renderReportHtml(r, { audience: 'internal', defs })).html;
  });

  it('the fixture carries the flags the data layer would set', () => {
    const run0 = loadRun();
    expect(applyDisclosureAll(run0.kpis)).toEqual(run0.kpis);
  });

  it('shows the size of a group of 3 children as c (HTML, CSV, JSON), and 3 internally', async () => {
    const v = visibleView(GROUP3);
    expect(v.cells.find((c) => c.category === 'Male')).toMatchObject({ numerator: 'c', denominator: 'c', value: 'c' });
    expect(section(pubHtml, GROUP3.id)).toContain('<tr><th scope="row">Male</th><td class="num">c</td><td class="num">c</td><td class="num">c</td></tr>');
    expect(section(intHtml, GROUP3.id)).toContain('<tr><th scope="row">Male</th><td class="num">2</td><td class="num">3</td><td class="num">66.7%</td></tr>');
    const chart = chartRows(r, 'public').map(csvLine);
    expect(chart).toContain('zz_group_of_three,breakdown,sex,Male,c,c,c');
    expect(chartRows(r, 'internal').map(csvLine)).toContain('zz_group_of_three,breakdown,sex,Male,2,3,66.666667');
    const json = kpiJson(r, 'public') as { kpis: { id: string; breakdowns: Record<string, unknown>[] }[] };
    const male = json.kpis.find((k) => k.id === GROUP3.id)!.breakdowns.find((c) => c.category === 'Male')!;
    expect(male).toMatchObject({ numerator: 'c', denominator: 'c', children: 'c', value: 'c', suppressed: true });
    const ijson = kpiJson(r, 'internal') as { kpis: KpiResult[] };
    expect(ijson.kpis.find((k) => k.id === GROUP3.id)!.breakdowns.find((c) => c.category === 'Male')).toMatchObject({ numerator: 2, denominator: 3 });
    // The written files say the same.
    const dir = join(TMP, 'group3');
    const paths = await writeDownloads(dir, 'g', r, 'public');
    expect(readFileSync(paths[1]!, 'utf8')).toContain('zz_group_of_three,breakdown,sex,Male,c,c,c\r\n');
    const written = JSON.parse(readFileSync(paths[2]!, 'utf8'));
    expect(JSON.stringify(written.kpis.find((k: { id: string }) => k.id === GROUP3.id))).not.toMatch(/"denominator":3\b/);
  });

  it('leaves a withdrawn dimension out of every public output, with a note; internal shows it', () => {
    expect(visibleView(WITHDRAWN).cells.some((c) => c.dimension === 'ethnicity')).toBe(false);
    const pub = section(pubHtml, WITHDRAWN.id);
    expect(pub).not.toContain('Ethnic group');
    expect(pub).not.toMatch(/<caption[^>]*>Ethnicity/);
    expect(pub).toContain('The breakdown by ethnicity is left out of this public report');
    expect(pub).toContain('<tr><th scope="row">Female</th><td class="num">c</td><td class="num">c</td><td class="num">c</td></tr>');
    const svgs = [...pub.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]).join('');
    expect(svgs).not.toContain('Ethnic group');
    expect(chartRows(r, 'public').filter((row) => row[0] === WITHDRAWN.id && row[1] === 'breakdown').map((row) => row[2])).toEqual(['sex', 'sex']);
    const json = kpiJson(r, 'public') as { kpis: { id: string; breakdowns: { dimension: string }[]; withdrawnDimensions: string[] }[] };
    const jk = json.kpis.find((k) => k.id === WITHDRAWN.id)!;
    expect(jk.breakdowns.map((c) => c.dimension)).toEqual(['sex', 'sex']);
    expect(jk.withdrawnDimensions).toEqual(['ethnicity']);
    expect(JSON.stringify(json)).not.toContain('Ethnic group');
    // Internal: every group with its numbers.
    const int = section(intHtml, WITHDRAWN.id);
    expect(int).toContain('<tr><th scope="row">Ethnic group A</th><td class="num">1</td><td class="num">1</td><td class="num">100.0%</td></tr>');
    expect(int).not.toContain('left out of this public report');
    expect(chartRows(r, 'internal').filter((row) => row[0] === WITHDRAWN.id && row[2] === 'ethnicity')).toHaveLength(5);
  });

  it('takes every public figure from visibleView (summary, sections, CSV, chart data, JSON)', () => {
    const rows = kpiRows(r, 'public');
    const chart = chartRows(r, 'public');
    const json = kpiJson(r, 'public') as { kpis: Record<string, unknown>[] };
    r.kpis.forEach((k, i) => {
      const v = visibleView(k);
      expect(rows[i]).toMatchObject({ id: k.id, numerator: v.numerator, denominator: v.denominator, value: v.value });
      expect(json.kpis[i]).toMatchObject({ numerator: v.numerator, denominator: v.denominator, value: v.value, children: v.children });
      if (v.unknown !== undefined) expect(json.kpis[i]!.unknown).toBe(v.unknown);
      const cells = chart.filter((row) => row[0] === k.id && row[1] === 'breakdown');
      expect(cells).toEqual(v.cells.map((c) => [k.id, 'breakdown', c.dimension, c.category, c.numerator, c.denominator, c.value]));
      const trendNow = chart.find((row) => row[0] === k.id && row[1] === 'trend' && row[3] === r.asAt)!;
      expect(trendNow.slice(4)).toEqual([v.numerator, v.denominator, v.value]);
      // The summary row of the HTML shows the same counts.
      const fmt = (x: Shown) => (x === 'c' ? 'c' : x === null ? '–' : x.toLocaleString('en-GB'));
      const count = k.unit === 'percent' ? `${fmt(v.numerator)} / ${fmt(v.denominator)}` : fmt(v.numerator);
      expect(summaryRow(pubHtml, k.id)).toContain(`<td class="num">${count}</td>`);
    });
    // And the CSV text itself.
    const csv = kpiCsv(r, 'public').split('\r\n');
    const g3 = csv.find((l) => l.startsWith('zz_withdrawn_dimension,'))!;
    const v = visibleView(WITHDRAWN);
    expect(g3).toContain(`,${csvOf(v.numerator)},${csvOf(v.denominator)},${csvOf(v.value)},`);
    expect(v.denominator).toBe('c');
  });

  it('shows a small unknown-distance count as c in public, the number internally', async () => {
    const r2 = loadRun();
    const k = r2.kpis.find((x) => x.id === 'placed_within_20_miles')!;
    k.unknown = 3;
    const defs = loadDefs();
    const p = (await renderReportHtml(r2, { audience: 'public', defs })).html;
    const i = (await renderReportHtml(r2, { audience: 'internal', defs })).html;
    expect(section(p, k.id)).toContain('c children looked after at the reference date with an unknown distance are left out of the figure.');
    expect(section(i, k.id)).toContain('3 children looked after at the reference date with an unknown distance are left out of the figure.');
    expect((kpiJson(r2, 'public') as { kpis: { id: string; unknown?: Shown }[] }).kpis.find((x) => x.id === k.id)!.unknown).toBe('c');
    expect(shownKpi(k, 'internal', r2.asAt).unknown).toBe(3);
    k.unknown = 7;
    expect(section((await renderReportHtml(r2, { audience: 'public', defs })).html, k.id)).toContain('7 children looked after');
  });

  it('prints the disclosure explanation in About, in both audiences', () => {
    expect(pub).toContain(`<p class="disclosure-explanation">${htmlEscape(DISCLOSURE_EXPLANATION)}</p>`);
    expect(internal).toContain(`<p class="disclosure-explanation">${htmlEscape(DISCLOSURE_EXPLANATION)}</p>`);
    expect(internal).toContain('Every number is shown, including small ones');
  });
});
