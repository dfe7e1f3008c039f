import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/**
 * `npm i git+file:///…/statelint.git`, as people try an unpublished tool: npm clones the repository,
 * installs its devDependencies, runs `prepare` (which compiles dist/) and packs it. Real git, real npm,
 * a bare clone of this repository's current commit (uncommitted changes are not part of the test).
 */
describe('install from a git URL', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-git-install-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds itself (prepare) and runs with npx', () => {
    const bare = path.join(work, 'statelint.git');
    execFileSync('git', ['clone', '-q', '--bare', '--no-hardlinks', ROOT, bare]);
    const app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), '{"name":"consumer","private":true}');
    const t0 = Date.now();
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', '--save-dev', `git+file://${bare}`], { cwd: app, encoding: 'utf8', timeout: 170_000 });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`npm install git+file://…/statelint.git: ${seconds.toFixed(1)} s`);
    expect(install.stderr.split('\n').filter((l) => /ERR/.test(l))).toEqual([]);
    expect(install.status).toBe(0);
    // npm runs prepare twice for a git dependency (in its dependency install, then when it packs the
    // clone): the first compiles, the second (shown with --foreground-scripts) keeps that build
    expect(install.stdout + install.stderr).toMatch(/statelint prepare: dist\/ is newer than the sources, not rebuilt/);
    expect(install.stdout + install.stderr).not.toMatch(/statelint prepare: compiling/);

    const r = spawnSync('npx', ['--no-install', 'statelint', '--version'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    expect(r.status).toBe(0);
    const audit = spawnSync('npx', ['--no-install', 'statelint', path.join(ROOT, 'fixtures/projects/stateless')], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(audit.status).toBe(0);
    // what npm installed is the package as packed: built code and the licence, no sources
    const installed = path.join(app, 'node_modules/statelint');
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 statelint authors\n/);
    expect(spawnSync('test', ['-e', path.join(installed, 'src/cli.ts')]).status).toBe(1);
    expect(spawnSync('test', ['-f', path.join(installed, 'dist/src/cli.js')]).status).toBe(0);
  }, 240_000);
});
