/**
 * The README's first command: a real panel report from the shipped samples.
 * Loads the seven earlier sample quarters (so the trends have stored history), then runs the
 * latest quarter end to end: HTML, PDF and downloads under reports/E09000015/<date>/.
 * Usage: npm run demo [-- --format html]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const cli = join(root, 'dist', 'pipeline', 'cli', 'main.js');
const samples = join(root, 'data-samples', 'extracts', 'E09000015');
const quarters = readdirSync(samples).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort();
const extra = process.argv.slice(2);

const call = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 3);
};

for (const q of quarters.slice(0, -1)) {
  process.stderr.write(`loading sample quarter ${q}\n`);
  call(['load', '--data', join(samples, q), '--as-at', q, '--la', 'E09000015', '--quiet']);
}
const last = quarters[quarters.length - 1]!;
call(['run', '--data', join(samples, last), '--as-at', last, '--la', 'E09000015', ...extra]);
