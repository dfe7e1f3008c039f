import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './support/cli.js';
import { schemaErrors } from './support/schema.js';

/** The JSON report is a public contract (dashboards read it): every audit report must match the schema. */
describe('schemas/report-v1.schema.json', () => {
  const projects = readdirSync(path.join(ROOT, 'fixtures/projects'), { withFileTypes: true }).filter((e) => e.isDirectory());
  it.each(projects.map((p) => p.name))('fixtures/projects/%s', (name) => {
    const report = JSON.parse(runCli([path.join(ROOT, 'fixtures/projects', name), '--format', 'json']).stdout);
    expect(schemaErrors(report)).toEqual([]);
  });

  it('a report with inline suppressions', () => {
    const report = JSON.parse(runCli([path.join(ROOT, 'fixtures/rules/laravel/env-outside-config/app-and-views'), '--format', 'json']).stdout);
    expect(report.suppressed.length).toBeGreaterThan(0);
    expect(schemaErrors(report)).toEqual([]);
  });

  it('rejects a report that breaks the contract', () => {
    const report = JSON.parse(runCli([path.join(ROOT, 'fixtures/projects/laravel-10'), '--format', 'json']).stdout);
    report.findings[0].location.line = 0;
    delete report.summary;
    expect(schemaErrors(report).length).toBeGreaterThanOrEqual(2);
  });
});
