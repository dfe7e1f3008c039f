import { describe, expect, it } from 'vitest';
import { firstSyntaxError, parsePhp, patchGrammarGaps } from '../../src/lang/php.js';

/** Valid PHP that tree-sitter-php 0.24 rejects, seen in real projects (pixelfed, firefly-iii). */
const VALID_BUT_REJECTED = {
  'group use with a trailing comma': '<?php\nuse App\\Transformer\\Api\\{\n    RelationshipTransformer,\n};\n$x = env("A");\n',
  'group use with a trailing comma and a comment': '<?php\nuse App\\Api\\{\n  A,\n  B,\n  // C,\n};\n$x = env("A");\n',
  'PHP 8.5 clone with arguments': '<?php\n$copy = clone($point, ["x" => 1]);\n$x = env("A");\n',
  // freescout's copy of symfony/var-dumper (Cloner/Data.php)
  'a keyword-named property in a string': '<?php\n$keys[] = "\\0$item->class\\0$key";\n$x = env("A");\n',
  'keyword-named properties in a heredoc and backticks': '<?php\n$a = <<<EOT\n$o->default $o->function\nEOT;\n$b = `ls $o->match`;\n$x = env("A");\n',
};

describe('patchGrammarGaps', () => {
  it.each(Object.entries(VALID_BUT_REJECTED))('%s parses cleanly and keeps every offset', async (_name, source) => {
    const patched = patchGrammarGaps(source);
    expect(patched.length).toBe(source.length);
    expect(patched.indexOf('env(')).toBe(source.indexOf('env('));
    const tree = await parsePhp(source);
    try {
      expect(firstSyntaxError(tree)).toBeUndefined();
    } finally {
      tree.delete();
    }
  });

  it('leaves method calls and declarations named clone alone', () => {
    const source = '<?php\n$d->clone(); Foo::clone(); function clone() {}\n';
    expect(patchGrammarGaps(source)).toBe(source);
  });

  it('leaves keyword-named method calls and longer property names alone', () => {
    const source = '<?php\n$q->match($x); $r->use ([]); $o->classes; "$o->classic"; Foo::class;\n';
    expect(patchGrammarGaps(source)).toBe(source);
  });

  it('still reports real syntax errors', async () => {
    const tree = await parsePhp('<?php\nfunction (\n');
    try {
      expect(firstSyntaxError(tree)).toBeDefined();
    } finally {
      tree.delete();
    }
  });
});
