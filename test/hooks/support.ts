import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT } from '../support/cli.js';

export { BIN, ROOT };

/** Temp folders made by a test file, removed in afterAll. */
export class Scratch {
  private readonly dirs: string[] = [];

  dir(prefix = 'statelint-hooks-'): string {
    const d = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  cleanup(): void {
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const result = (r: SpawnSyncReturns<string>): Run => ({ code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') });

/** git and everything git starts (hooks) see only this environment: no user or system git config. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  const config = path.join(home, '.gitconfig');
  if (!existsSync(config)) writeFileSync(config, '[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n');
  return { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_GLOBAL: config, GIT_CONFIG_NOSYSTEM: '1', LANG: 'C.UTF-8' };
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 60_000): Run {
  return result(spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout }));
}

/** A real git repository holding a copy of a sample app, statelint "installed" in node_modules as npm would. */
export class TestRepo {
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly dir: string,
    home: string,
  ) {
    this.env = gitEnv(home);
  }

  static create(scratch: Scratch, options: { fixture?: string; subdir?: string; files?: Record<string, string> } = {}): TestRepo {
    const base = scratch.dir();
    const repo = new TestRepo(path.join(base, 'repo'), base);
    const app = path.join(repo.dir, options.subdir ?? '');
    cpSync(path.join(ROOT, 'fixtures/projects', options.fixture ?? 'stateless'), app, { recursive: true });
    // what `npm i -D statelint` leaves behind: the package and its bin link
    mkdirSync(path.join(app, 'node_modules/.bin'), { recursive: true });
    symlinkSync(ROOT, path.join(app, 'node_modules/statelint'));
    symlinkSync('../statelint/bin/statelint.js', path.join(app, 'node_modules/.bin/statelint'));
    writeFileSync(path.join(repo.dir, '.gitignore'), 'node_modules/\n');
    for (const [file, text] of Object.entries(options.files ?? {})) repo.write(file, text);
    repo.git('init', '-q');
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'initial');
    return repo;
  }

  path(file: string): string {
    return path.join(this.dir, file);
  }

  write(file: string, text: string, mode?: number): void {
    mkdirSync(path.dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), text, mode === undefined ? undefined : { mode });
  }

  git(...args: string[]): Run {
    const r = run('git', args, this.dir, this.env);
    if (r.code !== 0 && !['commit', 'push'].includes(args[0]!)) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r;
  }

  /** `statelint <args>` through the real binary, from `cwd` (relative to the repository). */
  statelint(args: string[], cwd = ''): Run {
    return run(BIN, args, path.join(this.dir, cwd), this.env);
  }

  head(): string {
    return this.git('rev-parse', 'HEAD').stdout.trim();
  }

  /** Stages and commits `files`; the hooks run (no --no-verify). */
  commit(files: Record<string, string>, message = 'change'): Run {
    for (const [file, text] of Object.entries(files)) this.write(file, text);
    this.git('add', '-A');
    return this.git('commit', '-q', '-m', message);
  }
}

/** A controller that reads env() outside config: laravel/env-outside-config. */
export const ENV_CONTROLLER = `<?php

namespace App\\Http\\Controllers;

class FeatureController extends Controller
{
    public function show()
    {
        return response()->json(['beta' => env('FEATURE_BETA', false)]);
    }
}
`;

/** The same controller done right: config() only. */
export const CLEAN_CONTROLLER = ENV_CONTROLLER.replace("env('FEATURE_BETA', false)", "config('features.beta')");

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export { ensureDebianPackages } from '../support/debian.js';

export const PRE_COMMIT = { pkg: 'pre-commit', present: () => has('pre-commit') };
export const PYTHON_YAML = { pkg: 'python3-yaml', present: () => spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0 };

/** Parses a YAML file with PyYAML (python3-yaml; Debian's pre-commit depends on it) into JSON. */
export function yamlOf(file: string): unknown {
  const r = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not valid YAML: ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
