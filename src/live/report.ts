import { fingerprint } from '../engine/fingerprint.js';
import type { Finding } from '../engine/finding.js';
import { countBySeverity, type EffectiveValue, type Report } from '../engine/report.js';
import { liveCheck, type LiveCheckId } from './checks.js';

/** A live finding before it becomes a Finding: which check, against which target (node or store URL). */
export interface LiveIssue {
  id: LiveCheckId;
  target: string;
  message: string;
}

export function toFinding(issue: LiveIssue, occurrence: number): Finding {
  const meta = liveCheck(issue.id);
  return {
    ruleId: meta.id,
    category: meta.category,
    severity: meta.severity,
    message: issue.message,
    location: { file: issue.target, line: 1, column: 1, endLine: 1, endColumn: 1 },
    related: [],
    remediation: meta.remediation,
    fix: null,
    fingerprint: fingerprint(meta.id, issue.target, meta.id, occurrence),
  };
}

export interface LiveReportInput {
  version: string;
  issues: LiveIssue[];
  project: Record<string, unknown>;
  effectiveConfig?: Record<string, EffectiveValue>;
  ecosystems: string[];
  targets: number;
  durationMs: number;
}

export function buildLiveReport(input: LiveReportInput): Report {
  const seen = new Map<string, number>();
  const findings = input.issues.map((issue) => {
    const key = `${issue.id}\0${issue.target}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return toFinding(issue, n);
  });
  const counts = countBySeverity(findings);
  return {
    schemaVersion: 1,
    tool: { name: 'statelint', version: input.version },
    command: 'live',
    root: '.',
    ecosystems: input.ecosystems,
    project: input.project,
    effectiveConfig: input.effectiveConfig ?? {},
    findings,
    suppressed: [],
    errors: [],
    skipped: [],
    checklist: [],
    summary: {
      ...counts,
      filesScanned: input.targets,
      durationMs: input.durationMs,
      // A check that could not be decided is neither a pass nor a proven failure.
      byCategory: { sessions: findings.some((f) => f.severity !== 'info' && f.ruleId !== 'live/check-incomplete') ? 'fail' : findings.some((f) => f.ruleId === 'live/check-incomplete') ? 'unknown' : 'pass' },
    },
  };
}
