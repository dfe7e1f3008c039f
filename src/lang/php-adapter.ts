import { bladeToShadowPhp } from './blade.js';
import type { LanguageAdapter, ParsedFile } from './adapter.js';
import { firstSyntaxError, nodesAtMatches, parsePhp, type SyntaxNode, type Tree } from './php.js';

function wrap(tree: Tree, text: string): ParsedFile<SyntaxNode> {
  return {
    root: tree.rootNode,
    nodesAt: (pattern) => nodesAtMatches(tree, text, pattern),
    firstError: () => firstSyntaxError(tree)?.startIndex,
    dispose: () => tree.delete(),
  };
}

const span = (n: SyntaxNode) => [n.startIndex, n.endIndex] as const;

export const phpAdapter: LanguageAdapter<SyntaxNode> = {
  id: 'php',
  comments: { line: ['//', '#'], block: [['/*', '*/']] },
  parse: async (text) => wrap(await parsePhp(text), text),
  span,
};

/**
 * Blade is parsed as its shadow PHP (same length and line breaks), so offsets are template offsets.
 * A trailing ';' closes a directive that ends the template; offsets inside the template are unchanged.
 */
export const bladeAdapter: LanguageAdapter<SyntaxNode> = {
  id: 'blade',
  comments: { line: ['//', '#'], block: [['{{--', '--}}'], ['/*', '*/']] },
  parse: async (text) => wrap(await parsePhp(bladeToShadowPhp(text).shadow + '\n;', true), text),
  span,
};
