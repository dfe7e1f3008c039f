import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './support/cli.js';

/**
 * Start-up cost of one-shot runs (issue 8: a pre-commit hook in a 6,000-file app): a run loads only what it
 * uses. A module loader hook (registered with --import) writes down every file the process loads; a file of
 * the bundled build (dist/bundle/) stands for the source modules esbuild wrote into it (its `// src/...`
 * markers), a file of dist/src/ for its own source. Both builds are checked: the binary runs the bundle (what
 * users run), and dist/src/cli.js is run the same way through its main().
 */

const LAZY = ['src/report/html.ts', 'src/report/sarif.ts', 'src/report/junit.ts', 'src/report/markdown.ts', 'src/report/github.ts', 'src/engine/fix/apply.ts', 'src/engine/fix/diff.ts', 'src/api/fix.ts', 'src/api/env.ts', 'src/commands/hooks/systems.ts', 'src/commands/rules.ts'];

describe('what a run loads', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-startup-'));
  const app = path.join(work, 'app');
  const hooks = path.join(work, 'hooks.mjs');
  const register = path.join(work, 'register.mjs');

  beforeAll(() => {
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(process.env.STATELINT_LOADED_OUT, url + '\\n');\n  return next(url, context);\n}\n`);
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    // A git repository with one staged controller that has a finding (so findings are fingerprinted and rendered).
    cpSync(path.join(ROOT, 'fixtures/projects/laravel-10'), app, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: app, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    writeFileSync(path.join(app, 'app/Http/Controllers/NewController.php'), "<?php\nclass NewController { public function show() { return env('NEW_FLAG'); } }\n");
    git('add', '-A');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The source modules (and bundled packages) a run loaded, from the files the loader hook saw. */
  function sourcesOf(urls: string[]): Set<string> {
    const out = new Set<string>();
    for (const url of urls) {
      const file = fileURLToPath(url);
      const rel = path.relative(ROOT, file).split(path.sep).join('/');
      if (rel.startsWith('dist/bundle/')) {
        for (const m of readFileSync(file, 'utf8').matchAll(/^\/\/ ((?:src|rules|node_modules)\/\S+)$/gm)) out.add(m[1]);
      } else if (rel.startsWith('dist/src/')) {
        out.add(rel.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      } else if (rel.startsWith('node_modules/')) {
        out.add(rel);
      }
    }
    return out;
  }

  function run(build: 'bundle' | 'src', args: string[], stderr: string | RegExp = ''): { code: number; stdout: string; loaded: Set<string>; files: string[] } {
    const out = path.join(work, `loaded-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(out, '');
    const script = `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src/cli.js')).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
    const argv = build === 'bundle' ? ['--import', pathToFileURL(register).href, BIN, ...args] : ['--import', pathToFileURL(register).href, '--input-type=module', '-e', script];
    const r = spawnSync(process.execPath, argv, { cwd: app, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, STATELINT_LOADED_OUT: out } });
    if (typeof stderr === 'string') expect(r.stderr).toBe(stderr);
    else expect(r.stderr).toMatch(stderr);
    const files = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    return { code: r.status ?? -1, stdout: r.stdout, loaded: sourcesOf(files), files };
  }

  it('the binary, a staged file that gives nothing to report: no rule module, no node:crypto, node:v8 or perf_hooks; a finding loads them (the control)', () => {
    const quiet = path.join(work, 'quiet');
    cpSync(path.join(ROOT, 'fixtures/projects/laravel-10'), quiet, { recursive: true });
    // Every file older than the index git writes next: not "racily clean" (git would then keep a smudged size for
    // it), so its stat data proves it is the staged copy, as for a developer's files edited before `git add`.
    const past = new Date(Date.now() - 5_000);
    const age = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) age(path.join(dir, e.name));
        else utimesSync(path.join(dir, e.name), past, past);
      }
    };
    age(quiet);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: quiet, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    // Built-ins are not ES module loads: a preloaded script writes Node's own list of them at exit.
    const builtinsHook = path.join(work, 'builtins.cjs');
    writeFileSync(builtinsHook, `process.on('exit', () => require('node:fs').writeFileSync(process.env.STATELINT_BUILTINS_OUT, process.moduleLoadList.join('\\n')));\n`);
    const stage = (file: string, text: string) => {
      writeFileSync(path.join(quiet, file), text);
      utimesSync(path.join(quiet, file), past, past);
      git('add', file);
    };
    const runQuiet = () => {
      const loadedOut = path.join(work, `loaded-${Math.random().toString(36).slice(2)}.txt`);
      const builtinsOut = `${loadedOut}.builtins`;
      writeFileSync(loadedOut, '');
      const r = spawnSync(process.execPath, ['--require', builtinsHook, '--import', pathToFileURL(register).href, BIN, '--staged', '-f', 'json', '--fail-on', 'never'], { cwd: quiet, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, STATELINT_LOADED_OUT: loadedOut, STATELINT_BUILTINS_OUT: builtinsOut } });
      expect(r.stderr).toBe('');
      const builtins = readFileSync(builtinsOut, 'utf8').split('\n').filter((m) => /^NativeModule (?:crypto|v8|perf_hooks)$/.test(m));
      return { findings: JSON.parse(r.stdout).findings.length, builtins, loaded: sourcesOf(readFileSync(loadedOut, 'utf8').split('\n').filter(Boolean)) };
    };
    stage('app/Http/Controllers/PlainController.php', "<?php\nclass PlainController { public function show() { return view('welcome'); } }\n");
    const clean = runQuiet();
    expect(clean.findings).toBe(0);
    expect(clean.builtins).toEqual([]);
    expect([...clean.loaded].filter((m) => m.startsWith('rules/'))).toEqual([]);
    stage('app/Http/Controllers/EnvController.php', "<?php\nclass EnvController { public function show() { return env('FLAG'); } }\n");
    const finding = runQuiet();
    expect(finding.findings).toBe(1);
    expect(finding.builtins).toContain('NativeModule crypto'); // the finding's fingerprint
    expect([...finding.loaded].some((m) => m.startsWith('rules/laravel/'))).toBe(true);
  });

  for (const build of ['bundle', 'src'] as const) {
    describe(build === 'bundle' ? 'the binary (bundled build)' : 'dist/src (per-file build)', () => {
      it('the build under test is the one named', () => {
        const { files } = run(build, ['--version']);
        const dir = build === 'bundle' ? '/dist/bundle/' : '/dist/src/';
        expect(files.some((f) => f.includes(dir))).toBe(true);
        expect(files.some((f) => f.includes(build === 'bundle' ? '/dist/src/' : '/dist/bundle/'))).toBe(false);
      });

      it('audit --staged -f json loads the json format only: no other format, no fix engine, no chalk, no other command', () => {
        const r = run(build, ['--staged', '-f', 'json', '--fail-on', 'never']);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['laravel/env-outside-config']);
        expect(r.loaded.has('src/report/json.ts')).toBe(true);
        expect(r.loaded.has('src/project/git.ts')).toBe(true);
        expect([...LAZY, 'src/report/pretty.ts'].filter((m) => r.loaded.has(m))).toEqual([]);
        expect([...r.loaded].filter((m) => m.startsWith('node_modules/chalk/'))).toEqual([]);
      });

      it('a plain audit -f json of the whole app loads no other format and no fix engine', () => {
        const r = run(build, ['-f', 'json', '--fail-on', 'never']);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout).ecosystems).toEqual(['laravel']);
        expect(r.loaded.has('src/report/json.ts')).toBe(true);
        expect([...LAZY, 'src/report/pretty.ts'].filter((m) => r.loaded.has(m))).toEqual([]);
      });

      it('the controls: -f html loads html (and not sarif), the default pretty output loads pretty and chalk, --diff loads the fix engine', () => {
        const html = run(build, ['-f', 'html', '--fail-on', 'never']);
        expect(html.stdout).toMatch(/^<!DOCTYPE html>/);
        expect(html.loaded.has('src/report/html.ts')).toBe(true);
        expect(html.loaded.has('src/report/sarif.ts')).toBe(false);
        const pretty = run(build, ['--fail-on', 'never']);
        expect(pretty.loaded.has('src/report/pretty.ts')).toBe(true);
        expect(pretty.loaded.has('src/report/html.ts')).toBe(false);
        expect([...pretty.loaded].some((m) => m.startsWith('node_modules/chalk/'))).toBe(true);
        const diff = run(build, ['--diff', '--unsafe-fixes'], /^statelint: would apply \d+ fixes/);
        expect(diff.code).toBe(1);
        expect(diff.loaded.has('src/engine/fix/apply.ts')).toBe(true);
        expect(diff.loaded.has('src/report/pretty.ts')).toBe(false); // --diff prints the diff, no report
      });
    });
  }
});
