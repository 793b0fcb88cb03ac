/** Status from value, target, tolerance and polarity: computed once, rendered everywhere. */
import type { Polarity, Status } from './types.js';

const EPS = 1e-9;

export function statusOf(value: number | null, target: number | null, tolerance: number, polarity: Polarity): Status {
  if (value === null || !Number.isFinite(value)) return 'no_data';
  if (target === null) return 'no_target';
  const gap = polarity === 'higher' ? target - value : value - target; // > 0: short of target
  if (gap <= EPS) return 'on_target';
  if (gap <= tolerance + EPS) return 'close';
  return 'off_target';
}

/** value = numerator / denominator x 100 (unrounded); a count's value is the count; no denominator -> no value. */
export function valueOf(unit: 'percent' | 'count', numerator: number | null, denominator: number | null): number | null {
  if (unit === 'count') return numerator;
  if (numerator === null || denominator === null || denominator === 0) return null;
  return (numerator / denominator) * 100;
}
