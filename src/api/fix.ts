import { applyFixes, unifiedDiff, type ApplyResult, type FixFileAccess } from '../engine/fix/index.js';
import { hasAdapter, languageOf, loadAdapter } from '../lang/adapter.js';
import { diskFixFiles } from '../project/fix-files.js';
import { DiskFs, OverlayFs } from '../project/fs.js';
import { audit, type AuditOptions, type AuditResult } from './audit.js';
import { resolveRoot } from './user-files.js';

export interface FixOptions extends AuditOptions {
  /** Also apply unsafe fixes (--unsafe-fixes); suggestions are never applied. */
  unsafe?: boolean;
  /** Write the result to the project (--fix); without it nothing is written (--diff). */
  write: boolean;
}

export interface FixResult {
  fixes: ApplyResult;
  /** Unified diff of everything the fixes change (what --diff prints). */
  diff: string;
  /** The audit of the fixed project: what remains. */
  after: AuditResult;
}

/** A project file system whose writes stay in memory: every pass audits the result of the last one. */
class FixOverlay extends OverlayFs implements FixFileAccess {
  writeAll(changes: { file: string; text: string }[]): void {
    for (const c of changes) this.write(c.file, c.text);
  }
}

/**
 * `--fix` / `--diff` as a library call. All passes run in memory (each one re-parses and re-resolves the
 * configuration through a fresh audit); only the end result is written, every file or none, so an
 * interrupted run never leaves a half-fixed project. `--diff` is the same run without the write.
 */
export async function fix(opts: FixOptions): Promise<FixResult> {
  const root = resolveRoot(opts.path);
  const overlay = new FixOverlay(opts.fs ?? new DiskFs(root));
  const fixes = await applyFixes({
    files: overlay,
    allow: { unsafe: !!opts.unsafe },
    collect: async () => {
      const { report } = await audit({ ...opts, fs: overlay });
      return { fixes: report.findings.flatMap((f) => (f.fix ? [{ ruleId: f.ruleId, fingerprint: f.fingerprint, fix: f.fix }] : [])) };
    },
    parseErrors: syntaxErrors,
  });
  if (opts.write && fixes.changedFiles.length) diskFixFiles(root).writeAll(fixes.changedFiles.map((c) => ({ file: c.file, text: c.after })));
  const after = await audit({ ...opts, fs: opts.write ? opts.fs : overlay });
  return { fixes, diff: await unifiedDiff(fixes.changedFiles), after };
}

/**
 * Whether a file's new text still parses. Positions are left out on purpose: a fix that moves an error
 * the file already had is not adding one.
 */
async function syntaxErrors(file: string, text: string): Promise<string[]> {
  const language = languageOf(file);
  if (!language || !hasAdapter(language)) return [];
  const parsed = await (await loadAdapter(language)).parse(text);
  try {
    return parsed.firstError() === undefined ? [] : ['a syntax error'];
  } finally {
    parsed.dispose();
  }
}
