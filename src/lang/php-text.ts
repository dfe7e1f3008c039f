/**
 * PHP read as text, for decisions made without parsing (a project index that can tell from the text alone
 * what a file holds). The one question answered here: which characters are code, not a comment or the inside
 * of a string. Anything this lexer does not follow exactly is refused (undefined), so a caller falls back to
 * the parser instead of guessing.
 */

/** Where a file's comments and string contents are, to ask of a text match whether it is code. */
export interface PhpCodeMap {
  /** Is the character at this offset code (not inside a comment or a string's contents)? */
  isCode(offset: number): boolean;
  /** The comment or string contents around this offset ([from, to) of the text), or undefined for code. */
  rangeAt(offset: number): { kind: 'comment' | 'string'; from: number; to: number } | undefined;
}

/** Comments, whole strings, and the openings this lexer refuses (unterminated, heredoc, `?>`), leftmost first. */
const TOKEN = /\/\*[\s\S]*?\*\/|(?:\/\/|#(?!\[))[^\n?]*(?:\?(?!>)[^\n?]*)*|'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"|`(?:[^`\\]|\\[\s\S])*`|\/\*|['"`]|<<<|\?>/g;

/**
 * The comments and string contents of a PHP file, or undefined when the file holds something a few lines of
 * lexing cannot follow: heredoc/nowdoc, inline HTML after a `?>`, an unterminated string or comment, or text
 * before `<?php`. (No copy of the text is made: a project index asks this of hundreds of files.)
 */
export function phpCodeMap(text: string): PhpCodeMap | undefined {
  const start = /^(?:\uFEFF)?<\?php\b/.exec(text);
  if (!start) return undefined;
  // Half-open [from, to) ranges that are not code, in order.
  const from: number[] = [];
  const to: number[] = [];
  const comment: boolean[] = [];
  TOKEN.lastIndex = start[0].length;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const t = m[0];
    const at = m.index;
    if (t === '/*' || t === '<<<' || t.length === 1) return undefined; // unterminated comment or string, heredoc
    if (t === '?>') {
      // Only a closing tag followed by nothing but whitespace is plain PHP.
      if (text.slice(at + 2).trim()) return undefined;
      break;
    }
    const isComment = t[0] === '/' || t[0] === '#';
    comment.push(isComment);
    from.push(isComment ? at : at + 1);
    to.push(isComment ? at + t.length : at + t.length - 1);
  }
  const rangeAt = (offset: number) => {
    // The last range starting at or before offset decides.
    let lo = 0;
    let hi = from.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (from[mid] <= offset) (found = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    return found < 0 || offset >= to[found] ? undefined : { kind: comment[found] ? ('comment' as const) : ('string' as const), from: from[found], to: to[found] };
  };
  return { rangeAt, isCode: (offset) => !rangeAt(offset) };
}

/**
 * Could a rule that only looks at code find something at these hits? True when some match of `pattern` (a
 * global regex) is code, or (`inProse`) a string or comment hit the caller accepts; also true whenever the
 * text is not plain PHP (Blade, heredoc...), so a file is only ever left out when its hits are all prose.
 */
export function hitsInCode(text: string, pattern: RegExp, inProse?: (range: { kind: 'comment' | 'string'; from: number; to: number }) => boolean): boolean {
  const map = phpCodeMap(text);
  if (!map) return true;
  for (const m of text.matchAll(pattern)) {
    const range = map.rangeAt(m.index);
    if (!range || inProse?.(range)) return true;
  }
  return false;
}
