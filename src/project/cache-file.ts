import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceFile } from './fix-files.js';

/** Larger cache files are not read (a cache is a few hundred bytes per candidate file). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The --cache file (src/engine/cache.ts decides what is in it). Default place: the project's
 * node_modules/.cache/statelint/ when it has node_modules (ignored by every .gitignore), else .statelintcache.
 * A folder (existing, or given with a trailing slash) holds statelint-cache.json.
 */
export function cacheLocation(root: string, given?: string): string {
  if (given) {
    const abs = path.resolve(given);
    let isDir = /[\\/]$/.test(given);
    try {
      isDir ||= fs.statSync(abs).isDirectory();
    } catch {
      // not there yet: a file name
    }
    return isDir ? path.join(abs, 'statelint-cache.json') : abs;
  }
  let modules = false;
  try {
    modules = fs.lstatSync(path.join(root, 'node_modules')).isDirectory();
  } catch {
    // no node_modules
  }
  return modules ? path.join(root, 'node_modules', '.cache', 'statelint', 'cache.json') : path.join(root, '.statelintcache');
}

/** The parsed cache file, or undefined when it is missing, not a regular file, too large or not JSON. */
export function readCacheFile(file: string): unknown {
  try {
    const st = fs.lstatSync(file);
    if (!st.isFile() || st.size > MAX_CACHE_BYTES) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (replaceFile: temp file, then rename). Returns the reason when it could not be written. */
export function writeCacheFile(file: string, data: unknown): string | undefined {
  try {
    replaceFile(file, JSON.stringify(data));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** This build's identity: tsc rewrites every output file on each build, so a rebuilt statelint never reuses a cache. */
export function buildIdentity(): string {
  try {
    const st = fs.statSync(fileURLToPath(import.meta.url));
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'unknown';
  }
}
