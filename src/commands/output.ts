import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import type { Severity } from '../engine/finding.js';
import { formatter, type Format } from '../report/index.js';
import type { FormatInput } from '../report/model.js';
import { UsageError } from './errors.js';

/** What every command writes to and reads from: the CLI passes the process's, tests their own. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  /** Width of the terminal on stdout, when it is one. */
  columns?: number;
  stderrIsTTY?: boolean;
  /** How long a run stays silent before the progress line shows (tests set 0); default PROGRESS_DELAY_MS. */
  progressDelayMs?: number;
  cwd?: string;
}

export const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  stdoutIsTTY: !!process.stdout.isTTY,
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  stderrIsTTY: !!process.stderr.isTTY,
  cwd: process.cwd(),
};

export type { Format };
export type FailOn = Severity | 'never';

/** --color/--no-color, then NO_COLOR, then FORCE_COLOR, then TTY (chalk 5 ignores NO_COLOR itself). */
export function colorLevel(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  if (flag === true) return 1;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.FORCE_COLOR !== undefined) {
    if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return 0;
    const n = Number(env.FORCE_COLOR);
    return (n >= 1 && n <= 3 ? n : 1) as 1 | 2 | 3;
  }
  return isTTY && env.TERM !== 'dumb' ? 1 : 0;
}

export { failsAt as exitCodeFor } from '../engine/finding.js';

/**
 * Where the audited folder sits in its git repository: `git rev-parse` from the folder (it also honours GIT_DIR in
 * hooks). Outside a repository (or without git) paths stay relative to the audited folder.
 */
export function repositoryOf(rootAbsolute: string): NonNullable<FormatInput['repository']> {
  try {
    const [top, prefix] = execFileSync('git', ['rev-parse', '--show-toplevel', '--show-prefix'], { cwd: rootAbsolute, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n');
    if (top) return { root: top, prefix: prefix ?? '', git: true };
  } catch {
    // not a git work tree (or no git): fall through
  }
  return { root: rootAbsolute, prefix: '', git: false };
}

/** Renders with the registered formatter (src/report/index.ts); colours only for formats that use them. */
export function render(format: Format, input: FormatInput, chalk: ChalkInstance): string {
  const entry = formatter(format);
  const repository = entry.repositoryPaths ? (input.repository ?? repositoryOf(input.rootAbsolute)) : input.repository;
  return entry.render({ ...input, repository }, entry.colored ? chalk : new Chalk({ level: 0 }));
}

/** Writes the report to -o FILE or stdout; stdout carries only the report. */
export function emit(text: string, output: string | undefined, io: CliIO): void {
  if (!output) {
    io.stdout(text);
    return;
  }
  try {
    mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
    writeFileSync(output, text);
  } catch (e) {
    throw new UsageError(`Cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
