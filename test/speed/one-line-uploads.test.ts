import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratch, report, run, scratch, writeTree } from '../hardening/support.js';

/**
 * Issue 11 item 7 / issue 10: one 1 MB single-line PHP file with many upload hits took more than 120 s (the upload
 * rule and its index walked a method once per call; fingerprints read the line once per finding). A hang guard
 * only (60 s, generous: a few seconds on this 2-core machine), never a timing assertion; the findings are checked.
 */
const work = scratch('one-line-uploads');
afterAll(() => removeScratch(work));

describe('one 1 MB single-line PHP file with thousands of uploads stored on the local disk', () => {
  const dir = path.join(work, 'app');
  // Direct stores in the controller, and the same upload handed to a service method that stores it (the index).
  let php = "<?php namespace App\\Http\\Controllers; use App\\Services\\Saver; class C { public function f($request) { $s = new Saver(); ";
  let direct = 0;
  const pad = 'x'.repeat(120);
  while (php.length < 1024 * 1024) {
    const v = `$f${direct % 40}`;
    php += `${v}=$request->file('a');${v}->store('${pad}');$s->keep(${v});`;
    direct++;
  }
  php += '} }';
  writeTree(dir, {
    artisan: '<?php\n',
    'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
    'config/filesystems.php': "<?php\nreturn ['default' => 'local', 'disks' => ['local' => ['driver' => 'local']]];\n",
    'app/Http/Controllers/C.php': php,
    'app/Services/Saver.php': "<?php\nnamespace App\\Services;\nclass Saver {\n  public function keep($file) {\n    return $file->store('kept');\n  }\n}\n",
  });

  it('every store is reported, the handed-on one too, within the hang guard', () => {
    const rep = report(run([dir, '-f', 'json', '--fail-on', 'never'], { timeoutMs: 60_000 }));
    const uploads = rep.findings.filter((f: { ruleId: string }) => f.ruleId === 'laravel/upload-to-local-disk');
    const inController = uploads.filter((f: { location: { file: string } }) => f.location.file === 'app/Http/Controllers/C.php');
    expect(inController).toHaveLength(direct);
    expect(new Set(inController.map((f: { fingerprint: string }) => f.fingerprint)).size).toBe(direct);
    const handed = uploads.filter((f: { location: { file: string } }) => f.location.file === 'app/Services/Saver.php');
    expect(handed).toHaveLength(1);
    expect(handed[0].message).toMatch(/handed on from app\/Http\/Controllers\/C\.php:1/);
  }, 70_000);
});
