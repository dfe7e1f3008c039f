import type { ChalkInstance } from 'chalk';
import path from 'node:path';
import type { Finding, Severity } from '../engine/finding.js';
import { excerptView, terminalSafe } from '../lang/source-text.js';
import type { CheckStatus, FormatInput } from './model.js';
import { checklistNotEvaluated } from './paths.js';

/**
 * Everything printed here that comes from the project (file names, source lines, env and config values,
 * messages that quote them) goes through this: a crafted `env("\e[2J...")` must not paint the terminal.
 */
const safe = terminalSafe;

const MARK: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', unknown: ' ?? ', none: 'none' };

function severityLabel(c: ChalkInstance, s: Severity): string {
  if (s === 'error') return c.red('error');
  if (s === 'warning') return c.yellow('warn ');
  return c.blue('info ');
}

/** The finding's line (a window of it when long), control characters escaped; the caret follows the escapes. */
function excerpt(c: ChalkInstance, f: Finding, lineText: FormatInput['lineText']): string[] {
  const text = lineText(f.location.file, f.location.line);
  if (text === undefined) return [];
  const num = String(f.location.line);
  const gutter = ' '.repeat(num.length);
  const view = excerptView(text, f.location.column, f.location.endLine === f.location.line ? f.location.endColumn : undefined);
  const caret = ' '.repeat(view.caret) + '^'.repeat(Math.min(view.caretWidth, 120));
  return [c.dim(`    ${num} | `) + view.text, c.dim(`    ${gutter} | `) + c.red(caret)];
}

/** A project path as the user can open it: relative to their current folder when that is known. */
function shownPath(input: FormatInput, file: string): string {
  if (!input.cwd || /^[a-z][a-z+]*:\/\//.test(file)) return safe(file);
  const rel = path.relative(input.cwd, path.join(input.rootAbsolute, file)).split(path.sep).join('/');
  return safe(rel || file);
}

/**
 * Wraps `text` to the terminal width after an indent; the rule id is appended as one unbreakable word
 * (it moves to the next line rather than being split).
 */
function wrap(text: string, trailer: string, indent: number, columns: number | undefined): string[] {
  if (!columns || columns < 40) return [`${text}  ${trailer}`];
  const words = [...text.split(' '), trailer];
  const width = columns - indent;
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

/** Findings grouped by file with a code excerpt, then the statelessness checklist and a summary line. */
export function formatPretty(input: FormatInput, c: ChalkInstance): string {
  const { report, lineText } = input;
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    // Appended in place: copying the list per finding was quadratic in one file's findings.
    const list = byFile.get(f.location.file);
    if (list) list.push(f);
    else byFile.set(f.location.file, [f]);
  }
  const explained = new Set<string>();
  for (const [file, list] of byFile) {
    // Messages, related lines, fix titles and remediations quote project text: escaped once here.
    const findings = list.map((f) => ({ ...f, message: safe(f.message), remediation: safe(f.remediation), related: f.related.map((r) => ({ ...r, message: safe(r.message) })), fix: f.fix && { ...f.fix, title: safe(f.fix.title) } }));
    out.push(c.underline(shownPath(input, file)));
    for (const f of findings) {
      // Live findings are about a node or store (a URL), which has no line to point at.
      const loc = /^[a-z][a-z+]*:\/\//.test(f.location.file) ? shownPath(input, file) : `${shownPath(input, file)}:${f.location.line}:${f.location.column}`;
      const [first, ...rest] = wrap(f.message, f.ruleId, 4, input.columns);
      const withRule = (line: string) => (line.endsWith(f.ruleId) ? `${line.slice(0, -f.ruleId.length)}${c.dim(f.ruleId)}` : line);
      out.push(`  ${c.dim(loc)}  ${severityLabel(c, f.severity)}  ${withRule(first)}`);
      for (const line of rest) out.push(`    ${withRule(line)}`);
      out.push(...excerpt(c, f, lineText));
      for (const r of f.related) out.push(c.dim(`      -> ${shownPath(input, r.file)}:${r.line}  ${r.message}`));
      if (f.fix) out.push(c.cyan(`      ${f.fix.applicability === 'suggestion' ? 'suggested fix' : `fix (${f.fix.applicability}${f.fix.applicability === 'unsafe' ? ', --fix --unsafe-fixes' : ', --fix'})`}: ${f.fix.title}`));
      // A rule's generic remediation is shown once; one written for this finding is always shown.
      const key = `${f.ruleId}\0${f.remediation}`;
      if (!explained.has(key)) out.push(c.dim(`      how to fix: ${f.remediation}`));
      explained.add(key);
    }
    out.push('');
  }
  const notEvaluated = checklistNotEvaluated(input);
  if (notEvaluated) out.push(`${c.bold('Statelessness checklist')} ${c.dim(notEvaluated)}`, '');
  if (report.checklist.length) {
    out.push(c.bold('Statelessness checklist'));
    for (const item of report.checklist) {
      const mark = item.status === 'pass' ? c.green(MARK.pass) : item.status === 'fail' ? c.red(MARK.fail) : item.status === 'none' ? c.dim(MARK.none) : c.yellow(MARK.unknown);
      out.push(`  ${mark}  ${safe(item.label).padEnd(16)} ${c.dim(safe(item.value))}`);
    }
    out.push('');
  }
  if (report.errors.length || report.skipped.length) {
    out.push(c.bold('Not fully analysed'));
    for (const e of report.errors) out.push(`  ${c.yellow('!')} ${safe(e.file)}: ${safe(e.message)}`);
    for (const s of report.skipped) out.push(`  ${c.dim('-')} ${safe(s.file)}: skipped, ${safe(s.reason)}`);
    out.push('');
  }
  const { error, warning, info, filesScanned, durationMs } = report.summary;
  // A live run counts the nodes and stores it checked, an audit the files it read.
  const scope = report.command === 'live' ? `${filesScanned} target${filesScanned === 1 ? '' : 's'}` : `${filesScanned} files`;
  const total = error + warning + info;
  const parts = [c.red(`${error} error${error === 1 ? '' : 's'}`), c.yellow(`${warning} warning${warning === 1 ? '' : 's'}`), c.blue(`${info} info`)];
  const suppressed = report.suppressed.length ? `, ${report.suppressed.length} suppressed` : '';
  out.push(
    total
      ? `${c.bold(`${total} problem${total === 1 ? '' : 's'}`)} (${parts.join(', ')}${suppressed}) in ${scope}, ${durationMs} ms`
      : `${c.green(report.command === 'live' ? 'No problems found' : 'No stateful patterns found')} in ${scope}${suppressed}, ${durationMs} ms`,
  );
  return `${out.join('\n')}\n`;
}
