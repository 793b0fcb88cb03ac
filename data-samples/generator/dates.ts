// Calendar arithmetic on whole days. A date is an integer: days since 1970-01-01 (UTC).
// Pure integer maths (no Date objects, no time zones), so results never depend on the machine.

export type Day = number;

/** Days from civil (Howard Hinnant's algorithm). Month 1..12. */
export function dayFromYmd(y: number, m: number, d: number): Day {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// Scratch result of civil(): the hot paths below avoid allocating a tuple per call.
let cy = 0;
let cm = 0;
let cd = 0;

function civil(z: Day): void {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  cm = mp < 10 ? mp + 3 : mp - 9;
  cy = yoe + era * 400 + (cm <= 2 ? 1 : 0);
  cd = d;
}

/** Civil from days: [year, month 1..12, day]. */
export function ymdFromDay(z: Day): [number, number, number] {
  civil(z);
  return [cy, cm, cd];
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/** d plus n months, keeping the day of the month, clamped to the end of the target month. */
export function addMonths(d: Day, n: number): Day {
  civil(d);
  const dd = cd;
  const idx = cy * 12 + (cm - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = idx - ny * 12 + 1;
  return dayFromYmd(ny, nm, Math.min(dd, daysInMonth(ny, nm)));
}

/** The date of the birthday of a given age. 29 February birthdays fall on 1 March in common years. */
export function birthday(dob: Day, age: number): Day {
  civil(dob);
  const ty = cy + age;
  if (cm === 2 && cd === 29 && !isLeap(ty)) return dayFromYmd(ty, 3, 1);
  return dayFromYmd(ty, cm, cd);
}

/** Age in whole years on day `on`. */
export function ageOn(dob: Day, on: Day): number {
  civil(dob);
  const y = cy;
  civil(on);
  let age = cy - y;
  if (birthday(dob, age) > on) age--;
  return age;
}

/** Weekday: 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday). */
export function weekday(d: Day): number {
  return (((d + 3) % 7) + 7) % 7;
}

/** Number of Monday-to-Friday days in [from, to] inclusive. */
export function weekdaysBetween(from: Day, to: Day): number {
  if (to < from) return 0;
  const total = to - from + 1;
  const weeks = Math.floor(total / 7);
  let n = weeks * 5;
  let wd = weekday(from + weeks * 7);
  for (let i = weeks * 7; i < total; i++) {
    if (wd < 5) n++;
    wd = (wd + 1) % 7;
  }
  return n;
}

/** Parses yyyy-mm-dd or dd/mm/yyyy. Throws on anything else. */
export function parseDate(s: string): Day {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return checked(+m[1]!, +m[2]!, +m[3]!, s);
  m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (m) return checked(+m[3]!, +m[2]!, +m[1]!, s);
  throw new Error(`Not a date (expected yyyy-mm-dd or dd/mm/yyyy): ${s}`);
}

function checked(y: number, m: number, d: number, s: string): Day {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new Error(`Not a valid date: ${s}`);
  return dayFromYmd(y, m, d);
}

const dmyCache = new Map<Day, string>();
const pad2 = (n: number): string => (n < 10 ? '0' + n : String(n));

/** dd/mm/yyyy (the DfE format), cached: the writers format millions of dates. */
export function dmy(d: Day): string {
  let s = dmyCache.get(d);
  if (s === undefined) {
    const [y, m, dd] = ymdFromDay(d);
    s = `${pad2(dd)}/${pad2(m)}/${y}`;
    dmyCache.set(d, s);
  }
  return s;
}

/** yyyy-mm-dd. */
export function iso(d: Day): string {
  const [y, m, dd] = ymdFromDay(d);
  return `${y}-${pad2(m)}-${pad2(dd)}`;
}

/** Is d a quarter end (30 June, 30 September, 31 December, 31 March)? */
export function isQuarterEnd(d: Day): boolean {
  const [, m, dd] = ymdFromDay(d);
  return (m === 3 && dd === 31) || (m === 6 && dd === 30) || (m === 9 && dd === 30) || (m === 12 && dd === 31);
}

/** The k quarter ends ending at (and including) `last`, oldest first. */
export function quarterEnds(last: Day, k: number): Day[] {
  if (!isQuarterEnd(last)) throw new Error(`${iso(last)} is not a quarter end (30 June, 30 September, 31 December or 31 March)`);
  const out: Day[] = [];
  for (let i = k - 1; i >= 0; i--) {
    // Step back month by month from the day after R, so month ends stay month ends.
    out.push(addMonths(last + 1, -3 * i) - 1);
  }
  return out;
}

/** First day of W, the 12 months ending on R: R minus one year plus one day. */
export function windowStart(r: Day): Day {
  return addMonths(r, -12) + 1;
}

/** The 31 August on or before d. */
export function lastAug31(d: Day): Day {
  const [y] = ymdFromDay(d);
  const a = dayFromYmd(y, 8, 31);
  return a <= d ? a : dayFromYmd(y - 1, 8, 31);
}
