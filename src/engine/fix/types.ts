import type { Applicability, Fix, FixEdit } from '../finding.js';

/** The fix model is the finding model's (a finding's `fix` is what the applier applies). */
export type { Applicability, FixEdit };
export type FixProposal = Fix;

/** A file's text before and after fixing. */
export interface FileChange {
  file: string;
  before: string;
  after: string;
}

export type FixReadResult = { ok: true; text: string } | { ok: false; reason: string };

/** The file access the fix applier needs; the core plugs in its project file system. */
export interface FixFileAccess {
  /** A project file's text, BOM stripped, or why it cannot be read. */
  read(file: string): FixReadResult;
  /** Writes every file or none (all-or-nothing across the files of one fix). */
  writeAll(changes: { file: string; text: string }[]): void;
}

export interface MemoryFixFiles extends FixFileAccess {
  /** Every file whose text now differs from its first read, sorted by path. */
  changes(): FileChange[];
}

