import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { SourceFileRef } from '../engine/runner.js';
import { languageOf, type Language } from '../lang/source-text.js';

/** Folders that never hold the project's own code: dependencies, VCS data, build output, runtime state. */
const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', 'vendor', 'node_modules', '.statelint-tmp']);
const SKIPPED_PATHS = ['storage/', 'bootstrap/cache/', 'public/build/', 'public/vendor/'];
/** Tooling files that are never run: dotfiles (.phpstorm.meta.php, .php-cs-fixer.php) and generated IDE helpers. */
const TOOLING_FILE = /^(?:\.|_ide_helper)/;

/**
 * Lists the project's source files in the given languages. Skips dependency and runtime folders,
 * anything the root .gitignore ignores, and --ignore patterns (gitignore syntax). A hand-written
 * walk prunes ignored folders before reading them, which a glob library cannot do with .gitignore
 * rules; symbolic links are not followed.
 */
export function discoverFiles(root: string, languages: Language[], extraIgnores: string[] = []): SourceFileRef[] {
  if (!languages.length) return [];
  const rules = ignore().add(extraIgnores);
  const gitignore = path.join(root, '.gitignore');
  if (existsSync(gitignore)) {
    try {
      rules.add(readFileSync(gitignore, 'utf8'));
    } catch {
      // an unreadable .gitignore only means fewer files are skipped
    }
  }
  const out: SourceFileRef[] = [];
  walk(root, '', rules, languages, out);
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

function walk(dir: string, rel: string, rules: Ignore, languages: Language[], out: SourceFileRef[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // unreadable folder: nothing to audit there
  }
  for (const e of entries) {
    if (TOOLING_FILE.test(e.name)) continue;
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (SKIPPED_NAMES.has(e.name) || SKIPPED_PATHS.includes(`${childRel}/`) || rules.ignores(`${childRel}/`)) continue;
      walk(path.join(dir, e.name), childRel, rules, languages, out);
    } else if (e.isFile()) {
      const language = languageOf(e.name);
      if (!language || !languages.includes(language) || rules.ignores(childRel)) continue;
      out.push({ path: childRel, absolute: path.join(dir, e.name), language });
    }
  }
}
