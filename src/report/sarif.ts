import type { Fix as SarifFix, Log, ReportingDescriptor, Result } from 'sarif';
import { lineHash } from '../engine/fingerprint.js';
import type { Fix, Severity } from '../engine/finding.js';
import type { RuleMeta } from '../engine/rule.js';
import type { FormatInput } from './model.js';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** A fix as SARIF artifactChanges: offsets are UTF-16 code units, as the run's columnKind says. */
function sarifFix(fix: Fix): SarifFix {
  const byFile = new Map<string, Fix['edits']>();
  for (const e of fix.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return {
    description: { text: `${fix.title} (${fix.applicability})` },
    artifactChanges: [...byFile].map(([file, edits]) => ({
      artifactLocation: { uri: file, uriBaseId: '%SRCROOT%' },
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

/** SARIF 2.1.0 with what GitHub code scanning requires (docs/ARCHITECTURE.md, "Formats"). */
export function formatSarif({ report, rules, lineText }: FormatInput): string {
  // Every rule that ran is listed, so code scanning can close alerts whose rule found nothing this time.
  const used = rules;
  const index = new Map(used.map((r, i) => [r.id, i]));
  const occurrences = new Map<string, number>();
  const results: Result[] = report.findings.map((f) => {
    const text = lineText(f.location.file, f.location.line) ?? '';
    const key = `${f.location.file}|${text.replace(/\s+/g, '')}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: f.location.file, uriBaseId: '%SRCROOT%' },
            region: { startLine: f.location.line, startColumn: f.location.column, endLine: f.location.endLine, endColumn: f.location.endColumn },
          },
        },
      ],
      relatedLocations: f.related.map((r, i) => ({
        id: i + 1,
        message: { text: r.message },
        physicalLocation: { artifactLocation: { uri: r.file, uriBaseId: '%SRCROOT%' }, region: { startLine: r.line } },
      })),
      partialFingerprints: { primaryLocationLineHash: lineHash(text, occurrence), 'statelint/v1': f.fingerprint },
      ...(f.fix && f.fix.applicability !== 'suggestion' ? { fixes: [sarifFix(f.fix)] } : {}),
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
        columnKind: 'utf16CodeUnits',
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.errors.map((e) => ({
              level: 'warning' as const,
              message: { text: e.message },
              locations: [{ physicalLocation: { artifactLocation: { uri: e.file, uriBaseId: '%SRCROOT%' } } }],
            })),
          },
        ],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
