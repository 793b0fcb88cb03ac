/**
 * Calendar helpers. Dates are plain ISO strings (YYYY-MM-DD) in the product: no time zones,
 * no Date objects leaking local time. Rules follow spec/kpis.md ("Common terms").
 */
import { usageError } from './errors.js';

export type IsoDate = string;

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FYQ_RE = /^(\d{4})-(\d{2})-?Q([1-4])$/i;

export const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
export const daysInMonth = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

export function parts(d: IsoDate): [number, number, number] {
  const m = ISO_RE.exec(d);
  if (!m) throw new Error(`not an ISO date: ${d}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}
export const iso = (y: number, m: number, d: number): IsoDate =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export function isValidIso(d: string): boolean {
  const m = ISO_RE.exec(d);
  if (!m) return false;
  const [y, mo, da] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && da >= 1 && da <= daysInMonth(y, mo);
}

/** d plus n months (n may be negative), day of month kept and clamped to the month's last day. */
export function addMonths(d: IsoDate, n: number): IsoDate {
  const [y, m, day] = parts(d);
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = (idx % 12) + 1;
  return iso(ny, nm, Math.min(day, daysInMonth(ny, nm)));
}

export function addDays(d: IsoDate, n: number): IsoDate {
  const [y, m, day] = parts(d);
  const t = new Date(Date.UTC(y, m - 1, day + n));
  return iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Whole years of age on d; a 29 February birthday falls on 1 March in non-leap years. */
export function ageOn(dob: IsoDate, d: IsoDate): number {
  const [by, bm, bd] = parts(dob);
  const [y, m, day] = parts(d);
  const bdayMd = bm === 2 && bd === 29 && !isLeap(y) ? 301 : bm * 100 + bd;
  return y - by - (m * 100 + day < bdayMd ? 1 : 0);
}

export const QUARTER_ENDS = ['03-31', '06-30', '09-30', '12-31'];
export const isQuarterEnd = (d: IsoDate) => QUARTER_ENDS.includes(d.slice(5));

/** The financial-year quarter label of a quarter end: 2025-06-30 -> 2025-26 Q1. */
export function quarterLabel(r: IsoDate): string {
  const [y, m] = parts(r);
  const fyStart = m <= 3 ? y - 1 : y;
  const q = m <= 3 ? 4 : (m - 3) / 3;
  return `${fyStart}-${String((fyStart + 1) % 100).padStart(2, '0')} Q${q}`;
}

/**
 * Parse a reference date given as YYYY-MM-DD (a quarter end) or a financial-year quarter
 * (2025-26-Q1). Throws a usage error naming what was wrong.
 */
export function parseReferenceDate(input: string, opts: { today?: IsoDate } = {}): IsoDate {
  const s = input.trim();
  let r: IsoDate;
  const fy = FYQ_RE.exec(s);
  if (fy) {
    const start = Number(fy[1]);
    const endYY = Number(fy[2]);
    if ((start + 1) % 100 !== endYY) throw usageError(`"${input}" is not a financial year: ${fy[1]}-${fy[2]} should be ${start}-${String((start + 1) % 100).padStart(2, '0')}`);
    const q = Number(fy[3]);
    r = q === 4 ? iso(start + 1, 3, 31) : iso(start, q * 3 + 3, q === 1 || q === 2 ? 30 : 31);
  } else if (ISO_RE.test(s)) {
    if (!isValidIso(s)) throw usageError(`"${input}" is not a real date`, 'Give the quarter end as YYYY-MM-DD, for example 2025-06-30.');
    r = s;
  } else {
    throw usageError(`"${input}" is not a reference date`, 'Give a quarter end as YYYY-MM-DD (2025-06-30) or a financial-year quarter (2025-26-Q1).');
  }
  if (!isQuarterEnd(r)) {
    throw usageError(`${r} is not a quarter end`, 'The reference date must be 30 June, 30 September, 31 December or 31 March.');
  }
  const today = opts.today ?? todayIso();
  if (r > today) throw usageError(`the reference date ${r} is in the future (today is ${today})`, 'Check --as-at / --quarter: an extract cannot be taken at a date that has not happened yet.');
  return r;
}

/** The quarter end before r (n quarters back). */
export const previousQuarter = (r: IsoDate, n = 1): IsoDate => {
  const d = addMonths(r, -3 * n);
  const [y, m] = parts(d);
  return iso(y, m, daysInMonth(y, m));
};

/** Today's date, from SOURCE_DATE_EPOCH when set (so that runs are reproducible). */
export function todayIso(): IsoDate {
  return nowDate().toISOString().slice(0, 10);
}
export function nowDate(): Date {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date();
}

/** dd/mm/yyyy display (DfE style) for reports. */
export function formatLong(d: IsoDate): string {
  const [y, m, day] = parts(d);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${day} ${months[m - 1]} ${y}`;
}
