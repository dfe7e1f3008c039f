import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { createHash, hashingLoaded } from '../lang/crypto.js';
import type { GitIndex, IndexFiles } from './git-index.js';
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
 * Built from the index file's entries (src/project/git-index.ts), or from `git ls-files --stage` run in the
 * audited folder when that reader is not sure; either way paths are relative to that folder. A file is read
 * from the work tree when git's stat data says git would take it as unchanged (files of 32 KB or more: below,
 * hashing is cheaper than the check), or when its bytes hash to the staged blob; otherwise its blob is read
 * with `git cat-file`. Each git process costs a hook ~10-30 ms, and a
 * 6,000-file app must not pay two per file.
 */
export class GitIndexFs implements ProjectFs {
  /**
   * Every file's path, sorted, with at the same position its object id (from `git ls-files`) or its row in
   * the index file. Lookups are binary searches and a folder's files are one run of `paths`: nothing (no
   * map, no folder tree) is built per file when a hook starts.
   */
  private paths: string[] = [];
  private oids: string[] = [];
  private rows: number[] = [];
  private readonly index: GitIndex | undefined;
  /** How reads were answered: stat data trusted, work tree hashed, blob from git (for tests and timing). */
  readonly reads = { statClean: 0, hashed: 0, fromGit: 0 };
  static readonly LIST = ['ls-files', '--stage', '-z'];

  /** `source`: the index file's entries, or the output of `git ls-files --stage -z` run in `root` (run here when not given). */
  constructor(
    readonly root: string,
    source: Buffer | GitIndex = execFileSync('git', GitIndexFs.LIST, { cwd: root, maxBuffer: 256 * 1024 * 1024 }),
  ) {
    if (Buffer.isBuffer(source)) {
      // Records are `<mode> <object id> <stage>\t<path>`, NUL-terminated; cut by position.
      for (const record of source.toString('utf8').split('\0')) {
        const tab = record.indexOf('\t');
        const idEnd = record.lastIndexOf(' ', tab);
        if (tab < 0 || idEnd < 8 || record[6] !== ' ') continue;
        const mode = record.slice(0, 6);
        if (mode === '120000' || mode === '160000') continue; // symbolic links and submodules are not files here
        this.add(record.slice(tab + 1), record.slice(7, idEnd), -1);
      }
    } else {
      this.index = source;
      const all = source.paths;
      if (source.plain) {
        // The usual case: files only, no conflict. Shared as they are (rows stay empty: a path's row is its position).
        this.paths = all;
      } else {
        for (let i = 0; i < all.length; i++) {
          // Symbolic links and submodules are not files here.
          if ((source.mode(i) & 0o170000) === 0o100000) this.add(all[i], '', i);
        }
      }
    }
    // The index is sorted by bytes: string order too, but for some non-ASCII names (and U+FFFD). Then sort.
    for (let i = 1; i < this.paths.length; i++) {
      if (this.paths[i - 1] >= this.paths[i]) {
        this.sortUnique();
        break;
      }
    }
  }

  private add(file: string, oid: string, row: number): void {
    // Stages of a conflicted path are adjacent: the last one wins.
    const last = this.paths.length - 1;
    if (last >= 0 && this.paths[last] === file) {
      this.oids[last] = oid;
      this.rows[last] = row;
    } else {
      this.paths.push(file);
      this.oids.push(oid);
      this.rows.push(row);
    }
  }

  private sortUnique(): void {
    const { paths, oids } = this;
    const rows = paths.map((_, i) => this.rowOf(i));
    const order = paths.map((_, i) => i).sort((a, b) => (paths[a] < paths[b] ? -1 : paths[a] > paths[b] ? 1 : a - b));
    this.paths = [];
    this.oids = [];
    this.rows = [];
    for (const i of order) this.add(paths[i], oids[i], rows[i]);
  }

  /** The index file's row of the path at `i` (-1 when from the listing). */
  private rowOf(i: number): number {
    return this.index && this.rows.length === 0 ? i : this.rows[i];
  }

  /** Position of `file` in `paths`, or -1. */
  private find(file: string): number {
    const i = this.lowerBound(file);
    return this.paths[i] === file ? i : -1;
  }

  read(file: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ReadResult {
    if (path.isAbsolute(file)) return readSource(file, maxBytes);
    const i = this.find(file);
    if (i < 0) return { ok: false, reason: 'not in the git index' };
    const abs = path.join(this.root, file);
    const row = this.rowOf(i);
    const index = this.index;
    const before = index && row >= 0 ? statClean(abs, index, row) : undefined;
    const disk = readRegularFile(abs, maxBytes);
    if (disk.ok && before && sameStat(before, lstatIfAny(abs))) {
      // git itself would take this file as unchanged since it was staged (and it did not change while read).
      this.reads.statClean++;
      return decodeSource(disk.bytes);
    }
    // The work-tree copy is the staged one when it hashes to the staged blob (git's object id, SHA-1 or SHA-256).
    const oid = index && row >= 0 ? index.oid(row) : this.oids[i];
    if (disk.ok && gitBlobId(disk.bytes, oid.length) === oid) {
      this.reads.hashed++;
      return decodeSource(disk.bytes);
    }
    this.reads.fromGit++;
    const size = Number(execFileSync('git', ['cat-file', '-s', oid], { cwd: this.root, encoding: 'utf8' }).trim());
    if (size > maxBytes) return { ok: false, reason: `larger than ${Math.round(maxBytes / 1024)} KiB (${Math.round(size / 1024)} KiB); raise --max-file-size to analyse it` };
    return decodeSource(execFileSync('git', ['cat-file', 'blob', oid], { cwd: this.root, maxBuffer: maxBytes + 1 }));
  }

  exists(file: string): EntryKind | undefined {
    if (this.find(file) >= 0) return 'file';
    if (file === '.') return this.paths.length ? 'dir' : undefined;
    const inside = `${file}/`;
    return this.paths[this.lowerBound(inside)]?.startsWith(inside) ? 'dir' : undefined;
  }

  list(dir: string): DirEntry[] | undefined {
    const prefix = dir === '' || dir === '.' ? '' : `${dir}/`;
    const paths = this.paths;
    const entries: DirEntry[] = [];
    let i = this.lowerBound(prefix);
    while (i < paths.length && paths[i].startsWith(prefix)) {
      const slash = paths[i].indexOf('/', prefix.length);
      if (slash < 0) {
        entries.push({ name: paths[i].slice(prefix.length), kind: 'file' });
        i++;
      } else {
        // A folder: skip past everything under it ('0' is the character after '/').
        entries.push({ name: paths[i].slice(prefix.length, slash), kind: 'dir' });
        i = this.lowerBound(`${paths[i].slice(0, slash)}0`, i);
      }
    }
    return entries.length ? entries : undefined;
  }

  /** The first path not less than `key`. */
  private lowerBound(key: string, lo = 0): number {
    let hi = this.paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.paths[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Below this size hashing is the cheaper proof once node:crypto is loaded: the two lstat calls of the stat check
 * cost about what SHA-1 of ~30 KB does (measured: 4,900 small controllers read 20-40% slower through the stat
 * check than hashed). Before the first hash the stat check is cheaper at any size: it spares loading node:crypto
 * (~7 ms), which a pre-commit run with one clean staged file otherwise loads for that file alone.
 */
const TRUST_STAT_FROM_BYTES = 32 * 1024;

/**
 * The work-tree file's stat when it matches what git recorded at staging (mtime, ctime, size, inode: as
 * `git status` decides, with core.trustctime) and the entry is not "racily clean" (changed in the second the
 * index was written, when a later edit could leave the same stat). Otherwise undefined: hash the bytes.
 */
function statClean(abs: string, index: GitIndex, row: number): BigIntStats | undefined {
  if (index.flagged(row)) return undefined;
  const s = index.stat(row);
  if ((s.size < TRUST_STAT_FROM_BYTES && hashingLoaded()) || s.mtimeS >= index.indexMtimeS) return undefined;
  const st = lstatIfAny(abs);
  if (!st?.isFile()) return undefined;
  const low = (n: bigint) => Number(n & 0xffffffffn);
  const ns = (t: bigint) => Number(t % 1_000_000_000n);
  const sec = (t: bigint) => low(t / 1_000_000_000n);
  const ok =
    low(st.size) === s.size &&
    low(st.ino) === s.ino &&
    sec(st.mtimeNs) === s.mtimeS &&
    ns(st.mtimeNs) === s.mtimeNs &&
    sec(st.ctimeNs) === s.ctimeS &&
    ns(st.ctimeNs) === s.ctimeNs;
  return ok ? st : undefined;
}

function lstatIfAny(abs: string): BigIntStats | undefined {
  try {
    return lstatSync(abs, { bigint: true });
  } catch {
    return undefined;
  }
}

const sameStat = (a: BigIntStats, b: BigIntStats | undefined) =>
  !!b && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** The disk as the git index reader (src/project/git-index.ts) sees it: git's own files, not the project's. */
export const diskIndexFiles: IndexFiles = {
  kind(file) {
    const st = statSync(file, { throwIfNoEntry: false });
    return st === undefined ? undefined : st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  },
  text(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  realpath(file) {
    try {
      return realpathSync.native(file);
    } catch {
      return undefined;
    }
  },
  bytes(file) {
    // fstat the descriptor read: the mtime must be that of these bytes (git replaces the index, never edits it).
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const st = fstatSync(fd);
      return st.isFile() ? { bytes: readFileSync(fd), mtimeS: Math.floor(st.mtimeMs / 1000) } : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  },
};

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
