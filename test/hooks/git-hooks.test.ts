import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLEAN_CONTROLLER, ENV_CONTROLLER, run, Scratch, TestRepo } from './support.js';

/**
 * `statelint hook install|uninstall` with plain git hooks, in real repositories with real `git commit`
 * and `git push`: the hook runs the real binary (the repository has statelint in node_modules/.bin,
 * as `npm i -D statelint` leaves it).
 */
const scratch = new Scratch();
afterAll(() => scratch.cleanup());

const CONTROLLER = 'app/Http/Controllers/FeatureController.php';
const mode = (file: string) => statSync(file).mode & 0o777;

describe('plain git hooks', () => {
  it('pre-commit: refuses a commit that adds env() in a controller, lets a clean one through; install twice is a no-op; uninstall removes it', () => {
    const repo = TestRepo.create(scratch);
    const first = repo.statelint(['hook', 'install']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^installed \.git\/hooks\/pre-commit: runs statelint audit --staged --fail-on warning\n$/);
    const hook = repo.path('.git/hooks/pre-commit');
    expect(mode(hook)).toBe(0o755);
    const text = readFileSync(hook, 'utf8');

    const again = repo.statelint(['hook', 'install']);
    expect(again).toMatchObject({ code: 0, stdout: 'already installed: .git/hooks/pre-commit\n' });
    expect(readFileSync(hook, 'utf8')).toBe(text);

    const head = repo.head();
    const bad = repo.commit({ [CONTROLLER]: ENV_CONTROLLER }, 'feature flag');
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/laravel\/env-outside-config/);
    expect(bad.stdout + bad.stderr).toMatch(/FeatureController\.php/);
    expect(repo.head()).toBe(head);

    const good = repo.commit({ [CONTROLLER]: CLEAN_CONTROLLER }, 'feature flag via config');
    expect(good.code).toBe(0);
    expect(repo.head()).not.toBe(head);

    expect(repo.statelint(['hook', 'uninstall'])).toMatchObject({ code: 0, stdout: 'removed .git/hooks/pre-commit\n' });
    expect(existsSync(hook)).toBe(false);
    expect(repo.statelint(['hook', 'uninstall']).stdout).toMatch(/nothing removed/);
    // without the hook the same bad commit goes through
    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(0);
  });

  it('chains an existing hook: it is kept, runs first (its failure stops the commit), and uninstall restores it byte for byte', () => {
    const repo = TestRepo.create(scratch);
    const old = '#!/bin/sh\n# the team\'s own hook\necho "$0 ran" >> "$(git rev-parse --show-toplevel)/../old-hook.log"\n[ ! -e "$(git rev-parse --show-toplevel)/../old-hook-fails" ]\n';
    const hook = repo.path('.git/hooks/pre-commit');
    repo.write('.git/hooks/pre-commit', old, 0o755);
    const log = path.join(repo.dir, '../old-hook.log');

    const r = repo.statelint(['hook', 'install']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/existing hook is kept as pre-commit\.statelint-chained and runs first/);
    expect(readFileSync(hook + '.statelint-chained', 'utf8')).toBe(old);

    const head = repo.head();
    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(1);
    expect(readFileSync(log, 'utf8')).toMatch(/pre-commit\.statelint-chained ran/);
    expect(repo.head()).toBe(head);

    expect(repo.commit({ [CONTROLLER]: CLEAN_CONTROLLER }).code).toBe(0);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);

    // the old hook failing stops a clean commit: statelint's hook does not swallow its exit code
    repo.write('../old-hook-fails', '');
    const blocked = repo.commit({ 'README.md': 'clean change\n' });
    expect(blocked.code).toBe(1);

    expect(repo.statelint(['hook', 'uninstall']).stdout).toBe('removed .git/hooks/pre-commit and restored the hook that was there before\n');
    expect(readFileSync(hook, 'utf8')).toBe(old);
    expect(mode(hook)).toBe(0o755);
    expect(existsSync(hook + '.statelint-chained')).toBe(false);
  });

  it('respects core.hooksPath', () => {
    const repo = TestRepo.create(scratch);
    repo.git('config', 'core.hooksPath', '.githooks');
    const r = repo.statelint(['hook', 'install']);
    expect(r.stdout).toMatch(/^installed \.githooks\/pre-commit \(core\.hooksPath\)/);
    expect(existsSync(repo.path('.githooks/pre-commit'))).toBe(true);
    expect(existsSync(repo.path('.git/hooks/pre-commit'))).toBe(false);
    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(1);
    expect(repo.commit({ [CONTROLLER]: CLEAN_CONTROLLER }).code).toBe(0);
    expect(repo.statelint(['hook', 'uninstall']).stdout).toBe('removed .githooks/pre-commit\n');
    expect(existsSync(repo.path('.githooks/pre-commit'))).toBe(false);
  });

  it('pre-push: a push of a commit with env() in a controller is refused; the chained pre-push hook still gets the refs on stdin', () => {
    const repo = TestRepo.create(scratch);
    const remote = path.join(repo.dir, '../remote.git');
    expect(run('git', ['init', '-q', '--bare', remote], repo.dir, repo.env).code).toBe(0);
    repo.git('remote', 'add', 'origin', remote);
    repo.git('push', '-q', 'origin', 'main');
    const old = '#!/bin/sh\ncat > "$(git rev-parse --show-toplevel)/../pushed-refs.txt"\n';
    repo.write('.git/hooks/pre-push', old, 0o755);

    const r = repo.statelint(['hook', 'install', '--pre-push']);
    expect(r.stdout).toMatch(/^installed \.git\/hooks\/pre-push: the existing hook is kept as pre-push\.statelint-chained/);
    expect(existsSync(repo.path('.git/hooks/pre-commit'))).toBe(false);

    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(0); // no pre-commit hook
    const push = repo.git('push', '-q', 'origin', 'main');
    expect(push.code).toBe(1);
    expect(push.stdout + push.stderr).toMatch(/laravel\/env-outside-config/);
    expect(readFileSync(path.join(repo.dir, '../pushed-refs.txt'), 'utf8')).toMatch(/^refs\/heads\/main [0-9a-f]{40} refs\/heads\/main [0-9a-f]{40}\n$/);
    const remoteHead = run('git', ['rev-parse', 'main'], remote, repo.env).stdout.trim();
    expect(remoteHead).not.toBe(repo.head());

    expect(repo.commit({ [CONTROLLER]: CLEAN_CONTROLLER }).code).toBe(0);
    expect(repo.git('push', '-q', 'origin', 'main').code).toBe(0);
    expect(run('git', ['rev-parse', 'main'], remote, repo.env).stdout.trim()).toBe(repo.head());

    expect(repo.statelint(['hook', 'uninstall', '--pre-push']).code).toBe(0);
    expect(readFileSync(repo.path('.git/hooks/pre-push'), 'utf8')).toBe(old);
  });

  it('a hook written by a hook manager is not chained without --force; --force replaces it and uninstall restores it', () => {
    const repo = TestRepo.create(scratch);
    const generated = '#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexec pre-commit hook-impl --hook-type=pre-commit -- "$@"\n';
    const hook = repo.path('.git/hooks/pre-commit');
    repo.write('.git/hooks/pre-commit', generated, 0o755);
    const refused = repo.statelint(['hook', 'install']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^statelint: \.git\/hooks\/pre-commit already exists and was generated by the pre-commit framework .*--force replaces it/);
    expect(readFileSync(hook, 'utf8')).toBe(generated);

    const forced = repo.statelint(['hook', 'install', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/replacing the existing hook \(kept as pre-commit\.statelint-replaced/);
    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(1);

    expect(repo.statelint(['hook', 'uninstall']).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toBe(generated);
    expect(existsSync(hook + '.statelint-replaced')).toBe(false);
  });

  it('an app in a subfolder of the repository: the hook audits that folder', () => {
    const repo = TestRepo.create(scratch, { subdir: 'backend' });
    expect(repo.statelint(['hook', 'install'], 'backend').code).toBe(0);
    expect(readFileSync(repo.path('.git/hooks/pre-commit'), 'utf8')).toMatch(/^cd 'backend' \|\| exit 1$/m);
    expect(repo.commit({ [`backend/${CONTROLLER}`]: ENV_CONTROLLER }).code).toBe(1);
    expect(repo.commit({ [`backend/${CONTROLLER}`]: CLEAN_CONTROLLER }).code).toBe(0);
  });

  it('--fail-on error: warnings no longer stop the commit', () => {
    const repo = TestRepo.create(scratch);
    expect(repo.statelint(['hook', 'install', '--fail-on', 'error']).code).toBe(0);
    expect(repo.commit({ [CONTROLLER]: ENV_CONTROLLER }).code).toBe(0);
    // installing again with other options rewrites statelint's own hook
    expect(repo.statelint(['hook', 'install']).stdout).toMatch(/^updated \.git\/hooks\/pre-commit/);
  });

  it('outside a git repository: exit 2 with one sentence', () => {
    const dir = scratch.dir();
    const r = run(path.join(__dirname, '../../bin/statelint.js'), ['hook', 'install'], dir, { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CEILING_DIRECTORIES: path.dirname(dir) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^statelint: \. is not inside a git work tree: run git init \(or git clone\) first\n$/);
  });
});
