import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

/** `npx statelint` as a user gets it: npm pack, install the tarball into an empty folder, run it. */
describe('npm package', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs from its tarball and audits a Laravel app with npx', () => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT, stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeTruthy();
    const app = path.join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), '{"name":"consumer","private":true}');
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', path.join(work, tarball!)], { cwd: app, stdio: 'pipe', timeout: 180_000 });
    // The bundled build is in the package (bin/statelint.js runs it: a few modules instead of ~200).
    expect(existsSync(path.join(app, 'node_modules/statelint/dist/bundle/cli.js'))).toBe(true);
    const r = spawnSync('npx', ['--no-install', 'statelint', 'audit', path.join(ROOT, 'fixtures/projects/laravel-10'), '--format', 'json'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    // npm itself may warn about the machine's npm config; statelint must print nothing on stderr.
    expect(r.stderr.split('\n').filter((l) => l && !/^npm (warn|notice)/i.test(l))).toEqual([]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(5);
    // The library surface: `import { audit } from 'statelint'` gives the same report the CLI printed.
    const lib = spawnSync(process.execPath, ['--input-type=module', '-e', `import { audit, live } from 'statelint'; const r = await audit({ path: ${JSON.stringify(path.join(ROOT, 'fixtures/projects/laravel-10'))} }); console.log(JSON.stringify({ n: r.report.findings.length, live: typeof live }));`], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(lib.stderr).toBe('');
    expect(JSON.parse(lib.stdout)).toEqual({ n: JSON.parse(r.stdout).findings.length, live: 'function' });
  }, 240_000);
});
