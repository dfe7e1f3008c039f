import type { FileChange } from './types.js';

const CONTEXT_LINES = 3;

/**
 * A unified diff of the changed files in path order, with `a/` and `b/` headers so `git apply` and `patch -p1`
 * take it. Lines keep their own endings, so a CRLF file's lines show (and apply) with their CR.
 */
export async function unifiedDiff(changes: readonly FileChange[]): Promise<string> {
  // Loaded on use: only --fix/--diff need it, and its 25 modules cost a hook run ~25 ms.
  const { createTwoFilesPatch, FILE_HEADERS_ONLY } = await import('diff');
  return changes
    .filter((c) => c.before !== c.after)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((c) => createTwoFilesPatch(`a/${c.file}`, `b/${c.file}`, c.before, c.after, undefined, undefined, { context: CONTEXT_LINES, headerOptions: FILE_HEADERS_ONLY }))
    .join('');
}
