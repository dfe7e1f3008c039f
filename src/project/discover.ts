import ignore, { type Ignore } from 'ignore';
import { languageOf, type LanguageId } from '../lang/adapter.js';
import type { SourceFileRef } from '../engine/runner.js';
import type { ProjectFs } from './fs.js';

export type { SourceFileRef };

/** Folders that never hold the project's own code: dependencies, VCS data, build output, runtime state. */
const SKIPPED_NAMES = new Set(['.git', '.hg', '.svn', 'vendor', 'node_modules', '.statelint-tmp']);
const SKIPPED_PATHS = ['storage/', 'bootstrap/cache/', 'public/build/', 'public/vendor/'];
/** Tooling files that are never run: dotfiles (.phpstorm.meta.php, .php-cs-fixer.php) and generated IDE helpers. */
const TOOLING_FILE = /^(?:\.|_ide_helper)/;

export interface Discovery {
  files: SourceFileRef[];
  /** Folders that could not be listed: their files were not audited. */
  unreadable: string[];
}

/**
 * Lists the project's source files in the given languages. Skips dependency and runtime folders,
 * anything the root .gitignore ignores, and --ignore patterns (gitignore syntax). The walk prunes
 * ignored folders before reading them, which a glob library cannot do with .gitignore rules;
 * symbolic links are not followed.
 */
export function discoverFiles(fs: ProjectFs, languages: LanguageId[], extraIgnores: string[] = []): Discovery {
  const out: Discovery = { files: [], unreadable: [] };
  if (!languages.length) return out;
  const rules = ignore().add(extraIgnores);
  if (fs.exists('.gitignore') === 'file') {
    const gitignore = fs.read('.gitignore');
    // an unreadable .gitignore only means fewer files are skipped
    if (gitignore.ok) rules.add(gitignore.text);
  }
  walk(fs, '', rules, languages, out);
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

function walk(fs: ProjectFs, rel: string, rules: Ignore, languages: LanguageId[], out: Discovery): void {
  const entries = fs.list(rel || '.');
  if (!entries) {
    out.unreadable.push(rel || '.');
    return;
  }
  for (const e of entries) {
    if (TOOLING_FILE.test(e.name)) continue;
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.kind === 'dir') {
      if (SKIPPED_NAMES.has(e.name) || SKIPPED_PATHS.includes(`${childRel}/`) || rules.ignores(`${childRel}/`)) continue;
      walk(fs, childRel, rules, languages, out);
    } else {
      const language = languageOf(e.name);
      if (!language || !languages.includes(language) || rules.ignores(childRel)) continue;
      out.files.push({ path: childRel, language });
    }
  }
}
