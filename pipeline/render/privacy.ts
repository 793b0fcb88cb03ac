/**
 * The automatic check at the end of every public report: no child identifier, date of birth
 * or full postcode of the LA's stored extracts appears in any public output. Runs inside
 * DuckDB (the identifiers never come to JS): the outputs' text goes in, matches come out.
 */
import { lit, type Store } from '../store/store.js';

export interface Leak { file: string; kind: 'child id' | 'date of birth' | 'postcode'; value: string }

const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December';

/**
 * Quarter ends (31 March, 30 June, 30 September, 31 December of any year) are the dates a
 * report shows for its own reasons (reference dates, DfE years "ending 31 March 2025"), so
 * they are not treated as birthdays: a child born on a quarter end is not searched for.
 * Child ids shorter than 4 characters, or purely numeric ids of fewer than 6 digits, are too
 * short to tell from ordinary numbers in a report and are not searched for; dates the report
 * shows for its own reasons (reference dates, generation date) are not treated as birthdays.
 */
export async function findLeaks(store: Store, la: string, texts: { file: string; text: string }[], ownDates: string[]): Promise<Leak[]> {
  await store.run('CREATE OR REPLACE TEMP TABLE pv_text (file VARCHAR, text VARCHAR)');
  for (const t of texts) {
    // Embedded fonts and images (data: URIs) are not text a reader sees.
    const text = t.text.replace(/data:[a-z]+\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+/gi, '');
    await store.conn.run('INSERT INTO pv_text VALUES ($1, $2)', [t.file, text]);
  }
  const snap = `la = ${lit(la)}`;
  const own = ownDates.length ? ownDates.map((d) => `DATE ${lit(d)}`).join(', ') : 'NULL';
  return store.all<Leak>(`
    WITH ids AS (
      SELECT child FROM header WHERE ${snap} UNION SELECT child FROM episodes WHERE ${snap}
      UNION SELECT child FROM oc3 WHERE ${snap} UNION SELECT child FROM care_leavers WHERE ${snap}
      UNION SELECT child FROM attendance WHERE ${snap} UNION SELECT child FROM pep WHERE ${snap}
      UNION SELECT child FROM uasc WHERE ${snap} UNION SELECT child FROM oc2 WHERE ${snap}
      UNION SELECT child FROM missing WHERE ${snap} UNION SELECT child FROM reviews WHERE ${snap}),
    searchable AS (SELECT child FROM ids WHERE length(child) >= 4 AND (regexp_matches(child, '[^0-9]') OR length(child) >= 6)),
    dobs AS (
      SELECT dob AS d FROM header WHERE ${snap} UNION SELECT mc_dob FROM header WHERE ${snap}
      UNION SELECT dob FROM oc3 WHERE ${snap} UNION SELECT dob FROM care_leavers WHERE ${snap} UNION SELECT dob FROM uasc WHERE ${snap}),
    pcs AS (
      SELECT replace(upper(home_post), ' ', '') AS pc FROM episodes WHERE ${snap} AND length(replace(home_post, ' ', '')) >= 5
      UNION SELECT replace(upper(pl_post), ' ', '') FROM episodes WHERE ${snap} AND length(replace(pl_post, ' ', '')) >= 5),
    tokens AS (SELECT file, unnest(regexp_extract_all(text, '[A-Za-z0-9_-]+')) AS tok FROM pv_text),
    dates AS (
      SELECT file, tok, try_strptime(tok, '%d/%m/%Y')::DATE AS d FROM (SELECT file, unnest(regexp_extract_all(text, '\\b\\d{1,2}/\\d{1,2}/\\d{4}\\b')) AS tok FROM pv_text)
      UNION ALL SELECT file, tok, try_strptime(tok, '%Y-%m-%d')::DATE FROM (SELECT file, unnest(regexp_extract_all(text, '\\b\\d{4}-\\d{2}-\\d{2}\\b')) AS tok FROM pv_text)
      UNION ALL SELECT file, tok, try_strptime(tok, '%d %B %Y')::DATE FROM (SELECT file, unnest(regexp_extract_all(text, '\\b\\d{1,2} (${MONTHS}) \\d{4}\\b')) AS tok FROM pv_text)),
    postcodes AS (SELECT file, unnest(regexp_extract_all(upper(text), '\\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\\b')) AS tok FROM pv_text)
    SELECT DISTINCT t.file, 'child id' AS kind, t.tok AS value FROM tokens t JOIN searchable s ON s.child = t.tok
    UNION ALL SELECT DISTINCT d.file, 'date of birth', d.tok FROM dates d JOIN dobs b ON b.d = d.d
      WHERE d.d NOT IN (${own}) AND strftime(d.d, '%m-%d') NOT IN ('03-31', '06-30', '09-30', '12-31')
    UNION ALL SELECT DISTINCT p.file, 'postcode', p.tok FROM postcodes p JOIN pcs ON pcs.pc = replace(p.tok, ' ', '')
    ORDER BY 1, 2, 3`);
}
