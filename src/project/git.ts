import { execFileSync, spawn } from 'node:child_process';
import { diskIndexFiles, GitIndexFs } from './fs.js';
import { readGitIndex } from './git-index.js';

/** git plumbing for partial runs (--staged, --changed); paths come back relative to `cwd`. */
function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

const list = (out: string) => out.split('\0').filter(Boolean);

export function isGitWorkTree(cwd: string): boolean {
  try {
    return git(cwd, ['rev-parse', '--is-inside-work-tree']).trim() === 'true';
  } catch {
    return false;
  }
}

const STAGED = ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--relative'];

/**
 * A --staged run's inputs: the index as a file system, and the files added, copied, modified or renamed in
 * it (what the next commit changes, under cwd). The index file is read directly when its reader is sure
 * (src/project/git-index.ts), else listed by `git ls-files` in a second process started at the same time: a
 * hook's time is mostly process start-up. Rejects outside a work tree (the diff fails; the caller says so).
 */
export async function stagedSnapshot(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ fs: GitIndexFs; staged: string[] }> {
  const diff = gitOutput(cwd, STAGED, env);
  // Read while git starts: the diff's promise is awaited below, so its failure still rejects.
  const index = readGitIndex(cwd, diskIndexFiles, env);
  const [listing, staged] = await Promise.all([index ?? gitOutput(cwd, GitIndexFs.LIST, env), diff]);
  return { fs: new GitIndexFs(cwd, listing), staged: list(staged.toString('utf8')) };
}

/**
 * The standard output of a git process, which rejects unless git exits 0. Only stdout is a pipe: each pipe is a
 * socket for Node to set up, part of the ~15 ms a hook run spends starting its one git process.
 */
function gitOutput(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args[0]} exited with ${code ?? signal}`))));
  });
}

/** Files changed since `base` in the work tree, plus untracked files that are not ignored, under cwd. */
export function changedFiles(cwd: string, base: string): string[] {
  const changed = list(git(cwd, ['diff', '--name-only', '-z', '--diff-filter=ACMR', '--relative', base]));
  const untracked = list(git(cwd, ['ls-files', '--others', '--exclude-standard', '-z']));
  return [...new Set([...changed, ...untracked])].sort();
}

/**
 * The merge base of HEAD with the default branch (origin's HEAD, else main or master, local or on
 * origin). A base equal to HEAD compares nothing (e.g. pushing main itself): the next candidate, such
 * as the upstream that is being pushed to, is tried first.
 */
export function defaultBase(cwd: string): string | undefined {
  const candidates: string[] = [];
  try {
    candidates.push(git(cwd, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']).trim());
  } catch {
    // no remote HEAD: try the usual branch names
  }
  candidates.push('main', 'master', '@{upstream}', 'origin/main', 'origin/master');
  let head: string | undefined;
  let found: string | undefined;
  try {
    head = git(cwd, ['rev-parse', 'HEAD']).trim();
  } catch {
    return undefined; // no commit yet
  }
  for (const ref of candidates) {
    try {
      const base = git(cwd, ['merge-base', 'HEAD', ref]).trim();
      if (base !== head) return base;
      found ??= base;
    } catch {
      // that ref does not exist here
    }
  }
  return found;
}

export function revisionExists(cwd: string, rev: string): boolean {
  try {
    git(cwd, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}
