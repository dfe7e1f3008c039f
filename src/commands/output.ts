import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import { SEVERITY_RANK, type Severity } from '../engine/finding.js';
import { formatJson } from '../report/json.js';
import type { FormatInput } from '../report/model.js';
import { formatPretty } from '../report/pretty.js';
import { formatSarif } from '../report/sarif.js';
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

export type Format = 'pretty' | 'json' | 'sarif';
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

export function exitCodeFor(severities: Severity[], failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  return severities.some((s) => SEVERITY_RANK[s] >= SEVERITY_RANK[failOn]) ? 1 : 0;
}

export function render(format: Format, input: FormatInput, chalk: ChalkInstance): string {
  if (format === 'json') return formatJson(input);
  if (format === 'sarif') return formatSarif(input);
  return formatPretty(input, chalk);
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
