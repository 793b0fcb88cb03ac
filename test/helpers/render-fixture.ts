/** The hand-written KpiRun and metric definitions the render tests use (independent of metrics/). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KpiRun, MetricDef } from '../../pipeline/compute/types.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures');
export const loadRun = (): KpiRun => JSON.parse(readFileSync(join(dir, 'kpi-run.json'), 'utf8')) as KpiRun;
export const loadDefs = (): MetricDef[] => JSON.parse(readFileSync(join(dir, 'metric-defs.json'), 'utf8')) as MetricDef[];
export const loadCommentary = (): string => readFileSync(join(dir, 'commentary.md'), 'utf8');
export const htmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');
