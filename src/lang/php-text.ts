/**
 * PHP read as text, for decisions made without parsing (a project index that can tell from the text alone
 * what a file holds). The one question answered here: which characters are code, not a comment or the inside
 * of a string. Anything this lexer does not follow exactly is refused (undefined), so a caller falls back to
 * the parser instead of guessing.
 */

/**
 * The text with every comment and every string's contents replaced by spaces (quotes kept, lengths and
 * newlines kept, so offsets and lines still match the original). Undefined when the file holds something
 * a few lines of lexing cannot follow: heredoc/nowdoc, inline HTML after a `?>`, an unterminated string
 * or comment, or text before `<?php`.
 */
/** Comments, whole strings, and the openings this lexer refuses (unterminated, heredoc, `?>`), leftmost first. */
const TOKEN = /\/\*[\s\S]*?\*\/|(?:\/\/|#(?!\[))[^\n?]*(?:\?(?!>)[^\n?]*)*|'(?:[^'\\]|\\[\s\S])*'|"(?:[^"\\]|\\[\s\S])*"|`(?:[^`\\]|\\[\s\S])*`|\/\*|['"`]|<<<|\?>/g;

export function phpCodeOnly(text: string): string | undefined {
  const start = /^(?:\uFEFF)?<\?php\b/.exec(text);
  if (!start) return undefined;
  const out: string[] = [];
  let copied = 0;
  const blank = (from: number, to: number) => {
    const seg = text.slice(from, to);
    out.push(text.slice(copied, from), /[\r\n]/.test(seg) ? seg.replace(/[^\r\n]/g, ' ') : ' '.repeat(seg.length));
    copied = to;
  };
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
    if (t[0] === '/' || t[0] === '#') blank(at, at + t.length);
    else blank(at + 1, at + t.length - 1);
  }
  out.push(text.slice(copied));
  return out.join('');
}
