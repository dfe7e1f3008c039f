import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/api/index.js';
import { DiskFs, GitIndexFs, OverlayFs } from '../../src/project/fs.js';

const L10 = path.resolve(__dirname, '../../fixtures/projects/laravel-10');

describe('project file systems', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'statelint-fs-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

  it('GitIndexFs audits the staged content, not the work tree', async () => {
    cpSync(L10, work, { recursive: true });
    git('init', '-q');
    const controller = 'app/Http/Controllers/StagedController.php';
    writeFileSync(path.join(work, controller), "<?php\nclass StagedController { public function show() { return env('STAGED_ONLY'); } }\n");
    git('add', '-A');
    // The work tree drops the env() call after staging: a hook must judge what will be committed.
    writeFileSync(path.join(work, controller), '<?php\nclass StagedController {}\n');
    const staged = await audit({ path: work, fs: new GitIndexFs(work) });
    const disk = await audit({ path: work });
    const inController = (r: typeof staged) => r.report.findings.filter((f) => f.location.file === controller).map((f) => f.ruleId);
    expect(inController(staged)).toEqual(['laravel/env-outside-config']);
    expect(inController(disk)).toEqual([]);
  });

  it('GitIndexFs lists folders and refuses files outside the index', () => {
    const fs = new GitIndexFs(work);
    expect(fs.exists('app')).toBe('dir');
    expect(fs.list('.')?.some((e) => e.name === 'artisan' && e.kind === 'file')).toBe(true);
    writeFileSync(path.join(work, 'untracked.php'), '<?php\n');
    expect(fs.exists('untracked.php')).toBeUndefined();
    expect(fs.read('untracked.php')).toEqual({ ok: false, reason: 'not in the git index' });
  });

  it('GitIndexFs reads the staged bytes whatever the work tree holds, and lists a subfolder relative to it', () => {
    const file = 'app/Models/Staged.php';
    writeFileSync(path.join(work, file), '<?php // staged\n');
    git('add', file);
    // Same length and (to the second) the same mtime as the staged copy: only the bytes tell them apart.
    writeFileSync(path.join(work, file), '<?php // edited\n');
    expect(new GitIndexFs(work).read(file)).toEqual({ ok: true, text: '<?php // staged\n' });
    writeFileSync(path.join(work, file), '<?php // staged\n');
    expect(new GitIndexFs(work).read(file)).toEqual({ ok: true, text: '<?php // staged\n' });
    const sub = new GitIndexFs(path.join(work, 'app'));
    expect(sub.exists('Models/Staged.php')).toBe('file');
    expect(sub.read('Models/Staged.php')).toEqual({ ok: true, text: '<?php // staged\n' });
    expect(sub.exists('artisan')).toBeUndefined();
  });

  it('OverlayFs reads its own edits over the disk and leaves the disk alone', () => {
    const disk = new DiskFs(work);
    const overlay = new OverlayFs(disk);
    overlay.write('artisan', 'changed');
    expect(overlay.read('artisan')).toEqual({ ok: true, text: 'changed' });
    expect(disk.read('artisan')).not.toEqual({ ok: true, text: 'changed' });
  });
});
