import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, checklist, guarded, laravelApp, removeScratch, report, run, scratch, writeTree } from './support.js';

/** A shell pipeline that cannot outlive the test. */
function sh(script: string) {
  const [cmd, ...args] = [...guarded(120_000), '/bin/sh', '-c', script];
  return spawnSync(cmd, args, { encoding: 'utf8', timeout: 130_000, killSignal: 'SIGKILL' });
}

/** Defects 2 (stdout errors, __proto__), 7 (usage errors), 8 (terminal escapes), 9 (secrets), 10 (SARIF URIs, -o, useConfigPath). */
const work = scratch('cli-edges');
afterAll(() => removeScratch(work));

function app(name: string, extra: Record<string, string | Buffer> = {}): string {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return laravelApp(dir, extra);
}

/** One sentence on stderr, exit 2, nothing on stdout. */
function usageError(r: ReturnType<typeof run>, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^statelint: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
}

describe('stdout that fails (defect 2)', () => {
  it('a closed pipe (statelint | head -c 10): quiet, with the exit code the audit computed', () => {
    const dir = app('epipe', { 'app/Many.php': `<?php\n${"$x = env('A');\n".repeat(3000)}` });
    // statelint runs as the first command of the pipe; a subshell reports its own exit status on stderr.
    const own = sh(`( "${BIN}" "${dir}" --no-color; echo "rc=$?" >&2 ) | head -c 10 >/dev/null`);
    expect(own.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(own.stderr).toMatch(/rc=1\n$/); // session driver file: an error finding, exit 1 as computed
  });

  it.runIf(existsSync('/dev/full'))('a full disk (> /dev/full): one sentence on stderr, exit 2', () => {
    const dir = app('enospc');
    const r = sh(`"${BIN}" "${dir}" --no-color > /dev/full`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^statelint: cannot write the report to stdout \(ENOSPC\)\n$/);
  });
});

describe('the settings file', () => {
  it.each([
    ['{"__proto__": {"failOn": "never"}}', /unknown key "__proto__"/],
    ['{"constructor": 1}', /unknown key "constructor"/],
    ['{"rules": {"__proto__": "off"}}', /unknown rule "__proto__"/],
    ['{"configDir": "nope"}', /"configDir" "nope" is not a folder in the project/],
    ['{"configDir": "/etc"}', /"configDir" must be a folder inside the project/],
    ['{"configDir": "../.."}', /"configDir" must be a folder inside the project/],
    ['{"envFiles": ["/etc/passwd"]}', /"envFiles" must name files inside the project/],
    ['{"baseline": "../../etc/shadow"}', /"baseline" must be a file inside the project/],
  ])('%s is a usage error', (json, pattern) => {
    const dir = app('settings', { 'statelint.config.json': json });
    usageError(run([dir]), pattern);
  });
});

describe('usage errors (defect 7)', () => {
  const dir = app('usage');
  it.each([
    [['--config-dir', '/nonexistent'], /--config-dir \/nonexistent is not a folder/],
    [['--config-dir', 'app/Http/Feature.php'], /is not a folder/],
    [['--ecosystem', 'rails'], /Unknown ecosystem "rails" \(known: laravel, node, deploy\)/],
    [['--dotenv', '.env.nope'], /--dotenv \.env\.nope: no such file/],
    [['--show-config', '--write-baseline', 'b.json'], /--show-config .* --write-baseline/],
    [['--show-config', '-f', 'sarif'], /--show-config prints pretty or json, not sarif/],
  ])('%j', (args, pattern) => {
    usageError(run([dir, ...args]), pattern);
    expect(existsSync(path.join(dir, 'b.json'))).toBe(false);
  });
  it('`statelint live /nonexistent --node ...` names the missing folder before any request', () => {
    usageError(run(['live', path.join(work, 'nonexistent'), '--node', 'http://127.0.0.1:9', '--node', 'http://127.0.0.1:8']), /Path not found: .*nonexistent/);
  });
  it('--config-dir also for `statelint config`', () => {
    usageError(run(['config', dir, '--config-dir', '/nonexistent']), /is not a folder/);
  });
});

describe('terminal escapes from the project are shown, not obeyed (defect 8)', () => {
  it('escape sequences in source text, env values and file names are escaped in pretty output', () => {
    const dir = app('escapes', {
      'app/Paint.php': '<?php\n$x = env("\\e[2J\\e[HNo stateful patterns found");\n',
      'app/\u001b[31mred.php': "<?php\n$y = env('NAME');\n",
      '.env': 'APP_NAME=demo\nSESSION_DRIVER="\u001b]0;title\u0007redis"\n',
    });
    writeFileSync(path.join(dir, 'app/Raw.php'), `<?php\n$z = env("\u001b[2J\u009b31m\u0007\u007f");\n`);
    const r = run([dir, '--no-color', '--fail-on', 'never']);
    expect(r.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(r.stdout).toContain('app/\\x1b[31mred.php');
    expect(r.stdout).toContain('\\x1b[2J\\u009b31m\\x07\\x7f');
    expect(r.stdout).toContain('session.driver = \\x1b]0;title\\x07redis');
    // stderr messages carry names from the project and the command line: escaped too
    const err = run([dir, '--baseline', 'b\u001b[2J\u202e.json']);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain('b\\x1b[2J\\u202e.json');
    // eslint-disable-next-line no-control-regex
    expect(err.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    const config = run(['config', dir, '--no-color']);
    expect(config.stdout).toContain('\\x1b]0;title\\x07redis');
    // eslint-disable-next-line no-control-regex
    expect(config.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('secrets at the edges (defect 9)', () => {
  const STRIPE = 'sk_live_51HxQmYabcdefghijklmnopqrstuv';
  it('a hard-coded token default of a secret key is masked in excerpts and messages, in every format', () => {
    const dir = app('secret-default', {
      'app/Pay.php': `<?php\n$key = env('STRIPE_SECRET', '${STRIPE}');\n`,
      'resources/views/pay.blade.php': `<script>var k = "{{ env('STRIPE_SECRET', '${STRIPE}') }}";</script>\n`,
      'app/Token.php': "<?php\n$t = env('GITHUB_TOKEN', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789');\n",
    });
    // a Blade default of a token key, and a password default (the literal is not a known token shape)
    writeTree(dir, {
      'resources/views/token.blade.php': "<p>{{ env('API_TOKEN', 'tok-abcdefghijklmnopqrstuvwx') }}</p>\n",
      'app/Db.php': "<?php\n$db = ['password' => env('DB_PASSWORD', 'hunter2-horse-battery')];\n",
    });
    for (const format of ['pretty', 'json', 'sarif', 'github', 'junit', 'markdown', 'html']) {
      const r = run([dir, '-f', format, '--no-color']);
      expect(r.code, format).toBe(1);
      // the findings are there (masked), not dropped
      expect(r.stdout, format).toMatch(/STRIPE\\?_SECRET/);
      expect(r.stdout, format).toMatch(/DB\\?_PASSWORD/);
      for (const secret of ['51HxQmYabcdefghijklmnopqrstuv', 'abcdefghijklmnopqrstuvwxyz0123456789', 'tok-abcdefghijklmnopqrstuvwx', 'hunter2']) expect(r.stdout + r.stderr, `${format}: ${secret}`).not.toContain(secret);
      if (format === 'pretty') expect(r.stdout).toContain("env('STRIPE_SECRET', '********");
    }
    // --fix still works on the real text: the audit is not masked, only what is shown
    const json = JSON.parse(run([dir, '-f', 'json']).stdout);
    expect(json.findings.filter((f: { location: { file: string } }) => f.location.file === 'app/Pay.php')).toHaveLength(1);
  });

  it('an env value built from ${DB_PASSWORD} is not printed', () => {
    const dir = app('secret-expand', {
      '.env': 'DB_PASSWORD=hunter2-horse-battery\nSESSION_DRIVER=file\nSESSION_COOKIE="${DB_PASSWORD}"\nAPP_NAME="x${DB_PASSWORD}"\n',
      'config/session.php': "<?php\nreturn ['driver' => env('SESSION_DRIVER', 'redis'), 'cookie' => env('SESSION_COOKIE')];\n",
      'config/app.php': "<?php\nreturn ['name' => env('APP_NAME')];\n",
    });
    for (const args of [[dir], [dir, '-f', 'json'], [dir, '-f', 'sarif'], ['config', dir], ['config', dir, '-f', 'json'], [dir, '--show-config']]) {
      const r = run(args);
      expect(r.stdout + r.stderr).not.toContain('hunter2');
    }
  });

  it('--baseline .env and a settings file pointing baseline or itself at .env never echo the file', () => {
    const dir = app('secret-baseline', { '.env': 'APP_KEY=base64:c2VjcmV0LXNlY3JldC1zZWNyZXQ=\nSESSION_DRIVER=file\n' });
    const direct = run([dir, '--baseline', path.join(dir, '.env')]);
    usageError(direct, /Baseline .*\.env is not valid JSON/);
    expect(direct.stderr).not.toMatch(/APP_KEY|base64|c2Vj/);
    writeFileSync(path.join(dir, 'statelint.config.json'), '{"baseline": ".env"}');
    const viaSettings = run([dir]);
    usageError(viaSettings, /is not valid JSON/);
    expect(viaSettings.stderr).not.toMatch(/APP_KEY|base64|c2Vj/);
    rmSync(path.join(dir, 'statelint.config.json'));
    const asSettings = run([dir, '--config', path.join(dir, '.env')]);
    usageError(asSettings, /is not valid JSON/);
    expect(asSettings.stderr).not.toMatch(/APP_KEY|base64|c2Vj/);
  });
});

describe('paths at the edges (defect 10)', () => {
  it('SARIF URIs are percent-encoded per path segment', () => {
    const dir = app('uris', { 'app/a b#1?%.php': "<?php\n$x = env('A');\n" });
    const log = JSON.parse(run([dir, '-f', 'sarif']).stdout);
    const uris = log.runs[0].results.map((r: any) => r.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris).toContain('app/a%20b%231%3F%25.php');
    expect(uris).toContain('app/Http/Feature.php');
    for (const u of uris) expect(() => new URL(u, 'file:///root/')).not.toThrow();
  });

  it('-o refuses to write through a symlink planted in the repository (file or folder)', () => {
    const dir = app('symlink-out');
    const victim = path.join(work, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, path.join(dir, 'report.sarif'));
    usageError(run([dir, '-f', 'sarif', '-o', 'report.sarif'], { cwd: dir }), /Cannot write report\.sarif: it is a symbolic link/);
    usageError(run([dir, '--write-baseline', 'report.sarif'], { cwd: dir }), /symbolic link/);
    mkdirSync(path.join(work, 'elsewhere'), { recursive: true });
    symlinkSync(path.join(work, 'elsewhere'), path.join(dir, 'reports'));
    usageError(run([dir, '-f', 'json', '-o', 'reports/r.json'], { cwd: dir }), /the folder reports is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(path.join(work, 'elsewhere/r.json'))).toBe(false);
    // an ordinary target is written whole (temp file + rename) and is a regular file
    const ok = run([dir, '-f', 'json', '-o', 'out/r.json'], { cwd: dir });
    expect(ok.code).toBe(1);
    expect(lstatSync(path.join(dir, 'out/r.json')).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'out/r.json'), 'utf8')).schemaVersion).toBe(1);
    // a device the user names (git cannot plant one) is written to as it is
    const devNull = run([dir, '-f', 'json', '-o', '/dev/null'], { cwd: dir });
    expect(devNull.code).toBe(1);
    expect(devNull.stderr).toMatch(/report written to \/dev\/null/);
  });

  it("useConfigPath('/etc') is not read as <root>/etc: an error, and the config values are unknown", () => {
    const dir = app('etc', {
      'bootstrap/app.php': "<?php\n$app = new Application(dirname(__DIR__));\n$app->useConfigPath('/etc');\nreturn $app;\n",
      // what `<root>/etc` would have held: it must not be read
      'etc/session.php': "<?php\nreturn ['driver' => 'file'];\n",
    });
    const rep = report(run([dir, '-f', 'json']));
    expect(rep.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(/useConfigPath\('\/etc'\) points outside the project/);
    expect(rep.project.laravel.configDirs).toEqual(['config']); // for rules' "is this config?"; its values are unknown
    expect(checklist(rep).sessions).toBe('unknown');
    expect(rep.findings.some((f: { location: { file: string } }) => f.location.file.startsWith('etc/'))).toBe(false);
  });

  it("useConfigPath(base_path('settings')) and __DIR__.'/../settings' still resolve inside the project", () => {
    for (const arg of ["base_path('settings')", "__DIR__.'/../settings'", "$app->basePath('settings')"]) {
      const dir = app('inside', {
        'bootstrap/app.php': `<?php\n$app->useConfigPath(${arg});\n`,
        'settings/session.php': "<?php\nreturn ['driver' => env('SESSION_DRIVER', 'redis')];\n",
      });
      const rep = report(run([dir, '-f', 'json']));
      if (arg.startsWith('$app->basePath')) continue; // a method call: not evaluated (unknown), never a guess
      expect(rep.project.laravel.configDirs).toEqual(['settings']);
      expect(checklist(rep).sessions).toBe('fail');
    }
  });
});

describe('writeTree helper sanity', () => {
  it('creates nested files', () => {
    const dir = writeTree(path.join(work, 'tree'), { 'a/b/c.txt': 'x' });
    expect(readFileSync(path.join(dir, 'a/b/c.txt'), 'utf8')).toBe('x');
  });
});
