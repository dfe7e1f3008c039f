import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
// The compiler's code cache only (statelint's own dependency and a per-user cache folder), never the project.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type { ts as TS } from 'ts-morph';
import type { LanguageAdapter, ParsedFile } from './adapter.js';

/**
 * TypeScript and JavaScript on the TypeScript compiler API bundled with ts-morph (docs/ARCHITECTURE.md,
 * "Languages"). Only `createSourceFile` is used: no program, no type checker, no ts-morph wrappers
 * (their node walk is an order of magnitude slower). This module is imported only when a Node server
 * app is audited (`loadAdapter('ts' | 'js')`), so a Laravel audit never loads the compiler.
 */
// The compiler bundled with ts-morph, loaded directly: ts-morph's own wrappers (ts-morph.js and
// ts-morph-common.js, 4 MB) are never used here, so they are not loaded.
// Resolved from ts-morph's own location, so a nested (not hoisted) @ts-morph/common is found too.
const fromTsMorph = createRequire(createRequire(import.meta.url).resolve('ts-morph'));
const TS_FILE = fromTsMorph.resolve('@ts-morph/common/dist/typescript.js');
const ts: typeof TS = loadCompiler();

/**
 * typescript.js is 9 MB: compiling it costs more than parsing a large app's server code. Node 20 has no
 * module compile cache, so V8's code cache is kept here, in a per-user cache folder, keyed by the file
 * and the Node version (V8 also rejects data from another V8 or other flags; it is then rewritten).
 * Any failure falls back to a plain require. STATELINT_NO_COMPILE_CACHE=1 turns it off.
 */
function loadCompiler(): typeof TS {
  let cacheFile: string | undefined;
  let source: string;
  let cachedData: Buffer | undefined;
  const readCache = (file: string | undefined) => {
    try {
      return file ? readFileSync(file) : undefined;
    } catch {
      return undefined; // not written yet
    }
  };
  try {
    const st = statSync(TS_FILE);
    const dir = process.env.STATELINT_NO_COMPILE_CACHE ? undefined : cacheDir();
    const key = createHash('sha256').update(JSON.stringify([process.version, process.arch, TS_FILE, st.size, st.mtimeMs])).digest('hex').slice(0, 16);
    const named = (encoding: string) => dir && path.join(dir, `typescript-${key}-${encoding}.v8`);
    const buf = readFileSync(TS_FILE);
    // typescript.js is ASCII: latin1 decodes it to the same string, faster than UTF-8. The cache file's name says
    // which decoding its writer checked, so a run with a cache does not scan the 9 MB again (~20 ms).
    cachedData = readCache(named('latin1'));
    const encoding = cachedData || isAscii(buf) ? 'latin1' : 'utf8';
    source = buf.toString(encoding);
    cacheFile = named(encoding);
    if (encoding === 'utf8') cachedData = readCache(cacheFile);
  } catch {
    return fromTsMorph(TS_FILE);
  }
  let script: vm.Script;
  // Registered as a CommonJS module like a require() would, so a later require of the file gets this instance.
  const mod = new Module(TS_FILE);
  try {
    script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: TS_FILE, cachedData });
    mod.filename = TS_FILE;
    script.runInThisContext()(mod.exports, createRequire(TS_FILE), mod, TS_FILE, path.dirname(TS_FILE));
    mod.loaded = true;
    fromTsMorph.cache[TS_FILE] = mod;
  } catch {
    return fromTsMorph(TS_FILE);
  }
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // Written at exit, so the functions compiled while parsing (the parser's) are in it too.
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        // Two plain mkdirs, not a recursive one: Node 20's recursive mkdirSync never returns on some paths (under /proc).
        for (const dir of [path.dirname(path.dirname(cacheFile)), path.dirname(cacheFile)]) {
          try {
            mkdirSync(dir, { mode: 0o700 });
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          }
        }
        writeFileSync(tmp, data, { mode: 0o600 });
        renameSync(tmp, cacheFile);
      } catch {
        // a read-only home: no cache, same results
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing was written
        }
      }
    });
  }
  return mod.exports as typeof TS;
}

/** $XDG_CACHE_HOME/statelint (~/.cache/statelint), %LOCALAPPDATA%\statelint on Windows. */
function cacheDir(): string | undefined {
  const base = process.platform === 'win32' ? process.env.LOCALAPPDATA : process.env.XDG_CACHE_HOME || (os.homedir() && path.join(os.homedir(), '.cache'));
  return base ? path.join(base, 'statelint') : undefined;
}

/** JSDoc is not read by any rule: skipping it makes the parse cheaper. */
export const PARSE_OPTIONS: TS.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
export type TsNode = TS.Node;
export { ts };

function parseDiagnostics(sf: TS.SourceFile): readonly TS.Diagnostic[] {
  return (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
}

/**
 * Trees the Node ecosystem parsed before the rule pass (files with computed requires in the import graph, files
 * whose values rules follow), by kind and text: parseTs takes one instead of parsing the same text again. A tree
 * depends only on its text and kind (the file name is not read), so the rule pass sees the same tree. Cleared
 * when a project is loaded, so a long-lived process keeps one audit's worth at most.
 */
const offered = new Map<TS.ScriptKind, Map<string, TS.SourceFile>>();

/** Parses a file of the project (`fileName` its path), or takes the tree of the same text and kind parsed before. */
export function parseProjectFile(fileName: string, text: string, kind: TS.ScriptKind): TS.SourceFile {
  let trees = offered.get(kind);
  if (!trees) offered.set(kind, (trees = new Map()));
  let sf = trees.get(text);
  if (!sf) trees.set(text, (sf = ts.createSourceFile(fileName, text, PARSE_OPTIONS, true, kind)));
  return sf;
}

export function clearParsedTrees(): void {
  offered.clear();
}

function parseOnce(fileName: string, text: string, kind: TS.ScriptKind): TS.SourceFile {
  const trees = offered.get(kind);
  const earlier = trees?.get(text);
  if (earlier) {
    trees!.delete(text);
    return earlier;
  }
  return ts.createSourceFile(fileName, text, PARSE_OPTIONS, true, kind);
}

/** How a file is parsed, from its name: .tsx as TSX, .ts/.mts/.cts as TS, JavaScript as JSX (JSX is a superset). */
export function scriptKindOf(fileName: string): TS.ScriptKind {
  return /\.tsx$/.test(fileName) ? ts.ScriptKind.TSX : /\.(m|c)?ts$/.test(fileName) ? ts.ScriptKind.TS : ts.ScriptKind.JSX;
}

/** Parses TS/JS text; `.ts` that fails as TS is retried as TSX (the adapter does not know the file name). */
export function parseTs(text: string, language: 'ts' | 'js', fileName = language === 'ts' ? 'file.ts' : 'file.jsx'): TS.SourceFile {
  const kind = scriptKindOf(fileName);
  const sf = parseOnce(fileName, text, kind);
  if (kind === ts.ScriptKind.TS && parseDiagnostics(sf).length) {
    const tsx = parseOnce(fileName.replace(/\.\w+$/, '.tsx'), text, ts.ScriptKind.TSX);
    if (!parseDiagnostics(tsx).length) return tsx;
  }
  return sf;
}

/** The smallest node whose [start, end) holds the offset. */
export function nodeAt(sf: TS.SourceFile, offset: number): TS.Node {
  let cur: TS.Node = sf;
  for (;;) {
    let next: TS.Node | undefined;
    ts.forEachChild(cur, (c) => {
      if (c.getStart(sf) <= offset && offset < c.end) {
        next = c;
        return true;
      }
      return undefined;
    });
    if (!next) return cur;
    cur = next;
  }
}

function wrap(sf: TS.SourceFile): ParsedFile<TS.Node> {
  return {
    root: sf,
    nodesAt(pattern) {
      const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
      const out: TS.Node[] = [];
      const seen = new Set<TS.Node>();
      for (const m of sf.text.matchAll(re)) {
        const n = nodeAt(sf, m.index ?? 0);
        if (!seen.has(n)) out.push(n);
        seen.add(n);
      }
      return out;
    },
    firstError: () => parseDiagnostics(sf)[0]?.start,
    dispose: () => undefined,
  };
}

const span = (n: TS.Node) => [n.getStart(), n.end] as const;
const comments: LanguageAdapter['comments'] = { line: ['//'], block: [['/*', '*/']] };

export const tsAdapter: LanguageAdapter<TS.Node> = { id: 'ts', comments, parse: async (text) => wrap(parseTs(text, 'ts')), span };
export const jsAdapter: LanguageAdapter<TS.Node> = { id: 'js', comments, parse: async (text) => wrap(parseTs(text, 'js')), span };
