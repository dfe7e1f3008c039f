import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/lang/budget.js';
import { deleteTree, ParseFailure, parsePhp } from '../../src/lang/php.js';
import { checklist, findingFiles, removeScratch, report, run, scratch, writeTree } from './support.js';

/**
 * Defect 5: a parser failure is contained to its file. Too large for the parser, or a WASM trap on
 * crafted input (`"{$` nested 2,500 deep makes tree-sitter-php access memory out of bounds, after
 * which its runtime fails every parse): the file is listed as not analysed, the runtime is
 * replaced, and the files after it are analysed as usual.
 */
const CRASHER = `<?php\n$x = env('IN_THE_CRASHER');\n${'"{$'.repeat(5000)}`; // env() so the prefilter sends it to the parser
const work = scratch('parser');
afterAll(() => removeScratch(work));

describe('parsePhp contains failures', () => {
  it('a WASM trap is a ParseFailure for that input only; the next parse works', async () => {
    await expect(parsePhp(CRASHER)).rejects.toBeInstanceOf(ParseFailure);
    const tree = await parsePhp("<?php\n$x = env('A');\n");
    try {
      expect(tree.rootNode.hasError).toBe(false);
      expect(tree.rootNode.text).toContain("env('A')");
    } finally {
      deleteTree(tree);
    }
  });

  it('input over LIMITS.parseBytes is refused before it reaches tree-sitter', async () => {
    await expect(parsePhp(`<?php\n${' '.repeat(LIMITS.parseBytes)}`)).rejects.toThrow(/larger than the parser's limit of 4 MiB/);
  });
});

describe('the audit goes on after a file the parser cannot take', () => {
  it('a 50 MB file with --max-file-size 60m: listed as not analysed; later files still parsed; the row stays fail', () => {
    const dir = path.join(work, 'huge');
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    writeTree(dir, { artisan: '<?php\n', 'composer.json': '{"require":{"laravel/framework":"^10.0"}}', 'app/Later.php': "<?php\n$later = env('LATER');\n" });
    const fd = openSync(path.join(dir, 'app/Huge.php'), 'w');
    const chunk = Buffer.from("$x = env('HUGE');\n".repeat(65536));
    writeSync(fd, Buffer.from('<?php\n'));
    for (let written = 0; written < 50 * 1024 * 1024; written += chunk.length) writeSync(fd, chunk);
    closeSync(fd);
    const r = run([dir, '-f', 'json', '--max-file-size', '60m'], { timeoutMs: 300_000 });
    const rep = report(r);
    if (r.maxRssKiB !== undefined) expect(r.maxRssKiB).toBeLessThan(1024 * 1024); // was 2.2 GB and an abort
    expect(rep.skipped).toContainEqual({ file: 'app/Huge.php', reason: expect.stringMatching(/larger than the parser's limit/) });
    expect(findingFiles(rep)).toContain('app/Later.php');
    expect(checklist(rep).config).toBe('fail');
  }, 320_000);

  it('a file that crashes the parser (PHP and Blade): contained, listed, the rest analysed, the row not pass', () => {
    const dir = path.join(work, 'crash');
    writeTree(dir, {
      artisan: '<?php\n',
      'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
      'app/A.php': CRASHER,
      'resources/views/a.blade.php': `{{ env('IN_THE_TEMPLATE') }}\n@php ${'"{$'.repeat(5000)} @endphp`,
      'app/B.php': "<?php\n$b = env('AFTER_THE_CRASH');\n",
    });
    const rep = report(run([dir, '-f', 'json']));
    const skipped = Object.fromEntries(rep.skipped.map((s: { file: string; reason: string }) => [s.file, s.reason]));
    expect(skipped['app/A.php']).toMatch(/the parser failed on this file/);
    expect(skipped['resources/views/a.blade.php']).toMatch(/the parser failed on this file/);
    expect(rep.findings.map((f: { message: string }) => f.message)).toContainEqual(expect.stringContaining("env('AFTER_THE_CRASH')"));
    expect(checklist(rep).config).toBe('fail');
    // a row read from code cannot pass while a file went unparsed (it was listed under errors, and scheduler passed)
    expect(checklist(rep).scheduler).toBe('unknown');
  });

  it('after LIMITS.parserRestarts failures the remaining files are listed as not analysed (bounded cost), and the row is unknown', () => {
    const dir = path.join(work, 'many-crashes');
    const files: Record<string, string> = { artisan: '<?php\n', 'composer.json': '{"require":{"laravel/framework":"^10.0"}}' };
    for (let i = 0; i <= LIMITS.parserRestarts + 1; i++) files[`app/C${String(i).padStart(2, '0')}.php`] = CRASHER;
    files['app/Z.php'] = "<?php\n$z = env('LAST');\n";
    writeTree(dir, files);
    const rep = report(run([dir, '-f', 'json'], { timeoutMs: 300_000 }));
    const skipped = Object.fromEntries(rep.skipped.map((s: { file: string; reason: string }) => [s.file, s.reason]));
    expect(skipped['app/Z.php']).toMatch(/parser failed on \d+ earlier files/);
    expect(checklist(rep).config).toBe('unknown');
  }, 320_000);
});
