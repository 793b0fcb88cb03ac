/** Showing validation problems: a readable table on a terminal, JSON for machines, a CSV file for the analyst. */
import type { Output } from '../core/output.js';
import type { Problem } from '../ingest/ingest.js';

const MAX_ERRORS_SHOWN = 200;

export function summariseProblems(problems: Problem[]): { errors: number; warnings: number; byRule: Record<string, number> } {
  const byRule: Record<string, number> = {};
  for (const p of problems) byRule[`${p.severity}:${p.rule}`] = (byRule[`${p.severity}:${p.rule}`] ?? 0) + 1;
  return { errors: problems.filter((p) => p.severity === 'error').length, warnings: problems.filter((p) => p.severity === 'warning').length, byRule };
}

const where = (p: Problem) => (p.file ? `${p.file}${p.line ? `:${p.line}` : ''}` : '');
const shown = (v: string | null) => (v === null ? '' : JSON.stringify(v).slice(1, -1));

/**
 * Errors first, one row each (they block the load); warnings grouped by rule and file with
 * a count and the first example, so that a few errors are not lost among many warnings.
 * Every problem is in the validation report CSV.
 */
export function problemsTable(out: Output, problems: Problem[]): string {
  const parts: string[] = [];
  const errors = problems.filter((p) => p.severity === 'error');
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (errors.length) {
    parts.push(out.style(`Errors (${errors.length}): these stop the load`, 'red', 'bold'));
    parts.push(out.table(['rule', 'where', 'column', 'child', 'value', 'message'],
      errors.slice(0, MAX_ERRORS_SHOWN).map((p) => [p.rule, where(p), p.column, p.child, shown(p.value), p.message])));
    if (errors.length > MAX_ERRORS_SHOWN) parts.push(`… and ${errors.length - MAX_ERRORS_SHOWN} more errors: see the validation report CSV.`);
  }
  if (warnings.length) {
    const groups = new Map<string, Problem[]>();
    for (const p of warnings) {
      const k = `${p.rule}\u0000${p.file ?? ''}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(p);
    }
    if (parts.length) parts.push('');
    parts.push(out.style(`Warnings (${warnings.length}): these load, but check them`, 'yellow', 'bold'));
    parts.push(out.table(['rule', 'file', 'rows', 'first at', 'example'],
      [...groups.values()].map((g) => [g[0]!.rule, g[0]!.file, g.length, where(g[0]!), g[0]!.message])));
  }
  return parts.join('\n');
}
