import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeScratch, report, run, scratch, writeTree } from '../hardening/support.js';

/**
 * Issue 9 (UNIT3D): an image made from an upload and saved to a local disk's ->path() held in a variable. The save
 * path is looked up as the variable's last assignment before the save; a method that reassigns it thousands of
 * times must not rescan the assignments per save. A hang guard only (60 s), never a timing assertion.
 */
const work = scratch('image-saves');
afterAll(() => removeScratch(work));

describe('one method with thousands of image saves into a reassigned disk path', () => {
  const dir = path.join(work, 'app');
  const n = 3000;
  let php = "<?php\nnamespace App\\Http\\Controllers;\nuse Illuminate\\Support\\Facades\\Storage;\nuse Intervention\\Image\\Facades\\Image;\nclass C {\n public function f($request) {\n  $f = $request->file('a');\n";
  // Every third path is on the s3 disk: those saves are not local writes.
  for (let i = 0; i < n; i++) php += `  $p = Storage::disk('${i % 3 === 2 ? 's3' : 'avatars'}')->path('a${i}.png');\n  Image::make($f->getRealPath())->save($p);\n`;
  php += ' }\n}\n';
  writeTree(dir, {
    artisan: '<?php\n',
    'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
    'config/filesystems.php': "<?php\nreturn ['default' => 'local', 'disks' => ['local' => ['driver' => 'local'], 'avatars' => ['driver' => 'local'], 's3' => ['driver' => 's3']]];\n",
    'app/Http/Controllers/C.php': php,
  });

  it('reports each save into the local disk, none into s3, within the hang guard', () => {
    const rep = report(run([dir, '-f', 'json', '--fail-on', 'never'], { timeoutMs: 60_000 }));
    const saves = rep.findings.filter((f: { ruleId: string; message: string }) => f.ruleId === 'laravel/upload-to-local-disk' && /->save\(\)/.test(f.message));
    expect(saves).toHaveLength(n - Math.floor(n / 3));
    expect(saves.every((f: { message: string }) => /'avatars' \(local driver\)/.test(f.message))).toBe(true);
  }, 70_000);
});
