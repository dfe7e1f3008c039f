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

  /** Text of a 1-based line without its line break. */
  lineText(line: number): string {
    const start = this.starts[line - 1];
    if (start === undefined) return '';
    const next = this.starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  /** Location spanning a whole 1-based line (used for env-file lines). */
  lineLocation(file: string, line: number): Location {
    const text = this.lineText(line);
    const lead = text.length - text.trimStart().length;
    return { file, line, column: lead + 1, endLine: line, endColumn: text.trimEnd().length + 1 };
  }
}
