/**
 * Inline suppressions: `statelint-ignore <rule-id>[, <rule-id>...] [-- reason]` in a comment on the
 * finding's line or the line above (`//`, `#`, `{{-- --}}`, `/* *\/`). `statelint-ignore` with no id
 * silences every rule on that line.
 */
const DIRECTIVE = /statelint-ignore(?:-next-line)?(?:\s+([a-z0-9/,\s-]+?))?\s*(?:--\s*(.*?))?\s*(?:\*\/|--\}\}|$)/;

export interface Suppression {
  reason: string;
  /** 0 = the finding's own line, n = the n-th line above it: which directive did the silencing. */
  linesAbove: number;
}

export interface Directive {
  line: number;
  /** Rule ids it names; 'all' for a bare `statelint-ignore`. */
  ids: string[] | 'all';
}

/** Every suppression directive of a file, for --report-unused-suppressions. */
export function directivesIn(lines: string[]): Directive[] {
  const out: Directive[] = [];
  lines.forEach((text, i) => {
    if (!text.includes('statelint-ignore') || !COMMENT_ANYWHERE.test(text)) return;
    const d = parse(text);
    if (d) out.push({ line: i + 1, ids: d.ids });
  });
  return out;
}

function parse(line: string): { ids: string[] | 'all'; reason: string } | undefined {
  const m = DIRECTIVE.exec(line);
  if (!m) return undefined;
  const ids = (m[1] ?? '').split(/[\s,]+/).filter((x) => x.includes('/'));
  return { ids: ids.length ? ids : 'all', reason: m[2]?.trim() || 'suppressed inline' };
}

const COMMENT_ONLY = /^\s*(?:\/\/|#|\{\{--|\/\*|\*)/;
/** The directive must sit in a comment, not in a string that happens to mention it. */
const COMMENT_ANYWHERE = /(?:\/\/|#|\{\{--|\/\*)[^\n]*statelint-ignore/;

/**
 * The directive may sit at the end of the finding's line or in the block of comment lines right
 * above it (so it can share the block with other comments).
 */
export function findSuppression(ruleId: string, lineText: string, linesAbove: string[]): Suppression | undefined {
  const candidates = [lineText];
  for (const above of linesAbove) {
    if (!COMMENT_ONLY.test(above)) break;
    candidates.push(above);
  }
  for (const [linesAbove, text] of candidates.entries()) {
    if (text === undefined || !text.includes('statelint-ignore')) continue;
    const d = parse(text);
    if (d && (d.ids === 'all' || d.ids.includes(ruleId))) return { reason: d.reason, linesAbove };
  }
  return undefined;
}
