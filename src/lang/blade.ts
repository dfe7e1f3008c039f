/**
 * Blade → "shadow PHP" of the same length and line breaks, with every PHP expression at its template
 * offset and all else blank, so tree-sitter's `php_only` grammar reports template positions directly.
 * Each region's first delimiter char becomes `;`: `{{ e }}` → `;( e );`, `@if(x)` → `;if(x)`,
 * `@env(x)` → `;___(x)` (those two get a `;` in the next blank char), `@php … @endphp` → `; … ;`.
 */

/** One PHP construct in the template: [start, end) spans it with its delimiters (`{{`, `@if(`, `?>`). */
export interface BladeRegion {
  kind: 'echo' | 'raw-echo' | 'directive' | 'php-block' | 'php-tag' | 'attr';
  start: number;
  end: number;
  name?: string;
}

export interface BladeShadow {
  shadow: string;
  regions: BladeRegion[];
  /** The scanning budget ran out: later constructs were taken as unclosed (the file is partly analysed). */
  exhausted?: boolean;
}

/** Is `at` inside one of the [start, end) pairs (sorted, flattened)? Binary search. */
function insideAny(pairs: number[], at: number): boolean {
  let lo = 0;
  let hi = pairs.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (at < pairs[2 * mid]) hi = mid - 1;
    else if (at >= pairs[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

export function bladeToShadowPhp(template: string): BladeShadow {
  return new BladeScanner(template).run();
}

/** Keywords under which control arguments parse (`as`, `;` in for); each fits in its name's length. */
const CONTROL_KEYWORDS: Record<string, string> = {
  if: 'if', elseif: 'if', unless: 'if', switch: 'if', case: 'if',
  foreach: 'foreach', forelse: 'foreach', for: 'for', while: 'while', isset: 'isset', empty: 'empty',
};

/** CSS at-rules that take parentheses; Blade leaves unknown `@names` alone, so must we. */
const CSS_AT_RULES = new Set([
  'media', 'supports', 'container', 'import', 'keyframes', 'layer', 'page', 'charset', 'namespace',
]);

const DIRECTIVE_NAME = /\w+/y;
const PHP_OPEN_TAG = /<\?php(?=\s|$)/iy;
const COMPONENT_TAG = /<x[-:]/y;
const STYLE_TAG = /<(\/?)style[\s>]/iy;
const BOUND_ATTR = /:([\w.-]+)\s*=\s*(["'])/y;
const SHORTHAND_ATTR = /:\$\w+/y;

/** Line breaks survive so rows match; every other non-PHP char becomes a space. */
function blankChar(c: string): string {
  return c === '\n' || c === '\r' ? c : ' ';
}

function matchAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

function findStringEnd(text: string, quote: number): number {
  for (let i = quote + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === text[quote]) return i;
  }
  return -1;
}

/**
 * Linear-time budget (PR "input hardening"): a template with 100k `@if(` or `{{--` and no closer made
 * every opener search to the end of the file (65 s). Closer searches are memoised so each part of
 * the template is searched a bounded number of times:
 * - `indexOf` closers (`}}`, `--}}`, `@endphp`, ...): the last answer per closer is reused while it
 *   still lies ahead (the scanner only moves forward);
 * - `?>` (string- and comment-aware): the last scan's answer is reused from any position that scan
 *   read as code, since from there it would read the rest the same way;
 * - `)` matching `(`: one scan records the match of every `(` it reads as code (the same argument).
 * What the memos cannot cover (openers inside strings of every earlier scan) is capped by
 * SCAN_BUDGET_PER_CHAR steps per template character; past it, constructs count as unclosed and the
 * shadow says `exhausted`, so the file is reported as partly analysed.
 */
const SCAN_BUDGET_PER_CHAR = 32;

class BladeScanner {
  /** One entry per UTF-16 unit (not per code point), so the shadow keeps the template's length. */
  private readonly out: string[];
  private readonly regions: (BladeRegion & { needsTerminator: boolean })[] = [];
  private inStyle = false;
  private inComponentTag = false;
  private attrQuote: string | null = null;
  private readonly found = new Map<string, { from: number; at: number }>();
  private readonly parenMatch = new Map<number, number>();
  /** The last few `?>` scans: quotes pair up differently depending on where a scan starts, so there are phases. */
  private readonly phpCloses: { from: number; at: number; strings: number[] }[] = [];
  private steps = 0;
  private readonly maxSteps: number;
  private exhausted = false;

  constructor(private readonly src: string) {
    this.out = Array.from({ length: src.length }, (_, i) => blankChar(src[i]));
    this.maxSteps = SCAN_BUDGET_PER_CHAR * src.length + 100_000;
  }

  run(): BladeShadow {
    let pos = 0;
    while (pos < this.src.length) pos = this.step(pos);
    this.placeTerminators();
    const regions = this.regions.map(({ needsTerminator: _, ...region }) => region);
    return { shadow: this.out.join(''), regions, ...(this.exhausted ? { exhausted: true } : {}) };
  }

  /** `src.indexOf(close, from)`, reusing the last answer for `close` while it still lies ahead. */
  private indexFrom(close: string, from: number): number {
    const last = this.found.get(close);
    if (last && from >= last.from && (last.at < 0 || from <= last.at)) return last.at;
    const at = this.src.indexOf(close, from);
    this.found.set(close, { from, at });
    return at;
  }

  private readonly unclosedFrom = new Map<string, number>();

  /**
   * findStringEnd with a memo for strings that never close: if a scan from x found no closing quote,
   * every later quote of that kind was escaped in its reading, so a scan from any of them fails too.
   */
  private stringEnd(quote: number): number {
    const q = this.src[quote];
    const unclosed = this.unclosedFrom.get(q);
    if (unclosed !== undefined && quote >= unclosed) return -1;
    const end = findStringEnd(this.src, quote);
    if (end < 0) this.unclosedFrom.set(q, quote);
    return end;
  }

  /** Counts scanning work; false once the template's budget is spent. */
  private spend(n = 1): boolean {
    this.steps += n;
    if (this.steps <= this.maxSteps) return true;
    this.exhausted = true;
    return false;
  }

  /** Index just past the `)` matching the `(` at `open`, skipping quoted strings; -1 when unbalanced. */
  private closingParen(open: number): number {
    const known = this.parenMatch.get(open);
    if (known !== undefined) return known;
    const text = this.src;
    const pending: number[] = [];
    for (let i = open; i < text.length; i++) {
      if (!this.spend()) break;
      const c = text[i];
      if (c === '"' || c === "'") {
        const end = this.stringEnd(i);
        if (!this.spend(end < 0 ? 1 : end - i)) break;
        if (end < 0) break;
        i = end;
      } else if (c === '(') pending.push(i);
      else if (c === ')' && pending.length) {
        this.parenMatch.set(pending.pop()!, i + 1);
        if (!pending.length) return i + 1;
      }
    }
    for (const p of pending) this.parenMatch.set(p, -1);
    return -1;
  }

  /** Index of the `?>` that ends PHP code starting at `from`: a quoted string or a block comment may contain `?>`. */
  private phpCloseFrom(from: number): number {
    for (const last of this.phpCloses) {
      if (from >= last.from && (last.at < 0 || from <= last.at) && !insideAny(last.strings, from)) return last.at;
    }
    const text = this.src;
    const strings: number[] = [];
    let at = -1;
    for (let i = from; i < text.length; i++) {
      if (!this.spend()) break;
      const c = text[i];
      if (c === '"' || c === "'") {
        const end = this.stringEnd(i);
        // An unclosed string runs to the end: a scan starting inside it reads that text as code.
        strings.push(i + 1, end < 0 ? text.length : end + 1);
        if (!this.spend(end < 0 ? 1 : end - i) || end < 0) break;
        i = end;
      } else if (c === '/' && text[i + 1] === '*') {
        const end = this.indexFrom('*/', i + 2);
        strings.push(i + 1, end < 0 ? text.length : end + 2);
        if (!this.spend(end < 0 ? 1 : end - i) || end < 0) break;
        i = end + 1;
      } else if (c === '?' && text[i + 1] === '>') {
        at = i;
        break;
      }
    }
    this.phpCloses.unshift({ from, at, strings });
    if (this.phpCloses.length > 4) this.phpCloses.pop();
    return at;
  }

  /** Where a construct opened at `from` closes: PHP tags close outside strings, Blade delimiters at the first match. */
  private findClose(close: string, from: number): number {
    return close === '?>' ? this.phpCloseFrom(from) : this.indexFrom(close, from);
  }

  /** Handles the construct starting at `i` and returns where scanning resumes. */
  private step(i: number): number {
    const s = this.src;
    if (s.startsWith('{{--', i)) return this.skipPast('--}}', i, 4);
    if (s[i] === '@') return this.atSign(i);
    if (s.startsWith('{{{', i)) return this.expression('echo', i, 3, '}}}');
    if (s.startsWith('{{', i)) return this.expression('echo', i, 2, '}}');
    if (s.startsWith('{!!', i)) return this.expression('raw-echo', i, 3, '!!}');
    if (s.startsWith('<?=', i)) return this.expression('php-tag', i, 3, '?>');
    if (matchAt(PHP_OPEN_TAG, s, i)) return this.phpCode('php-tag', i, 5, '?>');
    return this.markup(i);
  }

  /** Blanks everything up to and including `close`; an unterminated opener is just text. */
  private skipPast(close: string, i: number, openLength: number): number {
    const end = this.indexFrom(close, i + openLength);
    return end < 0 ? i + openLength : end + close.length;
  }

  /** `{{ e }}`, `{!! e !!}`, `<?= e ?>` → `;( e );` with the punctuation on the delimiters. */
  private expression(kind: BladeRegion['kind'], i: number, openLength: number, close: string): number {
    const closeAt = this.findClose(close, i + openLength);
    if (closeAt < 0) return i + openLength;
    const end = closeAt + close.length;
    if (this.src.slice(i + openLength, closeAt).trim() === '') return end;
    this.write(i, ';(');
    this.keep(i + openLength, closeAt);
    this.write(end - 2, ');');
    this.regions.push({ kind, start: i, end, needsTerminator: false });
    return end;
  }

  /** `@php … @endphp` and `<?php … ?>`: statements kept, delimiters become `;`. */
  private phpCode(kind: 'php-block' | 'php-tag', i: number, openLength: number, close: string): number {
    const closeAt = this.findClose(close, i + openLength);
    if (closeAt < 0 && kind === 'php-block') return i + openLength;
    const codeEnd = closeAt < 0 ? this.src.length : closeAt; // a PHP file may omit its final `?>`
    const end = closeAt < 0 ? codeEnd : closeAt + close.length;
    this.write(i, ';');
    this.keep(i + openLength, codeEnd);
    if (closeAt >= 0) this.write(closeAt, ';');
    this.regions.push({ kind, start: i, end, needsTerminator: false });
    return end;
  }

  private atSign(i: number): number {
    const s = this.src;
    if (i > 0 && /\w/.test(s[i - 1])) return i + 1; // e-mail address, not a directive
    if (s.startsWith('@@', i)) return i + 2;
    if (s.startsWith('@{{', i)) return this.skipPast('}}', i, 3);
    if (s.startsWith('@{!!', i)) return this.skipPast('!!}', i, 4);
    const name = matchAt(DIRECTIVE_NAME, s, i + 1)?.[0];
    if (!name) return i + 1;
    const nameEnd = i + 1 + name.length;
    if (this.isCss(name, nameEnd)) return nameEnd;
    if (name === 'verbatim') return this.skipPast('@endverbatim', i, nameEnd - i);
    let open = nameEnd;
    while (s[open] === ' ' || s[open] === '\t') open++;
    const argsEnd = s[open] === '(' ? this.closingParen(open) : -1;
    if (argsEnd < 0) return name === 'php' ? this.phpCode('php-block', i, 4, '@endphp') : nameEnd;
    return this.directive(name, i, nameEnd, open, argsEnd);
  }

  private isCss(name: string, nameEnd: number): boolean {
    if (this.src[nameEnd] === '-' || CSS_AT_RULES.has(name)) return true; // @font-face, @media
    return this.inStyle && !(name in CONTROL_KEYWORDS);
  }

  /** `@if(x)` → `;if(x)`, `@php(x)` → `;   (x)`, `@env(x)` → `;___(x)`; a `;` is appended later. */
  private directive(name: string, i: number, nameEnd: number, open: number, end: number): number {
    this.write(i, ';');
    const keyword = name === 'php' ? '' : (CONTROL_KEYWORDS[name] ?? '_'.repeat(name.length));
    this.write(nameEnd - keyword.length, keyword);
    this.keep(open, end);
    const region: BladeRegion = name === 'php'
      ? { kind: 'php-block', start: i, end }
      : { kind: 'directive', start: i, end, name };
    this.regions.push({ ...region, needsTerminator: true });
    return end;
  }

  /** Plain template text: tracks `<style>` blocks and `<x-…>` tags, whose `:attr` values are PHP. */
  private markup(i: number): number {
    const s = this.src;
    if (this.inComponentTag) return this.componentTagChar(i);
    if (matchAt(COMPONENT_TAG, s, i)) this.inComponentTag = true;
    const style = matchAt(STYLE_TAG, s, i);
    if (style) this.inStyle = style[1] === '';
    return i + 1;
  }

  private componentTagChar(i: number): number {
    const c = this.src[i];
    if (this.attrQuote) this.attrQuote = c === this.attrQuote ? null : this.attrQuote;
    else if (c === '"' || c === "'") this.attrQuote = c;
    else if (c === '>') this.inComponentTag = false;
    else if (c === ':' && /\s/.test(this.src[i - 1])) return this.boundAttribute(i);
    return i + 1;
  }

  /** `:title="expr"` → `;      (expr)`, `:$user` → `;$user`; a `;` is appended later. */
  private boundAttribute(i: number): number {
    const shorthand = matchAt(SHORTHAND_ATTR, this.src, i);
    if (shorthand) {
      this.write(i, ';');
      this.keep(i + 1, i + shorthand[0].length);
      this.regions.push({ kind: 'attr', start: i, end: i + shorthand[0].length, needsTerminator: true });
      return i + shorthand[0].length;
    }
    const bound = matchAt(BOUND_ATTR, this.src, i);
    if (!bound) return i + 1;
    const valueStart = i + bound[0].length;
    const valueEnd = this.indexFrom(bound[2], valueStart);
    if (valueEnd < 0 || this.src.slice(valueStart, valueEnd).trim() === '') return i + 1;
    this.write(i, ';');
    this.write(valueStart - 1, '(');
    this.keep(valueStart, valueEnd);
    this.write(valueEnd, ')');
    this.regions.push({ kind: 'attr', start: i, end: valueEnd + 1, name: bound[1], needsTerminator: true });
    return valueEnd + 1;
  }

  /**
   * Ends directive/attr statements with `;` in the first blank char before the next region (whose own
   * leading `;` suffices otherwise). At EOF with no room, tree-sitter adds a MISSING `;`: call intact.
   */
  private placeTerminators(): void {
    this.regions.forEach((region, r) => {
      if (!region.needsTerminator) return;
      const next = this.regions[r + 1]?.start ?? this.src.length;
      const slot = this.out.slice(region.end, next).indexOf(' '); // bounded: linear overall
      if (slot >= 0) this.out[region.end + slot] = ';';
    });
  }

  /** Copies template chars unchanged (PHP code). */
  private keep(start: number, end: number): void {
    for (let i = start; i < end; i++) this.out[i] = this.src[i];
  }

  /** Writes shadow-only punctuation over delimiter chars. */
  private write(start: number, text: string): void {
    for (let k = 0; k < text.length; k++) this.out[start + k] = text[k];
  }
}
