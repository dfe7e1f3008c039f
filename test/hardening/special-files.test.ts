import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canDropPrivileges, checklist, findingFiles, laravelApp, notAnalysed, removeScratch, report, run, scratch, writeTree } from './support.js';

/**
 * Defects 1 and 6: every file statelint reads is opened as a regular file with a size cap, and
 * whatever it could not read is listed and turns the checklist row it feeds into "unknown".
 *
 * "Unreadable" and root: these tests run as root, which reads chmod 000 files. Two stand-ins are
 * used that root cannot read either: a FIFO, a /dev/zero link or a directory where a file should
 * be (open/read fails or is refused), and, for real permission errors, the binary started as
 * uid/gid 65534 (nobody) after chmod 000. Without root, chmod 000 alone does the same.
 */
const work = scratch('special');
afterAll(() => removeScratch(work));

const MiB = 1024;
/** Generous guards: a hang or runaway memory fails the test; no timing is asserted. */
const MEMORY_GUARD_KIB = 1024 * MiB;

function fresh(name: string, extra: Record<string, string | Buffer> = {}): string {
  const dir = path.join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return laravelApp(dir, extra);
}

function replace(dir: string, rel: string, how: 'zero' | 'fifo' | 'dir'): void {
  const abs = path.join(dir, rel);
  rmSync(abs, { recursive: true, force: true });
  mkdirSync(path.dirname(abs), { recursive: true });
  if (how === 'zero') symlinkSync('/dev/zero', abs);
  else if (how === 'fifo') execFileSync('mkfifo', [abs]);
  else mkdirSync(abs);
}

const READ_BY_STATELINT = ['config/session.php', '.env', 'composer.json', 'composer.lock', 'bootstrap/app.php', '.gitignore'];
/** .gitignore only narrows what is audited: unread, more files are audited, never fewer, so it need not be listed. */
const LISTED_WHEN_UNREAD = READ_BY_STATELINT.filter((f) => f !== '.gitignore');

describe('special files never hang the audit or grow its memory (defect 1)', () => {
  for (const how of ['zero', 'fifo', 'dir'] as const) {
    const what = how === 'zero' ? 'a symlink to /dev/zero' : how === 'fifo' ? 'a FIFO' : 'a directory';
    it(`every file statelint reads replaced by ${what}: finishes, lists each, never passes what it could not read`, () => {
      // bootstrap/app.php on its own: unread, it hides which config folder is used (and so hides config/session.php)
      for (const broken of [READ_BY_STATELINT.filter((f) => f !== 'bootstrap/app.php'), ['bootstrap/app.php']]) {
        const dir = fresh(`all-${how}`, { 'composer.lock': '{"packages":[]}', 'bootstrap/app.php': '<?php\n', '.gitignore': '/x\n' });
        for (const rel of broken) replace(dir, rel, how);
        const r = run([dir, '-f', 'json']);
        const rep = report(r);
        if (r.maxRssKiB !== undefined) expect(r.maxRssKiB).toBeLessThan(MEMORY_GUARD_KIB);
        const listed = notAnalysed(rep).join('\n');
        for (const rel of broken.filter((f) => LISTED_WHEN_UNREAD.includes(f))) expect(listed).toContain(`${rel}: `);
        expect(findingFiles(rep)).toContain('app/Http/Feature.php'); // the rest of the audit goes on
        // .env, session.php or the folder holding it could not be read: the row is not decided by a default
        expect(checklist(rep).sessions).toBe('unknown');
      }
    });
  }

  it('a source file that is a /dev/zero link or a FIFO is listed, not read; a settings file or baseline that is one is a usage error', () => {
    const dir = fresh('sources');
    replace(dir, 'app/Zero.php', 'zero');
    replace(dir, 'app/Fifo.php', 'fifo');
    const rep = report(run([dir, '-f', 'json']));
    const skipped = Object.fromEntries(rep.skipped.map((s: { file: string; reason: string }) => [s.file, s.reason]));
    expect(skipped['app/Zero.php']).toMatch(/not a regular file \(a character device\)/);
    expect(skipped['app/Fifo.php']).toMatch(/not a regular file/);
    replace(dir, 'statelint.config.json', 'fifo');
    const settings = run([dir]);
    expect(settings.code).toBe(2);
    expect(settings.stderr).toMatch(/^statelint: statelint\.config\.json could not be read: not a regular file \(a FIFO\)\n$/);
    rmSync(path.join(dir, 'statelint.config.json'));
    for (const baseline of ['/dev/zero', path.join(dir, 'app/Fifo.php')]) {
      const b = run([dir, '--baseline', baseline]);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/cannot be read \(not a regular file/);
    }
    const env = report(run([dir, '-f', 'json', '--dotenv', '/dev/zero']));
    expect(notAnalysed(env).join('\n')).toMatch(/env file skipped: not a regular file/);
  });

  it('a source file over --max-file-size is not read past the cap', () => {
    const dir = fresh('capped', { 'app/Big.php': `<?php\n${"$x = env('BIG');\n".repeat(20_000)}` });
    const rep = report(run([dir, '-f', 'json', '--max-file-size', '64k']));
    expect(rep.skipped).toContainEqual({ file: 'app/Big.php', reason: expect.stringMatching(/^larger than 64 KiB/) });
    expect(checklist(rep).config).toBe('fail'); // Feature.php's finding still fails the row
  });
});

describe('unreadable files and folders (defects 2 and 6)', () => {
  it.runIf(canDropPrivileges() || process.getuid?.() !== 0)('chmod 000 composer.json, composer.lock, bootstrap/app.php: no crash, each listed', () => {
    const dir = fresh('chmod-meta', { 'composer.lock': '{"packages":[]}', 'bootstrap/app.php': "<?php\n$app->useConfigPath(base_path('config'));\n" });
    for (const rel of ['composer.json', 'composer.lock', 'bootstrap/app.php']) chmodSync(path.join(dir, rel), 0o000);
    const r = run([dir, '-f', 'json'], { asNobody: true });
    const rep = report(r);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    const listed = notAnalysed(rep).join('\n');
    for (const rel of ['composer.json', 'composer.lock', 'bootstrap/app.php']) expect(listed).toMatch(new RegExp(`${rel.replace('.', '\\.')}: .*permission denied`));
    // bootstrap/app.php may set the config folder: with it unread, config values are unknown, not defaults
    expect(checklist(rep).sessions).toBe('unknown');
  });

  it.runIf(canDropPrivileges() || process.getuid?.() !== 0)('an unreadable subfolder is listed and its checklist row flips from pass to unknown, never to pass', () => {
    // The only env() outside config is in app/Secret/: readable, the row fails; unreadable, it must not pass.
    const dir = fresh('chmod-folder');
    rmSync(path.join(dir, 'app/Http/Feature.php'));
    writeTree(dir, { 'app/Secret/Hidden.php': "<?php\n$x = env('HIDDEN');\n", 'app/Open.php': '<?php\n$y = 1;\n' });
    expect(checklist(report(run([dir, '-f', 'json'], { asNobody: true }))).config).toBe('fail');
    chmodSync(path.join(dir, 'app/Secret'), 0o000);
    const rep = report(run([dir, '-f', 'json'], { asNobody: true }));
    expect(rep.skipped).toContainEqual({ file: 'app/Secret', reason: expect.stringMatching(/folder could not be listed/) });
    expect(checklist(rep).config).toBe('unknown');
  });

  it.runIf(canDropPrivileges() || process.getuid?.() !== 0)('an unreadable config/ is an error and its values are unknown', () => {
    const dir = fresh('chmod-config');
    chmodSync(path.join(dir, 'config'), 0o000);
    const rep = report(run([dir, '-f', 'json'], { asNobody: true }));
    expect(notAnalysed(rep).join('\n')).toMatch(/config: folder could not be listed/);
    expect(checklist(rep).sessions).toBe('unknown');
    expect(rep.effectiveConfig['session.driver']?.value ?? null).toBeNull();
  });

  it('config/ that is a file (root cannot list it either) is an error and its values are unknown', () => {
    const dir = fresh('config-file');
    rmSync(path.join(dir, 'config'), { recursive: true });
    writeFileSync(path.join(dir, 'config'), 'not a folder');
    const rep = report(run([dir, '-f', 'json']));
    expect(notAnalysed(rep).join('\n')).toMatch(/config\/: the config directory config\/ is not a folder/);
    expect(checklist(rep).sessions).toBe('unknown');
  });

  it('an invalid composer.json keeps the findings (Laravel detected from its text) and lists the problem', () => {
    const dir = fresh('bad-composer', { 'app/Two.php': "<?php\n$a = env('A');\n$b = env('B');\n" });
    rmSync(path.join(dir, 'artisan'));
    const valid = report(run([dir, '-f', 'json']));
    writeFileSync(path.join(dir, 'composer.json'), '{"require": {"laravel/framework": "^10.0",}}');
    const r = run([dir, '-f', 'json']);
    const rep = report(r);
    expect(r.code).toBe(1);
    expect(rep.findings.length).toBe(valid.findings.length);
    expect(rep.findings.length).toBeGreaterThanOrEqual(3);
    expect(notAnalysed(rep).join('\n')).toMatch(/composer\.json: is not valid JSON \(line 1, column \d+\); Laravel detected from its text/);
    // the Laravel version is not certain: no row passes on it
    expect(Object.values(checklist(rep))).not.toContain('pass');
  });

  it('a Latin-1 PHP file is analysed as Windows-1252 (its env() is found) and noted', () => {
    const latin1 = Buffer.concat([Buffer.from("<?php\n// caf"), Buffer.from([0xe9]), Buffer.from("\n$x = env('LEGACY');\n")]);
    const dir = fresh('latin1', { 'app/Legacy.php': latin1 });
    const rep = report(run([dir, '-f', 'json']));
    const legacy = rep.findings.find((f: { location: { file: string } }) => f.location.file === 'app/Legacy.php');
    expect(legacy?.message).toMatch(/env\('LEGACY'\)/);
    expect(legacy?.location.line).toBe(3);
    expect(rep.errors).toContainEqual({ file: 'app/Legacy.php', message: expect.stringMatching(/Windows-1252/) });
  });

  it('a file name that is not UTF-8 is listed with its bytes escaped and its row is not pass', () => {
    const dir = fresh('badname');
    rmSync(path.join(dir, 'app/Http/Feature.php'));
    writeFileSync(Buffer.from(path.join(dir, 'app/caf\xe9.php'), 'latin1'), "<?php\n$x = env('HIDDEN');\n");
    const rep = report(run([dir, '-f', 'json']));
    expect(rep.skipped).toContainEqual({ file: 'app/caf\ufffd.php', reason: expect.stringMatching(/UTF-8/) });
    expect(checklist(rep).config).toBe('unknown');
  });
});
