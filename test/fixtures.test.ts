import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, fix, loadRules, type AuditOptions } from '../src/api/index.js';
import { compare, readExpectations } from './support/annotations.js';

/**
 * One harness for every rule: each folder under fixtures/rules/<ecosystem>/<rule-name>/ is a small
 * project audited with that rule alone; its annotations must match the findings exactly.
 * A case with a `fixed/` folder is also a fix fixture (Semgrep's .fixed convention, as a tree): the
 * case is copied, fixed with --fix --unsafe-fixes, and every file must equal its copy under fixed/
 * (files not there must be unchanged); a second run changes nothing; changed PHP passes `php -l`;
 * and --diff printed exactly what --fix then changed.
 */
const RULES_DIR = path.resolve(__dirname, '../fixtures/rules');
const ALL_RULES = await loadRules();

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

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe.each(ALL_RULES.map((r) => [r.meta.id, r] as const))('%s', (id, rule) => {
  const cases = casesOf(id);

  it('has fixture cases with a ruleid: and an ok: annotation', () => {
    expect(cases.length, `fixtures/rules/${id}/<case>/ is missing`).toBeGreaterThan(0);
    const all = cases.map(readExpectations);
    expect(all.some((e) => (e.expected.get(id)?.size ?? 0) > 0), 'no ruleid: annotation').toBe(true);
    expect(all.some((e) => (e.forbidden.get(id)?.size ?? 0) > 0), 'no ok: annotation (near-miss)').toBe(true);
  });

  if (rule.meta.fixable) {
    it('has a fix fixture (a case with fixed/)', () => {
      expect(cases.some((c) => existsSync(path.join(c, 'fixed')))).toBe(true);
    });
  }

  it.each(cases.map((c) => [path.basename(c), c]))('case %s', async (_name, dir) => {
    const opts = caseOptions(dir);
    // fixed/ is a fix fixture's expected output, not part of the project under audit.
    const ignore = existsSync(path.join(dir, 'fixed')) ? [...(opts.ignore ?? []), '/fixed/'] : opts.ignore;
    const { report } = await audit({ path: dir, rules: [rule], ecosystems: [rule.meta.ecosystem], ...opts, ignore });
    expect(report.errors.filter((e) => !/parse error/.test(e.message) || !dir.includes('parse-error'))).toEqual([]);
    expect(compare(readExpectations(dir), report.findings, new Set([id]))).toEqual([]);
  });

  const fixCases = cases.filter((c) => existsSync(path.join(c, 'fixed')));
  it.each(fixCases.map((c) => [path.basename(c), c]))('fix %s', async (_name, dir) => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-fix-'));
    try {
      cpSync(dir, work, { recursive: true, filter: (src) => !src.startsWith(path.join(dir, 'fixed')) });
      const opts = { path: work, rules: [rule], ecosystems: [rule.meta.ecosystem], ...caseOptions(work), unsafe: true };
      const preview = await fix({ ...opts, write: false });
      const applied = await fix({ ...opts, write: true });
      expect(applied.fixes.converged).toBe(true);
      expect(applied.fixes.dropped).toEqual([]);
      expect(preview.diff).toBe(applied.diff);
      const expected = path.join(dir, 'fixed');
      for (const file of filesUnder(work)) {
        const want = existsSync(path.join(expected, file)) ? path.join(expected, file) : path.join(dir, file);
        expect(readFileSync(path.join(work, file), 'utf8'), file).toBe(readFileSync(want, 'utf8'));
      }
      for (const c of applied.fixes.changedFiles.filter((f) => f.file.endsWith('.php') && !f.file.endsWith('.blade.php'))) {
        execFileSync('php', ['-l', path.join(work, c.file)], { stdio: 'pipe' });
      }
      const again = await fix({ ...opts, write: true });
      expect(again.fixes.changedFiles).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
