import type { Category, FileError, Finding, Severity, SkippedFile, SuppressedFinding } from './finding.js';

/** `none`: nothing of this kind in the app (no scheduled tasks): nothing to pass or fail. */
export type CheckStatus = 'pass' | 'fail' | 'unknown' | 'none';

/** One row of the statelessness checklist (the seed's own terms); each ecosystem computes its rows. */
export interface ChecklistItem {
  category: Category;
  label: string;
  status: CheckStatus;
  /** Resolved value shown beside the status, e.g. "session.driver = redis". */
  value: string;
}

export interface EffectiveValue {
  value: string | number | boolean | null;
  source: { file: string; line: number } | null;
  unknown?: string;
  /** Stated by the user (--assume), not derived from the project's files. */
  assumed?: boolean;
}

/** The JSON report, schemaVersion 1 (docs/ARCHITECTURE.md, "Findings and the report"). Fields are only ever added. */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'statelint'; version: string };
  command: 'audit' | 'live';
  root: string;
  ecosystems: string[];
  project: Record<string, unknown>;
  effectiveConfig: Record<string, EffectiveValue>;
  findings: Finding[];
  suppressed: SuppressedFinding[];
  errors: FileError[];
  skipped: SkippedFile[];
  checklist: ChecklistItem[];
  /** With --fix: what was applied, what was dropped and why, and whether the passes converged. */
  fixes?: {
    applied: { ruleId: string; title: string; applicability: string; files: string[] }[];
    dropped: { ruleId: string; title: string; reason: string }[];
    passes: number;
    converged: boolean;
  };
  /**
   * A partial run (named files, --staged, --changed): the project paths it reported on, and whether the checklist
   * was evaluated (only when an env or config file is among them; otherwise `checklist` is empty).
   */
  scope?: { paths: string[]; checklistEvaluated: boolean };
  /** With --baseline: how many findings it suppressed and how many of its entries matched nothing. */
  baseline?: { file: string; matched: number; unmatched: number };
  summary: {
    error: number;
    warning: number;
    info: number;
    filesScanned: number;
    durationMs: number;
    byCategory: Partial<Record<Category, CheckStatus>>;
  };
}

export function countBySeverity(findings: Finding[]): Record<Severity, number> {
  const out: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) out[f.severity]++;
  return out;
}
