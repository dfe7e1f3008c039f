import { readdirSync } from 'node:fs';
import type { Rule } from '../engine/rule.js';

/**
 * The rules of an ecosystem are the files in rules/<id>/ (one rule per file, default export), found
 * at run time: adding a rule is adding a file. Helpers live in rules/<id>/support/, which is skipped.
 * (This reads statelint's own install folder, never the audited project.)
 */
export async function discoverRules(ecosystemId: string): Promise<Rule[]> {
  const dir = new URL(`../../rules/${ecosystemId}/`, import.meta.url);
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => e.name)
    .sort();
  const rules: Rule[] = [];
  for (const name of files) {
    const rule = (await import(new URL(name, dir).href)).default as Rule | undefined;
    const expected = `${ecosystemId}/${name.replace(/\.(js|ts)$/, '')}`;
    if (!rule?.meta || rule.meta.id !== expected) throw new Error(`rules/${ecosystemId}/${name} must default-export the rule ${expected}`);
    rules.push(rule);
  }
  return rules;
}
