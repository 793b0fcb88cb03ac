/**
 * Validation problems: the analyst's report of what is wrong with an extract, where
 * (file, physical line, column, child) and what to do about it.
 */
import { chmodSync, writeFileSync } from 'node:fs';

export type Severity = 'error' | 'warning';

export interface Problem {
  /** Short kebab-case rule id, e.g. `bad-date`. */
  rule: string;
  severity: Severity;
  /** File name relative to the extract folder; null for folder-level problems. */
  file: string | null;
  /** Physical line in the file (the header row is line 1); null for file-level problems. */
  line: number | null;
  /** DfE column name (upper case) or null. */
  column: string | null;
  /** The row's CHILD (as written, trimmed) or null. */
  child: string | null;
  /** The offending value exactly as written in the file, or null. */
  value: string | null;
  /** Plain English: what is wrong and what to do. */
  message: string;
}

export function problem(p: Partial<Problem> & Pick<Problem, 'rule' | 'severity' | 'message'>): Problem {
  return { file: null, line: null, column: null, child: null, value: null, ...p };
}

/** Problems in report order: by file (folder-level first), line (file-level first), rule, column. */
export function sortProblems(list: Problem[]): Problem[] {
  const s = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
  const n = (a: number | null, b: number | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a - b);
  return [...list].sort((a, b) => s(a.file, b.file) || n(a.line, b.line) || s(a.rule, b.rule) || s(a.column, b.column) || s(a.message, b.message));
}

export const countBySeverity = (list: Problem[]) => ({
  errors: list.filter((p) => p.severity === 'error').length,
  warnings: list.filter((p) => p.severity === 'warning').length,
});

/** A cell made safe for spreadsheets: values starting with = + - @ tab or CR are prefixed with '. */
export function safeCell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(v) : safeCell(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const PROBLEM_COLUMNS = ['rule', 'severity', 'file', 'line', 'column', 'child', 'value', 'message'] as const;

/** The problems as CSV text (RFC 4180, CRLF, no BOM). */
export function problemsCsv(problems: Problem[]): string {
  const lines = [PROBLEM_COLUMNS.join(',')];
  for (const p of problems) lines.push(PROBLEM_COLUMNS.map((c) => csvField(p[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/**
 * Write the validation report: a filterable CSV (rule, severity, file, line, column, child,
 * value, message) with a UTF-8 byte-order mark so that Excel shows it correctly, readable by
 * the owner only (it names children).
 */
export function writeProblemsCsv(path: string, problems: Problem[]): void {
  writeFileSync(path, '\uFEFF' + problemsCsv(problems), { mode: 0o600 });
  chmodSync(path, 0o600);
}
