import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, loadRules } from '../../src/api/index.js';

const CASES = path.resolve(__dirname, '../../fixtures/rules/laravel');
const rules = await loadRules();
const rule = (id: string) => rules.filter((r) => r.meta.id === id);

async function fixesOf(id: string, dir: string) {
  const { report } = await audit({ path: dir, rules: rule(id), ecosystems: ['laravel'], ignore: ['/fixed/'] });
  return report.findings.map((f) => f.fix && { applicability: f.fix.applicability, title: f.fix.title });
}

describe('laravel/schedule-missing-one-server fix applicability', () => {
  it('is safe when the lock store is shared (redis)', async () => {
    const fixes = await fixesOf('laravel/schedule-missing-one-server', path.join(CASES, 'schedule-missing-one-server/console-shared-lock'));
    expect(fixes.length).toBeGreaterThan(0);
    expect(fixes.every((f) => f?.applicability === 'safe')).toBe(true);
  });

  it('is unsafe on a file lock store, naming the env var this app reads', async () => {
    const fixes = await fixesOf('laravel/schedule-missing-one-server', path.join(CASES, 'schedule-missing-one-server/kernel-file-lock'));
    expect(fixes[0]).toEqual({
      applicability: 'unsafe',
      title: "add ->onOneServer() (its lock needs a shared cache: set CACHE_DRIVER=redis, the lock store is 'file' today)",
    });
  });
});

describe('laravel/env-outside-config fix applicability', () => {
  it('is unsafe when X is set in an env file (the config default cannot be compared)', async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-env-'));
    try {
      cpSync(path.join(CASES, 'env-outside-config/config-keys'), work, { recursive: true });
      writeFileSync(path.join(work, '.env'), 'APP_URL=https://example.test\n');
      const { report } = await audit({ path: work, rules: rule('laravel/env-outside-config'), ecosystems: ['laravel'], ignore: ['/fixed/'] });
      const appUrl = report.findings.find((f) => f.location.file.endsWith('HomeController.php') && f.location.line === 10);
      expect(appUrl?.fix?.applicability).toBe('unsafe');
      expect(appUrl?.fix?.edits.map((e) => e.text)).toEqual(["config('app.url')"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
