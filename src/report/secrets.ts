import type { Finding } from '../engine/finding.js';
import { maskSecrets } from '../project/env-files.js';
import type { FormatInput } from './model.js';

/**
 * The one place secrets are masked for every format (render() in src/commands/output.ts calls it): a
 * hard-coded default of a secret key (`env('STRIPE_SECRET', 'sk_live_...')`, `'password' => 'hunter2'`),
 * a password in a URL or a well-known token shape, wherever the project's text reaches a report: source
 * lines (excerpts, SARIF fingerprints), messages, remediations, related lines, fix titles and fix edits
 * (a suggested fix that copies the default into a config file), errors, skipped reasons and the checklist.
 * Masks are `*` of the same length, so columns and carets stay right. The audit itself (and --fix) works
 * on the real text; only what is shown is masked.
 */
export function maskFormatInput(input: FormatInput): FormatInput {
  const { report } = input;
  const lines = new Map<string, string | undefined>();
  const lineText = (file: string, line: number): string | undefined => {
    const key = `${file}\0${line}`;
    if (!lines.has(key)) {
      const text = input.lineText(file, line);
      lines.set(key, text === undefined ? undefined : maskSecrets(text));
    }
    return lines.get(key);
  };
  const finding = <F extends Finding>(f: F): F => ({
    ...f,
    message: maskSecrets(f.message),
    remediation: maskSecrets(f.remediation),
    related: f.related.map((r) => ({ ...r, message: maskSecrets(r.message) })),
    fix: f.fix && { ...f.fix, title: maskSecrets(f.fix.title), edits: f.fix.edits.map((e) => ({ ...e, text: maskSecrets(e.text) })) },
  });
  return {
    ...input,
    lineText,
    report: {
      ...report,
      findings: report.findings.map(finding),
      suppressed: report.suppressed.map(finding),
      errors: report.errors.map((e) => ({ ...e, message: maskSecrets(e.message) })),
      skipped: report.skipped.map((s) => ({ ...s, reason: maskSecrets(s.reason) })),
      checklist: report.checklist.map((c) => ({ ...c, value: maskSecrets(c.value) })),
    },
  };
}
