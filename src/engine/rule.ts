import type { Category, Fix, Location, RelatedLocation, Severity } from './finding.js';
import type { Language } from '../lang/source-text.js';
import type { ProjectFacts } from './project-facts.js';
import type { SyntaxNode } from '../lang/php.js';
import type { LineIndex } from '../lang/source-text.js';
import type { Origin, Val } from './values.js';

/** Rule documentation lives in its metadata (DESIGN.md section 2); it feeds explain, SARIF, JSON and the README. */
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
  fixable: false | 'safe' | 'unsafe';
  /** Ecosystem the rule applies to; the rule runs only when the project has it. */
  ecosystem: 'laravel' | 'node';
}

export interface ReportInput {
  message: string;
  /** Exactly one of node / location / value says where the problem is. */
  node?: SyntaxNode;
  location?: Location;
  /** A resolved config value: the finding points at the line that decided it, with the others as related. */
  value?: Val;
  related?: RelatedLocation[];
  fix?: Fix;
}

export interface ProjectContext {
  facts: ProjectFacts;
  report(input: ReportInput): void;
}

export interface SourceFile {
  path: string;
  language: Language;
  text: string;
  lines: LineIndex;
  root: SyntaxNode;
  /** The smallest named nodes at each match of a pattern (the prefilter hits), in source order. */
  nodesAt(pattern: RegExp): SyntaxNode[];
}

export interface FileContext extends ProjectContext {
  file: SourceFile;
}

export interface FileQuery {
  languages: Language[];
  /** Cheap text test; only matching files are parsed (DESIGN.md section 5). */
  prefilter: RegExp;
  /** Extra path filter (relative, forward slashes). */
  include?(path: string, facts: ProjectFacts): boolean;
}

export interface Rule {
  meta: RuleMeta;
  /** Runs once per project (config-level checks). */
  check?(ctx: ProjectContext): void;
  /** Which source files the rule inspects, and the per-file check. */
  files?: FileQuery;
  checkFile?(ctx: FileContext): void;
}

export const RULE_ID = /^(laravel|node|live)\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function defineRule(rule: Rule): Rule {
  if (!RULE_ID.test(rule.meta.id)) throw new Error(`invalid rule id ${rule.meta.id}`);
  if (!!rule.files !== !!rule.checkFile) throw new Error(`${rule.meta.id}: files and checkFile go together`);
  return rule;
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
