import { describe, expect, it } from 'vitest';
import { phpCodeOnly } from '../../src/lang/php-text.js';

describe('phpCodeOnly', () => {
  it('blanks comments and string contents, keeping offsets, quotes and newlines', () => {
    const text = "<?php\n// Log::channel('a')\n$x = 'it\\'s'; # note\n/* two\nlines */ $y = \"a $b\\\" c\";\n#[Attr] f(`ls`);\n";
    const code = phpCodeOnly(text)!;
    expect(code).toHaveLength(text.length);
    expect(code.split('\n')).toHaveLength(text.split('\n').length);
    expect(code).not.toContain('Log::channel');
    expect(code).toContain("$x = '     ';");
    expect(code).toContain('$y = "        ";');
    expect(code).toContain('#[Attr] f(`  `);');
    expect(code.indexOf('$y')).toBe(text.indexOf('$y'));
  });

  it('refuses what it cannot follow: heredoc, inline HTML, unterminated strings and comments, no <?php', () => {
    expect(phpCodeOnly("<?php\n$a = <<<EOT\nLog::channel('x')\nEOT;\n")).toBeUndefined();
    expect(phpCodeOnly("<?php\nif (1): ?>\n<p>Log::channel('x')</p>\n<?php endif;\n")).toBeUndefined();
    expect(phpCodeOnly("<?php\n$a = 'open;\n")).toBeUndefined();
    expect(phpCodeOnly('<?php\n/* open\n')).toBeUndefined();
    expect(phpCodeOnly('<html><?php echo 1;')).toBeUndefined();
  });

  it('takes a closing tag at the end and a comment that runs into it', () => {
    expect(phpCodeOnly('<?php\necho 1; // done ?>\n')).toBe('<?php\necho 1;         ?>\n');
    expect(phpCodeOnly('\uFEFF<?php\necho 1;\n')).toBe('\uFEFF<?php\necho 1;\n');
  });
});
