import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { baselineProblem, toBaseline, type BaselineFile } from '../engine/baseline.js';
import { UsageError } from '../engine/errors.js';
import type { Finding } from '../engine/finding.js';
import { writeUserFile } from '../project/fix-files.js';
import { readSource } from '../project/read-source.js';

/** Files the user names on the command line (the target folder, baselines): never the project's own files. */

export function resolveRoot(p: string): string {
  const abs = path.resolve(p);
  if (!existsSync(abs)) throw new UsageError(`Path not found: ${p}`);
  if (!statSync(abs).isDirectory()) throw new UsageError(`Not a directory: ${p} (statelint audits a project folder)`);
  return abs;
}

export function readBaseline(file: string): BaselineFile {
  if (!existsSync(file)) throw new UsageError(`Baseline not found: ${file} (create it with --write-baseline)`);
  const read = readSource(path.resolve(file), 64 * 1024 * 1024);
  if (!read.ok) throw new UsageError(`Baseline ${file} cannot be read (${read.reason})`);
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch {
    // Never quote the file: a baseline option pointed at .env would echo a secret.
    throw new UsageError(`Baseline ${file} is not valid JSON`);
  }
  const problem = baselineProblem(data);
  if (problem) throw new UsageError(`Baseline ${file} ${problem}`);
  return data as BaselineFile;
}

export function writeBaseline(file: string, findings: Finding[]): void {
  try {
    // Never through a link planted in the repository: temp file + rename in the target's folder.
    writeUserFile(file, `${JSON.stringify(toBaseline(findings), null, 2)}\n`);
  } catch (e) {
    throw new UsageError(`Cannot write the baseline ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
