import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './support/cli.js';

const L10 = path.join(ROOT, 'fixtures/projects/laravel-10');
const json = (stdout: string) => JSON.parse(stdout);
const ids = (stdout: string) => json(stdout).findings.map((f: { ruleId: string; location: { file: string } }) => `${f.ruleId} ${f.location.file}`);

describe('partial runs in a real git repository', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-partial-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString();
  const controller = 'app/Http/Controllers/NewController.php';
  beforeAll(() => {
    cpSync(L10, work, { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('--staged reports only staged files, from the index', () => {
    expect(runCli(['--staged'], {}, work)).toMatchObject({ code: 0, stderr: 'statelint: no staged files to audit\n' });
    writeFileSync(path.join(work, controller), "<?php\nclass NewController { public function show() { return env('NEW_FLAG'); } }\n");
    git('add', controller);
    writeFileSync(path.join(work, controller), '<?php\nclass NewController {}\n'); // the work tree differs from what is committed
    const r = runCli(['--staged', '-f', 'json'], {}, work);
    expect(r.code).toBe(0); // env-outside-config is a warning
    expect(ids(r.stdout)).toEqual([`laravel/env-outside-config ${controller}`]);
    expect(json(r.stdout).scope.paths).toEqual([controller]);
  });

  it('--changed reports files changed since the merge base with the default branch, and since a given rev', () => {
    git('commit', '-q', '-m', 'controller');
    // the work tree now differs from HEAD too: one more env() read
    writeFileSync(path.join(work, controller), "<?php\nclass NewController { public function show() { return env('NEW_FLAG') . env('OTHER'); } }\n");
    const r = runCli(['--changed', '-f', 'json'], {}, work);
    expect(ids(r.stdout)).toEqual([`laravel/env-outside-config ${controller}`, `laravel/env-outside-config ${controller}`]);
    const head = runCli(['--changed', 'HEAD', '-f', 'json'], {}, work);
    expect(ids(head.stdout)).toHaveLength(2);
    git('stash', '-q');
    expect(runCli(['--changed', 'HEAD'], {}, work)).toMatchObject({ code: 0, stderr: expect.stringMatching(/^statelint: no files changed since \w+ to audit\n$/) });
    git('stash', 'pop', '-q');
    expect(runCli(['--changed', 'no-such-rev'], {}, work)).toMatchObject({ code: 2, stderr: 'statelint: --changed no-such-rev: no such revision\n' });
  });

  it('config-level rules run when an env or config file is among the changed files', () => {
    writeFileSync(path.join(work, '.env'), 'SESSION_DRIVER=file\n');
    git('add', '-f', '.env');
    const r = runCli(['--staged', '-f', 'json'], {}, work);
    expect(ids(r.stdout)).toContain('laravel/session-store-local .env');
  });

  it('a baseline never reports "no longer matches" on a partial run', () => {
    const baseline = path.join(work, 'baseline.json');
    runCli(['--write-baseline', baseline], {}, work);
    const r = runCli(['--staged', '--baseline', baseline, '-f', 'json'], {}, work);
    expect(r.stderr).not.toMatch(/no longer match/);
    expect(json(r.stdout).baseline.unmatched).toBe(0);
  });

  it('a staged file that gives no rule anything to check: no finding, no checklist, config-level rules not listed as clean', () => {
    git('reset', '-q'); // nothing else staged (the tests above left .env in the index)
    const plain = 'app/Http/Controllers/PlainController.php';
    writeFileSync(path.join(work, plain), "<?php\nclass PlainController { public function show() { return view('welcome'); } }\n");
    git('add', plain);
    const r = runCli(['--staged', '-f', 'json'], {}, work);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ findings: [], checklist: [], skipped: [], scope: { paths: [plain], checklistEvaluated: false } });
    // From a subfolder of the app: the same staged files, relative to the app.
    expect(json(runCli(['--staged', '-f', 'json'], {}, path.join(work, 'app')).stdout).scope).toEqual({ paths: [plain], checklistEvaluated: false });
    const junit = runCli(['--staged', '-f', 'junit'], {}, work).stdout;
    expect(junit).toContain('laravel/env-outside-config');
    expect(junit).not.toContain('laravel/cache-store-local'); // a config-level rule: it did not run
    expect(junit).toMatch(/<testcase name="checklist" classname="checklist">\s*<skipped message="not evaluated: a partial run/);
    // A directive that suppresses nothing is still reported from such a file.
    writeFileSync(path.join(work, plain), '<?php\n// statelint-ignore laravel/env-outside-config -- old\nclass PlainController {}\n');
    git('add', plain);
    expect(ids(runCli(['--staged', '--report-unused-suppressions', '-f', 'json'], {}, work).stdout)).toEqual([`statelint/unused-suppression ${plain}`]);
    git('reset', '-q');
  });

  it('the bundled build decides such a run on rule outlines listed at build time: the same reports as the per-file build', () => {
    const plain = 'app/Http/Controllers/PlainController.php';
    writeFileSync(path.join(work, plain), "<?php\nclass PlainController { public function show() { return view('welcome'); } }\n");
    git('add', plain);
    // dist/src reads the rules themselves (src/ecosystems/rules.ts); the binary runs dist/bundle, whose outlines are data.
    const perFile = (args: string[]) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/cli.js'))}); process.exitCode = await main(${JSON.stringify(args)});`], { cwd: work, encoding: 'utf8' });
    const stable = (out: string) => out.replace(/"durationMs": \d+/g, '').replace(/time="[\d.]+"/g, '');
    for (const args of [['--staged', '-f', 'sarif'], ['--staged', '-f', 'junit'], ['--staged', '-f', 'json', '--rule', 'laravel/env-outside-config=off']]) {
      const bundled = runCli(args, {}, work);
      expect(bundled.code).toBe(0);
      expect(stable(bundled.stdout)).toBe(stable(perFile(args)));
    }
    expect(JSON.parse(runCli(['--staged', '-f', 'sarif'], {}, work).stdout).runs[0].tool.driver.rules.length).toBeGreaterThan(5);
    git('reset', '-q');
  });

  it('--staged outside a git repository is exit 2 with one sentence', () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'statelint-nogit-'));
    cpSync(L10, outside, { recursive: true });
    const r = runCli([outside, '--staged']);
    rmSync(outside, { recursive: true, force: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^statelint: --staged needs a git repository, and .* is not in one\n$/);
  });
});

describe('levels and counts', () => {
  it('--quiet reports errors only, --max-warnings fails on too many warnings, warn means warning', () => {
    const all = json(runCli([L10, '-f', 'json', '--fail-on', 'never']).stdout);
    expect(all.summary.warning).toBeGreaterThan(0);
    const quiet = json(runCli([L10, '-f', 'json', '--quiet', '--fail-on', 'never']).stdout);
    expect(quiet.findings.every((f: { severity: string }) => f.severity === 'error')).toBe(true);
    expect(runCli([L10, '--fail-on', 'never', '--max-warnings', '0']).code).toBe(1);
    expect(runCli([L10, '--fail-on', 'never', '--max-warnings', String(all.summary.warning)]).code).toBe(0);
    expect(runCli([L10, '--fail-on', 'warn', '--rule', 'laravel/session-store-local=warn', '-f', 'json']).code).toBe(1);
  });
});

describe('fingerprints', () => {
  it('do not depend on which env file decided the value (.env on a laptop, .env.example in CI)', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-fp-'));
    try {
      cpSync(L10, work, { recursive: true });
      rmSync(path.join(work, '.env'), { force: true });
      writeFileSync(path.join(work, '.env.example'), 'SESSION_DRIVER=file\n');
      const ci = json(runCli([work, '-f', 'json', '--fail-on', 'never']).stdout);
      writeFileSync(path.join(work, '.env'), 'SESSION_DRIVER=file\n');
      const laptop = json(runCli([work, '-f', 'json', '--fail-on', 'never']).stdout);
      const fp = (r: { findings: { ruleId: string; fingerprint: string }[] }) => r.findings.find((f) => f.ruleId === 'laravel/session-store-local')!.fingerprint;
      expect(fp(laptop)).toBe(fp(ci));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('--report-unused-suppressions', () => {
  it('reports a suppression that silences nothing and one that names an unknown rule', () => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-unused-'));
    try {
      cpSync(L10, work, { recursive: true });
      writeFileSync(path.join(work, 'app/Quiet.php'), "<?php\n// statelint-ignore laravel/env-outside-config -- used\n$a = env('A');\n// statelint-ignore laravel/env-outside-config -- nothing below\n$b = 1;\n// statelint-ignore laravel/no-such-rule\n$c = 2;\n");
      const r = json(runCli([work, '-f', 'json', '--report-unused-suppressions', '--fail-on', 'never']).stdout);
      const unused = r.findings.filter((f: { ruleId: string }) => f.ruleId === 'statelint/unused-suppression').map((f: { location: { line: number }; message: string }) => `${f.location.line} ${f.message}`);
      expect(unused).toEqual(['4 statelint-ignore suppresses nothing on this line or the next: remove it', '6 statelint-ignore names unknown rule laravel/no-such-rule']);
      const plain = json(runCli([work, '-f', 'json', '--fail-on', 'never']).stdout);
      expect(plain.findings.some((f: { ruleId: string }) => f.ruleId === 'statelint/unused-suppression')).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
