import type { Finding, Severity } from '../engine/finding.js';
import type { CheckStatus, FormatInput } from './model.js';
import { checklistNotEvaluated, checklistSource, isUrl, plural, repoPath, summaryLine, unresolvedValues } from './paths.js';

const STATUS: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', unknown: '❔ unknown', none: '➖ none' };
const SEVERITY: Record<Severity, string> = { error: '🔴 error', warning: '🟠 warning', info: '🔵 info' };
/** GitHub caps a step summary at 1 MiB and a comment at 65,536 characters: list this many findings, count the rest. */
const MAX_FINDINGS = 100;

/**
 * Project text inside a GitHub-flavoured Markdown table cell: Markdown and HTML punctuation backslash-escaped
 * (so `|` cannot end the cell, backticks open no code span, `<` opens no tag, `@` mentions nobody), line breaks as <br>.
 */
export function mdEscape(s: string): string {
  return s
    .replace(/[\\`*_[\]|<>~@]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n|\r/g, '<br>');
}

function location(input: FormatInput, f: Finding): string {
  return isUrl(f.location.file) ? mdEscape(f.location.file) : mdEscape(`${repoPath(input, f.location.file)}:${f.location.line}:${f.location.column}`);
}

/** Checklist table and findings table, for $GITHUB_STEP_SUMMARY and pull-request comments. */
export function formatMarkdown(input: FormatInput): string {
  const { report } = input;
  const out: string[] = [`## statelint ${report.command === 'live' ? 'live check' : 'audit'}`, '', `**${mdEscape(summaryLine(input))}**`, ''];
  const notEvaluated = checklistNotEvaluated(input);
  if (notEvaluated) out.push('### Statelessness checklist', '', `_${mdEscape(notEvaluated)}_`, '');
  if (report.checklist.length) {
    out.push('### Statelessness checklist', '', '| Status | Area | Resolved value | From |', '|---|---|---|---|');
    for (const item of report.checklist) {
      const src = checklistSource(input, item.value);
      out.push(`| ${STATUS[item.status]} | ${mdEscape(item.label)} | ${mdEscape(item.value)} | ${src ? mdEscape(`${repoPath(input, src.file)}:${src.line}`) : ''} |`);
    }
    out.push('');
  }
  if (report.findings.length) {
    out.push('### Findings', '', '| Severity | Rule | Location | Message | Fix |', '|---|---|---|---|---|');
    for (const f of report.findings.slice(0, MAX_FINDINGS)) {
      const fix = f.fix ? `${mdEscape(f.fix.title)} (${f.fix.applicability})` : '';
      out.push(`| ${SEVERITY[f.severity]} | ${mdEscape(f.ruleId)} | ${location(input, f)} | ${mdEscape(f.message)} | ${fix} |`);
    }
    if (report.findings.length > MAX_FINDINGS) out.push('', `… and ${plural(report.findings.length - MAX_FINDINGS, 'more finding')} (see the full report).`);
    out.push('', '### How to fix', '');
    const seen = new Set<string>();
    for (const f of report.findings) {
      if (seen.has(f.ruleId)) continue;
      seen.add(f.ruleId);
      out.push(`- **${mdEscape(f.ruleId)}**: ${mdEscape(f.remediation)}`);
    }
    out.push('');
  }
  const unresolved = unresolvedValues(input);
  if (report.errors.length || report.skipped.length || unresolved.length) {
    out.push('### Not fully analysed', '');
    for (const e of report.errors) out.push(`- ${mdEscape(repoPath(input, e.file))}: ${mdEscape(e.message)}`);
    for (const s of report.skipped) out.push(`- ${mdEscape(repoPath(input, s.file))}: skipped, ${mdEscape(s.reason)}`);
    for (const u of unresolved) out.push(`- ${mdEscape(u.key)} not resolved: ${mdEscape(u.reason)}${u.source ? ` (${mdEscape(`${repoPath(input, u.source.file)}:${u.source.line}`)})` : ''}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
