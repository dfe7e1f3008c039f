import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/engine/fix/index.js';

describe('unifiedDiff', () => {
  it('renders changed files in path order with a/ b/ headers, CRs kept and the missing newline marked', async () => {
    const crlf = ['<?php', 'return [', "    'driver' => 'file',", "    'lifetime' => 120,", '];', ''].join('\r\n');
    const diff = await unifiedDiff([
      { file: 'config/session.php', before: crlf, after: crlf.replace("'file'", "'redis'") },
      { file: 'app/Upload.php', before: 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight', after: 'one\ntwo\nthree\nfour\nfive\nsix\nseven\nEIGHT' },
      { file: 'unchanged.php', before: 'same\n', after: 'same\n' },
    ]);
    expect(diff).toBe(
      [
        '--- a/app/Upload.php',
        '+++ b/app/Upload.php',
        '@@ -5,4 +5,4 @@',
        ' five',
        ' six',
        ' seven',
        '-eight',
        '\\ No newline at end of file',
        '+EIGHT',
        '\\ No newline at end of file',
        '--- a/config/session.php',
        '+++ b/config/session.php',
        '@@ -1,5 +1,5 @@',
        ' <?php\r',
        ' return [\r',
        "-    'driver' => 'file',\r",
        "+    'driver' => 'redis',\r",
        "     'lifetime' => 120,\r",
        ' ];\r',
        '',
      ].join('\n'),
    );
  });

  it('is empty when nothing changed', async () => {
    expect(await unifiedDiff([])).toBe('');
    expect(await unifiedDiff([{ file: 'a.php', before: 'x', after: 'x' }])).toBe('');
  });
});
