import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, 'bin/statelint.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real binary (bin/statelint.js -> dist/) as a user would: through its #! line, as npm's bin link does. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): CliRun {
  const r = spawnSync(BIN, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
