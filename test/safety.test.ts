import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from './support/cli.js';

/**
 * The audited project must never reach Node's own option handling (docs/ARCHITECTURE.md, "Safety").
 * Each test plants a payload that would create a marker file if Node ran it, then starts statelint.
 */
describe('project files never reach Node option handling', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-safety-'));
  const app = path.join(work, 'app');
  const marker = path.join(work, 'PWNED');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeEach(() => {
    rmSync(app, { recursive: true, force: true });
    rmSync(marker, { force: true });
    mkdirSync(path.join(app, 'storage'), { recursive: true });
    mkdirSync(path.join(app, 'config'), { recursive: true });
    writeFileSync(path.join(app, 'artisan'), '<?php\n');
    writeFileSync(path.join(app, 'config/session.php'), "<?php\nreturn ['driver' => env('SESSION_DRIVER', 'redis')];\n");
    writeFileSync(path.join(app, 'storage/x.cjs'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    writeFileSync(path.join(app, '.env.production'), `NODE_OPTIONS=--require ./storage/x.cjs\nSESSION_DRIVER=file\n`);
  });

  for (const form of [['--dotenv', '.env.production'], ['--dotenv=.env.production']]) {
    it(`bin: ${form.join(' ')} is read by statelint, not by Node`, () => {
      const r = runCli(['audit', '.', ...form, '-f', 'json'], {}, app);
      expect(existsSync(marker)).toBe(false);
      expect(r.code).toBe(1); // the env file was read by statelint: SESSION_DRIVER=file is a finding
      expect(JSON.parse(r.stdout).project.laravel.envFiles).toEqual(['.env.production']);
    });
  }

  it('bin: an env file outside the current folder does not stop Node before statelint starts', () => {
    const r = runCli(['audit', app, '--dotenv', path.join(app, '.env.production'), '-f', 'json'], {}, work);
    expect(existsSync(marker)).toBe(false);
    expect(r.code).toBe(1);
  });

  for (const flag of ['--env-file', '--env-file=.env.production', '--env-file-if-exists']) {
    it(`bin: Node's spelling ${flag} never reaches Node and is refused with the reason`, () => {
      const r = runCli(['audit', '.', ...(flag.includes('=') ? [flag] : [flag, '.env.production'])], {}, app);
      expect(existsSync(marker)).toBe(false);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^statelint: --env-file[\w-]* is Node's own flag .* statelint takes --dotenv <file>\n$/);
    });
  }

  it('bin: NODE_OPTIONS in the environment (as npm sets it from a project .npmrc) is not applied', () => {
    const r = runCli(['audit', '.', '-f', 'json'], { NODE_OPTIONS: `--require ${path.join(app, 'storage/x.cjs')}` }, app);
    expect(existsSync(marker)).toBe(false);
    expect(r.code).toBe(0);
  });

  it('git hook: a pre-commit hook that runs statelint with the project env file', () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: app, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q');
    writeFileSync(path.join(app, '.git/hooks/pre-commit'), `#!/bin/sh\nexec ${JSON.stringify(BIN)} audit . --dotenv .env.production --fail-on never\n`, { mode: 0o755 });
    git('add', '-A');
    git('commit', '-q', '-m', 'x');
    expect(existsSync(marker)).toBe(false);
    expect(git('log', '--oneline').toString()).toMatch(/x/);
  });

  it('npx: the installed package, with a project .npmrc that sets node-options', () => {
    const npm = 'npm';
    const pack = path.join(work, 'pack');
    mkdirSync(pack, { recursive: true });
    execFileSync(npm, ['pack', '--pack-destination', pack, '--silent'], { cwd: path.dirname(path.dirname(BIN)), stdio: 'pipe' });
    const tarball = path.join(pack, execFileSync('ls', [pack]).toString().trim().split('\n')[0]);
    writeFileSync(path.join(app, 'package.json'), '{"name":"consumer","private":true}');
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--silent', tarball], { cwd: app, stdio: 'pipe', timeout: 180_000 });
    writeFileSync(path.join(app, '.npmrc'), `node-options=--require ${path.join(app, 'storage/x.cjs')}\n`);
    const r = spawnSync('npx', ['--no-install', 'statelint', 'audit', '.', '--dotenv', '.env.production', '-f', 'json'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(existsSync(marker)).toBe(false);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
  }, 240_000);
});

describe('an install without dist/', () => {
  it('says what is missing in one sentence, exit 2, no stack', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-nodist-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(path.join(dir, 'bin/statelint.js'), readFileSync(BIN), { mode: 0o755 });
      const r = spawnSync(path.join(dir, 'bin/statelint.js'), ['--version'], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^statelint: this install has not been built \(no dist\/ in .*\); run `npm run build` there, or install from the npm tarball\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
