/**
 * Validation rules as SQL over a staged table. The check table `stg_chk_<table>` holds, per
 * row read from the file: idx, line (physical), skip (empty or repeated-header rows), and per
 * contract column <col> three versions: r_<col> (as written), v_<col> (trimmed, blank = NULL)
 * and t_<col> (typed: DATE, INTEGER, DOUBLE, upper-cased code, or the trimmed text).
 */
import type { ColumnDef, TableDef } from './contract.js';
import { lit } from '../store/store.js';

export const WS = `' ' || chr(9) || chr(10) || chr(13) || chr(160)`;

/** SQL macros used by the staging queries (temporary: nothing persistent). */
const WS_CHARS = ['chr(32)', 'chr(9)', 'chr(10)', 'chr(13)', 'chr(160)'];
export const MACROS = [
  // trim only when needed: prefix/suffix tests are far cheaper than trim with a character set
  `CREATE OR REPLACE TEMP MACRO cp_clean(x) AS (CASE WHEN ${WS_CHARS.map((c) => `prefix(x, ${c}) OR suffix(x, ${c})`).join(' OR ')}
     THEN NULLIF(trim(x, ${WS}), '') ELSE NULLIF(x, '') END)`,
  // dd/mm/yyyy or yyyy-mm-dd; %Y reads '25' as the year 25, so years before 1900 are refused
  `CREATE OR REPLACE TEMP MACRO cp_date0(v) AS coalesce(try_strptime(v, '%d/%m/%Y'), try_strptime(v, '%Y-%m-%d'))::DATE`,
  `CREATE OR REPLACE TEMP MACRO cp_date(v) AS (CASE WHEN year(cp_date0(v)) >= 1900 THEN cp_date0(v) END)`,
  `CREATE OR REPLACE TEMP MACRO cp_int(v) AS (CASE WHEN regexp_full_match(v, '[-+]?[0-9]+') THEN try_cast(v AS INTEGER) END)`,
  `CREATE OR REPLACE TEMP MACRO cp_num(v) AS (CASE WHEN regexp_full_match(v, '[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)') THEN try_cast(v AS DOUBLE) END)`,
  `CREATE OR REPLACE TEMP MACRO cp_dmy(d) AS strftime(d, '%d/%m/%Y')`,
];

export const colId = (c: ColumnDef | string) => (typeof c === 'string' ? c : c.name).toLowerCase();

/** The typed expression of a column from its trimmed value v. */
export function typedExpr(c: ColumnDef, v: string): string {
  switch (c.type) {
    case 'date': return `cp_date(${v})`;
    case 'int': return `cp_int(${v})`;
    case 'decimal': return `cp_num(${v})`;
    case 'code': return `upper(${v})`;
    default: return v;
  }
}

export interface Check {
  rule: string;
  severity: 'error' | 'warning';
  column: string | null;
  /** SQL condition over the check table's columns. */
  when: string;
  /** SQL expression for the value shown (usually the raw cell). */
  value: string;
  /** SQL expression for the message (must not be NULL when `when` holds). */
  message: string;
}

// list_contains, not IN: the optimizer turns a long IN list into a join, costly on small tables
const inList = (expr: string, codes: readonly string[]) => `list_contains([${codes.map(lit).join(', ')}]::VARCHAR[], ${expr})`;
const listText = (codes: readonly string[]) => (codes.length > 16 ? codes.slice(0, 16).join(', ') + ', ...' : codes.join(', '));

const UK_POSTCODE = `'[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[A-Z]{1,2}[0-9][A-Z0-9]? [0-9]'`;

/** Checks that look at one row at a time. */
export function rowChecks(t: TableDef, present: Set<string>, asAt: string): Check[] {
  const out: Check[] = [];
  const R = `DATE ${lit(asAt)}`;
  const rDisplay = asAt.split('-').reverse().join('/');
  for (const c of t.columns) {
    if (!present.has(c.name)) continue;
    const id = colId(c);
    const r = `r_${id}`, v = `v_${id}`, ty = `t_${id}`;
    const N = c.name;
    if (c.notNull) {
      out.push({ rule: 'missing-value', severity: 'error', column: N, when: `${v} IS NULL`, value: r,
        message: lit(`${N} is blank. Every ${t.label} row needs a ${N}: fill it in, or remove the row.`) });
    }
    switch (c.type) {
      case 'id':
        out.push({ rule: 'child-id-too-long', severity: 'error', column: N, when: `length(${v}) > 10`, value: r,
          message: `'CHILD ' || ${lit('"')} || left(${v}, 40) || ${lit('"')} || ' has ' || length(${v}) || ' characters. A CHILD identifier has 1 to 10 characters: use the same short identifier as in the 903 return.'` });
        out.push({ rule: 'bad-child-id', severity: 'error', column: N, when: `NOT regexp_full_match(${v}, '[A-Za-z0-9_-]+')`, value: r,
          message: lit(`CHILD may contain only letters, digits, - and _. Check that the column holds the child's identifier and that no other text was pasted into it.`) });
        break;
      case 'date': {
        // regexes only on the rows whose date did not parse (CASE evaluates lazily)
        const twoDigit = `(CASE WHEN ${v} IS NOT NULL AND ${ty} IS NULL THEN regexp_full_match(${v}, '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2}') ELSE false END)`;
        out.push({ rule: 'two-digit-year', severity: 'error', column: N, when: twoDigit, value: r,
          message: lit(`${N} has a two-digit year. Write the year in full: dates must be dd/mm/yyyy, e.g. 31/03/2025.`) });
        out.push({ rule: 'bad-date', severity: 'error', column: N, when: `${v} IS NOT NULL AND ${ty} IS NULL AND NOT ${twoDigit}`, value: r,
          message: `CASE
            WHEN regexp_full_match(${v}, '[0-9]{5}([.][0-9]+)?') THEN ${lit(`${N} looks like an Excel date serial number. Format the column as a date (dd/mm/yyyy) in Excel before saving as CSV, e.g. 31/03/2025.`)}
            WHEN year(cp_date0(${v})) < 1900 AND NOT regexp_full_match(${v}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN ${lit(`${N} is not a date. Dates must be dd/mm/yyyy, e.g. 31/03/2025 (yyyy-mm-dd is also accepted).`)}
            WHEN cp_date0(${v}) IS NOT NULL THEN ${lit(`${N} has a year before 1900. Check the year: dates must be dd/mm/yyyy, e.g. 31/03/2025.`)}
            WHEN regexp_full_match(${v}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2}') THEN ${lit(`${N} is not a real date (check the day and the month). Dates must be dd/mm/yyyy, e.g. 31/03/2025.`)}
            ELSE ${lit(`${N} is not a date. Dates must be dd/mm/yyyy, e.g. 31/03/2025 (yyyy-mm-dd is also accepted).`)} END` });
        const is903 = t.kind === '903';
        out.push({ rule: 'date-after-reference', severity: is903 ? 'error' : 'warning', column: N, when: `${ty} > ${R}`, value: r,
          message: is903
            ? lit(`${N} is after the extract's reference date ${rDisplay}: a 903 extract taken on ${rDisplay} cannot record it. Correct the date, or check the reference date given for the extract.`)
            : lit(`${N} is after the reference date ${rDisplay}. The row is loaded, but KPI windows ending on ${rDisplay} leave it out.`) });
        break;
      }
      case 'code': {
        const codes = c.codes ?? [];
        out.push({ rule: 'bad-code', severity: 'error', column: N, when: `${v} IS NOT NULL AND NOT ${inList(ty, codes)}`, value: r,
          message: lit(`${N} is not a valid code. Allowed: ${listText(codes)}${codes.length > 16 ? ' (see the 903 guidance)' : ''}. Correct the value.`) });
        out.push({ rule: 'code-normalised', severity: 'warning', column: N, when: `${v} IS NOT NULL AND ${inList(ty, codes)} AND ${r} <> ${ty}`, value: r,
          message: `${lit(`${N} was read as `)} || upper(${v}) || ${lit(' (codes are upper case, without spaces). Loaded as ')} || upper(${v}) || '.'` });
        break;
      }
      case 'int':
        out.push({ rule: 'bad-integer', severity: 'error', column: N, when: `${v} IS NOT NULL AND ${ty} IS NULL`, value: r,
          message: lit(`${N} must be a whole number (digits only, e.g. 12).`) });
        out.push({ rule: 'negative-number', severity: 'error', column: N, when: `${ty} < 0`, value: r,
          message: lit(`${N} cannot be negative.`) });
        if (c.name === 'SDQ_SCORE') {
          out.push({ rule: 'out-of-range', severity: 'error', column: N, when: `${ty} > 40`, value: r,
            message: lit(`SDQ_SCORE must be between 0 and 40.`) });
        }
        break;
      case 'decimal':
        out.push({ rule: 'bad-number', severity: 'error', column: N, when: `${v} IS NOT NULL AND ${ty} IS NULL`, value: r,
          message: lit(`${N} must be a number (e.g. 12.5), without units.`) });
        out.push({ rule: 'negative-number', severity: 'error', column: N, when: `${ty} < 0`, value: r,
          message: lit(`${N} cannot be negative.`) });
        break;
      case 'postcode':
        out.push({ rule: 'bad-postcode', severity: 'warning', column: N, when: `${v} IS NOT NULL AND NOT regexp_full_match(upper(${v}), ${UK_POSTCODE})`, value: r,
          message: lit(`${N} does not look like a UK postcode (e.g. HA1 2AB) or postcode sector (e.g. HA1 2). The row is loaded; the distance for it may be unknown.`) });
        break;
      default:
        break;
    }
    if (c.type === 'text' || c.type === 'postcode') {
      out.push({ rule: 'formula-like-value', severity: 'warning', column: N, when: `left(${v}, 1) IN ('=', '+', '@')`, value: r,
        message: lit(`${N} starts with = + or @, which a spreadsheet may run as a formula. It is loaded as plain text; check where the value came from.`) });
    }
  }

  const has = (...names: string[]) => names.every((n) => present.has(n));
  if (t.table === 'episodes') {
    if (has('DEC', 'DECOM')) {
      out.push({ rule: 'episode-dates', severity: 'error', column: 'DEC', when: `t_dec < t_decom`, value: 'r_dec',
        message: `'The episode ends (DEC ' || cp_dmy(t_dec) || ') before it starts (DECOM ' || cp_dmy(t_decom) || '). Check both dates.'` });
    }
    if (has('DEC', 'REC')) {
      out.push({ rule: 'dec-rec-pair', severity: 'error', column: 'REC', when: `v_dec IS NULL AND v_rec IS NOT NULL`, value: 'r_rec',
        message: lit(`REC is filled but DEC is blank. DEC and REC are both blank (the episode is open) or both filled: add the date the episode ceased, or clear REC.`) });
      out.push({ rule: 'dec-rec-pair', severity: 'error', column: 'DEC', when: `v_dec IS NOT NULL AND v_rec IS NULL`, value: 'r_dec',
        message: lit(`DEC is filled but REC is blank. DEC and REC are both blank (the episode is open) or both filled: add the reason the episode ceased, or clear DEC.`) });
    }
  }
  if (t.table === 'oc3' && has('IN_TOUCH')) {
    for (const col of ['ACTIV', 'ACCOM']) {
      if (!present.has(col)) continue;
      const id = col.toLowerCase();
      out.push({ rule: 'oc3-in-touch-unknown', severity: 'error', column: col, when: `t_in_touch = 'YES' AND t_${id} = '0'`, value: `r_${id}`,
        message: lit(`IN_TOUCH is YES, so ${col} must not be 0 (not known): record the young person's ${col === 'ACTIV' ? 'activity' : 'accommodation'}.`) });
    }
  }
  if (t.table === 'attendance') {
    if (has('ATTENDED_SESSIONS', 'POSSIBLE_SESSIONS')) {
      out.push({ rule: 'attended-above-possible', severity: 'error', column: 'ATTENDED_SESSIONS', when: `t_attended_sessions > t_possible_sessions`, value: 'r_attended_sessions',
        message: `'ATTENDED_SESSIONS (' || t_attended_sessions || ') is more than POSSIBLE_SESSIONS (' || t_possible_sessions || '). Attended sessions cannot exceed possible sessions: check both figures against the school record.'` });
    }
    if (has('PERIOD_START', 'PERIOD_END')) {
      out.push({ rule: 'period-dates', severity: 'error', column: 'PERIOD_END', when: `t_period_end < t_period_start`, value: 'r_period_end',
        message: `'PERIOD_END (' || cp_dmy(t_period_end) || ') is before PERIOD_START (' || cp_dmy(t_period_start) || '). Check both dates.'` });
    }
  }
  if (t.table === 'missing' && has('MIS_START', 'MIS_END')) {
    out.push({ rule: 'missing-dates', severity: 'error', column: 'MIS_END', when: `t_mis_end < t_mis_start`, value: 'r_mis_end',
      message: `'MIS_END (' || cp_dmy(t_mis_end) || ') is before MIS_START (' || cp_dmy(t_mis_start) || '). Check both dates.'` });
  }
  if (t.table === 'care_leavers' && has('CASE_STATUS', 'CASE_CLOSED_DATE')) {
    out.push({ rule: 'closed-without-date', severity: 'warning', column: 'CASE_CLOSED_DATE', when: `t_case_status = 'CLOSED' AND v_case_closed_date IS NULL`, value: 'r_case_closed_date',
      message: lit(`CASE_STATUS is CLOSED but CASE_CLOSED_DATE is blank, so this closure cannot be counted in the quarter it happened: add the closure date.`) });
  }
  return out;
}

/** Columns of the staging problems table (ext: the extract's index in the batch, tbl: its table). */
export const PROBLEM_COLUMNS = '(rule, severity, ext, tbl, line, col, child, value, message)';

/**
 * One SELECT (problem columns) that runs every row check of a table in a single scan, over
 * the rows of the check table that `where` selects (the extracts that share these checks).
 * Each row lists the numbers of the checks it fails (a list of small integers: cheap to build
 * for every row), and the problem's fields are picked by that number for the failing rows only.
 */
export function rowChecksSql(chk: string, tbl: string, checks: Check[], where = 'true'): string | null {
  if (checks.length === 0) return null;
  const pick = (f: (c: Check) => string) => `CASE k ${checks.map((c, i) => `WHEN ${i + 1} THEN ${f(c)}`).join('\n      ')} END`;
  return `SELECT ${pick((c) => lit(c.rule))} AS rule, ${pick((c) => lit(c.severity))} AS severity, ext, ${lit(tbl)} AS tbl, line,
      ${pick((c) => (c.column === null ? 'NULL::VARCHAR' : lit(c.column)))} AS col, v_child AS child, ${pick((c) => `(${c.value})::VARCHAR`)} AS value, ${pick((c) => c.message)} AS message
    FROM (SELECT *, unnest(list_filter([${checks.map((c, i) => `CASE WHEN ${c.when} THEN ${i + 1} END`).join(',\n')}], x -> x IS NOT NULL)) AS k
      FROM ${chk} WHERE NOT skip AND (${where}))`;
}

/**
 * Checks across rows of one table, or against the Header, within each extract (`ext`), over the
 * rows `where` selects (SELECTs of the problem columns). `headerExts`: the extracts whose Header is
 * staged in `headerChk`. `small`: the rows are few, so windows are ordered, not partitioned (a
 * partitioned window has a high fixed cost; an ordered one is not parallel): the same problems.
 */
export function crossChecksSql(t: TableDef, chk: string, present: Set<string>, where: string, header: { chk: string; exts: number[] } | null, small = false): string[] {
  const out: string[] = [];
  const tb = lit(t.table);
  const rows = `(SELECT * FROM ${chk} WHERE NOT skip AND (${where}))`;
  if (t.table === 'header') {
    out.push(`SELECT 'duplicate-child', 'error', ext, ${tb}, line, 'CHILD', v_child, r_child,
        'CHILD ' || v_child || ' is already in the Header on line ' || first_line || '. The Header has one row per child: remove or merge the duplicate.'
      FROM ${small
        ? `(SELECT c.ext, c.line, c.v_child, c.r_child, g.first_line FROM ${rows} c
            JOIN (SELECT ext, v_child, min(line) AS first_line FROM ${rows} WHERE v_child IS NOT NULL GROUP BY ext, v_child HAVING count(*) > 1) g
            ON g.ext = c.ext AND g.v_child = c.v_child)`
        : `(SELECT ext, line, v_child, r_child, min(line) OVER (PARTITION BY ext, v_child) AS first_line FROM ${rows} WHERE v_child IS NOT NULL)`}
      WHERE line > first_line`);
  }
  if (t.table === 'episodes' && present.has('DEC')) {
    out.push(`SELECT 'episode-overlap', 'error', ext, ${tb}, line, 'DECOM', v_child, r_decom,
        CASE WHEN prev_v_dec IS NULL
          THEN 'This episode starts on ' || cp_dmy(t_decom) || ' but the previous episode of this child (line ' || prev_line || ', DECOM ' || cp_dmy(prev_decom) || ') is still open (no DEC). Only the latest episode may be open: fill in DEC and REC of the earlier episode.'
          ELSE 'This episode starts on ' || cp_dmy(t_decom) || ', before the previous episode of this child (line ' || prev_line || ') ended on ' || cp_dmy(prev_t_dec) || '. Episodes of one child must not overlap: check DECOM here and DEC on line ' || prev_line || '.' END
      FROM (SELECT ext, line, v_child, r_decom, t_decom,
              ${small ? `CASE WHEN lag(ext) OVER w = ext AND lag(v_child) OVER w = v_child THEN lag(line) OVER w END` : 'lag(line) OVER w'} AS prev_line,
              lag(t_decom) OVER w AS prev_decom, lag(v_dec) OVER w AS prev_v_dec, lag(t_dec) OVER w AS prev_t_dec
            FROM ${rows} WHERE v_child IS NOT NULL AND t_decom IS NOT NULL
            WINDOW w AS (${small ? 'ORDER BY ext, v_child, t_decom, line' : 'PARTITION BY ext, v_child ORDER BY t_decom, line'}))
      WHERE prev_line IS NOT NULL AND (prev_v_dec IS NULL OR (prev_t_dec IS NOT NULL AND t_decom < prev_t_dec))`);
    if (present.has('REC')) {
      out.push(`SELECT 'x1-gap', 'error', c.ext, ${tb}, c.line, 'REC', c.v_child, c.r_rec,
          'REC is X1 (the episode ends and a new one starts the same day) but no episode of this child starts on ' || cp_dmy(c.t_dec) || '. Add the episode that starts that day, or correct REC.'
        FROM ${rows} c ANTI JOIN (SELECT ext, v_child, t_decom FROM ${chk} WHERE NOT skip) n ON n.ext = c.ext AND n.v_child = c.v_child AND n.t_decom = c.t_dec
        WHERE c.t_rec = 'X1' AND c.t_dec IS NOT NULL AND c.v_child IS NOT NULL`);
    }
  }
  if (header && header.exts.length && t.kind === '903' && t.table !== 'header') {
    out.push(`SELECT 'child-not-in-header', 'error', c.ext, ${tb}, c.line, 'CHILD', c.v_child, c.r_child,
        'CHILD ' || c.v_child || ' is not in the Header file. Every child in the ${t.label} table needs a Header row: add the child to the Header, or check the identifier.'
      FROM ${rows} c ANTI JOIN (SELECT ext, v_child FROM ${header.chk} WHERE NOT skip) h ON h.ext = c.ext AND h.v_child = c.v_child
      WHERE c.v_child IS NOT NULL AND c.ext IN (${header.exts.join(', ')})`);
  }
  return out;
}
