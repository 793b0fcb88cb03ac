/** Showing validation problems: a readable table on a terminal, JSON for machines, a CSV file for the analyst. */
import type { Output } from '../core/output.js';
import type { Problem } from '../ingest/ingest.js';

const MAX_SHOWN = 200;

export function summariseProblems(problems: Problem[]): { errors: number; warnings: number; byRule: Record<string, number> } {
  const byRule: Record<string, number> = {};
  for (const p of problems) byRule[`${p.severity}:${p.rule}`] = (byRule[`${p.severity}:${p.rule}`] ?? 0) + 1;
  return { errors: problems.filter((p) => p.severity === 'error').length, warnings: problems.filter((p) => p.severity === 'warning').length, byRule };
}

export function problemsTable(out: Output, problems: Problem[]): string {
  const shown = problems.slice(0, MAX_SHOWN);
  const table = out.table(
    ['severity', 'rule', 'where', 'column', 'child', 'value', 'message'],
    shown.map((p) => [
      p.severity === 'error' ? out.style('error', 'red') : out.style('warning', 'yellow'),
      p.rule,
      p.file ? `${p.file}${p.line ? `:${p.line}` : ''}` : '',
      p.column, p.child, p.value === null ? '' : JSON.stringify(p.value).slice(1, -1), p.message,
    ]),
  );
  const more = problems.length > MAX_SHOWN ? `\n… and ${problems.length - MAX_SHOWN} more: see the validation report CSV.` : '';
  return table + more;
}
