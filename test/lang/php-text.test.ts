import { describe, expect, it } from 'vitest';
import { phpCodeMap } from '../../src/lang/php-text.js';

/** Every offset of `needle` in the text that the map calls code. */
function codeHits(text: string, needle: string): number[] {
  const map = phpCodeMap(text)!;
  const out: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) if (map.isCode(i)) out.push(i);
  return out;
}

describe('phpCodeMap', () => {
  it('tells code from comments and string contents', () => {
    const text = "<?php\n// X1\n$x = 'it\\'s X2'; # X3\n/* two\nX4 */ $y = \"a $b\\\" X5\";\n#[Attr('X6')] f(`X7`); X8;\n";
    expect(codeHits(text, 'X')).toEqual([text.indexOf('X8')]);
    const map = phpCodeMap(text)!;
    expect(map.isCode(text.indexOf('$x'))).toBe(true);
    expect(map.isCode(text.indexOf("'it"))).toBe(true); // the quote itself is code; its contents are not
    expect(map.isCode(text.indexOf('#[Attr'))).toBe(true);
  });

  it('refuses what it cannot follow: heredoc, inline HTML, unterminated strings and comments, no <?php', () => {
    expect(phpCodeMap("<?php\n$a = <<<EOT\nLog::channel('x')\nEOT;\n")).toBeUndefined();
    expect(phpCodeMap("<?php\nif (1): ?>\n<p>Log::channel('x')</p>\n<?php endif;\n")).toBeUndefined();
    expect(phpCodeMap("<?php\n$a = 'open;\n")).toBeUndefined();
    expect(phpCodeMap('<?php\n/* open\n')).toBeUndefined();
    expect(phpCodeMap('<html><?php echo 1;')).toBeUndefined();
  });

  it('takes a closing tag at the end, a comment that runs into it, and a BOM', () => {
    const text = '<?php\necho 1; // X ?>\n';
    expect(codeHits(text, 'X')).toEqual([]);
    expect(codeHits(text, 'echo')).toEqual([6]);
    expect(codeHits('\uFEFF<?php\necho 1;\n', 'echo')).toEqual([7]);
  });
});
