import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';

/**
 * --target-env production (issue 9): a value no env file sets, so the framework's own default decides it, points at
 * the env file where the fix goes (its commented-out line for the key, else its last line), with the framework
 * default as a related location; never at composer.json.
 */
const scratch: string[] = [];
afterAll(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The Laravel 11 slim sample (no config/ files of its own, no vendor/): every value is a framework default. */
function slimApp(envProduction: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-target-env-'));
  scratch.push(dir);
  cpSync(path.join(ROOT, 'fixtures/projects/laravel-11-slim'), dir, { recursive: true });
  writeFileSync(path.join(dir, '.env.production'), envProduction);
  return dir;
}

const finding = (report: any, rule: string) => report.findings.find((f: { ruleId: string }) => f.ruleId === rule);

describe('--target-env and framework defaults', () => {
  it('points a framework default at the commented-out line of the target env file, the default as related', () => {
    const dir = slimApp('APP_ENV=production\n# FILESYSTEM_DISK=s3\nDB_CONNECTION=pgsql\n');
    const run = runCli([dir, '--format', 'json', '--fail-on', 'never', '--target-env', 'production']);
    expect(run.stderr).toContain('resolving with .env.production');
    const disk = finding(JSON.parse(run.stdout), 'laravel/filesystem-disk-local');
    expect(disk.location).toMatchObject({ file: '.env.production', line: 2 });
    expect(disk.message).toContain('FILESYSTEM_DISK is commented out in .env.production');
    expect(disk.related[0]).toMatchObject({ file: 'composer.json', message: 'Laravel 11 framework default for config/filesystems.php' });
    expect(disk.remediation).toContain('FILESYSTEM_DISK=');
  });

  it('points at the last line of the env file when the key is not there at all', () => {
    const dir = slimApp('APP_ENV=production\nDB_CONNECTION=pgsql\n\n');
    const report = JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never', '--target-env', 'production']).stdout);
    const logs = finding(report, 'laravel/log-channel-local');
    expect(logs.location).toMatchObject({ file: '.env.production', line: 2 });
    expect(report.findings.filter((f: { location: { file: string } }) => f.location.file === 'composer.json')).toEqual([]);
    // The target env file's own values still decide, and point at their lines.
    expect(report.effectiveConfig['database.default']).toMatchObject({ value: 'pgsql', source: { file: '.env.production', line: 2 } });
  });

  it('without --target-env framework defaults keep pointing at composer.json; with it, .env.example when there is no .env.production', () => {
    const dir = slimApp('APP_ENV=production\n');
    const without = JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never', '--dotenv', '.env.production']).stdout);
    expect(finding(without, 'laravel/filesystem-disk-local').location.file).toBe('composer.json');
    rmSync(path.join(dir, '.env.production'));
    const example = JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never', '--target-env', 'production']).stdout);
    expect(example.project.laravel.envFiles).toEqual(['.env.example']);
    expect(example.findings.filter((f: { location: { file: string } }) => f.location.file === 'composer.json')).toEqual([]);
  });
});
