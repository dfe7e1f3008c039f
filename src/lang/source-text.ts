import { createHash } from './crypto.js';
import { LIMITS } from './budget.js';

/** 1-based line and column; endColumn is the column after the last character. */
export interface Location {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/**
 * Converts UTF-16 offsets into 1-based line/column. Columns are counted in UTF-16 code units,
 * which is what SARIF (columnKind utf16CodeUnits) and editors expect.
 */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  position(offset: number): { line: number; column: number } {
    const line = this.lineOf(offset);
    return { line, column: offset - this.starts[line - 1] + 1 };
  }

  location(file: string, start: number, end: number): Location {
    const a = this.position(start);
    const b = this.position(Math.max(start, end));
    return { file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** Offset where a 1-based line starts. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }

  /** Offset just past a 1-based line's text (before its `\r\n` or `\n`). */
  lineEnd(line: number): number {
    const next = this.starts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > (this.starts[line - 1] ?? end) && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /**
   * Text of a 1-based line without its line break. O(1): a slice, no regex (a `/\r$/` test per call
   * scanned the whole line, which made many findings on one long minified line quadratic).
   */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return '';
    return this.text.slice(start, this.lineEnd(line));
  }

  /** Location spanning a whole 1-based line (used for env-file lines). */
  lineLocation(file: string, line: number): Location {
    const text = this.lineText(line);
    const lead = text.length - text.trimStart().length;
    return { file, line, column: lead + 1, endLine: line, endColumn: text.trimEnd().length + 1 };
  }
}

/**
 * What fingerprints and suppression checks see of a line. Lines up to LIMITS.longLine characters are
 * used whole (so fingerprints of ordinary code never change); a longer line (minified, generated)
 * is replaced by a digest of its whitespace-folded text, computed once per line by the caller, so
 * many findings on one huge line cost one pass over it instead of one pass each.
 */
export function lineIdentity(lineText: string): string {
  if (lineText.length <= LIMITS.longLine) return lineText;
  return `sha256:${createHash('sha256').update(lineText.replace(/\s+/g, ' ').trim()).digest('hex')}`;
}

/**
 * A bounded view of a long line for suppression comments: its start (a comment marker) and the
 * text from the first `statelint-ignore` on. Budget: O(LIMITS.longLine) per line.
 */
export function suppressionView(lineText: string): string {
  if (lineText.length <= LIMITS.longLine) return lineText;
  const head = lineText.slice(0, 256).trimStart().slice(0, 64);
  const at = lineText.indexOf('statelint-ignore');
  return at < 0 ? head : `${head} ${lineText.slice(at, at + 1024)}`;
}

/**
 * Control characters from the project (file names, source text, env values) made visible before
 * they reach a terminal: C0 except tab, DEL and C1 as \xNN / \u00NN, and the bidirectional
 * overrides that can reorder what a reader sees (Trojan Source). A crafted `env("\e[2J...")` could
 * otherwise clear the screen and paint a fake "No stateful patterns found".
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The part of a line pretty output shows for a finding, escaped for a terminal, with the caret's
 * start and width in that text. A line longer than `width` is cut to a window around the finding
 * (with "..." marks), so a 1 MB minified line prints ~160 characters per finding, not 1 MB.
 * `mask` (same-length secret masking) sees the window plus a 512-character margin on each side,
 * so its cost is bounded per finding too.
 */
export function excerptView(
  lineText: string,
  column: number,
  endColumn: number | undefined,
  width: number = LIMITS.excerptWidth,
  mask: (text: string) => string = (t) => t,
): { text: string; caret: number; caretWidth: number } {
  const from = Math.max(0, column - 1);
  const to = endColumn === undefined ? lineText.length : Math.max(from + 1, endColumn - 1);
  let start = 0;
  let end = lineText.length;
  if (lineText.length > width) {
    start = Math.max(0, Math.min(from - 40, lineText.length - width));
    end = Math.min(lineText.length, start + width);
  }
  const marginStart = Math.max(0, start - 512);
  const region = mask(lineText.slice(marginStart, Math.min(lineText.length, end + 512)));
  const lead = start > 0 ? '...' : '';
  const shown = (a: number, b: number) => terminalSafe(region.slice(a - marginStart, b - marginStart).replace(/\t/g, ' '));
  const before = shown(start, Math.min(from, end));
  const marked = shown(Math.min(from, end), Math.min(to, end));
  const text = `${lead}${shown(start, end)}${end < lineText.length ? '...' : ''}`;
  return { text, caret: lead.length + before.length, caretWidth: Math.max(1, marked.length) };
}
