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
 * symbolic links are not followed. With `within` (project paths: files or folders), only those are
 * walked, with the same answer as the whole walk filtered to them: a partial run of a few files in a
 * large app does not list all of it.
 */
export function discoverFiles(fs: ProjectFs, languages: LanguageId[], extraIgnores: string[] = [], within?: string[]): Discovery {
  const out: Discovery = { files: [], unreadable: [] };
  if (!languages.length) return out;
  const rules = ignore().add(extraIgnores);
  if (fs.exists('.gitignore') === 'file') {
    const gitignore = fs.read('.gitignore');
    // an unreadable .gitignore only means fewer files are skipped
    if (gitignore.ok) rules.add(gitignore.text);
  }
  const walker = new Walker(fs, rules, languages, out);
  if (!within || within.some((p) => p === '.' || p === '')) walker.walk('');
  else for (const p of new Set(within)) walker.visit(p);
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Named paths may overlap (a folder and a file in it): each file once.
  out.files = out.files.filter((f, i) => i === 0 || f.path !== out.files[i - 1].path);
  return out;
}

class Walker {
  constructor(
    private readonly fs: ProjectFs,
    private readonly rules: Ignore,
    private readonly languages: LanguageId[],
    private readonly out: Discovery,
  ) {}

  walk(rel: string): void {
    const entries = this.fs.list(rel || '.');
    if (!entries) {
      this.out.unreadable.push(rel || '.');
      return;
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.kind === 'dir') {
        if (this.takesFolder(childRel)) this.walk(childRel);
      } else this.takeFile(childRel);
    }
  }

  /** One named path: kept only if the whole walk would reach it (no skipped or ignored folder above it). */
  visit(rel: string): void {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) if (!this.takesFolder(parts.slice(0, i).join('/'))) return;
    const kind = this.fs.exists(rel);
    if (kind === 'dir') {
      if (this.takesFolder(rel)) this.walk(rel);
    } else if (kind === 'file') this.takeFile(rel);
  }

  private takesFolder(rel: string): boolean {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    return !TOOLING_FILE.test(name) && !SKIPPED_NAMES.has(name) && !SKIPPED_PATHS.includes(`${rel}/`) && !this.rules.ignores(`${rel}/`);
  }

  private takeFile(rel: string): void {
    const name = rel.slice(rel.lastIndexOf('/') + 1);
    if (TOOLING_FILE.test(name)) return;
    const language = languageOf(name);
    if (!language || !this.languages.includes(language) || this.rules.ignores(rel)) return;
    this.out.files.push({ path: rel, language });
  }
}
