import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diskFixFiles, memoryFixFiles } from '../../src/project/fix-files.js';

let work: string;
let root: string;

beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'statelint-fix-files-'));
  root = path.join(work, 'project');
  mkdirSync(path.join(root, 'app'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const put = (file: string, content: string | Buffer): void => writeFileSync(path.join(root, file), content);
const bytesOf = (file: string): Buffer => readFileSync(path.join(root, file));
/** Files of the folder, so a test can see that no temp file was left behind. */
const listing = (folder: string): string[] => readdirSync(path.join(root, folder)).sort();

describe('diskFixFiles: reading', () => {
  it('strips the BOM and keeps CRLF', () => {
    put('app/a.php', '\uFEFF<?php\r\necho 1;\r\n');
    expect(diskFixFiles(root).read('app/a.php')).toEqual({ ok: true, text: '<?php\r\necho 1;\r\n' });
  });

  it('reads through a symlink that stays inside the project', () => {
    put('app/a.php', 'inside');
    symlinkSync('a.php', path.join(root, 'app/link.php'));
    expect(diskFixFiles(root).read('app/link.php')).toEqual({ ok: true, text: 'inside' });
  });

  it('refuses a symlink that points outside the project, and paths that leave it', () => {
    writeFileSync(path.join(work, 'secret.txt'), 'secret');
    symlinkSync(path.join(work, 'secret.txt'), path.join(root, 'app/escape.php'));
    symlinkSync(work, path.join(root, 'outside'));
    const files = diskFixFiles(root);
    expect(files.read('app/escape.php')).toEqual({ ok: false, reason: 'a symlink that points outside the project' });
    expect(files.read('outside/secret.txt')).toEqual({ ok: false, reason: 'a symlink that points outside the project' });
    expect(files.read('../secret.txt')).toEqual({ ok: false, reason: 'not a path inside the project' });
    expect(files.read(path.join(work, 'secret.txt'))).toEqual({ ok: false, reason: 'not a path inside the project' });
  });

  it('refuses a FIFO without blocking, folders, oversized, binary and non-UTF-8 files', () => {
    execFileSync('mkfifo', [path.join(root, 'app/pipe.php')]);
    put('app/big.php', 'x'.repeat(2048));
    put('app/bin.php', Buffer.from([0x3c, 0x00, 0x3e]));
    put('app/latin1.php', Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    const files = diskFixFiles(root, 1024);
    expect(files.read('app/pipe.php')).toEqual({ ok: false, reason: 'not a regular file' });
    expect(files.read('app')).toEqual({ ok: false, reason: 'not a regular file' });
    expect(files.read('app/big.php')).toEqual({ ok: false, reason: 'larger than 1 KiB' });
    expect(files.read('app/bin.php')).toEqual({ ok: false, reason: 'binary file (contains NUL bytes)' });
    expect(files.read('app/latin1.php')).toEqual({ ok: false, reason: 'not valid UTF-8' });
    expect(files.read('app/missing.php')).toEqual({ ok: false, reason: 'unreadable: ENOENT' });
  });

  it('refuses a device', () => {
    symlinkSync('/dev/null', path.join(root, 'null'));
    // /dev/null is outside the project, so reach it through a root that contains it
    expect(diskFixFiles('/').read('dev/null')).toEqual({ ok: false, reason: 'not a regular file' });
    expect(diskFixFiles(root).read('null')).toEqual({ ok: false, reason: 'a symlink that points outside the project' });
  });
});

describe('diskFixFiles: writing', () => {
  it('keeps the BOM, CRLF and mode, and leaves no temp file', () => {
    put('app/a.php', '\uFEFF<?php\r\necho 1;\r\n');
    chmodSync(path.join(root, 'app/a.php'), 0o640);
    const files = diskFixFiles(root);
    files.writeAll([{ file: 'app/a.php', text: '<?php\r\necho 2;\r\n' }]);
    expect(bytesOf('app/a.php').toString('utf8')).toBe('\uFEFF<?php\r\necho 2;\r\n');
    expect(statSync(path.join(root, 'app/a.php')).mode & 0o7777).toBe(0o640);
    expect(listing('app')).toEqual(['a.php']);
  });

  it('adds no BOM to a file that had none', () => {
    put('app/a.php', 'old');
    diskFixFiles(root).writeAll([{ file: 'app/a.php', text: 'new' }]);
    expect(bytesOf('app/a.php').toString('utf8')).toBe('new');
  });

  it('replaces the file by rename, so a reader holding the old file sees the old content whole', () => {
    put('app/a.php', 'old');
    const inodeBefore = statSync(path.join(root, 'app/a.php')).ino;
    diskFixFiles(root).writeAll([{ file: 'app/a.php', text: 'new' }]);
    expect(statSync(path.join(root, 'app/a.php')).ino).not.toBe(inodeBefore);
  });

  it('writes the target of an inside symlink and keeps the link', () => {
    put('app/a.php', 'old');
    symlinkSync('a.php', path.join(root, 'app/link.php'));
    diskFixFiles(root).writeAll([{ file: 'app/link.php', text: 'new' }]);
    expect(bytesOf('app/a.php').toString()).toBe('new');
    expect(listing('app')).toEqual(['a.php', 'link.php']);
  });

  it('never writes through a symlink that points outside the project', () => {
    writeFileSync(path.join(work, 'secret.txt'), 'secret');
    symlinkSync(path.join(work, 'secret.txt'), path.join(root, 'app/escape.php'));
    expect(() => diskFixFiles(root).writeAll([{ file: 'app/escape.php', text: 'pwned' }])).toThrow(
      'cannot write app/escape.php: a symlink that points outside the project',
    );
    expect(readFileSync(path.join(work, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('writes several files together', () => {
    put('app/a.php', 'a');
    put('b.php', 'b');
    diskFixFiles(root).writeAll([
      { file: 'app/a.php', text: 'A' },
      { file: 'b.php', text: 'B' },
    ]);
    expect([bytesOf('app/a.php').toString(), bytesOf('b.php').toString()]).toEqual(['A', 'B']);
  });

  it('writes nothing and removes the first temp when the second file cannot be written (it became a folder)', () => {
    put('app/a.php', 'a');
    mkdirSync(path.join(root, 'b.php'));
    expect(() =>
      diskFixFiles(root).writeAll([
        { file: 'app/a.php', text: 'A' },
        { file: 'b.php', text: 'B' },
      ]),
    ).toThrow('cannot write b.php: not a regular file');
    expect(bytesOf('app/a.php').toString()).toBe('a');
    expect(listing('app')).toEqual(['a.php']);
  });

  it('writes nothing when the second file sits behind a link out of the project', () => {
    put('app/a.php', 'a');
    mkdirSync(path.join(work, 'elsewhere'));
    writeFileSync(path.join(work, 'elsewhere/b.php'), 'b');
    symlinkSync(path.join(work, 'elsewhere'), path.join(root, 'linked'));
    expect(() =>
      diskFixFiles(root).writeAll([
        { file: 'app/a.php', text: 'A' },
        { file: 'linked/b.php', text: 'B' },
      ]),
    ).toThrow('cannot write linked/b.php: a symlink that points outside the project');
    expect(bytesOf('app/a.php').toString()).toBe('a');
    expect(listing('app')).toEqual(['a.php']);
    expect(readdirSync(path.join(work, 'elsewhere'))).toEqual(['b.php']);
  });

  it('refuses the same file twice in one write, also under a second name', () => {
    put('app/a.php', 'a');
    symlinkSync('a.php', path.join(root, 'app/link.php'));
    expect(() =>
      diskFixFiles(root).writeAll([
        { file: 'app/a.php', text: 'A' },
        { file: 'app/link.php', text: 'B' },
      ]),
    ).toThrow('cannot write app/link.php: the same file appears twice in one write');
    expect(bytesOf('app/a.php').toString()).toBe('a');
    expect(listing('app')).toEqual(['a.php', 'link.php']);
  });
});

describe('memoryFixFiles', () => {
  it('holds writes in memory and lists changed files with their first-read text', () => {
    const files = memoryFixFiles({ 'b.php': 'b', 'a.php': 'a', 'same.php': 's' });
    files.writeAll([
      { file: 'b.php', text: 'B' },
      { file: 'a.php', text: 'A' },
      { file: 'same.php', text: 's' },
    ]);
    files.writeAll([{ file: 'a.php', text: 'AA' }]);
    expect(files.read('a.php')).toEqual({ ok: true, text: 'AA' });
    expect(files.read('missing.php')).toEqual({ ok: false, reason: 'no such file' });
    expect(files.changes()).toEqual([
      { file: 'a.php', before: 'a', after: 'AA' },
      { file: 'b.php', before: 'b', after: 'B' },
    ]);
  });

  it('overlays a project on disk without writing to it', () => {
    put('app/a.php', 'disk');
    const files = memoryFixFiles({}, diskFixFiles(root));
    expect(files.read('app/a.php')).toEqual({ ok: true, text: 'disk' });
    files.writeAll([{ file: 'app/a.php', text: 'memory' }]);
    expect(files.read('app/a.php')).toEqual({ ok: true, text: 'memory' });
    expect(bytesOf('app/a.php').toString()).toBe('disk');
    expect(files.changes()).toEqual([{ file: 'app/a.php', before: 'disk', after: 'memory' }]);
  });
});
