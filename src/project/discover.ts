import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import ignore from 'ignore';

import { languageOf } from '../lang/source-text.js';
import type { SourceFileRef } from '../engine/runner.js';

/** Directories that never hold the project's own code (dependencies, build output, runtime state). */
export const ALWAYS_IGNORED = [
  '**/.git/**',
  '**/vendor/**',
  '**/node_modules/**',
  'storage/**',
  'bootstrap/cache/**',
  'public/build/**',
  'public/vendor/**',
  '**/.statelint-tmp/**',
];

/** Lists the project's source files (PHP, Blade, TS/JS), honouring .gitignore and --ignore patterns. */
export function discoverFiles(root: string, extraIgnores: string[] = []): SourceFileRef[] {
  // Synchronous on purpose: thousands of small async stat calls cost more than they overlap here.
  const entries = fg.sync(['**/*.{php,ts,tsx,mts,cts,js,jsx,mjs,cjs}'], {
    cwd: root,
    ignore: [...ALWAYS_IGNORED, ...extraIgnores],
    dot: false,
    onlyFiles: true,
    followSymbolicLinks: false,
    stats: true,
    suppressErrors: true,
  });
  const gitignore = loadGitignore(root);
  const out: SourceFileRef[] = [];
  for (const e of entries) {
    if (gitignore?.ignores(e.path)) continue;
    const language = languageOf(e.path);
    if (!language) continue;
    out.push({ path: e.path, absolute: path.join(root, e.path), size: e.stats?.size ?? 0, language });
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

function loadGitignore(root: string) {
  const file = path.join(root, '.gitignore');
  if (!existsSync(file)) return undefined;
  try {
    return ignore().add(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
