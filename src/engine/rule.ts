import type { Category, Fix, Location, RelatedLocation, Severity } from './finding.js';
import type { LanguageId } from '../lang/adapter.js';
import type { ProjectFacts } from './project-facts.js';
import type { LineIndex } from '../lang/source-text.js';
import type { Origin, Val } from './values.js';

/** Rule documentation lives in its metadata (docs/ARCHITECTURE.md, "Rules"); it feeds explain, SARIF, JSON and the README. */
export interface RuleMeta {
  /** `<ecosystem>/<kebab-name-of-the-bad-pattern>`; public contract, never renamed. */
  id: string;
  category: Category;
  severity: Severity;
  /** One line. */
  summary: string;
  why: string;
  remediation: string;
  examples: { bad: string; good: string };
  /** The most a fix of this rule may do; a rule reporting a stronger fix is an internal error. */
  fixable: false | 'safe' | 'unsafe' | 'suggestion';
  /** Ecosystem the rule applies to (the folder it lives in); the rule runs only when the project has it. */
  ecosystem: string;
}

export interface ReportInput<N = unknown> {
  message: string;
  /** Exactly one of node / location / value says where the problem is. */
  node?: N;
  location?: Location;
  /** A resolved config value: the finding points at the line that decided it, with the others as related. */
  value?: Val;
  related?: RelatedLocation[];
  /** Overrides the rule's generic remediation with one written for this project. */
  remediation?: string;
  fix?: Fix;
}

export interface ProjectContext {
  facts: ProjectFacts;
  report(input: ReportInput<never>): void;
}

export interface SourceFile<N = unknown> {
  path: string;
  language: LanguageId;
  text: string;
  lines: LineIndex;
  root: N;
  /** The smallest named nodes at each match of a pattern (the prefilter hits), in source order. */
  nodesAt(pattern: RegExp): N[];
  /** Where a node stands in the text (half-open UTF-16 offsets), for fix edits. */
  span(node: N): readonly [number, number];
}

export interface FileContext<N = unknown> {
  facts: ProjectFacts;
  file: SourceFile<N>;
  report(input: ReportInput<N>): void;
  /** The rule's project index (docs/ARCHITECTURE.md, "Project index"), when the rule declares one. */
  index?: unknown;
}

/**
 * A project-wide pre-pass (docs/ARCHITECTURE.md, "Project index"): before any checkFile, every project file
 * the query selects is parsed once and handed to `collect` with a fresh index from `init`; `finish` runs after
 * the last one (fixed points over calls between files). checkFile then sees the finished index as `ctx.index`.
 * The index holds plain data (names, locations), never syntax nodes: trees are freed after each file.
 */
export interface IndexQuery<N = unknown, S = unknown> {
  files: FileQuery;
  init(facts: ProjectFacts): S;
  /**
   * Of the files `files` selected (path and text, project order), the ones to parse and collect; default all.
   * For an index that can tell from the text that a file cannot contribute (upload-select.ts). It must only
   * leave out files whose collect() would change nothing in the finished index's results.
   */
  select?(files: { path: string; text: string }[], index: S, facts: ProjectFacts): Set<string>;
  collect(ctx: { facts: ProjectFacts; file: SourceFile<N>; index: S }): void;
  finish?(index: S, facts: ProjectFacts): void;
  /**
   * After finish(): whether the rule's checkFile still has work in this main-pass file. A file the finished
   * index fully accounts for (log-to-local-file: a channel's later uses, reported at its first) is then not
   * parsed for this rule. Must only return false when checkFile would report nothing there.
   */
  wants?(file: { path: string; text: string }, index: S): boolean;
}

export interface FileQuery {
  languages: LanguageId[];
  /** Cheap text test; only matching files are parsed (docs/ARCHITECTURE.md, "Speed"). */
  prefilter: RegExp;
  /** Extra path filter (relative, forward slashes). */
  include?(path: string, facts: ProjectFacts): boolean;
  /**
   * After the prefilter matched: can this text hold a finding at all? Only for the main pass; it must be exact or
   * wider than checkFile (e.g. "a hit is code, not prose": translation files that say "Schedule" are not parsed).
   */
  mayReport?(text: string): boolean;
}

export interface Rule<N = any> {
  meta: RuleMeta;
  /** Runs once per project (config-level checks). */
  check?(ctx: ProjectContext): void;
  /** Which source files the rule inspects, and the per-file check. */
  files?: FileQuery;
  checkFile?(ctx: FileContext<N>): void;
  /** A project-wide pre-pass whose result checkFile reads as ctx.index. */
  index?: IndexQuery<N, any>;
}

/**
 * What a run needs of a rule before it analyses anything: its metadata and, for a rule that checks files, the
 * languages it reads and its prefilter. A partial run that can report nothing decides on outlines alone; the
 * bundled build lists them at build time (src/ecosystems/rules.ts), so such a run loads no rule module.
 */
export interface RuleOutline {
  meta: RuleMeta;
  /** Set exactly when the rule checks files (defineRule: files and checkFile go together). */
  files?: Pick<FileQuery, 'languages' | 'prefilter'>;
}

export function outlineOf(rule: Rule): RuleOutline {
  return rule.files && rule.checkFile ? { meta: rule.meta, files: { languages: rule.files.languages, prefilter: rule.files.prefilter } } : { meta: rule.meta };
}

export const RULE_ID = /^[a-z]+\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

const FIX_RANK = { suggestion: 1, unsafe: 2, safe: 3 } as const;

export function defineRule<N = any>(rule: Rule<N>): Rule<N> {
  if (!RULE_ID.test(rule.meta.id) || !rule.meta.id.startsWith(`${rule.meta.ecosystem}/`)) throw new Error(`invalid rule id ${rule.meta.id}`);
  if (!!rule.files !== !!rule.checkFile) throw new Error(`${rule.meta.id}: files and checkFile go together`);
  return rule;
}

/** A fix stronger than the rule's metadata declares is a bug in the rule, never silently applied. */
export function fixAllowed(meta: RuleMeta, fix: Fix): boolean {
  return meta.fixable !== false && FIX_RANK[fix.applicability] <= FIX_RANK[meta.fixable];
}

/** Related entries for a resolved value: every other line that took part in deciding it. */
export function relatedOf(value: Val): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  const seen = new Set([`${value.origin.file}:${value.origin.line}`]);
  for (const o of value.via) {
    const key = `${o.file}:${o.line}`;
    if (seen.has(key) || o.file.startsWith('(')) continue;
    seen.add(key);
    out.push({ file: o.file, line: o.line, message: o.note });
  }
  return out;
}

export type { Origin, Val };
