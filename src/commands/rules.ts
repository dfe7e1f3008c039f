import { ALL_RULES, findRule } from '../../rules/index.js';
import { UsageError } from './errors.js';

export function listRules(format: 'pretty' | 'json' | 'sarif'): string {
  if (format === 'json') return `${JSON.stringify(ALL_RULES.map((r) => r.meta), null, 2)}\n`;
  const width = Math.max(...ALL_RULES.map((r) => r.meta.id.length));
  return `${ALL_RULES.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.category.padEnd(9)}  ${r.meta.summary}`).join('\n')}\n`;
}

export function explainRule(id: string): string {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`Unknown rule "${id}" (see \`statelint rules\` for the list)`);
  const m = rule.meta;
  return [
    `${m.id}  (${m.severity}, ${m.category})`,
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
