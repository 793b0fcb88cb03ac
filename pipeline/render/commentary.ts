/**
 * The analyst's commentary: one Markdown file per quarter, one `## <kpi_id>` heading per KPI.
 * Text before the first such heading is the overall introduction. Rendered with markdown-it
 * with raw HTML escaped (never passed through), images off (no network requests), and links
 * allowed only to http(s) and mailto.
 */
import MarkdownIt from 'markdown-it';

export interface Commentary {
  /** Rendered HTML of the introduction ('' when none). */
  intro: string;
  /** Rendered HTML per KPI id. */
  byKpi: Map<string, string>;
  warnings: string[];
}

const KPI_HEADING = /^##[ \t]+`?([a-z][a-z0-9_]*)`?[ \t]*#*[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/** `base`: the level the fragment's highest heading becomes; the others keep their order below it. */
function makeMd(base: number) {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.validateLink = (url: string) => /^(https?:|mailto:)/i.test(url.trim());
  // Images would be network requests: show their alt text instead.
  md.renderer.rules.image = (tokens, idx) => md.utils.escapeHtml(`[image not shown: ${tokens[idx]!.content}]`);
  // Headings inside commentary sit below the report's own headings.
  md.core.ruler.push('shift_headings', (state) => {
    const heads = state.tokens.filter((t) => t.type === 'heading_open' || t.type === 'heading_close');
    if (!heads.length) return;
    const top = Math.min(...heads.map((t) => Number(t.tag.slice(1))));
    for (const t of heads) t.tag = `h${Math.min(6, base + Number(t.tag.slice(1)) - top)}`;
  });
  return md;
}

/** Introduction headings start at h3 (under its h2); KPI commentary headings at h5 (under the h4 "Commentary"). */
const mdIntro = makeMd(3);
const mdKpi = makeMd(5);

/** Render one Markdown fragment safely (exported for tests). */
export const renderMarkdown = (text: string, kind: 'intro' | 'kpi' = 'kpi'): string =>
  (kind === 'intro' ? mdIntro : mdKpi).render(text).trim();

/**
 * Split and render. `known` holds the KPI ids of this run: a heading naming any other id is
 * reported as a warning and its text left out (it would otherwise land under the wrong KPI).
 */
export function parseCommentary(text: string | undefined, known: Set<string>): Commentary {
  const out: Commentary = { intro: '', byKpi: new Map(), warnings: [] };
  if (!text || !text.trim()) return out;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const intro: string[] = [];
  const sections: { id: string; line: number; body: string[] }[] = [];
  let current: string[] = intro;
  let inFence = false;
  lines.forEach((line, i) => {
    if (FENCE.test(line)) inFence = !inFence;
    const m = !inFence ? KPI_HEADING.exec(line) : null;
    if (m) {
      const s = { id: m[1]!, line: i + 1, body: [] as string[] };
      sections.push(s);
      current = s.body;
    } else current.push(line);
  });
  out.intro = intro.join('\n').trim() ? renderMarkdown(intro.join('\n'), 'intro') : '';
  const seen = new Map<string, number>();
  for (const s of sections) {
    if (!known.has(s.id)) {
      out.warnings.push(`commentary line ${s.line}: "## ${s.id}" is not a KPI of this report; its text is not shown`);
      continue;
    }
    const body = s.body.join('\n');
    if (seen.has(s.id)) {
      out.warnings.push(`commentary line ${s.line}: KPI ${s.id} has a second heading (first at line ${seen.get(s.id)}); both parts are shown`);
      out.byKpi.set(s.id, `${out.byKpi.get(s.id)}\n${body.trim() ? renderMarkdown(body) : ''}`.trim());
      continue;
    }
    seen.set(s.id, s.line);
    if (body.trim()) out.byKpi.set(s.id, renderMarkdown(body));
  }
  return out;
}
