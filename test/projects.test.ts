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
    // node-* apps are Node servers only; a Laravel app's front-end package.json is not a Node app;
    // deploy-* samples: deployment manifests beside an app.
    if (name.startsWith('deploy-')) expect(report.ecosystems).toContain('deploy');
    else expect(report.ecosystems).toEqual(name.startsWith('node-') ? ['node'] : ['laravel']);
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
    const { rules } = JSON.parse(runCli(['rules', '--format', 'json']).stdout) as { rules: { id: string }[] };
    const hit = new Set(report.findings.map((f: { ruleId: string }) => f.ruleId));
    expect(rules.filter((r) => r.id.startsWith('laravel/') && !hit.has(r.id)).map((r) => r.id)).toEqual([]);
  });
});

describe('the stateless Node app', () => {
  it('has zero findings, passes every checklist row and exits 0', () => {
    const run = runCli(['audit', path.join(PROJECTS, 'node-stateless'), '--format', 'json', '--fail-on', 'info']);
    const report = JSON.parse(run.stdout);
    expect(report.findings).toEqual([]);
    expect(report.checklist.map((c: { label: string; status: string }) => `${c.label}: ${c.status}`)).toEqual(
      ['Sessions', 'Rate limits', 'Realtime', 'Uploaded files', 'Logs', 'Scheduled jobs', 'Database', 'In-process state'].map((l) => `${l}: pass`),
    );
    expect(run.code).toBe(0);
  });
});

describe('the Node sample apps', () => {
  it('trigger every Node rule at least once', () => {
    const hit = new Set<string>();
    for (const app of apps.filter((a) => a.startsWith('node-'))) {
      for (const f of JSON.parse(runCli(['audit', path.join(PROJECTS, app), '--format', 'json']).stdout).findings) hit.add(f.ruleId);
    }
    const { rules } = JSON.parse(runCli(['rules', '--format', 'json']).stdout) as { rules: { id: string }[] };
    expect(rules.filter((r) => r.id.startsWith('node/') && !hit.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  it('audit only the server package of a monorepo (not the front-end package)', () => {
    const report = JSON.parse(runCli(['audit', path.join(PROJECTS, 'node-monorepo'), '--format', 'json']).stdout);
    expect(report.project.node.packages.map((p: { root: string }) => p.root)).toEqual(['apps/api']);
    expect(report.findings.filter((f: { location: { file: string } }) => f.location.file.startsWith('apps/web/'))).toEqual([]);
  });

  it('a Laravel app with a front-end package.json is not a Node app', () => {
    const report = JSON.parse(runCli(['audit', path.join(PROJECTS, 'laravel-with-frontend'), '--format', 'json']).stdout);
    expect(report.ecosystems).toEqual(['laravel']);
    expect(report.findings.filter((f: { ruleId: string }) => f.ruleId.startsWith('node/'))).toEqual([]);
  });
});
