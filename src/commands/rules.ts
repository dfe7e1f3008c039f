import { loadRules } from '../api/audit.js';
import type { RuleMeta } from '../engine/rule.js';
import { LIVE_CHECKS } from '../live/checks.js';
import { UsageError } from './errors.js';

/** Version of `statelint rules --format json`; bumped only when a field changes meaning (fields are only added). */
export const RULES_SCHEMA_VERSION = 1;

/** Every rule `statelint audit` runs, then every check `statelint live` makes (ids are a public contract). */
async function allRules(): Promise<{ meta: RuleMeta; command: 'audit' | 'live' }[]> {
  return [...(await loadRules()).map((r) => ({ meta: r.meta, command: 'audit' as const })), ...LIVE_CHECKS.map((meta) => ({ meta, command: 'live' as const }))];
}

export async function listRules(format: 'pretty' | 'json'): Promise<string> {
  const rules = await allRules();
  if (format === 'json') return `${JSON.stringify({ schemaVersion: RULES_SCHEMA_VERSION, rules: rules.map((r) => ({ ...r.meta, command: r.command })) }, null, 2)}\n`;
  const width = Math.max(...rules.map((r) => r.meta.id.length));
  return `${rules.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.category.padEnd(9)}  ${r.meta.summary}`).join('\n')}\n`;
}

export async function explainRule(id: string): Promise<string> {
  const rule = (await allRules()).find((r) => r.meta.id === id);
  if (!rule) throw new UsageError(`Unknown rule "${id}" (see \`statelint rules\` for the list)`);
  const m = rule.meta;
  return [
    `${m.id}  (${m.severity}, ${m.category}${m.fixable ? `, fix: ${m.fixable}` : ''}${rule.command === 'live' ? ', checked by statelint live' : ''})`,
    '',
    m.summary,
    '',
    'Why it matters',
    `  ${m.why}`,
    '',
    'How to fix',
    `  ${m.remediation}`,
    '',
    'Bad',
    ...m.examples.bad.split('\n').map((l) => `  ${l}`),
    '',
    'Good',
    ...m.examples.good.split('\n').map((l) => `  ${l}`),
    '',
  ].join('\n');
}
