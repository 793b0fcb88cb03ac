/**
 * The panel report as one self-contained, accessible HTML file (the PDF prints the same file).
 *
 * renderReportHtml(run, { audience, commentary, defs }) -> { html, warnings }
 *   - html: the whole document (deterministic: the same input gives the same bytes).
 *   - warnings: problems worth telling the user that do not stop the report, e.g. a commentary
 *     heading naming a KPI that is not in the run, or a KPI with no definition.
 *
 * Nothing is computed here that the KpiRun already holds: values and statuses are displayed
 * as given. Every figure printed, charted or tabulated comes from shownKpi() (shown.ts): in the
 * public audience that is visibleView() of the disclosure module, so a hidden figure is "c"
 * (left out of the charts), a small group size is "c" and a withdrawn dimension is left out;
 * exceptions are never shown. The internal audience shows everything.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATES_DIR } from '../core/paths.js';
import { DISCLOSURE_EXPLANATION } from '../compute/disclosure.js';
import { STATUS_LABEL, THEMES, type KpiResult, type KpiRun, type MetricDef, type Status } from '../compute/types.js';
import { breakdownChart, breakdownGroups, trendChart, vegaLiteToSvg, type SvgRenderer } from './charts.js';
import { oneAtATime } from './one-at-a-time.js';
import { parseCommentary } from './commentary.js';
import {
  benchmarkPeriod,
  describeChange,
  formatBenchmark,
  formatTarget,
  longDate,
  longTimestamp,
  showCount,
  showValue,
  slug,
  SUPPRESSED,
  STATUS_ICON,
  type Audience,
} from './format.js';
import { shownKpi, type ShownKpi } from './shown.js';

export const WATERMARK = 'OFFICIAL-SENSITIVE, not for publication';

export interface RenderOptions {
  audience: Audience;
  /** The quarter's commentary file (Markdown): `## <kpi_id>` headings; text before the first is the introduction. */
  commentary?: string;
  /** Metric definitions (loadMetrics()); a KPI without one is shown with a note and a warning. */
  defs: MetricDef[];
  /**
   * Renders the charts' SVG: by default vega in this thread, one chart at a time; the CLI
   * passes its RenderPool's (pool.ts): the same, warmed up while the KPIs compute.
   */
  toSvg?: SvgRenderer;
}

export interface RenderedReport {
  html: string;
  warnings: string[];
}

const require = createRequire(import.meta.url);

let fontCss: string | null = null;
/** Atkinson Hyperlegible (OFL), latin subset, 400 and 700, embedded as base64 woff2. */
export function embeddedFontCss(): string {
  if (fontCss) return fontCss;
  const face = (weight: number) => {
    const file = require.resolve(`@fontsource/atkinson-hyperlegible/files/atkinson-hyperlegible-latin-${weight}-normal.woff2`);
    const b64 = readFileSync(file).toString('base64');
    return `@font-face { font-family: 'Atkinson Hyperlegible'; font-style: normal; font-display: block; font-weight: ${weight}; src: url(data:font/woff2;base64,${b64}) format('woff2'); }`;
  };
  fontCss = `/* Atkinson Hyperlegible, SIL Open Font License 1.1, Braille Institute of America (via @fontsource). */\n${face(400)}\n${face(700)}`;
  return fontCss;
}

let hbs: typeof Handlebars | null = null;
let template: Handlebars.TemplateDelegate | null = null;
function getTemplate(): Handlebars.TemplateDelegate {
  if (template) return template;
  hbs = Handlebars.create();
  const partialsDir = join(TEMPLATES_DIR, 'partials');
  for (const f of readdirSync(partialsDir).filter((x) => x.endsWith('.hbs')).sort()) {
    hbs.registerPartial(basename(f, '.hbs'), readFileSync(join(partialsDir, f), 'utf8'));
  }
  template = hbs.compile(readFileSync(join(TEMPLATES_DIR, 'report.hbs'), 'utf8'), { strict: false, preventIndent: true });
  return template;
}

/** Read the fonts and compile the template (Handlebars compiles on first use) ahead of the first report. */
export function warmUpHtml(): void {
  embeddedFontCss();
  getTemplate()({});
}

const statusView = (s: Status) => ({ status: s, statusLabel: STATUS_LABEL[s] ?? s, statusIcon: STATUS_ICON[s] ?? STATUS_ICON.no_data });

function benchmarkView(k: KpiResult, run: KpiRun) {
  const b = k.benchmarks;
  if (!b) return null;
  const n = b.neighboursUsed;
  return {
    indicator: b.indicator,
    year: b.year,
    period: benchmarkPeriod(b.year),
    england: formatBenchmark(b.england, k.unit),
    region: formatBenchmark(b.region, k.unit),
    regionName: b.regionName ?? run.regionName ?? 'Region',
    neighbours: formatBenchmark(b.neighbours, k.unit),
    neighboursUsed: n,
    neighbourMethod: b.neighbourMethod || `${n} of 10 neighbours published a figure.`,
    la: b.la === null ? null : formatBenchmark(b.la, k.unit),
    note: b.note,
  };
}

function kpiSummary(k: KpiResult, v: ShownKpi, run: KpiRun) {
  const numerator = showCount(v.numerator);
  const denominator = showCount(v.denominator);
  return {
    id: k.id,
    anchor: `kpi-${slug(k.id)}`,
    title: k.title,
    value: showValue(v.value, k.unit),
    numerator,
    denominator,
    count: k.unit === 'percent' ? `${numerator} / ${denominator}` : numerator,
    isPercent: k.unit === 'percent',
    hidden: v.value === SUPPRESSED,
    target: formatTarget(k.target, k.unit),
    ...statusView(k.status),
    changeQuarter: describeChange(v.value, v.previous.quarter?.value ?? null, k.unit, k.polarity),
    changeYear: describeChange(v.value, v.previous.year?.value ?? null, k.unit, k.polarity),
    benchmark: benchmarkView(k, run),
  };
}

/**
 * The first sentence of a metric's description (its plain-English meaning), for the KPI's own
 * section; the whole description and the definition are in the Definitions section.
 */
export function firstSentence(text: string): string {
  const t = text.trim();
  const m = /^([\s\S]{30,}?[.!?])\s+(?=[A-Z])/.exec(t);
  return m ? m[1]! : t;
}

/** A breakdown dimension in running text. */
const DIMENSION_WORDS: Record<string, string> = { sex: 'sex', age_band: 'age band', ethnicity: 'ethnicity', uasc: 'UASC status' };

/** placed_within_20_miles: the children left out for an unknown distance (as shown). */
function unknownText(v: ShownKpi): string | null {
  const u = v.unknown;
  if (u === undefined || u === null || u === 0) return null;
  const one = u === 1;
  return `${showCount(u)} ${one ? 'child' : 'children'} looked after at the reference date with an unknown distance ${one ? 'is' : 'are'} left out of the figure.`;
}

export async function renderReportHtml(run: KpiRun, opts: RenderOptions): Promise<RenderedReport> {
  const audience = opts.audience;
  if (audience !== 'public' && audience !== 'internal') throw new Error(`unknown audience: ${String(audience)}`);
  const internal = audience === 'internal';
  const warnings: string[] = [];
  const defs = new Map(opts.defs.map((d) => [d.id, d]));
  const commentary = parseCommentary(opts.commentary, new Set(run.kpis.map((k) => k.id)));
  warnings.push(...commentary.warnings);

  const order = (k: KpiResult) => defs.get(k.id)?.order ?? 1e9;
  const byTheme = THEMES.map((t) => ({
    t,
    kpis: run.kpis.filter((k) => k.theme === t.id).sort((a, b) => order(a) - order(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  }));
  // Every chart is asked for first, in report order; the sections are then put together in
  // report order.
  const toSvg = opts.toSvg ?? oneAtATime(vegaLiteToSvg);
  const charts = byTheme.map(({ kpis }) =>
    kpis.map((k) => {
      const shown = shownKpi(k, audience, run.asAt);
      const base = kpiSummary(k, shown, run);
      const trend = trendChart(k, shown, run.laName, `${base.anchor}-trend`, toSvg);
      const bd = breakdownChart(k, shown, `${base.anchor}-bd`, toSvg);
      // awaited below, in order; a failure is reported there, never as an unhandled rejection
      trend.catch(() => undefined);
      bd.catch(() => undefined);
      return { shown, base, trend, bd };
    }),
  );
  const themes = [];
  for (const [ti, { t, kpis }] of byTheme.entries()) {
    const views = [];
    for (const [ki, k] of kpis.entries()) {
      const def = defs.get(k.id);
      if (!def) warnings.push(`KPI ${k.id}: no metric definition was given; its section says so`);
      const c = charts[ti]![ki]!;
      const { shown, base } = c;
      const trend = await c.trend;
      const bd = await c.bd;
      views.push({
        ...base,
        polarityText: k.polarity === 'higher' ? 'Higher' : 'Lower',
        toleranceText: k.target !== null && k.tolerance > 0 ? `close within ${formatTarget(k.tolerance, 'count')}${k.unit === 'percent' ? ' points' : ''}` : '',
        unknownText: unknownText(shown),
        trend: trend.chart,
        trendRows: trend.rows,
        recomputedNote:
          run.historyRecomputed && shown.trend.some((p) => p.r !== run.asAt)
            ? 'Earlier quarters are figures as recorded now, recomputed from the current extract; they may differ from the figures reported at the time.'
            : '',
        def: def
          ? { description: def.description, summary: firstSentence(def.description), cohort: def.cohort, numerator: def.numerator, denominator: def.denominator, exclusions: def.exclusions, interpretation: def.interpretation ?? '' }
          : null,
        defBenchmarkNote: def?.benchmark?.note ?? '',
        breakdownGroups: breakdownGroups(k, shown),
        withdrawnText: shown.withdrawn.length
          ? `The breakdown by ${shown.withdrawn.map((d) => DIMENSION_WORDS[d] ?? d).join(' and by ')} is left out of this public report: its groups are too small to show without risk of identifying children.`
          : '',
        breakdown: bd,
        commentaryHtml: commentary.byKpi.get(k.id) ?? '',
      });
    }
    themes.push({ id: t.id, title: t.title, kpis: views });
  }
  const unthemed = run.kpis.filter((k) => !THEMES.some((t) => t.id === k.theme));
  for (const k of unthemed) warnings.push(`KPI ${k.id}: theme "${k.theme}" is not a report theme; it is left out`);

  const kpiById = new Map(run.kpis.map((k) => [k.id, k]));
  const exceptions = internal
    ? (run.exceptions ?? []).map((e) => ({
        anchor: slug(e.id),
        title: e.title,
        kpiAnchor: `kpi-${slug(e.kpiId)}`,
        kpiTitle: kpiById.get(e.kpiId)?.title ?? e.kpiId,
        rows: e.rows,
        single: e.rows.length === 1,
      }))
    : [];

  const view = {
    docTitle: `${run.laName} Corporate Parenting Panel report, ${run.quarter}${internal ? ' (OFFICIAL-SENSITIVE)' : ''}`,
    css: `${embeddedFontCss()}\n${readFileSync(join(TEMPLATES_DIR, 'report.css'), 'utf8')}`,
    audience,
    internal,
    watermark: WATERMARK,
    audienceLabel: internal ? `Internal: officers only (${WATERMARK})` : 'Public: for publication with the panel papers',
    laName: run.laName,
    la: run.la,
    laDfe: run.laDfe,
    quarter: run.quarter,
    asAtLong: longDate(run.asAt),
    source: run.source,
    loadedAt: longTimestamp(run.loadedAt),
    generatedAt: longTimestamp(run.generatedAt),
    neighbourModel: run.neighbourModel,
    historyRecomputed: run.historyRecomputed,
    introHtml: commentary.intro,
    disclosureExplanation: DISCLOSURE_EXPLANATION,
    themes,
    exceptions,
    icons: STATUS_ICON,
    labels: STATUS_LABEL,
  };
  const html = getTemplate()(view);
  return { html: html.replace(/[ \t]+$/gm, ''), warnings };
}
