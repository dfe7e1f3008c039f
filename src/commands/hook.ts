import { Command, Option } from 'commander';
import type { CliIO, FailOn } from './output.js';
import type { Change } from './hooks/systems.js';

export interface HookFlags {
  preCommit?: boolean;
  prePush?: boolean;
  force?: boolean;
  failOn?: FailOn;
}

/**
 * `statelint hook install|uninstall`: the options are declared here (help, usage errors); what the commands do
 * (./hooks/install.ts and the hook systems) loads only when one runs.
 */
export function registerHookCommand(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const hook = program.command('hook').description('install or remove the git hook that runs statelint (git hooks, husky, lefthook; the pre-commit framework gets its entry printed)');
  const print = (changes: Change[]) => {
    io.stdout(changes.map((c) => `${c.message}\n`).join(''));
    setExit(0);
  };
  hook
    .command('install')
    .description('add a pre-commit (default) or pre-push hook that runs the audit; an existing hook is kept and runs first')
    .argument('[path]', 'project folder inside the git repository', '.')
    .option('--pre-commit', 'install the pre-commit hook (the default)')
    .option('--pre-push', 'install the pre-push hook')
    .addOption(new Option('--fail-on <level>', 'the hook fails at or above this level').choices(['error', 'warning', 'info', 'never']).default('warning'))
    .option('--force', 'replace an existing hook that cannot be chained (it is kept and restored by uninstall)')
    .action(async (target: string, flags: HookFlags) => print((await import('./hooks/install.js')).installHooks(target, flags)));
  hook
    .command('uninstall')
    .description('remove what hook install added and restore the hook that was there before')
    .argument('[path]', 'project folder inside the git repository', '.')
    .option('--pre-commit', 'only the pre-commit hook')
    .option('--pre-push', 'only the pre-push hook')
    .action(async (target: string, flags: HookFlags) => print((await import('./hooks/install.js')).uninstallHooks(target, flags)));
}
