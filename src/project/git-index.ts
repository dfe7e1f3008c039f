import path from 'node:path';

/**
 * A reader of git's binary index file (gitformat-index: versions 2, 3 and 4), so that a --staged run need
 * not start `git ls-files --stage` and parse its text. It answers only when it is sure that it lists exactly
 * what that command would list in the audited folder; anything else (a split or sparse index, an index or
 * repository named by the environment, an unknown version, a file that does not parse) is `undefined`, and the
 * caller runs git as before. Like git's own reads (only fsck verifies it), the trailing checksum is not verified:
 * hashing the file would cost a hook run the load of node:crypto and a pass over the file, and git writes the
 * index by renaming a complete file over it.
 */

/** The stat data git recorded when it last saw the work-tree file (each field truncated to 32 bits, as stored). */
export interface IndexStat {
  ctimeS: number;
  ctimeNs: number;
  mtimeS: number;
  mtimeNs: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  size: number;
}

export interface IndexEntry {
  /** e.g. 0o100644, 0o100755, 0o120000 (symbolic link), 0o160000 (submodule). */
  mode: number;
  /** Object id in hex: 40 digits, or 64 in a SHA-256 repository. */
  oid: string;
  /** 0, or 1-3 for the sides of a conflict. */
  stage: number;
  /** Relative to the audited folder, forward slashes. */
  path: string;
  stat: IndexStat;
  /** assume-unchanged, skip-worktree or intent-to-add: the work-tree file says nothing about the staged blob. */
  flagged: boolean;
}

/**
 * The entries of an index file under the audited folder, in index order. Only the paths are decoded up front;
 * mode, object id, stage and stat data are read from the file's bytes when asked for (a --staged run needs
 * them for a few files of thousands), so reading an index allocates little more than its path strings.
 */
export class GitIndex {
  constructor(
    private readonly buf: Buffer,
    private readonly idLength: number,
    /** The index file's mtime in seconds: an entry whose file changed in or after it may be "racily clean". */
    readonly indexMtimeS: number,
    /** Paths relative to the audited folder. */
    readonly paths: string[],
    /** Where each entry starts in `buf`. */
    private readonly starts: number[],
    /** Every entry is a regular file at stage 0: the paths are the index file system's files as they are. */
    readonly plain: boolean,
  ) {}

  mode(i: number): number {
    return u32(this.buf, this.starts[i] + 24);
  }

  stage(i: number): number {
    return (this.buf[this.starts[i] + 40 + this.idLength] >> 4) & 3;
  }

  oid(i: number): string {
    const at = this.starts[i] + 40;
    return this.buf.toString('hex', at, at + this.idLength);
  }

  flagged(i: number): boolean {
    const at = this.starts[i] + 40 + this.idLength;
    const flags = (this.buf[at] << 8) | this.buf[at + 1];
    if (flags & ASSUME_VALID) return true;
    return (flags & EXTENDED) !== 0 && (((this.buf[at + 2] << 8) | this.buf[at + 3]) & (SKIP_WORKTREE | INTENT_TO_ADD)) !== 0;
  }

  stat(i: number): IndexStat {
    const b = this.buf;
    const at = this.starts[i];
    return {
      ctimeS: u32(b, at),
      ctimeNs: u32(b, at + 4),
      mtimeS: u32(b, at + 8),
      mtimeNs: u32(b, at + 12),
      dev: u32(b, at + 16),
      ino: u32(b, at + 20),
      uid: u32(b, at + 28),
      gid: u32(b, at + 32),
      size: u32(b, at + 36),
    };
  }

  /** Every entry in full (for tests and tools; a run reads the parts it needs). */
  get entries(): IndexEntry[] {
    return this.paths.map((path, i) => ({ mode: this.mode(i), oid: this.oid(i), stage: this.stage(i), path, stat: this.stat(i), flagged: this.flagged(i) }));
  }
}

/** A big-endian 32-bit number, read inline (Buffer's reader costs a call into Node per field). */
const u32 = (b: Buffer, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;

const ASSUME_VALID = 0x8000;
const EXTENDED = 0x4000;
const SKIP_WORKTREE = 0x4000;
const INTENT_TO_ADD = 0x2000;

/**
 * The few disk operations the reader needs. Only the project file system touches the disk
 * (src/project/fs.ts gives `diskIndexFiles`); each answers undefined when the path cannot be read.
 */
export interface IndexFiles {
  /** What is at the path, following symbolic links. */
  kind(file: string): 'file' | 'dir' | 'other' | undefined;
  text(file: string): string | undefined;
  realpath(file: string): string | undefined;
  /** A regular file's bytes and its mtime in whole seconds, both of one open descriptor. */
  bytes(file: string): { bytes: Buffer; mtimeS: number } | undefined;
}

/** Entries of the index that `git ls-files --stage` run in `cwd` would list, or undefined when not sure. */
export function readGitIndex(cwd: string, files: IndexFiles, env: NodeJS.ProcessEnv = process.env): GitIndex | undefined {
  try {
    const repo = locate(cwd, files, env);
    if (!repo) return undefined;
    const read = files.bytes(repo.index);
    if (!read) return undefined;
    const { bytes: buf, mtimeS } = read;
    // The id length follows the repository's object format; the layout confirms it (a wrong length cannot parse to
    // the trailer exactly), and the other length is tried if the configuration misled.
    const lengths = repo.idLength === 32 ? [32, 20] : [20, 32];
    for (const idLength of lengths) {
      const index = parseIndex(buf, idLength, repo.prefix, mtimeS);
      if (index) return index;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

interface Repo {
  index: string;
  /** The audited folder relative to the work-tree top, with a trailing slash ('' at the top). */
  prefix: string;
  idLength: number;
}


/** The index file of the work tree holding `cwd` (found as git finds it: the nearest `.git` upward). */
function locate(cwd: string, files: IndexFiles, env: NodeJS.ProcessEnv): Repo | undefined {
  const same = (a: string, b: string) => {
    const real = files.realpath(a);
    return real !== undefined && real === files.realpath(b);
  };
  // These move the work tree, the objects or the repository away from where discovery finds them.
  if (env.GIT_WORK_TREE || env.GIT_COMMON_DIR || env.GIT_OBJECT_DIRECTORY || env.GIT_NAMESPACE) return undefined;
  if (env.GIT_CONFIG_PARAMETERS?.includes('worktree') || env.GIT_CONFIG_COUNT) return undefined;
  const start = files.realpath(cwd);
  if (start === undefined) return undefined;
  let top = start;
  let dotGit = path.join(top, '.git');
  let found = files.kind(dotGit);
  while (!found) {
    const up = path.dirname(top);
    if (up === top) return undefined;
    top = up;
    dotGit = path.join(top, '.git');
    found = files.kind(dotGit);
  }
  const rel = path.relative(top, start);
  if (rel.split(path.sep).includes('.git')) return undefined; // inside the repository itself, not its work tree
  let gitDir = dotGit;
  if (found === 'file') {
    // A linked worktree or a submodule: `gitdir: <path>`, relative to the folder holding the file.
    const m = /^gitdir: (.+?)\r?\n?$/.exec(files.text(dotGit) ?? '');
    if (!m) return undefined;
    gitDir = path.resolve(top, m[1]);
  }
  if (files.kind(gitDir) !== 'dir') return undefined;
  const index = path.join(gitDir, 'index');
  // A hook gets GIT_INDEX_FILE (and in a linked worktree GIT_DIR) naming the usual files; `git commit -a` or
  // `git commit <path>` name a temporary index instead. Only the usual ones are read here.
  if (env.GIT_INDEX_FILE && !same(path.resolve(top, env.GIT_INDEX_FILE), index)) return undefined;
  // With GIT_DIR set git does no discovery: the current folder is the top of the work tree.
  if (env.GIT_DIR && !(same(path.resolve(start, env.GIT_DIR), gitDir) && rel === '')) return undefined;
  // A linked worktree's git folder names the common one (else it is the common one).
  const common = files.text(path.join(gitDir, 'commondir'));
  const commonDir = common === undefined ? gitDir : path.resolve(gitDir, common.trim());
  const config = files.text(path.join(commonDir, 'config'));
  if (config === undefined) return undefined;
  // A core.worktree (submodules absorbed into .git/modules have one) must name this very work tree.
  for (const [file, dir] of [[config, commonDir], [files.text(path.join(gitDir, 'config.worktree')) ?? '', gitDir]] as const) {
    const wt = /^\s*worktree\s*=\s*(.*?)\s*$/im.exec(file);
    if (wt && (/["\\]/.test(wt[1]) || !same(path.resolve(dir, wt[1]), top))) return undefined;
  }
  if (gitDir !== commonDir) {
    const own = files.text(path.join(gitDir, 'config'));
    if (own && /^\s*worktree\s*=/im.test(own)) return undefined;
  }
  const idLength = /^\s*objectformat\s*=\s*"?sha256"?\s*$/im.test(config) ? 32 : 20;
  return { index, prefix: rel === '' ? '' : rel.split(path.sep).join('/') + '/', idLength };
}

/**
 * Entries under `prefix` (paths relative to it), or undefined when the bytes do not parse exactly as an index
 * with ids of `idLength` bytes, or use a feature whose listing this reader cannot reproduce.
 */
export function parseIndex(buf: Buffer, idLength: number, prefix = '', mtimeS = 0): GitIndex | undefined {
  // Header: "DIRC", version, entry count; the file ends with a checksum as long as an object id.
  if (buf.length < 12 + idLength || u32(buf, 0) !== 0x44495243) return undefined;
  const version = u32(buf, 4);
  if (version < 2 || version > 4) return undefined;
  const count = u32(buf, 8);
  const end = buf.length - idLength;
  const pre = Buffer.from(prefix, 'utf8');
  const preLen = pre.length;
  // The paths are gathered into `names`, NUL-separated, and decoded by one call at the end: a string made per
  // entry (or a Buffer copy) costs a call into Node each, the bulk of a cold run's time on 6,000 entries.
  const names = Buffer.allocUnsafe(buf.length);
  let w = 0;
  const starts: number[] = [];
  let plain = true;
  // Version 4 stores each path as "drop N bytes from the previous path, then append these": kept in `scratch`.
  let scratch = Buffer.allocUnsafe(version === 4 ? 4096 : 0);
  let prevLen = 0;
  let at = 12;
  for (let i = 0; i < count; i++) {
    const flagsAt = at + 40 + idLength;
    if (flagsAt + 2 > end) return undefined;
    if ((buf[at + 26] & 0xf0) === 0x40) return undefined; // mode 040000: a sparse index's folder entry
    const flags = (buf[flagsAt] << 8) | buf[flagsAt + 1];
    let nameAt = flagsAt + 2;
    if (flags & EXTENDED) {
      if (version < 3) return undefined;
      nameAt += 2;
    }
    let nameBuf = buf;
    let nameStart = nameAt;
    let nameEnd: number;
    let next: number;
    if (version === 4) {
      // Varint as git writes offsets: 7 bits a byte, most significant first, +1 for each continuation.
      let p = nameAt;
      if (p >= end) return undefined;
      let c = buf[p++];
      let drop = c & 127;
      while (c & 128) {
        if (p >= end || drop > 0xffffff) return undefined;
        c = buf[p++];
        drop = ((drop + 1) << 7) | (c & 127);
      }
      const nul = buf.indexOf(0, p);
      if (nul < 0 || nul >= end || drop > prevLen) return undefined;
      const keep = prevLen - drop;
      const len = keep + (nul - p);
      if (len > scratch.length) {
        const grown = Buffer.allocUnsafe(Math.max(len, scratch.length * 2));
        scratch.copy(grown, 0, 0, keep);
        scratch = grown;
      }
      buf.copy(scratch, keep, p, nul);
      prevLen = len;
      nameBuf = scratch;
      nameStart = 0;
      nameEnd = len;
      next = nul + 1;
    } else {
      const stated = flags & 0xfff;
      nameEnd = stated < 0xfff ? nameAt + stated : buf.indexOf(0, nameAt + 0xfff);
      if (nameEnd < nameAt || nameEnd >= end || buf[nameEnd] !== 0) return undefined;
      // Padded with 1-8 NULs to a multiple of 8 bytes from the entry's start.
      next = at + ((nameEnd - at + 8) & ~7);
      if (next > end) return undefined;
      for (let p = nameEnd + 1; p < next; p++) if (buf[p] !== 0) return undefined;
    }
    if (nameEnd === nameStart) return undefined;
    let under = true;
    if (preLen > 0) {
      under = nameEnd - nameStart > preLen;
      for (let k = 0; under && k < preLen; k++) under = nameBuf[nameStart + k] === pre[k];
    }
    if (under) {
      if ((buf[at + 26] & 0xf0) !== 0x80 || flags & 0x3000) plain = false;
      for (let p = nameStart + preLen; p < nameEnd; p++) names[w++] = nameBuf[p];
      names[w++] = 0;
      starts.push(at);
    }
    at = next;
  }
  // Extensions: 4-byte signature, 4-byte size, data; they must end exactly at the checksum.
  while (at < end) {
    if (at + 8 > end) return undefined;
    const size = u32(buf, at + 4);
    if (at + 8 + size > end) return undefined;
    // Lower-case signatures are extensions a reader must understand, such as a split index's `link` (its
    // entries are in another file) and a sparse index's `sdir`: none is understood here.
    if (!(buf[at] >= 0x41 && buf[at] <= 0x5a)) return undefined;
    at += 8 + size;
  }
  if (at !== end) return undefined;
  const paths = w === 0 ? [] : names.toString('utf8', 0, w - 1).split('\0');
  return new GitIndex(buf, idLength, mtimeS, paths, starts, plain);
}
