import type { Finding, Severity } from '../engine/finding.js';
import type { FormatInput } from './model.js';
import { isUrl, repoPath, summaryLine, unresolvedValues } from './paths.js';

/** GitHub Actions workflow commands (docs.github.com, "Workflow commands for GitHub Actions"). */
const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

/** Escaping of a command's message (data): %, CR and LF, as @actions/core does. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of a property value: the data escapes plus ':' and ',' (they separate properties). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: string, props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${name}${list.length ? ` ${list.join(',')}` : ''}::${escapeData(message)}`;
}

function annotation(input: FormatInput, f: Finding): string {
  const l = f.location;
  const lines = [f.message];
  if (f.fix) lines.push(`Fix (${f.fix.applicability}): ${f.fix.title}`);
  lines.push(`How to fix: ${f.remediation}`);
  if (isUrl(l.file)) {
    // A live finding is about a node or store, not a file: no file property, the target in the message.
    return command(COMMAND[f.severity], { title: f.ruleId }, `${l.file}: ${lines.join('\n')}`);
  }
  const oneLine = l.endLine === l.line;
  return command(
    COMMAND[f.severity],
    {
      file: repoPath(input, l.file),
      line: l.line,
      endLine: l.endLine,
      // GitHub uses columns only on one-line annotations; its endColumn is the last column, ours is after it.
      col: oneLine ? l.column : undefined,
      endColumn: oneLine ? Math.max(l.column, l.endColumn - 1) : undefined,
      title: f.ruleId,
    },
    lines.join('\n'),
  );
}

/**
 * One workflow command per finding (annotations on the pull request's files, paths from the repository root),
 * warnings for files that could not be analysed, then a plain summary line for the log.
 */
export function formatGithub(input: FormatInput): string {
  const { report } = input;
  const out = report.findings.map((f) => annotation(input, f));
  for (const e of report.errors) {
    out.push(command('warning', isUrl(e.file) ? { title: 'statelint: not fully analysed' } : { file: repoPath(input, e.file), title: 'statelint: not fully analysed' }, e.message));
  }
  const unresolved = unresolvedValues(input);
  const notAnalysed = [
    report.skipped.length ? `${report.skipped.length} skipped (${report.skipped.slice(0, 3).map((s) => `${repoPath(input, s.file)}: ${s.reason}`).join('; ')}${report.skipped.length > 3 ? '; ...' : ''})` : '',
    unresolved.length ? `${unresolved.length} value${unresolved.length === 1 ? '' : 's'} not resolved (${unresolved.map((u) => u.key).join(', ')})` : '',
  ].filter(Boolean);
  out.push(`statelint: ${summaryLine(input)}${notAnalysed.length ? `; ${notAnalysed.join('; ')}` : ''}`.replace(/[\r\n]+/g, ' '));
  return `${out.join('\n')}\n`;
}
