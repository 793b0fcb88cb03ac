/** The KPI catalogue: every KPI of spec/kpis.md is defined, parses, and its SQL compiles and runs. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMetrics, parseMetric, parseMetricsDir } from '../pipeline/compute/metrics.js';
import { parseConfig } from '../pipeline/compute/config.js';
import { Store } from '../pipeline/store/store.js';
import { computeMetric, prepare } from '../pipeline/compute/engine.js';

export const SPEC_IDS = [
  'care_leavers_in_touch_19_21', 'care_leavers_in_touch_17_18', 'care_leavers_suitable_accommodation_19_21',
  'care_leavers_suitable_accommodation_17_18', 'care_leavers_eet_19_21', 'care_leavers_eet_17_18',
  'placement_stability_short_term', 'placement_stability_long_term', 'placed_within_20_miles', 'placed_outside_la_over_20_miles',
  'school_attendance_rate', 'persistent_absence', 'good_attendance', 'pep_in_date',
  'health_assessment_up_to_date', 'dental_check_up_to_date', 'immunisations_up_to_date', 'went_missing',
  'care_leavers_contact_within_8_weeks', 'care_leavers_pathway_plan_in_date', 'care_leaver_cases_closed_before_21',
];

const STRATEGY_TARGETS: Record<string, number> = {
  care_leavers_in_touch_19_21: 98, care_leavers_suitable_accommodation_19_21: 96, pep_in_date: 100, good_attendance: 95,
  placement_stability_long_term: 70, placed_within_20_miles: 78, care_leavers_contact_within_8_weeks: 100, care_leaver_cases_closed_before_21: 0,
};
const LOWER_IS_BETTER = ['placement_stability_short_term', 'placed_outside_la_over_20_miles', 'persistent_absence', 'went_missing', 'care_leaver_cases_closed_before_21'];

describe('the shipped metrics', () => {
  const defs = loadMetrics();
  it('define exactly the KPIs of the spec, with their ids', () => {
    expect(defs.map((d) => d.id).sort()).toEqual([...SPEC_IDS].sort());
  });
  it('carry the strategy targets and polarities', () => {
    for (const d of defs) {
      expect(d.target, d.id).toBe(STRATEGY_TARGETS[d.id] ?? null);
      expect(d.polarity, d.id).toBe(LOWER_IS_BETTER.includes(d.id) ? 'lower' : 'higher');
      expect(d.description.length, `${d.id} description`).toBeGreaterThan(40);
      expect(d.cohort && d.numerator, d.id).toBeTruthy();
    }
  });
  it('compile and run on an empty store', async () => {
    const store = await Store.memory();
    await prepare(store, [{ la: 'E09000015', laDfe: '310', asAt: '2026-03-31', r: '2026-03-31' }]);
    for (const d of defs) {
      const res = await computeMetric(store, d);
      expect(res.totals, d.id).toHaveLength(1);
      expect(res.totals[0]!.numerator, d.id).toBe(0);
      expect(res.totals[0]!.denominator, d.id).toBe(d.unit === 'count' ? null : 0);
    }
    store.close();
  });
});

describe('the metric parser', () => {
  it('reports every error at once, with file and line', () => {
    const text = ['id: Bad-Id', 'title: x', 'theme: money', 'polarity: up', 'unit: percent', 'target: 140', 'sources: [nowhere]', 'colour: red', 'sql: missing.sql'].join('\n');
    const { def, errors } = parseMetric('Bad-Id.yaml', text, () => null);
    expect(def).toBeNull();
    const msgs = errors.map((e) => `${e.line}: ${e.message}`);
    expect(msgs).toEqual(expect.arrayContaining([
      expect.stringMatching(/^1: id: .*lower case/),
      expect.stringMatching(/^3: theme: "money"/),
      expect.stringMatching(/^4: polarity: "up"/),
      expect.stringMatching(/^6: target: .*between 0 and 100/),
      expect.stringMatching(/^7: sources: "nowhere"/),
      expect.stringMatching(/^8: colour: unknown key/),
      expect.stringMatching(/^9: sql: file missing.sql not found/),
    ]));
    expect(errors.length).toBeGreaterThanOrEqual(7);
  });
  it('reports YAML syntax errors with their line', () => {
    const { errors } = parseMetric('x.yaml', 'id: x\ntitle: [unclosed\n', () => '');
    expect(errors[0]!.line).toBeGreaterThanOrEqual(2);
  });
  it('finds duplicate ids across a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const body = (id: string) => `id: ${id}\ntitle: T\ntheme: health\ndescription: d\ncohort: c\nnumerator: n\ndenominator: d\npolarity: higher\nunit: percent\nsources: [episodes]\nsql: q.sql\n`;
    writeFileSync(join(dir, 'a.yaml'), body('a'));
    writeFileSync(join(dir, 'b.yaml'), body('a'));
    writeFileSync(join(dir, 'q.sql'), 'SELECT 1');
    const { errors } = parseMetricsDir(dir);
    expect(errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining('must be named a.yaml')]));
  });
});

describe('the LA config', () => {
  const defs = loadMetrics();
  it('overrides targets and names the line of every error', () => {
    const text = [
      'la: E09000015',
      'targets:',
      '  pep_in_date: { target: 90, tolerance: 2 }',
      '  good_attendance: 92',
      '  no_such_kpi: 50',
      '  care_leavers_in_touch_19_21: { target: 150 }',
      '  went_missing: { goal: 3 }',
      'colour: blue',
      'changeThreshold: -1',
    ].join('\n');
    const { config, errors } = parseConfig('harrow.yaml', text, defs);
    expect(config.targets.pep_in_date).toEqual({ target: 90, tolerance: 2 });
    expect(config.targets.good_attendance!.target).toBe(92);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/^harrow.yaml:5: "no_such_kpi" is not a KPI id/),
      expect.stringMatching(/^harrow.yaml:6: a percentage target must be between 0 and 100/),
      expect.stringMatching(/^harrow.yaml:7: unknown key "goal"/),
      expect.stringMatching(/^harrow.yaml:8: unknown key "colour"/),
      expect.stringMatching(/^harrow.yaml:9: changeThreshold/),
    ]));
  });
  it('defaults to the strategy targets', () => {
    const { config, errors } = parseConfig('c.yaml', 'la: E09000015\n', defs);
    expect(errors).toEqual([]);
    expect(config.targets.care_leavers_in_touch_19_21!.target).toBe(98);
  });
});
