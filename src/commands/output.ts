import { execFileSync } from 'node:child_process';
import type { ChalkInstance } from 'chalk';
import type { Severity } from '../engine/finding.js';
import { terminalSafe } from '../lang/source-text.js';
import { writeUserFile } from '../project/fix-files.js';
import { formatter, type Format } from '../report/index.js';
import type { FormatInput } from '../report/model.js';
import { maskFormatInput } from '../report/secrets.js';
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

let streamsGuarded = false;
let stdoutLost = false;

/** True once the report could not be written to stdout (other than a closed pipe): the exit code is 2. */
export function stdoutFailed(): boolean {
  return stdoutLost;
}

/**
 * Errors writing to the process's stdout arrive as 'error' events; unhandled, they crashed the CLI
 * with a stack trace. A closed pipe (`statelint | head -c 10`, EPIPE) is the reader's choice, as
 * for other CLIs: the rest is dropped quietly and the exit code is the one computed. Any other
 * error (`> /dev/full`: ENOSPC) means the report was lost: one sentence on stderr and exit 2
 * (set here because the event comes after main() has returned its code).
 */
function guardStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || stdoutLost) return;
    stdoutLost = true;
    process.exitCode = 2;
    if (!process.stderr.destroyed) process.stderr.write(`statelint: cannot write the report to stdout (${e.code ?? e.message})\n`);
  });
  process.stderr.on('error', () => undefined); // nowhere left to say it
}

export const defaultIO: CliIO = {
  stdout: (t) => {
    guardStreams();
    if (!process.stdout.destroyed) process.stdout.write(t);
  },
  stderr: (t) => {
    guardStreams();
    if (!process.stderr.destroyed) process.stderr.write(t);
  },
  env: process.env,
  stdoutIsTTY: !!process.stdout.isTTY,
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  stderrIsTTY: !!process.stderr.isTTY,
  cwd: process.cwd(),
};

export type { Format };
export type FailOn = Severity | 'never';
export type ColorLevel = 0 | 1 | 2 | 3;

/** A chalk at this colour level; chalk (and the node:tty and node:process it imports) loads only for output that colours. */
export async function chalkAt(level: ColorLevel): Promise<ChalkInstance> {
  const { Chalk } = await import('chalk');
  return new Chalk({ level });
}

/** --color/--no-color, then NO_COLOR, then FORCE_COLOR, then TTY (chalk 5 ignores NO_COLOR itself). */
export function colorLevel(flag: boolean | undefined, env: NodeJS.ProcessEnv, isTTY: boolean): ColorLevel {
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

/**
 * Renders with the registered formatter (src/report/index.ts), loading only that format's module; colours (at
 * `level`) only for formats that use them.
 */
export async function render(format: Format, input: FormatInput, level: ColorLevel): Promise<string> {
  const entry = await formatter(format);
  const repository = entry.repositoryPaths ? (input.repository ?? repositoryOf(input.rootAbsolute)) : input.repository;
  // Every format renders the same masked view: secrets never reach any of them (src/report/secrets.ts).
  const masked = maskFormatInput({ ...input, repository });
  return entry.colored ? entry.render(masked, await chalkAt(level)) : entry.render(masked);
}

/** Writes the report to -o FILE or stdout; stdout carries only the report. */
export function emit(text: string, output: string | undefined, io: CliIO): void {
  if (!output) {
    io.stdout(text);
    return;
  }
  try {
    writeUserFile(output, text, io.cwd);
  } catch (e) {
    throw new UsageError(`Cannot write ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Text for stderr with the project's control characters made visible (file names, settings values and
 * reasons end up in messages): every line is escaped as pretty output is, the line breaks are kept.
 */
export function stderrSafe(text: string): string {
  // The progress line's own "clear the line" (src/commands/progress.ts) starts a write; project text never
  // does (every message starts with "statelint: "), so only that exact prefix is kept as it is.
  const clear = text.startsWith(CLEAR_LINE) ? CLEAR_LINE : '';
  return clear + text.slice(clear.length).split('\n').map(terminalSafe).join('\n');
}

const CLEAR_LINE = '\r\x1b[2K';

/** The same IO with every stderr message escaped (the CLI wraps the process's IO in it once). */
export function withSafeStderr(io: CliIO): CliIO {
  return { ...io, stderr: (t) => io.stderr(stderrSafe(t)) };
}
