import type { ChalkInstance } from 'chalk';
import type { Finding, Severity } from '../engine/finding.js';
import type { CheckStatus, FormatInput } from './model.js';

const MARK: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', unknown: ' ?? ' };

function severityLabel(c: ChalkInstance, s: Severity): string {
  if (s === 'error') return c.red('error');
  if (s === 'warning') return c.yellow('warn ');
  return c.blue('info ');
}

function excerpt(c: ChalkInstance, f: Finding, lineText: FormatInput['lineText']): string[] {
  const text = lineText(f.location.file, f.location.line);
  if (text === undefined) return [];
  const num = String(f.location.line);
  const gutter = ' '.repeat(num.length);
  const shown = text.replace(/\t/g, ' ');
  const width = f.location.endLine === f.location.line ? Math.max(1, f.location.endColumn - f.location.column) : Math.max(1, shown.length - f.location.column + 1);
  const caret = ' '.repeat(Math.max(0, f.location.column - 1)) + '^'.repeat(Math.min(width, 120));
  return [c.dim(`    ${num} | `) + shown, c.dim(`    ${gutter} | `) + c.red(caret)];
}

/** Findings grouped by file with a code excerpt, then the statelessness checklist and a summary line. */
export function formatPretty(input: FormatInput, c: ChalkInstance): string {
  const { report, lineText } = input;
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) byFile.set(f.location.file, [...(byFile.get(f.location.file) ?? []), f]);
  const explained = new Set<string>();
  for (const [file, findings] of byFile) {
    out.push(c.underline(file));
    for (const f of findings) {
      // Live findings are about a node or store (a URL), which has no line to point at.
      const where = /^[a-z][a-z+]*:\/\//.test(f.location.file) ? '' : `${f.location.line}:${f.location.column}`;
      out.push(`  ${c.dim(where.padEnd(7))} ${severityLabel(c, f.severity)}  ${f.message}  ${c.dim(f.ruleId)}`);
      out.push(...excerpt(c, f, lineText));
      for (const r of f.related) out.push(c.dim(`      -> ${r.file}:${r.line}  ${r.message}`));
      if (f.fix) out.push(c.cyan(`      ${f.fix.applicability === 'suggestion' ? 'suggested fix' : `fix (${f.fix.applicability}${f.fix.applicability === 'unsafe' ? ', --fix --unsafe-fixes' : ', --fix'})`}: ${f.fix.title}`));
      // The remediation is the same for every finding of a rule: show it once.
      if (!explained.has(f.ruleId)) out.push(c.dim(`      fix: ${f.remediation}`));
      explained.add(f.ruleId);
    }
    out.push('');
  }
  if (report.checklist.length) {
    out.push(c.bold('Statelessness checklist'));
    for (const item of report.checklist) {
      const mark = item.status === 'pass' ? c.green(MARK.pass) : item.status === 'fail' ? c.red(MARK.fail) : c.yellow(MARK.unknown);
      out.push(`  ${mark}  ${item.label.padEnd(16)} ${c.dim(item.value)}`);
    }
    out.push('');
  }
  if (report.errors.length || report.skipped.length) {
    out.push(c.bold('Not fully analysed'));
    for (const e of report.errors) out.push(`  ${c.yellow('!')} ${e.file}: ${e.message}`);
    for (const s of report.skipped) out.push(`  ${c.dim('-')} ${s.file}: skipped, ${s.reason}`);
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
