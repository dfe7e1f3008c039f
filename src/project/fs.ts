import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeSource, readRegularFile, readSource, DEFAULT_MAX_FILE_BYTES, type ReadResult } from './read-source.js';

export type { ReadResult };

export type EntryKind = 'file' | 'dir';
export interface DirEntry {
  name: string;
  kind: EntryKind;
}

/**
 * The project as statelint sees it (docs/ARCHITECTURE.md, "Project file system"). Everything under
 * src/ reads the project through one of these, never through node:fs: the disk for an audit, the git
 * index for a hook (staged content), an in-memory overlay for fix passes and `--diff`.
 *
 * Paths are relative to the root with forward slashes. An absolute path is allowed only for inputs
 * the user named on the command line (an env file outside the project).
 */
export interface ProjectFs {
  /** Absolute root, for messages and for turning user-given paths into relative ones. */
  readonly root: string;
  /** Text of a regular file, size-capped; binary, non-UTF-8, special and missing files are refused with a reason. */
  read(file: string, maxBytes?: number): ReadResult;
  exists(file: string): EntryKind | undefined;
  /** Entries of a folder (symbolic links are not followed); undefined when it cannot be listed. */
  list(dir: string): DirEntry[] | undefined;
}

const posix = (p: string) => p.split(path.sep).join('/');

/** A user-given path (absolute, or relative to the current folder) as a project path. */
export function toProjectPath(fs: ProjectFs, given: string): string {
  const rel = posix(path.relative(fs.root, path.resolve(given)));
  return rel.startsWith('../') || rel === '..' ? path.resolve(given) : rel || '.';
}

export class DiskFs implements ProjectFs {
  /**
   * Folder listings, read once per instance: detection, discovery and the ecosystems' own walks (deploy
   * manifests, package.json files) list the same folders, and exists() lists a file's folder. An instance
   * lives for one audit; the fix engine's writes happen after its last read.
   */
  private readonly listings = new Map<string, { entries: DirEntry[]; kinds: Map<string, EntryKind> } | undefined>();

  constructor(readonly root: string) {}

  private abs(file: string): string {
    return path.isAbsolute(file) ? file : path.join(this.root, file);
  }

  read(file: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
    return readSource(this.abs(file), maxBytes);
  }

  exists(file: string): EntryKind | undefined {
    const dir = path.dirname(this.abs(file));
    const name = path.basename(file);
    // Listing the parent (instead of stat) never follows a symbolic link out of the project.
    return this.listAbs(dir)?.kinds.get(name);
  }

  list(dir: string): DirEntry[] | undefined {
    return this.listAbs(this.abs(dir))?.entries.slice();
  }

  private listAbs(dir: string): { entries: DirEntry[]; kinds: Map<string, EntryKind> } | undefined {
    if (this.listings.has(dir)) return this.listings.get(dir);
    let listing: { entries: DirEntry[]; kinds: Map<string, EntryKind> } | undefined;
    try {
      const entries: DirEntry[] = [];
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        // Links, FIFOs and devices are listed as files so that reading them is refused with a reason
        // (and reported) instead of their silently not existing; links are never followed into folders.
        entries.push({ name: e.name, kind: e.isDirectory() ? 'dir' : 'file' });
      }
      listing = { entries, kinds: new Map(entries.map((e) => [e.name, e.kind])) };
    } catch {
      listing = undefined;
    }
    this.listings.set(dir, listing);
    return listing;
  }
}

/**
 * The staged content of a git repository (what `git commit` would record), for pre-commit hooks.
 * One `git ls-files --stage` (run in the audited folder, so it lists that folder with paths relative to it)
 * lists the index. A file is read from the work tree when its bytes hash to the staged blob (most files, in
 * a hook); otherwise its blob is read with `git cat-file`. Each git process costs a hook ~10-30 ms, and a
 * 6,000-file app must not pay two per file.
 */
export class GitIndexFs implements ProjectFs {
  private readonly blobs = new Map<string, string>();
  private readonly dirs = new Map<string, Map<string, EntryKind>>();
  static readonly LIST = ['ls-files', '--stage', '-z'];

  /** `listing`: the output of `git ls-files --stage -z` run in `root` (read here when not given). */
  constructor(
    readonly root: string,
    listing: Buffer = execFileSync('git', GitIndexFs.LIST, { cwd: root, maxBuffer: 256 * 1024 * 1024 }),
  ) {
    // Records are `<mode> <object id> <stage>\t<path>`, NUL-terminated; cut by position (6,000 of them in a hook's time).
    for (const record of listing.toString('utf8').split('\0')) {
      const tab = record.indexOf('\t');
      const idEnd = record.lastIndexOf(' ', tab);
      if (tab < 0 || idEnd < 8 || record[6] !== ' ') continue;
      const mode = record.slice(0, 6);
      if (mode === '120000' || mode === '160000') continue; // symbolic links and submodules are not files here
      const rel = record.slice(tab + 1);
      this.blobs.set(rel, record.slice(7, idEnd));
      // Enter the file in its folder, and each new folder in its parent, up to the first folder already known.
      let entry = rel;
      let kind: EntryKind = 'file';
      for (;;) {
        const slash = entry.lastIndexOf('/');
        const dir = slash < 0 ? '.' : entry.slice(0, slash);
        const known = this.dirs.get(dir);
        const entries = known ?? new Map<string, EntryKind>();
        if (!known) this.dirs.set(dir, entries);
        entries.set(entry.slice(slash + 1), kind);
        if (known || slash < 0) break;
        entry = dir;
        kind = 'dir';
      }
    }
  }

  read(file: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
    if (path.isAbsolute(file)) return readSource(file, maxBytes);
    const blob = this.blobs.get(file);
    if (!blob) return { ok: false, reason: 'not in the git index' };
    const disk = readRegularFile(path.join(this.root, file), maxBytes);
    // The work-tree copy is the staged one when it hashes to the staged blob (git's object id, SHA-1 or SHA-256).
    if (disk.ok && gitBlobId(disk.bytes, blob.length) === blob) return decodeSource(disk.bytes);
    const size = Number(execFileSync('git', ['cat-file', '-s', blob], { cwd: this.root, encoding: 'utf8' }).trim());
    if (size > maxBytes) return { ok: false, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(size / 1024)} KiB); raise --max-file-size to analyse it` };
    return decodeSource(execFileSync('git', ['cat-file', 'blob', blob], { cwd: this.root, maxBuffer: maxBytes + 1 }));
  }

  exists(file: string): EntryKind | undefined {
    if (this.blobs.has(file)) return 'file';
    return this.dirs.has(file) ? 'dir' : undefined;
  }

  list(dir: string): DirEntry[] | undefined {
    const entries = this.dirs.get(dir === '' ? '.' : dir);
    return entries ? [...entries].map(([name, kind]) => ({ name, kind })) : undefined;
  }
}

/** Changes held in memory over another file system: fix passes and `--diff` read their own edits. */
export class OverlayFs implements ProjectFs {
  readonly changes = new Map<string, string>();

  constructor(private readonly base: ProjectFs) {}

  get root(): string {
    return this.base.root;
  }

  write(file: string, text: string): void {
    this.changes.set(file, text);
  }

  read(file: string, maxBytes?: number): ReadResult {
    const changed = this.changes.get(file);
    return changed !== undefined ? { ok: true, text: changed } : this.base.read(file, maxBytes);
  }

  exists(file: string): EntryKind | undefined {
    return this.changes.has(file) ? 'file' : this.base.exists(file);
  }

  list(dir: string): DirEntry[] | undefined {
    return this.base.list(dir);
  }
}

/** The id git gives these bytes as a blob: SHA-1 (40 hex digits) or, in a SHA-256 repository, SHA-256 (64). */
function gitBlobId(bytes: Buffer, idLength: number): string {
  const hash = createHash(idLength === 64 ? 'sha256' : 'sha1');
  hash.update(`blob ${bytes.length}\0`);
  return hash.update(bytes).digest('hex');
}
