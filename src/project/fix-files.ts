import { isUtf8 } from 'node:buffer';
import { randomBytes } from '../lang/crypto.js';
import fs from 'node:fs';
import path from 'node:path';
import type { FileChange, FixFileAccess, FixReadResult, MemoryFixFiles } from '../engine/fix/index.js';

/** The audit's default size cap for a source file. */
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const BOM = '\uFEFF';
const BOM_BYTES = Buffer.from(BOM, 'utf8');

type Located = { ok: true; real: string } | { ok: false; reason: string };

/**
 * Project files on disk under `root`. Reads regular files only; writes are atomic per file (temp file in the
 * same folder, fsync, rename) and all-or-nothing up to the renames, keep each file's mode and BOM, and never
 * land outside the root.
 */
export function diskFixFiles(root: string, maxBytes = DEFAULT_MAX_BYTES): FixFileAccess {
  const realRoot = fs.realpathSync(root);

  /** Resolves symlinks so a link that points outside the project is refused however it is reached. */
  function locate(file: string): Located {
    const lexical = path.resolve(realRoot, file);
    if (file === '' || path.isAbsolute(file) || !isInside(realRoot, lexical)) return { ok: false, reason: 'not a path inside the project' };
    let real: string;
    try {
      real = fs.realpathSync(lexical);
    } catch (e) {
      return { ok: false, reason: `unreadable: ${reasonOf(e)}` };
    }
    if (!isInside(realRoot, real)) return { ok: false, reason: 'a symlink that points outside the project' };
    return { ok: true, real };
  }

  function read(file: string): FixReadResult {
    const at = locate(file);
    if (!at.ok) return at;
    let bytes: Buffer;
    let fd: number | undefined;
    try {
      // Checked before opening because opening a device or FIFO can block or have side effects.
      if (!fs.statSync(at.real).isFile()) return { ok: false, reason: 'not a regular file' };
      // O_NONBLOCK and O_NOFOLLOW keep a path swapped after the check from hanging us or leading elsewhere.
      fd = fs.openSync(at.real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) return { ok: false, reason: 'not a regular file' };
      if (stat.size > maxBytes) return { ok: false, reason: `larger than ${Math.round(maxBytes / 1024)} KiB` };
      bytes = fs.readFileSync(fd);
    } catch (e) {
      return { ok: false, reason: `unreadable: ${reasonOf(e)}` };
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
    if (bytes.subarray(0, 8000).includes(0)) return { ok: false, reason: 'binary file (contains NUL bytes)' };
    // Text decoded lossily could not be written back unchanged around the edits.
    if (!isUtf8(bytes)) return { ok: false, reason: 'not valid UTF-8' };
    return { ok: true, text: stripBom(bytes.toString('utf8')) };
  }

  /** Writes `text` to a new temp file beside the target, recording it in `staged` before anything can fail. */
  function stage(change: { file: string; text: string }, staged: { temp: string; target: string }[]): void {
    const at = locate(change.file);
    if (!at.ok) throw new Error(at.reason);
    // Two names of one file (a link and its target) would otherwise have the last rename silently win.
    if (staged.some((s) => s.target === at.real)) throw new Error('the same file appears twice in one write');
    const stat = fs.statSync(at.real);
    if (!stat.isFile()) throw new Error('not a regular file');
    const mode = stat.mode & 0o7777;
    const content = startsWithBom(at.real) ? BOM + change.text : change.text;
    const temp = path.join(path.dirname(at.real), `.${path.basename(at.real)}.${randomBytes(6).toString('hex')}.statelint-fix`);
    const fd = fs.openSync(temp, 'wx', mode);
    staged.push({ temp, target: at.real });
    try {
      fs.writeFileSync(fd, content, 'utf8');
      fs.fchmodSync(fd, mode); // the open above was subject to the umask
      try {
        fs.fchownSync(fd, stat.uid, stat.gid);
      } catch {
        // Only root may give a file away: otherwise the fixed file belongs to whoever ran the fix.
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  function writeAll(changes: { file: string; text: string }[]): void {
    const staged: { temp: string; target: string }[] = [];
    for (const change of changes) {
      try {
        stage(change, staged);
      } catch (e) {
        removeTemps(staged);
        throw new Error(`cannot write ${change.file}: ${reasonOf(e)}`, { cause: e });
      }
    }
    for (let i = 0; i < staged.length; i++) {
      try {
        fs.renameSync(staged[i].temp, staged[i].target);
      } catch (e) {
        removeTemps(staged.slice(i));
        const done = changes.slice(0, i).map((c) => c.file);
        throw new Error(`writing ${changes[i].file} failed (${reasonOf(e)}) after ${done.length ? done.join(', ') : 'no file'} had been written`);
      }
    }
    for (const folder of new Set(staged.map((s) => path.dirname(s.target)))) syncFolder(folder);
  }

  return { read, writeAll };
}

/**
 * Files held in memory, seeded with `initial` (texts as read, BOM-free). Reads of other files go to
 * `fallback` when given, so this can overlay the project on disk (e.g. for `--diff`); writes stay in memory.
 */
export function memoryFixFiles(initial: Record<string, string>, fallback?: Pick<FixFileAccess, 'read'>): MemoryFixFiles {
  const texts = new Map(Object.entries(initial));
  const firstRead = new Map<string, string>();

  function read(file: string): FixReadResult {
    const held = texts.get(file);
    if (held !== undefined) {
      if (!firstRead.has(file)) firstRead.set(file, held);
      return { ok: true, text: held };
    }
    const result = fallback ? fallback.read(file) : { ok: false as const, reason: 'no such file' };
    if (result.ok) {
      texts.set(file, result.text);
      firstRead.set(file, result.text);
    }
    return result;
  }

  function writeAll(changes: { file: string; text: string }[]): void {
    assertDistinct(changes.map((c) => c.file));
    for (const change of changes) {
      if (!firstRead.has(change.file)) {
        const before = read(change.file);
        firstRead.set(change.file, before.ok ? before.text : '');
      }
    }
    for (const change of changes) texts.set(change.file, change.text);
  }

  function changes(): FileChange[] {
    return [...firstRead]
      .map(([file, before]) => ({ file, before, after: texts.get(file) ?? before }))
      .filter((c) => c.after !== c.before)
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  return { read, writeAll, changes };
}

function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

function startsWithBom(absolute: string): boolean {
  const fd = fs.openSync(absolute, 'r');
  try {
    const head = Buffer.alloc(BOM_BYTES.length);
    return fs.readSync(fd, head, 0, head.length, 0) === head.length && head.equals(BOM_BYTES);
  } finally {
    fs.closeSync(fd);
  }
}

function isInside(root: string, absolute: string): boolean {
  const relative = path.relative(root, absolute);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

function assertDistinct(files: string[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file)) throw new Error(`${file} appears twice in one write`);
    seen.add(file);
  }
}

function removeTemps(staged: { temp: string }[]): void {
  for (const { temp } of staged) fs.rmSync(temp, { force: true });
}

/** Makes the renames durable; some platforms cannot open a folder for fsync, and the data is already safe. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // the renamed files are complete either way
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function reasonOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/**
 * Writes a file the user named (`-o FILE`, `--write-baseline FILE`) without following a symbolic link:
 * a link planted in the audited repository (`report.sarif -> ~/.bashrc`, or a `reports/` folder linked
 * elsewhere) would otherwise have the audit overwrite a file outside it. The target must be absent or a
 * regular file, and no folder between the current folder and the target may be a link; the text goes
 * to a new temp file (O_EXCL) in the target's folder, which then replaces the target by rename.
 * Throws an Error whose message is the reason as a sentence fragment (the caller names the file).
 */
export function writeUserFile(target: string, text: string, cwd: string = process.cwd()): void {
  const abs = path.resolve(cwd, target);
  const kind = pathKind(abs);
  if (kind === 'link') throw new Error('it is a symbolic link, and statelint does not write through links');
  // A character device (`-o /dev/null`) is one the user named: git cannot plant one in a repository.
  if (kind === 'device') {
    fs.writeFileSync(abs, text, 'utf8');
    return;
  }
  if (kind !== 'none' && kind !== 'file') throw new Error('it exists and is not a regular file');
  // Folders the repository controls: those under the current folder on the way to the target.
  const rel = path.relative(cwd, path.dirname(abs));
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    let dir = cwd;
    for (const part of rel.split(path.sep)) {
      dir = path.join(dir, part);
      const k = pathKind(dir);
      if (k === 'link') throw new Error(`the folder ${path.relative(cwd, dir)} is a symbolic link, and statelint does not write through links`);
      if (k !== 'none' && k !== 'dir') throw new Error(`${path.relative(cwd, dir)} is not a folder`);
    }
  }
  replaceFile(abs, text);
}

/**
 * Writes `text` to a new temp file (O_EXCL) beside `abs`, then renames it over `abs`: readers never see half a
 * file, and a link at that name is replaced, never written through. Creates the folder; throws on failure.
 */
export function replaceFile(abs: string, text: string): void {
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const temp = path.join(path.dirname(abs), `.${path.basename(abs)}.${randomBytes(6).toString('hex')}.statelint-tmp`);
  const fd = fs.openSync(temp, 'wx', 0o644);
  try {
    try {
      fs.writeFileSync(fd, text, 'utf8');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, abs);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

function pathKind(p: string): 'none' | 'file' | 'dir' | 'link' | 'device' | 'other' {
  try {
    const st = fs.lstatSync(p);
    return st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isCharacterDevice() ? 'device' : 'other';
  } catch {
    return 'none';
  }
}
