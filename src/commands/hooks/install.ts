import path from 'node:path';
import type { HookFlags } from '../hook.js';
import type { FailOn } from '../output.js';
import {
  huskyDir,
  installGitHook,
  installHusky,
  installLefthook,
  lefthookFile,
  openRepo,
  preCommitConfig,
  preCommitSnippet,
  uninstallGitHook,
  uninstallHusky,
  uninstallLefthook,
  type Change,
  type HookName,
} from './systems.js';

/** What each installed hook runs after `statelint` (one place for all hook systems). */
export const HOOK_AUDIT: Record<HookName, readonly string[]> = {
  // A commit is judged by what it records (the index); a push by everything changed on the branch.
  'pre-commit': ['audit', '--staged'],
  'pre-push': ['audit', '--changed'],
};

export const hookArgs = (hook: HookName, failOn: FailOn): string[] => [...HOOK_AUDIT[hook], '--fail-on', failOn];

const hooksOf = (flags: HookFlags, fallback: HookName[]): HookName[] => {
  const named: HookName[] = [...(flags.preCommit ? (['pre-commit'] as const) : []), ...(flags.prePush ? (['pre-push'] as const) : [])];
  return named.length ? named : fallback;
};

/** Installs the hook(s) into the hook system the repository uses; returns the lines to print. */
export function installHooks(target: string, flags: HookFlags): Change[] {
  const repo = openRepo(target);
  const hooks = hooksOf(flags, ['pre-commit']);
  const failOn = flags.failOn ?? 'warning';
  const husky = huskyDir(repo);
  if (husky) return hooks.map((h) => installHusky(repo, husky, h, hookArgs(h, failOn)));
  const lefthook = lefthookFile(repo);
  if (lefthook) return hooks.map((h) => installLefthook(repo, lefthook, h, hookArgs(h, failOn)));
  const framework = preCommitConfig(repo);
  if (framework) {
    const shown = path.relative(process.cwd(), framework) || framework;
    return [{ noop: true, message: `${shown}: this repository runs its hooks with the pre-commit framework, which owns .git/hooks; statelint wrote nothing. Add this to ${shown}, then run pre-commit install${hooks.includes('pre-push') ? ' --hook-type pre-push' : ''}:\n${preCommitSnippet(repo, hooks)}` }];
  }
  return hooks.map((h) => installGitHook(repo, h, hookArgs(h, failOn), !!flags.force));
}

/** Removes what install wrote, from every hook system (the repository may have changed since), and restores what was there. */
export function uninstallHooks(target: string, flags: HookFlags): Change[] {
  const repo = openRepo(target);
  const hooks = hooksOf(flags, ['pre-commit', 'pre-push']);
  const out: Change[] = [];
  const husky = huskyDir(repo);
  const lefthook = lefthookFile(repo);
  for (const h of hooks) {
    const git = uninstallGitHook(repo, h);
    if (git) out.push(git);
    const hu = husky && uninstallHusky(repo, husky, h);
    if (hu) out.push(hu);
    const lh = lefthook && uninstallLefthook(repo, lefthook, h);
    if (lh) out.push(lh);
  }
  if (out.length === 0) out.push({ noop: true, message: `no statelint ${hooks.join(' or ')} hook is installed here; nothing removed` });
  return out;
}

