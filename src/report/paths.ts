/** Small rendering helpers the formats share: where a finding is, as each format writes it. */
import type { Finding } from '../engine/finding.js';
import type { FormatInput } from './model.js';

/** Live findings are about a node or store: their "file" is a URL (http://, redis://, rediss://, ...). */
export function isUrl(file: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(file);
}

/** A project-relative path as a path from the repository root (absolute paths, user-named env files, stay as they are). */
export function repoPath(input: FormatInput, file: string): string {
  if (isUrl(file) || file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) return file;
  const prefix = input.repository?.prefix ?? '';
  return file === '.' ? prefix.replace(/\/$/, '') || '.' : `${prefix}${file}`;
}

/** `file:line:col` for a file finding, the URL for a live one. */
export function where(f: Pick<Finding, 'location'>): string {
  const l = f.location;
  return isUrl(l.file) ? l.file : `${l.file}:${l.line}:${l.column}`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** "3 problems (1 error, 2 warnings, 0 info) in 12 files" / "No stateful patterns found in 12 files". */
export function summaryLine(input: FormatInput): string {
  const { report } = input;
  const { error, warning, info, filesScanned } = report.summary;
  const scope = report.command === 'live' ? plural(filesScanned, 'target') : plural(filesScanned, 'file');
  const total = error + warning + info;
  const suppressed = report.suppressed.length ? `, ${report.suppressed.length} suppressed` : '';
  if (!total) return `${report.command === 'live' ? 'No problems found' : 'No stateful patterns found'} in ${scope}${suppressed}`;
  return `${plural(total, 'problem')} (${plural(error, 'error')}, ${plural(warning, 'warning')}, ${info} info${suppressed}) in ${scope}`;
}

/** Why a partial run has no checklist rows (undefined when it was evaluated, or the run was not partial). */
export function checklistNotEvaluated(input: FormatInput): string | undefined {
  const scope = input.report.scope;
  return scope && !scope.checklistEvaluated ? 'not evaluated: a partial run evaluates it only when an env or config file is among its files (the full audit always does)' : undefined;
}

/** Where a checklist row's value came from: "session.driver = file" -> the line that decided session.driver. */
export function checklistSource(input: FormatInput, value: string): { file: string; line: number } | null {
  const m = /^([A-Za-z0-9_.-]+)\s*=/.exec(value);
  return (m && input.report.effectiveConfig[m[1]]?.source) || null;
}

/** Effective values the audit could not resolve (they keep checklist rows from passing). */
export function unresolvedValues(input: FormatInput): { key: string; reason: string; source: { file: string; line: number } | null }[] {
  return Object.entries(input.report.effectiveConfig)
    .filter(([, v]) => v.unknown !== undefined)
    .map(([key, v]) => ({ key, reason: v.unknown ?? 'unknown', source: v.source }));
}
