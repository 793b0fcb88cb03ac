/**
 * Officer-only exceptions lists (internal audience only; never in a public output): the
 * children and young people behind the KPIs that the inspection found were being missed.
 * Each list is the members of a KPI's cohort who miss its numerator, with a detail column.
 */
import type { IsoDate } from '../core/dates.js';
import { lit, type Store } from '../store/store.js';
import type { ExceptionList, MetricDef } from './types.js';

interface ListDef {
  id: string;
  title: string;
  kpiId: string;
  /** Which members: SQL condition over the member row m. */
  where: string;
  /** Detail text for a member: SQL expression over m and the joined source row s. */
  join: string;
  detail: string;
}

const fmt = (col: string) => `coalesce(strftime(${col}, '%d/%m/%Y'), 'none recorded')`;

const LISTS: ListDef[] = [
  {
    id: 'care_leavers_not_contacted_8_weeks',
    title: 'Care leavers aged 18 to 20 (open cases) with no Personal Adviser contact in the last 8 weeks',
    kpiId: 'care_leavers_contact_within_8_weeks',
    where: 'm.den > 0 AND m.num = 0',
    join: `LEFT JOIN (SELECT la, as_at, child, max(last_contact_date) AS d FROM care_leavers GROUP BY ALL) s ON s.la = m.la AND s.as_at = m.as_at AND s.child = m.child`,
    detail: `'last contact ' || ${fmt('s.d')}`,
  },
  {
    id: 'care_leaver_cases_closed_before_21',
    title: 'Care-leaver cases closed before the young person’s 21st birthday in the last 12 months',
    kpiId: 'care_leaver_cases_closed_before_21',
    where: 'm.num > 0',
    join: `LEFT JOIN (SELECT la, as_at, child, max(case_closed_date) AS d, string_agg(DISTINCT closure_reason, ', ') AS why FROM care_leavers WHERE case_closed_date IS NOT NULL GROUP BY ALL) s ON s.la = m.la AND s.as_at = m.as_at AND s.child = m.child`,
    detail: `'closed ' || ${fmt('s.d')} || ', reason ' || coalesce(s.why, 'not given')`,
  },
  {
    id: 'children_without_in_date_pep',
    title: 'Children without a completed PEP in the last 4 months',
    kpiId: 'pep_in_date',
    where: 'm.den > 0 AND m.num = 0',
    join: `LEFT JOIN (SELECT la, as_at, child, max(pep_date) FILTER (WHERE upper(pep_status) = 'COMPLETE' AND pep_date <= as_at) AS d FROM pep GROUP BY ALL) s ON s.la = m.la AND s.as_at = m.as_at AND s.child = m.child`,
    detail: `'last completed PEP ' || ${fmt('s.d')}`,
  },
  ...(['19_21', '17_18'] as const).map((band): ListDef => ({
    id: `care_leavers_not_in_touch_${band}`,
    title: `Care leavers aged ${band.replace('_', ' to ')} not in touch`,
    kpiId: `care_leavers_in_touch_${band}`,
    where: 'm.den > 0 AND m.num = 0',
    join: `LEFT JOIN (SELECT la, as_at, child, string_agg(DISTINCT in_touch, ', ') AS t FROM oc3 GROUP BY ALL) s ON s.la = m.la AND s.as_at = m.as_at AND s.child = m.child`,
    detail: `'in touch: ' || coalesce(CASE s.t WHEN 'NO' THEN 'no' WHEN 'REFU' THEN 'refuses contact' WHEN 'NREQ' THEN 'no longer requires services' ELSE s.t END, 'not known')`,
  })),
];

export async function computeExceptions(store: Store, defs: MetricDef[], la: string, asAt: IsoDate): Promise<ExceptionList[]> {
  const out: ExceptionList[] = [];
  for (const l of LISTS) {
    const def = defs.find((d) => d.id === l.kpiId);
    if (!def) continue;
    const rows = await store.all<{ child: string; detail: string }>(`
      SELECT m.child, ${l.detail} AS detail
      FROM (${def.sql}) m ${l.join}
      WHERE m.la = ${lit(la)} AND m.as_at = DATE ${lit(asAt)} AND m.r = DATE ${lit(asAt)} AND ${l.where}
      ORDER BY m.child`);
    out.push({ id: l.id, title: l.title, kpiId: l.kpiId, rows });
  }
  return out;
}
