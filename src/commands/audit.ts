import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_RULES } from '../../rules/index.js';
import type { SeverityOrOff } from '../engine/finding.js';
import type { ProjectFacts } from '../engine/project-facts.js';
import type { Rule } from '../engine/rule.js';
import { applyBaseline, baselineProblem, toBaseline, type BaselineFile } from '../engine/baseline.js';
import type { Finding } from '../engine/finding.js';
import { languagesOf, runRules, type ReadResult } from '../engine/runner.js';
import { display, type Val } from '../engine/values.js';
import { LineIndex } from '../lang/source-text.js';
import { discoverFiles } from '../project/discover.js';
import { isSecretKey } from '../project/env-files.js';
import { isLaravelProject, loadLaravelProject, type LaravelProject } from '../project/laravel/project.js';
import { DEFAULT_MAX_FILE_BYTES, readSource } from '../project/read-source.js';
import type { EffectiveValue, Report } from '../report/model.js';
import { countBySeverity } from '../report/model.js';
import { laravelChecklist } from './checklist.js';
import { UsageError } from './errors.js';
import { TOOL_VERSION } from './version.js';

export interface AuditOptions {
  path: string;
  envFiles?: string[];
  env?: Record<string, string>;
  configDir?: string;
  includeTests?: boolean;
  maxFileBytes?: number;
  ignore?: string[];
  severities?: Record<string, SeverityOrOff>;
  rules?: Rule[];
  /** Ecosystems forced on the command line (--ecosystem), on top of detection. */
  ecosystems?: ('laravel' | 'node')[];
  /** Path of a baseline file whose findings are suppressed. */
  baseline?: string;
}

export interface AuditResult {
  report: Report;
  rootAbsolute: string;
  lineText(file: string, line: number): string | undefined;
  laravel?: LaravelProject;
}

/** Keys shown in effectiveConfig and by `statelint config` (never secrets). */
export const REPORTED_KEYS = [
  'app.name',
  'session.driver',
  'session.connection',
  'session.store',
  'session.cookie',
  'session.lifetime',
  'session.files',
  'cache.default',
  'cache.prefix',
  'filesystems.default',
  'logging.default',
  'database.default',
  'queue.default',
  'app.maintenance.driver',
  'app.maintenance.store',
];

export function resolveRoot(p: string): string {
  const abs = path.resolve(p);
  if (!existsSync(abs)) throw new UsageError(`Path not found: ${p}`);
  if (!statSync(abs).isDirectory()) throw new UsageError(`Not a directory: ${p} (statelint audits a project folder)`);
  return abs;
}

export function detectEcosystems(root: string, opts: Pick<AuditOptions, 'configDir' | 'ecosystems'>): ProjectFacts['ecosystems'] {
  const ecosystems: ProjectFacts['ecosystems'] = [];
  if (isLaravelProject(root) || opts.configDir || opts.ecosystems?.includes('laravel')) ecosystems.push('laravel');
  if (existsSync(path.join(root, 'package.json')) || opts.ecosystems?.includes('node')) ecosystems.push('node');
  return ecosystems;
}

/**
 * What the project is: its ecosystems and, for Laravel, the resolved configuration.
 * `phpFiles` (already discovered) spares the resolver a second walk when it looks for an Application subclass.
 */
export async function loadProject(root: string, opts: AuditOptions, phpFiles?: string[]): Promise<{ facts: ProjectFacts; laravel?: LaravelProject }> {
  const ecosystems = detectEcosystems(root, opts);
  const laravel = ecosystems.includes('laravel')
    ? await loadLaravelProject(root, { envFiles: opts.envFiles, envOverrides: opts.env, configDir: opts.configDir, phpFiles })
    : undefined;
  return { facts: { root, ecosystems, laravel, options: { includeTests: !!opts.includeTests } }, laravel };
}

export async function runAudit(opts: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const root = resolveRoot(opts.path);
  const ecosystems = detectEcosystems(root, opts);
  const rules = (opts.rules ?? ALL_RULES).filter((r) => ecosystems.includes(r.meta.ecosystem));
  const files = discoverFiles(root, languagesOf(rules), opts.ignore);
  const { facts, laravel } = await loadProject(root, opts, files.filter((f) => f.language === 'php').map((f) => f.path));
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Texts are not kept: most files are only matched against the prefilter, and holding thousands of
  // strings costs more in GC than reading the few files with findings again for their excerpts.
  const read = (rel: string): ReadResult => readSource(path.join(root, rel), maxBytes);
  const result = await runRules({ facts, rules, files, read, severities: opts.severities });
  let baselineInfo: Report['baseline'];
  if (opts.baseline) {
    const applied = applyBaseline(result.findings, readBaseline(opts.baseline), path.relative(root, opts.baseline) || opts.baseline);
    result.findings = applied.findings;
    result.suppressed.push(...applied.suppressed);
    baselineInfo = { file: path.relative(root, path.resolve(opts.baseline)).split(path.sep).join('/'), matched: applied.suppressed.length, unmatched: applied.unmatched.length };
  }
  const counts = countBySeverity(result.findings);
  const checklist = laravel ? laravelChecklist(laravel, result.findings) : [];
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'statelint', version: TOOL_VERSION },
    command: 'audit',
    root: '.',
    ecosystems: facts.ecosystems,
    project: laravel ? { laravel: { version: laravel.version ?? null, configDirs: laravel.configDirs, envFiles: laravel.envFiles } } : {},
    effectiveConfig: laravel ? effectiveConfig(laravel) : {},
    findings: result.findings,
    suppressed: result.suppressed,
    errors: [...(laravel?.errors ?? []), ...result.errors],
    skipped: result.skipped,
    checklist,
    ...(baselineInfo ? { baseline: baselineInfo } : {}),
    summary: {
      ...counts,
      filesScanned: result.filesScanned,
      durationMs: Math.round(performance.now() - started),
      byCategory: Object.fromEntries(checklist.map((c) => [c.category, c.status])),
    },
  };
  const lineCache = new Map<string, LineIndex | null>();
  const lineText = (file: string, line: number) => {
    if (!lineCache.has(file)) {
      const r = read(file);
      lineCache.set(file, r.ok ? new LineIndex(r.text) : null);
    }
    return lineCache.get(file)?.lineText(line);
  };
  return { report, rootAbsolute: root, lineText, laravel };
}

function effectiveConfig(laravel: LaravelProject): Record<string, EffectiveValue> {
  const out: Record<string, EffectiveValue> = {};
  for (const key of REPORTED_KEYS) {
    const v = laravel.config.get(key);
    if (!v) continue;
    out[key] = toEffective(key, v);
  }
  return out;
}

function toEffective(key: string, v: Val): EffectiveValue {
  const source = v.origin.file.startsWith('(') ? null : { file: v.origin.file, line: v.origin.line };
  if (isSecretKey(key.split('.').pop() ?? '')) return { value: '<redacted>', source };
  if (v.t === 'unknown') return { value: null, source, unknown: v.why };
  if (v.t === 'array') return { value: display(v), source };
  return { value: v.v, source };
}

function readBaseline(file: string): BaselineFile {
  if (!existsSync(file)) throw new UsageError(`Baseline not found: ${file} (create it with --write-baseline)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`Baseline ${file} is not valid JSON (${(e as Error).message})`);
  }
  const problem = baselineProblem(data);
  if (problem) throw new UsageError(`Baseline ${file} ${problem}`);
  return data as BaselineFile;
}

export function writeBaseline(file: string, findings: Finding[]): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, `${JSON.stringify(toBaseline(findings), null, 2)}\n`);
  } catch (e) {
    throw new UsageError(`Cannot write the baseline ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
