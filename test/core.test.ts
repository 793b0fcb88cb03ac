import { describe, expect, it } from 'vitest';
import { addMonths, ageOn, parseReferenceDate, previousQuarter, quarterLabel } from '../pipeline/core/dates.js';
import { CliError, ExitCode } from '../pipeline/core/errors.js';
import { statusOf, valueOf } from '../pipeline/compute/status.js';

describe('reference dates', () => {
  it('accepts quarter ends and financial-year quarters', () => {
    expect(parseReferenceDate('2025-06-30')).toBe('2025-06-30');
    expect(parseReferenceDate('2025-26-Q1')).toBe('2025-06-30');
    expect(parseReferenceDate('2025-26-Q2')).toBe('2025-09-30');
    expect(parseReferenceDate('2025-26-Q3')).toBe('2025-12-31');
    expect(parseReferenceDate('2025-26-Q4')).toBe('2026-03-31');
    expect(parseReferenceDate('2025-26-q4')).toBe('2026-03-31');
  });
  it.each([
    ['2025-06-29', 'not a quarter end'],
    ['2025-02-30', 'not a real date'],
    ['30/06/2025', 'not a reference date'],
    ['2025-27-Q1', 'not a financial year'],
    ['2099-03-31', 'in the future'],
  ])('rejects %s (%s) as a usage error', (input, msg) => {
    try {
      parseReferenceDate(input, { today: '2026-11-24' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(ExitCode.USAGE);
      expect((e as CliError).message).toContain(msg);
    }
  });
  it('labels quarters by financial year', () => {
    expect(quarterLabel('2025-06-30')).toBe('2025-26 Q1');
    expect(quarterLabel('2026-03-31')).toBe('2025-26 Q4');
    expect(previousQuarter('2026-03-31')).toBe('2025-12-31');
    expect(previousQuarter('2025-06-30', 4)).toBe('2024-06-30');
    expect(previousQuarter('2025-12-31', 3)).toBe('2025-03-31');
  });
});

describe('month arithmetic and ages', () => {
  it('clamps to the end of the month', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2026-03-31', -30)).toBe('2023-09-30');
  });
  it('29 February birthdays fall on 1 March in non-leap years', () => {
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('2008-02-29', '2028-02-29')).toBe(20);
    expect(ageOn('2008-02-28', '2026-02-28')).toBe(18);
  });
});

describe('status', () => {
  it('higher is better', () => {
    expect(statusOf(98, 98, 3, 'higher')).toBe('on_target');
    expect(statusOf(95, 98, 3, 'higher')).toBe('close');
    expect(statusOf(94.9, 98, 3, 'higher')).toBe('off_target');
    expect(statusOf(50, null, 3, 'higher')).toBe('no_target');
    expect(statusOf(null, 98, 3, 'higher')).toBe('no_data');
  });
  it('lower is better, and counts', () => {
    expect(statusOf(0, 0, 0, 'lower')).toBe('on_target');
    expect(statusOf(1, 0, 0, 'lower')).toBe('off_target');
    expect(statusOf(12, 10, 5, 'lower')).toBe('close');
  });
  it('value is unrounded; no denominator gives no value', () => {
    expect(valueOf('percent', 1, 3)).toBeCloseTo(33.333333333, 8);
    expect(valueOf('percent', 0, 0)).toBeNull();
    expect(valueOf('count', 4, null)).toBe(4);
  });
});
