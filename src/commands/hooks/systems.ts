import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/**
 * The hook systems `statelint hook install|uninstall` writes to: plain git hooks (core.hooksPath
 * respected, an existing hook chained), husky (`.husky/<hook>`), lefthook (`lefthook.yml`), and the
 * pre-commit framework (never edited: its config pins revisions, so the entry is printed).
 * Everything written is marked so that uninstall removes exactly that and restores what was there.
 */

export type HookName = 'pre-commit' | 'pre-push';

export interface Repo {
  /** the work tree's top folder */
  top: string;
  /** the project folder relative to `top`, '' when it is the top */
  project: string;
  /** where git looks for hooks (`git rev-parse --git-path hooks`: core.hooksPath or .git/hooks) */
  hooksDir: string;
  /** core.hooksPath as configured, if set */
  hooksPath?: string;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\n$/, '');
  } catch {
    return undefined;
  }
}

export function openRepo(target: string): Repo {
  const abs = path.resolve(target);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`${target} is not a folder: give the project folder inside a git repository`);
  const top = git(abs, ['rev-parse', '--show-toplevel']);
  if (!top) throw new UsageError(`${target} is not inside a git work tree: run git init (or git clone) first`);
  const hooks = git(top, ['rev-parse', '--git-path', 'hooks']);
  if (!hooks) throw new UsageError(`git could not say where the hooks of ${top} live`);
  const project = path.relative(top, abs).split(path.sep).join('/');
  return { top, project, hooksDir: path.resolve(top, hooks), hooksPath: git(top, ['config', '--get', 'core.hooksPath']) || undefined };
}

// ---------------------------------------------------------------------------------------------
// Marked blocks (husky files, lefthook.yml): "# >>> statelint hook <name> [flags] >>>" ... "<<<"

const begin = (hook: HookName, flags: string[]) => `# >>> statelint hook ${hook}${flags.length ? ` [${flags.join(',')}]` : ''} >>> (statelint hook uninstall removes this block)`;
const end = (hook: HookName) => `# <<< statelint hook ${hook} <<<`;

interface Found {
  start: number;
  stop: number;
  flags: string[];
  body: string;
}

function findBlock(text: string, hook: HookName): Found | undefined {
  const re = new RegExp(`^[ \\t]*# >>> statelint hook ${hook}(?: \\[([\\w,]*)\\])? >>>.*\\n([\\s\\S]*?)^[ \\t]*# <<< statelint hook ${hook} <<<[^\\n]*(?:\\n|$)`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  return { start: m.index, stop: m.index + m[0].length, flags: m[1] ? m[1].split(',') : [], body: m[2]! };
}

/** Removes the block (and the newline it added before itself); `null` when the file should go (it made it). */
function withoutBlock(text: string, found: Found, createdPrefix = ''): string | null {
  const start = found.flags.includes('newline') && text[found.start - 1] === '\n' ? found.start - 1 : found.start;
  const rest = text.slice(0, start) + text.slice(found.stop);
  if (found.flags.includes('created') && rest === createdPrefix) return null;
  return rest;
}

const indentLines = (lines: string[], indent: string) => lines.map((l) => (l ? indent + l : l));

// ---------------------------------------------------------------------------------------------
// The shell that starts statelint

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Shell lines that run `statelint <args>` from the project folder: the project's own install
 * (node_modules/.bin), else a statelint on PATH, else npx without installing anything.
 */
export function runnerLines(repo: Repo, args: readonly string[]): string[] {
  const cmd = args.map((a) => (/^[\w./=:@-]+$/.test(a) ? a : shQuote(a))).join(' ');
  return [
    ...(repo.project ? [`cd ${shQuote(repo.project)} || exit 1`] : []),
    'if [ -x node_modules/.bin/statelint ]; then statelint=node_modules/.bin/statelint',
    'elif command -v statelint >/dev/null 2>&1; then statelint=statelint',
    'else statelint="npx --no-install statelint"; fi',
    `$statelint ${cmd}`,
  ];
}

export interface Change {
  /** one line for the user */
  message: string;
  /** nothing was written */
  noop?: boolean;
}

const rel = (repo: Repo, file: string) => path.relative(process.cwd(), file) || file;

function writeExecutable(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { mode: 0o755 });
  chmodSync(file, 0o755);
}

// ---------------------------------------------------------------------------------------------
// Plain git hooks

const GIT_MARK = '# statelint-hook:';
const CHAINED = '.statelint-chained';
const REPLACED = '.statelint-replaced';

export function gitHookScript(repo: Repo, hook: HookName, args: readonly string[]): string {
  return [
    '#!/bin/sh',
    `${GIT_MARK} ${hook}, written by \`statelint hook install\`; \`statelint hook uninstall\` removes it`,
    `# and puts back the hook that was here before (kept as ${hook}${CHAINED}, which runs first).`,
    'hook_dir=$(dirname -- "$0")',
    `if [ -x "$hook_dir/${hook}${CHAINED}" ]; then`,
    `  "$hook_dir/${hook}${CHAINED}" "$@" || exit $?`,
    'fi',
    ...runnerLines(repo, args),
    '',
  ].join('\n');
}

const isOurGitHook = (file: string) => {
  try {
    return lstatSync(file).isFile() && readFileSync(file, 'utf8').includes(GIT_MARK);
  } catch {
    return false;
  }
};

/** Why an existing hook cannot be run first from statelint's hook (undefined: it can). */
function notChainable(file: string, hook: HookName): string | undefined {
  let st;
  try {
    st = statSync(file);
  } catch {
    return 'is a link to nothing';
  }
  if (!st.isFile()) return 'is not a file';
  if (existsSync(file + CHAINED)) return `sits next to an older ${hook}${CHAINED}, which statelint would overwrite`;
  const head = readFileSync(file).subarray(0, 64 * 1024).toString('latin1');
  if (/File generated by pre-commit/.test(head)) return 'was generated by the pre-commit framework (which rewrites it on its next install; add statelint to .pre-commit-config.yaml instead)';
  if (/lefthook/i.test(head)) return 'was generated by lefthook (which rewrites it; add statelint to lefthook.yml instead)';
  if (/husky/i.test(head)) return 'was generated by husky (add statelint to .husky/ instead)';
  return undefined;
}

export function installGitHook(repo: Repo, hook: HookName, args: readonly string[], force: boolean): Change {
  const file = path.join(repo.hooksDir, hook);
  const script = gitHookScript(repo, hook, args);
  const where = rel(repo, file) + (repo.hooksPath ? ' (core.hooksPath)' : '');
  let exists = true;
  try {
    lstatSync(file);
  } catch {
    exists = false;
  }
  if (!exists) {
    writeExecutable(file, script);
    return { message: `installed ${where}: runs statelint ${args.join(' ')}` };
  }
  if (isOurGitHook(file)) {
    if (readFileSync(file, 'utf8') === script) return { message: `already installed: ${where}`, noop: true };
    writeExecutable(file, script);
    return { message: `updated ${where}: runs statelint ${args.join(' ')}` };
  }
  const why = notChainable(file, hook);
  if (!why) {
    renameSync(file, file + CHAINED);
    writeExecutable(file, script);
    return { message: `installed ${where}: the existing hook is kept as ${hook}${CHAINED} and runs first, then statelint ${args.join(' ')}` };
  }
  if (!force) throw new UsageError(`${where} already exists and ${why}; statelint left it alone. --force replaces it (kept as ${hook}${REPLACED} and restored by statelint hook uninstall)`);
  if (existsSync(file + REPLACED)) throw new UsageError(`${rel(repo, file + REPLACED)} already exists: move it away first, statelint keeps the replaced hook there`);
  renameSync(file, file + REPLACED);
  writeExecutable(file, script);
  return { message: `installed ${where}, replacing the existing hook (kept as ${hook}${REPLACED}; statelint hook uninstall restores it)` };
}

export function uninstallGitHook(repo: Repo, hook: HookName): Change | undefined {
  const file = path.join(repo.hooksDir, hook);
  if (!isOurGitHook(file)) return undefined;
  rmSync(file);
  for (const kept of [CHAINED, REPLACED]) {
    if (existsSync(file + kept) || isLink(file + kept)) {
      renameSync(file + kept, file);
      return { message: `removed ${rel(repo, file)} and restored the hook that was there before` };
    }
  }
  return { message: `removed ${rel(repo, file)}` };
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// husky: one shell file per hook in .husky/ (husky 9 runs it through core.hooksPath=.husky/_)

const HUSKY_SHEBANG = '#!/usr/bin/env sh\n';

export function huskyDir(repo: Repo): string | undefined {
  if (repo.hooksPath && /(^|\/)\.husky(\/_)?\/?$/.test(repo.hooksPath)) return path.resolve(repo.top, repo.hooksPath.replace(/\/_\/?$|\/$/, ''));
  for (const dir of [path.join(repo.top, repo.project, '.husky'), path.join(repo.top, '.husky')]) if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  return undefined;
}

function huskyBlock(repo: Repo, hook: HookName, args: readonly string[], flags: string[]): string {
  // a subshell: the cd and the variable do not leak into lines the user adds after the block
  return [begin(hook, flags), '(', ...indentLines(runnerLines(repo, args), '  '), ') || exit $?', end(hook), ''].join('\n');
}

export function installHusky(repo: Repo, dir: string, hook: HookName, args: readonly string[]): Change {
  const file = path.join(dir, hook);
  const where = rel(repo, file);
  const hint = repo.hooksPath ? '' : ' (husky is not active in this clone yet: run npx husky, or npm install if package.json runs it)';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : null;
  // an earlier install is taken out first, so installing again with the same options changes nothing
  const found = text === null ? undefined : findBlock(text, hook);
  const base = text === null ? null : found ? withoutBlock(text, found, HUSKY_SHEBANG) : text;
  let next: string;
  if (base === null) {
    next = HUSKY_SHEBANG + huskyBlock(repo, hook, args, ['created']);
  } else {
    const last = base.split('\n').filter(contentLine).pop() ?? '';
    if (/^\s*exec\s/.test(last)) throw new UsageError(`${where} ends with \`${last.trim()}\`, so anything added after it never runs; statelint left it alone. Add this line before it: npx --no-install statelint ${args.join(' ')}`);
    const newline = base.length > 0 && !base.endsWith('\n');
    next = base + (newline ? '\n' : '') + huskyBlock(repo, hook, args, newline ? ['newline'] : []);
  }
  if (next === text) return { message: `already installed: ${where}`, noop: true };
  if (text === null) writeExecutable(file, next);
  else writeFileSync(file, next);
  if (found) return { message: `updated ${where}: runs statelint ${args.join(' ')}` };
  return { message: `installed ${where}: ${base === null ? 'runs' : 'after the commands already there, runs'} statelint ${args.join(' ')}${hint}` };
}

export function uninstallHusky(repo: Repo, dir: string, hook: HookName): Change | undefined {
  const file = path.join(dir, hook);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const found = findBlock(text, hook);
  if (!found) return undefined;
  const rest = withoutBlock(text, found, HUSKY_SHEBANG);
  if (rest === null) rmSync(file);
  else writeFileSync(file, rest);
  return { message: rest === null ? `removed ${rel(repo, file)}` : `removed the statelint block from ${rel(repo, file)}` };
}

// ---------------------------------------------------------------------------------------------
// lefthook: a `statelint` command under `<hook>: commands:` in lefthook.yml

const LEFTHOOK_FILES = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml', '.config/lefthook.yml', '.config/lefthook.yaml'];
const LEFTHOOK_OTHER = ['lefthook.json', 'lefthook.toml', '.lefthook.json', '.lefthook.toml'];

export function lefthookFile(repo: Repo): string | undefined {
  const yml = LEFTHOOK_FILES.map((f) => path.join(repo.top, f)).find((f) => existsSync(f));
  if (yml) return yml;
  const other = LEFTHOOK_OTHER.find((f) => existsSync(path.join(repo.top, f)));
  if (other) throw new UsageError(`this repository configures lefthook in ${other}, which statelint does not edit: add a pre-commit command that runs \`npx --no-install statelint audit\` there`);
  return undefined;
}

const lefthookRun = (args: readonly string[]) => `npx --no-install statelint ${args.join(' ')}`;

/** The `statelint:` entry (key, run, root) at indentation `unit` per level. */
function lefthookEntry(repo: Repo, args: readonly string[], unit: string): string[] {
  return ['statelint:', `${unit}run: ${lefthookRun(args)}`, ...(repo.project ? [`${unit}root: "${repo.project}/"`] : [])];
}

const contentLine = (l: string) => l.trim() !== '' && !l.trim().startsWith('#');
const indentOf = (l: string) => /^[ ]*/.exec(l)![0];

export function installLefthook(repo: Repo, file: string, hook: HookName, args: readonly string[]): Change {
  const where = rel(repo, file);
  const text = readFileSync(file, 'utf8');
  const found = findBlock(text, hook);
  // an earlier install is taken out first, so installing again with the same options changes nothing
  const base = found ? (withoutBlock(text, found) ?? '') : text;
  const lines = base.split('\n');
  let next: string;
  const keyAt = lines.findIndex((l) => new RegExp(`^${hook}:`).test(l));
  if (keyAt < 0) {
    const newline = base.length > 0 && !base.endsWith('\n');
    const block = [begin(hook, newline ? ['newline'] : []), `${hook}:`, '  commands:', ...indentLines(lefthookEntry(repo, args, '  '), '    '), end(hook), ''].join('\n');
    next = base + (newline ? '\n' : '') + block;
  } else {
    if (!/^[\w-]+:\s*(#.*)?$/.test(lines[keyAt]!)) throw new UsageError(`${where}: ${hook} is written inline (${lines[keyAt]!.trim()}); add a statelint command to it by hand: run: ${lefthookRun(args)}`);
    let stop = keyAt + 1;
    while (stop < lines.length && !(contentLine(lines[stop]!) && indentOf(lines[stop]!) === '')) stop++;
    const section = lines.slice(keyAt + 1, stop);
    const child = indentOf(section.find(contentLine) ?? '  ') || '  ';
    const commandsAt = section.findIndex((l) => l.startsWith(`${child}commands:`));
    let insertAt: number;
    let block: string[];
    if (commandsAt < 0) {
      insertAt = keyAt + 1;
      block = [begin(hook, []), 'commands:', ...indentLines(lefthookEntry(repo, args, child), child), end(hook)].map((l) => child + l);
    } else {
      const commandsLine = section[commandsAt]!;
      if (!/^\s*commands:\s*(#.*)?$/.test(commandsLine)) throw new UsageError(`${where}: ${hook}.commands is written inline (${commandsLine.trim()}); add a statelint command to it by hand: run: ${lefthookRun(args)}`);
      const first = section.slice(commandsAt + 1).find(contentLine);
      const entryIndent = first && indentOf(first).length > child.length ? indentOf(first) : child + child;
      const names = section.slice(commandsAt + 1).filter((l) => contentLine(l) && indentOf(l) === entryIndent);
      if (names.some((l) => /^\s*statelint:/.test(l))) return { message: `${where} already has a ${hook} command named statelint (not written by statelint hook install); left as it is`, noop: true };
      insertAt = keyAt + 1 + commandsAt + 1;
      block = [begin(hook, []), ...lefthookEntry(repo, args, child), end(hook)].map((l) => entryIndent + l);
    }
    next = [...lines.slice(0, insertAt), ...block, ...lines.slice(insertAt)].join('\n');
  }
  if (next === text) return { message: `already installed: ${where} (${hook}.commands.statelint)`, noop: true };
  writeFileSync(file, next);
  let hookActive = false;
  try {
    hookActive = readFileSync(path.join(repo.hooksDir, hook), 'utf8').includes('lefthook');
  } catch {
    // no hook yet
  }
  const hint = hookActive ? '' : ` (run lefthook install so that git runs lefthook's ${hook} hook)`;
  return { message: `${found ? 'updated' : 'installed'} ${where}: ${hook}.commands.statelint runs ${lefthookRun(args)}${hint}` };
}

export function uninstallLefthook(repo: Repo, file: string, hook: HookName): Change | undefined {
  const text = readFileSync(file, 'utf8');
  const found = findBlock(text, hook);
  if (!found) return undefined;
  writeFileSync(file, withoutBlock(text, found) ?? '');
  return { message: `removed ${hook}.commands.statelint from ${rel(repo, file)}` };
}

// ---------------------------------------------------------------------------------------------
// the pre-commit framework

export function preCommitConfig(repo: Repo): string | undefined {
  const file = path.join(repo.top, '.pre-commit-config.yaml');
  return existsSync(file) ? file : undefined;
}

export function preCommitSnippet(repo: Repo, hooks: HookName[]): string {
  return [
    'repos:',
    '  - repo: <statelint git URL>   # e.g. https://github.com/OWNER/statelint',
    '    rev: <tag or commit>',
    '    hooks:',
    '      - id: statelint',
    ...(repo.project ? [`        args: [--fail-on, warning, ${repo.project}]`] : []),
    ...(hooks.includes('pre-push') ? [`        stages: [${hooks.join(', ')}]`] : []),
  ].join('\n');
}
