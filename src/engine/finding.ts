/** The finding model shared by the audit, the live check and every formatter (docs/ARCHITECTURE.md, "Findings and the report"). */

export type Severity = 'error' | 'warning' | 'info';
export type SeverityOrOff = Severity | 'off';

export const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/** The exit code of a run: 1 when a finding is at or above `failOn` ('never' never fails), else 0. */
export function failsAt(severities: Severity[], failOn: Severity | 'never'): 0 | 1 {
  if (failOn === 'never') return 0;
  return severities.some((s) => SEVERITY_RANK[s] >= SEVERITY_RANK[failOn]) ? 1 : 0;
}

export type Category =
  | 'sessions' | 'cache' | 'uploads' | 'logs' | 'config' | 'scheduler'
  | 'database' | 'realtime' | 'rate-limit' | 'memory' | 'deployment' | 'queue';

import type { Location } from '../lang/source-text.js';

export type { Location };

export interface RelatedLocation {
  file: string;
  line: number;
  message: string;
}

/** Replace the half-open UTF-16 offset range of the file's text (as read, BOM dropped) with text. */
export interface FixEdit {
  file: string;
  range: [number, number];
  text: string;
}

/**
 * safe: applied by --fix, cannot change behaviour beyond the intended one; unsafe: applied only with
 * --unsafe-fixes (it needs a value or a decision a human should review); suggestion: shown, never applied.
 */
export type Applicability = 'safe' | 'unsafe' | 'suggestion';

export interface Fix {
  title: string;
  applicability: Applicability;
  edits: FixEdit[];
}

export interface Finding {
  ruleId: string;
  category: Category;
  severity: Severity;
  message: string;
  location: Location;
  related: RelatedLocation[];
  remediation: string;
  fix: Fix | null;
  fingerprint: string;
}

export interface SuppressedFinding extends Finding {
  suppression: { kind: 'inline' | 'baseline'; reason: string };
}

/** A file the audit could not (fully) analyse; the audit goes on. */
export interface FileError {
  file: string;
  message: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}
