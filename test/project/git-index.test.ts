import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskIndexFiles, GitIndexFs } from '../../src/project/fs.js';
import { parseIndex, readGitIndex as readWith } from '../../src/project/git-index.js';
import { stagedSnapshot } from '../../src/project/git.js';

// Real repositories, and git's own `ls-files --stage -z` as the oracle. No GIT_* from a surrounding hook.
const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
const ENV = { ...clean, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_CONFIG_NOSYSTEM: '1' };
const scratch = mkdtempSync(path.join(os.tmpdir(), 'statelint-gitindex-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readGitIndex = (cwd: string, env: NodeJS.ProcessEnv) => readWith(cwd, diskIndexFiles, env);
let n = 0;
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: ENV, stdio: 'pipe' }).toString();
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

/** A repository with a few files committed: app/ (nested), an executable, a symbolic link, a non-ASCII name. */
function repo(...init: string[]): string {
  const dir = path.join(scratch, `r${n++}`);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main', ...init);
  write(path.join(dir, 'artisan'), '#!/usr/bin/env php\n');
  write(path.join(dir, 'app/Http/Controllers/UserController.php'), '<?php // users\n');
  write(path.join(dir, 'app/Models/User.php'), '<?php // model\n');
  write(path.join(dir, 'config/app.php'), "<?php return ['name' => 'x'];\n");
  write(path.join(dir, 'résumé/ünïcode ✓.php'), '<?php // non-ASCII\n');
  write(path.join(dir, 'a.b'), 'sorted before a/\n');
  symlinkSync('app/Models/User.php', path.join(dir, 'link.php'));
  git(dir, 'update-index', '--chmod=+x', '--add', 'artisan');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

/** `git ls-files --stage -z` in `cwd`, one string per entry. */
const listed = (cwd: string, env = ENV) =>
  execFileSync('git', ['ls-files', '--stage', '-z'], { cwd, env }).toString('utf8').split('\0').filter(Boolean);

/** The reader's entries in the same form. */
function read(cwd: string, env = ENV): string[] | undefined {
  const index = readGitIndex(cwd, env);
  return index?.entries.map((e) => `${e.mode.toString(8).padStart(6, '0')} ${e.oid} ${e.stage}\t${e.path}`);
}

const version = (dir: string, gitDir = path.join(dir, '.git')) => readFileSync(path.join(gitDir, 'index')).readUInt32BE(4);

/** A path of `bytes` bytes in the index only (no file can have it: PATH_MAX is 4096). */
function longPath(dir: string, bytes: number): string {
  const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, env: ENV, input: 'long\n' }).toString().trim();
  const name = `deep/${'d'.repeat(200)}/`.repeat(Math.ceil(bytes / 206)).slice(0, bytes - 6) + 'x.php';
  git(dir, 'update-index', '--add', '--cacheinfo', `100644,${blob},${name}`);
  return name;
}

describe('the git index reader lists what `git ls-files --stage` lists', () => {
  it('index version 2, with a symbolic link, a submodule entry, non-ASCII names and a path of 4,200 bytes', () => {
    const dir = repo();
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${commit},vendor/sub`);
    const long = longPath(dir, 4200);
    expect(version(dir)).toBe(2);
    const expected = listed(dir);
    expect(expected.some((e) => e.endsWith(`\t${long}`))).toBe(true);
    expect(expected.some((e) => e.startsWith('120000 '))).toBe(true);
    expect(read(dir)).toEqual(expected);
    // A symbolic link and a submodule are not files of the index file system, as before.
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.exists('link.php')).toBeUndefined();
    expect(fs.exists('vendor/sub')).toBeUndefined();
    expect(fs.exists(long)).toBe('file');
    expect(fs.read('résumé/ünïcode ✓.php')).toEqual({ ok: true, text: '<?php // non-ASCII\n' });
  });

  it('index version 3: intent-to-add and skip-worktree entries', () => {
    const dir = repo();
    write(path.join(dir, 'app/New.php'), '<?php // not yet added\n');
    git(dir, 'add', '-N', 'app/New.php');
    git(dir, 'update-index', '--skip-worktree', 'config/app.php');
    expect(version(dir)).toBe(3);
    expect(read(dir)).toEqual(listed(dir));
    // The intent-to-add entry's blob is empty whatever the work tree holds, and its stat data is the file's.
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.read('app/New.php')).toEqual({ ok: true, text: '' });
    expect(fs.reads.statClean).toBe(0);
  });

  it('index version 4 (prefix-compressed paths), in the repository and in a subfolder', () => {
    const dir = repo();
    longPath(dir, 4500);
    git(dir, 'update-index', '--index-version', '4');
    expect(version(dir)).toBe(4);
    expect(read(dir)).toEqual(listed(dir));
    expect(read(path.join(dir, 'app'))).toEqual(listed(path.join(dir, 'app')));
    expect(read(path.join(dir, 'résumé'))).toEqual(listed(path.join(dir, 'résumé')));
  });

  it('a subfolder as the audited folder: only its entries, relative to it', () => {
    const dir = repo();
    const sub = path.join(dir, 'app/Http');
    expect(read(sub)).toEqual(listed(sub));
    expect(read(sub)).toEqual([expect.stringMatching(/\tControllers\/UserController\.php$/)]);
    // A folder whose name starts like another's is not inside it.
    write(path.join(dir, 'app/Http2/X.php'), '<?php\n');
    git(dir, 'add', '-A');
    expect(read(sub)).toEqual(listed(sub));
    mkdirSync(path.join(dir, 'empty'));
    expect(read(path.join(dir, 'empty'))).toEqual([]);
  });

  it('a conflict after a failed merge: stages 1, 2 and 3', () => {
    const dir = repo();
    git(dir, 'checkout', '-q', '-b', 'other');
    write(path.join(dir, 'config/app.php'), "<?php return ['name' => 'other'];\n");
    git(dir, 'commit', '-qam', 'other');
    git(dir, 'checkout', '-q', 'main');
    write(path.join(dir, 'config/app.php'), "<?php return ['name' => 'main'];\n");
    git(dir, 'commit', '-qam', 'main');
    expect(() => git(dir, 'merge', '-q', 'other')).toThrow();
    const expected = listed(dir);
    expect(expected.filter((e) => e.endsWith('\tconfig/app.php')).map((e) => e.split(' ')[2][0])).toEqual(['1', '2', '3']);
    expect(read(dir)).toEqual(expected);
    // The last stage of a path wins, as with the listing.
    const fromIndex = new GitIndexFs(dir, readGitIndex(dir, ENV));
    const fromListing = new GitIndexFs(dir);
    expect(fromIndex.read('config/app.php')).toEqual(fromListing.read('config/app.php'));
    expect(fromIndex.list('config')).toEqual(fromListing.list('config'));
  });

  it('a SHA-256 repository (64-digit object ids)', () => {
    const dir = repo('--object-format=sha256');
    expect(read(dir)).toEqual(listed(dir));
    expect(read(dir)?.[0]).toMatch(/^\d{6} [0-9a-f]{64} 0\t/);
    git(dir, 'update-index', '--index-version', '4');
    expect(read(dir)).toEqual(listed(dir));
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.read('app/Models/User.php')).toEqual({ ok: true, text: '<?php // model\n' });
  });

  it('a linked worktree (`.git` is a file naming its git folder, which holds its index), and a subfolder of it', () => {
    const dir = repo();
    const linked = path.join(scratch, `linked${n++}`);
    git(dir, 'worktree', 'add', '-q', linked);
    write(path.join(linked, 'app/Linked.php'), '<?php // only in the linked worktree\n');
    git(linked, 'add', 'app/Linked.php');
    expect(read(linked)).toEqual(listed(linked));
    expect(read(linked)?.some((e) => e.endsWith('\tapp/Linked.php'))).toBe(true);
    expect(read(dir)?.some((e) => e.endsWith('\tapp/Linked.php'))).toBe(false);
    expect(read(path.join(linked, 'app'))).toEqual(listed(path.join(linked, 'app')));
  });

  it('a submodule checked out inside a repository (its git folder in .git/modules, with core.worktree)', () => {
    const inner = repo();
    const dir = repo();
    git(dir, '-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', inner, 'modules/inner');
    const sub = path.join(dir, 'modules/inner');
    expect(readFileSync(path.join(sub, '.git'), 'utf8')).toMatch(/^gitdir: /);
    expect(read(sub)).toEqual(listed(sub));
    expect(read(dir)).toEqual(listed(dir));
  });
});

describe('the reader steps aside when it is not sure (undefined: git lists the index as before)', () => {
  /** stagedSnapshot's answer, against the listing by git itself. */
  async function sameAsGit(dir: string, env = ENV) {
    const { fs, staged } = await stagedSnapshot(dir, env);
    const byGit = new GitIndexFs(dir, execFileSync('git', GitIndexFs.LIST, { cwd: dir, env }));
    const names = execFileSync('git', ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--relative'], { cwd: dir, env }).toString().split('\0').filter(Boolean);
    expect(staged).toEqual(names);
    for (const folder of ['.', 'app', 'app/Models', 'config']) expect(fs.list(folder)).toEqual(byGit.list(folder));
    for (const file of staged) expect(fs.read(file)).toEqual(byGit.read(file));
  }

  it('a split index (`link` extension)', async () => {
    const dir = repo();
    git(dir, 'update-index', '--split-index');
    write(path.join(dir, 'app/Models/Split.php'), '<?php // split\n');
    git(dir, 'add', '-A');
    expect(readGitIndex(dir, ENV)).toBeUndefined();
    await sameAsGit(dir);
  });

  it('a sparse index (`sdir` extension and folder entries)', async () => {
    const dir = repo();
    git(dir, 'sparse-checkout', 'set', '--cone', '--sparse-index', 'app');
    expect(readFileSync(path.join(dir, '.git/index')).includes('sdir')).toBe(true);
    expect(readGitIndex(dir, ENV)).toBeUndefined();
    write(path.join(dir, 'app/Sparse.php'), '<?php // sparse\n');
    git(dir, 'add', 'app/Sparse.php');
    await sameAsGit(dir);
  });

  it('GIT_INDEX_FILE naming another index (`git commit -a` runs hooks so); the usual one, as in any hook, is read', async () => {
    const dir = repo();
    write(path.join(dir, 'app/Models/User.php'), '<?php // edited, staged in the other index\n');
    const other = path.join(dir, '.git/other-index');
    const env = { ...ENV, GIT_INDEX_FILE: other };
    execFileSync('git', ['read-tree', 'HEAD'], { cwd: dir, env });
    execFileSync('git', ['add', 'app/Models/User.php'], { cwd: dir, env });
    expect(readGitIndex(dir, env)).toBeUndefined();
    await sameAsGit(dir, env);
    expect((await stagedSnapshot(dir, env)).staged).toEqual(['app/Models/User.php']);
    // A hook's own GIT_INDEX_FILE=.git/index (relative to the top), and GIT_DIR naming the usual folder.
    expect(read(dir, { ...ENV, GIT_INDEX_FILE: '.git/index' })).toEqual(listed(dir));
    expect(read(dir, { ...ENV, GIT_DIR: path.join(dir, '.git') })).toEqual(listed(dir));
    expect(read(path.join(dir, 'app'), { ...ENV, GIT_INDEX_FILE: '.git/index' })).toEqual(listed(path.join(dir, 'app')));
    // GIT_DIR in a subfolder makes that subfolder git's work-tree top: not reproduced, so not read.
    expect(readGitIndex(path.join(dir, 'app'), { ...ENV, GIT_DIR: path.join(dir, '.git') })).toBeUndefined();
    expect(readGitIndex(dir, { ...ENV, GIT_WORK_TREE: dir })).toBeUndefined();
  });

  it('a damaged index: a cut entry or garbage never parses to a wrong listing; stagedSnapshot fails as git does', async () => {
    const dir = repo();
    git(dir, 'update-index', '--index-version', '4');
    const bytes = readFileSync(path.join(dir, '.git/index'));
    const all = listed(dir);
    expect(parseIndex(bytes, 20)?.paths.length).toBe(all.length);
    // Cut anywhere: refused by the layout, or (cut among the extensions, which git reads the same way, not verifying
    // the checksum) every entry is intact and listed as it is.
    const index = path.join(dir, '.git/index');
    for (let len = 0; len < bytes.length; len += len < 200 || len > bytes.length - 200 ? 1 : 97) {
      const parsed = parseIndex(bytes.subarray(0, len), 20);
      if (parsed) expect(parsed.paths, `cut at ${len}`).toEqual(all.map((line) => line.slice(line.indexOf('\t') + 1)));
      writeFileSync(index, bytes.subarray(0, len));
      const cut = read(dir);
      if (cut) expect(cut, `cut at ${len}`).toEqual(all);
    }
    writeFileSync(index, bytes);
    expect(readGitIndex(dir, ENV)?.paths).toHaveLength(listed(dir).length);
    expect(parseIndex(bytes, 32)).toBeUndefined();
    const garbage = Buffer.from(bytes);
    for (let i = 12; i < garbage.length; i += 7) garbage[i] ^= 0x5a;
    expect(() => parseIndex(garbage, 20)).not.toThrow();
    expect(parseIndex(Buffer.from('DIRC\0\0\0\x05\0\0\0\0' + '\0'.repeat(20), 'latin1'), 20)).toBeUndefined(); // version 5
    truncateSync(path.join(dir, '.git/index'), 100);
    expect(readGitIndex(dir, ENV)).toBeUndefined();
    await expect(stagedSnapshot(dir, ENV)).rejects.toThrow();
  });

  it('outside a work tree stagedSnapshot rejects as before; inside the .git folder git answers, as before', async () => {
    const outside = path.join(scratch, `outside${n++}`);
    mkdirSync(outside);
    await expect(stagedSnapshot(outside, { ...ENV, GIT_CEILING_DIRECTORIES: scratch })).rejects.toThrow();
    const dir = repo();
    expect(readGitIndex(path.join(dir, '.git'), ENV)).toBeUndefined();
    expect(readGitIndex(path.join(dir, '.git/refs'), ENV)).toBeUndefined();
    await sameAsGit(path.join(dir, '.git/refs'));
  });
});

describe('reading a staged file: git stat data decides when the work-tree bytes are the staged blob', () => {
  const past = new Date(Date.now() - 3600_000);
  // 40 KB: below 32 KB hashing is cheaper than the stat check, and small files are always hashed.
  const big = (word: string) => `<?php // ${word}\n${'// padding padding padding padding\n'.repeat(1100)}`;

  it('an unchanged file whose stat data git recorded is read without hashing (a small one is hashed)', () => {
    const dir = repo();
    const file = 'app/Models/Old.php';
    write(path.join(dir, file), big('old'));
    write(path.join(dir, 'app/Models/Small.php'), '<?php // small\n');
    for (const f of [file, 'app/Models/Small.php']) utimesSync(path.join(dir, f), past, past); // well before the index is written: not racily clean
    git(dir, 'add', '-A');
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.read(file)).toEqual({ ok: true, text: big('old') });
    expect(fs.reads).toEqual({ statClean: 1, hashed: 0, fromGit: 0 });
    expect(fs.read('app/Models/Small.php')).toEqual({ ok: true, text: '<?php // small\n' });
    expect(fs.reads).toEqual({ statClean: 1, hashed: 1, fromGit: 0 });
  });

  it('a file edited after staging, to the same size and even the same mtime, is read from git', () => {
    const dir = repo();
    const file = 'app/Models/Edited.php';
    write(path.join(dir, file), big('staged'));
    utimesSync(path.join(dir, file), past, past);
    git(dir, 'add', file);
    write(path.join(dir, file), big('edited'));
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.read(file)).toEqual({ ok: true, text: big('staged') });
    expect(fs.reads).toEqual({ statClean: 0, hashed: 0, fromGit: 1 });
    // Same size, mtime put back: the change time still differs (git checks it too).
    utimesSync(path.join(dir, file), past, past);
    const again = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(again.read(file)).toEqual({ ok: true, text: big('staged') });
    expect(again.reads).toEqual({ statClean: 0, hashed: 0, fromGit: 1 });
  });

  it('a racily clean file (changed in or after the second the index was written) is hashed', () => {
    const dir = repo();
    const file = 'app/Models/Racy.php';
    write(path.join(dir, file), big('racy'));
    const future = new Date(Date.now() + 3600_000);
    utimesSync(path.join(dir, file), future, future);
    git(dir, 'add', file);
    const fs = new GitIndexFs(dir, readGitIndex(dir, ENV));
    expect(fs.read(file)).toEqual({ ok: true, text: big('racy') });
    expect(fs.reads).toEqual({ statClean: 0, hashed: 1, fromGit: 0 });
  });

  it('the ls-files listing (the fallback) has no stat data: it hashes as before', () => {
    const dir = repo();
    const fs = new GitIndexFs(dir);
    expect(fs.read('config/app.php')).toEqual({ ok: true, text: "<?php return ['name' => 'x'];\n" });
    expect(fs.reads).toEqual({ statClean: 0, hashed: 1, fromGit: 0 });
  });
});

describe('GitIndexFs answers the same from the index file and from the listing', () => {
  it('lists, exists and reads agree in the repository and a subfolder', () => {
    const dir = repo();
    write(path.join(dir, 'app/Http/Controllers/Admin/A.php'), '<?php // a\n');
    write(path.join(dir, 'app/Http/Controllers-old/B.php'), '<?php // b\n');
    // Byte order (the index's) and string order differ for these two: U+FF21 sorts first in UTF-8, last in UTF-16.
    write(path.join(dir, 'app/\u{1F600}.php'), '<?php // astral\n');
    write(path.join(dir, 'app/\uFF21.php'), '<?php // fullwidth\n');
    git(dir, 'add', '-A');
    for (const root of [dir, path.join(dir, 'app')]) {
      const a = new GitIndexFs(root, readGitIndex(root, ENV));
      const b = new GitIndexFs(root);
      const folders = ['.', '', 'app', 'app/Http', 'Http', 'Http/Controllers', 'app/Http/Controllers', 'résumé', 'nope', 'app/Models/User.php'];
      for (const f of folders) expect(a.list(f), f).toEqual(b.list(f));
      for (const f of [...folders, 'artisan', 'Models/User.php', 'link.php', 'app/Http/Controllers/Admin']) expect(a.exists(f), f).toEqual(b.exists(f));
      for (const f of ['artisan', 'Models/User.php', 'Http/Controllers/Admin/A.php', 'missing.php', 'app/\u{1F600}.php', '\uFF21.php']) expect(a.read(f), f).toEqual(b.read(f));
      expect(a.exists(root === dir ? 'app/\uFF21.php' : '\u{1F600}.php')).toBe('file');
    }
  });
});
