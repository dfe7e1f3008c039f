/** The fix engine: applies findings' fixes pass by pass and renders what changed. */
export type { Applicability, FileChange, FixEdit, FixFileAccess, FixProposal, FixReadResult, MemoryFixFiles } from './types.js';
export type { AppliedFix, ApplyOptions, ApplyResult, DroppedFix, FixPassInput, ProposedFix } from './apply.js';
export { applyFixes, DEFAULT_MAX_PASSES, FixRunError } from './apply.js';
export { unifiedDiff } from './diff.js';
