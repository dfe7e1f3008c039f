import { readdirSync } from 'node:fs';
import { outlineOf, type Rule, type RuleOutline } from '../engine/rule.js';

/**
 * The rules of an ecosystem are the files in rules/<id>/ (one rule per file, default export), found
 * at run time: adding a rule is adding a file. Helpers live in rules/<id>/support/, which is skipped.
 * (This reads statelint's own install folder, never the audited project.)
 */
export async function discoverRules(ecosystemId: string): Promise<Rule[]> {
  const dir = ruleDir(ecosystemId);
  const bundled = bundledRules()?.[ecosystemId];
  const modules = bundled && (await bundled.load());
  const rules: Rule[] = [];
  for (const name of bundled ? bundled.names : ruleFiles(dir)) {
    const rule = (modules ? modules[name] : await import(new URL(name, dir).href)).default as Rule | undefined;
    const expected = ruleIdOf(ecosystemId, name);
    if (!rule?.meta || rule.meta.id !== expected) throw new Error(`rules/${ecosystemId}/${name} must default-export the rule ${expected}`);
    rules.push(rule);
  }
  return rules;
}

const ruleDir = (ecosystemId: string) => new URL(`../../rules/${ecosystemId}/`, import.meta.url);

function ruleFiles(dir: URL): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => e.name)
    .sort();
}

/**
 * The ids of an ecosystem's rules from their file names alone (a rule's id is its file name, which
 * discoverRules checks): validating `--rule x=off` or a settings file needs the ids, and importing every
 * rule of every ecosystem for that cost a hook run ~100 ms (the deploy rules pull in the YAML parser).
 */
export function discoverRuleIds(ecosystemId: string): string[] {
  const bundled = bundledRules()?.[ecosystemId];
  return (bundled ? bundled.names : ruleFiles(ruleDir(ecosystemId))).map((name) => ruleIdOf(ecosystemId, name));
}

/**
 * The outlines of an ecosystem's rules (metadata, languages, prefilter), in file-name order. The bundled build lists
 * them at build time, from the compiled rules, as data: a partial run that can report nothing decides
 * without compiling ~150 KB of rule code. Everywhere else they are taken from the loaded rules.
 */
export async function ruleOutlines(ecosystemId: string): Promise<RuleOutline[]> {
  return bundledRuleOutlines()?.[ecosystemId] ?? (await discoverRules(ecosystemId)).map(outlineOf);
}

/** A rule's id is its file name under its ecosystem: rules/laravel/env-outside-config.ts -> laravel/env-outside-config. */
const ruleIdOf = (ecosystemId: string, file: string) => `${ecosystemId}/${file.replace(/\.(js|ts)$/, '')}`;

/**
 * In the bundled build (scripts/bundle.mjs): per ecosystem, its rule file names (sorted) and a loader of their
 * modules, listed from rules/<id>/ at build time. Everywhere else (dist/src, tests) undefined: rules/<id>/ is read.
 */
function bundledRules(): Record<string, { names: string[]; load(): Promise<Record<string, { default?: Rule }>> }> | undefined {
  return undefined; // statelint:bundled-rules
}

/**
 * In the bundled build (scripts/bundle.mjs): per ecosystem, its rules' outlines, written at build time from the
 * compiled rules (dist/rules) with outlineOf. Everywhere else undefined.
 */
function bundledRuleOutlines(): Record<string, RuleOutline[]> | undefined {
  return undefined; // statelint:bundled-rule-outlines
}
