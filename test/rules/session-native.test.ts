import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, loadRules } from '../../src/api/index.js';

const CASE = path.resolve(__dirname, '../../fixtures/rules/laravel/session-store-local/superglobal-dump');
const rules = (await loadRules()).filter((r) => r.meta.id === 'laravel/session-store-local');

// The fixture harness compares lines as sets; the count per line is checked here.
describe('laravel/session-store-local on native $_SESSION', () => {
  it('reports one finding per line, an isset() guard and its read together', async () => {
    const { report } = await audit({ path: CASE, rules, ecosystems: ['laravel'] });
    const lines = report.findings.map((f) => `${f.location.file}:${f.location.line}`);
    expect(lines).toEqual(['app/Support/ErrorPage.php:23', 'app/Support/ErrorPage.php:28']);
    // the first $_SESSION of the line, inside isset()
    expect(report.findings[0].location.column).toBe(23);
  });
});
