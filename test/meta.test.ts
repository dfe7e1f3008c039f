import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules } from '../src/api/index.js';
import { RULE_ID } from '../src/engine/rule.js';
import { ruleTable } from '../scripts/rule-table.js';

const ROOT = path.resolve(__dirname, '..');

const ALL_RULES = await loadRules();

describe('rule catalogue', () => {
  it('registers every rule file under rules/<ecosystem>/ exactly once', () => {
    const files = readdirSync(path.join(ROOT, 'rules'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(path.join(ROOT, 'rules', d.name)).filter((f) => f.endsWith('.ts')).map((f) => `${d.name}/${f.replace(/\.ts$/, '')}`));
    expect(ALL_RULES.map((r) => r.meta.id).sort()).toEqual(files.sort());
  });

  it.each(ALL_RULES.map((r) => [r.meta.id, r.meta] as const))('%s has complete docs and a fixture folder', (id, meta) => {
    expect(id).toMatch(RULE_ID);
    for (const field of [meta.summary, meta.why, meta.remediation, meta.examples.bad, meta.examples.good]) expect(field.trim().length).toBeGreaterThan(5);
    expect(meta.summary).not.toMatch(/\n/);
    expect(existsSync(path.join(ROOT, 'fixtures/rules', id))).toBe(true);
  });

  it('README rule table is generated from the metadata and up to date (npm run docs)', async () => {
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(await ruleTable());
  });
});
