/**
 * The input contract (spec/inputs.md) and the 903 code lists (spec/codes.md), as data.
 * Store tables use the lower-cased DfE column names; every stored row also carries
 * la, as_at (the snapshot key), src_file and src_line (where it came from).
 */

export type ColumnType = 'id' | 'text' | 'date' | 'int' | 'decimal' | 'code' | 'postcode';

export interface ColumnDef {
  name: string; // DfE column name, upper case
  type: ColumnType;
  required: boolean; // must be present in the header row
  notNull?: boolean; // a blank value is an error
  codes?: readonly string[]; // allowed values (upper case), for type 'code'
}

export interface TableDef {
  table: string; // store table name
  label: string; // human name
  kind: '903' | 'local';
  required: boolean; // the extract must contain this table
  columns: ColumnDef[];
}

const c = (name: string, type: ColumnType, required = true, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type, required, ...extra });

export const LS_CODES = ['C1', 'C2', 'D1', 'E1', 'V2', 'V3', 'V4', 'L1', 'L2', 'L3', 'J1', 'J2', 'J3'] as const;
export const SHORT_BREAK_LS = ['V3', 'V4'] as const;
export const RNE_CODES = ['S', 'L', 'P', 'T', 'B', 'U'] as const;
export const CIN_CODES = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8'] as const;
export const PLACE_CODES = [
  'U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'A3', 'A4', 'A5', 'A6', 'P1', 'P2', 'P3', 'H5', 'K3', 'K1', 'K2',
  'R1', 'R2', 'R3', 'R5', 'S1', 'T0', 'T1', 'T2', 'T3', 'T4', 'Z1', 'Z11', 'Z12', 'Z13', 'Z14',
  'Q1', 'Q2', 'M1', 'M2', 'M3',
] as const;
export const TEMPORARY_PLACE = ['T0', 'T1', 'T2', 'T3', 'T4'] as const;
export const PROVIDER_CODES = ['PR0', 'PR1', 'PR2', 'PR3', 'PR4', 'PR5'] as const;
export const REC_CODES = [
  'X1', 'E11', 'E12', 'E2', 'E3', 'E4A', 'E4B', 'E13', 'E41', 'E45', 'E46', 'E47', 'E48', 'E5', 'E6', 'E7', 'E8',
  'E9', 'E14', 'E15', 'E16', 'E17', 'E43', 'E44',
] as const;
export const REASON_PLACE_CHANGE_CODES = ['CARPL', 'CLOSE', 'ALLEG', 'STAND', 'APPRR', 'CREQB', 'CREQO', 'CHILD', 'LAREQ', 'PLACE', 'CUSTOD', 'OTHER'] as const;
export const SEX_CODES = ['1', '2', 'M', 'F', 'U'] as const;
export const ETHNIC_CODES = [
  'WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH',
  'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT',
] as const;
export const IN_TOUCH_CODES = ['YES', 'NO', 'DIED', 'REFU', 'NREQ', 'RHOM'] as const;
export const ACTIV_CODES = ['F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5', 'G4', 'G5', 'G6', '0'] as const;
const ACCOM_LETTERS = ['B', 'C', 'D', 'E', 'G', 'H', 'K', 'R', 'T', 'U', 'V', 'W', 'Y', 'Z'];
export const ACCOM_CODES = [...ACCOM_LETTERS.flatMap((l) => [`${l}1`, `${l}2`]), 'S2', 'X2', '0'] as const;
export const FLAG_CODES = ['0', '1'] as const;
export const MISSING_CODES = ['M', 'A'] as const;
export const PEP_STATUS_CODES = ['COMPLETE', 'DRAFT', 'CANCELLED'] as const;
export const PEP_QUALITY_CODES = ['GOOD', 'REQUIRES_IMPROVEMENT', 'INADEQUATE'] as const;
export const CASE_STATUS_CODES = ['OPEN', 'CLOSED'] as const;
export const CLOSURE_REASON_CODES = ['AGE_21', 'AGE_25', 'DECLINED_SUPPORT', 'DIED', 'TRANSFERRED', 'MOVED_ABROAD', 'RETURNED_HOME', 'OTHER'] as const;
export const LOCATION_CODES = ['IN', 'OUT'] as const;

/** Ethnicity groups used for breakdowns (spec/codes.md). */
export function ethnicGroup(code: string | null | undefined): string {
  const v = (code ?? '').toUpperCase();
  if (v === 'CHNE' || v === 'OOTH') return 'Other';
  if (v === 'REFU' || v === 'NOBT' || v === '') return 'Not known';
  return { W: 'White', M: 'Mixed', A: 'Asian', B: 'Black' }[v[0]!] ?? 'Not known';
}

const CHILD = c('CHILD', 'id', true, { notNull: true });

export const TABLES: TableDef[] = [
  {
    table: 'header', label: 'Header', kind: '903', required: true,
    columns: [CHILD, c('SEX', 'code', true, { notNull: true, codes: SEX_CODES }), c('DOB', 'date', true, { notNull: true }),
      c('ETHNIC', 'code', true, { codes: ETHNIC_CODES }), c('UPN', 'text'), c('MOTHER', 'code', true, { codes: FLAG_CODES }), c('MC_DOB', 'date')],
  },
  {
    table: 'episodes', label: 'Episodes', kind: '903', required: true,
    columns: [CHILD, c('DECOM', 'date', true, { notNull: true }), c('RNE', 'code', true, { notNull: true, codes: RNE_CODES }),
      c('LS', 'code', true, { notNull: true, codes: LS_CODES }), c('CIN', 'code', true, { codes: CIN_CODES }),
      c('PLACE', 'code', true, { notNull: true, codes: PLACE_CODES }), c('PLACE_PROVIDER', 'code', true, { codes: PROVIDER_CODES }),
      c('DEC', 'date'), c('REC', 'code', true, { codes: REC_CODES }), c('REASON_PLACE_CHANGE', 'code', true, { codes: REASON_PLACE_CHANGE_CODES }),
      c('HOME_POST', 'postcode'), c('PL_POST', 'postcode'), c('URN', 'text'),
      c('PL_DISTANCE', 'decimal', false), c('PL_LA', 'text', false), c('PL_LOCATION', 'code', false, { codes: LOCATION_CODES })],
  },
  {
    table: 'uasc', label: 'UASC', kind: '903', required: false,
    columns: [CHILD, c('SEX', 'code', true, { codes: SEX_CODES }), c('DOB', 'date'), c('DUC', 'date')],
  },
  {
    table: 'oc2', label: 'OC2', kind: '903', required: false,
    columns: [CHILD, c('DOB', 'date'), c('SDQ_SCORE', 'int'), c('SDQ_REASON', 'text'),
      ...['CONVICTED', 'HEALTH_CHECK', 'IMMUNISATIONS', 'TEETH_CHECK', 'HEALTH_ASSESSMENT', 'SUBSTANCE_MISUSE', 'INTERVENTION_RECEIVED', 'INTERVENTION_OFFERED']
        .map((n) => c(n, 'code', true, { codes: FLAG_CODES }))],
  },
  {
    table: 'oc3', label: 'OC3', kind: '903', required: true,
    columns: [CHILD, c('DOB', 'date', true, { notNull: true }), c('IN_TOUCH', 'code', true, { notNull: true, codes: IN_TOUCH_CODES }),
      c('ACTIV', 'code', true, { codes: ACTIV_CODES }), c('ACCOM', 'code', true, { codes: ACCOM_CODES })],
  },
  {
    table: 'missing', label: 'Missing', kind: '903', required: false,
    columns: [CHILD, c('DOB', 'date'), c('MISSING', 'code', true, { notNull: true, codes: MISSING_CODES }), c('MIS_START', 'date', true, { notNull: true }), c('MIS_END', 'date')],
  },
  {
    table: 'reviews', label: 'Reviews', kind: '903', required: false,
    columns: [CHILD, c('DOB', 'date'), c('REVIEW', 'date', true, { notNull: true }), c('REVIEW_CODE', 'text')],
  },
  {
    table: 'attendance', label: 'Attendance', kind: 'local', required: false,
    columns: [CHILD, c('PERIOD_START', 'date', true, { notNull: true }), c('PERIOD_END', 'date', true, { notNull: true }),
      c('POSSIBLE_SESSIONS', 'int', true, { notNull: true }), c('ATTENDED_SESSIONS', 'int', true, { notNull: true }),
      c('UPN', 'text', false), c('SCHOOL_URN', 'text', false), c('AUTHORISED_ABSENCE', 'int', false), c('UNAUTHORISED_ABSENCE', 'int', false),
      c('SUSPENSIONS', 'int', false), c('PERMANENT_EXCLUSION', 'code', false, { codes: FLAG_CODES })],
  },
  {
    table: 'pep', label: 'Personal Education Plans', kind: 'local', required: false,
    columns: [CHILD, c('PEP_DATE', 'date', true, { notNull: true }), c('PEP_STATUS', 'code', true, { notNull: true, codes: PEP_STATUS_CODES }),
      c('PEP_QUALITY', 'code', false, { codes: PEP_QUALITY_CODES })],
  },
  {
    table: 'care_leavers', label: 'Care-leaver tracking', kind: 'local', required: false,
    columns: [CHILD, c('DOB', 'date', true, { notNull: true }), c('CASE_STATUS', 'code', true, { notNull: true, codes: CASE_STATUS_CODES }),
      c('CASE_CLOSED_DATE', 'date'), c('CLOSURE_REASON', 'code', true, { codes: CLOSURE_REASON_CODES }),
      c('LAST_CONTACT_DATE', 'date'), c('PATHWAY_PLAN_DATE', 'date')],
  },
];

export const tableDef = (name: string): TableDef => {
  const t = TABLES.find((x) => x.table === name);
  if (!t) throw new Error(`unknown table ${name}`);
  return t;
};

/** DuckDB type of a stored column. */
export function sqlType(t: ColumnType): string {
  switch (t) {
    case 'date': return 'DATE';
    case 'int': return 'INTEGER';
    case 'decimal': return 'DOUBLE';
    default: return 'VARCHAR';
  }
}
