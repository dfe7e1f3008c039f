import type { RuleMeta } from '../engine/rule.js';
import type { Report } from '../engine/report.js';

export type { CheckStatus, ChecklistItem, EffectiveValue, Report } from '../engine/report.js';

/** What formatters get: the report, the metadata of the rules that ran, and excerpt lines. */
export interface FormatInput {
  report: Report;
  rules: RuleMeta[];
  /** Text of a project file line (for excerpts and SARIF fingerprints); undefined if unreadable. */
  lineText(file: string, line: number): string | undefined;
  /** Absolute project root, for messages only. */
  rootAbsolute: string;
  /** The user's current folder: pretty output prints locations relative to it, so terminals can open them. */
  cwd?: string;
  /** Terminal width for pretty output (undefined: do not wrap). */
  columns?: number;
  /**
   * Where the audited folder sits in its git repository, for formats whose paths must be relative to the
   * repository root (github, sarif). Filled in by render() (src/commands/output.ts); `prefix` is '' or 'backend/'.
   * Outside a git repository `root` is the audited folder, `prefix` is '' and `git` is false.
   */
  repository?: { root: string; prefix: string; git: boolean };
}
