import type { ChalkInstance } from 'chalk';
import type { FileError, Finding } from '../engine/finding.js';
import type { ChecklistItem, EffectiveValue } from '../engine/report.js';
import type { Rule } from '../engine/rule.js';
import type { LanguageId } from '../lang/adapter.js';
import type { EnvFile } from '../project/env-files.js';
import type { ProjectFs } from '../project/fs.js';
import type { ReadResult } from '../project/read-source.js';

/**
 * An ecosystem plug-in (docs/ARCHITECTURE.md, "Ecosystems"): everything statelint knows about one kind
 * of app. The engine, the api, the commands and the formatters only talk to this interface.
 */
export interface Ecosystem {
  /** Public id: rule ids start with it, `--ecosystem` takes it. */
  id: string;
  /** Name shown to people ("Laravel"). */
  name: string;
  /** What makes a folder this kind of app, said in one phrase for "not found" messages. */
  signature: string;
  /** The evidence that the folder is this kind of app (file and reason), or undefined. */
  detect(fs: ProjectFs, hints: { configDir?: string }): Detection | undefined;
  /**
   * Set when the ecosystem describes where the app runs (deployment manifests): it is loaded before the
   * others, and its `environmentOf(workload)` is handed to their `load()` as `LoadOptions.environment`.
   */
  providesEnvironment?: boolean;
  /** Resolves the project's facts (configuration with the line that decides each value). */
  load(fs: ProjectFs, options: LoadOptions): Promise<LoadedEcosystem>;
  /**
   * Whether a project path may be one of `LoadedEcosystem.configFiles` (exact or wider: true for every file
   * load() could list), answered from the path alone. A partial run none of whose paths may be a config file
   * resolves no configuration when its files' text gives no rule anything to check. Without it, every partial
   * run of the ecosystem resolves its configuration.
   */
  mayBeConfigFile?(path: string): boolean;
  /** The ecosystem's rules (rules/<id>/*, discovered, not listed by hand). */
  rules(): Promise<Rule[]>;
}

export interface Detection {
  evidence: string[];
}

export interface LoadOptions {
  /** Env files named by the user (project-relative or absolute); default: the ecosystem's own choice. */
  envFiles?: string[];
  /** KEY=VALUE on top of the env files. */
  env?: Record<string, string>;
  /** Config values stated by the user where the resolver cannot derive them. */
  assume?: Record<string, string>;
  /** The env files were chosen for this environment (--target-env): values the framework defaults point at its file. */
  targetEnv?: string;
  configDir?: string;
  /** Source files already discovered (relative paths), so the resolver need not walk again. */
  files?: { path: string; language: LanguageId }[];
  /**
   * The production environment of one workload (`--workload`), read from deployment manifests: applied
   * on top of the env files and under `env`. Each file's entries point at the manifest lines that set them.
   */
  environment?: ProvidedEnvironment;
}

/** Variables a deployment gives one workload, as env files whose lines are the manifest lines. */
export interface ProvidedEnvironment {
  /** The workload judged ("Deployment/web"), said in the report. */
  workload: string;
  /** In the order they apply (a later file overrides an earlier one). */
  files: EnvFile[];
  /** Variables that are set but whose values were not read (from a Secret), for messages. */
  notRead: string[];
}

export interface LoadedEcosystem {
  /** Facts rules read (under ProjectFacts.byEcosystem[id]). */
  facts: unknown;
  /** `report.project[id]`. */
  info: Record<string, unknown>;
  /** Problems reading the project's configuration; listed in the report and never a silent pass. */
  errors: FileError[];
  /** The values that decide where state lives, for `report.effectiveConfig` (never secrets). */
  effectiveConfig(): Record<string, EffectiveValue>;
  /** The statelessness checklist rows, computed from facts and findings (formatters never compute). */
  checklist(findings: Finding[], context: ChecklistContext): ChecklistItem[];
  /** `statelint config`: every deciding value with the line it came from. */
  describeConfig(format: 'pretty' | 'json', chalk: ChalkInstance): string;
  /**
   * What reading a project file gave this load (on the audit's file system, with the default size cap), when it read
   * it: the run takes it instead of reading the file again (a Node app's server files, which the import graph read).
   */
  readDuringLoad?(file: string): ReadResult | undefined;
  /** Project files whose change re-decides the configuration (env and config files). */
  configFiles: string[];
  /**
   * Text patterns the run tests on every source file it reads anyway; the files each matched reach checklist()
   * as `context.textHits[name]`, so a checklist question about the code needs no second read of the project.
   */
  textProbes?: Record<string, RegExp>;
  /** `statelint env`: the env lines that would clear these findings (unproven; the api proves them). */
  envPlan?(findings: Finding[]): Promise<EnvPlanDraft>;
  /** With `providesEnvironment`: the environment of a named workload, or the names that exist. */
  environmentOf?(workload: string): ProvidedEnvironment | { unknown: string[]; ambiguous?: boolean };
}

/** One env line of a plan; a placeholder is a value the user must choose and proves nothing. */
export interface EnvLine {
  key: string;
  value: string;
  placeholder?: boolean;
}

export interface EnvPlanItem {
  /** Rules whose claimed findings these lines clear. */
  rules: string[];
  reason: string;
  lines: EnvLine[];
  /** The findings (of those rules) the lines claim to clear; the others are left as they are. */
  claims: Finding[];
}

export interface EnvPlanDraft {
  items: EnvPlanItem[];
  /** Findings that no env line can clear: the value is written in code. */
  needsCode: { rule: string; reason: string }[];
  unresolved: { rule: string; reason: string }[];
}

export interface ChecklistContext {
  /** Rules that did not run (severity off): a row resting on them cannot pass. */
  disabledRules: Set<string>;
  /** The category of a rule id (rows are per category). */
  categoryOf(ruleId: string): string | undefined;
  /** Findings suppressed inline or by a baseline: evidence that exists but is not shown. */
  suppressed: Finding[];
  /** Files that were not analysed (skipped or unreadable). */
  notAnalysed: string[];
  /** Only some files were audited (named files, --staged, --changed): rows read from code cannot pass. */
  partial: boolean;
  /** For each of the ecosystem's `textProbes`: the source files read in this run that it matched. */
  textHits?: Record<string, Set<string>>;
}
