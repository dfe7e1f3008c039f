import type { Finding, SuppressedFinding } from './finding.js';

/**
 * A baseline records today's findings so CI fails only on new ones (PHPStan's baseline, ESLint's
 * bulk suppressions). Entries match by fingerprint, which survives line shifts.
 */
export interface BaselineEntry {
  ruleId: string;
  file: string;
  fingerprint: string;
  message: string;
}

export interface BaselineFile {
  schemaVersion: 1;
  entries: BaselineEntry[];
}

export function toBaseline(findings: Finding[]): BaselineFile {
  const entries = findings.map((f) => ({ ruleId: f.ruleId, file: f.location.file, fingerprint: f.fingerprint, message: f.message }));
  entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  return { schemaVersion: 1, entries };
}

export function applyBaseline(
  findings: Finding[],
  baseline: BaselineFile,
  source: string,
): { findings: Finding[]; suppressed: SuppressedFinding[]; unmatched: BaselineEntry[] } {
  const known = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const used = new Set<string>();
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    if (known.has(f.fingerprint)) {
      used.add(f.fingerprint);
      suppressed.push({ ...f, suppression: { kind: 'baseline', reason: `in baseline ${source}` } });
    } else kept.push(f);
  }
  return { findings: kept, suppressed, unmatched: baseline.entries.filter((e) => !used.has(e.fingerprint)) };
}

/** Checks the shape of a parsed baseline file; returns a sentence describing the problem, or undefined. */
export function baselineProblem(data: unknown): string | undefined {
  const b = data as Partial<BaselineFile> | null;
  if (!b || typeof b !== 'object' || b.schemaVersion !== 1 || !Array.isArray(b.entries)) return 'is not a statelint baseline (expected {"schemaVersion": 1, "entries": [...]})';
  const bad = b.entries.findIndex((e) => !e || typeof e.fingerprint !== 'string' || typeof e.ruleId !== 'string');
  return bad >= 0 ? `entry ${bad + 1} has no ruleId or fingerprint` : undefined;
}
