import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, readExpectations } from './support/annotations.js';
import { ROOT, runCli } from './support/cli.js';

/** Whole sample apps audited end to end through the real binary; their annotations must match exactly. */
const PROJECTS = path.join(ROOT, 'fixtures/projects');
const apps = readdirSync(PROJECTS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe.each(apps)('fixtures/projects/%s', (name) => {
  const dir = path.join(PROJECTS, name);

  it('reports exactly the annotated lines', () => {
    const run = runCli(['audit', dir, '--format', 'json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report.errors).toEqual([]);
    expect(report.ecosystems).toContain('laravel');
    expect(compare(readExpectations(dir), report.findings)).toEqual([]);
    expect(run.code).toBe(report.summary.error > 0 ? 1 : 0);
  });
});

describe('the stateless app', () => {
  it('has zero findings, passes every checklist row and exits 0', () => {
    const run = runCli(['audit', path.join(PROJECTS, 'stateless'), '--format', 'json', '--fail-on', 'info']);
    const report = JSON.parse(run.stdout);
    expect(report.findings).toEqual([]);
    expect(report.checklist.map((c: { status: string }) => c.status)).toEqual(Array(8).fill('pass'));
    expect(run.code).toBe(0);
  });
});

describe('the demo app', () => {
  it('triggers every Laravel rule at least once', () => {
    const report = JSON.parse(runCli(['audit', path.join(PROJECTS, 'demo-app'), '--format', 'json']).stdout);
    const rules = JSON.parse(runCli(['rules', '--format', 'json']).stdout) as { id: string }[];
    const hit = new Set(report.findings.map((f: { ruleId: string }) => f.ruleId));
    expect(rules.filter((r) => r.id.startsWith('laravel/') && !hit.has(r.id)).map((r) => r.id)).toEqual([]);
  });
});
