import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './support/cli.js';

const L10 = path.join(ROOT, 'fixtures/projects/laravel-10');
const STATELESS = path.join(ROOT, 'fixtures/projects/stateless');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'statelint-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('exit codes', () => {
  it('is 1 when a finding is at or above --fail-on (default error)', () => {
    expect(runCli([L10]).code).toBe(1);
  });
  it('is 0 with --fail-on never, and for a clean project', () => {
    expect(runCli([L10, '--fail-on', 'never']).code).toBe(0);
    expect(runCli([STATELESS]).code).toBe(0);
  });
  it('counts warnings with --fail-on warning only when there are some', () => {
    const onlyInfo = runCli([L10, '--fail-on', 'warning', '--rule', 'laravel/session-store-local=info', '--format', 'json']);
    expect(onlyInfo.code).toBe(1);
  });
  it('is 2 with one sentence on stderr for a missing path', () => {
    const r = runCli(['audit', path.join(tmp, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/Path not found/);
  });
  it('is 2 for an unknown flag, a bad --format and a bad --rule, with one line on stderr', () => {
    for (const args of [[L10, '--frobnicate'], [L10, '--format', 'xml'], ['explain'], ['live', '--nod', 'x']]) {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^statelint: [^\n]+\n$/);
    }
    const r = runCli([L10, '--rule', 'laravel/nope=off']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown rule "laravel\/nope"/);
  });
  it('is 2 with one sentence when no app is found: nothing audited is not clean', () => {
    const dir = path.join(tmp, 'plain');
    mkdirSync(dir, { recursive: true });
    const r = runCli([dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^statelint: No app found in .* \(Laravel: no artisan file, no laravel\/framework in composer.json; Node\.js: no package\.json with a server framework [^()]* and a server entry; Deployment manifests: no Kubernetes manifest or kustomization, Helm values, Compose file, Dockerfile, Procfile or .ebextensions\); pass --ecosystem laravel\|node\|deploy to audit it anyway\n$/);
  });
  it('a file of a project is a partial run of the project above it (lint-staged, lefthook {staged_files})', () => {
    const r = runCli([path.join(L10, 'config/session.php'), '-f', 'json']);
    const report = JSON.parse(r.stdout);
    expect(report.scope).toEqual({ paths: ['config/session.php'], checklistEvaluated: true });
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toContain('laravel/session-store-local');
    expect(r.code).toBe(1);
  });
  it('a subfolder is audited as part of the app above it, and only its files are reported', () => {
    const r = runCli(['-f', 'json'], {}, path.join(L10, 'app/Http'));
    const report = JSON.parse(r.stdout);
    // No config file among them: the checklist is not evaluated (each row would be "unknown, partial run"), and says so.
    expect(report.scope).toEqual({ paths: ['app/Http'], checklistEvaluated: false });
    expect(report.findings.every((f: { location: { file: string } }) => f.location.file.startsWith('app/Http/'))).toBe(true);
    expect(report.checklist).toEqual([]);
    expect(runCli(['--no-progress'], {}, path.join(L10, 'app/Http')).stdout).toMatch(/^Statelessness checklist not evaluated: a partial run evaluates it only when an env or config file is among its files/m);
  });
  it('bin: only live mode keeps NODE_EXTRA_CA_CERTS (Node reads that file at start-up, and nothing else opens TLS)', () => {
    const env = { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' };
    expect(runCli(['rules'], env)).toMatchObject({ code: 0, stderr: '' });
    expect(runCli(['live', '--help'], env).stderr).toMatch(/Ignoring extra certs from `\/nonexistent\/ca.pem`/);
  });
  it('a mistyped command gets "did you mean"', () => {
    const r = runCli(['aduit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('statelint: Path not found: aduit (did you mean `statelint audit`?)\n');
  });
});

describe('output', () => {
  it('json follows schemaVersion 1 with relative forward-slash paths', () => {
    const r = runCli([L10, '--format', 'json']);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.tool.name).toBe('statelint');
    expect(report.root).toBe('.');
    expect(report.project.laravel.version).toBe('10.48.22');
    for (const f of report.findings) {
      expect(f.location.file).not.toMatch(/^\/|\\/);
      expect(f.location.line).toBeGreaterThan(0);
      expect(f.location.column).toBeGreaterThan(0);
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(f.remediation.length).toBeGreaterThan(10);
    }
    expect(report.effectiveConfig['session.driver'].source.file).toBe('.env');
    expect(Object.keys(report.summary.byCategory)).toEqual(['sessions', 'cache', 'uploads', 'logs', 'config', 'scheduler', 'queue', 'database']);
  });

  it('sarif has what GitHub code scanning requires', () => {
    const log = JSON.parse(runCli([L10, '--format', 'sarif']).stdout);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run.tool.driver.semanticVersion).toMatch(/^\d+\.\d+\.\d+/);
    for (const rule of run.tool.driver.rules) {
      expect(rule.id).toBeTruthy();
      expect(rule.shortDescription.text).toBeTruthy();
      expect(rule.fullDescription.text).toBeTruthy();
      expect(rule.help.text).toBeTruthy();
      expect(rule.help.markdown).toBeTruthy();
    }
    expect(run.results.length).toBeGreaterThan(0);
    for (const res of run.results) {
      expect(res.message.text).toBeTruthy();
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).not.toMatch(/^\//);
      expect(loc.region.startLine).toBeGreaterThan(0);
      expect(res.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:\d+$/);
    }
  });

  it('fingerprints survive a line shift', () => {
    const dir = path.join(tmp, 'shift');
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    writeFileSync(path.join(dir, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
    const code = "<?php\n$a = env('A');\n";
    writeFileSync(path.join(dir, 'app/X.php'), code);
    const before = JSON.parse(runCli([dir, '--format', 'json']).stdout).findings[0];
    writeFileSync(path.join(dir, 'app/X.php'), code.replace('<?php\n', '<?php\n\n// moved down\n'));
    const after = JSON.parse(runCli([dir, '--format', 'json']).stdout).findings[0];
    expect(after.location.line).toBe(before.location.line + 2);
    expect(after.fingerprint).toBe(before.fingerprint);
  });

  it('-o writes the report to a file and keeps stdout empty', () => {
    const out = path.join(tmp, 'reports/r.json');
    const r = runCli([L10, '--format', 'json', '-o', out]);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).schemaVersion).toBe(1);
  });

  it('pretty output groups by file, shows excerpts and the checklist', () => {
    const r = runCli([L10, '--no-color']);
    expect(r.stdout).toContain('.env\n');
    expect(r.stdout).toMatch(/29 \| SESSION_DRIVER=file/);
    expect(r.stdout).toMatch(/FAIL {2}Sessions +session\.driver = file/);
    expect(r.stdout).toMatch(/pass {2}Database/);
  });

  it('colour follows --color/--no-color, then NO_COLOR, then FORCE_COLOR', () => {
    const esc = /\u001b\[/;
    expect(runCli([L10]).stdout).not.toMatch(esc); // not a TTY
    expect(runCli([L10], { FORCE_COLOR: '1' }).stdout).toMatch(esc);
    expect(runCli([L10], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toMatch(esc);
    expect(runCli([L10, '--color'], { NO_COLOR: '1' }).stdout).toMatch(esc);
    expect(runCli([L10, '--no-color'], { FORCE_COLOR: '1' }).stdout).not.toMatch(esc);
    expect(runCli([L10, '--format', 'json'], { FORCE_COLOR: '1' }).stdout).not.toMatch(esc);
  });
});

describe('secrets', () => {
  it('never prints APP_KEY or passwords from the env file, in any format or command', () => {
    const env = readFileSync(path.join(L10, '.env'), 'utf8');
    const secrets = [...env.matchAll(/^(?:APP_KEY|DB_PASSWORD|REDIS_PASSWORD)=(.+)$/gm)].map((m) => m[1].trim()).filter((s) => s.length > 3);
    expect(secrets.length).toBeGreaterThan(1);
    for (const args of [[L10], [L10, '--format', 'json'], [L10, '--format', 'sarif'], ['config', L10], ['config', L10, '--format', 'json'], [L10, '--show-config']]) {
      const r = runCli(args);
      for (const s of secrets) {
        expect(r.stdout).not.toContain(s);
        expect(r.stderr).not.toContain(s);
      }
    }
  });
});

describe('bad input never crashes the audit', () => {
  it('lists binary, non-UTF-8, huge and unparsable files and still reports the rest', () => {
    const dir = path.join(tmp, 'bad');
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    writeFileSync(path.join(dir, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
    writeFileSync(path.join(dir, 'app/Binary.php'), Buffer.from([0x3c, 0x3f, 0x70, 0x00, 0x01, 0x02, 0xff]));
    writeFileSync(path.join(dir, 'app/Latin1.php'), Buffer.concat([Buffer.from("<?php\n$x = env('A'); // caf"), Buffer.from([0xe9]), Buffer.from('\n')]));
    writeFileSync(path.join(dir, 'app/Huge.php'), `<?php\n${"$x = env('A');\n".repeat(200_000)}`);
    writeFileSync(path.join(dir, 'app/Broken.php'), "<?php\nfunction (\n$y = env('BROKEN');\nclass {\n");
    writeFileSync(path.join(dir, 'app/Good.php'), "<?php\n$z = env('GOOD');\n");
    const r = runCli([dir, '--format', 'json']);
    expect(r.code).toBe(0); // only warnings
    const report = JSON.parse(r.stdout);
    const skipped = Object.fromEntries(report.skipped.map((s: { file: string; reason: string }) => [s.file, s.reason]));
    expect(skipped['app/Binary.php']).toMatch(/binary/);
    expect(skipped['app/Latin1.php']).toBeUndefined(); // read as Windows-1252, with a note: its env() is still found
    expect(report.errors).toContainEqual({ file: 'app/Latin1.php', message: expect.stringMatching(/not valid UTF-8; analysed as Windows-1252/) });
    expect(skipped['app/Huge.php']).toMatch(/larger than/);
    expect(report.errors.map((e: { file: string }) => e.file)).toContain('app/Broken.php');
    const files = report.findings.map((f: { location: { file: string } }) => f.location.file);
    expect(files).toContain('app/Good.php');
    expect(files).toContain('app/Latin1.php');
    expect(files).toContain('app/Broken.php'); // partly analysed: env('BROKEN') still found
  });
});

describe('file selection', () => {
  it('skips --ignore patterns and what the project .gitignore ignores', () => {
    const dir = path.join(tmp, 'ignores');
    mkdirSync(path.join(dir, 'app/Legacy'), { recursive: true });
    mkdirSync(path.join(dir, 'app/Generated'), { recursive: true });
    writeFileSync(path.join(dir, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
    writeFileSync(path.join(dir, '.gitignore'), '/app/Generated/\n');
    for (const f of ['app/Keep.php', 'app/Legacy/Old.php', 'app/Generated/Stub.php']) writeFileSync(path.join(dir, f), "<?php\n$x = env('X');\n");
    const files = (args: string[]) => JSON.parse(runCli([dir, '--format', 'json', ...args]).stdout).findings.map((f: { location: { file: string } }) => f.location.file);
    expect(files([])).toEqual(['app/Keep.php', 'app/Legacy/Old.php']);
    expect(files(['--ignore', 'app/Legacy/'])).toEqual(['app/Keep.php']);
  });
});

describe('statelint.config.json and baselines', () => {
  function project(name: string): string {
    const dir = path.join(tmp, name);
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    writeFileSync(path.join(dir, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
    writeFileSync(path.join(dir, '.env'), 'SESSION_DRIVER=file\n');
    writeFileSync(path.join(dir, 'app/A.php'), "<?php\n$a = env('A');\n");
    return dir;
  }

  it('applies rules, failOn and ignore from the config file; flags win', () => {
    const dir = project('configured');
    writeFileSync(path.join(dir, 'statelint.config.json'), JSON.stringify({ rules: { 'laravel/session-store-local': 'off' }, failOn: 'warning', ignore: ['app/B.php'] }));
    writeFileSync(path.join(dir, 'app/B.php'), "<?php\n$b = env('B');\n");
    const r = runCli([dir, '--format', 'json']);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { ruleId: string; location: { file: string } }) => `${f.ruleId} ${f.location.file}`)).toEqual(['laravel/env-outside-config app/A.php']);
    expect(r.code).toBe(1); // failOn warning from the file
    expect(runCli([dir, '--fail-on', 'error']).code).toBe(0);
  });

  it('rejects a config file with an unknown key or rule in one sentence (exit 2)', () => {
    const dir = project('badconfig');
    writeFileSync(path.join(dir, 'statelint.config.json'), '{"rulez": {}}');
    const r = runCli([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown key "rulez"/);
    writeFileSync(path.join(dir, 'statelint.config.json'), '{"rules": {"laravel/nope": "off"}}');
    expect(runCli([dir]).stderr).toMatch(/unknown rule "laravel\/nope"/);
    writeFileSync(path.join(dir, 'statelint.config.json'), '{ not json');
    expect(runCli([dir]).stderr).toMatch(/not valid JSON/);
  });

  it('--write-baseline records findings; --baseline reports only new ones', () => {
    const dir = project('baseline');
    const file = path.join(dir, 'statelint-baseline.json');
    const w = runCli([dir, '--write-baseline', file]);
    expect(w.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).entries).toHaveLength(1);
    const clean = runCli([dir, '--baseline', file, '--format', 'json']);
    expect(clean.code).toBe(0);
    const report = JSON.parse(clean.stdout);
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((s: { suppression: { kind: string } }) => s.suppression.kind)).toEqual(['baseline']);
    expect(report.baseline).toEqual({ file: 'statelint-baseline.json', matched: 1, unmatched: 0 });
    writeFileSync(path.join(dir, 'app/A.php'), "<?php\n\n$a = env('A');\n$c = env('C');\n");
    const next = JSON.parse(runCli([dir, '--baseline', file, '--format', 'json']).stdout);
    expect(next.findings.map((f: { message: string }) => f.message)).toEqual([expect.stringContaining("env('C')")]);
  });

  it('says when baseline entries no longer match', () => {
    const dir = project('stale');
    const file = path.join(dir, 'b.json');
    runCli([dir, '--write-baseline', file]);
    writeFileSync(path.join(dir, 'app/A.php'), '<?php\n');
    const r = runCli([dir, '--baseline', file]);
    expect(r.stderr).toMatch(/1 baseline entry no longer matches/);
  });
});

describe('inline suppressions', () => {
  it('moves suppressed findings to `suppressed` with their reason', () => {
    const dir = path.join(ROOT, 'fixtures/rules/laravel/env-outside-config/app-and-views');
    const report = JSON.parse(runCli([dir, '--format', 'json']).stdout);
    const reasons = report.suppressed.map((s: { suppression: { reason: string } }) => s.suppression.reason);
    expect(reasons).toContain('read by the installer before config exists');
    expect(report.suppressed).toHaveLength(2);
    expect(report.findings.some((f: { message: string }) => f.message.includes('LEGACY'))).toBe(false);
  });
});

describe('rules and explain', () => {
  it('lists every rule and explains one', () => {
    const list = runCli(['rules']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/laravel\/session-store-local +error +sessions/);
    const ex = runCli(['explain', 'laravel/schedule-lock-local']);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toMatch(/Why it matters/);
    expect(ex.stdout).toMatch(/How to fix/);
    const bad = runCli(['explain', 'laravel/nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown rule/);
  });

  it('config prints resolved values with the line they came from', () => {
    const r = runCli(['config', L10]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/session\.driver +file +\.env:29/);
    expect(r.stdout).toMatch(/scheduler lock store/);
  });
});

describe('--dotenv, --env and --config-dir', () => {
  it('later env files and --env override earlier values', () => {
    const prod = path.join(tmp, 'prod.env');
    writeFileSync(prod, 'SESSION_DRIVER=redis\n');
    const a = JSON.parse(runCli([L10, '--format', 'json', '--dotenv', path.join(L10, '.env'), '--dotenv', prod]).stdout);
    expect(a.effectiveConfig['session.driver'].value).toBe('redis');
    expect(a.findings.some((f: { ruleId: string }) => f.ruleId === 'laravel/session-store-local' && f.location.file === '.env')).toBe(false);
    const b = JSON.parse(runCli([L10, '--format', 'json', '--env', 'CACHE_DRIVER=redis']).stdout);
    expect(b.effectiveConfig['cache.default'].value).toBe('redis');
  });
});

describe('unknown values and the target environment (issue 9)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-assume-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'config'));
  writeFileSync(path.join(dir, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
  writeFileSync(path.join(dir, 'config/session.php'), "<?php\nreturn ['driver' => app_driver(), 'lifetime' => 120];\n");
  writeFileSync(path.join(dir, 'config/cache.php'), "<?php\nreturn ['default' => env('CACHE_DRIVER', 'file'), 'stores' => ['file' => ['driver' => 'file'], 'redis' => ['driver' => 'redis']]];\n");
  writeFileSync(path.join(dir, '.env.example'), 'CACHE_DRIVER=redis\n');
  writeFileSync(path.join(dir, '.env.production'), 'CACHE_DRIVER=file\n');

  it('--assume states a value the resolver cannot derive, and the report marks it', () => {
    const plain = JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never']).stdout);
    expect(plain.effectiveConfig['session.driver'].unknown).toBeTruthy();
    const run = runCli([dir, '--format', 'json', '--fail-on', 'never', '--assume', 'session.driver=file']);
    const report = JSON.parse(run.stdout);
    expect(report.effectiveConfig['session.driver']).toMatchObject({ value: 'file', assumed: true });
    const finding = report.findings.find((f: { ruleId: string }) => f.ruleId === 'laravel/session-store-local');
    expect(finding.message).toContain('assumed (--assume session.driver=file)');
  });

  it('--target-env production prefers .env.production and says which file it used', () => {
    const run = runCli([dir, '--format', 'json', '--fail-on', 'never', '--target-env', 'production']);
    expect(run.stderr).toContain('.env.production');
    const report = JSON.parse(run.stdout);
    expect(report.project.laravel.envFiles).toEqual(['.env.production']);
    expect(report.effectiveConfig['cache.default'].value).toBe('file');
  });
});
