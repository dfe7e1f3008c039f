import { loadRules } from '../api/index.js';
import { UsageError } from './errors.js';

export async function listRules(format: 'pretty' | 'json'): Promise<string> {
  const rules = await loadRules();
  if (format === 'json') return `${JSON.stringify(rules.map((r) => r.meta), null, 2)}\n`;
  const width = Math.max(...rules.map((r) => r.meta.id.length));
  return `${rules.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.category.padEnd(9)}  ${r.meta.summary}`).join('\n')}\n`;
}

export async function explainRule(id: string): Promise<string> {
  const rule = (await loadRules()).find((r) => r.meta.id === id);
  if (!rule) throw new UsageError(`Unknown rule "${id}" (see \`statelint rules\` for the list)`);
  const m = rule.meta;
  return [
    `${m.id}  (${m.severity}, ${m.category}${m.fixable ? `, fix: ${m.fixable}` : ''})`,
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
