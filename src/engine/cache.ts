import { createHash } from '../lang/crypto.js';
import type { FileError } from './finding.js';

/**
 * `--cache` (as ESLint's): what each file's rules reported, so an unchanged file is neither parsed nor checked
 * again. The cache never changes findings:
 * - the whole cache is keyed by what every result depends on besides the file itself (`key`: tool version and
 *   build, the rules and their severities, the options, and every project read the ecosystems made to resolve
 *   their facts, built by the api), and is dropped when that key differs;
 * - an entry is used only for the same text (sha256), and, when a rule with a project index looked at the file,
 *   only for the same index inputs (the texts of every file the index query selected);
 * - anything that is not the exact shape written here is a miss (a corrupt or hand-edited cache is ignored).
 * Reading every file is still needed (the hash, the main pass's prefilter); parsing and rules are what it saves.
 */
interface Entry {
  hash: string;
  /** Set when an index rule checked the file: the index inputs the result depends on. */
  indexKey?: string;
  /** The drafts the file's check produced (plain data, locations resolved). */
  drafts: unknown[];
  errors: FileError[];
}

export interface CacheFile {
  statelintCache: 1;
  key: string;
  files: Record<string, Entry>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class ResultCache {
  private readonly old: Map<string, Entry>;
  private readonly next = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  /** `stored` is whatever the cache file held (unparsed JSON value); anything unexpected starts empty. */
  constructor(
    readonly key: string,
    stored: unknown,
  ) {
    this.old = new Map();
    const s = stored as Partial<CacheFile> | undefined;
    if (!s || typeof s !== 'object' || s.statelintCache !== 1 || s.key !== key || !s.files || typeof s.files !== 'object') return;
    for (const [path, e] of Object.entries(s.files)) if (validEntry(e)) this.old.set(path, e);
  }

  /** The cached result of a file, when its text (and index inputs) are the ones it was computed from. */
  lookup(path: string, hash: string, indexKey: string | undefined): { drafts: unknown[]; errors: FileError[] } | undefined {
    const e = this.old.get(path);
    if (!e || e.hash !== hash || e.indexKey !== indexKey) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.next.set(path, e);
    return { drafts: e.drafts, errors: e.errors };
  }

  store(path: string, hash: string, indexKey: string | undefined, drafts: unknown[], errors: FileError[]): void {
    this.next.set(path, { hash, ...(indexKey ? { indexKey } : {}), drafts, errors });
  }

  /** Entries of files that were candidates in this run whose result was not recomputed are kept as they were. */
  keep(path: string): void {
    const e = this.old.get(path);
    if (e && !this.next.has(path)) this.next.set(path, e);
  }

  toFile(): CacheFile {
    return { statelintCache: 1, key: this.key, files: Object.fromEntries(this.next) };
  }
}

function validEntry(e: unknown): e is Entry {
  if (!e || typeof e !== 'object') return false;
  const x = e as Entry;
  return (
    typeof x.hash === 'string' &&
    (x.indexKey === undefined || typeof x.indexKey === 'string') &&
    Array.isArray(x.drafts) &&
    x.drafts.every(validDraft) &&
    Array.isArray(x.errors) &&
    x.errors.every((er) => !!er && typeof er === 'object' && typeof er.file === 'string' && typeof er.message === 'string')
  );
}

/** A finding draft as the runner makes them (Finding without its fingerprint). */
function validDraft(d: unknown): boolean {
  if (!d || typeof d !== 'object') return false;
  const x = d as Record<string, unknown>;
  const loc = x.location as Record<string, unknown> | undefined;
  return (
    typeof x.ruleId === 'string' &&
    typeof x.category === 'string' &&
    typeof x.severity === 'string' &&
    typeof x.message === 'string' &&
    typeof x.remediation === 'string' &&
    Array.isArray(x.related) &&
    (x.fix === null || typeof x.fix === 'object') &&
    !!loc &&
    typeof loc === 'object' &&
    typeof loc.file === 'string' &&
    ['line', 'column', 'endLine', 'endColumn'].every((k) => Number.isInteger(loc[k]))
  );
}
