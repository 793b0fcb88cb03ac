import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { benchmarksFor, neighbours, resolveLa } from '../pipeline/compute/reference.js';

describe('DfE benchmarks', () => {
  const harrow = resolveLa('E09000015');
  it('resolves an LA by ONS code, DfE number or name', () => {
    expect(resolveLa('310').ons).toBe('E09000015');
    expect(resolveLa('harrow').dfe).toBe('310');
    expect(harrow.regionName).toBe('London');
    expect(() => resolveLa('E99999999')).toThrow(/not an English local authority/);
  });
  it('uses the 2025 DfE neighbour model, 10 neighbours in rank order', () => {
    const nb = neighbours('310');
    expect(nb).toHaveLength(10);
    expect(nb[0]!.name).toBe('Redbridge');
    expect(nb[9]!.name).toBe('Milton Keynes');
  });
  it('gives England, region, LA and the simple neighbour mean for the latest year', () => {
    const b = benchmarksFor({ indicator: 'care_leavers_suitable_accommodation_19_21', transform: 'none', note: '' }, harrow)!;
    expect(b.year).toBe('year ending 31 March 2025');
    expect(b.england).toBe(89);
    expect(b.region).toBe(88);
    expect(b.la).toBe(92);
    // independent computation of the neighbour mean from the raw file
    const rows = readFileSync('reference/cla_kpi_benchmarks.csv', 'utf8').split('\n').map((l) => l.split(','));
    const codes = neighbours('310').map((n) => n.dfe);
    const vals = rows.filter((r) => r[0] === 'care_leavers_suitable_accommodation_19_21' && r[1] === '2025' && r[2] === 'Local authority' && codes.includes(r[5]!))
      .map((r) => r[9]!).filter((p) => /^\d+$/.test(p)).map(Number);
    expect(b.neighboursUsed).toBe(vals.length);
    expect(b.neighbours).toBeCloseTo(Math.round((vals.reduce((a, c) => a + c, 0) / vals.length) * 10) / 10, 6);
    expect(b.neighbourMethod).toContain('May 2025');
  });
  it('complements a "not in touch" figure into "in touch"', () => {
    const b = benchmarksFor({ indicator: 'care_leavers_la_not_in_touch_lait', transform: 'complement', note: '' }, harrow)!;
    const raw = benchmarksFor({ indicator: 'care_leavers_la_not_in_touch_lait', transform: 'none', note: '' }, harrow)!;
    expect(b.england).toBeCloseTo(100 - raw.england!, 6);
  });
  it('returns null for an unknown indicator', () => {
    expect(benchmarksFor({ indicator: 'nope', transform: 'none', note: '' }, harrow)).toBeNull();
  });
});
