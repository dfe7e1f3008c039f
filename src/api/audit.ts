import path from 'node:path';
import { applyBaseline } from '../engine/baseline.js';
import { UsageError } from '../engine/errors.js';
import type { SeverityOrOff } from '../engine/finding.js';
import type { ProjectFacts } from '../engine/project-facts.js';
import { countBySeverity, type Report } from '../engine/report.js';
import { outlineOf, type Rule, type RuleMeta, type RuleOutline } from '../engine/rule.js';
import { languagesOf, nothingToReport, runRules, UNUSED_SUPPRESSION, type ReadResult, type RunResult } from '../engine/runner.js';
import { LineIndex } from '../lang/source-text.js';
import { timing } from '../engine/timing.js';
import { ResultCache, sha256 } from '../engine/cache.js';
import { buildIdentity, readCacheFile, writeCacheFile } from '../project/cache-file.js';
import { RecordingFs } from './cache.js';
import { ECOSYSTEMS, findEcosystem } from '../ecosystems/registry.js';
import { discoverRuleIds, ruleOutlines } from '../ecosystems/rules.js';
import type { Ecosystem, LoadedEcosystem, LoadOptions } from '../ecosystems/types.js';
import { discoverFiles, type SourceFileRef } from '../project/discover.js';
import { DiskFs, type ProjectFs } from '../project/fs.js';
import { DEFAULT_MAX_FILE_BYTES } from '../project/read-source.js';
import { readBaseline, resolveRoot } from './user-files.js';
import { TOOL_VERSION } from './version.js';

export interface AuditOptions {
  /** The project folder. */
  path: string;
  /** How the project is read; default: the disk under `path`. */
  fs?: ProjectFs;
  /** Env files (project-relative or absolute); default: each ecosystem's own choice. */
  envFiles?: string[];
  env?: Record<string, string>;
  /** Config values the resolver cannot derive (--assume key=value). */
  assume?: Record<string, string>;
  /** The environment the env files were chosen for (--target-env): framework defaults point at its env file. */
  targetEnv?: string;
  configDir?: string;
  includeTests?: boolean;
  maxFileBytes?: number;
  ignore?: string[];
  severities?: Record<string, SeverityOrOff>;
  /** Only these rules (tests); default: every rule of the detected ecosystems. */
  rules?: Rule[];
  /** Ecosystems forced on the command line (--ecosystem), on top of detection. */
  ecosystems?: string[];
  /** Path of a baseline file whose findings are suppressed. */
  baseline?: string;
  /**
   * A partial run (named files, --staged, --changed): project-relative files or folders to report on.
   * Config-level rules run only when an env or config file is among them.
   */
  only?: string[];
  /** Report statelint-ignore comments that silence nothing or name an unknown rule. */
  reportUnusedSuppressions?: boolean;
  /** A workload of the deployment manifests whose environment goes on top of the env files (--workload). */
  workload?: string;
  /** Progress of the file passes (reading and prefiltering, then analysing the candidates); for a display only. */
  onProgress?: (phase: 'reading' | 'analysing', done: number, total: number) => void;
  /** --cache: per-file results kept in this file between runs (src/engine/cache.ts); never changes findings. */
  cacheFile?: string;
}

export interface AuditResult {
  report: Report;
  rootAbsolute: string;
  /** Metadata of the rules that ran (formatters describe them). */
  rules: RuleMeta[];
  lineText(file: string, line: number): string | undefined;
  /** The loaded ecosystems by id (their facts and config views). */
  loaded: Map<string, LoadedEcosystem>;
  /** Why the --cache file could not be written, when it could not. */
  cacheWarning?: string;
}

/** The ecosystems of a project: detected with evidence, plus the ones forced with --ecosystem. */
export function detectEcosystems(fs: ProjectFs, forced: string[] = [], configDir?: string): { ecosystem: Ecosystem; evidence: string[] }[] {
  for (const id of forced) if (!findEcosystem(id)) throw new UsageError(`Unknown ecosystem "${id}" (known: ${ECOSYSTEMS.map((e) => e.id).join(', ')})`);
  const out: { ecosystem: Ecosystem; evidence: string[] }[] = [];
  for (const ecosystem of ECOSYSTEMS) {
    const found = timing.timePart('ecosystem detection', ecosystem.id, () => ecosystem.detect(fs, { configDir }));
    if (found) out.push({ ecosystem, evidence: found.evidence });
    else if (forced.includes(ecosystem.id)) out.push({ ecosystem, evidence: ['--ecosystem'] });
  }
  return out;
}

/** A folder with no recognised app is not "clean": nothing was audited, and the user must be told. */
export function nothingToAudit(target: string): UsageError {
  const why = ECOSYSTEMS.map((e) => `${e.name}: ${e.signature}`).join('; ');
  return new UsageError(`No app found in ${target} (${why}); pass --ecosystem ${ECOSYSTEMS.map((e) => e.id).join('|')} to audit it anyway`);
}

/** The --timing phase of resolving the ecosystems' facts (each ecosystem is a part of it). */
const CONFIG_PHASE = 'config resolution (ecosystem load)';

/** Loads what the project is: detected ecosystems and their resolved facts. */
export async function loadProject(
  opts: AuditOptions,
  fs: ProjectFs,
  files?: SourceFileRef[],
  detected = detectEcosystems(fs, opts.ecosystems, opts.configDir),
): Promise<{ facts: ProjectFacts; loaded: Map<string, LoadedEcosystem> }> {
  if (!detected.length) throw nothingToAudit(opts.path);
  const loaded = new Map<string, LoadedEcosystem>();
  // Ecosystems that describe where the app runs load first: their workload's environment feeds the others.
  const providers = detected.filter((d) => d.ecosystem.providesEnvironment);
  if (opts.workload && !providers.length) throw new UsageError(`--workload ${opts.workload}: no deployment manifests found in ${opts.path}`);
  let environment: LoadOptions['environment'];
  const known: string[] = [];
  let ambiguous = false;
  for (const { ecosystem } of providers) {
    const l = await timing.timePartAsync(CONFIG_PHASE, ecosystem.id, () => ecosystem.load(fs, { envFiles: opts.envFiles, env: opts.env, assume: opts.assume, targetEnv: opts.targetEnv, configDir: opts.configDir, files }));
    loaded.set(ecosystem.id, l);
    const found = opts.workload && !environment ? l.environmentOf?.(opts.workload) : undefined;
    if (found && 'files' in found) environment = found;
    else if (found) {
      known.push(...found.unknown);
      ambiguous ||= !!found.ambiguous;
    }
  }
  if (opts.workload && !environment) {
    throw new UsageError(ambiguous ? `--workload ${opts.workload} names several workloads; name one as FILE:NAME (${known.join(', ')})` : `--workload ${opts.workload}: no such workload (known: ${known.join(', ') || 'none'})`);
  }
  for (const { ecosystem } of detected) {
    if (ecosystem.providesEnvironment) continue;
    const load = () => ecosystem.load(fs, { envFiles: opts.envFiles, env: opts.env, assume: opts.assume, targetEnv: opts.targetEnv, configDir: opts.configDir, files, environment });
    loaded.set(ecosystem.id, await timing.timePartAsync(CONFIG_PHASE, ecosystem.id, load));
  }
  // Reported in detection order, whatever the load order was.
  const order = detected.map((d) => d.ecosystem.id);
  const inOrder = new Map(order.map((id) => [id, loaded.get(id)!] as const));
  loaded.clear();
  for (const [id, l] of inOrder) loaded.set(id, l);
  const facts: ProjectFacts = {
    root: fs.root,
    ecosystems: [...loaded.keys()],
    byEcosystem: Object.fromEntries([...loaded].map(([id, l]) => [id, l.facts])),
    options: { includeTests: !!opts.includeTests },
  };
  return { facts, loaded };
}

/** Every rule of the given ecosystems (all of them when none is named). */
export async function loadRules(ecosystemIds?: string[]): Promise<Rule[]> {
  return byRuleId(ecosystemIds, (e) => e.rules());
}

/** The outlines of the given ecosystems' rules, in loadRules' order, without loading rule modules in the bundled build. */
function loadRuleOutlines(ecosystemIds: string[]): Promise<RuleOutline[]> {
  return byRuleId(ecosystemIds, (e) => ruleOutlines(e.id));
}

/** What `load` gives for each of the given ecosystems (all when none is named), in rule id order. */
async function byRuleId<T extends { meta: RuleMeta }>(ecosystemIds: string[] | undefined, load: (e: Ecosystem) => Promise<T[]>): Promise<T[]> {
  const ecosystems = ecosystemIds ? ECOSYSTEMS.filter((e) => ecosystemIds.includes(e.id)) : ECOSYSTEMS;
  return (await Promise.all(ecosystems.map(load))).flat().sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1));
}

/** Every rule id of every ecosystem, without loading the rules (for checking `--rule` and settings files). */
export function knownRuleIds(): string[] {
  return ECOSYSTEMS.flatMap((e) => discoverRuleIds(e.id)).sort();
}

/** `statelint audit` as a library call: the CLI and the tests both come through here. */
export async function audit(opts: AuditOptions): Promise<AuditResult> {
  const started = Date.now(); // not performance.now(): that global loads perf_hooks (~2 ms of a hook run)
  const root = opts.fs?.root ?? resolveRoot(opts.path);
  const fs = opts.fs ?? new DiskFs(root);
  const detected = timing.time('ecosystem detection', () => detectEcosystems(fs, opts.ecosystems, opts.configDir));
  if (!detected.length) throw nothingToAudit(opts.path);
  const ids = detected.map((d) => d.ecosystem.id);
  // A partial run that can report nothing decides on the rules' outlines; the rules themselves load only for a real run.
  const outlines = (opts.rules ? opts.rules.map(outlineOf) : await timing.timeAsync('rule outlines', () => loadRuleOutlines(ids))).filter((r) => ids.includes(r.meta.ecosystem));
  const inScope = scopeFilter(opts.only);
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Texts are not kept: most files are only matched against the prefilter, and holding thousands of
  // strings costs more in GC than reading the few files with findings again for their excerpts.
  const read = (rel: string): ReadResult => fs.read(rel, maxBytes);
  // A partial run none of whose paths may decide configuration runs no config-level rule: when its files' text also
  // gives no rule anything to check, nothing can be reported, so the configuration is not resolved and the rest of
  // the project not listed (a pre-commit hook with one controller staged in a 6,000-file app).
  const configMayBeInScope = !opts.only || mayDecideConfig(opts.only, fs, root, opts.envFiles, detected);
  const quiet = configMayBeInScope || opts.cacheFile || opts.workload ? undefined : quietPartialRun(opts, fs, outlines, ids, read);
  let rules: RuleOutline[] = outlines;
  let run: AuditRun;
  if (quiet !== undefined) run = nothingResolved(quiet);
  else {
    const allRules = opts.rules ?? (await timing.timeAsync('rule modules loading', () => loadRules(ids)));
    const loadedRules = allRules.filter((r) => ids.includes(r.meta.ecosystem));
    rules = loadedRules.map(outlineOf);
    run = await resolveAndRun(opts, fs, detected, loadedRules, read, maxBytes === DEFAULT_MAX_FILE_BYTES, inScope);
  }
  const { result, loaded, configFiles, probes, unreadable, configChecked, cacheWarning } = run;
  if (opts.only) {
    // A config finding decided in a file outside the named ones still belongs to the run that named its config.
    result.findings = result.findings.filter((f) => inScope(f.location.file) || configFiles.includes(f.location.file) || f.related.some((r) => inScope(r.file)));
  }
  result.skipped.push(...unreadable.map((dir) => ({ file: dir, reason: 'folder could not be listed; its files were not audited' })));

  let baselineInfo: Report['baseline'];
  if (opts.baseline) {
    const applied = applyBaseline(result.findings, readBaseline(opts.baseline), path.relative(root, opts.baseline) || opts.baseline);
    result.findings = applied.findings;
    result.suppressed.push(...applied.suppressed);
    // A partial run sees only some findings: entries for the rest are not "no longer matching".
    baselineInfo = { file: path.relative(root, path.resolve(opts.baseline)).split(path.sep).join('/'), matched: applied.suppressed.length, unmatched: opts.only ? 0 : applied.unmatched.length };
  }

  const categoryOf = new Map(rules.map((r) => [r.meta.id, r.meta.category as string]));
  const context = {
    disabledRules: new Set(rules.filter((r) => opts.severities?.[r.meta.id] === 'off').map((r) => r.meta.id)),
    categoryOf: (id: string) => categoryOf.get(id),
    suppressed: result.suppressed,
    notAnalysed: result.skipped.map((s) => s.file),
    partial: !!opts.only,
  };
  const hitsOf = (id: string) => Object.fromEntries(probes.flatMap((p, i) => (p.id === id ? [[p.name, result.textHits[i]]] : [])));
  // A partial run that names no config file evaluates no row: each would be "unknown, partial run" anyway.
  const checklist = !configChecked ? [] : timing.time('checklist', () => [...loaded].flatMap(([id, l]) => l.checklist(result.findings, { ...context, textHits: hitsOf(id) })));
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'statelint', version: TOOL_VERSION },
    command: 'audit',
    root: '.',
    ecosystems: ids,
    project: Object.fromEntries([...loaded].map(([id, l]) => [id, l.info])),
    effectiveConfig: Object.assign({}, ...[...loaded.values()].map((l) => l.effectiveConfig())),
    findings: result.findings,
    suppressed: result.suppressed,
    errors: [...[...loaded.values()].flatMap((l) => l.errors), ...result.errors],
    skipped: result.skipped,
    checklist,
    ...(baselineInfo ? { baseline: baselineInfo } : {}),
    ...(opts.only ? { scope: { paths: opts.only, checklistEvaluated: configChecked } } : {}),
    summary: {
      ...countBySeverity(result.findings),
      filesScanned: result.filesScanned,
      durationMs: Date.now() - started,
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
  // The rules that ran (formats list them: JUnit's "no findings" cases, SARIF's rule table): not those turned off,
  // nor, in a partial run that names no config file, the config-level ones.
  const ran = rules.filter((r) => (opts.severities?.[r.meta.id] ?? r.meta.severity) !== 'off' && (configChecked || r.files));
  const metas = [...ran.map((r) => r.meta), ...(opts.reportUnusedSuppressions ? [UNUSED_SUPPRESSION] : [])];
  return { report, rootAbsolute: root, rules: metas, lineText, loaded, ...(cacheWarning ? { cacheWarning } : {}) };
}

/** One audit's run: the rules' results and what the configuration resolution gave them. */
interface AuditRun {
  result: RunResult;
  loaded: Map<string, LoadedEcosystem>;
  configFiles: string[];
  probes: { id: string; name: string; pattern: RegExp }[];
  /** Folders that could not be listed. */
  unreadable: string[];
  /** Config-level rules and the checklist ran: a whole project, or a partial run that names a config file. */
  configChecked: boolean;
  cacheWarning?: string;
}

/** A partial run that could report nothing: `filesScanned` files read, nothing resolved. */
function nothingResolved(filesScanned: number): AuditRun {
  const result: RunResult = { findings: [], suppressed: [], errors: [], skipped: [], filesScanned, textHits: [] };
  return { result, loaded: new Map(), configFiles: [], probes: [], unreadable: [], configChecked: false };
}

/** The ordinary run: walk the project, resolve each ecosystem's facts, run the rules on the files in scope. */
async function resolveAndRun(
  opts: AuditOptions,
  fs: ProjectFs,
  detected: { ecosystem: Ecosystem; evidence: string[] }[],
  rules: Rule[],
  read: (rel: string) => ReadResult,
  defaultCap: boolean,
  inScope: (file: string) => boolean,
): Promise<AuditRun> {
  const discovery = timing.time('file walk (discovery)', () => discoverFiles(fs, languagesOf(rules), opts.ignore));
  timing.count('files discovered', discovery.files.length);
  // With --cache, every answer the ecosystems get while resolving their facts is part of the cache key.
  const recording = opts.cacheFile ? new RecordingFs(fs) : undefined;
  const { facts, loaded } = await timing.timeAsync(CONFIG_PHASE, () => loadProject(opts, recording ?? fs, discovery.files, recording ? undefined : detected));
  const cache = opts.cacheFile ? new ResultCache(cacheKey(opts, rules, discovery.files, recording!), readCacheFile(opts.cacheFile)) : undefined;
  const configFiles = [...loaded.values()].flatMap((l) => l.configFiles);
  const configChecked = !opts.only || configFiles.some(inScope);
  const probes = [...loaded].flatMap(([id, l]) => Object.entries(l.textProbes ?? {}).map(([name, pattern]) => ({ id, name, pattern })));
  // A file an ecosystem read while loading (with the same cap) is not read again.
  const readers = [...loaded.values()].flatMap((l) => (defaultCap && l.readDuringLoad ? [l.readDuringLoad] : []));
  const readOnce = readers.length ? (rel: string) => readers.reduce<ReadResult | undefined>((r, f) => r ?? f(rel), undefined) ?? read(rel) : read;
  const result = await runRules({
    facts,
    rules,
    files: discovery.files.filter((f) => inScope(f.path)),
    indexFiles: discovery.files,
    read: readOnce,
    severities: opts.severities,
    projectChecks: configChecked,
    onProgress: opts.onProgress,
    textProbes: probes.map((p) => p.pattern),
    configFiles: new Set(configFiles),
    unusedSuppressions: opts.reportUnusedSuppressions ? { knownRuleIds: new Set(knownRuleIds()) } : undefined,
    cache,
  });
  const cacheWarning = cache && opts.cacheFile ? writeCacheFile(opts.cacheFile, cache.toFile()) : undefined;
  return { result, loaded, configFiles, probes, unreadable: discovery.unreadable, configChecked, cacheWarning };
}

/** What every cached result depends on besides its file: this build, the rules, the options, the facts' inputs. */
function cacheKey(opts: AuditOptions, rules: Rule[], files: SourceFileRef[], recording: RecordingFs): string {
  const options = { ...opts, path: undefined, fs: undefined, only: undefined, baseline: undefined, cacheFile: undefined, rules: undefined };
  return sha256(
    JSON.stringify({
      tool: TOOL_VERSION,
      build: buildIdentity(),
      rules: rules.map((r) => [r.meta.id, opts.severities?.[r.meta.id] ?? r.meta.severity]),
      options,
      files: sha256(files.map((f) => f.path).join('\n')),
      facts: recording.digest(),
    }),
  );
}

/** Whether a project path is among the named files or under a named folder ('.' names everything). */
function scopeFilter(only: string[] | undefined): (file: string) => boolean {
  if (!only) return () => true;
  const prefixes = only.map((p) => p.replace(/\/+$/, ''));
  return (file) => prefixes.some((p) => p === '.' || p === '' || file === p || file.startsWith(`${p}/`));
}

/** Whether a partial run's paths may decide configuration: a folder, a named env file, or a path an ecosystem may read config from. */
function mayDecideConfig(only: string[], fs: ProjectFs, root: string, envFiles: string[] | undefined, detected: { ecosystem: Ecosystem }[]): boolean {
  const named = new Set((envFiles ?? []).map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/')));
  return only.some((p) => p === '.' || named.has(p) || fs.exists(p) === 'dir' || detected.some(({ ecosystem }) => ecosystem.mayBeConfigFile?.(p) ?? true));
}

/** The number of files a partial run read when they provably give nothing to report (runner's nothingToReport), else undefined. */
function quietPartialRun(opts: AuditOptions, fs: ProjectFs, rules: RuleOutline[], ecosystems: string[], read: (rel: string) => ReadResult): number | undefined {
  const scoped = timing.time('file walk (discovery)', () => discoverFiles(fs, languagesOf(rules), opts.ignore, opts.only));
  timing.count('files discovered', scoped.files.length);
  // A folder that could not be listed is reported as skipped: that is the full run's to say.
  if (scoped.unreadable.length) return undefined;
  return nothingToReport({ rules, files: scoped.files, read, severities: opts.severities, reportUnusedSuppressions: opts.reportUnusedSuppressions, ecosystems });
}
