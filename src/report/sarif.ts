import { pathToFileURL } from 'node:url';
import type { ArtifactLocation, Fix as SarifFix, Location as SarifLocation, Log, Notification, ReportingDescriptor, Result } from 'sarif';
import { lineHash } from '../engine/fingerprint.js';
import { lineIdentity } from '../lang/source-text.js';
import type { Finding, Fix, Severity } from '../engine/finding.js';
import type { RuleMeta } from '../engine/rule.js';
import type { FormatInput } from './model.js';
import { isUrl, repoPath, unresolvedValues } from './paths.js';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** A fix as SARIF artifactChanges: offsets are UTF-16 code units, as the run's columnKind says. */
function sarifFix(fix: Fix, input: FormatInput): SarifFix {
  const byFile = new Map<string, Fix['edits']>();
  for (const e of fix.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return {
    description: { text: `${fix.title} (${fix.applicability})` },
    artifactChanges: [...byFile].map(([file, edits]) => ({
      artifactLocation: artifactLocation(input, file),
      replacements: edits.map((e) => ({ deletedRegion: { charOffset: e.range[0], charLength: e.range[1] - e.range[0] }, insertedContent: { text: e.text } })),
    })),
  };
}

function ruleDescriptor(meta: RuleMeta): ReportingDescriptor {
  const markdown = [
    `**${meta.summary}**`,
    '',
    meta.why,
    '',
    `**How to fix:** ${meta.remediation}`,
    '',
    'Bad:',
    '```',
    meta.examples.bad,
    '```',
    'Good:',
    '```',
    meta.examples.good,
    '```',
  ].join('\n');
  return {
    id: meta.id,
    name: meta.id.split('/')[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
    shortDescription: { text: meta.summary.slice(0, 1024) },
    fullDescription: { text: meta.why.slice(0, 1024) },
    help: { text: `${meta.why}\n\nHow to fix: ${meta.remediation}`, markdown },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: { tags: ['statelessness', meta.category, meta.ecosystem], precision: 'high' },
  };
}

// --- Repository-relative locations, live targets and execution notifications (issue 8) ---

/**
 * A file as SARIF names it: relative to the repository root under %SRCROOT% (so a monorepo's backend/ findings
 * attach to backend/ files), an absolute path (an env file named outside the project) as a file: URI.
 */
export function artifactLocation(input: FormatInput, file: string): ArtifactLocation {
  if (file.startsWith('/')) return { uri: pathToFileURL(file).href };
  return { uri: uriReference(repoPath(input, file)), uriBaseId: '%SRCROOT%' };
}

/**
 * A repository path as a relative URI reference (RFC 3986): each segment percent-encoded as UTF-8, so a
 * file named `a b#1?.php`, `50%.php` or `café.php` is not read as a fragment, a query or an escape. Only
 * unreserved characters and the sub-delimiters that are safe in a path stay as they are; a lone surrogate
 * (a file name that was not valid UTF-8) becomes U+FFFD rather than throwing.
 */
export function uriReference(file: string): string {
  const wellFormed = file.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return wellFormed
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** %SRCROOT% is the repository root (the audited folder outside git), as an absolute file: URI ending in '/'. */
export function originalUriBaseIds(input: FormatInput): NonNullable<Log['runs'][number]['originalUriBaseIds']> {
  const root = input.repository?.root ?? input.rootAbsolute;
  const href = pathToFileURL(root).href;
  return {
    '%SRCROOT%': {
      uri: href.endsWith('/') ? href : `${href}/`,
      description: { text: input.repository?.git === false || !input.repository ? 'The audited folder (not in a git repository).' : 'The root of the git repository that holds the audited folder.' },
    },
  };
}

/**
 * Where a finding is. A live finding is about a node or store URL, not a file: it gets a logical location
 * naming the target (and no physicalLocation, so nothing is written as a file URI).
 */
export function resultLocations(input: FormatInput, f: Finding): SarifLocation[] {
  if (isUrl(f.location.file)) return [{ logicalLocations: [{ name: f.location.file, fullyQualifiedName: f.location.file, kind: 'resource' }], message: { text: `live target ${f.location.file}` } }];
  return [
    {
      physicalLocation: {
        artifactLocation: artifactLocation(input, f.location.file),
        region: { startLine: f.location.line, startColumn: f.location.column, endLine: f.location.endLine, endColumn: f.location.endColumn },
      },
    },
  ];
}

/** Files that were partly analysed (warning) or skipped (note), and values the audit could not resolve (note). */
export function executionNotifications(input: FormatInput): Notification[] {
  const { report } = input;
  const at = (file: string): SarifLocation[] => (isUrl(file) ? [{ logicalLocations: [{ fullyQualifiedName: file, kind: 'resource' }] }] : [{ physicalLocation: { artifactLocation: artifactLocation(input, file) } }]);
  return [
    ...report.errors.map((e): Notification => ({ level: 'warning', descriptor: { id: 'statelint/file-error' }, message: { text: `${e.file}: ${e.message}` }, locations: at(e.file) })),
    ...report.skipped.map((s): Notification => ({ level: 'note', descriptor: { id: 'statelint/skipped' }, message: { text: `${s.file}: skipped, ${s.reason}` }, locations: at(s.file) })),
    ...unresolvedValues(input).map((u): Notification => ({
      level: 'note',
      descriptor: { id: 'statelint/unresolved-value' },
      message: { text: `${u.key} could not be resolved: ${u.reason}` },
      ...(u.source ? { locations: [{ physicalLocation: { artifactLocation: artifactLocation(input, u.source.file), region: { startLine: u.source.line } } }] } : {}),
    })),
  ];
}

/** Nothing audited (no file read, no target checked) is not a successful run, whatever else it says. */
export function executionSuccessful(input: FormatInput): boolean {
  return input.report.summary.filesScanned > 0;
}

/** SARIF 2.1.0 with what GitHub code scanning requires (docs/ARCHITECTURE.md, "Formats"). */
export function formatSarif(input: FormatInput): string {
  const { report, rules, lineText } = input;
  // Every rule that ran is listed, so code scanning can close alerts whose rule found nothing this time.
  const used = rules;
  const index = new Map(used.map((r, i) => [r.id, i]));
  const occurrences = new Map<string, number>();
  // Per line, once: many findings on one long line must not fold it once each (quadratic).
  const lines = new Map<string, { text: string; folded: string }>();
  const results: Result[] = report.findings.map((f) => {
    const lineKey = `${f.location.file}\0${f.location.line}`;
    let line = lines.get(lineKey);
    if (!line) {
      const identity = lineIdentity(lineText(f.location.file, f.location.line) ?? '');
      line = { text: identity, folded: identity.replace(/\s+/g, '') };
      lines.set(lineKey, line);
    }
    const text = line.text;
    const key = `${f.location.file}|${line.folded}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: resultLocations(input, f),
      relatedLocations: f.related.map((r, i) => ({
        id: i + 1,
        message: { text: r.message },
        ...(isUrl(r.file) ? { logicalLocations: [{ fullyQualifiedName: r.file, kind: 'resource' }] } : { physicalLocation: { artifactLocation: artifactLocation(input, r.file), region: { startLine: r.line } } }),
      })),
      partialFingerprints: { primaryLocationLineHash: lineHash(text, occurrence), 'statelint/v1': f.fingerprint },
      ...(f.fix && f.fix.applicability !== 'suggestion' ? { fixes: [sarifFix(f.fix, input)] } : {}),
    };
  });
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'statelint',
            semanticVersion: report.tool.version,
            version: report.tool.version,
            informationUri: 'https://www.npmjs.com/package/statelint',
            rules: used.map(ruleDescriptor),
          },
        },
        originalUriBaseIds: originalUriBaseIds(input),
        columnKind: 'utf16CodeUnits',
        results,
        invocations: [
          {
            executionSuccessful: executionSuccessful(input),
            toolExecutionNotifications: executionNotifications(input),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
