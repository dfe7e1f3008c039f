import path from 'node:path';
import { audit, fix, loadProject, resolveRoot, writeBaseline, type AuditOptions, type AuditResult, type FixResult } from '../api/index.js';
import { failsAt, type SeverityOrOff } from '../engine/finding.js';
import { DiskFs, type ProjectFs } from '../project/fs.js';
import { changedFiles, defaultBase, isGitWorkTree, revisionExists, stagedSnapshot } from '../project/git.js';
import { checkConfigDirFlag, loadConfigFile, type ConfigFile } from './config-file.js';
import { UsageError } from './errors.js';
import { createProgress, type Progress } from './progress.js';
import { timing } from '../engine/timing.js';
import { cacheLocation } from '../project/cache-file.js';
import { chalkAt, colorLevel, emit, render, type CliIO, type ColorLevel, type FailOn, type Format } from './output.js';

export interface AuditFlags {
  format: Format;
  output?: string;
  failOn: FailOn;
  dotenv?: string[];
  env?: string[];
  assume?: string[];
  targetEnv?: string;
  configDir?: string;
  /** A deployment workload whose manifest environment goes on top of the env files. */
  workload?: string;
  includeTests?: boolean;
  maxFileSize?: string;
  ignore?: string[];
  rule?: string[];
  color?: boolean;
  showConfig?: boolean;
  ecosystem?: string[];
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  fix?: boolean;
  unsafeFixes?: boolean;
  diff?: boolean;
  staged?: boolean;
  changed?: string | boolean;
  quiet?: boolean;
  maxWarnings?: string;
  reportUnusedSuppressions?: boolean;
  progress?: boolean;
  cache?: boolean;
  cacheLocation?: string;
}

const COMMANDS = ['audit', 'live', 'rules', 'explain', 'config', 'env', 'hook'];

/** Levenshtein distance, for "did you mean" on a mistyped command. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * The project a command line names, and the part of it to report on: a folder that is an app is the
 * whole project; a subfolder or a file of one is a partial run of the app above it (found upward by
 * its artisan, composer.json or package.json).
 */
export function locateProject(paths: string[]): { root: string; only?: string[] } {
  const given = paths.length ? paths : ['.'];
  const absolute = given.map((p) => {
    const abs = path.resolve(p);
    const parent = new DiskFs(path.dirname(abs));
    if (!parent.exists(path.basename(abs)) && path.dirname(abs) !== abs) {
      const near = COMMANDS.find((c) => distance(c, p) <= 2);
      throw new UsageError(`Path not found: ${p}${near && given.length === 1 ? ` (did you mean \`statelint ${near}\`?)` : ''}`);
    }
    return abs;
  });
  const first = absolute[0];
  const start = new DiskFs(path.dirname(first)).exists(path.basename(first)) === 'file' ? path.dirname(first) : first;
  const root = projectRootAbove(start) ?? start;
  const only = absolute.map((p) => path.relative(root, p).split(path.sep).join('/') || '.');
  const outside = only.find((p) => p.startsWith('..') || path.isAbsolute(p));
  if (outside) throw new UsageError(`${outside} is outside the project ${root}: audit one project at a time`);
  return { root, only: only.every((p) => p === '.') ? undefined : only };
}

/** The nearest folder at or above `start` with artisan, else the nearest with composer.json or package.json. */
function projectRootAbove(start: string): string | undefined {
  let manifest: string | undefined;
  for (let dir = start; ; dir = path.dirname(dir)) {
    const fs = new DiskFs(dir);
    if (fs.exists('artisan') === 'file') return dir;
    if (!manifest && (fs.exists('composer.json') === 'file' || fs.exists('package.json') === 'file')) manifest = dir;
    if (path.dirname(dir) === dir) return manifest;
  }
}

/** The files a hook run reports on: staged (the index) or changed since a revision. */
async function partialScope(root: string, flags: AuditFlags): Promise<{ fs?: ProjectFs; only?: string[]; label?: string }> {
  if (!flags.staged && flags.changed === undefined) return {};
  if (flags.staged && flags.changed !== undefined) throw new UsageError('--staged and --changed name different sets of files: use one of them');
  const notARepo = () => new UsageError(`${flags.staged ? '--staged' : '--changed'} needs a git repository, and ${root} is not in one`);
  if (flags.staged) {
    try {
      const { fs, staged } = await timing.timeAsync('git (index and staged files)', () => stagedSnapshot(root));
      return { fs, only: staged, label: 'staged' };
    } catch (e) {
      // Asked only when git failed: a hook's normal run spends no process on it.
      if (!isGitWorkTree(root)) throw notARepo();
      throw e;
    }
  }
  if (!isGitWorkTree(root)) throw notARepo();
  const base = typeof flags.changed === 'string' ? flags.changed : defaultBase(root);
  if (!base) throw new UsageError('--changed found no default branch (origin/HEAD, main or master) to compare with: pass --changed <rev>');
  if (!revisionExists(root, base)) throw new UsageError(`--changed ${base}: no such revision`);
  return { only: changedFiles(root, base), label: `changed since ${base.slice(0, 12)}` };
}

export type ResolverFlags = Pick<AuditFlags, 'dotenv' | 'env' | 'configDir' | 'workload'> & Partial<Pick<AuditFlags, 'assume' | 'targetEnv'>>;

export function parseKeyValues(items: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null); // `--env __proto__=x` is a key like any other
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function parseSeverities(items: string[] | undefined, known: string[]): Record<string, SeverityOrOff> {
  const out: Record<string, SeverityOrOff> = {};
  for (const [id, sev] of Object.entries(parseKeyValues(items, '--rule'))) {
    if (!known.includes(id)) throw new UsageError(`Unknown rule "${id}" in --rule (see \`statelint rules\`)`);
    if (!['error', 'warning', 'warn', 'info', 'off'].includes(sev)) throw new UsageError(`--rule ${id}= takes error, warning, info or off, got "${sev}"`);
    out[id] = normalizeLevel(sev) as SeverityOrOff;
  }
  return out;
}

function parseSize(value: string): number {
  const m = /^(\d+)\s*(k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!m) throw new UsageError(`--max-file-size takes a size like 2048k or 4m, got "${value}"`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'k').toLowerCase();
  return unit.startsWith('m') ? n * 1024 * 1024 : n * 1024;
}

/** A --dotenv path as the user typed it: from the current folder when it is there, else from the project. */
function envFilePath(root: string, given: string): string {
  const fromCwd = path.resolve(given);
  if (new DiskFs(path.dirname(fromCwd)).exists(path.basename(fromCwd))) return fromCwd;
  const fromRoot = path.resolve(root, given);
  // A missing env file would silently resolve with other values: a usage error instead. One that is there
  // but is not a regular file (a FIFO, /dev/zero) is passed on: the loader lists it as not read.
  if (!new DiskFs(path.dirname(fromRoot)).exists(path.basename(fromRoot)) && !new DiskFs(path.dirname(fromCwd)).exists(path.basename(fromCwd))) throw new UsageError(`--dotenv ${given}: no such file (looked in the current folder and in ${root})`);
  return fromRoot;
}

/**
 * `--target-env production`: the env file that environment would use, `.env.production`, else `.env.example`
 * (else the default choice). The report's project.laravel.envFiles names the file used; a note goes to stderr.
 */
function targetEnvFile(root: string, name: string | undefined): string[] | undefined {
  if (!name) return undefined;
  const fs = new DiskFs(root);
  for (const candidate of [`.env.${name}`, '.env.example']) {
    if (fs.exists(candidate) === 'file') {
      process.stderr.write(`statelint: --target-env ${name}: resolving with ${candidate}\n`);
      return [path.resolve(root, candidate)];
    }
  }
  process.stderr.write(`statelint: --target-env ${name}: neither .env.${name} nor .env.example exists; using the default env file\n`);
  return undefined;
}

/** The options that decide how config is resolved: a flag wins over the settings file; its paths are relative to the project. */
export function resolverOptions(target: string, root: string, config: ConfigFile, flags: ResolverFlags): AuditOptions {
  if (flags.configDir !== undefined) checkConfigDirFlag(root, flags.configDir);
  const named = flags.dotenv?.map((f) => envFilePath(root, f)) ?? config.envFiles?.map((f) => path.resolve(root, f));
  const targetFile = named ? undefined : targetEnvFile(root, flags.targetEnv);
  return {
    path: target,
    envFiles: named ?? targetFile,
    // Framework defaults then point at the target env file, where the fix goes.
    ...(targetFile ? { targetEnv: flags.targetEnv } : {}),
    env: { ...config.env, ...parseKeyValues(flags.env, '--env') },
    assume: { ...config.assume, ...parseKeyValues(flags.assume, '--assume') },
    configDir: flags.configDir ?? config.configDir,
    workload: flags.workload,
  };
}

/** `statelint [audit] [path]`: options in, api call, formatter out; returns the exit code. */
export async function runAuditCommand(paths: string[], flags: AuditFlags, fromCli: (name: string) => boolean, knownRules: string[], io: CliIO): Promise<number> {
  const progress = createProgress(io, flags.progress !== false, Date.now, io.progressDelayMs);
  try {
    // Any message on stderr first clears the progress line, so the two never share a line.
    const messages: CliIO = { ...io, stderr: (text) => (progress.finish(), io.stderr(text)) };
    return await auditWithProgress(paths, flags, fromCli, knownRules, messages, progress);
  } finally {
    progress.finish();
  }
}

async function auditWithProgress(paths: string[], flags: AuditFlags, fromCli: (name: string) => boolean, knownRules: string[], io: CliIO, progress: Progress): Promise<number> {
  const { root, only: named } = locateProject(paths);
  const target = root;
  // statelint.config.json supplies defaults; a flag given on the command line always wins.
  const { config } = loadConfigFile(root, knownRules, flags.config);
  const scope = await partialScope(root, flags);
  const only = scope.only && named ? scope.only.filter((f) => named.some((n) => f === n || f.startsWith(`${n}/`))) : (scope.only ?? named);
  if (scope.label && !only?.length) {
    io.stderr(`statelint: no ${scope.label === 'staged' ? 'staged files' : `files ${scope.label}`} to audit\n`);
    return 0;
  }
  const inRoot = (p: string) => path.resolve(root, p);
  const failOn = normalizeLevel(fromCli('failOn') ? flags.failOn : (config.failOn ?? flags.failOn)) as FailOn;
  const maxWarnings = flags.maxWarnings === undefined ? undefined : Number(flags.maxWarnings);
  if (maxWarnings !== undefined && (!Number.isInteger(maxWarnings) || maxWarnings < 0)) throw new UsageError(`--max-warnings takes a whole number, got "${flags.maxWarnings}"`);
  const options: AuditOptions = {
    ...resolverOptions(target, root, config, flags),
    includeTests: flags.includeTests ?? config.includeTests,
    maxFileBytes: parseSize(fromCli('maxFileSize') ? flags.maxFileSize! : (config.maxFileSize ?? flags.maxFileSize ?? '2048k')),
    ignore: [...(config.ignore ?? []), ...(flags.ignore ?? [])],
    severities: { ...config.rules, ...parseSeverities(flags.rule, knownRules) },
    ecosystems: flags.ecosystem,
    baseline: flags.baseline ?? (config.baseline ? inRoot(config.baseline) : undefined),
    fs: scope.fs,
    only,
    reportUnusedSuppressions: flags.reportUnusedSuppressions,
    onProgress: progress.update,
  };
  const level = flags.output ? 0 : colorLevel(flags.color, io.env, io.stdoutIsTTY);
  if (flags.showConfig) {
    if (flags.writeBaseline) throw new UsageError('--show-config prints the configuration and writes no baseline: drop one of --show-config and --write-baseline');
    if (flags.format !== 'pretty' && flags.format !== 'json') throw new UsageError(`--show-config prints pretty or json, not ${flags.format}`);
    emit(await describeConfig(options, flags.format, level), flags.output, io);
    return 0;
  }
  if (flags.writeBaseline) {
    const result = await audit({ ...options, baseline: undefined });
    writeBaseline(flags.writeBaseline, result.report.findings);
    io.stderr(`statelint: wrote ${result.report.findings.length} finding(s) to the baseline ${flags.writeBaseline}\n`);
    return 0;
  }
  if (flags.unsafeFixes && !flags.fix && !flags.diff) throw new UsageError('--unsafe-fixes goes with --fix (apply) or --diff (preview)');
  if (flags.fix && flags.diff) throw new UsageError('--diff previews what --fix would change: use one of them');
  if (flags.diff) {
    const { diff, fixes } = await fix({ ...options, unsafe: flags.unsafeFixes, write: false });
    io.stdout(diff);
    io.stderr(`statelint: ${describeFixes(fixes, 'would apply')}\n`);
    return diff ? 1 : 0;
  }
  let result: AuditResult;
  if (flags.fix) {
    const fixed = await fix({ ...options, unsafe: flags.unsafeFixes, write: true });
    io.stderr(`statelint: ${describeFixes(fixed.fixes, 'applied')}\n`);
    result = fixed.after;
    result.report.fixes = {
      applied: fixed.fixes.applied.map(({ ruleId, title, applicability, files }) => ({ ruleId, title, applicability, files })),
      dropped: fixed.fixes.dropped,
      passes: fixed.fixes.passes,
      converged: fixed.fixes.converged,
    };
  } else {
    // --cache serves the plain audit (a fix pass audits an edited overlay: nothing to reuse).
    result = await audit({ ...options, cacheFile: flags.cache ? cacheLocation(root, flags.cacheLocation) : undefined });
    if (result.cacheWarning) io.stderr(`statelint: the cache was not written: ${result.cacheWarning}\n`);
  }
  if (flags.quiet) {
    // --quiet: errors only, as ESLint's --quiet; the counts and the exit code follow what is shown.
    result.report.findings = result.report.findings.filter((f) => f.severity === 'error');
    Object.assign(result.report.summary, { warning: 0, info: 0 });
  }
  if (result.report.baseline?.unmatched) {
    io.stderr(`statelint: ${result.report.baseline.unmatched} baseline entr${result.report.baseline.unmatched === 1 ? 'y no longer matches' : 'ies no longer match'} a finding; refresh it with --write-baseline\n`);
  }
  progress.finish();
  const columns = flags.output ? undefined : io.columns;
  const text = await timing.timeAsync('report rendering', () => render(flags.format, { report: result.report, rules: result.rules, lineText: result.lineText, rootAbsolute: result.rootAbsolute, cwd: io.cwd, columns }, level));
  emit(text, flags.output, io);
  if (flags.output) io.stderr(`statelint: report written to ${flags.output}\n`);
  const warnings = result.report.findings.filter((f) => f.severity === 'warning').length;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    io.stderr(`statelint: ${warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return failsAt(result.report.findings.map((f) => f.severity), failOn);
}

/** `warn` is accepted wherever `warning` is. */
export function normalizeLevel(level: string): string {
  return level === 'warn' ? 'warning' : level;
}

/** One line for stderr: how many fixes in how many files, what was dropped and why, convergence. */
function describeFixes(fixes: FixResult['fixes'], verb: string): string {
  const files = new Set(fixes.applied.flatMap((a) => a.files)).size;
  const parts = [`${verb} ${fixes.applied.length} fix${fixes.applied.length === 1 ? '' : 'es'} in ${files} file${files === 1 ? '' : 's'}`];
  for (const d of fixes.dropped) parts.push(`dropped ${d.ruleId} "${d.title}": ${d.reason}`);
  if (!fixes.converged) parts.push(`did not converge after ${fixes.passes} passes`);
  return parts.join('; ');
}

/** `statelint config` / `--show-config`: each detected ecosystem describes its deciding values. */
export async function describeConfig(options: AuditOptions, format: Format, level: ColorLevel): Promise<string> {
  const root = resolveRoot(options.path);
  const { loaded } = await loadProject(options, new DiskFs(root));
  const chalk = await chalkAt(level);
  return [...loaded.values()].map((l) => l.describeConfig(format === 'json' ? 'json' : 'pretty', chalk)).join('\n');
}
