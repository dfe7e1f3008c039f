import { execFile } from 'node:child_process';

/**
 * The two git processes a `--staged` run starts with: the index with its blob ids, and the files the next commit
 * changes. They are this module's alone (no other import), so `bin/statelint.js` can start them before the CLI
 * loads: a pre-commit hook then waits for git during module loading instead of after it.
 */
export const INDEX_LISTING = ['ls-files', '--stage', '-z'];
export const STAGED_FILES = ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--relative'];

type Outputs = Promise<[listing: Buffer, staged: Buffer]>;

let early: { cwd: string; outputs: Outputs } | undefined;

function runGit(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** Both at once: a hook's time is mostly process start-up. */
function start(cwd: string): Outputs {
  return Promise.all([runGit(cwd, INDEX_LISTING), runGit(cwd, STAGED_FILES)]);
}

/** Called by bin/statelint.js before the CLI loads, when `--staged` is on the command line. */
export function prefetchStagedGit(cwd: string): void {
  const outputs = start(cwd);
  outputs.catch(() => undefined); // used, and its failure reported, only if the run audits this folder's index
  early = { cwd, outputs };
}

/** The outputs for `cwd`: the ones started early when they were for this folder, else started now. */
export function stagedGitOutputs(cwd: string): Outputs {
  const taken = early;
  early = undefined;
  return taken?.cwd === cwd ? taken.outputs : start(cwd);
}
