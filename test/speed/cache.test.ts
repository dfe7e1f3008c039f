import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { removeScratch, report, run, scratch, writeTree } from '../hardening/support.js';

/**
 * --cache never changes findings (issue 10): the same report with and without it, cold and warm, after a
 * corrupt or hand-edited cache file, after a changed file, a changed config, and a change in another file that
 * the upload index follows into an unchanged one.
 */
const work = scratch('cache');
afterAll(() => removeScratch(work));

/** The report without what differs from run to run (the duration). */
function audit(dir: string, ...extra: string[]): unknown {
  const rep = report(run([dir, '-f', 'json', '--fail-on', 'never', ...extra], { timeoutMs: 60_000 }));
  delete rep.summary.durationMs;
  return rep;
}

describe('--cache on the demo app', () => {
  const dir = path.join(work, 'demo');
  cpSync(path.join(ROOT, 'fixtures/projects/demo-app'), dir, { recursive: true });
  const cacheFile = path.join(work, 'demo-cache.json');
  const cached = () => audit(dir, '--cache', '--cache-location', cacheFile);

  it('cold and warm runs report exactly what a run without the cache reports', () => {
    const plain = audit(dir);
    expect(cached()).toEqual(plain);
    expect(existsSync(cacheFile)).toBe(true);
    const entries = Object.keys(JSON.parse(readFileSync(cacheFile, 'utf8')).files);
    expect(entries).toContain('app/Http/Controllers/PhotoController.php');
    expect(cached()).toEqual(plain);
    // and the warm run did use it: every candidate file was a hit
    const warm = run([dir, '-f', 'json', '--fail-on', 'never', '--cache', '--cache-location', cacheFile, '--timing'], { timeoutMs: 60_000 });
    const hits = Number(/cache hits\s+(\d+)/.exec(warm.stderr)?.[1]);
    expect(hits).toBe(entries.length);
    expect(warm.stderr).not.toContain('files parsed (php)');
  }, 120_000);

  it('a corrupt cache file, or one with entries of the wrong shape, is ignored and rewritten', () => {
    const plain = audit(dir);
    writeFileSync(cacheFile, '{"statelintCache":1,"key":');
    expect(cached()).toEqual(plain);
    const good = JSON.parse(readFileSync(cacheFile, 'utf8'));
    // A forged entry that would hide the controller's findings: right hash and key, drafts of the wrong shape.
    const forged = structuredClone(good);
    forged.files['app/Http/Controllers/PhotoController.php'].drafts = [{ ruleId: 'x' }];
    writeFileSync(cacheFile, JSON.stringify(forged));
    expect(cached()).toEqual(plain);
    writeFileSync(cacheFile, '\u0000\u0001 not json');
    expect(cached()).toEqual(plain);
  }, 120_000);

  it('a changed file is audited again', () => {
    cached();
    const file = path.join(dir, 'app/Http/Controllers/AlbumController.php');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n}\s*$/, "\n    public function extra() { return env('EXTRA_FLAG'); }\n}\n"));
    const plain = audit(dir);
    expect(JSON.stringify(plain)).toContain('EXTRA_FLAG');
    expect(cached()).toEqual(plain);
  }, 120_000);

  it('a changed config (env file) invalidates every entry', () => {
    cached();
    const env = path.join(dir, '.env.example');
    writeFileSync(env, readFileSync(env, 'utf8').replace(/^FILESYSTEM_DISK=.*$/m, 'FILESYSTEM_DISK=s3'));
    const plain = audit(dir);
    expect(cached()).toEqual(plain);
  }, 120_000);
});

describe('--cache and the upload index', () => {
  const dir = path.join(work, 'flow');
  const controller = (handsOn: boolean) =>
    `<?php\nnamespace App\\Http\\Controllers;\nuse App\\Services\\Saver;\nclass UploadController {\n  public function store($request, Saver $saver) {\n    $file = $request->file('a');\n    ${handsOn ? '$saver->keep($file);' : '$saver->keep(null);'}\n  }\n}\n`;
  writeTree(dir, {
    artisan: '<?php\n',
    'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
    'config/filesystems.php': "<?php\nreturn ['default' => 'local', 'disks' => ['local' => ['driver' => 'local']]];\n",
    'app/Http/Controllers/UploadController.php': controller(true),
    'app/Services/Saver.php': "<?php\nnamespace App\\Services;\nclass Saver {\n  public function keep($file) {\n    return $file->store('kept');\n  }\n}\n",
  });
  const cacheFile = path.join(dir, 'custom-cache/');

  it('a finding in an unchanged file follows a change in the file that hands it the upload', () => {
    const args = ['--cache', '--cache-location', cacheFile];
    const before = audit(dir, ...args) as { findings: { location: { file: string } }[] };
    expect(before.findings.map((f) => f.location.file)).toContain('app/Services/Saver.php');
    expect(existsSync(path.join(cacheFile, 'statelint-cache.json'))).toBe(true);
    writeFileSync(path.join(dir, 'app/Http/Controllers/UploadController.php'), controller(false));
    const after = audit(dir, ...args) as { findings: { location: { file: string } }[] };
    expect(after.findings.map((f) => f.location.file)).not.toContain('app/Services/Saver.php');
    expect(after).toEqual(audit(dir));
  }, 120_000);
});

describe('--timing', () => {
  it('prints the phases and the files and characters parsed on stderr; the report is unchanged', () => {
    const dir = path.join(ROOT, 'fixtures/projects/demo-app');
    const r = run([dir, '-f', 'json', '--fail-on', 'never', '--timing'], { timeoutMs: 60_000 });
    const rep = report(r);
    delete rep.summary.durationMs;
    expect(rep).toEqual(audit(dir));
    for (const phase of ['node start-up', 'module loading', 'config resolution', 'read files', 'prefilter', 'index pass: parse', 'parse', 'report rendering', 'files parsed (php)', 'characters parsed']) {
      expect(r.stderr).toContain(phase);
    }
  }, 120_000);
});
