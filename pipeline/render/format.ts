/**
 * Display helpers shared by the HTML report and the downloads. Nothing here decides a
 * status or a suppression: statuses come from the KpiRun, what is hidden from
 * pipeline/render/shown.ts (visibleView). These only format what is there.
 */
import { formatLong } from '../core/dates.js';
import type { Polarity, Status, Unit } from '../compute/types.js';
import type { Shown } from '../compute/disclosure.js';

export type Audience = 'public' | 'internal';

/** The mark shown for a suppressed figure in the public report (DfE convention). */
export const SUPPRESSED = 'c';

/** Round half away from zero to `dp` decimals, printed with exactly that many decimals. */
export function fixed(v: number, dp: number): string {
  const f = 10 ** dp;
  const r = Math.sign(v) * Math.round(Math.abs(v) * f + 1e-9) / f;
  const s = r.toFixed(dp);
  return s === `-${(0).toFixed(dp)}` ? (0).toFixed(dp) : s;
}

/** A KPI value: "93.5%" for a percentage (one decimal), "12" for a count. */
export function formatValue(v: number | null, unit: Unit): string {
  if (v === null || !Number.isFinite(v)) return 'No data';
  return unit === 'percent' ? `${fixed(v, 1)}%` : formatCount(v);
}

/** A count with thousands separators (counts are integers; anything else keeps 1 decimal). */
export function formatCount(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const s = Number.isInteger(v) ? String(v) : fixed(v, 1);
  const [i, d] = s.split('.');
  const grouped = i!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return d ? `${grouped}.${d}` : grouped;
}

/** A shown figure (number, "c" or null) as a KPI value: "93.5%", "12", "c" or "No data". */
export const showValue = (v: Shown, unit: Unit): string => (v === SUPPRESSED ? SUPPRESSED : formatValue(v, unit));

/** A shown count (number, "c" or null): "1,234", "c" or "–". */
export const showCount = (v: Shown): string => (v === SUPPRESSED ? SUPPRESSED : formatCount(v));

/** A target: "98%" (decimals only when the target has them) or "0". */
export function formatTarget(t: number | null, unit: Unit): string {
  if (t === null) return 'None set';
  const s = Number.isInteger(t) ? String(t) : fixed(t, 1);
  return unit === 'percent' ? `${s}%` : s;
}

/** A published benchmark percentage (DfE publishes whole numbers; keep one decimal if given). */
export function formatBenchmark(v: number | null, unit: Unit): string {
  if (v === null || !Number.isFinite(v)) return 'Not published';
  const s = Number.isInteger(v) ? String(v) : fixed(v, 1);
  return unit === 'percent' ? `${s}%` : s;
}

export interface Change {
  /** Short text for tables: "Up 3.2 points (better)". */
  text: string;
  direction: 'up' | 'down' | 'same' | 'none';
  verdict: 'better' | 'worse' | 'same' | 'none';
}

/**
 * The change from an earlier figure to now, in percentage points (or in the count for count
 * KPIs), with a word and whether it is better or worse given the polarity. Both figures are
 * as shown to the audience: "c" at either end hides the change too (it would give the
 * figure away); no earlier figure (null) is "No comparison".
 */
export function describeChange(now: Shown, before: Shown, unit: Unit, polarity: Polarity): Change {
  if (now === SUPPRESSED || before === SUPPRESSED) return { text: SUPPRESSED, direction: 'none', verdict: 'none' };
  if (before === null || now === null || !Number.isFinite(before) || !Number.isFinite(now)) return { text: 'No comparison', direction: 'none', verdict: 'none' };
  const dp = unit === 'percent' ? 1 : 0;
  const delta = now - before;
  const shown = fixed(Math.abs(delta), dp);
  if (Number(shown) === 0) return { text: 'No change', direction: 'same', verdict: 'same' };
  const up = delta > 0;
  const better = (up && polarity === 'higher') || (!up && polarity === 'lower');
  const amount = unit === 'percent' ? `${shown} ${shown === '1.0' ? 'point' : 'points'}` : shown;
  const verdict = better ? 'better' : 'worse';
  return { text: `${up ? 'Up' : 'Down'} ${amount} (${verdict})`, direction: up ? 'up' : 'down', verdict };
}

/**
 * A DfE benchmark year in running text: "2025" (the year ending 31 March) becomes "the year
 * ending 31 March 2025"; a label that already says what it is ("year ending 31 March 2025",
 * "academic year 2024/25") gets "the" in front.
 */
export function benchmarkPeriod(year: string): string {
  const y = String(year).trim();
  if (/^\d{4}$/.test(y)) return `the year ending 31 March ${y}`;
  return /^the\b/i.test(y) ? y : `the ${y}`;
}

/** A DfE benchmark year, short, for chart legends and data keys: "2024-25" or "2024/25" or as given. */
export function benchmarkYearShort(year: string): string {
  const y = String(year).trim();
  const march = /^(?:year ending 31 March )?(\d{4})$/i.exec(y);
  if (march) {
    const end = Number(march[1]);
    return `${end - 1}-${String(end % 100).padStart(2, '0')}`;
  }
  const span = /(\d{4})\s*[/-]\s*(\d{2,4})/.exec(y);
  return span ? `${span[1]}/${span[2]!.slice(-2)}` : y;
}

/** "30 September 2025". */
export const longDate = (d: string) => formatLong(d.slice(0, 10));

/** "14 October 2025 at 09:30 UTC" from an ISO timestamp (deterministic: UTC, no locale). */
export function longTimestamp(ts: string | null): string {
  if (!ts) return 'Not recorded';
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(ts);
  if (!m) return ts;
  const date = formatLong(m[1]!);
  if (!m[2]) return date;
  const utc = /(Z|[+-]00:?00)$/.test(ts) || !/[+-]\d{2}:?\d{2}$/.test(ts);
  return `${date} at ${m[2]}:${m[3]}${utc ? ' UTC' : ''}`;
}

export const STATUS_ICON: Record<Status, string> = {
  // Shapes that differ, so that status never depends on colour alone (drawn, not font glyphs).
  on_target:
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><circle cx="8" cy="8" r="7.5" fill="currentColor"/><path d="M4.2 8.4l2.4 2.4 5-5.2" fill="none" stroke="#fff" stroke-width="2"/></svg>',
  close:
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d="M8 0.8L15.5 15H0.5Z" fill="currentColor"/><rect x="7" y="5" width="2" height="5.2" fill="#fff"/><rect x="7" y="11.4" width="2" height="2" fill="#fff"/></svg>',
  off_target:
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><rect x="0.5" y="0.5" width="15" height="15" rx="2" fill="currentColor"/><path d="M4.5 4.5l7 7M11.5 4.5l-7 7" stroke="#fff" stroke-width="2"/></svg>',
  no_target:
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><rect x="0.75" y="0.75" width="14.5" height="14.5" rx="7.25" fill="none" stroke="currentColor" stroke-width="1.5"/><rect x="4" y="7" width="8" height="2" fill="currentColor"/></svg>',
  no_data:
    '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><rect x="0.75" y="0.75" width="14.5" height="14.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="2 1.5"/></svg>',
};

/** An HTML id made from a KPI id (data may hold anything; ids must stay valid and stable). */
export const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
