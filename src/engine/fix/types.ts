/**
 * The fix model of this module. Declared here rather than imported from the core's finding model so the
 * engine builds on its own; FixEdit matches the core's shape and FixProposal widens the core's Fix.
 */

/** How far a fix may be trusted: 'safe' is applied by default, 'unsafe' on request, 'suggestion' never. */
export type Applicability = 'safe' | 'unsafe' | 'suggestion';

/** One replacement: `range` is a half-open UTF-16 offset range into the file's text as read (BOM stripped). */
export interface FixEdit {
  /** project-relative, forward slashes */
  file: string;
  range: [number, number];
  text: string;
}

export interface FixProposal {
  title: string;
  applicability: Applicability;
  edits: FixEdit[];
}

/** A file's text before and after fixing. */
export interface FileChange {
  file: string;
  before: string;
  after: string;
}
