import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_CONTROLLER, ensureDebianPackages, PYTHON_YAML, run, Scratch, TestRepo, yamlOf } from './support.js';

/**
 * husky and lefthook layouts (their binaries are not run: the files they read are checked, and a
 * husky hook file is run with sh as husky's shim does), and the pre-commit framework's config.
 */
const scratch = new Scratch();
afterAll(() => scratch.cleanup());
beforeAll(() => ensureDebianPackages([PYTHON_YAML]), 240_000);

const CONTROLLER = 'app/Http/Controllers/FeatureController.php';
const RUN = 'npx --no-install statelint audit --staged --fail-on warning';
const RUN_PUSH = 'npx --no-install statelint audit --changed --fail-on warning';

describe('husky', () => {
  it('creates .husky/pre-commit (husky 9: core.hooksPath .husky/_), which refuses env() in a controller; uninstall deletes it', () => {
    const repo = TestRepo.create(scratch, { files: { '.husky/_/.gitignore': '*\n' } });
    repo.git('config', 'core.hooksPath', '.husky/_');
    const r = repo.statelint(['hook', 'install']);
    expect(r).toMatchObject({ code: 0, stdout: 'installed .husky/pre-commit: runs statelint audit --staged --fail-on warning\n' });
    const file = repo.path('.husky/pre-commit');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^#!\/usr\/bin\/env sh\n# >>> statelint hook pre-commit \[created\] >>>/);
    expect(statSync(file).mode & 0o111).toBe(0o111);
    expect(existsSync(repo.path('.git/hooks/pre-commit'))).toBe(false);
    expect(repo.statelint(['hook', 'install']).stdout).toBe('already installed: .husky/pre-commit\n');

    // husky's shim runs the file with sh from the top of the work tree, while the change is staged
    repo.write(CONTROLLER, ENV_CONTROLLER);
    repo.git('add', CONTROLLER);
    const bad = run('sh', ['-e', '.husky/pre-commit'], repo.dir, repo.env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/laravel\/env-outside-config/);

    expect(repo.statelint(['hook', 'uninstall']).stdout).toBe('removed .husky/pre-commit\n');
    expect(existsSync(file)).toBe(false);
  });

  it('appends a marked block to an existing .husky/pre-commit (runs after its commands); uninstall restores the file byte for byte', () => {
    const existing = 'npx lint-staged\necho team-hook >> ../husky.log'; // no final newline
    const repo = TestRepo.create(scratch, { files: { '.husky/pre-commit': existing, '.husky/pre-push': 'npm test\n' } });
    const r = repo.statelint(['hook', 'install', '--pre-commit', '--pre-push']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^installed \.husky\/pre-commit: after the commands already there, runs statelint audit --staged --fail-on warning \(husky is not active in this clone yet/);
    expect(r.stdout).toMatch(/\ninstalled \.husky\/pre-push: after the commands already there/);
    const text = readFileSync(repo.path('.husky/pre-commit'), 'utf8');
    expect(text.startsWith(existing + '\n# >>> statelint hook pre-commit [newline] >>>')).toBe(true);
    expect(readFileSync(repo.path('.husky/pre-push'), 'utf8')).toMatch(/^npm test\n# >>> statelint hook pre-push >>>/);
    expect(repo.statelint(['hook', 'uninstall']).stdout).toBe('removed the statelint block from .husky/pre-commit\nremoved the statelint block from .husky/pre-push\n');
    expect(readFileSync(repo.path('.husky/pre-commit'), 'utf8')).toBe(existing);
    expect(readFileSync(repo.path('.husky/pre-push'), 'utf8')).toBe('npm test\n');
  });

  it('an existing .husky/pre-commit that ends with exec: refused (exit 2), the file is left alone', () => {
    const repo = TestRepo.create(scratch, { files: { '.husky/pre-commit': 'exec npx lint-staged\n' } });
    const r = repo.statelint(['hook', 'install']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^statelint: \.husky\/pre-commit ends with `exec npx lint-staged`, so anything added after it never runs/);
    expect(readFileSync(repo.path('.husky/pre-commit'), 'utf8')).toBe('exec npx lint-staged\n');
  });
});

describe('lefthook', () => {
  const layouts: Record<string, { yml: string; others: Record<string, unknown> }> = {
    'no pre-commit hook yet': {
      yml: 'pre-push:\n  commands:\n    test:\n      run: npm test\n',
      others: { 'pre-push': { commands: { test: { run: 'npm test' } } } },
    },
    'a pre-commit hook with commands (4-space indent, comments)': {
      yml: '# team hooks\npre-commit:\n    parallel: true\n    commands:\n        # lint first\n        eslint:\n            glob: "*.js"\n            run: npx eslint {staged_files}\n\npre-push:\n    commands:\n        test:\n            run: npm test\n',
      others: { 'pre-commit': { parallel: true, commands: { eslint: { glob: '*.js', run: 'npx eslint {staged_files}' } } }, 'pre-push': { commands: { test: { run: 'npm test' } } } },
    },
    'a pre-commit hook without commands': {
      yml: 'pre-commit:\n  parallel: true\n  scripts:\n    "check.sh":\n      runner: bash\n',
      others: { 'pre-commit': { parallel: true, scripts: { 'check.sh': { runner: 'bash' } } } },
    },
  };

  for (const [name, { yml, others }] of Object.entries(layouts)) {
    it(`${name}: adds pre-commit.commands.statelint, keeps the rest; install twice is a no-op; uninstall restores the file byte for byte`, () => {
      const repo = TestRepo.create(scratch, { files: { 'lefthook.yml': yml } });
      const r = repo.statelint(['hook', 'install']);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`installed lefthook.yml: pre-commit.commands.statelint runs ${RUN} (run lefthook install so that git runs lefthook's pre-commit hook)\n`);
      const parsed = yamlOf(repo.path('lefthook.yml')) as Record<string, { commands?: Record<string, unknown> }>;
      expect(parsed['pre-commit']!.commands!.statelint).toEqual({ run: RUN });
      const { statelint: _ours, ...rest } = parsed['pre-commit']!.commands!;
      const withoutOurs = { ...parsed, 'pre-commit': { ...parsed['pre-commit'], commands: rest } };
      if (Object.keys(rest).length === 0) delete (withoutOurs['pre-commit'] as { commands?: unknown }).commands;
      if (!('pre-commit' in others)) delete (withoutOurs as Record<string, unknown>)['pre-commit'];
      expect(withoutOurs).toEqual(others);
      expect(existsSync(repo.path('.git/hooks/pre-commit'))).toBe(false);

      const text = readFileSync(repo.path('lefthook.yml'), 'utf8');
      expect(repo.statelint(['hook', 'install']).stdout).toBe('already installed: lefthook.yml (pre-commit.commands.statelint)\n');
      expect(readFileSync(repo.path('lefthook.yml'), 'utf8')).toBe(text);

      expect(repo.statelint(['hook', 'uninstall']).stdout).toBe('removed pre-commit.commands.statelint from lefthook.yml\n');
      expect(readFileSync(repo.path('lefthook.yml'), 'utf8')).toBe(yml);
    });
  }

  it('pre-push in a subfolder app: root is set so lefthook runs it there', () => {
    const repo = TestRepo.create(scratch, { subdir: 'backend', files: { 'lefthook.yml': 'pre-commit:\n  commands:\n    test:\n      run: npm test\n' } });
    expect(repo.statelint(['hook', 'install', '--pre-push'], 'backend').code).toBe(0);
    const parsed = yamlOf(repo.path('lefthook.yml')) as Record<string, { commands: Record<string, unknown> }>;
    expect(parsed['pre-push']!.commands.statelint).toEqual({ run: RUN_PUSH, root: 'backend/' });
    expect(parsed['pre-commit']!.commands).toEqual({ test: { run: 'npm test' } });
  });
});

describe('pre-commit framework', () => {
  it('prints the .pre-commit-config.yaml entry and writes nothing', () => {
    const repo = TestRepo.create(scratch, { files: { '.pre-commit-config.yaml': 'repos: []\n' } });
    const r = repo.statelint(['hook', 'install']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\.pre-commit-config\.yaml: this repository runs its hooks with the pre-commit framework, which owns \.git\/hooks; statelint wrote nothing/);
    expect(r.stdout).toMatch(/\n {6}- id: statelint\n$/);
    expect(readFileSync(repo.path('.pre-commit-config.yaml'), 'utf8')).toBe('repos: []\n');
    expect(existsSync(repo.path('.git/hooks/pre-commit'))).toBe(false);
  });
});
