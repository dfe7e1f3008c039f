import type { Finding } from '../engine/finding.js';
import type { FormatInput } from './model.js';
import { checklistNotEvaluated, checklistSource, isUrl, repoPath, summaryLine, unresolvedValues, where } from './paths.js';

/**
 * Text for XML 1.0: the five markup characters escaped, and characters XML cannot carry at all (C0 controls
 * other than tab/LF/CR, U+FFFE/U+FFFF, lone surrogates) written as visible \uXXXX instead.
 */
export function xmlEscape(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

type Attrs = Record<string, string | number | undefined>;

function open(name: string, attrs: Attrs, selfClose = false): string {
  const list = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
  return `<${name}${list}${selfClose ? '/>' : '>'}`;
}

/** Element text: only &, < and > need escaping there (quotes stay readable). */
function textEscape(s: string): string {
  return xmlEscape(s).replace(/&quot;/g, '"').replace(/&apos;/g, "'");
}

function element(name: string, attrs: Attrs, body?: string): string {
  return body === undefined ? open(name, attrs, true) : `${open(name, attrs)}${textEscape(body)}</${name}>`;
}

interface Case {
  name: string;
  classname: string;
  file?: string;
  line?: number;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
  out?: string;
}

function findingCase(input: FormatInput, f: Finding): Case {
  const file = isUrl(f.location.file) ? undefined : repoPath(input, f.location.file);
  const body = [
    `${f.severity}: ${f.message}`,
    `at ${file ? `${file}:${f.location.line}:${f.location.column}` : f.location.file}`,
    ...f.related.map((r) => `related: ${repoPath(input, r.file)}:${r.line} ${r.message}`),
    ...(f.fix ? [`fix (${f.fix.applicability}): ${f.fix.title}`] : []),
    `how to fix: ${f.remediation}`,
  ].join('\n');
  const name = file ? `${file}:${f.location.line}:${f.location.column}` : where(f);
  // Errors and warnings fail the case; info findings are passing cases that say what was seen.
  return f.severity === 'info'
    ? { name, classname: f.ruleId, file, line: file ? f.location.line : undefined, out: body }
    : { name, classname: f.ruleId, file, line: file ? f.location.line : undefined, failure: { message: f.message, type: f.severity, body } };
}

function suite(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const lines = [`  ${open('testsuite', { name, tests: cases.length, failures, errors: 0, skipped })}`];
  for (const c of cases) {
    const attrs = { name: c.name, classname: c.classname, file: c.file, line: c.line };
    if (!c.failure && c.skipped === undefined && c.out === undefined) {
      lines.push(`    ${element('testcase', attrs)}`);
      continue;
    }
    lines.push(`    ${open('testcase', attrs)}`);
    if (c.failure) lines.push(`      ${element('failure', { message: c.failure.message, type: c.failure.type }, c.failure.body)}`);
    if (c.skipped !== undefined) lines.push(`      ${element('skipped', { message: c.skipped })}`);
    if (c.out !== undefined) lines.push(`      ${element('system-out', {}, c.out)}`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines.join('\n');
}

/**
 * JUnit XML. One testsuite per rule (CI test views - GitLab, Jenkins, Azure, the GitHub test-report actions - show
 * suites as groups and keep history per suite and case: a rule is the stable thing a team fixes and tracks, a file
 * is not), one failing testcase per error/warning finding, a passing "no findings" case for every rule that ran
 * clean, and a "statelessness checklist" suite with one case per row (fail = failure, unknown = skipped).
 */
export function formatJunit(input: FormatInput): string {
  const { report, rules } = input;
  const suites: string[] = [];
  const byRule = new Map<string, Finding[]>();
  for (const r of rules) byRule.set(r.id, []);
  for (const f of report.findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  for (const [ruleId, findings] of byRule) {
    const cases = findings.length ? findings.map((f) => findingCase(input, f)) : [{ name: 'no findings', classname: ruleId }];
    suites.push(suite(ruleId, cases));
  }
  const notEvaluated = checklistNotEvaluated(input);
  if (notEvaluated) suites.push(suite('statelessness checklist', [{ name: 'checklist', classname: 'checklist', skipped: notEvaluated }]));
  if (report.checklist.length) {
    suites.push(
      suite(
        'statelessness checklist',
        report.checklist.map((item) => {
          const src = checklistSource(input, item.value);
          const detail = `${item.label}: ${item.value}${src ? ` (from ${repoPath(input, src.file)}:${src.line})` : ''}`;
          return {
            name: item.label,
            classname: `checklist.${item.category}`,
            ...(item.status === 'fail' ? { failure: { message: detail, type: 'checklist', body: detail } } : {}),
            ...(item.status === 'unknown' ? { skipped: `not decided: ${detail}` } : {}),
            ...(item.status === 'pass' || item.status === 'none' ? { out: detail } : {}),
          };
        }),
      ),
    );
  }
  const notAnalysed: Case[] = [
    ...report.errors.map((e) => ({ name: e.file, classname: 'analysis.errors', skipped: e.message })),
    ...report.skipped.map((s) => ({ name: s.file, classname: 'analysis.skipped', skipped: s.reason })),
    ...unresolvedValues(input).map((u) => ({ name: u.key, classname: 'analysis.unresolved', skipped: `${u.reason}${u.source ? ` (${repoPath(input, u.source.file)}:${u.source.line})` : ''}` })),
  ];
  if (notAnalysed.length) suites.push(suite('not fully analysed', notAnalysed));
  const all = suites.join('\n');
  const tests = (all.match(/<testcase /g) ?? []).length;
  const failures = (all.match(/<failure /g) ?? []).length;
  const skipped = (all.match(/<skipped /g) ?? []).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${xmlEscape(`statelint ${report.tool.version}: ${summaryLine(input)}`).replace(/--/g, '- -')} -->`,
    open('testsuites', { name: 'statelint', tests, failures, errors: 0, skipped, time: (report.summary.durationMs / 1000).toFixed(3) }),
    all,
    '</testsuites>',
    '',
  ].join('\n');
}
