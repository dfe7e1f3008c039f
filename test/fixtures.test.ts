import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, loadRules, type AuditOptions } from '../src/api/index.js';
import { compare, readExpectations } from './support/annotations.js';

/**
 * One harness for every rule: each folder under fixtures/rules/<ecosystem>/<rule-name>/ is a small
 * project audited with that rule alone; its annotations must match the findings exactly.
 */
const RULES_DIR = path.resolve(__dirname, '../fixtures/rules');

function casesOf(ruleId: string): string[] {
  const dir = path.join(RULES_DIR, ruleId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name));
}

function caseOptions(dir: string): Partial<AuditOptions> {
  const file = path.join(dir, 'statelint-case.json');
  if (!existsSync(file)) return {};
  const opts = JSON.parse(readFileSync(file, 'utf8')) as Partial<AuditOptions>;
  return { ...opts, envFiles: opts.envFiles?.map((f) => path.join(dir, f)) };
}

const ALL_RULES = await loadRules();

describe.each(ALL_RULES.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
  const cases = casesOf(id);

  it('has fixture cases with a ruleid: and an ok: annotation', () => {
    expect(cases.length, `fixtures/rules/${id}/<case>/ is missing`).toBeGreaterThan(0);
    const all = cases.map(readExpectations);
    expect(all.some((e) => (e.expected.get(id)?.size ?? 0) > 0), 'no ruleid: annotation').toBe(true);
    expect(all.some((e) => (e.forbidden.get(id)?.size ?? 0) > 0), 'no ok: annotation (near-miss)').toBe(true);
  });

  it.each(cases.map((c) => [path.basename(c), c]))('case %s', async (_name, dir) => {
    const { report } = await audit({ path: dir, rules: [rule], ecosystems: [rule.meta.ecosystem], ...caseOptions(dir) });
    expect(report.errors.filter((e) => !/parse error/.test(e.message) || !dir.includes('parse-error'))).toEqual([]);
    expect(compare(readExpectations(dir), report.findings, new Set([id]))).toEqual([]);
  });
});
